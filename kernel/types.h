/* types.h - fixed-width integer types and common kernel type aliases.
 * Freestanding: only the compiler's own headers are used, so this file is
 * shared by the kernel and by host unit tests. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint64_t phys_addr_t; /* a physical address */
typedef uint64_t virt_addr_t; /* a virtual address held as an integer */
typedef uint64_t pfn_t;       /* a physical frame number (phys >> 12) */

#define PAGE_SHIFT 12
#define PAGE_SIZE (1ul << PAGE_SHIFT)
#define PAGE_MASK (~(PAGE_SIZE - 1))
