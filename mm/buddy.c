/* buddy.c - the binary buddy allocator (see buddy.h for the design).
 *
 * Page states, by the PG_BUDDY_MASK bits of struct page:
 *   PG_reserved  never given to the allocator (or not yet: buddy_init)
 *   PG_buddy     first page of a free block; order = block order; on a list
 *   PG_head      first page of an allocated block; order = block order
 *   none         any other page of a free or allocated block
 * The span is tiled by reserved pages and blocks, so walking it block by
 * block from the start meets exactly one of the three bits at every step
 * (buddy_check() does that).  No lock here: the caller holds one.
 */
#include "mm/buddy.h"
#include "kernel/assert.h"
#include "kernel/printk.h"

static inline struct page *pfn_page(struct buddy *b, pfn_t pfn) { return buddy_pfn_to_page(b, pfn); }

static inline void set_state(struct page *p, uint32_t state, unsigned order)
{
	p->flags = (p->flags & ~PG_BUDDY_MASK) | state;
	p->order = (uint8_t)order;
}

/* Put the free block [pfn, pfn + 2^order) on a free list, merging it with
 * its buddy for as long as the buddy is a free block of the same order.
 * Does not count the pages in b->nr_free (the callers do). */
static void free_block(struct buddy *b, pfn_t pfn, unsigned order)
{
	while (order < BUDDY_MAX_ORDER) {
		pfn_t bpfn = pfn ^ (1ul << order);
		if (!buddy_has_pfn(b, bpfn))
			break;
		struct page *bp = pfn_page(b, bpfn);
		if (!(bp->flags & PG_buddy) || bp->order != order)
			break;
		list_del(&bp->lru);
		b->free_area[order].nr_free--;
		set_state(bp, 0, 0);
		pfn &= ~(1ul << order); /* the merged block starts at the lower buddy */
		order++;
	}
	struct page *p = pfn_page(b, pfn);
	set_state(p, PG_buddy, order);
	list_add(&p->lru, &b->free_area[order].free_list);
	b->free_area[order].nr_free++;
}

void buddy_init(struct buddy *b, struct page *pages, pfn_t base_pfn, uint64_t npages)
{
	b->pages = pages;
	b->base_pfn = base_pfn;
	b->npages = npages;
	b->nr_free = 0;
	for (unsigned o = 0; o <= BUDDY_MAX_ORDER; o++) {
		list_init(&b->free_area[o].free_list);
		b->free_area[o].nr_free = 0;
	}
	for (uint64_t i = 0; i < npages; i++) {
		list_init(&pages[i].lru);
		pages[i].flags = PG_reserved;
		pages[i].order = 0;
	}
}

void buddy_free_range(struct buddy *b, pfn_t pfn, uint64_t count)
{
	if (!count)
		return;
	BUG_ON(!buddy_has_pfn(b, pfn));
	BUG_ON(count > b->npages - (pfn - b->base_pfn));
	pfn_t end = pfn + count;
	for (pfn_t i = pfn; i < end; i++) {
		struct page *p = pfn_page(b, i);
		BUG_ON(!(p->flags & PG_reserved)); /* given twice, or allocated */
		set_state(p, 0, 0);
	}
	while (pfn < end) {
		/* The largest naturally aligned block starting at pfn that fits. */
		unsigned o = BUDDY_MAX_ORDER;
		while (o > 0 && ((pfn & ((1ul << o) - 1)) || (1ul << o) > end - pfn))
			o--;
		free_block(b, pfn, o);
		b->nr_free += 1ul << o;
		pfn += 1ul << o;
	}
}

struct page *buddy_alloc(struct buddy *b, unsigned order)
{
	if (order > BUDDY_MAX_ORDER)
		return NULL;
	unsigned o = order;
	while (list_empty(&b->free_area[o].free_list))
		if (++o > BUDDY_MAX_ORDER)
			return NULL;
	struct page *p = list_first_entry(&b->free_area[o].free_list, struct page, lru);
	list_del(&p->lru);
	b->free_area[o].nr_free--;
	pfn_t pfn = buddy_page_to_pfn(b, p);
	/* Split: keep the lower half, put the upper half back, until small enough. */
	while (o > order) {
		o--;
		struct page *half = pfn_page(b, pfn + (1ul << o));
		set_state(half, PG_buddy, o);
		list_add(&half->lru, &b->free_area[o].free_list);
		b->free_area[o].nr_free++;
	}
	set_state(p, PG_head, order);
	b->nr_free -= 1ul << order;
	return p;
}

