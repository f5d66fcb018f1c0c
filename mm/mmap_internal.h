/* mmap_internal.h - what mmap.c, mprotect.c and mremap.c share. */
#pragma once
#include "mm/mm.h"
#include "mm/tlb.h"

#define MMAP_MIN_ADDR 0x10000ul /* vm.mmap_min_addr: the lowest address mmap hands out */
#define MAX_MAP_COUNT 65530     /* vm.max_map_count */
#define USER_SPACE_END (1ul << 47) /* what the user half of the page tables can map */
/* The flags MAP_SHARED_VALIDATE accepts (Linux's LEGACY_MAP_MASK). */
#define LEGACY_MAP_MASK                                                                                      \
	(MAP_SHARED | MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS | MAP_DENYWRITE | MAP_EXECUTABLE | MAP_UNINITIALIZED | \
	 MAP_GROWSDOWN | MAP_LOCKED | MAP_NORESERVE | MAP_POPULATE | MAP_NONBLOCK | MAP_STACK | MAP_HUGETLB)
#define MAP_UNINITIALIZED 0x4000000

/* Where a new mapping of len bytes goes: addr itself (MAP_FIXED), the hint
 * addr if that range is free, else the highest free range below
 * mm->mmap_base.  An address, or -ENOMEM / -EINVAL / -EPERM. */
long get_unmapped_area(struct mm *mm, uint64_t addr, uint64_t len, unsigned flags);
/* Remove every mapping in [start, end) (page aligned): 0 or -ENOMEM
 * (splitting failed; nothing was removed).  mmap_lock held for write. */
int do_munmap(struct mm *mm, uint64_t start, uint64_t end);
char *kstrdup(const char *s);
char *kstrdup_abs(const char *path); /* with a leading '/' added if it has none */
