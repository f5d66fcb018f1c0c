/* test_slab.c - host unit tests of kmem_cache and kmalloc (mm/slab.c).
 *
 * Build: gcc -std=gnu11 -g -O1 -DHOST_TEST -fsanitize=address,undefined -I. \
 *        tests/host/test_slab.c mm/slab.c tests/host/shim.c -lpthread
 *
 * The page source is aligned_alloc()/free(), counted: after everything is
 * freed and the caches shrunk or destroyed, no page may be outstanding.
 * New pages are filled with garbage so nothing relies on zeroed memory.
 * Objects are filled with a pattern derived from their address and checked
 * later, and their [p, p + ksize(p)) ranges must not overlap.  Misuse (double
 * free, foreign pointers, writes past the size asked for under ASan) must
 * kill a forked child.  A 4-thread stress frees objects other threads
 * allocated.  SEED=n in the environment changes the random sequences.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "kernel/compiler.h"
#include "mm/slab.h"
#include "tests/host/check.h"

/* ---- the page source ---- */

static uint64_t pages_out;     /* pages handed out and not returned; atomic */
static bool page_source_empty; /* simulate out of memory; atomic */

void *slab_page_alloc(unsigned order)
{
	size_t bytes = PAGE_SIZE << order;
	if (__atomic_load_n(&page_source_empty, __ATOMIC_RELAXED))
		return NULL;
	void *p = aligned_alloc(bytes, bytes);
	if (!p)
		return NULL;
	memset(p, 0xa5, bytes);
	__atomic_fetch_add(&pages_out, 1ul << order, __ATOMIC_RELAXED);
	return p;
}

void slab_page_free(void *va, unsigned order)
{
	if ((uintptr_t)va % (PAGE_SIZE << order))
		abort();
	__atomic_fetch_sub(&pages_out, 1ul << order, __ATOMIC_RELAXED);
	free(va);
}

/* ---- helpers ---- */

static uint64_t rng_state;
static uint64_t rnd_r(uint64_t *s) /* xorshift64* */
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ull;
}
static uint64_t rnd_below(uint64_t n) { return rnd_r(&rng_state) % n; }

static uint8_t pattern(const void *p, size_t i) { return (uint8_t)(((uintptr_t)p >> 3) * 131 + i * 7 + 1); }
static void fill(void *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		((uint8_t *)p)[i] = pattern(p, i);
}
static bool intact(const void *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (((const uint8_t *)p)[i] != pattern(p, i))
			return false;
	return true;
}

static size_t class_size(size_t n)
{
	size_t c = KMALLOC_MIN_SIZE;
	while (c < n)
		c *= 2;
	return c;
}

static int cmp_ptr(const void *a, const void *b)
{
	uintptr_t x = *(const uintptr_t *)a, y = *(const uintptr_t *)b;
	return x < y ? -1 : x > y;
}

/* No two of the n objects' [p, p + ksize(p)) overlap. */
static bool disjoint(void **objs, size_t n)
{
	uintptr_t *v = malloc(n * sizeof(*v));
	bool ok = true;
	memcpy(v, objs, n * sizeof(*v));
	qsort(v, n, sizeof(*v), cmp_ptr);
	for (size_t i = 1; i < n && ok; i++)
		ok = v[i - 1] + ksize((void *)v[i - 1]) <= v[i];
	free(v);
	return ok;
}

/* Everything the caches keep goes back; then no page may be outstanding. */
static void check_no_pages(void)
{
	slab_shrink();
	CHECK_EQ(slab_pages_in_use(), 0);
	CHECK_EQ(__atomic_load_n(&pages_out, __ATOMIC_RELAXED), 0);
}

/* ---- tests ---- */

