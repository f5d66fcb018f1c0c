/* tlb_compat.h - TEMPORARY: the mmu_gather API on top of the old
 * pgtable.c functions, until mm/tlb.c lands.  Not for review. */
#pragma once
#include "arch/x86_64/paging.h"
#include "mm/mm.h"

struct mmu_gather {
	struct mm *mm;
};
static inline void tlb_gather_init(struct mmu_gather *t, struct mm *mm) { t->mm = mm; }
static inline void zap_range(struct mmu_gather *t, uint64_t s, uint64_t e) { unmap_range(t->mm, s, e); }
#define change_prot_range(t, s, e, p) (change_prot_range)((t)->mm, s, e, p)
static inline void free_pgtables(struct mmu_gather *t, uint64_t s, uint64_t e, uint64_t f, uint64_t c) {}
static inline int move_page_range(struct mmu_gather *t, uint64_t old, uint64_t new, uint64_t len)
{
	struct mm *mm = t->mm;
	int r = 0;
	spin_lock(&mm->pt_lock);
	for (uint64_t off = 0; off < len; off += PAGE_SIZE) {
		uint64_t *src = pte_lookup(mm, old + off, false);
		if (!src || !(*src & (PTE_P | PTE_PROTNONE)))
			continue;
		uint64_t *dst = pte_lookup(mm, new + off, true);
		if (!dst) {
			r = -12;
			break;
		}
		*dst = *src;
		*src = 0;
	}
	spin_unlock(&mm->pt_lock);
	flush_tlb_mm_range(mm, old, old + len);
	return r;
}
static inline void tlb_finish(struct mmu_gather *t) {}
