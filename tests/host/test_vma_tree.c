/* test_vma_tree.c - host unit tests of the VMA tree (mm/vma_tree.c).
 *
 * The tree runs next to a reference model (a sorted array of ranges) for
 * long random sequences of inserts, removes, updates, lookups and gap
 * searches; vt_check() verifies every invariant along the way.  Also:
 * allocation failures leave the tree unchanged and leak nothing, retire
 * gets exactly the replaced nodes, an old root keeps reading the old tree
 * (what lockless readers rely on), and reader threads searching while a
 * writer changes the tree never see a freed node (ASan) or a wrong answer
 * for ranges the writer never touches.  SEED=n changes the sequences. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "mm/vma_tree.h"
#include "tests/host/check.h"

/* ---- memory hooks that count, and can fail ---- */
static long allocs, frees, retires;
static long fail_after = -1; /* the Nth allocation from now fails (-1: never) */
static bool defer_retire;   /* retire into a list freed later (readers may still look) */
static void **deferred;
static size_t ndeferred, capdeferred;

static void *t_alloc(size_t n)
{
	if (fail_after == 0)
		return NULL;
	if (fail_after > 0)
		fail_after--;
	allocs++;
	return malloc(n);
}
static void t_free(void *p)
{
	frees++;
	free(p);
}
static void t_retire(void *p)
{
	retires++;
	if (!defer_retire) {
		free(p);
		return;
	}
	if (ndeferred == capdeferred) {
		capdeferred = capdeferred ? 2 * capdeferred : 1024;
		deferred = realloc(deferred, capdeferred * sizeof(*deferred));
	}
	deferred[ndeferred++] = p;
}
static void free_deferred(void)
{
	for (size_t i = 0; i < ndeferred; i++)
		free(deferred[i]);
	ndeferred = 0;
}

#ifndef MIN
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#endif

/* ---- the reference model ---- */
struct range {
	uint64_t start, end;
	void *item;
};
static struct range *model;
static size_t nmodel;

static size_t model_first_end_above(uint64_t addr) /* index of the first range with end > addr */
{
	size_t lo = 0, hi = nmodel;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (model[mid].end > addr)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}
static bool model_free(uint64_t s, uint64_t e)
{
	size_t i = model_first_end_above(s);
	return i == nmodel || model[i].start >= e;
}
static int model_insert(uint64_t s, uint64_t e, void *item)
{
	if (s >= e)
		return -22;
	if (!model_free(s, e))
		return -17;
	size_t i = model_first_end_above(s);
	memmove(&model[i + 1], &model[i], (nmodel - i) * sizeof(*model));
	model[i] = (struct range){ s, e, item };
	nmodel++;
	return 0;
}
static long model_index_of(uint64_t start)
{
	size_t i = model_first_end_above(start);
	return i < nmodel && model[i].start == start ? (long)i : -1;
}
static void model_remove_at(size_t i)
{
	memmove(&model[i], &model[i + 1], (nmodel - i - 1) * sizeof(*model));
	nmodel--;
}
static bool model_gap(uint64_t len, uint64_t low, uint64_t high, uint64_t *addr)
{
	if (!len || high < low || high - low < len)
		return false;
	uint64_t top = high;
	for (size_t k = nmodel; k-- > 0;) {
		if (model[k].start >= top)
			continue;
		if (model[k].end <= top && top - model[k].end >= len && top - len >= low) {
			*addr = top - len;
			return true;
		}
		top = MIN(top, model[k].start);
		if (top < low || top - low < len)
			return false;
	}
	if (top >= low && top - low >= len) {
		*addr = top - len;
		return true;
	}
	return false;
}

static uint64_t rnd_state;
static uint64_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

#define SPACE 0x100000000ull /* 4 GiB of address space, 1M pages */
static uint64_t rnd_page(void) { return (rnd() % (SPACE >> 12)) << 12; }

static struct vma_tree tree;
static void fresh_tree(void)
{
	vt_init(&tree, t_alloc, t_free, t_retire);
	free(model);
	model = calloc(300000, sizeof(*model));
	nmodel = 0;
	allocs = frees = retires = 0;
}

