/* slab_test.c - ktests of kmalloc and kmem_cache on real memory, from every
 * CPU at once: objects never overlap (each is filled with a pattern that
 * names its owner and checked before it is freed), and once everything is
 * freed and the caches shrunk, every page is back with the frame allocator. */
#include "arch/x86_64/x86.h"
#include "kernel/ktest.h"
#include "kernel/percpu.h"
#include "kernel/smp.h"
#include "kernel/lib/string.h"
#include "mm/frame.h"
#include "mm/objpool.h"
#include "mm/slab.h"

#define OBJS_PER_CPU 128
static unsigned corrupt[MAX_CPUS], failed_allocs[MAX_CPUS];

/* A small per-CPU pseudo-random generator (xorshift). */
static uint64_t next_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void kmalloc_churn(void *arg)
{
	unsigned me = cpu_id();
	uint64_t seed = 0x9e3779b97f4a7c15ull * (me + 1);
	static void *objs[MAX_CPUS][OBJS_PER_CPU];
	static size_t sizes[MAX_CPUS][OBJS_PER_CPU];
	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < OBJS_PER_CPU; i++) {
			/* Mostly small, sometimes page-sized or bigger. */
			uint64_t r = next_rand(&seed);
			size_t n = (r & 7) == 0 ? 4096 + (r >> 8) % 20000 : 1 + (r >> 8) % 2048;
			uint8_t *p = kmalloc(n);
			objs[me][i] = p;
			sizes[me][i] = n;
			if (!p) {
				failed_allocs[me]++;
				continue;
			}
			memset(p, (int)(me * 31 + i) & 0xff, n);
		}
		for (int i = 0; i < OBJS_PER_CPU; i++) {
			uint8_t *p = objs[me][i];
			if (!p)
				continue;
			uint8_t want = (uint8_t)((me * 31 + i) & 0xff);
			for (size_t k = 0; k < sizes[me][i]; k++)
				if (p[k] != want) {
					corrupt[me]++;
					break;
				}
			if (ksize(p) < sizes[me][i])
				corrupt[me]++;
			kfree(p);
		}
	}
}

KTEST(slab, kmalloc_every_cpu_no_overlap_no_leak)
{
	slab_shrink();
	frame_drain_all();
	uint64_t frames_before = frames_free();
	uint64_t slab_before = slab_pages_in_use();
	smp_call_function_all(kmalloc_churn, NULL, true);
	unsigned bad = 0, nomem = 0;
	for (unsigned i = 0; i < MAX_CPUS; i++) {
		bad += corrupt[i];
		nomem += failed_allocs[i];
	}
	KEXPECT_EQ(t, bad, 0);
	KEXPECT_EQ(t, nomem, 0);
	slab_shrink();
	KEXPECT_EQ(t, slab_pages_in_use(), slab_before);
	KEXPECT_EQ(t, frames_free(), frames_before);
}

struct thing {
	uint64_t self;
	uint64_t payload[5];
};

KTEST(slab, kmem_cache_exact_pages)
{
	/* The cache's own slab count, not frames_free(): other CPUs free
	 * frames in the background (epoch callbacks of earlier tests), which
	 * a global count cannot tell from this cache's. */
	struct kmem_cache *c = kmem_cache_create("ktest_thing", sizeof(struct thing), 16);
	KEXPECT(t, c != NULL);
	if (!c)
		return;
	struct kmem_stats st;
	enum { N = 5000 };
	static struct thing *things[N];
	unsigned misaligned = 0, wrong = 0;
	int n = 0;
	for (; n < N; n++) {
		things[n] = kmem_cache_alloc(c);
		if (!things[n])
			break;
		misaligned += ((uint64_t)things[n] & 15) != 0;
		things[n]->self = (uint64_t)things[n];
		for (int k = 0; k < 5; k++)
			things[n]->payload[k] = (uint64_t)n * 5 + k;
	}
	KEXPECT_EQ(t, n, N);
	kmem_cache_stats(c, &st);
	/* exactly as many slabs as N objects need, each of whole pages */
	KEXPECT_EQ(t, st.active_objs, (uint64_t)n);
	KEXPECT(t, st.objperslab > 0 && st.pagesperslab > 0);
	KEXPECT_EQ(t, st.num_slabs, (n + st.objperslab - 1) / st.objperslab);
	KEXPECT(t, st.objperslab * sizeof(struct thing) <= st.pagesperslab * 4096);
	for (int i = 0; i < n; i++) {
		wrong += things[i]->self != (uint64_t)things[i];
		for (int k = 0; k < 5; k++)
			wrong += things[i]->payload[k] != (uint64_t)i * 5 + k;
		kmem_cache_free(c, things[i]);
	}
	KEXPECT_EQ(t, misaligned, 0);
	KEXPECT_EQ(t, wrong, 0);
	kmem_cache_shrink(c); /* the empty slab it keeps */
	kmem_cache_stats(c, &st);
	KEXPECT_EQ(t, st.active_objs, 0);
	KEXPECT_EQ(t, st.num_slabs, 0); /* every page given back */
	kmem_cache_destroy(c);
}

/* The counts /proc/slabinfo and the leak check after init read: N objects
 * allocated raise the cache's active_objs by N, freeing them brings it
 * back; the baseline marked before stays; the big kmallocs count too. */
