/* slab_test.c - ktests of kmalloc and kmem_cache on real memory, from every
 * CPU at once: objects never overlap (each is filled with a pattern that
 * names its owner and checked before it is freed), and once everything is
 * freed and the caches shrunk, every page is back with the frame allocator. */
#include "arch/x86_64/x86.h"
#include "kernel/ktest.h"
#include "kernel/percpu.h"
#include "kernel/smp.h"
#include "kernel/string.h"
#include "mm/frame.h"
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
	slab_shrink();
	uint64_t frames_before = frames_free();
	struct kmem_cache *c = kmem_cache_create("ktest_thing", sizeof(struct thing), 16);
	KEXPECT(t, c != NULL);
	if (!c)
		return;
	enum { N = 5000 };
	static struct thing *things[N];
	unsigned misaligned = 0, wrong = 0;
	for (int i = 0; i < N; i++) {
		things[i] = kmem_cache_alloc(c);
		if (!things[i])
			break;
		misaligned += ((uint64_t)things[i] & 15) != 0;
		things[i]->self = (uint64_t)things[i];
		for (int k = 0; k < 5; k++)
			things[i]->payload[k] = (uint64_t)i * 5 + k;
	}
	KEXPECT(t, frames_free() < frames_before);
	for (int i = 0; i < N; i++) {
		if (!things[i])
			continue;
		wrong += things[i]->self != (uint64_t)things[i];
		for (int k = 0; k < 5; k++)
			wrong += things[i]->payload[k] != (uint64_t)i * 5 + k;
		kmem_cache_free(c, things[i]);
	}
	KEXPECT_EQ(t, misaligned, 0);
	KEXPECT_EQ(t, wrong, 0);
	kmem_cache_destroy(c);
	slab_shrink(); /* the cache's own descriptor may have taken a slab */
	KEXPECT_EQ(t, frames_free(), frames_before);
}
