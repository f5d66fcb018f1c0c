/* tlb.c - clearing, changing and moving ranges of user PTEs, freeing page
 * tables no VMA needs, and the batched TLB shootdown that must come before
 * any of the old frames or tables is reused (see tlb.h).
 *
 * Every PTE is touched under its table's split lock (pgtable.h); tables
 * are unlinked under pt_lock.  The callers hold mmap_lock: for write when
 * tables are freed.  In mm.lock=vma, faults in other VMAs still walk the
 * tables meanwhile: a table is unlinked only when no VMA lies in its span
 * (span_free), and freed after the shootdown and a grace period. */
#include "mm/tlb.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/x86.h"
#include "kernel/assert.h"
#include "kernel/atomic.h"
#include "kernel/errno.h"
#include "kernel/percpu.h"
#include "kernel/smp.h"
#include "kernel/lib/string.h"
#include "mm/cow.h"
#include "mm/frame.h"
#include "mm/mm.h"
#include "mm/mmap_lock.h"
#include "mm/mmstat.h"
#include "mm/slab.h"

#define PT_SPAN (1ul << 21) /* what one last-level table maps */
#define PD_SPAN (1ul << 30)
#define PDPT_SPAN (1ul << 39)

void tlb_gather_init(struct mmu_gather *tlb, struct mm *mm)
{
	tlb->mm = mm;
	tlb->nranges = 0;
	tlb->pages = 0;
	tlb->full = false;
	tlb->later = tlb->later_inline;
	tlb->nlater = 0;
	tlb->later_max = TLB_LATER_INLINE;
	list_init(&tlb->frames);
	list_init(&tlb->tables);
}

/* LAB(tlb) begin: note that [start, end) needs a flush: merge touching ranges, else fall back to tlb->full */
/* Remember that translations of [start, end) may be cached somewhere. */
static void tlb_add_range(struct mmu_gather *tlb, uint64_t start, uint64_t end)
{
	tlb->pages += (end - start) / PAGE_SIZE;
	if (tlb->full || tlb->pages > TLB_FLUSH_MAX_PAGES) {
		tlb->full = true;
		return;
	}
	if (tlb->nranges) { /* extend the last range when they touch */
		uint64_t *s = &tlb->range[tlb->nranges - 1].start, *e = &tlb->range[tlb->nranges - 1].end;
		if (start <= *e && end >= *s) {
			tlb->pages -= (end - start) / PAGE_SIZE;
			uint64_t ns = MIN(*s, start), ne = MAX(*e, end);
			tlb->pages += (ne - ns - (*e - *s)) / PAGE_SIZE;
			*s = ns;
			*e = ne;
			return;
		}
	}
	if (tlb->nranges == TLB_GATHER_RANGES) {
		tlb->full = true;
		return;
	}
	tlb->range[tlb->nranges].start = start;
	tlb->range[tlb->nranges].end = end;
	tlb->nranges++;
}
/* LAB(tlb) end */

/* Apply fn to the PTEs of [start, end) that hold a frame, one table at a
 * time under its split lock.  fn returns 1 when it changed a present PTE
 * (the range then needs a flush), 0 when not, or -1 when it cannot go on
 * before the gathered work is done: then the shootdown runs (tlb_finish)
 * and fn is called again for the same PTE. */
static void for_each_pte(struct mmu_gather *tlb, uint64_t start, uint64_t end,
			 int (*fn)(struct mmu_gather *, uint64_t *, void *), void *arg)
{
	for (uint64_t va = start; va < end;) {
		uint64_t chunk_end = MIN(ALIGN_DOWN(va, PT_SPAN) + PT_SPAN, end);
		struct spinlock *ptl;
		uint64_t *pte = pte_offset_lock(tlb->mm, va, false, &ptl);
		if (!pte) {
			va = chunk_end;
			continue;
		}
		uint64_t first = 0, last = 0, a;
		int r = 0;
		for (a = va; a < chunk_end; a += PAGE_SIZE, pte++) {
			if (!pte_has_frame(*pte))
				continue;
			if ((r = fn(tlb, pte, arg)) < 0)
				break;
			if (r) {
				if (!first)
					first = a;
				last = a + PAGE_SIZE;
			}
		}
		pte_unlock(ptl);
		if (first)
			tlb_add_range(tlb, first, last);
		if (r < 0)
			tlb_finish(tlb);
		va = r < 0 ? a : chunk_end;
	}
}

