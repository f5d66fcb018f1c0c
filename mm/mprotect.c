/* mprotect.c - changing what an existing mapping allows (mprotect) and
 * what the kernel should do with its pages (madvise).
 *
 * mprotect splits the VMAs at the ends of the range, changes their rights,
 * merges them back with neighbours that became identical (as Linux does:
 * protecting a page and unprotecting it again leaves one VMA), then
 * rewrites the PTEs and shoots the old rights down from every CPU.  Like
 * Linux it works VMA by VMA and stops at the first hole: the part before
 * the hole keeps its new rights and the call fails with ENOMEM. */
#include "mm/mm.h"
#include "mm/mmap_internal.h"
#include "kernel/errno.h"
#include "kernel/proc.h"
#include "kernel/syscall.h"
#include "mm/mmap_lock.h"
#include "mm/mmstat.h"
#include "mm/range_mode.h"
#include "mm/vma_lock.h"

#define PROT_SEM 0x8
#define PROT_GROWSDOWN 0x01000000
#define PROT_GROWSUP 0x02000000

#define MADV_NORMAL 0
#define MADV_RANDOM 1
#define MADV_SEQUENTIAL 2
#define MADV_WILLNEED 3
#define MADV_DONTNEED 4
#define MADV_FREE 8
#define MADV_DONTFORK 10
#define MADV_DOFORK 11
#define MADV_DONTDUMP 16
#define MADV_DODUMP 17

/* Give [start, end) of v (inside it) the rights prot; *vp becomes the VMA
 * now holding the range's end.  0 or -ENOMEM. */
static int mprotect_fixup(struct mm *mm, struct mmu_gather *tlb, struct vma **vp, uint64_t start, uint64_t end,
			  unsigned prot)
{
	struct vma *v = *vp;
	if (v->prot == prot)
		return 0;
	if (v->start < start && !(v = vma_split(mm, v, start)))
		return -ENOMEM;
	if (v->end > end && !vma_split(mm, v, end))
		return -ENOMEM;
	vma_start_write(v); /* before the PTEs change: no fault may install old rights after */
	vma_seq_begin(v);
	WRITE_ONCE(v->prot, prot);
	vma_seq_end(v);
	*vp = vma_merge_neighbours(mm, v);
	change_prot_range(tlb, start, end, prot, (*vp)->flags);
	return 0;
}

long vm_mprotect(struct mm *mm, uint64_t start, uint64_t len, unsigned prot)
{
	if (start & (PAGE_SIZE - 1))
		return -EINVAL;
	if (!len)
		return 0;
	len = ALIGN_UP(len, PAGE_SIZE);
	uint64_t end = start + len;
	if (end <= start)
		return -ENOMEM;
	unsigned grows = prot & (PROT_GROWSDOWN | PROT_GROWSUP);
	if (grows == (PROT_GROWSDOWN | PROT_GROWSUP))
		return -EINVAL;
	prot &= ~(PROT_GROWSDOWN | PROT_GROWSUP);
	if (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC | PROT_SEM))
		return -EINVAL;
	prot &= PROT_READ | PROT_WRITE | PROT_EXEC;
	/* The range is the arguments'; PROT_GROWSDOWN moves its start down to
	 * the VMA's, which is known only under mmap_lock: lock from the
	 * lowest user address then (rare: only a grows-down stack). */
	struct mm_range mr;
	mm_lock_range(mm, &mr, (grows & PROT_GROWSDOWN) ? 0 : start, end);
	struct mmu_gather tlb;
	tlb_gather_init(&tlb, mm);
	long r = -ENOMEM;
	struct vma *v = vma_find_next(mm, start);
	if (!v)
		goto out;
	if (grows & PROT_GROWSDOWN) {
		if (v->start >= end)
			goto out;
		start = v->start; /* a grows-down VMA changes from its start */
		r = -EINVAL;
		if (!(v->flags & VM_GROWSDOWN))
			goto out;
	} else if (v->start > start) {
		goto out;
	}
	uint64_t at = start;
	r = 0;
	while (at < end && v && v->start < end) {
		if (v->start > at) {
			r = -ENOMEM;
			break;
		}
		if ((prot & PROT_WRITE) && (v->flags & VM_NOWRITE)) {
			r = -EACCES;
			break;
		}
		uint64_t to = MIN(v->end, end);
		if ((r = mprotect_fixup(mm, &tlb, &v, at, to, prot)))
			break;
		at = to;
		v = vma_find_next(mm, at);
	}
	if (!r && at < end)
		r = -ENOMEM;
