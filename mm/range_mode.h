/* range_mode.h - mm.lock=range: writers lock the address range they change
 * before mmap_lock, faults lock only their page (mm/range_mode.c;
 * docs/locking.md "mm.lock=range").
 *
 * Writers, in EVERY mode (so the mode can switch at run time: mm.c):
 *     struct mm_range mr;
 *     mm_lock_range(mm, &mr, start, end);   range write lock, then mmap_lock (write)
 *     ... what the writer did before: vma_start_write, splits, PTEs ...
 *     mm_unlock_range(mm, &mr);             mmap_lock, then the range
 * The range is known from the arguments (munmap, mprotect, madvise,
 * MAP_FIXED).  Where it is not (mmap into a hole, mremap's new place, brk)
 * the writer finds it under mmap_lock, drops mmap_lock, locks the range,
 * takes mmap_lock again and re-checks (an mmap into a hole must lock the
 * hole); exec/exit/fork lock everything (range_lock_all).
 * Lock order: range lock -> mmap_lock -> VMA write locks -> pt_lock -> PTE
 * lock.  Nobody waits for a range while holding mmap_lock or another range
 * of the same mm (the range lock's deadlock rule; range_lock.h). */
#pragma once
#include "mm/mm.h"

/* The ranges one writer holds: one, or two for mremap (old and new). */
struct mm_range {
	struct range_lock lock[2];
	unsigned n;
};

/* Write-lock [start, end), then take mmap_lock for write. */
void mm_lock_range(struct mm *mm, struct mm_range *mr, uint64_t start, uint64_t end);
/* Two ranges (mremap: the old and the new place), each non-empty: the
 * lower one, then the upper one if it can be had without waiting; else one
 * range covering both (holding one range while waiting for another could
 * deadlock with the lock's FIFO fairness, address order or not: see
 * range_mode.c).  Then mmap_lock for write. */
void mm_lock_ranges(struct mm *mm, struct mm_range *mr, uint64_t s1, uint64_t e1, uint64_t s2, uint64_t e2);
/* Take mmap_lock for write again for a writer whose ranges are held. */
void mm_relock_mmap(struct mm *mm, struct mm_range *mr);
/* mmap_write_unlock, then release the ranges. */
void mm_unlock_range(struct mm *mm, struct mm_range *mr);
/* Release the ranges only (a writer that dropped mmap_lock itself: munmap
 * downgrades it to read and drops that). */
void mm_range_release(struct mm *mm, struct mm_range *mr);
/* Does mr hold all of [start, end) in one of its ranges? */
bool mm_range_covers(const struct mm_range *mr, uint64_t start, uint64_t end);

/* Lock contagion: v (of the writer holding mmap_lock) is about to be
 * rewritten from [v->start, v->end) to [start, end); when either reaches
 * outside the writer's ranges, count it.  What makes it safe is vm_seq, not
 * a wider lock (docs/locking.md). */
void range_note_contagion(struct mm *mm, const struct vma *v, uint64_t start, uint64_t end);

/* The table-freeing rule.  A writer about to unlink the page tables of
 * [floor, ceiling) (free_pgtables) after unmapping [start, end) may unlink a
 * table only if its range lock covers the table's whole span: a range
 * fault holds no mmap_lock, so only the range lock keeps a fault out of a
 * table's span.  Widen the lock to [floor, ceiling) (or to the 2 MiB
 * tables around [start, end)) when that needs no waiting; else shrink
 * [floor, ceiling) to the held range and leave the end tables for a later
 * munmap or exit.  Called with mmap_lock held for write. */
void range_clamp_pgtables(struct mm *mm, uint64_t start, uint64_t end, uint64_t *floor, uint64_t *ceiling);

/* Is [start, end) all mapped?  The caller holds it in a range lock, so no
 * VMA can come or go inside it; but a writer splitting or merging a VMA
 * across its edge leaves a moment's gap in the tree (its shrink before
 * its insert).  So: 1 covered; 0 a hole, seen with no write section under
 * way (mm_lock_seq even and unchanged across the lockless walk); -EAGAIN
 * a hole seen while a writer ran - ask again, or under mmap_lock (where
 * the answer is 0 or 1).  madvise in mm.lock=range (mprotect.c). */
int range_covered(struct mm *mm, uint64_t start, uint64_t end);

/* The fault in mm.lock=range: the page's range read lock, a vm_seq snapshot
 * of its VMA, the PTE under its split lock; falls back to mmap_lock (which
 * decides SIGSEGV and grows stacks) when there is no VMA. */
int range_fault(struct mm *mm, uint64_t addr, unsigned access);
