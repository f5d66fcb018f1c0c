/* fault_internal.h - what the fault paths share (mm/fault.c, mm/spf.c):
 * the access check, getting / dropping the page of a fault, steps 2-4 and
 * the locked fallback (fault.c).  They read
 * only the VMA's fields, so the speculative path passes them a snapshot. */
#pragma once
#include "kernel/atomic.h"
#include "mm/mm.h"

/* Copy the fields of v a fault reads into snap, each load once (the
 * lockless paths, spf.c and range_mode.c: the caller validates the copy
 * against a sequence count around it). */
static inline void fault_copy_vma(struct vma *snap, const struct vma *v)
{
	snap->start = READ_ONCE(v->start);
	snap->end = READ_ONCE(v->end);
	snap->prot = READ_ONCE(v->prot);
	snap->flags = READ_ONCE(v->flags);
	snap->file_data = READ_ONCE(v->file_data);
	snap->file_size = READ_ONCE(v->file_size);
	snap->pgoff = READ_ONCE(v->pgoff);
	snap->shm = READ_ONCE(v->shm);
	snap->mm = READ_ONCE(v->mm);
}

/* Does v's prot allow access (FAULT_*)? */
bool fault_access_ok(const struct vma *v, unsigned access);
/* The frame for page_va of v, its mapcount already counting the PTE we
 * are about to install: 0, -ENOMEM, or -ERANGE (beyond a shared object). */
int fault_get_page(const struct vma *v, uint64_t page_va, phys_addr_t *pa);
/* Undo fault_get_page() for a page that did not become a PTE. */
void fault_put_page(phys_addr_t pa);

/* Steps 2-4 of a fault at va (page aligned) in v, whose access was
 * checked (fault.c): range_mode.c passes a snapshot of the VMA. */
int fault_in_page(struct mm *mm, const struct vma *v, uint64_t va, unsigned access);
/* The fault under mmap_lock (read), which decides every error and grows
 * stacks: every mode's fallback.  The caller holds no mm lock at all. */
int fault_locked(struct mm *mm, uint64_t addr, unsigned access);

/* mm.lock=spf (spf.c): resolve the fault at addr speculatively.  true when
 * the page is now mapped (or another thread mapped it); false when the
 * caller must fall back to mmap_lock, which also decides every error
 * (SIGSEGV, SIGBUS, out of memory) and grows stacks. */
bool spf_fault(struct mm *mm, uint64_t addr, unsigned access);
