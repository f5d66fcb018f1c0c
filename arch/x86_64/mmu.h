/* mmu.h - the kernel's virtual address layout and page-table entry bits.
 *
 *   0x0000_0000_0040_0000 .. 0x0000_7fff_ffff_f000   user (per process, mm/)
 *   0xffff_8880_0000_0000                            direct map of all RAM (NX, global)
 *   0xffff_c900_0000_0000                            kernel stacks with guard pages (vmap.c)
 *   0xffff_ffff_8000_0000                            kernel image (-mcmodel=kernel)
 *
 * The kernel image is loaded at physical KERNEL_PHYS and linked at
 * KERNEL_VMA + KERNEL_PHYS. */
#pragma once
#include "kernel/types.h"

#define KERNEL_VMA 0xffffffff80000000ul
#define KERNEL_PHYS 0x200000ul
#define DIRECT_MAP_BASE 0xffff888000000000ul
#define DIRECT_MAP_SIZE (64ul << 40) /* up to 64 TiB of RAM */
#define VMAP_BASE 0xffffc90000000000ul
#define VMAP_SIZE (1ul << 39) /* one PML4 slot */

#define PTE_P (1ul << 0)
#define PTE_W (1ul << 1)
#define PTE_U (1ul << 2)
#define PTE_PWT (1ul << 3)
#define PTE_PCD (1ul << 4)
#define PTE_A (1ul << 5)
#define PTE_D (1ul << 6)
#define PTE_PS (1ul << 7) /* large page in PDPT/PD entries */
#define PTE_G (1ul << 8)
#define PTE_NX (1ul << 63)
#define PTE_ADDR_MASK 0x000ffffffffff000ul

#define PML4_INDEX(va) (((va) >> 39) & 511)
#define PDPT_INDEX(va) (((va) >> 30) & 511)
#define PD_INDEX(va) (((va) >> 21) & 511)
#define PT_INDEX(va) (((va) >> 12) & 511)

static inline void *phys_to_virt(phys_addr_t pa) { return (void *)(pa + DIRECT_MAP_BASE); }
static inline phys_addr_t virt_to_phys(const void *va)
{
	uint64_t v = (uint64_t)va;
	if (v >= KERNEL_VMA)
		return v - KERNEL_VMA;
	return v - DIRECT_MAP_BASE;
}
