/* mmap.c - mmap, munmap and brk: creating and removing mappings, and
 * choosing where a new one goes (get_unmapped_area).
 *
 * Every change holds its range lock (range_mode.h), then mmap_lock for
 * write.  Arguments are checked in the
 * order Linux's do_mmap() / __do_munmap() / brk() check them, so the same
 * bad call fails with the same errno (user/oracle/mm_* compare with Linux).
 * Removing memory: the VMAs leave the set first, then their PTEs are
 * cleared, page tables no VMA needs any more are unlinked, one TLB
 * shootdown covers it all (mmu_gather), and only then are frames, page
 * tables and VMAs freed (the last two after a grace period: call_epoch). */
#include "mm/mm.h"
#include "mm/mmap_internal.h"
#include "kernel/errno.h"
#include "kernel/fs/file.h"
#include "kernel/proc.h"
#include "kernel/lib/string.h"
#include "kernel/syscall.h"
#include "mm/mmap_lock.h"
#include "mm/mmstat.h"
#include "mm/range_mode.h"
#include "mm/vma_lock.h"
#include "mm/shmem.h"

/* LAB(mmap) begin: where a mapping of len bytes goes: MAP_FIXED as asked, a free hint, else the highest gap below the top */
/* Is [start, end) free of VMAs? */
static bool range_free(struct mm *mm, uint64_t start, uint64_t end)
{
	struct vma *v = vma_find_next(mm, start);
	return !v || v->start >= end;
}

/* Top-down searches for free space start below here. */
static uint64_t mmap_top(const struct mm *mm) { return mm->mmap_base ? mm->mmap_base : USER_TOP; }

long get_unmapped_area(struct mm *mm, uint64_t addr, uint64_t len, unsigned flags)
{
	if (len > USER_TOP - MMAP_MIN_ADDR)
		return -ENOMEM;
	if (flags & MAP_FIXED) {
		if (addr > USER_TOP - len)
			return -ENOMEM;
		if (addr & (PAGE_SIZE - 1))
			return -EINVAL;
		if (addr < MMAP_MIN_ADDR)
			return -EPERM; /* security_mmap_addr() without CAP_SYS_RAWIO */
		return (long)addr;
	}
	if (addr) { /* a hint (rounded down, as x86's arch_get_unmapped_area does): taken when free */
		addr = ALIGN_DOWN(addr, PAGE_SIZE);
		if (addr <= USER_TOP - len && range_free(mm, addr, addr + len))
			return (long)addr;
	}
	uint64_t a = vma_find_gap(mm, len, MMAP_MIN_ADDR, mmap_top(mm));
	return a ? (long)a : -ENOMEM;
}
/* LAB(mmap) end */

#define PMD_SIZE (2ul << 20)

/* Linux (6.7+, x86-64, with transparent huge pages built in, as every
 * distribution kernel): a private anonymous mapping without a hint whose
 * length is a multiple of 2 MiB starts on a 2 MiB boundary
 * (thp_get_unmapped_area: search len + 2 MiB top-down, then round up to
 * the boundary, using the upper end when the gap was aligned already).
 * faultline maps 4 KiB pages only, but puts memory where Linux does - and
 * so keeps such regions from merging with the small mappings next to them.
 * 0 when no padded gap exists (the plain search then decides). */
static uint64_t thp_aligned_area(struct mm *mm, uint64_t len)
{
	if (len & (PMD_SIZE - 1) || len > USER_TOP - MMAP_MIN_ADDR - PMD_SIZE)
		return 0;
	uint64_t a = vma_find_gap(mm, len + PMD_SIZE, MMAP_MIN_ADDR, mmap_top(mm));
	if (!a)
		return 0;
	uint64_t up = (0 - a) & (PMD_SIZE - 1);
	return up ? a + up : a + PMD_SIZE;
}

/* ---- removing ---- */

/* LAB(mmap) begin: remove [start, end): split at both ends, take the VMAs out, zap their pages and free the tables, one shootdown, then free */
/* do_munmap; downgrade: munmap(2) itself - once the VMAs are out of the
 * tree, go on under mmap_lock for read (mmap_write_downgrade), and return
 * with it held so (also on failure). */
