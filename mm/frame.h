/* frame.h - the physical frame allocator.
 *
 * Boot order: frame_early_init() gives a bump allocator for the page tables
 * paging_init() builds; frame_init() then hands every available frame not
 * in use (kernel image, boot modules, first 1 MiB, early allocations) to the
 * buddy allocator.  Single pages go through per-CPU caches (batched refill
 * from and drain to the buddy); larger orders go to the buddy directly. */
#pragma once
#include "kernel/types.h"
#include "mm/page.h"

#define PCP_BATCH 32 /* pages moved between a per-CPU cache and the buddy at once */
#define PCP_HIGH 128 /* a cache holding more than this drains a batch */

void frame_early_init(void);
phys_addr_t early_alloc_page(void); /* zeroed; before frame_init only */
void frame_init(void);

struct page *frame_alloc(unsigned order); /* NULL when out of memory */
void frame_free(struct page *p, unsigned order);
/* Kernel-virtual (direct map) versions; page_alloc zeroes when zero is set. */
void *page_alloc(unsigned order, bool zero);
/* Zero one page: the routine every zeroed page goes through (user pages,
 * page tables), counted in /proc/mmstat and timed by bench.zero.  The way it
 * zeroes is chosen at boot (mm/clear_page.c). */
void clear_page(void *va);
void page_free(void *va, unsigned order);

phys_addr_t page_to_phys(const struct page *p);
struct page *phys_to_page(phys_addr_t pa);
void *page_to_virt(const struct page *p);

uint64_t frames_free(void);  /* buddy + every per-CPU cache */
uint64_t frames_total(void); /* frames given to the allocator at boot */
void frame_drain_this_cpu(void);
void frame_drain_all(void);  /* empty every CPU's cache into the buddy (IPIs the others) */
