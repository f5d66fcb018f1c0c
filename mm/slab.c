/* slab.c - kmem_cache and kmalloc (see slab.h for the design and rules).
 *
 * Slab layout (2^order pages, naturally aligned):
 *   struct slab | allocation bitmap | pad to align | object 0 | object 1 | ...
 * The bitmap, not a free list threaded through the objects, records which
 * objects are allocated: a stray write into a free object cannot corrupt
 * the allocator, and a double free is an O(1) bit test.
 * Each cache keeps its slabs on three lists: partial (some objects free;
 * allocation takes from the first), full, and empty (at most one, kept to
 * avoid bouncing a page to and from the page source).
 * Big kmalloc (> KMALLOC_MAX_CACHE_SIZE): 2^order pages from the page source
 * starting with struct large_hdr; the pointer returned is just past it, so
 * no kmalloc pointer is ever page-aligned and kfree() always finds a header
 * at the start of the pointer's page.
 */
#include "mm/slab.h"
#include "kernel/atomic.h"
#include "kernel/assert.h"
#include "kernel/lib/list.h"
#include "kernel/printk.h"
#include "kernel/spinlock.h"
#include "kernel/lib/string.h"

#if defined(HOST_TEST) && defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define poison(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define unpoison(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define poison(p, n) ((void)(p), (void)(n))
#define unpoison(p, n) ((void)(p), (void)(n))
#endif

#define SLAB_MAGIC 0x534c4142u  /* "SLAB" */
#define LARGE_MAGIC 0x4c415247u /* "LARG" */
#define KMALLOC_NR_CACHES 9     /* 8, 16, ..., 2048 */

struct slab {
	uint32_t magic;           /* SLAB_MAGIC while the slab exists */
	uint32_t inuse;           /* objects allocated; cache->lock */
	struct kmem_cache *cache; /* owner; immutable */
	struct list_head list;    /* on cache->partial/full/empty; cache->lock */
	uint64_t used[];          /* bit i set: object i allocated; cache->lock */
};

struct large_hdr {
	uint32_t magic; /* LARGE_MAGIC */
	uint32_t order; /* the block is 2^order pages */
	uint64_t pad;   /* keeps the object 16-byte aligned */
};

_Static_assert(sizeof(struct slab) % 16 == 0 && sizeof(struct large_hdr) == 16, "header sizes");

struct kmem_cache {
	/* Immutable after setup. */
	const char *name;
	size_t object_size;    /* as asked for */
	size_t size;           /* stride: object_size rounded up to align */
	size_t align;
	size_t first;          /* offset of object 0 in a slab */
	unsigned order;        /* a slab is 2^order pages */
	unsigned objs_per_slab;
	unsigned bitmap_words; /* 64-bit words of struct slab.used[] */
	bool is_kmalloc;       /* a kmalloc cache or the cache of caches: never destroyed */

	struct spinlock lock;     /* protects everything below, and each slab's mutable fields */
	struct list_head partial; /* slabs with allocated and free objects */
	struct list_head full;    /* slabs with no free object */
	struct list_head empty;   /* slabs with no allocated object (at most one) */
	unsigned nr_empty;
	uint64_t nr_slabs;     /* slabs on the three lists */
	uint64_t nr_allocated; /* objects allocated */
	uint64_t baseline;     /* nr_allocated at slab_mark_baseline() */

	struct list_head node; /* on caches; caches_lock */
};

static struct kmem_cache cache_cache; /* the struct kmem_caches of kmem_cache_create */
static struct kmem_cache kmalloc_caches[KMALLOC_NR_CACHES];
static const char *const kmalloc_names[KMALLOC_NR_CACHES] = {
	"kmalloc-8", "kmalloc-16", "kmalloc-32", "kmalloc-64", "kmalloc-128",
	"kmalloc-256", "kmalloc-512", "kmalloc-1024", "kmalloc-2048",
};
static bool slab_ready;      /* set once by slab_init */
static uint64_t slab_pages;  /* pages held from the page source; atomic */
static uint64_t large_allocated; /* big kmallocs not yet freed; atomic */
static uint64_t large_baseline;  /* large_allocated at slab_mark_baseline(); caches_lock */
/* Every cache, oldest first (slabinfo's order).  Taken outside any cache's
 * lock (never inside one), and never from interrupt context: the callers
 * are kmem_cache_create/destroy and the readers of the statistics. */
static LIST_HEAD(caches);
static struct spinlock caches_lock = SPINLOCK_INIT("slab_caches");

static void count_pages(unsigned order, bool add)
{
	if (add)
		fetch_add_relaxed(&slab_pages, 1ul << order);
	else
		fetch_sub_relaxed(&slab_pages, 1ul << order);
}