static int munmap_range(struct mm *mm, uint64_t start, uint64_t end, bool downgrade)
{
	mmap_assert_write_locked(mm);
	struct vma *v = vma_find_next(mm, start);
	int r = 0;
	if (!v || v->start >= end)
		goto out;
	/* Split at both ends first: the only steps that can fail. */
	r = -ENOMEM;
	if (v->start < start && (mm->nvmas >= MAX_MAP_COUNT || !(v = vma_split(mm, v, start))))
		goto out;
	struct vma *last = vma_find(mm, end - 1);
	if (last && last->end > end && !vma_split(mm, last, end))
		goto out;
	struct vma *prev = vma_prev(mm, v);
	LIST_HEAD(gone);
	r = 0;
	while (v && v->start < end) {
		struct vma *next = vma_next(mm, v);
		if ((r = vma_prepare(mm, 1))) /* out of memory: what is removed so far goes */
			break;
		vma_remove(mm, v);
		list_add_tail(&v->node, &gone);
		v = next;
	}
	/* The tables of [floor, ceiling) serve no VMA any more: neighbours
	 * outside it may fault meanwhile, never into it (tlb.c, span_free). */
	uint64_t floor = prev ? prev->end : 0, ceiling = v ? v->start : USER_SPACE_END;
	/* ... and only those under our range lock (mm.lock=range faults take
	 * no mmap_lock: range_mode.h, the table-freeing rule). */
	range_clamp_pgtables(mm, start, end, &floor, &ceiling);
	if (downgrade) {
		mmap_write_downgrade(mm);
		downgrade = false;
	}
	struct mmu_gather tlb;
	tlb_gather_init(&tlb, mm);
	struct list_head *pos, *n;
	list_for_each(pos, &gone) {
		struct vma *g = list_entry(pos, struct vma, node);
		zap_range(&tlb, g->start, g->end);
	}
	free_pgtables(&tlb, start, end, floor, ceiling);
	tlb_finish(&tlb); /* the shootdown; frames and tables freed after it */
	list_for_each_safe(pos, n, &gone) {
		list_del(pos);
		vma_free(list_entry(pos, struct vma, node));
	}
out:
	if (downgrade)
		mmap_write_downgrade(mm);
	return r;
}
/* LAB(mmap) end */

int do_munmap(struct mm *mm, uint64_t start, uint64_t end) { return munmap_range(mm, start, end, false); }

long vm_munmap(struct mm *mm, uint64_t addr, uint64_t len)
{
	if ((addr & (PAGE_SIZE - 1)) || addr > USER_TOP || len > USER_TOP - addr)
		return -EINVAL;
	len = ALIGN_UP(len, PAGE_SIZE);
	if (!len)
		return -EINVAL;
	struct mm_range mr;
	mm_lock_range(mm, &mr, addr, addr + len);
	long r = munmap_range(mm, addr, addr + len, true);
	mmap_read_unlock(mm);
	mm_range_release(mm, &mr);
	return r;
}

/* ---- creating ---- */

/* The checks Linux's do_mmap makes of a file (after the address is chosen). */
static long file_map_check(const struct vm_file *file, unsigned vflags)
{
	if (!file->readable)
		return -EACCES;
	if (!file->can_mmap)
		return -ENODEV;
	if (vflags & VM_GROWSDOWN)
		return -EINVAL;
	return 0;
}

/* Where vm_mmap maps len bytes (the checks and the search of Linux's
 * do_mmap up to get_unmapped_area), with that range write-locked and
 * mmap_lock held for write: the address, or -errno with nothing held.
 * "An mmap into a hole must lock the hole": the hole is found under
 * mmap_lock.  Usually its range is free and a trylock takes it at once
 * (a trylock never waits, so taking it under mmap_lock keeps the order).
 * Otherwise mmap_lock must be dropped to wait for the range (never wait
 * for a range holding mmap_lock), so the hole is checked again once both
 * are held - another writer may have mapped it in between - and searched
 * afresh if it is gone.  MAP_FIXED's range is its arguments: locked first. */
static long mmap_lock_target(struct mm *mm, struct mm_range *mr, uint64_t addr, uint64_t len, unsigned flags,
			     const struct vm_file *file)
{
	if (flags & MAP_FIXED) {
		long r = get_unmapped_area(mm, addr, len, flags); /* arithmetic only */
		if (READ_ONCE(mm->nvmas) > MAX_MAP_COUNT) /* Linux checks the map count first */
			return -ENOMEM;
		if (r < 0)
			return r;
		mm_lock_range(mm, mr, addr, addr + len);
		if (mm->nvmas > MAX_MAP_COUNT) {
			mm_unlock_range(mm, mr);
			return -ENOMEM;
		}
		return (long)addr;
	}
	mmap_write_lock(mm);
	uint64_t held = 0; /* a hole whose range we waited for, mmap_lock dropped meanwhile */
	for (;;) {
		long r = -ENOMEM;
		if (mm->nvmas > MAX_MAP_COUNT)
			goto fail;
		uint64_t at = 0;
		if (!file && (flags & MAP_TYPE) == MAP_PRIVATE && !addr)
			at = thp_aligned_area(mm, len);
		if (!at && (r = get_unmapped_area(mm, addr, len, flags)) < 0)
			goto fail;
		at = at ? at : (uint64_t)r;
		if (held) {
			if (range_free(mm, held, held + len))
				return (long)held;
			mmstat_inc(MMSTAT_RANGE_GAP_RECHECK); /* mapped by another writer while we waited */
			mm_unlock_range(mm, mr);
		} else if (range_write_trylock(&mm->range_locks, &mr->lock[0], at, at + len)) {
			mr->n = 1;
			mm->range_writer = mr;
			return (long)at;
		} else {
			mmap_write_unlock(mm);
		}
		mm_lock_range(mm, mr, at, at + len);
		held = at;
		continue;
fail:
		if (held)
			mm_unlock_range(mm, mr);
		else
			mmap_write_unlock(mm);
		return r;
	}
}