/* One random operation on both; false on the first disagreement. */
static bool random_op(int grow_bias)
{
	unsigned kind = (unsigned)(rnd() % 100);
	if ((int)kind < 30 + grow_bias) { /* insert */
		uint64_t s = rnd_page(), len = ((rnd() % 64) + 1) << 12;
		void *item = (void *)(uintptr_t)(rnd() | 1);
		int a = vt_insert(&tree, s, s + len, item), b = model_insert(s, s + len, item);
		if (a != b)
			printf("    # insert [%#llx, +%#llx): tree %d model %d\n", (unsigned long long)s, (unsigned long long)len, a, b);
		return a == b;
	}
	if (kind < 55) { /* remove an existing one, or a missing start */
		uint64_t s = nmodel && (rnd() & 1) ? model[rnd() % nmodel].start : rnd_page();
		long i = model_index_of(s);
		int a = vt_remove(&tree, s), b = i >= 0 ? 0 : -2;
		if (i >= 0)
			model_remove_at((size_t)i);
		return a == b;
	}
	if (kind < 65 && nmodel) { /* update: move the start or the end a little */
		size_t i = rnd() % nmodel;
		uint64_t old = model[i].start;
		uint64_t ns = old + (uint64_t)(((int64_t)(rnd() % 3) - 1) * 4096);
		uint64_t ne = model[i].end + (uint64_t)(((int64_t)(rnd() % 5) - 2) * 4096);
		void *item = (void *)(uintptr_t)(rnd() | 1);
		int b = 0;
		if (ns >= ne)
			b = -22;
		else if ((i > 0 && model[i - 1].end > ns) || (i + 1 < nmodel && model[i + 1].start < ne))
			b = -17;
		int a = vt_update(&tree, old, ns, ne, item);
		if (b == 0)
			model[i] = (struct range){ ns, ne, item };
		return a == b;
	}
	if (kind < 80) { /* lookups */
		uint64_t a = rnd_page() + (rnd() & 4095);
		size_t i = model_first_end_above(a);
		void *want = i < nmodel && model[i].start <= a ? model[i].item : NULL;
		if (vt_find(&tree, a) != want)
			return false;
		uint64_t s, e;
		void *next = vt_find_next(&tree, a, &s, &e);
		if (next != (i < nmodel ? model[i].item : NULL) || (next && (s != model[i].start || e != model[i].end)))
			return false;
		/* prev: the last with start < a */
		long j = (long)i - 1;
		if (i < nmodel && model[i].start < a)
			j = (long)i;
		void *prev = vt_find_prev(&tree, a, &s, &e);
		return prev == (j >= 0 ? model[j].item : NULL) && (!prev || (s == model[j].start && e == model[j].end));
	}
	/* gap search */
	uint64_t low = rnd_page(), high = low + (rnd() % (SPACE / 4)), len = ((rnd() % 256) + 1) << 12;
	if (rnd() % 4 == 0)
		low = 0, high = SPACE;
	uint64_t x = 0, y = 0;
	bool a = vt_gap_topdown(&tree, len, low, high, &x) == 0, b = model_gap(len, low, high, &y);
	if (a != b || (a && x != y))
		printf("    # gap len %#llx in [%#llx, %#llx): tree %d %#llx model %d %#llx\n", (unsigned long long)len,
		       (unsigned long long)low, (unsigned long long)high, a, (unsigned long long)x, b, (unsigned long long)y);
	return a == b && (!a || x == y);
}

static uint64_t seed(void)
{
	const char *e = getenv("SEED");
	return e ? strtoull(e, NULL, 0) | 1 : 0x9e3779b97f4a7c15ull;
}

TEST(empty_tree)
{
	fresh_tree();
	uint64_t a;
	CHECK(vt_find(&tree, 0x1000) == NULL);
	CHECK(vt_find_next(&tree, 0, NULL, NULL) == NULL);
	CHECK(vt_find_prev(&tree, ~0ull, NULL, NULL) == NULL);
	CHECK_EQ(vt_gap_topdown(&tree, 0x1000, 0x10000, 0x20000, &a), 0);
	CHECK_EQ(a, 0x1f000);
	CHECK_EQ(vt_gap_topdown(&tree, 0x20000, 0x10000, 0x20000, &a), -12);
	CHECK_EQ(vt_remove(&tree, 0x1000), -2);
	CHECK_EQ(vt_check(&tree), 0);
	vt_destroy(&tree, NULL);
	CHECK_EQ(allocs, frees);
}

