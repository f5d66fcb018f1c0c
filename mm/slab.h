/* slab.h - object caches (kmem_cache) and kmalloc/kfree.
 *
 * A cache hands out objects of one size.  It keeps them in slabs: naturally
 * aligned blocks of 2^order pages taken from the page source, each starting
 * with a header (magic, owning cache, in-use count, allocation bitmap) and
 * followed by the objects.  An object's slab is found by rounding its
 * address down to the slab size, so no per-object overhead.  kmalloc uses
 * nine caches kmalloc-8 .. kmalloc-2048 whose slabs are single pages, so
 * kfree() finds the header by rounding down to a page; bigger requests get
 * whole pages from the page source with a 16-byte header in front (magic,
 * order).  A cache keeps at most one empty slab; further empty slabs go back
 * to the page source at once.  The price of finding everything from the
 * pointer alone: kmalloc-2048 holds one object per page, kmalloc-1024 three
 * (a back-pointer in struct page, as Linux's page->slab, would lift that).
 *
 * Guarantees: objects are aligned to at least 8 bytes (16 for sizes >= 16),
 * kmalloc(n) for n a power of two <= 2048 is aligned to n.  kmalloc(0)
 * returns a valid, unique (kmalloc-8) object.  kmalloc, kfree and the cache
 * functions may be called from interrupt context; kmem_cache_create and
 * kmem_cache_destroy may not.
 *
 * Portable: the environment provides the page source,
 *   void *slab_page_alloc(unsigned order): 2^order pages, kernel-virtual,
 *          naturally aligned (va % (PAGE_SIZE << order) == 0), or NULL;
 *   void slab_page_free(void *va, unsigned order);
 * (mm/frame.c in the kernel, the test itself on the host).
 *
 * Locking: each cache has its own irq-saving spinlock; it is a leaf lock
 * (the page source is only called with no slab lock held).
 * Debug checks (BUG_ON): double free, freeing a pointer that is not an
 * object start or not from that cache, kfree of a pointer kmalloc did not
 * return.  Host builds with ASan also poison free objects and the bytes
 * past the size asked for (ksize() unpoisons up to the usable size).
 */
#pragma once
#include "kernel/types.h"

#define KMALLOC_MIN_SIZE 8
#define KMALLOC_MAX_CACHE_SIZE 2048 /* larger requests get whole pages */
#define KMALLOC_MAX_ORDER 10        /* largest kmalloc: 4 MiB minus 16 bytes */
#define SLAB_MAX_ORDER 3            /* kmem_cache_create objects up to ~32 KiB */

struct kmem_cache;

void slab_init(void); /* once, after the frame allocator is up */

/* A cache of objects of `size` bytes aligned to `align` (a power of two up to
 * PAGE_SIZE; 0 for the default).  `name` must outlive the cache (a string
 * literal).  NULL on bad arguments or out of memory. */
struct kmem_cache *kmem_cache_create(const char *name, size_t size, size_t align);
void *kmem_cache_alloc(struct kmem_cache *c); /* NULL when out of memory */
void kmem_cache_free(struct kmem_cache *c, void *p); /* NULL is ignored */
/* Every object must have been freed; the cache's pages go back.  With
 * objects still allocated it complains (pr_err + WARN) and keeps the cache. */
void kmem_cache_destroy(struct kmem_cache *c);
void kmem_cache_shrink(struct kmem_cache *c); /* give back the kept empty slab */

void *kmalloc(size_t n); /* NULL when out of memory or n too big */
void *kzalloc(size_t n); /* kmalloc, then the n bytes zeroed */
/* Free a kmalloc() pointer (NULL is ignored).  Also accepts objects of a
 * kmem_cache whose slabs are single pages, but use kmem_cache_free. */
void kfree(void *p);
size_t ksize(const void *p); /* usable size of a kmalloc() object (0 for NULL) */

/* Statistics and leak checks. */
uint64_t slab_pages_in_use(void); /* pages held from the page source (slabs + big kmallocs) */
void slab_shrink(void);           /* kmem_cache_shrink every kmalloc cache (and the cache of caches) */

/* One cache's figures: a line of /proc/slabinfo (Linux's names) and what
 * the leak check compares.  Object pools (objpool.h) report the same way. */
struct kmem_stats {
	const char *name;
	uint64_t active_objs;  /* objects handed out and not yet freed */
	uint64_t num_objs;     /* objects the cache holds: handed out + free in its slabs (or pool) */
	uint64_t objsize;      /* bytes per object (the stride) */
	uint64_t objperslab, pagesperslab;
	uint64_t num_slabs;
	uint64_t baseline;     /* active_objs at the last *_mark_baseline(); 0 for one created since */
	bool not_a_cache;      /* a count with no slabs (big kmallocs, a pool): not a slabinfo line */
};
typedef void kmem_stats_fn(const struct kmem_stats *s, void *arg);

void kmem_cache_stats(struct kmem_cache *c, struct kmem_stats *s);
/* fn for every cache (the cache of caches, the kmalloc caches, then those
 * of kmem_cache_create, oldest first) and last for the big kmallocs
 * ("kmalloc-large", not_a_cache).  Runs under the list of caches' lock:
 * fn may kmalloc and kfree, but not sleep or create or destroy a cache. */
void slab_for_each_cache(kmem_stats_fn *fn, void *arg);
/* Remember every cache's active_objs now as its baseline. */
void slab_mark_baseline(void);

/* The page source (see above). */
void *slab_page_alloc(unsigned order);
void slab_page_free(void *va, unsigned order);