out:
	tlb_finish(&tlb);
	mm_unlock_range(mm, &mr);
	return r;
}

static bool madvise_valid(int advice)
{
	switch (advice) {
	case MADV_NORMAL: case MADV_RANDOM: case MADV_SEQUENTIAL: case MADV_WILLNEED:
	case MADV_DONTNEED: case MADV_FREE: case MADV_DONTFORK: case MADV_DOFORK:
	case MADV_DONTDUMP: case MADV_DODUMP:
		return true;
	}
	return false;
}

/* madvise in mm.lock=range: the range lock alone, no mmap_lock - the
 * faults it races with take none either, and a writer elsewhere in the
 * same VMA (onevma's mprotect) no longer stalls it.  What mmap_lock gave:
 *   - the page tables of [start, end) stay linked: a writer unlinks a
 *     table only under a range lock covering its span (range_mode.h),
 *     which would conflict with ours;
 *   - no VMA comes or goes in [start, end): every writer that maps or
 *     unmaps there holds a conflicting range.  So the whole range is
 *     zapped - a hole has no PTEs - and only the return value asks which
 *     parts are mapped (range_covered; under mmap_lock if a writer's
 *     split keeps showing a moment's gap).
 * Then release the range (mr). */
static long madvise_ranged(struct mm *mm, struct mm_range *mr, uint64_t start, uint64_t end, bool zap)
{
	if (zap) {
		struct mmu_gather tlb;
		tlb_gather_init(&tlb, mm);
		zap_range(&tlb, start, end);
		tlb_finish(&tlb);
	}
	int c = -EAGAIN;
	for (int tries = 0; c < 0 && tries < 8; tries++)
		c = range_covered(mm, start, end);
	if (c < 0) {
		mmap_read_lock(mm); /* no write section now: a definite answer */
		c = range_covered(mm, start, end);
		mmap_read_unlock(mm);
	}
	mm_range_release(mm, mr);
	return c ? 0 : -ENOMEM;
}

long vm_madvise(struct mm *mm, uint64_t start, uint64_t len_in, int advice)
{
	if (!madvise_valid(advice))
		return -EINVAL;
	if (start & (PAGE_SIZE - 1))
		return -EINVAL;
	uint64_t len = ALIGN_UP(len_in, PAGE_SIZE);
	if (len_in && !len)
		return -EINVAL;
	uint64_t end = start + len;
	if (end < start)
		return -EINVAL;
	if (end == start)
		return 0;
	bool zap = advice == MADV_DONTNEED || advice == MADV_FREE;
	/* Dropping pages needs no change to the VMA set: the read lock does,
	 * after the range (a range fault must not install a page of the range
	 * while its PTEs are cleared and shot down). */
	struct mm_range mr = { .n = 1 };
	if (range_write_lock(&mm->range_locks, &mr.lock[0], start, end))
		mmstat_inc(MMSTAT_RANGE_WRITER_WAIT);
	if (READ_ONCE(mm_lock_mode) == MM_LOCK_RANGE)
		return madvise_ranged(mm, &mr, start, end, zap);
	mmap_read_lock(mm);
	struct mmu_gather tlb;
	tlb_gather_init(&tlb, mm);
	long r = 0;
	uint64_t at = start;
	for (struct vma *v = vma_find_next(mm, start); v && v->start < end; v = vma_find_next(mm, v->end)) {
		if (v->start > at)
			r = -ENOMEM; /* a hole: the rest is still advised */
		if (zap)
			zap_range(&tlb, MAX(v->start, start), MIN(v->end, end));
		at = v->end;
	}
	if (at < end)
		r = -ENOMEM;
	tlb_finish(&tlb);
	mmap_read_unlock(mm);
	mm_range_release(mm, &mr);
	return r;
}

static long sys_mprotect(uint64_t addr, uint64_t len, unsigned long prot)
{
	return vm_mprotect(current->proc->mm, addr, len, (unsigned)prot);
}
static long sys_madvise(uint64_t addr, uint64_t len, int advice)
{
	return vm_madvise(current->proc->mm, addr, len, advice);
}

SYSCALL(mprotect, sys_mprotect);
SYSCALL(madvise, sys_madvise);