long vm_mmap(struct mm *mm, uint64_t addr, uint64_t len, unsigned prot, unsigned flags, const struct vm_file *file)
{
	if (flags & MAP_FIXED_NOREPLACE)
		flags |= MAP_FIXED;
	if (!len)
		return -EINVAL;
	if (!(flags & MAP_FIXED) && addr && addr < MMAP_MIN_ADDR)
		addr = MMAP_MIN_ADDR; /* round_hint_to_min() */
	len = ALIGN_UP(len, PAGE_SIZE);
	if (!len)
		return -ENOMEM;
	uint64_t pgoff = file ? file->pgoff : 0;
	if (pgoff + (len >> PAGE_SHIFT) < pgoff)
		return -EOVERFLOW;
	struct mm_range mr;
	long r = mmap_lock_target(mm, &mr, addr, len, flags, file);
	if (r < 0)
		return r;
	addr = (uint64_t)r;
	if ((flags & MAP_FIXED_NOREPLACE) && !range_free(mm, addr, addr + len)) {
		r = -EEXIST;
		goto out;
	}
	unsigned vflags = 0;
	if (flags & MAP_GROWSDOWN)
		vflags |= VM_GROWSDOWN;
	switch (flags & MAP_TYPE) {
	case MAP_SHARED:
	case MAP_SHARED_VALIDATE:
		if (!file && (flags & MAP_TYPE) == MAP_SHARED_VALIDATE) {
			r = -EINVAL; /* anonymous memory knows only MAP_SHARED and MAP_PRIVATE */
			goto out;
		}
		if ((flags & MAP_TYPE) == MAP_SHARED_VALIDATE && (flags & ~LEGACY_MAP_MASK)) {
			r = -EOPNOTSUPP;
			goto out;
		}
		if (file && (prot & PROT_WRITE) && !file->writable) {
			r = -EACCES;
			goto out;
		}
		vflags |= VM_SHARED;
		if (file && !file->writable)
			vflags |= VM_NOWRITE;
		if (!file) {
			if (vflags & VM_GROWSDOWN) {
				r = -EINVAL;
				goto out;
			}
			break;
		}
		__attribute__((fallthrough)); /* a file needs what a private mapping needs */
	case MAP_PRIVATE:
		if (file && (r = file_map_check(file, vflags)))
			goto out;
		break;
	default:
		r = -EINVAL;
		goto out;
	}
	r = -ENOMEM;
	struct vma *v = vma_new(addr, addr + len, prot, vflags);
	if (!v)
		goto out;
	if (file) {
		/* A shared mapping of a read-only initramfs file can never be
		 * written: a private copy of the bytes is indistinguishable. */
		uint64_t off = pgoff << PAGE_SHIFT;
		v->flags |= VM_FILE;
		v->pgoff = pgoff;
		v->file_data = file->data + MIN(off, file->size);
		v->file_size = file->size > off ? file->size - off : 0;
		v->file_ino = file->ino;
		if (file->path && !(v->file_path = kstrdup_abs(file->path)))
			goto fail;
	} else if (vflags & VM_SHARED) {
		v->pgoff = 0;
		if (!(v->shm = shmem_create(len >> PAGE_SHIFT)))
			goto fail;
	}
	if (flags & MAP_FIXED) {
		vma_replace_begin(mm);
		if ((r = do_munmap(mm, addr, addr + len)))
			goto fail;
	}
	if ((r = vma_insert(mm, v)))
		goto fail;
	vma_merge_neighbours(mm, v);
	r = (long)addr;
	goto out;
fail:
	vma_free(v);
out:
	mm_unlock_range(mm, &mr); /* before MAP_POPULATE's faults: they read-lock these pages */
	if (r >= 0 && (flags & MAP_POPULATE) && (prot & (PROT_READ | PROT_WRITE | PROT_EXEC)))
		for (uint64_t a = (uint64_t)r; a < (uint64_t)r + len; a += PAGE_SIZE)
			if (mm_fault(mm, a, (prot & PROT_WRITE) ? FAULT_WRITE : FAULT_READ))
				break;
	return r;
}

