/* mmap_lock.h - taking an mm's mmap_lock, counted (as Linux's
 * include/linux/mmap_lock.h wraps its rwsem).
 *
 * Every user of mmap_lock goes through these, so /proc/mmstat can say how
 * often it was taken each way, how often a taker had to sleep and for how
 * long.  mm_lock_seq is a sequence count around every write section: odd
 * from mmap_write_lock() to mmap_write_unlock() (release), which is what
 * releases the per-VMA write locks (vma_lock.h) all at once. */
#pragma once
#include "kernel/atomic.h"
#include "kernel/assert.h"
#include "mm/mm.h"
#include "mm/mmstat.h"
#include "mm/vma_lock.h"

static inline void mmap_read_lock(struct mm *mm)
{
	uint64_t waited = down_read(&mm->mmap_lock);
	mmstat_inc(MMSTAT_MMAP_READ_LOCK);
	if (waited) {
		mmstat_inc(MMSTAT_MMAP_READ_WAIT);
		mmstat_add(MMSTAT_MMAP_WAIT_CYCLES, waited);
	}
}

static inline void mmap_read_unlock(struct mm *mm) { up_read(&mm->mmap_lock); }

static inline void mmap_write_lock(struct mm *mm)
{
	uint64_t waited = down_write(&mm->mmap_lock);
	mmstat_inc(MMSTAT_MMAP_WRITE_LOCK);
	if (waited) {
		mmstat_inc(MMSTAT_MMAP_WRITE_WAIT);
		mmstat_add(MMSTAT_MMAP_WAIT_CYCLES, waited);
	}
	/* mm_lock_seq odd: a writer is in (lockless readers of the VMA set
	 * retry; vma_start_write() marks VMAs with this value). */
	WRITE_ONCE(mm->mm_lock_seq, mm->mm_lock_seq + 1);
	smp_mb();
	if (mm_debug)
		vma_debug_snapshot(mm);
}

/* The end of a write section: the checks of mm.debug, then mm_lock_seq
 * even again (release), which releases every VMA write lock taken in it. */
static inline void mmap_write_section_end(struct mm *mm)
{
	if (mm_debug) {
		vma_check(mm);
		vma_debug_verify(mm);
	}
	mm->range_writer = NULL; /* (range_mode.h) the next write section names its own ranges */
	smp_store_release(&mm->mm_lock_seq, mm->mm_lock_seq + 1);
	/* After the seq (release orders the two): a lockless reader that reads
	 * the flag clear and then the seq unchanged knows no replacement was
	 * under way in the section it read (maps_read.c, try_lockless).
	 * Cleared before the seq, a reader could read the old seq, then the
	 * cleared flag, and accept a snapshot taken in the replacement's gap. */
	smp_store_release(&mm->vma_replacing, false);
}

static inline void mmap_write_unlock(struct mm *mm)
{
	mmap_write_section_end(mm);
	up_write(&mm->mmap_lock);
}

/* Keep mmap_lock for read (release it with mmap_read_unlock): the VMA set
 * is final, the slow rest (zapping, the TLB shootdown) lets faults - even
 * in the VMAs this section write-locked - and other readers in (Linux's
 * munmap does the same). */
static inline void mmap_write_downgrade(struct mm *mm)
{
	mmap_write_section_end(mm);
	downgrade_write(&mm->mmap_lock);
}

/* The write section is about to remove VMAs and map others in their place:
 * until it ends, lockless readers of the whole VMA set (/proc/PID/maps)
 * retry rather than show the range empty (it never is, before or after). */
static inline void vma_replace_begin(struct mm *mm)
{
	WRITE_ONCE(mm->vma_replacing, true);
	smp_wmb(); /* before the removal is published (a release store of the tree root) */
}

static inline void mmap_assert_write_locked(struct mm *mm) { BUG_ON(!rwsem_write_held(&mm->mmap_lock)); }
static inline void mmap_assert_locked(struct mm *mm) { BUG_ON(!rwsem_locked(&mm->mmap_lock)); }
