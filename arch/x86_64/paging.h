/* paging.h - the kernel's page tables (arch/x86_64/paging.c). */
#pragma once
#include "arch/x86_64/mmu.h"

#define KERNEL_HALF_START 0xffff800000000000ul

extern uint64_t kernel_pml4[512];

/* Build the final kernel page tables (direct map of RAM, kernel image with
 * per-section permissions, the vmap area) and switch to them.  The identity
 * map of low memory stays until paging_drop_identity() (the AP trampoline
 * needs it). */
void paging_init(void);
void paging_drop_identity(void);
void paging_frames_ready(void); /* page tables come from frame_alloc from now on */
/* Map one 4 KiB kernel page (flags: PTE_W, PTE_NX, PTE_PCD...), allocating
 * page-table pages as needed.  Returns -ENOMEM on failure. */
int kmap_page(uint64_t va, phys_addr_t pa, uint64_t flags);
/* Unmap a kernel page on this CPU only (callers shoot down the others);
 * returns the frame it mapped, 0 if none. */
phys_addr_t kunmap_page(uint64_t va);
/* Map MMIO [pa, pa+len) uncached at its direct-map address; returns it. */
void *ioremap(phys_addr_t pa, size_t len);
/* Is va mapped in the kernel page tables? (for safe backtraces) */
bool kernel_addr_mapped(uint64_t va);
/* The leaf entry flags for va (0 if unmapped), for tests. */
uint64_t kernel_pte_flags(uint64_t va);
extern bool cpu_has_nx, cpu_has_smep, cpu_has_smap, cpu_has_pge, cpu_has_1g;
