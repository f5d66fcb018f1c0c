/* fault_internal.h - what the fault paths share (mm/fault.c, mm/spf.c):
 * the access check and getting / dropping the page of a fault.  They read
 * only the VMA's fields, so the speculative path passes them a snapshot. */
#pragma once
#include "mm/mm.h"

/* Does v's prot allow access (FAULT_*)? */
bool fault_access_ok(const struct vma *v, unsigned access);
/* The frame for page_va of v, its mapcount already counting the PTE we
 * are about to install: 0, -ENOMEM, or -ERANGE (beyond a shared object). */
int fault_get_page(const struct vma *v, uint64_t page_va, phys_addr_t *pa);
/* Undo fault_get_page() for a page that did not become a PTE. */
void fault_put_page(phys_addr_t pa);

/* mm.lock=spf (spf.c): resolve the fault at addr speculatively.  true when
 * the page is now mapped (or another thread mapped it); false when the
 * caller must fall back to mmap_lock, which also decides every error
 * (SIGSEGV, SIGBUS, out of memory) and grows stacks. */
bool spf_fault(struct mm *mm, uint64_t addr, unsigned access);