/* Room to remember one more page whose mapping to drop after the
 * shootdown: the inline array, then a page allocated for it. */
static bool later_room(struct mmu_gather *tlb)
{
	if (tlb->nlater < tlb->later_max)
		return true;
	if (tlb->later != tlb->later_inline)
		return false;
	phys_addr_t *more = page_alloc(0, false);
	if (!more)
		return false;
	memcpy(more, tlb->later, tlb->nlater * sizeof(*more));
	tlb->later = more;
	tlb->later_max = PAGE_SIZE / sizeof(*more);
	return true;
}

/* Clear a PTE.  A page only this PTE maps goes on the gather's list, to be
 * freed after the shootdown.  A page other mms map too (copy-on-write
 * after fork, or MAP_SHARED) keeps this mapping counted until the
 * shootdown: were it dropped now, the other mm could find mapcount 1 and
 * reuse the page writable (cow.c) while a CPU of this mm still reads it
 * through a stale translation - seeing the other process's writes (Linux
 * keeps a page reference in its mmu_gather for the same reason). */
static int zap_one(struct mmu_gather *tlb, uint64_t *pte, void *arg)
{
	(void)arg;
	uint64_t old = *pte;
	phys_addr_t pa = old & PTE_ADDR_MASK;
	bool shared = smp_load_acquire(&phys_to_page(pa)->mapcount) > 1;
	if (shared && !later_room(tlb))
		return -1;
	WRITE_ONCE(*pte, 0);
	if (shared)
		tlb->later[tlb->nlater++] = pa;
	else if (user_page_unmap(pa))
		list_add(&phys_to_page(pa)->lru, &tlb->frames); /* freed after the shootdown */
	fetch_sub_relaxed(&tlb->mm->rss_pages, 1);
	return old & PTE_P ? 1 : 0;
}

void zap_range(struct mmu_gather *tlb, uint64_t start, uint64_t end)
{
	for_each_pte(tlb, start, end, zap_one, NULL);
}

/* Must other CPUs drop their cached copies of old once new replaces it?
 * Only when rights are taken away.  A stale entry with fewer rights than
 * the PTE gives at most one spurious page fault: the fault itself drops
 * the entry (SDM vol. 3, 4.10.4.1) and fault.c's step 2 finds the PTE
 * already there and retries.  So an mprotect that only adds rights
 * (PROT_READ -> PROT_READ|PROT_WRITE, PROT_NONE -> anything) sends no
 * shootdown, as Linux's x86 pte_needs_flush() decides; with more vCPUs
 * than host cores each shootdown waits for every target vCPU to run. */
static bool prot_change_needs_flush(uint64_t old, uint64_t new)
{
	if (!(old & PTE_P))
		return false; /* nothing cached */
	return !(new & PTE_P) || ((old & PTE_W) && !(new & PTE_W)) || (!(old & PTE_NX) && (new & PTE_NX)) ||
	       ((old ^ new) & (PTE_U | PTE_ADDR_MASK | PTE_PWT | PTE_PCD | PTE_G));
}

struct prot_arg {
	unsigned prot, vflags;
};

/* The new PTE for the new rights; a page of a private mapping that another
 * mm still shares after fork stays read-only (cow_pte_bits): giving it W
 * would let this mm write into the other's memory.  The first write then
 * faults and breaks COW (mm/cow.c), as on Linux. */
static int set_prot_one(struct mmu_gather *tlb, uint64_t *pte, void *arg)
{
	const struct prot_arg *a = arg;
	uint64_t old = *pte;
	uint64_t f = cow_pte_bits(a->vflags, a->prot, old & PTE_ADDR_MASK);
	uint64_t new = f ? (old & (PTE_ADDR_MASK | PTE_A | PTE_D)) | f : (old & PTE_ADDR_MASK) | PTE_PROTNONE;
	if (new == old)
		return 0;
	WRITE_ONCE(*pte, new);
	return prot_change_needs_flush(old, new);
}

void change_prot_range(struct mmu_gather *tlb, uint64_t start, uint64_t end, unsigned prot, unsigned vflags)
{
	struct prot_arg a = { prot, vflags };
	for_each_pte(tlb, start, end, set_prot_one, &a);
}

