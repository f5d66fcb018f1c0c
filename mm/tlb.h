/* tlb.h - changing and clearing ranges of user PTEs, and the TLB
 * shootdowns that must follow, batched (Linux's mmu_gather).
 *
 *     struct mmu_gather tlb;
 *     tlb_gather_init(&tlb, mm);
 *     zap_range(&tlb, a, b); zap_range(&tlb, c, d);   (PTEs cleared, frames kept)
 *     free_pgtables(&tlb, a, d, floor, ceiling);     (empty tables unlinked, kept)
 *     tlb_finish(&tlb);   one shootdown for everything, then the frames are
 *                         freed, the tables after a grace period too
 *
 * Why the order: until every CPU that may cache the old translations
 * (mm->cpus) has flushed them, a thread there may still read or write the
 * old frames, and its page walker may still read the old tables.  The
 * gather collects up to TLB_GATHER_RANGES ranges; a flush covers them with
 * invlpg per page up to TLB_FLUSH_MAX_PAGES pages in all, else a full
 * flush (CR3 reload).  All under mmap_lock (write, or read for madvise). */
#pragma once
#include "kernel/lib/list.h"
#include "kernel/types.h"

struct mm;

#define TLB_FLUSH_MAX_PAGES 32 /* above this many pages, one CR3 reload beats invlpg each */
#define TLB_GATHER_RANGES 8
#define TLB_LATER_INLINE 8

struct mmu_gather {
	struct mm *mm;
	struct {
		uint64_t start, end;
	} range[TLB_GATHER_RANGES];    /* to flush: present PTEs changed there */
	unsigned nranges;
	uint64_t pages;                /* pages in the ranges */
	bool full;                     /* too many: flush everything */
	struct list_head frames;       /* user pages whose last mapping went (page->lru) */
	phys_addr_t *later;            /* user pages other mms map too: their mapping is */
	unsigned nlater, later_max;    /* dropped after the shootdown (later_inline, or a page) */
	phys_addr_t later_inline[TLB_LATER_INLINE];
	struct list_head tables;       /* unlinked page-table pages (page->lru) */
};

void tlb_gather_init(struct mmu_gather *tlb, struct mm *mm);
/* Clear every PTE in [start, end), dropping each page's mapcount: at once
 * for a page only this PTE maps (freed after the shootdown), after the
 * shootdown for one other mms map too (cow.h: none may reuse it while a
 * CPU here still caches it).  Runs the shootdown early when it has no room
 * left to remember them. */
void zap_range(struct mmu_gather *tlb, uint64_t start, uint64_t end);
/* Give every PTE in [start, end) the rights of prot (PROT_NONE keeps the
 * frame in a not-present PTE_PROTNONE entry); vflags are the VMA's flags:
 * in a private mapping a page shared copy-on-write stays read-only. */
void change_prot_range(struct mmu_gather *tlb, uint64_t start, uint64_t end, unsigned prot, unsigned vflags);
/* Unlink the page tables that map only addresses in [floor, ceiling) and
 * overlap [start, end) - Linux's free_pgtables(): floor is the end of the
 * VMA below the unmapped range (0 if none), ceiling the start of the one
 * above (the top of user space if none), so no table a VMA still uses is
 * touched.  Upper-level tables go too once they are empty. */
void free_pgtables(struct mmu_gather *tlb, uint64_t start, uint64_t end, uint64_t floor, uint64_t ceiling);
/* mremap: move the PTEs of [old, old + len) to [new, new + len), whose
 * PTEs are clear.  0, or -ENOMEM with some moved (move them back). */
int move_page_range(struct mmu_gather *tlb, uint64_t old, uint64_t new, uint64_t len);
/* The shootdown, then free frames and retire tables. */
void tlb_finish(struct mmu_gather *tlb);
/* Flush every translation of mm on every CPU using it, now (fork, after
 * write-protecting the parent's private pages). */
void tlb_flush_mm(struct mm *mm);
/* Flush va of mm on every CPU using it, now (breaking COW: no CPU may keep
 * the old page's translation once the copy is installed). */
void tlb_flush_page(struct mm *mm, uint64_t va);
