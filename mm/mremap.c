/* mremap.c - resizing and moving a mapping (Linux's mremap(2)).
 *
 * Shrinking unmaps the tail.  Growing extends the VMA in place when the
 * pages after it are free; otherwise, with MREMAP_MAYMOVE, the VMA moves:
 * a copy of it is inserted at the new address, the page-table entries are
 * moved across (the frames themselves stay where they are), and the old
 * range is unmapped - one TLB shootdown for the old addresses.
 * MREMAP_FIXED moves to a caller-chosen address, unmapping what was there.
 * Argument checks follow Linux's do_mremap() order.
 * Range locks (range_mode.h): the old place (with the room it may grow
 * into) and the new one, taken before mmap_lock; a new place found by a
 * search is locked on a second pass and checked free again. */
#include "mm/mm.h"
#include "mm/mmap_internal.h"
#include "kernel/errno.h"
#include "kernel/proc.h"
#include "kernel/syscall.h"
#include "mm/mmap_lock.h"
#include "mm/mmstat.h"
#include "mm/range_mode.h"
#include "mm/vma_lock.h"

#define MREMAP_MAYMOVE 1
#define MREMAP_FIXED 2
#define MREMAP_DONTUNMAP 4

/* The end of [start, start + len), or the top of the range lock's space
 * when that overflows (a bad length fails later, under the lock). */
static uint64_t range_end(uint64_t start, uint64_t len)
{
	return len > RANGE_LOCK_END - start ? RANGE_LOCK_END : start + len;
}

/* The VMA [addr, addr + old_len) lies in, if it lies in one: Linux's
 * vma_to_resize().  -EFAULT when it does not. */
static struct vma *vma_to_resize(struct mm *mm, uint64_t addr, uint64_t old_len, long *err)
{
	struct vma *v = vma_find(mm, addr);
	*err = -EFAULT;
	if (!v || old_len > v->end - addr)
		return NULL;
	return v;
}

/* old_len 0: a second mapping of the shared object v maps at addr,
 * new_len long at new_addr (a free range).  new_addr or -ENOMEM. */
static long dup_shared(struct mm *mm, struct vma *v, uint64_t addr, uint64_t new_addr, uint64_t new_len)
{
	struct vma *n = vma_dup(v);
	if (!n)
		return -ENOMEM;
	n->pgoff += (addr - v->start) >> PAGE_SHIFT;
	n->start = new_addr;
	n->end = new_addr + new_len;
	if (vma_insert(mm, n)) {
		vma_free(n);
		return -ENOMEM;
	}
	vma_merge_neighbours(mm, n);
	return (long)new_addr;
}

/* Make [addr, addr + len) exactly one VMA (splitting v): it, or NULL.
 * len > 0 (an empty range has no VMA of its own: old_len 0 is dup_shared). */
static struct vma *isolate(struct mm *mm, struct vma *v, uint64_t addr, uint64_t len)
{
	if (v->start < addr && !(v = vma_split(mm, v, addr)))
		return NULL;
	if (v->end > addr + len && !vma_split(mm, v, addr + len))
		return NULL;
	return v;
}

/* Move the old_len bytes at v (exactly v) to new_addr, the VMA becoming
 * new_len long there.  The target range is free.  new_addr or -errno. */
static long move_vma(struct mm *mm, struct vma *v, uint64_t new_addr, uint64_t new_len, bool dontunmap)
{
	uint64_t old = v->start, old_len = v->end - v->start;
	if (vma_prepare(mm, 2))
		return -ENOMEM;
	vma_start_write(v); /* no fault may install a PTE at the old place while they move */
	struct vma *n = vma_dup(v);
	if (!n)
		return -ENOMEM;
	n->start = new_addr;
	n->end = new_addr + new_len;
	if (vma_insert(mm, n)) {
		vma_free(n);
		return -ENOMEM;
	}
	struct mmu_gather tlb;
	tlb_gather_init(&tlb, mm);
	int r = move_page_range(&tlb, old, new_addr, old_len);
	if (r) { /* put back what moved, drop the new VMA */
		move_page_range(&tlb, new_addr, old, old_len);
		tlb_finish(&tlb);
		vma_remove(mm, n);
		vma_free(n);
		return r;
	}
	tlb_finish(&tlb);
	if (!dontunmap)
		do_munmap(mm, old, old + old_len); /* only the VMA is left: nothing to split */
	vma_merge_neighbours(mm, n);
	return (long)new_addr;
}