/* Unlink *e's table (under pt_lock, and its split lock) onto the gather's list. */
static void unlink_table(struct mmu_gather *tlb, uint64_t *e, bool last_level)
{
	uint64_t *table = phys_to_virt(*e & PTE_ADDR_MASK);
	struct page *pg = phys_to_page(virt_to_phys(table));
	/* A last-level table goes with its split lock held: a speculative
	 * fault (mm.lock=spf) that found the table without a lock checks under
	 * that lock that it is still linked, so it either installs before this
	 * check (and the BUG below would catch a PTE the zap missed) or sees
	 * the entry cleared.  The lock itself is freed a grace period later. */
	struct spinlock *ptl = last_level ? pg->ptl : NULL;
	spin_lock(&tlb->mm->pt_lock);
	if (ptl)
		spin_lock(ptl);
	if (last_level) {
		for (int i = 0; i < 512; i++)
			BUG_ON(pte_has_frame(table[i])); /* zapped before: a VMA's PTE would be lost */
	}
	WRITE_ONCE(*e, 0);
	if (ptl)
		spin_unlock(ptl);
	spin_unlock(&tlb->mm->pt_lock);
	if (ptl)
		ptl_retire(ptl);
	list_add(&pg->lru, &tlb->tables);
	fetch_sub_relaxed(&tlb->mm->pt_pages, 1);
}

static bool table_empty(const uint64_t *t)
{
	for (int i = 0; i < 512; i++)
		if (t[i] & PTE_P)
			return false;
	return true;
}


/* Does the span-aligned block around a lie between the neighbouring VMAs? */
static bool span_free(uint64_t a, uint64_t span, uint64_t floor, uint64_t ceiling)
{
	uint64_t base = ALIGN_DOWN(a, span);
	return base >= floor && base + span <= ceiling;
}

void free_pgtables(struct mmu_gather *tlb, uint64_t start, uint64_t end, uint64_t floor, uint64_t ceiling)
{
	struct mm *mm = tlb->mm;
	mmap_assert_locked(mm); /* for write, or read after munmap's downgrade: the VMAs are gone */
	bool any = false;
	for (uint64_t a = ALIGN_DOWN(start, PT_SPAN); a < end; a += PT_SPAN) {
		if (!span_free(a, PT_SPAN, floor, ceiling))
			continue; /* a VMA outside the range still uses this table */
		uint64_t *pml4e = &mm->pgd[(a >> 39) & 511];
		if (!(*pml4e & PTE_P))
			continue;
		uint64_t *pdpt = phys_to_virt(*pml4e & PTE_ADDR_MASK);
		uint64_t *pdpte = &pdpt[(a >> 30) & 511];
		if (!(*pdpte & PTE_P))
			continue;
		uint64_t *pd = phys_to_virt(*pdpte & PTE_ADDR_MASK);
		uint64_t *pde = &pd[(a >> 21) & 511];
		if (!(*pde & PTE_P))
			continue;
		unlink_table(tlb, pde, true);
		any = true;
		/* The levels above go when they are empty AND no VMA lies in
		 * their span.  Emptiness alone is not enough in mm.lock=vma: a
		 * fault in a VMA elsewhere in the span (holding only its VMA
		 * lock) may be about to install a table into this one; it is
		 * then a neighbour, and floor/ceiling keep the table. */
		if (span_free(a, PD_SPAN, floor, ceiling) && table_empty(pd)) {
			unlink_table(tlb, pdpte, false);
			if (span_free(a, PDPT_SPAN, floor, ceiling) && table_empty(pdpt))
				unlink_table(tlb, pml4e, false);
		}
	}
	if (any && !tlb->nranges && !tlb->full)
		tlb_add_range(tlb, ALIGN_DOWN(start, PAGE_SIZE), ALIGN_DOWN(start, PAGE_SIZE) + PAGE_SIZE);
	/* (invlpg of any address also drops every paging-structure cache entry
	 * of the current address space: SDM vol. 3, 4.10.4.1) */
}

