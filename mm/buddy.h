/* buddy.h - a binary buddy allocator over one contiguous span of PFNs.
 *
 * The allocator hands out naturally aligned blocks of 2^order frames,
 * order 0..BUDDY_MAX_ORDER (4 KiB .. 4 MiB), from the span
 * [base_pfn, base_pfn + npages).  It works only on the span's struct page
 * array (pages[i] describes PFN base_pfn + i) and never reads or writes the
 * frames themselves, so it is portable and unit-tested on the host.
 * A free block is kept on free_area[order] as its first page (PG_buddy set,
 * page->order = order); the two halves of an aligned block of order k + 1
 * are "buddies" (PFNs differing only in bit k) and merge as soon as both
 * are free, so free blocks are always maximal.  Alignment is by absolute
 * PFN, so any base_pfn works; holes are simply never freed into the span.
 *
 * Locking: none inside.  The caller serialises every call on one struct
 * buddy with its own lock (mm/frame.c's zone_lock, irq-saving).
 *
 * Debug checks (BUG_ON, always on, O(1) each): freeing a block that is out
 * of the span, misaligned, not allocated (double free, a page inside a
 * block, a reserved page) or with a different order than it was allocated
 * with; freeing a range at init that is not reserved.
 */
#pragma once
#include "kernel/lib/list.h"
#include "kernel/types.h"
#include "mm/page.h"

#define BUDDY_MAX_ORDER 10 /* largest block: 2^10 pages = 4 MiB */

struct free_area {
	struct list_head free_list; /* heads (PG_buddy) of free blocks of this order */
	uint64_t nr_free;           /* number of blocks on free_list */
};

/* Every field is protected by the caller's lock (see above). */
struct buddy {
	struct page *pages; /* pages[i] describes PFN base_pfn + i */
	pfn_t base_pfn;
	uint64_t npages;
	uint64_t nr_free; /* free pages, all orders */
	struct free_area free_area[BUDDY_MAX_ORDER + 1];
};

/* Every page starts reserved (PG_reserved): nothing is free until given
 * with buddy_free_range().  pages[] must have npages entries. */
void buddy_init(struct buddy *b, struct page *pages, pfn_t base_pfn, uint64_t npages);
/* Give [pfn, pfn + count) (usable RAM, all still reserved) to the allocator;
 * it is cut into maximal aligned blocks, merged with free neighbours. */
void buddy_free_range(struct buddy *b, pfn_t pfn, uint64_t count);
/* A free block of 2^order pages with pfn % 2^order == 0 (its first page,
 * marked PG_head), or NULL if there is none (or order > BUDDY_MAX_ORDER). */
struct page *buddy_alloc(struct buddy *b, unsigned order);
/* Return a block from buddy_alloc() with the order it was allocated with. */
void buddy_free(struct buddy *b, struct page *p, unsigned order);
/* Free pages (exact). */
uint64_t buddy_nr_free(const struct buddy *b);
/* Walk every free list and the page array and check all invariants
 * (alignment, flags, counts, no two free buddies unmerged).  O(npages); for
 * tests.  Prints the first problem found (pr_err) and returns false. */
bool buddy_check(const struct buddy *b);

static inline bool buddy_has_pfn(const struct buddy *b, pfn_t pfn)
{
	return pfn >= b->base_pfn && pfn - b->base_pfn < b->npages;
}
static inline pfn_t buddy_page_to_pfn(const struct buddy *b, const struct page *p)
{
	return b->base_pfn + (pfn_t)(p - b->pages);
}
static inline struct page *buddy_pfn_to_page(const struct buddy *b, pfn_t pfn)
{
	return &b->pages[pfn - b->base_pfn];
}
