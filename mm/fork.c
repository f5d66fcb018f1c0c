/* fork.c - copying an address space for fork (clone without CLONE_VM).
 *
 * No page is copied now: every page the parent has is mapped into the
 * child too, its mapcount counting both.  MAP_SHARED pages stay writable
 * in both; private pages become copy-on-write: W is cleared in the
 * parent's PTE and the child's, and the first write in either copies the
 * page or, once the other has let go of it, reuses it (mm/cow.c).  The
 * parent's TLBs are flushed before its mmap_lock is released.  Its
 * mmap_lock is held for write throughout and every VMA write-locked, so
 * its VMAs and page tables stand still; its other threads may still write
 * through translations cached before the flush, as they may on Linux.
 * Each PTE is read under the parent table's split lock and written under
 * the child's (never both at once).  Lock order: parent mmap_lock -> child
 * mmap_lock (the child is not visible to anyone yet). */
#include "mm/mm.h"
#include "mm/mmap_lock.h"
#include "mm/mmstat.h"
#include "mm/vma_lock.h"
#include "mm/mmap_internal.h"
#include "arch/x86_64/paging.h"
#include "kernel/atomic.h"
#include "kernel/errno.h"
#include "kernel/lib/string.h"
#include "mm/cow.h"
#include "mm/frame.h"
#include "mm/slab.h"

/* The page the child maps at va of private v: the parent's page pa itself,
 * shared copy-on-write (its mapcount counting the child), or - when it is
 * shared among too many mms already - a copy.  0, or -ENOMEM. */
static int child_page(phys_addr_t *pa)
{
	struct page *pg = phys_to_page(*pa);
	if (load_relaxed(&pg->mapcount) < COW_MAX_MAPCOUNT) {
		fetch_add(&pg->mapcount, 1);
		return 0;
	}
	void *copy = page_alloc(0, false);
	if (!copy)
		return -ENOMEM;
	/* the parent's other threads may write meanwhile, as on Linux */
	memcpy(copy, phys_to_virt(*pa), PAGE_SIZE);
	*pa = virt_to_phys(copy);
	phys_to_page(*pa)->mapcount = 1;
	return 0;
}

/* Map the pages of [v->start, v->end) of parent into child: MAP_SHARED
 * pages writable in both, private ones copy-on-write (W cleared in the
 * parent's PTE too, under its split lock).  *wrprotected: a parent PTE
 * lost W (its TLBs need a flush). */
static int copy_vma_pages(struct mm *parent, struct mm *child, const struct vma *v, bool *wrprotected)
{
	bool private = !(v->flags & VM_SHARED);
	for (uint64_t va = v->start; va < v->end; va += PAGE_SIZE) {
		struct spinlock *sptl, *dptl;
		uint64_t *src = pte_offset_lock(parent, va, false, &sptl);
		if (!src) {
			va = ALIGN_DOWN(va, 1ul << 21) + (1ul << 21) - PAGE_SIZE;
			continue;
		}
		uint64_t e = *src;
		if (!pte_has_frame(e)) {
			pte_unlock(sptl);
			continue;
		}
		phys_addr_t pa = e & PTE_ADDR_MASK;
		int r = 0;
		if (!private) {
			fetch_add(&phys_to_page(pa)->mapcount, 1);
		} else if ((r = child_page(&pa)) == 0 && pa == (e & PTE_ADDR_MASK)) {
			if (e & PTE_W) {
				WRITE_ONCE(*src, e & ~PTE_W);
				*wrprotected = true;
			}
			e &= ~PTE_W;
		}
		pte_unlock(sptl);
		if (r)
			return r;
		uint64_t *dst = pte_offset_lock(child, va, true, &dptl);
		if (!dst) {
			if (user_page_unmap(pa))
				frame_free(phys_to_page(pa), 0);
			return -ENOMEM;
		}
		WRITE_ONCE(*dst, pa | (e & ~PTE_ADDR_MASK & ~(PTE_A | PTE_D)));
		pte_unlock(dptl);
		fetch_add_relaxed(&child->rss_pages, 1);
	}
	return 0;
}

struct mm *mm_copy(struct mm *parent)
{
	struct mm *child = mm_create();
	if (!child)
		return NULL;
	/* fork locks every range of the parent (range_lock_all), before its
	 * mmap_lock as every writer: no range fault may install a page while
	 * it is copied (the parent's own pages are write-protected below). */
	struct range_lock all;
	if (range_write_lock(&parent->range_locks, &all, 0, RANGE_LOCK_END))
		mmstat_inc(MMSTAT_RANGE_WRITER_WAIT);
	mmap_write_lock(parent);
	mmap_write_lock(child);
	child->brk_start = parent->brk_start;
	child->brk = parent->brk;
	child->mmap_base = parent->mmap_base;
	child->stack_top = parent->stack_top;
	int r = 0;
	/* Every VMA of the parent write-locked first, so no fault of a parent
	 * thread changes a page while it is copied (Linux bug 217624: with
	 * per-VMA locks a fault could install a page that fork had copied
	 * already, or that the child then shared by mistake). */
	vma_start_write_range(parent, 0, USER_SPACE_END);
	bool wrprotected = false;
	for (struct vma *v = vma_find_next(parent, 0); v; v = vma_next(parent, v)) {
		struct vma *n = vma_dup(v);
		if (!n) {
			r = -ENOMEM;
			break;
		}
		if ((r = vma_insert(child, n))) {
			vma_free(n);
			break;
		}
		if ((r = copy_vma_pages(parent, child, v, &wrprotected)))
			break;
	}
	/* Before any parent thread runs on in these VMAs: one still holding a
	 * writable translation would write into the page the child now
	 * shares, and after a COW break of it, into the child's page. */
	if (wrprotected)
		tlb_flush_mm(parent);
	mmap_write_unlock(child);
	mmap_write_unlock(parent);
	range_unlock(&parent->range_locks, &all);
	if (r) {
		mm_put(child);
		return NULL;
	}
	return child;
}