/* MREMAP_FIXED of a range over several VMAs, same size: each moves to the
 * same offset from new_addr, the holes between them stay holes. */
static long move_vmas(struct mm *mm, struct vma *v, uint64_t addr, uint64_t len, uint64_t new_addr)
{
	uint64_t end = addr + len;
	struct vma *last = vma_find(mm, end - 1);
	if (!isolate(mm, v, addr, MIN(v->end, end) - addr) ||
	    (last && last->start < end && last->end > end && !vma_split(mm, last, end)))
		return -ENOMEM;
	for (uint64_t at = addr;;) {
		v = vma_find_next(mm, at);
		if (!v || v->start >= end)
			break;
		at = v->end;
		long r = move_vma(mm, v, new_addr + (v->start - addr), v->end - v->start, false);
		if (r < 0)
			return r;
	}
	return (long)new_addr;
}

/* Can v (ending at addr + old_len) grow by delta in place? */
static bool vma_expandable(struct mm *mm, struct vma *v, uint64_t delta)
{
	uint64_t end = v->end + delta;
	if (end < v->end || end > USER_TOP)
		return false;
	struct vma *next = vma_next(mm, v);
	return !next || next->start >= end;
}

/* Returned when the place a mapping moves to is not under the writer's
 * range locks yet: vm_mremap drops everything, locks it too and starts
 * again (the same "lock the hole, then check it again" as mmap). */
#define MREMAP_RELOCK (-EAGAIN)

/* Where a moving mremap goes (hint: as get_unmapped_area's) - a free range
 * the writer holds a range lock on - or -errno, or MREMAP_RELOCK with the
 * place found in *want. */
static long pick_target(struct mm *mm, struct mm_range *mr, uint64_t hint, uint64_t len, uint64_t *want)
{
	if (*want && mm_range_covers(mr, *want, *want + len)) {
		struct vma *v = vma_find_next(mm, *want);
		if (!v || v->start >= *want + len)
			return (long)*want;
		mmstat_inc(MMSTAT_RANGE_GAP_RECHECK); /* mapped by another writer while we were unlocked */
	}
	long r = get_unmapped_area(mm, hint, len, 0);
	if (r < 0 || mm_range_covers(mr, (uint64_t)r, (uint64_t)r + len))
		return r;
	*want = (uint64_t)r;
	return MREMAP_RELOCK;
}

static long mremap_to(struct mm *mm, struct mm_range *mr, uint64_t *want, uint64_t addr, uint64_t old_len,
		      uint64_t new_addr, uint64_t new_len, unsigned flags)
{
	if (new_addr & (PAGE_SIZE - 1))
		return -EINVAL;
	if (new_len > USER_TOP || new_addr > USER_TOP - new_len)
		return -EINVAL;
	if (addr + old_len > new_addr && new_addr + new_len > addr)
		return -EINVAL; /* old and new ranges overlap */
	long r;
	if (flags & MREMAP_FIXED) {
		if (new_addr < MMAP_MIN_ADDR)
			return -EPERM;
		vma_replace_begin(mm);
		if ((r = do_munmap(mm, new_addr, new_addr + new_len)))
			return r;
	}
	if (old_len > new_len) {
		if ((r = do_munmap(mm, addr + new_len, addr + old_len)))
			return r;
		old_len = new_len;
	}
	if ((flags & MREMAP_FIXED) && !(flags & MREMAP_DONTUNMAP) && old_len == new_len) {
		struct vma *first = vma_find(mm, addr);
		if (first && old_len > first->end - addr) /* several VMAs (Linux 6.17+) */
			return move_vmas(mm, first, addr, old_len, new_addr);
	}
	struct vma *v = vma_to_resize(mm, addr, old_len, &r);
	if (!v)
		return r;
	if (!(flags & MREMAP_FIXED)) {
		if ((r = pick_target(mm, mr, new_addr, new_len, want)) < 0)
			return r;
		new_addr = (uint64_t)r;
	}
	if (!old_len) /* MREMAP_FIXED of a shared mapping's duplicate */
		return dup_shared(mm, v, addr, new_addr, new_len);
	if (!(v = isolate(mm, v, addr, old_len)))
		return -ENOMEM;
	return move_vma(mm, v, new_addr, new_len, flags & MREMAP_DONTUNMAP);
}