/* Compute the slab layout of a cache: the smallest order (0..SLAB_MAX_ORDER,
 * or exactly `order` if >= 0) wasting at most 1/8 of the slab, else the
 * least wasteful one.  False if no object fits or the arguments are bad. */
static bool cache_setup(struct kmem_cache *c, const char *name, size_t size, size_t align, int order)
{
	if (!size || size > (PAGE_SIZE << SLAB_MAX_ORDER) || (align & (align - 1)) || align > PAGE_SIZE)
		return false;
	align = MAX(align, size >= 16 ? 16ul : 8ul);
	size_t stride = ALIGN_UP(size, align);
	size_t best_waste = 0, best_bytes = 1;
	int lo = order >= 0 ? order : 0, hi = order >= 0 ? order : SLAB_MAX_ORDER;

	c->objs_per_slab = 0;
	for (int o = lo; o <= hi; o++) {
		size_t bytes = PAGE_SIZE << o;
		size_t n = (bytes - sizeof(struct slab)) / stride; /* upper bound: sizes the bitmap */
		size_t words = DIV_ROUND_UP(n, 64);
		size_t first = ALIGN_UP(sizeof(struct slab) + words * 8, align);
		n = first < bytes ? (bytes - first) / stride : 0;
		if (!n)
			continue;
		size_t waste = bytes - n * stride;
		/* Better than the best so far if it wastes a smaller fraction. */
		if (!c->objs_per_slab || waste * best_bytes < best_waste * bytes) {
			c->order = o;
			c->objs_per_slab = n;
			c->bitmap_words = words;
			c->first = first;
			best_waste = waste;
			best_bytes = bytes;
		}
		if (waste * 8 <= bytes)
			break;
	}
	if (!c->objs_per_slab)
		return false;
	c->name = name;
	c->object_size = size;
	c->size = stride;
	c->align = align;
	c->is_kmalloc = false;
	spin_init(&c->lock, name);
	list_init(&c->partial);
	list_init(&c->full);
	list_init(&c->empty);
	c->nr_empty = 0;
	c->nr_slabs = 0;
	c->nr_allocated = 0;
	c->baseline = 0; /* created after the mark: counts from 0 */
	list_init(&c->node);
	return true;
}

static void cache_register(struct kmem_cache *c)
{
	spin_lock(&caches_lock);
	list_add_tail(&c->node, &caches);
	spin_unlock(&caches_lock);
}

/* A new, empty slab for c from the page source; called without c->lock. */
static struct slab *new_slab(struct kmem_cache *c)
{
	struct slab *s = slab_page_alloc(c->order);
	if (!s)
		return NULL;
	BUG_ON(!IS_ALIGNED((uintptr_t)s, PAGE_SIZE << c->order)); /* the page source's promise */
	count_pages(c->order, true);
	s->magic = SLAB_MAGIC;
	s->inuse = 0;
	s->cache = c;
	list_init(&s->list);
	memset(s->used, 0, c->bitmap_words * sizeof(uint64_t));
	poison((char *)s + c->first, (PAGE_SIZE << c->order) - c->first);
	return s;
}

/* Give an empty slab (on no list) back; called without c->lock. */
static void release_slab(struct kmem_cache *c, struct slab *s)
{
	BUG_ON(s->inuse);
	s->magic = 0;
	unpoison(s, PAGE_SIZE << c->order);
	count_pages(c->order, false);
	slab_page_free(s, c->order);
}

static void move_to(struct slab *s, struct list_head *list)
{
	list_del(&s->list);
	list_add(&s->list, list);
}

void *kmem_cache_alloc(struct kmem_cache *c)
{
	unsigned long flags = spin_lock_irqsave(&c->lock);
	struct slab *s;

	if (!list_empty(&c->partial)) {
		s = list_first_entry(&c->partial, struct slab, list);
	} else if (!list_empty(&c->empty)) {
		s = list_first_entry(&c->empty, struct slab, list);
		move_to(s, &c->partial);
		c->nr_empty--;
	} else {
		spin_unlock_irqrestore(&c->lock, flags);
		s = new_slab(c);
		if (!s)
			return NULL;
		flags = spin_lock_irqsave(&c->lock);
		list_add(&s->list, &c->partial);
		c->nr_slabs++;
	}
	/* The lowest free object: the first word with a zero bit. */
	unsigned w = 0;
	while (s->used[w] == ~0ull)
		w++;
	unsigned i = w * 64 + __builtin_ctzll(~s->used[w]);
	BUG_ON(i >= c->objs_per_slab || s->inuse >= c->objs_per_slab);
	s->used[w] |= 1ull << (i % 64);
	if (++s->inuse == c->objs_per_slab)
		move_to(s, &c->full);
	c->nr_allocated++;
	spin_unlock_irqrestore(&c->lock, flags);

	void *p = (char *)s + c->first + (size_t)i * c->size;
	unpoison(p, c->object_size);
	return p;
}

