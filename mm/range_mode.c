/* range_mode.c - mm.lock=range: the writers' range locks (taken in every
 * mode), the fault path of mm.lock=range, and the rules that let a fault
 * read its VMA with no mmap_lock and no VMA lock (range_mode.h; the whole
 * argument is in docs/locking.md "mm.lock=range").
 *
 * The fault (range_fault):
 *   1. range_read_trylock [va, va + 4 KiB); when a conflicting request is
 *      queued, the sleeping range_read_lock (faults hold no mmap_lock, so
 *      they may wait);
 *   2. under an epoch, find the VMA holding addr in the lockless tree and
 *      copy the fields the fault needs between two equal, even reads of
 *      its vm_seq; retry when it is odd or changed, when the copy does not
 *      hold addr (split or shrunk meanwhile), or when no VMA is found while
 *      a write section runs (a split or merge is between its tree steps);
 *   3. steps 2-4 of fault.c with the copy (fault_in_page): the PTE is
 *      installed under its split lock as in every mode.
 * Why the copy is enough: while we hold [va, va + 4 KiB), no writer
 * changes what is mapped at va - every writer write-locks the range it
 * changes (mmap, munmap, mprotect, mremap, madvise, brk, stack growth)
 * and exec/exit/fork lock everything.  A writer working elsewhere may
 * still rewrite the VMA that maps va (split, merge: "lock contagion"),
 * but only its representation - start, end, pgoff, file_data move
 * together, so that any consistent copy that holds va says the same
 * about va: its rights, its kind, its bytes.  vm_seq makes the copy
 * consistent; the epoch keeps the VMA's memory while we copy.  After the
 * copy nothing of the VMA is touched: a shared object it names stays
 * alive because some VMA maps va all along (each holds a reference).
 *
 * Page tables: the fault walks them and may allocate levels, holding no
 * mmap_lock.  A writer unlinks a table only when its range lock covers the
 * table's whole span (range_clamp_pgtables): then no range fault can be
 * inside that span, and no other writer can map into it meanwhile. */
#include "mm/range_mode.h"
#include "kernel/assert.h"
#include "kernel/atomic.h"
#include "kernel/errno.h"
#include "arch/x86_64/x86.h"
#include "mm/fault_internal.h"
#include "mm/mmap_lock.h"
#include "mm/mmstat.h"
#include "kernel/uaccess.h"

#define PMD_SPAN (2ul << 20) /* what one last-level table maps */

/* ---- writers ---- */

static void range_lock_counted(struct mm *mm, struct range_lock *r, uint64_t start, uint64_t end)
{
	if (range_write_lock(&mm->range_locks, r, start, end))
		mmstat_inc(MMSTAT_RANGE_WRITER_WAIT);
}

void mm_relock_mmap(struct mm *mm, struct mm_range *mr)
{
	mmap_write_lock(mm);
	mm->range_writer = mr; /* cleared by mmap_write_unlock / downgrade */
}

void mm_lock_range(struct mm *mm, struct mm_range *mr, uint64_t start, uint64_t end)
{
	BUG_ON(start >= end);
	mr->n = 1;
	range_lock_counted(mm, &mr->lock[0], start, end);
	mm_relock_mmap(mm, mr);
}

/* Why not simply both ranges in address order: the lock is FIFO among
 * conflicting requests, so a request waits for earlier WAITING requests
 * too, and those chain.  T1 holds [0,10) and waits for [20,30) behind an
 * earlier waiter [25,100) that waits for T2's [90,100); T2 waits for
 * [150,160) behind an earlier waiter [5,200) that waits for T1's [0,10):
 * a cycle, though both lock in address order.  So the second range is only
 * ever TRIED while the first is held. */
void mm_lock_ranges(struct mm *mm, struct mm_range *mr, uint64_t s1, uint64_t e1, uint64_t s2, uint64_t e2)
{
	BUG_ON(s1 >= e1 || s2 >= e2);
	if (s2 < s1) {
		uint64_t s = s1, e = e1;
		s1 = s2, e1 = e2, s2 = s, e2 = e;
	}
	mr->n = 1;
	if (e1 >= s2) { /* touching or overlapping: one range */
		range_lock_counted(mm, &mr->lock[0], s1, MAX(e1, e2));
	} else {
		range_lock_counted(mm, &mr->lock[0], s1, e1);
		if (range_write_trylock(&mm->range_locks, &mr->lock[1], s2, e2)) {
			mr->n = 2;
		} else {
			range_unlock(&mm->range_locks, &mr->lock[0]);
			range_lock_counted(mm, &mr->lock[0], s1, e2);
		}
	}
	mm_relock_mmap(mm, mr);
}

void mm_range_release(struct mm *mm, struct mm_range *mr)
{
	while (mr->n)
		range_unlock(&mm->range_locks, &mr->lock[--mr->n]);
}

void mm_unlock_range(struct mm *mm, struct mm_range *mr)
{
	mmap_write_unlock(mm);
	mm_range_release(mm, mr);
}

/* The range of mr holding [start, end), or NULL. */
static struct range_lock *range_holding(struct mm_range *mr, uint64_t start, uint64_t end)
{
	for (unsigned i = 0; i < mr->n; i++)
		if (mr->lock[i].start <= start && end <= mr->lock[i].end)
			return &mr->lock[i];
	return NULL;
}

bool mm_range_covers(const struct mm_range *mr, uint64_t start, uint64_t end)
{
	return range_holding((struct mm_range *)mr, start, end) != NULL;
}

void range_note_contagion(struct mm *mm, const struct vma *v, uint64_t start, uint64_t end)
{
	struct mm_range *mr = mm->range_writer;
	if (mr && !mm_range_covers(mr, MIN(v->start, start), MAX(v->end, end)))
		mmstat_inc(MMSTAT_RANGE_CONTAGION);
}