TEST(size_classes)
{
	static const size_t sizes[] = { 0,   1,   7,   8,   9,   15,  16,   17,   31,   32,   33,   63,
					64,  65,  100, 127, 128, 129, 255,  256,  257,  511,  512,  513,
					700, 1000, 1023, 1024, 1025, 1500, 2047, 2048 };
	enum { PER_SIZE = 600 };
	size_t total = ARRAY_SIZE(sizes) * PER_SIZE, k = 0;
	void **objs = malloc(total * sizeof(void *));
	size_t *lens = malloc(total * sizeof(size_t));

	for (size_t s = 0; s < ARRAY_SIZE(sizes); s++) {
		size_t n = sizes[s], cs = class_size(n);
		for (int j = 0; j < PER_SIZE; j++, k++) {
			void *p = kmalloc(n);
			objs[k] = p;
			lens[k] = n;
			CHECK(p != NULL);
			if (!p)
				return;
			CHECK((uintptr_t)p % cs == 0); /* naturally aligned, so 8/16 too */
			CHECK_EQ(ksize(p), cs);
			fill(p, cs);
		}
	}
	CHECK(slab_pages_in_use() > 0);
	CHECK_EQ(slab_pages_in_use(), __atomic_load_n(&pages_out, __ATOMIC_RELAXED));
	for (k = 0; k < total; k++)
		if (!intact(objs[k], class_size(lens[k]))) {
			CHECK(!"object corrupted");
			break;
		}
	CHECK(disjoint(objs, total));
	for (k = total; k > 1; k--) { /* shuffle, then free in that order */
		size_t j = rnd_below(k);
		void *t = objs[k - 1];
		objs[k - 1] = objs[j];
		objs[j] = t;
	}
	for (k = 0; k < total; k++)
		kfree(objs[k]);
	/* Each cache keeps at most one empty slab: one page per size class. */
	CHECK(slab_pages_in_use() <= 9);
	check_no_pages();
	free(objs);
	free(lens);
}

TEST(large_kmalloc)
{
	static const struct {
		size_t n;
		int order; /* -1: must fail */
	} cases[] = {
		{ 2049, 0 },      { 4080, 0 },   { 4081, 1 },     { 4096, 1 },
		{ 10000, 2 },     { 1 << 20, 9 }, { (4u << 20) - 16, 10 }, { (4u << 20) - 15, -1 },
		{ SIZE_MAX, -1 }, { SIZE_MAX - 8, -1 },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		uint64_t before = slab_pages_in_use();
		void *p = kmalloc(cases[i].n);
		if (cases[i].order < 0) {
			CHECK(p == NULL);
			continue;
		}
		CHECK(p != NULL);
		if (!p)
			continue;
		CHECK((uintptr_t)p % 16 == 0);
		CHECK_EQ(slab_pages_in_use() - before, 1ul << cases[i].order);
		CHECK_EQ(ksize(p), (PAGE_SIZE << cases[i].order) - 16);
		fill(p, ksize(p));
		CHECK(intact(p, ksize(p)));
		kfree(p);
		CHECK_EQ(slab_pages_in_use(), before);
	}
	check_no_pages();
}

TEST(kzalloc_zeroes)
{
	static const size_t sizes[] = { 1, 24, 100, 2048, 3000, 70000 };
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		size_t n = sizes[i];
		uint8_t *p = kmalloc(n);
		memset(p, 0xff, n);
		kfree(p);
		uint8_t *q = kzalloc(n); /* likely the same memory again */
		size_t nz = 0;
		for (size_t j = 0; j < n; j++)
			nz += q[j] != 0;
		CHECK_EQ(nz, 0);
		kfree(q);
	}
	kfree(NULL);
	CHECK_EQ(ksize(NULL), 0);
	check_no_pages();
}

