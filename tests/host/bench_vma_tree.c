/* bench_vma_tree.c - what the VMA tree's operations cost as it grows, on
 * the host (-O2, no sanitizers): ns per lookup, per insert + remove pair
 * and per top-down gap search, for 10 to 100 000 entries, and each divided
 * by log2(n) - a column that stays flat says O(log n).  `make bench` runs
 * it (make bench-vma-tree alone).  BENCH_N=n runs one size only, for
 * counting instructions per call under valgrind --tool=callgrind
 * (--toggle-collect=vt_find gives vt_find's instructions and call count). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "mm/vma_tree.h"

static void *b_alloc(size_t n) { return malloc(n); }
static void b_free(void *p) { free(p); }

static uint64_t rnd_state = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int main(void)
{
	static const int sizes[] = { 10, 100, 1000, 10000, 100000 };
	printf("VMA tree (mm/vma_tree.c) on the host, -O2: ns per operation\n");
	printf("%10s %10s %10s %10s %10s %10s %10s %8s\n", "entries", "lookup", "/log2 n", "ins+rm", "/log2 n", "gap",
	       "/log2 n", "check");
	volatile uintptr_t sink = 0;
	const char *only = getenv("BENCH_N");
	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		int n = sizes[k];
		if (only && atoi(only) != n)
			continue;
		struct vma_tree t;
		vt_init(&t, b_alloc, b_free, b_free);
		/* n entries of 16 KiB every 64 KiB, inserted in random order */
		int *order = malloc(sizeof(int) * (size_t)n);
		for (int i = 0; i < n; i++)
			order[i] = i;
		for (int i = n - 1; i > 0; i--) {
			int j = (int)(rnd() % (uint64_t)(i + 1)), x = order[i];
			order[i] = order[j];
			order[j] = x;
		}
		for (int i = 0; i < n; i++)
			vt_insert(&t, (uint64_t)order[i] << 16, ((uint64_t)order[i] << 16) + 0x4000, (void *)(uintptr_t)(i + 1));
		const int iters = 400000;
		double t0 = now_ns();
		for (int i = 0; i < iters; i++)
			sink += (uintptr_t)vt_find(&t, ((rnd() % (uint64_t)n) << 16) + 0x100);
		double lookup = (now_ns() - t0) / iters;
		t0 = now_ns();
		for (int i = 0; i < iters / 4; i++) {
			uint64_t s = ((rnd() % (uint64_t)n) << 16) + 0x8000; /* in a hole */
			vt_insert(&t, s, s + 0x1000, (void *)1);
			vt_remove(&t, s);
		}
		double insrm = (now_ns() - t0) / (iters / 4);
		t0 = now_ns();
		for (int i = 0; i < iters / 4; i++) {
			uint64_t a, high = ((rnd() % (uint64_t)n) + 1) << 16;
			sink += vt_gap_topdown(&t, 0x8000 + (rnd() % 8) * 0x1000, 0, high, &a) == 0 ? a : 0;
		}
		double gap = (now_ns() - t0) / (iters / 4);
		double lg = log2((double)n);
		printf("%10d %10.1f %10.2f %10.1f %10.2f %10.1f %10.2f %8s\n", n, lookup, lookup / lg, insrm, insrm / lg, gap,
		       gap / lg, vt_check(&t) == 0 ? "ok" : "BROKEN");
		vt_destroy(&t, NULL);
		free(order);
	}
	(void)sink;
	return 0;
}