void range_clamp_pgtables(struct mm *mm, uint64_t start, uint64_t end, uint64_t *floor, uint64_t *ceiling)
{
	mmap_assert_write_locked(mm);
	struct mm_range *mr = mm->range_writer;
	if (!mr)
		return; /* no ranges in this section: an mm nobody else can reach (exec's new one) */
	struct range_lock *r = range_holding(mr, start, end);
	uint64_t lo = *floor, hi = *ceiling;
	if (r && (lo < r->start || hi > r->end)) {
		/* Widening never waits: it fails if anything granted or
		 * queued conflicts with the added part. */
		if (range_lock_widen(&mm->range_locks, r, MIN(lo, r->start), MAX(hi, r->end))) {
			lo = MAX(lo, ALIGN_DOWN(start, PMD_SPAN));
			hi = MIN(hi, ALIGN_UP(end, PMD_SPAN));
			if (range_lock_widen(&mm->range_locks, r, MIN(lo, r->start), MAX(hi, r->end)))
				lo = MAX(lo, r->start), hi = MIN(hi, r->end);
		}
	} else if (!r) {
		lo = MAX(lo, start), hi = MIN(hi, end);
	}
	if (lo != *floor || hi != *ceiling)
		mmstat_inc(MMSTAT_RANGE_PT_KEPT);
	*floor = lo;
	*ceiling = hi;
}

int range_covered(struct mm *mm, uint64_t start, uint64_t end)
{
	epoch_enter(); /* the tree's nodes stay allocated */
	uint64_t seq = smp_load_acquire(&mm->mm_lock_seq), at = start, s, e;
	while (at < end && vt_find_next(&mm->vmas, at, &s, &e) && s <= at)
		at = e;
	smp_rmb(); /* the walk before the re-read */
	bool stable = !(seq & 1) && READ_ONCE(mm->mm_lock_seq) == seq;
	epoch_exit();
	return at >= end ? 1 : stable ? 0 : -EAGAIN;
}

/* ---- the fault ---- */

/* Snapshot attempts before the fault falls back to mmap_lock. */
#define RANGE_SNAP_RETRIES 16

enum snap_result {
	SNAP_OK,
	SNAP_AGAIN, /* vm_seq odd or changed, the copy misses addr, or a writer's gap: look again */
	SNAP_NONE,  /* no VMA, and no write section under way: the locked path decides */
};

/* Copy the fields of the VMA holding addr into snap, consistently.  Caller
 * in an epoch read section (the tree's nodes and the VMA stay allocated). */
static enum snap_result range_snapshot(struct mm *mm, uint64_t addr, struct vma *snap)
{
	struct vma *v = vma_find(mm, addr);
	if (!v)
		return smp_load_acquire(&mm->mm_lock_seq) & 1 ? SNAP_AGAIN : SNAP_NONE;
	unsigned seq = smp_load_acquire(&v->vm_seq);
	if (seq & 1)
		return SNAP_AGAIN;
	fault_copy_vma(snap, v);
	smp_rmb(); /* the copy before the re-read (read_seqcount_retry) */
	if (READ_ONCE(v->vm_seq) != seq || addr < snap->start || addr >= snap->end)
		return SNAP_AGAIN;
	return SNAP_OK;
}

int range_fault(struct mm *mm, uint64_t addr, unsigned access)
{
	uint64_t va = ALIGN_DOWN(addr, PAGE_SIZE);
	struct range_lock r;
	/* No VMA can be there, and the last page's range [va, va + 4096)
	 * would wrap to 0 (a user copy handed a kernel address, e.g.
	 * clone's CLONE_CHILD_SETTID, gets here): the locked path says
	 * -EFAULT. */
	if (addr >= USER_TOP) {
		mmstat_inc(MMSTAT_RANGE_FALLBACK);
		mmstat_inc(MMSTAT_FAULT_FALLBACK);
		return fault_locked(mm, addr, access);
	}
	if (!range_read_trylock(&mm->range_locks, &r, va, va + PAGE_SIZE)) {
		mmstat_inc(MMSTAT_RANGE_TRYLOCK_FAIL);
		if (range_read_lock(&mm->range_locks, &r, va, va + PAGE_SIZE))
			mmstat_inc(MMSTAT_RANGE_FAULT_WAIT);
	}
	struct vma snap;
	enum snap_result s;
	for (int tries = 0;; tries++) {
		epoch_enter();
		s = range_snapshot(mm, addr, &snap);
		epoch_exit();
		if (s != SNAP_AGAIN || tries == RANGE_SNAP_RETRIES)
			break;
		mmstat_inc(MMSTAT_RANGE_SNAP_RETRY);
		cpu_relax();
	}
	if (s != SNAP_OK) {
		/* No VMA (SIGSEGV or a stack to grow) or it would not hold
		 * still: mmap_lock decides.  Our range goes first: growing a
		 * stack write-locks the range below it, which may hold va.
		 * Every writer holds mmap_lock for write throughout, so the
		 * locked path needs no range. */
		range_unlock(&mm->range_locks, &r);
		mmstat_inc(MMSTAT_RANGE_FALLBACK);
		mmstat_inc(MMSTAT_FAULT_FALLBACK);
		return fault_locked(mm, addr, access);
	}
	int ret;
	if (fault_access_ok(&snap, access)) {
		ret = fault_in_page(mm, &snap, va, access);
	} else {
		mmstat_inc(MMSTAT_FAULT_SEGV_ACCERR); /* the rights of va cannot change while we hold it */
		ret = -EACCES;
	}
	range_unlock(&mm->range_locks, &r);
	mmstat_inc(MMSTAT_RANGE_SUCCESS);
	return ret;
}
