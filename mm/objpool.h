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
 * its own cache line.  Never used from interrupt handlers. */
#pragma once
#include "kernel/percpu.h"
#include "kernel/spinlock.h"

#define OBJPOOL_MAX 1024

struct objpool {
	const char *name;
	size_t size;
	struct objpool_cpu {
		struct spinlock lock; /* protects head and n */
		void *head;           /* free objects, linked through their first word */
		unsigned n;
	} __aligned(64) cpu[MAX_CPUS];
};

void objpool_init(struct objpool *p, const char *name, size_t size);
void *objpool_get(struct objpool *p);          /* an object (not zeroed), or NULL when out of memory */
void objpool_put(struct objpool *p, void *obj); /* no reader may still see obj */
void objpool_drain(struct objpool *p);         /* every CPU's objects back to kfree (frame counts) */
