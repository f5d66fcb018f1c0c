/* pgtable.c - user page tables: walking, allocating, clearing, freeing,
 * and TLB shootdowns for an mm.
 *
 * User space is PML4 slots 0..255; slots 256..511 are the kernel's, copied
 * from kernel_pml4 at mm_create() and never changed (paging.c).  Table
 * pages are zeroed frames; intermediate entries are present, writable and
 * user (the leaf PTE decides).  Every function here runs under mm->pt_lock
 * (asserted), except the teardown of a dead mm, which nobody else can see. */
#include "mm/mm.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/x86.h"
#include "kernel/assert.h"
#include "kernel/atomic.h"
#include "kernel/percpu.h"
#include "kernel/smp.h"
#include "mm/frame.h"

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

uint64_t *pte_lookup(struct mm *mm, uint64_t va, bool alloc)
{
	assert_held(&mm->pt_lock);
	uint64_t *table = mm->pgd;
	static const int shifts[] = { 39, 30, 21 };
	for (int level = 0; level < 3; level++) {
		uint64_t *e = &table[(va >> shifts[level]) & 511];
		if (!(*e & PTE_P)) {
			if (!alloc)
				return NULL;
			void *page = page_alloc(0, true);
			if (!page)
				return NULL;
			fetch_add_relaxed(&mm->pt_pages, 1);
			*e = virt_to_phys(page) | TABLE_FLAGS;
		}
		table = table_of(*e);
	}
	return &table[PT_INDEX(va)];
}

/* Apply fn to every leaf PTE in [start, end) that holds a frame. */
static void for_each_pte(struct mm *mm, uint64_t start, uint64_t end, void (*fn)(struct mm *, uint64_t *, void *),
			 void *arg)
{
	for (uint64_t va = start; va < end;) {
		uint64_t *pte = pte_lookup(mm, va, false);
		if (!pte) { /* no table: skip to the next 2 MiB */
			va = ALIGN_DOWN(va, 1ul << 21) + (1ul << 21);
			continue;
		}
		if (*pte & (PTE_P | PTE_PROTNONE))
			fn(mm, pte, arg);
		va += PAGE_SIZE;
	}
}

/* Drop one mapping of a user page: true when it was the last. */
static bool user_page_unmap(struct page *pg) { return fetch_sub(&pg->mapcount, 1) == 1; }

static void clear_pte(struct mm *mm, uint64_t *pte, void *arg)
{
	struct list_head *freelist = arg;
	struct page *pg = phys_to_page(*pte & PTE_ADDR_MASK);
	*pte = 0;
	if (user_page_unmap(pg))
		list_add(&pg->lru, freelist); /* freed after the shootdown */
	fetch_sub_relaxed(&mm->rss_pages, 1);
}

void unmap_range(struct mm *mm, uint64_t start, uint64_t end)
{
	LIST_HEAD(freelist);
	spin_lock(&mm->pt_lock);
	for_each_pte(mm, start, end, clear_pte, &freelist);
	spin_unlock(&mm->pt_lock);
	/* Other CPUs may still write through stale translations: only after
	 * they flushed may the frames be reused. */
	flush_tlb_mm_range(mm, start, end);
	struct list_head *pos, *n;
	list_for_each_safe(pos, n, &freelist) {
		struct page *pg = list_entry(pos, struct page, lru);
		list_del(&pg->lru);
		frame_free(pg, 0);
	}
}

static void set_prot(struct mm *mm, uint64_t *pte, void *arg)
{
	uint64_t f = *(uint64_t *)arg;
	if (!f) { /* PROT_NONE keeps the frame: a not-present PTE with the address */
		*pte = (*pte & PTE_ADDR_MASK) | PTE_PROTNONE;
		return;
	}
	*pte = (*pte & PTE_ADDR_MASK) | f | (*pte & (PTE_A | PTE_D));
}

void change_prot_range(struct mm *mm, uint64_t start, uint64_t end, unsigned prot)
{
	uint64_t f = prot_to_pte(prot);
	spin_lock(&mm->pt_lock);
	for (uint64_t va = start; va < end; va += PAGE_SIZE) {
		uint64_t *pte = pte_lookup(mm, va, false);
		if (!pte) {
			va = ALIGN_DOWN(va, 1ul << 21) + (1ul << 21) - PAGE_SIZE;
			continue;
		}
		if (*pte & (PTE_P | PTE_PROTNONE))
			set_prot(mm, pte, &f);
	}
	spin_unlock(&mm->pt_lock);
	flush_tlb_mm_range(mm, start, end);
}

struct mm_flush {
	struct mm *mm;
	uint64_t start, end;
};

static void flush_local(void *arg)
{
	struct mm_flush *f = arg;
	if (this_cpu()->active_mm != f->mm)
		return; /* switched away since: CR3 was reloaded */
	if ((f->end - f->start) / PAGE_SIZE > TLB_FLUSH_MAX_PAGES)
		write_cr3(read_cr3());
	else
		for (uint64_t va = f->start; va < f->end; va += PAGE_SIZE)
			invlpg(va);
}

void flush_tlb_mm_range(struct mm *mm, uint64_t start, uint64_t end)
{
	struct mm_flush f = { mm, start, end };
	/* Order our PTE changes before reading the CPU set (store -> load:
	 * a CPU that sets its bit after this read loads the new tables). */
	smp_mb();
	struct cpumask others = { load_relaxed(&mm->cpus.bits) & ~(1ull << cpu_id()) };
	unsigned long fl = irq_save();
	flush_local(&f);
	irq_restore(fl);
	if (others.bits) {
		fetch_add_relaxed(&mm->shootdowns, 1);
		smp_call_function(&others, flush_local, &f, true);
	}
}

/* Free every user page and page-table page of a dead mm. */
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
				for (int l = 0; l < 512; l++) {
					struct page *pg = phys_to_page(pt[l] & PTE_ADDR_MASK);
					if ((pt[l] & (PTE_P | PTE_PROTNONE)) && user_page_unmap(pg))
						frame_free(pg, 0);
				}
				page_free(pt, 0);
			}
			page_free(pd, 0);
		}
		page_free(pdpt, 0);
	}
	mm->rss_pages = 0;
	mm->pt_pages = 0;
}
