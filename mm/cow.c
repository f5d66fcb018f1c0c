/* cow.c - breaking copy-on-write: the write fault on a page that fork
 * shared read-only (see cow.h for the rules).
 *
 * Under the PTE's split lock: still present without W?  If this mm is the
 * page's only user (mapcount 1), set W and return.  Otherwise pin the page
 * (one more mapcount, so it cannot be freed under the copy), drop the
 * lock, allocate and copy the page, take the lock again and check the PTE
 * is unchanged; if it changed (another thread broke COW first, madvise or
 * munmap zapped it), drop the copy and the pin and let the access retry.
 * Otherwise clear the PTE, flush the address from every CPU of this mm,
 * install the copy writable, and drop the old page's mapping and the pin
 * (freeing it if the other mm let go of it meanwhile).
 *
 * Why the flush before the install, under the lock (Linux's
 * ptep_clear_flush in wp_page_copy): a thread on another CPU may still
 * hold the old translation in its TLB.  Left there, it would read the old
 * page while this thread writes the copy, and once the old page's other
 * user reuses it (mapcount 1: made writable), it would read that mm's
 * writes.  While the PTE is clear, a fault on it elsewhere waits for the
 * split lock and then finds the copy.  The flush sends IPIs with the split
 * lock held: spinlock waiters keep interrupts on, so they answer. */
#include "mm/cow.h"
#include "arch/x86_64/x86.h"
#include "kernel/errno.h"
#include "kernel/lib/string.h"
#include "mm/mmstat.h"
#include "mm/tlb.h"

/* Drop n mappings of the user page pa, freeing it after the last. */
static void page_unmap_n(phys_addr_t pa, uint16_t n)
{
	if (fetch_sub(&phys_to_page(pa)->mapcount, n) == n)
		frame_free(phys_to_page(pa), 0);
}

static bool pte_same(uint64_t a, uint64_t b) { return !((a ^ b) & ~(uint64_t)(PTE_A | PTE_D)); }

int cow_fault(struct mm *mm, const struct vma *v, uint64_t va)
{
	mmstat_inc(MMSTAT_COW_FAULT);
	struct spinlock *ptl;
	uint64_t *pte = pte_offset_lock(mm, va, false, &ptl);
	if (!pte)
		return 0; /* zapped and its table gone meanwhile: retry the access */
	uint64_t e = *pte;
	if ((e & (PTE_P | PTE_W)) != PTE_P) { /* changed meanwhile: retry the access */
		pte_unlock(ptl);
		invlpg(va);
		return 0;
	}
	phys_addr_t pa = e & PTE_ADDR_MASK;
	if (!cow_shared(v->flags, pa)) { /* the other mms let go: ours alone */
		WRITE_ONCE(*pte, e | PTE_W);
		pte_unlock(ptl);
		invlpg(va); /* other CPUs' read-only entries fault once (fault.c step 2) */
		mmstat_inc(MMSTAT_COW_REUSE);
		return 0;
	}
	fetch_add(&phys_to_page(pa)->mapcount, 1); /* pinned: the copy reads a live page */
	pte_unlock(ptl);

	void *copy = page_alloc(0, false);
	if (copy)
		memcpy(copy, phys_to_virt(pa), PAGE_SIZE);
	pte = pte_offset_lock(mm, va, false, &ptl);
	if (!copy || !pte || !pte_same(*pte, e)) {
		if (pte)
			pte_unlock(ptl);
		if (copy)
			page_free(copy, 0);
		page_unmap_n(pa, 1); /* the pin */
		if (!copy)
			mmstat_inc(MMSTAT_FAULT_OOM);
		else
			mmstat_inc(MMSTAT_FAULT_RACE);
		return copy ? 0 : -ENOMEM;
	}
	phys_addr_t npa = virt_to_phys(copy);
	phys_to_page(npa)->mapcount = 1;
	WRITE_ONCE(*pte, 0);
	tlb_flush_page(mm, va); /* no CPU keeps the old page's translation */
	WRITE_ONCE(*pte, npa | prot_to_pte(v->prot));
	pte_unlock(ptl);
	page_unmap_n(pa, 2); /* our mapping and the pin */
	mmstat_inc(MMSTAT_COW_COPY);
	return 0;
}