TEST(caches)
{
	struct kmem_cache *c24 = kmem_cache_create("test-24", 24, 0);
	struct kmem_cache *c64 = kmem_cache_create("test-a64", 40, 64);
	struct kmem_cache *big = kmem_cache_create("test-3000", 3000, 0);
	struct kmem_cache *huge = kmem_cache_create("test-30000", 30000, 0);
	CHECK(c24 && c64 && big && huge);
	if (!c24 || !c64 || !big || !huge)
		return;
	CHECK(kmem_cache_create("bad", 0, 0) == NULL);
	CHECK(kmem_cache_create("bad", 8, 3) == NULL);
	CHECK(kmem_cache_create("bad", 8, 2 * PAGE_SIZE) == NULL);
	CHECK(kmem_cache_create("bad", 40000, 0) == NULL);

	struct {
		struct kmem_cache *c;
		size_t size, align;
	} t[] = { { c24, 24, 16 }, { c64, 40, 64 }, { big, 3000, 16 }, { huge, 30000, 16 } };
	enum { N = 300 };
	static void *objs[4][N];
	for (size_t i = 0; i < ARRAY_SIZE(t); i++)
		for (int j = 0; j < N; j++) {
			void *p = objs[i][j] = kmem_cache_alloc(t[i].c);
			CHECK(p && (uintptr_t)p % t[i].align == 0);
			if (p)
				fill(p, t[i].size);
		}
	for (size_t i = 0; i < ARRAY_SIZE(t); i++)
		for (int j = 0; j < N; j++)
			if (!intact(objs[i][j], t[i].size)) {
				CHECK(!"cache object corrupted");
				i = ARRAY_SIZE(t);
				break;
			}
	/* Free in reverse; each cache keeps one empty slab; destroy returns it. */
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		uint64_t before = slab_pages_in_use();
		for (int j = N - 1; j >= 0; j--)
			kmem_cache_free(t[i].c, objs[i][j]);
		uint64_t kept = slab_pages_in_use();
		CHECK(kept < before);
		kmem_cache_shrink(t[i].c);
		CHECK(slab_pages_in_use() < kept); /* the kept empty slab went back */
		kmem_cache_free(t[i].c, NULL);
		kmem_cache_destroy(t[i].c);
	}
	check_no_pages();
}

TEST(cache_keeps_one_empty_slab)
{
	struct kmem_cache *c = kmem_cache_create("test-128", 128, 0);
	enum { N = 1000 };
	static void *objs[N];
	uint64_t base = slab_pages_in_use();

	for (int i = 0; i < N; i++)
		objs[i] = kmem_cache_alloc(c);
	CHECK(slab_pages_in_use() - base >= N * 128 / PAGE_SIZE);
	for (int i = 0; i < N; i++)
		kmem_cache_free(c, objs[i]);
	CHECK_EQ(slab_pages_in_use() - base, 1); /* one single-page slab kept */
	/* Reuse the kept slab: no new page for the next object. */
	void *p = kmem_cache_alloc(c);
	CHECK_EQ(slab_pages_in_use() - base, 1);
	/* Order-0 cache objects may also go through kfree. */
	kfree(p);
	kmem_cache_destroy(c);
	check_no_pages();
}

TEST(freed_object_reused)
{
	struct kmem_cache *c = kmem_cache_create("test-reuse", 128, 0);
	enum { MAX = 1000 };
	static void *objs[MAX];
	uint64_t base = slab_pages_in_use();
	int n = 0, per_slab = 0;

	/* Learn how many objects a (one-page) slab holds, then fill 3 slabs. */
	while (n < MAX && slab_pages_in_use() - base < 2)
		objs[n++] = kmem_cache_alloc(c);
	per_slab = n - 1;
	CHECK(per_slab > 1);
	while (n < 3 * per_slab)
		objs[n++] = kmem_cache_alloc(c);
	CHECK_EQ(slab_pages_in_use() - base, 3);
	/* A slot freed in a full slab is used before any new page. */
	kmem_cache_free(c, objs[per_slab + 5]);
	objs[per_slab + 5] = kmem_cache_alloc(c);
	CHECK_EQ(slab_pages_in_use() - base, 3);
	for (int i = 0; i < n; i++)
		kmem_cache_free(c, objs[i]);
	kmem_cache_destroy(c);
	check_no_pages();
}

TEST(destroy_with_live_objects)
{
	struct kmem_cache *c = kmem_cache_create("test-live", 100, 0);
	void *p = kmem_cache_alloc(c);

	printf("    # expect a complaint about one object still allocated:\n");
	fflush(stdout);
	kmem_cache_destroy(c); /* complains, keeps the cache */
	CHECK(slab_pages_in_use() > 0);
	fill(p, 100);
	void *q = kmem_cache_alloc(c); /* still usable */
	CHECK(q && q != p && intact(p, 100));
	kmem_cache_free(c, p);
	kmem_cache_free(c, q);
	kmem_cache_destroy(c);
	check_no_pages();
}

