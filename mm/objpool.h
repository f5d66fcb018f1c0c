/* objpool.h - per-CPU pools of same-sized objects that have been through
 * a grace period, for recycling instead of a round trip through kmalloc.
 *
 * The VMA tree copies a few nodes and the munmap path frees a VMA on every
 * change; all of them are freed through call_epoch() and arrive, a grace
 * period later, on the CPU that retired them.  objpool_put() keeps them
 * there (up to OBJPOOL_MAX per CPU, the rest to kfree) and objpool_get()
 * hands them out again, so a loop of mmap+munmap reuses the same few
 * objects from a cache-warm per-CPU list.
 *
 * Each CPU's list has its own lock (uncontended but for objpool_drain) and
 * its own cache line.  Never used from interrupt handlers.
 *
 * Counting (objpool_for_each, /proc/slabinfo's leak check): the objects
 * are kmalloc objects, so the kmalloc caches count them as allocated
 * whether a user holds them or the pool does.  A pool counts the ones
 * handed out (got and not yet put back), per CPU under that CPU's lock -
 * a CPU's count goes negative when it takes back what another handed out;
 * the sum is what is in use - so a leaked VMA shows as a leaked "vma",
 * not only as one more kmalloc-256 object. */
#pragma once
#include "kernel/percpu.h"
#include "kernel/lib/list.h"
#include "kernel/spinlock.h"
#include "mm/slab.h"

#define OBJPOOL_MAX 1024

struct objpool {
	const char *name;
	size_t size;
	struct list_head node; /* on the list of pools (objpool.c) */
	uint64_t baseline;     /* objects in use at objpool_mark_baseline(); that list's lock */
	struct objpool_cpu {
		struct spinlock lock; /* protects head, n and out */
		void *head;           /* free objects, linked through their first word */
		unsigned n;
		int64_t out;          /* handed out here minus put back here */
	} __aligned(64) cpu[MAX_CPUS];
};

void objpool_init(struct objpool *p, const char *name, size_t size);
void *objpool_get(struct objpool *p);          /* an object (not zeroed), or NULL when out of memory */
void objpool_put(struct objpool *p, void *obj); /* no reader may still see obj */
void objpool_drain(struct objpool *p);         /* every CPU's objects back to kfree (frame counts) */
/* fn (kmem_stats, not_a_cache) for every pool: active_objs handed out,
 * num_objs that plus those pooled.  fn may kmalloc but not sleep. */
void objpool_for_each(kmem_stats_fn *fn, void *arg);
void objpool_mark_baseline(void); /* every pool's objects in use now as its baseline */