TEST(errors_and_neighbours)
{
	fresh_tree();
	int x, y, z;
	CHECK_EQ(vt_insert(&tree, 0x10000, 0x20000, &x), 0);
	CHECK_EQ(vt_insert(&tree, 0x30000, 0x40000, &y), 0);
	CHECK_EQ(vt_insert(&tree, 0x1f000, 0x21000, &z), -17);
	CHECK_EQ(vt_insert(&tree, 0x20000, 0x20000, &z), -22);
	CHECK_EQ(vt_insert(&tree, 0x20000, 0x30000, &z), 0); /* exactly the hole */
	CHECK(vt_find(&tree, 0x2ffff) == &z);
	CHECK(vt_find(&tree, 0x40000) == NULL);
	uint64_t s, e;
	CHECK(vt_find_next(&tree, 0x40000, &s, &e) == NULL);
	CHECK(vt_find_next(&tree, 0x3ffff, &s, &e) == &y && s == 0x30000 && e == 0x40000);
	CHECK(vt_find_prev(&tree, 0x30000, &s, &e) == &z && s == 0x20000);
	CHECK(vt_find_prev(&tree, 0x10000, &s, &e) == NULL);
	CHECK_EQ(vt_update(&tree, 0x20000, 0x20000, 0x30001, &z), -17);
	CHECK_EQ(vt_update(&tree, 0x20000, 0x1ffff, 0x30000, &z), -17);
	CHECK_EQ(vt_update(&tree, 0x21000, 0x21000, 0x22000, &z), -2);
	CHECK_EQ(vt_update(&tree, 0x20000, 0x22000, 0x21000, &z), -22);
	CHECK_EQ(vt_update(&tree, 0x20000, 0x24000, 0x28000, &x), 0);
	CHECK(vt_find(&tree, 0x25000) == &x && vt_find(&tree, 0x20000) == NULL);
	uint64_t a;
	CHECK_EQ(vt_gap_topdown(&tree, 0x4000, 0, 0x40000, &a), 0);
	CHECK_EQ(a, 0x2c000);
	CHECK_EQ(vt_gap_topdown(&tree, 0x5000, 0, 0x40000, &a), 0);
	CHECK_EQ(a, 0x2b000);
	CHECK_EQ(vt_gap_topdown(&tree, 0x9000, 0, 0x40000, &a), 0);
	CHECK_EQ(a, 0x7000);
	CHECK_EQ(vt_gap_topdown(&tree, 0x9000, 0x1000, 0x40000, &a), 0);
	CHECK_EQ(a, 0x7000);
	CHECK_EQ(vt_gap_topdown(&tree, 0x9000, 0x8000, 0x40000, &a), -12);
	CHECK_EQ(vt_gap_topdown(&tree, 0x1000, 0x25000, 0x27000, &a), -12);
	CHECK_EQ(vt_check(&tree), 0);
	vt_destroy(&tree, NULL);
	CHECK_EQ(allocs, frees + retires);
}

/* 250 000 random operations against the model, growing to thousands of
 * entries and shrinking again. */
TEST(random_against_model)
{
	fresh_tree();
	rnd_state = seed();
	long bad = 0;
	size_t peak = 0;
	for (long i = 0; i < 250000 && bad < 5; i++) {
		int bias = (i / 50000) % 2 ? -25 : 25; /* phases of growth and shrinkage */
		if (!random_op(bias)) {
			printf("    # operation %ld disagrees with the model\n", i);
			bad++;
		}
		if (nmodel > peak)
			peak = nmodel;
		if (i % 5000 == 0) {
			int r = vt_check(&tree);
			if (r) {
				printf("    # vt_check %d after %ld operations\n", r, i);
				bad++;
			}
			if (tree.count != nmodel)
				bad++;
		}
	}
	CHECK_EQ(bad, 0);
	CHECK_EQ(vt_check(&tree), 0);
	CHECK(peak > 2000);
	printf("    # peak %zu entries\n", peak);
	vt_destroy(&tree, NULL);
	CHECK_EQ(allocs, frees + retires);
}

/* Every allocation failure leaves the tree as it was, and leaks nothing. */
TEST(allocation_failures)
{
	fresh_tree();
	rnd_state = seed() + 1;
	for (int i = 0; i < 3000; i++) {
		uint64_t s = (uint64_t)i * 0x3000;
		vt_insert(&tree, s, s + 0x1000, (void *)(uintptr_t)(i + 1));
	}
	long failures = 0, bad = 0;
	for (int i = 0; i < 3000; i++) {
		fail_after = (long)(rnd() % 4);
		vt_shrink(&tree); /* empty the spare cache: the change has to allocate */
		uint64_t s = (uint64_t)(rnd() % 3000) * 0x3000;
		void *before = vt_find(&tree, s);
		uint64_t count = tree.count;
		int r = (i & 1) ? vt_remove(&tree, s) : vt_insert(&tree, s + 0x1000, s + 0x2000, (void *)1);
		fail_after = -1;
		if (r == -12) {
			failures++;
			bad += vt_find(&tree, s) != before || tree.count != count || vt_check(&tree) != 0;
		}
	}
	CHECK(failures > 100);
	CHECK_EQ(bad, 0);
	vt_destroy(&tree, NULL);
	CHECK_EQ(allocs, frees + retires);
}