/* Free object p of slab s of cache c. */
static void slab_free(struct kmem_cache *c, struct slab *s, void *p)
{
	uintptr_t off = (uintptr_t)p - (uintptr_t)s - c->first;
	struct slab *release = NULL;

	/* p must be an object start (this also rejects p in the header). */
	BUG_ON((uintptr_t)p < (uintptr_t)s + c->first || off % c->size || off / c->size >= c->objs_per_slab);
	size_t i = off / c->size;
	unsigned long flags = spin_lock_irqsave(&c->lock);
	BUG_ON(!(s->used[i / 64] & (1ull << (i % 64)))); /* double free */
	poison(p, c->size);
	s->used[i / 64] &= ~(1ull << (i % 64));
	c->nr_allocated--;
	if (s->inuse-- == c->objs_per_slab)
		move_to(s, &c->partial); /* was full */
	if (s->inuse == 0) {
		if (c->nr_empty == 0) {
			move_to(s, &c->empty);
			c->nr_empty++;
		} else {
			list_del(&s->list);
			c->nr_slabs--;
			release = s;
		}
	}
	spin_unlock_irqrestore(&c->lock, flags);
	if (release)
		release_slab(c, release);
}

void kmem_cache_free(struct kmem_cache *c, void *p)
{
	if (!p)
		return;
	struct slab *s = (struct slab *)ALIGN_DOWN((uintptr_t)p, PAGE_SIZE << c->order);
	BUG_ON(s->magic != SLAB_MAGIC || s->cache != c); /* not an object of c */
	slab_free(c, s, p);
}

void kmem_cache_shrink(struct kmem_cache *c)
{
	LIST_HEAD(victims);
	unsigned long flags = spin_lock_irqsave(&c->lock);
	while (!list_empty(&c->empty)) {
		move_to(list_first_entry(&c->empty, struct slab, list), &victims);
		c->nr_empty--;
		c->nr_slabs--;
	}
	spin_unlock_irqrestore(&c->lock, flags);
	while (!list_empty(&victims)) {
		struct slab *s = list_first_entry(&victims, struct slab, list);
		list_del(&s->list);
		release_slab(c, s);
	}
}

struct kmem_cache *kmem_cache_create(const char *name, size_t size, size_t align)
{
	BUG_ON(!slab_ready);
	struct kmem_cache *c = kmem_cache_alloc(&cache_cache);
	if (!c)
		return NULL;
	if (!cache_setup(c, name, size, align, -1)) {
		kmem_cache_free(&cache_cache, c);
		return NULL;
	}
	cache_register(c);
	return c;
}

void kmem_cache_destroy(struct kmem_cache *c)
{
	if (!c)
		return;
	BUG_ON(c->is_kmalloc);
	unsigned long flags = spin_lock_irqsave(&c->lock);
	uint64_t live = c->nr_allocated;
	spin_unlock_irqrestore(&c->lock, flags);
	if (live) {
		pr_err("slab: kmem_cache_destroy(%s): %llu objects still allocated, cache kept\n", c->name,
		       (unsigned long long)live);
		WARN_ON(live);
		return;
	}
	spin_lock(&caches_lock);
	list_del(&c->node);
	spin_unlock(&caches_lock);
	kmem_cache_shrink(c);
	BUG_ON(c->nr_slabs || !list_empty(&c->partial) || !list_empty(&c->full));
	kmem_cache_free(&cache_cache, c);
}

static void *kmalloc_large(size_t n)
{
	if (n > (PAGE_SIZE << KMALLOC_MAX_ORDER) - sizeof(struct large_hdr))
		return NULL;
	unsigned order = 0;
	while ((PAGE_SIZE << order) < n + sizeof(struct large_hdr))
		order++;
	struct large_hdr *h = slab_page_alloc(order);
	if (!h)
		return NULL;
	BUG_ON(!IS_ALIGNED((uintptr_t)h, PAGE_SIZE));
	count_pages(order, true);
	fetch_add_relaxed(&large_allocated, 1);
	h->magic = LARGE_MAGIC;
	h->order = order;
	char *p = (char *)(h + 1);
	poison(p + n, (PAGE_SIZE << order) - sizeof(*h) - n);
	return p;
}

static unsigned kmalloc_index(size_t n)
{
	if (n <= KMALLOC_MIN_SIZE)
		return 0;
	return 64 - __builtin_clzl(n - 1) - 3; /* ceil(log2(n)) - 3 */
}

void *kmalloc(size_t n)
{
	BUG_ON(!slab_ready);
	if (n > KMALLOC_MAX_CACHE_SIZE)
		return kmalloc_large(n);
	struct kmem_cache *c = &kmalloc_caches[kmalloc_index(n)];
	void *p = kmem_cache_alloc(c);
	if (p)
		poison((char *)p + n, c->size - n); /* catch use past n (ksize() lifts it) */
	return p;
}