int move_page_range(struct mmu_gather *tlb, uint64_t old, uint64_t new, uint64_t len)
{
	struct mm *mm = tlb->mm;
	mmap_assert_write_locked(mm); /* faults elsewhere may take one split lock each; never two: no deadlock */
	for (uint64_t off = 0; off < len;) {
		struct spinlock *sptl, *dptl;
		uint64_t *src = pte_offset_lock(mm, old + off, false, &sptl);
		if (!src) { /* no table: skip to the next one */
			off = ALIGN_DOWN(old + off, PT_SPAN) + PT_SPAN - old;
			continue;
		}
		bool has = pte_has_frame(*src);
		pte_unlock(sptl);
		if (!has) {
			off += PAGE_SIZE;
			continue;
		}
		uint64_t *dst_table = pt_table(mm, new + off, true);
		if (!dst_table)
			return -ENOMEM;
		src = pte_offset_lock(mm, old + off, false, &sptl);
		dptl = phys_to_page(virt_to_phys(dst_table))->ptl;
		if (dptl != sptl)
			spin_lock(dptl);
		uint64_t e = *src;
		WRITE_ONCE(*src, 0);
		WRITE_ONCE(dst_table[PT_INDEX(new + off)], e);
		if (dptl != sptl)
			spin_unlock(dptl);
		pte_unlock(sptl);
		if (e & PTE_P)
			tlb_add_range(tlb, old + off, old + off + PAGE_SIZE);
		off += PAGE_SIZE;
	}
	return 0;
}

/* ---- the shootdown ---- */

/* LAB(tlb) begin: flush here and on the other CPUs in mm->cpus, wait for them, then free what was gathered */
static void flush_here(void *arg)
{
	struct mmu_gather *tlb = arg;
	if (this_cpu()->active_mm != tlb->mm)
		return; /* switched away since: CR3 was reloaded */
	if (tlb->full) {
		write_cr3(read_cr3());
		mmstat_inc(MMSTAT_TLB_FLUSH_FULL);
		return;
	}
	for (unsigned i = 0; i < tlb->nranges; i++)
		for (uint64_t va = tlb->range[i].start; va < tlb->range[i].end; va += PAGE_SIZE)
			invlpg(va);
	mmstat_add(MMSTAT_TLB_FLUSH_PAGE, tlb->pages);
}

static void flush_remote(void *arg)
{
	mmstat_inc(MMSTAT_TLB_IPI_RECEIVED);
	flush_here(arg);
}

void tlb_finish(struct mmu_gather *tlb)
{
	struct mm *mm = tlb->mm;
	if (tlb->nranges || tlb->full) {
		/* Order our PTE changes before reading the CPU set (store -> load):
		 * a CPU that joins after this read loads the new tables anyway. */
		smp_mb();
		struct cpumask me = cpumask_of(cpu_id()), others;
		bool any = cpumask_andnot(&others, &mm->cpus, &me);
		unsigned long f = irq_save();
		flush_here(tlb);
		irq_restore(f);
		if (any) {
			fetch_add_relaxed(&mm->shootdowns, 1);
			mmstat_inc(MMSTAT_TLB_SHOOTDOWN_SENT);
			mmstat_add(MMSTAT_TLB_IPI_SENT, cpumask_weight(&others));
			smp_call_function_as("tlb_shootdown", &others, flush_remote, tlb, true); /* waits for every ack */
		}
	}
	for (unsigned i = 0; i < tlb->nlater; i++)
		if (user_page_unmap(tlb->later[i]))
			frame_free(phys_to_page(tlb->later[i]), 0);
	if (tlb->later != tlb->later_inline)
		page_free(tlb->later, 0);
	struct list_head *pos, *n;
	list_for_each_safe(pos, n, &tlb->frames) {
		struct page *pg = list_entry(pos, struct page, lru);
		list_del(&pg->lru);
		frame_free(pg, 0);
	}
	list_for_each_safe(pos, n, &tlb->tables) {
		struct page *pg = list_entry(pos, struct page, lru);
		list_del(&pg->lru);
		pgtable_retire(pg); /* after the shootdown AND a grace period: lockless walkers */
	}
	tlb_gather_init(tlb, mm);
}
/* LAB(tlb) end */

void tlb_flush_mm(struct mm *mm)
{
	struct mmu_gather tlb;
	tlb_gather_init(&tlb, mm);
	tlb.full = true;
	tlb_finish(&tlb);
}

void tlb_flush_page(struct mm *mm, uint64_t va)
{
	struct mmu_gather tlb;
	tlb_gather_init(&tlb, mm);
	tlb_add_range(&tlb, va, va + PAGE_SIZE);
	tlb_finish(&tlb);
}