/* An old root still reads the old tree until its nodes are retired. */
TEST(old_root_persists)
{
	fresh_tree();
	defer_retire = true;
	for (int i = 0; i < 1000; i++)
		vt_insert(&tree, (uint64_t)i << 16, ((uint64_t)i << 16) + 0x1000, (void *)(uintptr_t)(i + 1));
	struct vma_tree snap = tree; /* a reader's view: the root it loaded */
	long before = retires;
	for (int i = 0; i < 1000; i += 2)
		vt_remove(&tree, (uint64_t)i << 16);
	vt_update(&tree, 1ull << 16, 1ull << 16, (1ull << 16) + 0x8000, NULL);
	CHECK(retires > before); /* replaced nodes went to retire, not free */
	long bad = 0;
	for (int i = 0; i < 1000; i++) {
		bad += vt_find(&snap, ((uint64_t)i << 16) + 0x800) != (void *)(uintptr_t)(i + 1);
		bad += vt_find(&tree, ((uint64_t)i << 16) + 0x800) != ((i & 1) ? (i == 1 ? NULL : (void *)(uintptr_t)(i + 1)) : NULL);
	}
	CHECK_EQ(bad, 0);
	CHECK_EQ(vt_check(&tree), 0);
	free_deferred();
	defer_retire = false;
	vt_destroy(&tree, NULL);
	CHECK_EQ(allocs, frees + retires);
}

/* Readers search while a writer changes other parts of the tree. */
static atomic_bool stop;
static atomic_long reader_errors, reader_lookups;
static void *reader(void *arg)
{
	(void)arg;
	while (!atomic_load(&stop)) {
		for (uint64_t i = 0; i < 512; i++) { /* the stable entries: odd slots */
			uint64_t a = ((2 * i + 1) << 20) + 0x1234;
			if (vt_find(&tree, a) != (void *)(uintptr_t)(2 * i + 2))
				atomic_fetch_add(&reader_errors, 1);
			/* a gap found below the stable entries' top is never inside one of them */
			uint64_t g;
			if (vt_gap_topdown(&tree, 0x1000, 0, 1ull << 40, &g) == 0 && ((g >> 20) & 1) && (g & 0xfffff) < 0x10000)
				atomic_fetch_add(&reader_errors, 1);
		}
		atomic_fetch_add(&reader_lookups, 512);
	}
	return NULL;
}

TEST(readers_race_a_writer)
{
	fresh_tree();
	defer_retire = true;
	for (uint64_t i = 0; i < 1024; i++)
		vt_insert(&tree, i << 20, (i << 20) + 0x10000, (void *)(uintptr_t)(i + 1));
	pthread_t th[3];
	atomic_store(&stop, false);
	for (int i = 0; i < 3; i++)
		pthread_create(&th[i], NULL, reader, NULL);
	rnd_state = seed() + 2;
	for (int n = 0; n < 100000; n++) { /* churn the even slots only */
		uint64_t slot = 2 * (rnd() % 512), s = slot << 20;
		if (vt_find(&tree, s))
			vt_remove(&tree, s);
		else
			vt_insert(&tree, s, s + 0x10000, (void *)(uintptr_t)(slot + 1));
		if (n % 10000 == 0)
			vt_update(&tree, (1ull << 20), 1ull << 20, (1ull << 20) + 0x10000, (void *)2);
	}
	atomic_store(&stop, true);
	for (int i = 0; i < 3; i++)
		pthread_join(th[i], NULL);
	CHECK_EQ(atomic_load(&reader_errors), 0);
	CHECK(atomic_load(&reader_lookups) > 0);
	CHECK_EQ(vt_check(&tree), 0);
	free_deferred();
	defer_retire = false;
	vt_destroy(&tree, NULL);
	CHECK_EQ(allocs, frees + retires);
}

int main(void)
{
	RUN(empty_tree);
	RUN(errors_and_neighbours);
	RUN(random_against_model);
	RUN(allocation_failures);
	RUN(old_root_persists);
	RUN(readers_race_a_writer);
	free(model);
	free(deferred);
	return check_done();
}