static long mremap_locked(struct mm *mm, struct mm_range *mr, uint64_t *want, uint64_t addr, uint64_t old_len,
			  uint64_t new_len, unsigned flags, uint64_t new_addr)
{
	long r = -EFAULT;
	struct vma *v = vma_find(mm, addr);
	if (!v)
		goto out;
	if (!old_len && !(v->flags & VM_SHARED)) { /* old_len 0 duplicates shared mappings only */
		r = -EINVAL;
		goto out;
	}
	if (flags & (MREMAP_FIXED | MREMAP_DONTUNMAP)) {
		r = mremap_to(mm, mr, want, addr, old_len, new_addr, new_len, flags);
		goto out;
	}
	if (old_len >= new_len) { /* shrink (or nothing) in place */
		r = old_len > new_len ? do_munmap(mm, addr + new_len, addr + old_len) : 0;
		if (!r)
			r = (long)addr;
		goto out;
	}
	if (!(v = vma_to_resize(mm, addr, old_len, &r)))
		goto out;
	if (old_len == v->end - addr && vma_expandable(mm, v, new_len - old_len)) {
		r = vma_set_range(mm, v, v->start, v->end + new_len - old_len);
		if (!r) {
			vma_merge_neighbours(mm, v);
			r = (long)addr;
		}
		goto out;
	}
	r = -ENOMEM;
	if (flags & MREMAP_MAYMOVE) {
		long a = pick_target(mm, mr, 0, new_len, want);
		if (a < 0) {
			r = a;
			goto out;
		}
		if (!old_len) {
			r = dup_shared(mm, v, addr, (uint64_t)a, new_len);
			goto out;
		}
		if ((v = isolate(mm, v, addr, old_len)))
			r = move_vma(mm, v, (uint64_t)a, new_len, false);
	}
out:
	return r;
}

long vm_mremap(struct mm *mm, uint64_t addr, uint64_t old_len, uint64_t new_len, unsigned flags, uint64_t new_addr)
{
	if (flags & ~(MREMAP_FIXED | MREMAP_MAYMOVE | MREMAP_DONTUNMAP))
		return -EINVAL;
	if ((flags & MREMAP_FIXED) && !(flags & MREMAP_MAYMOVE))
		return -EINVAL;
	if ((flags & MREMAP_DONTUNMAP) && (!(flags & MREMAP_MAYMOVE) || old_len != new_len))
		return -EINVAL;
	if (addr & (PAGE_SIZE - 1))
		return -EINVAL;
	old_len = ALIGN_UP(old_len, PAGE_SIZE);
	new_len = ALIGN_UP(new_len, PAGE_SIZE);
	if (!new_len)
		return -EINVAL;
	/* The ranges: the old place with room to grow in place, and the new
	 * place when it is known (MREMAP_FIXED, valid) or was found on an
	 * earlier pass (*want); mremap_locked says when it needs one it lacks. */
	uint64_t want = 0, old_end = range_end(addr, MAX(old_len, new_len));
	bool fixed = (flags & MREMAP_FIXED) && !(new_addr & (PAGE_SIZE - 1)) && new_len <= USER_TOP &&
		     new_addr <= USER_TOP - new_len;
	long r;
	do {
		struct mm_range mr;
		if (fixed || want)
			mm_lock_ranges(mm, &mr, addr, old_end, fixed ? new_addr : want,
				       (fixed ? new_addr : want) + new_len);
		else
			mm_lock_range(mm, &mr, addr, old_end);
		r = mremap_locked(mm, &mr, &want, addr, old_len, new_len, flags, new_addr);
		mm_unlock_range(mm, &mr);
	} while (r == MREMAP_RELOCK);
	return r;
}

static long sys_mremap(uint64_t addr, uint64_t old_len, uint64_t new_len, unsigned long flags, uint64_t new_addr)
{
	return vm_mremap(current->proc->mm, addr, old_len, new_len, (unsigned)flags, new_addr);
}

SYSCALL(mremap, sys_mremap);