struct find_stats {
	const char *name;
	struct kmem_stats s;
	unsigned found;
};

static void find_cache(const struct kmem_stats *s, void *arg)
{
	struct find_stats *f = arg;
	if (!strcmp(s->name, f->name)) {
		f->s = *s;
		f->found++;
	}
}

static struct kmem_stats stats_of(const char *name, unsigned *found)
{
	struct find_stats f = { .name = name };
	slab_for_each_cache(find_cache, &f);
	*found = f.found;
	return f.s;
}

KTEST(slab, in_use_counts_follow_alloc_and_free)
{
	struct kmem_cache *c = kmem_cache_create("ktest_count", 200, 0);
	KEXPECT(t, c != NULL);
	if (!c)
		return;
	enum { N = 300 };
	static void *objs[N];
	struct kmem_stats s;
	unsigned found;
	kmem_cache_stats(c, &s);
	KEXPECT_EQ(t, s.active_objs, 0);
	KEXPECT_EQ(t, s.baseline, 0); /* created after any mark */
	slab_mark_baseline();
	for (int i = 0; i < N; i++)
		objs[i] = kmem_cache_alloc(c);
	s = stats_of("ktest_count", &found);
	KEXPECT_EQ(t, found, 1); /* listed, once */
	KEXPECT_EQ(t, s.active_objs, N);
	KEXPECT_EQ(t, s.baseline, 0);
	KEXPECT(t, s.num_objs >= N && s.num_objs == s.num_slabs * s.objperslab);
	KEXPECT_EQ(t, s.objsize, 208); /* 200 rounded up to the 16-byte alignment */
	for (int i = 0; i < N / 2; i++)
		kmem_cache_free(c, objs[i]);
	kmem_cache_stats(c, &s);
	KEXPECT_EQ(t, s.active_objs, N - N / 2);
	slab_mark_baseline();
	kmem_cache_stats(c, &s);
	KEXPECT_EQ(t, s.baseline, N - N / 2);
	for (int i = N / 2; i < N; i++)
		kmem_cache_free(c, objs[i]);
	kmem_cache_stats(c, &s);
	KEXPECT_EQ(t, s.active_objs, 0);
	kmem_cache_destroy(c);
	stats_of("ktest_count", &found);
	KEXPECT_EQ(t, found, 0); /* gone from the list */

	/* A big kmalloc: one more in "kmalloc-large" until it is freed.  (Other
	 * CPUs are idle during the ktests; nothing else allocates big.) */
	uint64_t large = stats_of("kmalloc-large", &found).active_objs;
	KEXPECT_EQ(t, found, 1);
	void *big = kmalloc(3 * PAGE_SIZE);
	KEXPECT(t, big != NULL);
	KEXPECT_EQ(t, stats_of("kmalloc-large", &found).active_objs, large + (big != NULL));
	kfree(big);
	KEXPECT_EQ(t, stats_of("kmalloc-large", &found).active_objs, large);
}

/* A pool counts what it handed out, not what it keeps: get N, put half
 * back (pooled, still kmalloc'd), and the half put back on another CPU
 * comes off the total all the same (that CPU's count goes negative). */
static struct objpool test_pool;
static void *pool_objs[64];

static void put_second_quarter(void *arg)
{
	for (int i = 16; i < 32; i++)
		objpool_put(&test_pool, pool_objs[i]);
}

static struct kmem_stats pool_stats(unsigned *found)
{
	struct find_stats f = { .name = "ktest_pool" };
	objpool_for_each(find_cache, &f);
	*found = f.found;
	return f.s;
}

KTEST(slab, objpool_counts_objects_handed_out)
{
	static bool initialised;
	unsigned found;
	if (!initialised) /* pools are never destroyed: one, whatever ktest= repeats */
		objpool_init(&test_pool, "ktest_pool", 96);
	initialised = true;
	struct kmem_stats s = pool_stats(&found);
	KEXPECT_EQ(t, found, 1);
	KEXPECT_EQ(t, s.active_objs, 0);
	for (int i = 0; i < 64; i++)
		pool_objs[i] = objpool_get(&test_pool);
	s = pool_stats(&found);
	KEXPECT_EQ(t, s.active_objs, 64);
	KEXPECT_EQ(t, s.objsize, 96);
	for (int i = 0; i < 16; i++)
		objpool_put(&test_pool, pool_objs[i]);
	/* From an IPI, though pools are not for interrupt handlers: only this
	 * test uses test_pool, so the IPI cannot interrupt a holder of its lock. */
	if (ncpus_online > 1)
		smp_call_function_single(cpu_id() == 0 ? 1 : 0, put_second_quarter, NULL, true);
	else
		put_second_quarter(NULL);
	s = pool_stats(&found);
	KEXPECT_EQ(t, s.active_objs, 32);
	KEXPECT_EQ(t, s.num_objs, 64); /* 32 pooled */
	objpool_drain(&test_pool);
	s = pool_stats(&found);
	KEXPECT_EQ(t, s.active_objs, 32);
	KEXPECT_EQ(t, s.num_objs, 32);
	for (int i = 32; i < 64; i++)
		objpool_put(&test_pool, pool_objs[i]);
	objpool_drain(&test_pool);
	s = pool_stats(&found);
	KEXPECT_EQ(t, s.active_objs, 0);
	KEXPECT_EQ(t, s.num_objs, 0);
}