void vm_mark_stack(struct mm *mm, uint64_t addr)
{
	mmap_write_lock(mm);
	struct vma *v = vma_find(mm, addr);
	if (v) {
		vma_start_write(v);
		vma_seq_begin(v);
		WRITE_ONCE(v->flags, v->flags | VM_STACK | VM_GROWSDOWN); /* it grows down on faults below it (fault.c) */
		vma_seq_end(v);
	}
	mmap_write_unlock(mm);
}

/* ---- brk ---- */

void vm_set_brk_base(struct mm *mm, uint64_t base) { mm->brk_start = mm->brk = base; }

/* brk's range: between the current break (read with no lock, checked
 * again under mmap_lock) and the new one - at least a page. */
static uint64_t brk_lock(struct mm *mm, struct mm_range *mr, uint64_t brk)
{
	for (;;) {
		uint64_t old_end = ALIGN_UP(READ_ONCE(mm->brk), PAGE_SIZE), new_end = ALIGN_UP(brk, PAGE_SIZE);
		if (brk < READ_ONCE(mm->brk_start) || brk > USER_TOP)
			new_end = old_end; /* a query (brk(0)) or refused: changes nothing */
		uint64_t lo = MIN(old_end, new_end), hi = MAX(old_end, new_end);
		mm_lock_range(mm, mr, lo, MAX(hi, lo + PAGE_SIZE));
		if (ALIGN_UP(mm->brk, PAGE_SIZE) == old_end)
			return old_end;
		mm_unlock_range(mm, mr); /* another thread's brk moved it: lock the new span */
	}
}

long vm_brk(struct mm *mm, uint64_t brk)
{
	struct mm_range mr;
	uint64_t old_end = brk_lock(mm, &mr, brk), new_end = ALIGN_UP(brk, PAGE_SIZE);
	if (brk < mm->brk_start || brk > USER_TOP)
		goto out;
	if (new_end == old_end) {
		mm->brk = brk;
	} else if (brk <= mm->brk) { /* shrink */
		if (do_munmap(mm, new_end, old_end) == 0)
			mm->brk = brk;
	} else {
		/* grow: a page of room must stay below the next mapping */
		struct vma *next = vma_find_next(mm, old_end);
		if (next && new_end + PAGE_SIZE > next->start)
			goto out;
		struct vma *v = old_end > mm->brk_start ? vma_find(mm, old_end - 1) : NULL;
		if (v && (v->flags & VM_HEAP) && v->end == old_end) {
			if (vma_set_range(mm, v, v->start, new_end))
				goto out;
		} else {
			struct vma *n = vma_new(old_end, new_end, PROT_READ | PROT_WRITE, VM_HEAP);
			if (!n)
				goto out;
			if (vma_insert(mm, n)) {
				vma_free(n);
				goto out;
			}
		}
		mm->brk = brk;
	}
out:
	brk = mm->brk;
	mm_unlock_range(mm, &mr);
	return (long)brk;
}

/* ---- system calls ---- */

static long sys_mmap(uint64_t addr, uint64_t len, unsigned long prot, unsigned long flags, int fd, uint64_t off)
{
	if (off & (PAGE_SIZE - 1))
		return -EINVAL;
	if (flags & MAP_ANONYMOUS)
		return vm_mmap(current->proc->mm, addr, len, (unsigned)prot, (unsigned)flags, NULL);
	struct file *f = fd_get(fd);
	if (!f)
		return -EBADF;
	/* open(2)'s access mode: O_RDONLY 0, O_WRONLY 1, O_RDWR 2 */
	unsigned acc = f->flags & O_ACCMODE;
	struct vm_file vf = { .pgoff = off >> PAGE_SHIFT, .readable = acc != O_WRONLY, .writable = acc != O_RDONLY,
			      .can_mmap = f->ops->mmap != NULL };
	if (f->ops->mmap)
		f->ops->mmap(f, &vf);
	long r = vm_mmap(current->proc->mm, addr, len, (unsigned)prot, (unsigned)flags, &vf);
	file_put(f);
	return r;
}

static long sys_munmap(uint64_t addr, uint64_t len) { return vm_munmap(current->proc->mm, addr, len); }
static long sys_brk(uint64_t brk) { return vm_brk(current->proc->mm, brk); }

SYSCALL(mmap, sys_mmap);
SYSCALL(munmap, sys_munmap);
SYSCALL(brk, sys_brk);
