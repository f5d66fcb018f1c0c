/* cow.h - copy-on-write of private pages after fork (mm/cow.c).
 *
 * fork (mm/fork.c) shares every page of a private mapping between parent
 * and child: the page's mapcount counts both PTEs and both PTEs lose W.
 * The first write to it, in either, faults; cow_fault() then copies the
 * page, or - when the faulting mm is its only user left (mapcount 1) -
 * just gives the PTE its W back.  A PTE of a private mapping may carry W
 * only while its page's mapcount is 1 (cow_pte_bits); MAP_SHARED pages are
 * shared writable as before.
 *
 * Why mapcount 1 means "only this PTE": a page of a private mapping gains
 * a mapping only in fork, which holds mmap_lock for write and every VMA of
 * the mm write-locked; so under the PTE's split lock plus the VMA's read
 * lock (or mmap_lock), a mapcount of 1 cannot grow, and a drop from 2 to 1
 * happens only after the other mm has flushed its TLBs of the page (the
 * COW break below; zap_range defers the drop past its shootdown). */
#pragma once
#include "arch/x86_64/mmu.h"
#include "kernel/atomic.h"
#include "mm/frame.h"
#include "mm/mm.h"

/* page->mapcount is 16 bits: fork copies a page eagerly rather than share
 * it among more mms than this. */
#define COW_MAX_MAPCOUNT 0xff00

/* Is pa, a page of a VMA with flags vflags, shared copy-on-write with
 * another mm?  Caller holds its PTE's split lock. */
static inline bool cow_shared(unsigned vflags, phys_addr_t pa)
{
	return !(vflags & VM_SHARED) && smp_load_acquire(&phys_to_page(pa)->mapcount) > 1;
}

/* The PTE bits for prot on page pa of a VMA with flags vflags: those of
 * prot_to_pte(), without W while the page is shared copy-on-write. */
static inline uint64_t cow_pte_bits(unsigned vflags, unsigned prot, phys_addr_t pa)
{
	uint64_t f = prot_to_pte(prot);
	return cow_shared(vflags, pa) ? f & ~(uint64_t)PTE_W : f;
}

/* A write fault at va (page aligned) of the private, writable VMA v, whose
 * PTE is present without W: copy the page, or reuse it.  Caller holds v's
 * read lock or mmap_lock.  0 (retry the access) or -ENOMEM. */
int cow_fault(struct mm *mm, const struct vma *v, uint64_t va);
