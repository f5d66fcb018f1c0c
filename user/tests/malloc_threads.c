/* malloc_threads.c - malloc under threads.  Four threads each allocate, fill
 * with a pattern, verify and free many small blocks (16..512 bytes) and some
 * large ones (256..512 KiB, which musl takes straight from mmap), and free
 * blocks that main allocated for them.  Main then grows a block with realloc
 * from 16 bytes to 1 MiB (brk, then mmap, then mremap in musl), checking the
 * contents survive, and checks that calloc returns zeroes even where freed,
 * dirty memory is reused.  Threads record failures; main prints the checks.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

#define NR_THREADS 4
#define NR_ROUNDS  10
#define NR_SMALL   64
#define NR_LARGE   2
#define NR_GIFTS   32

struct worker {
	uint32_t seed;
	unsigned char *gifts[NR_GIFTS]; /* allocated by main, freed by the worker */
	long bad_small, bad_large, bad_gifts, failed_allocs;
};

static uint32_t next_rand(uint32_t *seed)
{
	*seed = *seed * 1103515245 + 12345;
	return *seed >> 8;
}

/* Write a pattern derived from tag into every step-th byte of p[0..len) and
 * the last one; check_pattern verifies it.  Large blocks use a step of 64:
 * every page is still touched, at a fraction of the cost. */
static void fill_pattern(unsigned char *p, size_t len, uint32_t tag, size_t step)
{
	for (size_t i = 0; i < len; i += step)
		p[i] = (unsigned char)(tag + i * 7);
	p[len - 1] = (unsigned char)(tag + (len - 1) * 7);
}

static bool check_pattern(const unsigned char *p, size_t len, uint32_t tag, size_t step)
{
	for (size_t i = 0; i < len; i += step)
		if (p[i] != (unsigned char)(tag + i * 7))
			return false;
	return p[len - 1] == (unsigned char)(tag + (len - 1) * 7);
}

static void *worker_thread(void *arg)
{
	struct worker *w = arg;
	unsigned char *small[NR_SMALL], *large[NR_LARGE];
	size_t small_len[NR_SMALL], large_len[NR_LARGE];
	uint32_t small_tag[NR_SMALL];

	for (int i = 0; i < NR_GIFTS; i++) {
		w->bad_gifts += !check_pattern(w->gifts[i], 100 + i, i, 1);
		free(w->gifts[i]);
	}
	for (int r = 0; r < NR_ROUNDS; r++) {
		for (int i = 0; i < NR_SMALL; i++) {
			small_len[i] = 16 + next_rand(&w->seed) % (512 - 16 + 1);
			small_tag[i] = next_rand(&w->seed);
			small[i] = malloc(small_len[i]);
			if (!small[i]) {
				w->failed_allocs++;
				small_len[i] = 0;
				continue;
			}
			fill_pattern(small[i], small_len[i], small_tag[i], 1);
		}
		for (int i = 0; i < NR_LARGE && r % 5 == 0; i++) {
			large_len[i] = (256 << 10) + next_rand(&w->seed) % (256 << 10);
			large[i] = malloc(large_len[i]);
			if (!large[i]) {
				w->failed_allocs++;
				continue;
			}
			fill_pattern(large[i], large_len[i], i, 64);
		}
		/* Verify and free the small blocks odd ones first, to mix the free lists. */
		for (int pass = 1; pass >= 0; pass--)
			for (int i = pass; i < NR_SMALL; i += 2) {
				if (small[i])
					w->bad_small += !check_pattern(small[i], small_len[i], small_tag[i], 1);
				free(small[i]);
			}
		for (int i = 0; i < NR_LARGE && r % 5 == 0; i++) {
			if (large[i])
				w->bad_large += !check_pattern(large[i], large_len[i], i, 64);
			free(large[i]);
		}
	}
	return NULL;
}

/* Grow one block from 16 bytes to 1 MiB, checking the old contents each time. */
static void check_realloc(void)
{
	size_t len = 16;
	unsigned char *p = malloc(len), *q;
	long bad = 0;

	if (!p) {
		check(false, "realloc growth keeps the contents", "malloc(16) failed");
		return;
	}
	fill_pattern(p, len, 3, 1);
	while (len < (1 << 20)) {
		q = realloc(p, 2 * len);
		if (!q) {
			check(false, "realloc growth keeps the contents", "realloc to %zu failed", 2 * len);
			free(p);
			return;
		}
		p = q;
		bad += !check_pattern(p, len, 3, 1);
		len *= 2;
		fill_pattern(p, len, 3, 1);
	}
	check(!bad, "realloc growth keeps the contents", "%ld of the steps lost data", bad);
	q = realloc(p, 100);
	check(q && check_pattern(q, 100, 3, 1), "realloc shrink keeps the contents", "data lost");
	free(q ? q : p);
}

/* calloc must return zeroes, including where dirty freed memory is reused. */
static void check_calloc(void)
{
	static const size_t sizes[] = {24, 1000, 8000, 300 << 10};
	long bad = 0;

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		for (int round = 0; round < 4; round++) {
			unsigned char *dirty = malloc(sizes[i]);
			if (dirty)
				memset(dirty, 0xa5, sizes[i]);
			free(dirty);
			unsigned char *p = calloc(1, sizes[i]);
			if (!p) {
				bad++;
				continue;
			}
			for (size_t j = 0; j < sizes[i]; j++)
				if (p[j]) {
					bad++;
					break;
				}
			free(p);
		}
	}
	check(!bad, "calloc returns zeroed memory", "%ld non-zero or failed callocs", bad);
}

int main(void)
{
	pthread_t t[NR_THREADS];
	struct worker w[NR_THREADS];
	int created = 0;
	char desc[80];

	memset(w, 0, sizeof(w));
	for (int i = 0; i < NR_THREADS; i++) {
		w[i].seed = 42 + i;
		for (int j = 0; j < NR_GIFTS; j++) {
			w[i].gifts[j] = malloc(100 + j);
			if (!w[i].gifts[j]) {
				check(false, "malloc gifts for the threads", "malloc failed");
				return check_done();
			}
			fill_pattern(w[i].gifts[j], 100 + j, j, 1);
		}
	}
	for (int i = 0; i < NR_THREADS; i++)
		created += pthread_create(&t[i], NULL, worker_thread, &w[i]) == 0;
	check_eq(created, NR_THREADS, "create the worker threads");
	for (int i = 0; i < created; i++)
		pthread_join(t[i], NULL);
	for (int i = 0; i < created; i++) {
		snprintf(desc, sizeof(desc), "thread %d: blocks from main intact, freed", i);
		check(!w[i].bad_gifts, desc, "%ld corrupted", w[i].bad_gifts);
		snprintf(desc, sizeof(desc), "thread %d: small blocks keep their patterns", i);
		check(!w[i].bad_small && !w[i].failed_allocs, desc, "%ld corrupted, %ld allocations failed",
		      w[i].bad_small, w[i].failed_allocs);
		snprintf(desc, sizeof(desc), "thread %d: large (mmap) blocks keep their patterns", i);
		check(!w[i].bad_large, desc, "%ld corrupted", w[i].bad_large);
	}
	check_realloc();
	check_calloc();
	return check_done();
}