TEST(out_of_memory)
{
	struct kmem_cache *c = kmem_cache_create("test-oom", 512, 0);
	__atomic_store_n(&page_source_empty, true, __ATOMIC_RELAXED);
	CHECK(kmem_cache_alloc(c) == NULL);
	CHECK(kmalloc(5000) == NULL);
	/* kmalloc-2048 holds no slab (the last test shrank it): nothing to give. */
	int got = 0;
	for (int i = 0; i < 8; i++)
		got += kmalloc(2048) != NULL;
	CHECK_EQ(got, 0);
	/* But objects from slabs already held are still handed out. */
	__atomic_store_n(&page_source_empty, false, __ATOMIC_RELAXED);
	void *p = kmem_cache_alloc(c);
	CHECK(p != NULL);
	__atomic_store_n(&page_source_empty, true, __ATOMIC_RELAXED);
	void *q = kmem_cache_alloc(c); /* same slab, no new page */
	CHECK(q != NULL);
	__atomic_store_n(&page_source_empty, false, __ATOMIC_RELAXED);
	kmem_cache_free(c, p);
	kmem_cache_free(c, q);
	kmem_cache_destroy(c);
	check_no_pages();
}

/* ---- misuse must kill the process (BUG_ON abort, or an ASan report) ---- */

static bool dies(void (*fn)(void))
{
	int s = check_child_status(fn);
	return s != -1 && (WIFSIGNALED(s) || (WIFEXITED(s) && WEXITSTATUS(s) != 0));
}

static struct kmem_cache *mc1, *mc2; /* set up by the parent */

static void valid_use(void)
{
	void *p = kmalloc(100);
	kfree(p);
	kmem_cache_free(mc1, kmem_cache_alloc(mc1));
}
static void double_kfree(void)
{
	void *p = kmalloc(64), *q = kmalloc(64); /* q keeps the slab from going away */
	kfree(p);
	kfree(p);
	kfree(q);
}
static void double_kfree_large(void)
{
	void *p = kmalloc(10000);
	kfree(p);
	kfree(p);
}
static void kfree_inside(void) { kfree((char *)kmalloc(64) + 8); }
static void kfree_inside_large(void) { kfree((char *)kmalloc(10000) + 16); }
static void kfree_page_aligned(void) { kfree((void *)ALIGN_DOWN((uintptr_t)kmalloc(64), PAGE_SIZE)); }
static void kfree_foreign(void)
{
	char *page = aligned_alloc(PAGE_SIZE, PAGE_SIZE);
	memset(page, 0, PAGE_SIZE);
	kfree(page + 64);
}
static void kfree_multipage_cache(void)
{
	struct kmem_cache *c = kmem_cache_create("test-3000", 3000, 0);
	kfree(kmem_cache_alloc(c));
}
static void free_to_wrong_cache(void) { kmem_cache_free(mc2, kmem_cache_alloc(mc1)); }
static void double_cache_free(void)
{
	void *p = kmem_cache_alloc(mc1), *q = kmem_cache_alloc(mc1);
	kmem_cache_free(mc1, p);
	kmem_cache_free(mc1, p);
	kmem_cache_free(mc1, q);
}
static void destroy_kmalloc_cache(void)
{
	/* White box: the owning cache sits at offset 8 of a slab's header. */
	void *p = kmalloc(64);
	struct kmem_cache *c = *(struct kmem_cache **)((char *)ALIGN_DOWN((uintptr_t)p, PAGE_SIZE) + 8);
	kmem_cache_destroy(c);
}
#ifdef __SANITIZE_ADDRESS__
static void write_past_size(void) { ((char *)kmalloc(13))[13] = 1; }
static void write_past_size_large(void) { ((char *)kmalloc(5000))[5000] = 1; }
static void use_after_free(void)
{
	char *p = kmalloc(64), *q = kmalloc(64);
	kfree(p);
	p[0] = 1;
	kfree(q);
}
static void use_up_to_ksize(void)
{
	char *p = kmalloc(13);
	memset(p, 1, ksize(p)); /* allowed after ksize() */
	kfree(p);
}
#endif

