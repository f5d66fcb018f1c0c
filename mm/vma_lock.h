/* vma_lock.h - per-VMA locks (mm.lock=vma): page faults that never take
 * mmap_lock (mm/vma_lock.c; docs/locking.md "Per-VMA locks").
 *
 * Linux's scheme in its 6.15 form (vm_refcnt, see struct vma):
 *   - A VMA is WRITE-LOCKED iff vma->vm_lock_seq == mm->mm_lock_seq.
 *     vma_start_write() (only with mmap_lock held for write) waits until no
 *     reader holds the VMA, then sets vm_lock_seq; nothing unlocks a single
 *     VMA: mmap_write_unlock() bumps mm_lock_seq and so releases every VMA
 *     write lock of the mm at once.
 *   - vma_start_read() NEVER WAITS: it takes a reference (vm_refcnt + 1)
 *     unless the VMA is detached or a writer is draining readers, then
 *     fails if the VMA is write-locked.  A fault that cannot get the lock
 *     falls back to mmap_lock; it never spins on a writer.
 *   - Readers hold the lock only while resolving one fault; they never
 *     sleep with it, so a writer draining them spins briefly.
 * Lock order: mmap_lock -> VMA write lock (several VMAs in any order: only
 * the holder of mmap_lock for write takes write locks, so they cannot
 * deadlock) -> page-table locks.  A reader takes one VMA's read lock and
 * then page-table locks, never mmap_lock while holding it. */
#pragma once
#include "kernel/atomic.h"
#include "mm/mm.h"

#define VMA_LOCK_OFFSET 0x40000000 /* vm_refcnt >= this: a writer is draining readers */

/* Lockless lookup for a fault at addr: the VMA containing addr with its
 * read lock held, or NULL (no VMA there, or it could not be locked:
 * fall back to mmap_lock).  Counts vma_lock_* in /proc/mmstat. */
struct vma *lock_vma_under_epoch(struct mm *mm, uint64_t addr);
/* Take v's read lock (caller in an epoch read section, so v is not freed
 * under it): 0, -EAGAIN (detached: look again) or -EBUSY (write-locked). */
int vma_start_read(struct mm *mm, struct vma *v);
void vma_end_read(struct vma *v);

/* Write-lock v (mmap_lock held for write): waits out its readers. */
void vma_start_write(struct vma *v);
/* Write-lock every VMA that overlaps [start, end). */
void vma_start_write_range(struct mm *mm, uint64_t start, uint64_t end);
bool vma_is_write_locked(const struct vma *v);
/* mm.debug: BUG unless v is write-locked. */
void vma_assert_write_locked(const struct vma *v);

/* vm_seq (mm.lock=range; struct vma): a writer that changes fields of a
 * VMA a lockless reader may have found brackets the stores with these,
 * after vma_start_write.  Sections are a few stores long and never nest. */
static inline void vma_seq_begin(struct vma *v)
{
	WRITE_ONCE(v->vm_seq, v->vm_seq + 1); /* odd: readers retry */
	smp_wmb();                            /* before any field store */
}
static inline void vma_seq_end(struct vma *v)
{
	smp_store_release(&v->vm_seq, v->vm_seq + 1); /* even again, after every field store */
}

/* In the tree (refcount 1, write-locked: nobody reads it before the
 * writer is done) / out of it (waits for transient readers; v must be
 * write-locked).  vma_insert() and vma_remove() call these. */
void vma_mark_attached(struct vma *v);
void vma_mark_detached(struct vma *v);

/* mm.debug: remember every VMA's fields when mmap_lock is taken for write;
 * at unlock, BUG for any VMA that changed without its write lock. */
void vma_debug_snapshot(struct mm *mm);
void vma_debug_verify(struct mm *mm);