void buddy_free(struct buddy *b, struct page *p, unsigned order)
{
	uintptr_t off = (uintptr_t)p - (uintptr_t)b->pages;

	BUG_ON(order > BUDDY_MAX_ORDER);
	/* p must be one of b->pages[] (computed without pointer arithmetic on
	 * a pointer that may be outside the array). */
	BUG_ON((uintptr_t)p < (uintptr_t)b->pages || off % sizeof(struct page) ||
	       off / sizeof(struct page) >= b->npages);
	pfn_t pfn = buddy_page_to_pfn(b, p);
	BUG_ON(pfn & ((1ul << order) - 1));                              /* misaligned */
	BUG_ON((1ul << order) > b->npages - (pfn - b->base_pfn));        /* runs off the span */
	BUG_ON(p->flags & PG_buddy);                                     /* double free */
	BUG_ON(p->flags & PG_reserved);                                  /* never allocatable */
	BUG_ON(!(p->flags & PG_head));                                   /* double free, or not a block start */
	BUG_ON(p->order != order);                                       /* wrong order */
	set_state(p, 0, 0);
	free_block(b, pfn, order);
	b->nr_free += 1ul << order;
}

uint64_t buddy_nr_free(const struct buddy *b) { return b->nr_free; }

#define check(c, ...)                                  \
	do {                                           \
		if (unlikely(!(c))) {                  \
			pr_err("buddy_check: " __VA_ARGS__); \
			return false;                  \
		}                                      \
	} while (0)

bool buddy_check(const struct buddy *b)
{
	uint64_t pages = 0, blocks = 0;
	pfn_t end = b->base_pfn + b->npages;

	for (unsigned o = 0; o <= BUDDY_MAX_ORDER; o++) {
		uint64_t n = 0;
		const struct list_head *pos;
		list_for_each(pos, &b->free_area[o].free_list) {
			const struct page *p = list_entry(pos, struct page, lru);
			check(n < b->npages, "free list %u does not end\n", o);
			check(p >= b->pages && p < b->pages + b->npages, "free list %u: page %p not in the span\n", o,
			      (const void *)p);
			pfn_t pfn = buddy_page_to_pfn(b, p);
			check((p->flags & PG_BUDDY_MASK) == PG_buddy && p->order == o,
			      "pfn %#llx on free list %u has flags %#x order %u\n", (unsigned long long)pfn, o, p->flags,
			      p->order);
			check(!(pfn & ((1ul << o) - 1)) && pfn + (1ul << o) <= end,
			      "free block pfn %#llx order %u misaligned or past the end\n", (unsigned long long)pfn, o);
			pfn_t bpfn = pfn ^ (1ul << o);
			if (o < BUDDY_MAX_ORDER && buddy_has_pfn(b, bpfn)) {
				const struct page *bp = &b->pages[bpfn - b->base_pfn];
				check(!((bp->flags & PG_buddy) && bp->order == o),
				      "free buddies pfn %#llx and %#llx (order %u) not merged\n", (unsigned long long)pfn,
				      (unsigned long long)bpfn, o);
			}
			n++;
		}
		check(n == b->free_area[o].nr_free, "free list %u holds %llu blocks, nr_free says %llu\n", o,
		      (unsigned long long)n, (unsigned long long)b->free_area[o].nr_free);
		blocks += n;
		pages += n << o;
	}
	check(pages == b->nr_free, "free lists hold %llu pages, nr_free says %llu\n", (unsigned long long)pages,
	      (unsigned long long)b->nr_free);

	/* Tiling: from every block start, the next block starts 2^order later. */
	uint64_t heads = 0;
	for (uint64_t i = 0; i < b->npages;) {
		const struct page *p = &b->pages[i];
		uint32_t s = p->flags & PG_BUDDY_MASK;
		check(s == PG_reserved || s == PG_buddy || s == PG_head, "pfn %#llx: flags %#x, not a block start\n",
		      (unsigned long long)(b->base_pfn + i), p->flags);
		uint64_t n = s == PG_reserved ? 1 : 1ul << p->order;
		check(p->order <= BUDDY_MAX_ORDER && i + n <= b->npages, "pfn %#llx: bad order %u\n",
		      (unsigned long long)(b->base_pfn + i), p->order);
		for (uint64_t j = 1; j < n; j++)
			check(!(b->pages[i + j].flags & PG_BUDDY_MASK), "pfn %#llx inside a block has flags %#x\n",
			      (unsigned long long)(b->base_pfn + i + j), b->pages[i + j].flags);
		heads += s == PG_buddy;
		i += n;
	}
	check(heads == blocks, "%llu PG_buddy pages but %llu blocks on free lists\n", (unsigned long long)heads,
	      (unsigned long long)blocks);
	return true;
}
#undef check