TEST(misuse_dies)
{
	mc1 = kmem_cache_create("test-m1", 32, 0);
	mc2 = kmem_cache_create("test-m2", 32, 0);
	CHECK(!dies(valid_use));
	CHECK(dies(double_kfree));
	CHECK(dies(double_kfree_large));
	CHECK(dies(kfree_inside));
	CHECK(dies(kfree_inside_large));
	CHECK(dies(kfree_page_aligned));
	CHECK(dies(kfree_foreign));
	CHECK(dies(kfree_multipage_cache));
	CHECK(dies(free_to_wrong_cache));
	CHECK(dies(double_cache_free));
	CHECK(dies(destroy_kmalloc_cache));
#ifdef __SANITIZE_ADDRESS__
	CHECK(dies(write_past_size));
	CHECK(dies(write_past_size_large));
	CHECK(dies(use_after_free));
	CHECK(!dies(use_up_to_ksize));
#endif
	kmem_cache_destroy(mc1);
	kmem_cache_destroy(mc2);
	check_no_pages();
}

/* ---- 4 threads allocating and freeing, also each other's objects ---- */

enum { NTHREADS = 4, NSLOTS = 2048, OPS_PER_THREAD = 100000 };
static void *slots[NSLOTS]; /* shared; exchanged atomically */
static struct kmem_cache *shared_cache;
#define SHARED_SIZE 48

/* Each object starts with its size (0: from shared_cache), then a pattern. */
static void *obj_new(uint64_t *rs)
{
	uint64_t r = rnd_r(rs) % 100;
	size_t n;
	uint64_t *p;

	if (r < 20) {
		n = SHARED_SIZE;
		p = kmem_cache_alloc(shared_cache);
		if (p)
			p[0] = 0;
	} else {
		n = r < 98 ? 8 + rnd_r(rs) % 2041 : 2049 + rnd_r(rs) % 9000;
		p = kmalloc(n);
		if (p)
			p[0] = n;
	}
	if (p)
		fill(p + 1, n - 8);
	return p;
}

static bool obj_free(uint64_t *p)
{
	size_t n = p[0] ? p[0] : SHARED_SIZE;
	bool ok = intact(p + 1, n - 8);
	if (p[0])
		kfree(p);
	else
		kmem_cache_free(shared_cache, p);
	return ok;
}

static void *stress_thread(void *arg)
{
	uint64_t rs = rng_state + (uintptr_t)arg * 0x9e3779b97f4a7c15ull;
	uintptr_t bad = 0;

	for (int i = 0; i < OPS_PER_THREAD; i++) {
		void **slot = &slots[rnd_r(&rs) % NSLOTS];
		void *old = __atomic_exchange_n(slot, NULL, __ATOMIC_ACQ_REL);
		if (old) {
			bad += !obj_free(old);
			continue;
		}
		void *p = obj_new(&rs);
		if (!p) {
			bad++;
			continue;
		}
		void *expected = NULL;
		if (!__atomic_compare_exchange_n(slot, &expected, p, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			bad += !obj_free(p); /* another thread filled the slot meanwhile */
	}
	return (void *)bad;
}

TEST(threads)
{
	pthread_t th[NTHREADS];
	uintptr_t bad = 0;

	shared_cache = kmem_cache_create("test-shared", SHARED_SIZE, 0);
	for (uintptr_t i = 0; i < NTHREADS; i++)
		CHECK_EQ(pthread_create(&th[i], NULL, stress_thread, (void *)i), 0);
	for (int i = 0; i < NTHREADS; i++) {
		void *r;
		pthread_join(th[i], &r);
		bad += (uintptr_t)r;
	}
	CHECK_EQ(bad, 0);
	for (int i = 0; i < NSLOTS; i++)
		if (slots[i])
			CHECK(obj_free(slots[i]));
	kmem_cache_destroy(shared_cache);
	check_no_pages();
}

int main(void)
{
	const char *s = getenv("SEED");
	rng_state = s ? strtoull(s, NULL, 0) : 0x2545f4914f6cdd1dull;
	if (!rng_state)
		rng_state = 1;
	printf("# test_slab: SEED=%#llx\n", (unsigned long long)rng_state);
	slab_init();
	RUN(size_classes);
	RUN(large_kmalloc);
	RUN(kzalloc_zeroes);
	RUN(caches);
	RUN(cache_keeps_one_empty_slab);
	RUN(freed_object_reused);
	RUN(destroy_with_live_objects);
	RUN(out_of_memory);
	RUN(misuse_dies);
	RUN(threads);
	return check_done();
}