void *kzalloc(size_t n)
{
	void *p = kmalloc(n);
	if (p)
		memset(p, 0, n);
	return p;
}

/* The header at the start of p's page: a struct slab or a struct large_hdr. */
static void *kmalloc_header(const void *p, uint32_t *magic)
{
	BUG_ON(IS_ALIGNED((uintptr_t)p, PAGE_SIZE)); /* kmalloc never returns one */
	void *base = (void *)ALIGN_DOWN((uintptr_t)p, PAGE_SIZE);
	*magic = *(const uint32_t *)base;
	BUG_ON(*magic != SLAB_MAGIC && *magic != LARGE_MAGIC); /* not from kmalloc */
	return base;
}

void kfree(void *p)
{
	uint32_t magic;

	if (!p)
		return;
	void *base = kmalloc_header(p, &magic);
	if (magic == LARGE_MAGIC) {
		struct large_hdr *h = base;
		unsigned order = h->order;
		BUG_ON(p != h + 1 || order > KMALLOC_MAX_ORDER);
		h->magic = 0;
		unpoison(h, PAGE_SIZE << order);
		count_pages(order, false);
		fetch_sub_relaxed(&large_allocated, 1);
		slab_page_free(h, order);
		return;
	}
	struct slab *s = base;
	BUG_ON(s->cache->order != 0); /* only single-page slabs are found this way */
	slab_free(s->cache, s, p);
}

size_t ksize(const void *p)
{
	uint32_t magic;
	size_t n;

	if (!p)
		return 0;
	void *base = kmalloc_header(p, &magic);
	if (magic == LARGE_MAGIC)
		n = (PAGE_SIZE << ((struct large_hdr *)base)->order) - sizeof(struct large_hdr);
	else
		n = ((struct slab *)base)->cache->size;
	unpoison((void *)p, n); /* the caller may now use all of it */
	return n;
}

void slab_init(void)
{
	BUG_ON(slab_ready);
	bool ok = cache_setup(&cache_cache, "kmem_cache", sizeof(struct kmem_cache), 0, -1);
	BUG_ON(!ok);
	cache_cache.is_kmalloc = true;
	cache_register(&cache_cache);
	for (unsigned i = 0; i < KMALLOC_NR_CACHES; i++) {
		size_t size = KMALLOC_MIN_SIZE << i;
		/* align = size: natural alignment costs nothing with one-page slabs. */
		ok = cache_setup(&kmalloc_caches[i], kmalloc_names[i], size, size, 0);
		BUG_ON(!ok);
		kmalloc_caches[i].is_kmalloc = true;
		cache_register(&kmalloc_caches[i]);
	}
	slab_ready = true;
}

uint64_t slab_pages_in_use(void) { return load_relaxed(&slab_pages); }

void slab_shrink(void)
{
	for (unsigned i = 0; i < KMALLOC_NR_CACHES; i++)
		kmem_cache_shrink(&kmalloc_caches[i]);
	kmem_cache_shrink(&cache_cache);
}

void kmem_cache_stats(struct kmem_cache *c, struct kmem_stats *s)
{
	unsigned long flags = spin_lock_irqsave(&c->lock);
	*s = (struct kmem_stats){
		.name = c->name,
		.active_objs = c->nr_allocated,
		.num_objs = c->nr_slabs * c->objs_per_slab,
		.objsize = c->size,
		.objperslab = c->objs_per_slab,
		.pagesperslab = 1ul << c->order,
		.num_slabs = c->nr_slabs,
		.baseline = c->baseline,
	};
	spin_unlock_irqrestore(&c->lock, flags);
}

void slab_for_each_cache(kmem_stats_fn *fn, void *arg)
{
	struct kmem_stats s;
	struct list_head *pos;

	spin_lock(&caches_lock);
	list_for_each(pos, &caches) {
		kmem_cache_stats(list_entry(pos, struct kmem_cache, node), &s);
		fn(&s, arg); /* with no cache's lock held: fn may kmalloc */
	}
	uint64_t large = load_relaxed(&large_allocated);
	s = (struct kmem_stats){ .name = "kmalloc-large", .active_objs = large, .num_objs = large,
				 .baseline = large_baseline, .not_a_cache = true };
	fn(&s, arg);
	spin_unlock(&caches_lock);
}

void slab_mark_baseline(void)
{
	struct list_head *pos;

	spin_lock(&caches_lock);
	list_for_each(pos, &caches) {
		struct kmem_cache *c = list_entry(pos, struct kmem_cache, node);
		unsigned long flags = spin_lock_irqsave(&c->lock);
		c->baseline = c->nr_allocated;
		spin_unlock_irqrestore(&c->lock, flags);
	}
	large_baseline = load_relaxed(&large_allocated);
	spin_unlock(&caches_lock);
}
