/* vma_lock.c - per-VMA locks and the lockless VMA lookup of the fault
 * path (see vma_lock.h for the rules, docs/locking.md for why they hold). */
#include "mm/vma_lock.h"
#include "arch/x86_64/x86.h"
#include "kernel/assert.h"
#include "kernel/atomic.h"
#include "kernel/errno.h"
#include "kernel/lockstat.h"
#include "kernel/panic.h"
#include "mm/mmap_lock.h"
#include "mm/mmstat.h"

/* LAB(vmalock) begin: take v's read lock without waiting (-EAGAIN: detached, -EBUSY: write-locked); find and read-lock the VMA of addr under an epoch, NULL: fall back */
int vma_start_read(struct mm *mm, struct vma *v)
{
	int old = load_relaxed(&v->vm_refcnt);
	do {
		if (old == 0)
			return -EAGAIN; /* detached: removed from the tree after our lookup */
		if (old >= VMA_LOCK_OFFSET)
			return -EBUSY;  /* a writer is draining readers */
	} while (!try_cmpxchg_acquire(&v->vm_refcnt, &old, old + 1));
	/* Referenced: no writer can now take the lock without waiting for us.
	 * One may hold it already (it set vm_lock_seq before letting readers
	 * in again, release; our acquire above sees that). */
	if (READ_ONCE(v->vm_lock_seq) == smp_load_acquire(&mm->mm_lock_seq)) {
		vma_end_read(v);
		return -EBUSY;
	}
	return 0;
}

void vma_end_read(struct vma *v) { fetch_sub_release(&v->vm_refcnt, 1); }

/* How often lock_vma_under_epoch looks again after finding a VMA that was
 * removed meanwhile, before it falls back (a writer churning that very
 * address would otherwise keep the fault going round). */
#define LOOKUP_RETRIES 3

struct vma *lock_vma_under_epoch(struct mm *mm, uint64_t addr)
{
	for (int tries = 0; tries <= LOOKUP_RETRIES; tries++) {
		epoch_enter(); /* the tree's nodes and the VMA stay allocated till exit */
		struct vma *v = vma_find(mm, addr);
		if (!v) {
			epoch_exit();
			mmstat_inc(MMSTAT_VMA_LOCK_MISS); /* the slow path decides: SIGSEGV or a growing stack */
			return NULL;
		}
		int r = vma_start_read(mm, v);
		epoch_exit();
		if (r == -EAGAIN) {
			mmstat_inc(MMSTAT_VMA_LOCK_RETRY);
			continue;
		}
		if (r) {
			mmstat_inc(MMSTAT_VMA_LOCK_ABORT);
			return NULL;
		}
		/* Locked, so v no longer changes - but it may have changed
		 * between the lookup and the lock (shrunk, moved). */
		if (v->mm != mm || addr < v->start || addr >= v->end) {
			vma_end_read(v);
			mmstat_inc(MMSTAT_VMA_LOCK_ABORT);
			return NULL;
		}
		mmstat_inc(MMSTAT_VMA_LOCK_SUCCESS);
		return v;
	}
	mmstat_inc(MMSTAT_VMA_LOCK_ABORT);
	return NULL;
}
/* LAB(vmalock) end */

bool vma_is_write_locked(const struct vma *v) { return READ_ONCE(v->vm_lock_seq) == READ_ONCE(v->mm->mm_lock_seq); }

void vma_assert_write_locked(const struct vma *v)
{
	if (mm_debug && !vma_is_write_locked(v))
		panic("mm.debug: VMA %llx-%llx changed without its write lock", (unsigned long long)v->start,
		      (unsigned long long)v->end);
}

/* LAB(vmalock) begin: write-lock v until mmap_write_unlock: keep new readers out, wait for those inside, set vm_lock_seq */
void vma_start_write(struct vma *v)
{
	struct mm *mm = v->mm;
	mmap_assert_write_locked(mm);
	uint64_t seq = mm->mm_lock_seq;
	if (v->vm_lock_seq == seq)
		return; /* already ours until mmap_write_unlock */
	/* Keep new readers out, wait for those inside to leave. */
	if (fetch_add(&v->vm_refcnt, VMA_LOCK_OFFSET) > 1) {
		mmstat_inc(MMSTAT_VMA_WRITE_WAIT);
		uint64_t t0 = rdtsc();
		while (smp_load_acquire(&v->vm_refcnt) > VMA_LOCK_OFFSET + 1)
			cpu_relax();
		lockstat_wait("vma_lock", LOCKSTAT_VMA_DRAIN, rdtsc() - t0);
	}
	WRITE_ONCE(v->vm_lock_seq, seq);
	/* mm.lock=spf reads the VMA with no lock, as a seqcount reader: the
	 * new vm_lock_seq must be visible before any change to the VMA's
	 * fields (write_seqcount_begin's smp_wmb) and before this writer
	 * reads a page-table entry to skip a table that is not there - a
	 * full barrier (store -> load; spf.c gives the whole argument). */
	smp_mb();
	fetch_sub_release(&v->vm_refcnt, VMA_LOCK_OFFSET); /* readers may try again: they see the seq */
}
/* LAB(vmalock) end */

void vma_start_write_range(struct mm *mm, uint64_t start, uint64_t end)
{
	for (struct vma *v = vma_find_next(mm, start); v && v->start < end; v = vma_next(mm, v))
		vma_start_write(v);
}

/* LAB(vmalock) begin: a VMA entering the tree write-locked with one reference; leaving it: wait out racing readers, then 0 */
void vma_mark_attached(struct vma *v)
{
	WRITE_ONCE(v->vm_lock_seq, v->mm->mm_lock_seq); /* write-locked until the writer is done */
	smp_store_release(&v->vm_refcnt, 1);
}

void vma_mark_detached(struct vma *v)
{
	vma_assert_write_locked(v);
	/* Readers that raced in see the lock and leave at once. */
	int one = 1;
	while (!try_cmpxchg(&v->vm_refcnt, &one, 0)) {
		BUG_ON(one == 0);
		one = 1;
		cpu_relax();
	}
}
/* LAB(vmalock) end */

/* ---- mm.debug ---- */

static uint64_t vma_fields_hash(const struct vma *v)
{
	const uint64_t f[] = { v->start, v->end, v->prot, v->flags, (uint64_t)v->file_data, v->file_size,
			       (uint64_t)v->file_path, v->file_ino, v->pgoff, (uint64_t)v->shm };
	uint64_t h = 1469598103934665603ull;
	for (unsigned i = 0; i < ARRAY_SIZE(f); i++)
		h = (h ^ f[i]) * 1099511628211ull;
	return h;
}

void vma_debug_snapshot(struct mm *mm)
{
	for (struct vma *v = vma_find_next(mm, 0); v; v = vma_next(mm, v))
		v->dbg_sum = vma_fields_hash(v);
}

void vma_debug_verify(struct mm *mm)
{
	for (struct vma *v = vma_find_next(mm, 0); v; v = vma_next(mm, v))
		if (!vma_is_write_locked(v) && v->dbg_sum != vma_fields_hash(v))
			panic("mm.debug: VMA %llx-%llx changed without its write lock", (unsigned long long)v->start,
			      (unsigned long long)v->end);
}
