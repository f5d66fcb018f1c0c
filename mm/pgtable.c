/* pgtable.c - user page tables: walking and allocating them, the split
 * PTE locks, and freeing everything of a dead mm (see pgtable.h for the
 * lock rules; tlb.c clears, changes and frees ranges).
 *
 * User space is PML4 slots 0..255; slots 256..511 are the kernel's, copied
 * from kernel_pml4 at mm_create() and never changed (paging.c).  Table
 * pages are zeroed frames; intermediate entries are present, writable and
 * user (the leaf PTE decides). */
#include "mm/mm.h"
#include "arch/x86_64/paging.h"
#include "kernel/assert.h"
#include "kernel/atomic.h"
#include "mm/frame.h"
#include "mm/mmstat.h"
#include "mm/slab.h"

#define TABLE_FLAGS (PTE_P | PTE_W | PTE_U)

uint64_t prot_to_pte(unsigned prot)
{
	if (!(prot & (PROT_READ | PROT_WRITE | PROT_EXEC)))
		return 0; /* PROT_NONE: not present */
	uint64_t f = PTE_P | PTE_U;
	if (prot & PROT_WRITE)
		f |= PTE_W;
	if (!(prot & PROT_EXEC) && cpu_has_nx)
		f |= PTE_NX;
	return f;
}

static uint64_t *table_of(uint64_t entry) { return phys_to_virt(entry & PTE_ADDR_MASK); }

bool user_page_unmap(phys_addr_t pa) { return fetch_sub(&phys_to_page(pa)->mapcount, 1) == 1; }

/* A split lock with the epoch_head that frees it a grace period after its
 * table was unlinked (ptl_retire): a speculative fault (mm.lock=spf) may
 * hold a pointer to the table, found without any lock, and take this lock
 * to find out whether the table is still linked. */
struct ptl_box {
	struct spinlock lock; /* first: a box is freed through its lock's address */
	struct epoch_head eh;
};

/* LAB(pagetable) begin: a zeroed page for a table, a last-level one with its split lock; and back to the allocator */
/* A zeroed page for a table; a last-level one gets its split lock. */
static void *table_alloc(bool last_level)
{
	void *page = page_alloc(0, true);
	if (!page || !last_level)
		return page;
	struct ptl_box *box = kmalloc(sizeof(*box));
	if (!box) {
		page_free(page, 0);
		return NULL;
	}
	spin_init(&box->lock, "ptl");
	phys_to_page(virt_to_phys(page))->ptl = &box->lock;
	return page;
}

/* A table page back to the allocator (its split lock first, if it has one). */
static void table_release(void *table, bool last_level)
{
	if (last_level)
		kfree((struct ptl_box *)phys_to_page(virt_to_phys(table))->ptl);
	page_free(table, 0);
}
/* LAB(pagetable) end */

static void ptl_reclaim(struct epoch_head *h) { kfree((char *)h - offsetof(struct ptl_box, eh)); }

void ptl_retire(struct spinlock *ptl) { call_epoch(&((struct ptl_box *)ptl)->eh, ptl_reclaim); }

static void table_free(void *table, bool last_level)
{
	table_release(table, last_level);
	mmstat_inc(MMSTAT_PT_PAGE_FREE);
}

static void pgtable_reclaim(struct epoch_head *h)
{
	page_free(page_to_virt((struct page *)((char *)h - offsetof(struct page, lru))), 0);
}

/* The page's lru (free again: its split lock is gone) carries the
 * epoch_head while lockless walkers may still read the table itself. */
_Static_assert(sizeof(struct epoch_head) <= sizeof(struct list_head), "struct page's lru holds an epoch_head");
void pgtable_retire(struct page *pg)
{
	mmstat_inc(MMSTAT_PT_PAGE_FREE); /* gone from this mm now; the frame comes back a grace period later */
	call_epoch((struct epoch_head *)&pg->lru, pgtable_reclaim);
}

/* LAB(pagetable) begin: walk PML4, PDPT and PD to the last-level table of va, allocating missing levels when alloc (lost races free the spare) */
uint64_t *pt_table(struct mm *mm, uint64_t va, bool alloc)
{
	uint64_t *table = mm->pgd;
	static const int shifts[] = { 39, 30, 21 };
	for (int level = 0; level < 3; level++) {
		uint64_t *e = &table[(va >> shifts[level]) & 511];
		uint64_t entry = READ_ONCE(*e);
		if (!(entry & PTE_P)) {
			if (!alloc)
				return NULL;
			void *page = table_alloc(level == 2); /* zeroed outside any lock */
			if (!page)
				return NULL;
			spin_lock(&mm->pt_lock);
			entry = *e;
			if (!(entry & PTE_P)) {
				entry = virt_to_phys(page) | TABLE_FLAGS;
				WRITE_ONCE(*e, entry);
				page = NULL;
				fetch_add_relaxed(&mm->pt_pages, 1);
				mmstat_inc(MMSTAT_PT_PAGE_ALLOC);
			}
			spin_unlock(&mm->pt_lock);
			if (page) /* another CPU installed one first */
				table_release(page, level == 2);
		}
		table = table_of(entry);
	}
	return table;
}

struct spinlock *pt_table_ptl(uint64_t *table) { return phys_to_page(virt_to_phys(table))->ptl; }
/* LAB(pagetable) end */

struct spinlock *pt_table_ptl_lockless(struct mm *mm, uint64_t va, uint64_t *table)
{
	struct spinlock *ptl = READ_ONCE(phys_to_page(virt_to_phys(table))->ptl);
	/* unlink_table clears the table's entry (then releases the split
	 * lock) before the page's lru, which shares ptl's word, is written:
	 * seen still linked after the read, the pointer read was the lock */
	smp_rmb();
	return pt_table(mm, va, false) == table ? ptl : NULL;
}

/* LAB(pagetable) begin: va's PTE with its table's split lock held (NULL: no table and !alloc, or no memory); pte_unlock drops it */
uint64_t *pte_offset_lock(struct mm *mm, uint64_t va, bool alloc, struct spinlock **ptl)
{
	uint64_t *table = pt_table(mm, va, alloc);
	if (!table)
		return NULL;
	*ptl = pt_table_ptl(table); /* (the caller's lock keeps the table linked) */
	spin_lock(*ptl);
	return &table[PT_INDEX(va)];
}

void pte_unlock(struct spinlock *ptl) { spin_unlock(ptl); }
/* LAB(pagetable) end */

/* Free every user page and page-table page of a dead mm (nobody can reach
 * it: no locks needed). */
void pgtable_free_all(struct mm *mm)
{
	for (int i = 0; i < 256; i++) {
		if (!(mm->pgd[i] & PTE_P))
			continue;
		uint64_t *pdpt = table_of(mm->pgd[i]);
		for (int j = 0; j < 512; j++) {
			if (!(pdpt[j] & PTE_P))
				continue;
			uint64_t *pd = table_of(pdpt[j]);
			for (int k = 0; k < 512; k++) {
				if (!(pd[k] & PTE_P))
					continue;
				uint64_t *pt = table_of(pd[k]);
				for (int l = 0; l < 512; l++)
					if (pte_has_frame(pt[l]) && user_page_unmap(pt[l] & PTE_ADDR_MASK))
						frame_free(phys_to_page(pt[l] & PTE_ADDR_MASK), 0);
				table_free(pt, true);
			}
			table_free(pd, false);
		}
		table_free(pdpt, false);
	}
	mm->rss_pages = 0;
	mm->pt_pages = 0;
}
