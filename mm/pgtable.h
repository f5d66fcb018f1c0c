/* pgtable.h - user page tables of an mm (mm/pgtable.c): walking,
 * allocating, clearing, freeing, and TLB shootdowns. */
#pragma once
#include "kernel/types.h"

struct mm;
/* Under pt_lock. */
uint64_t *pte_lookup(struct mm *mm, uint64_t va, bool alloc); /* the PTE slot, NULL if absent / no memory */
/* Clear PTEs in [start, end), collecting frames to free after the TLB
 * shootdown; returns the number of pages unmapped. */
void unmap_range(struct mm *mm, uint64_t start, uint64_t end);
void change_prot_range(struct mm *mm, uint64_t start, uint64_t end, unsigned prot);
uint64_t prot_to_pte(unsigned prot);
void pgtable_free_all(struct mm *mm); /* a dead mm: every page and table */
/* Flush [start, end) of mm from every CPU that may cache it. */
void flush_tlb_mm_range(struct mm *mm, uint64_t start, uint64_t end);
