/* mmap.c - changing an address space: mmap, munmap, mprotect, brk,
 * madvise.  Every change holds mmap_lock for write; page-table entries are
 * cleared or changed under pt_lock and shot down from the CPUs running the
 * mm before frames are freed (pgtable.c).  Arguments are checked in the
 * order Linux checks them, so the same bad call fails with the same errno. */
#include "mm/mm.h"
#include "mm/mmap_lock.h"
#include "kernel/errno.h"
#include "kernel/file.h"
#include "kernel/proc.h"
#include "kernel/string.h"
#include "kernel/syscall.h"
#include "mm/slab.h"

#define MMAP_MIN_ADDR 0x10000ul /* vm.mmap_min_addr: the lowest address mmap hands out */
#define MADV_NORMAL 0
#define MADV_RANDOM 1
#define MADV_SEQUENTIAL 2
#define MADV_WILLNEED 3
#define MADV_DONTNEED 4
#define MADV_FREE 8

static struct vma *vma_new(uint64_t start, uint64_t end, unsigned prot, unsigned flags)
{
	struct vma *v = kzalloc(sizeof(*v));
	if (v) {
		v->start = start;
		v->end = end;
		v->prot = prot;
		v->flags = flags;
		list_init(&v->node);
	}
	return v;
}

/* Split v at addr (start < addr < end): v keeps [start, addr), the new VMA
 * (returned, inserted) gets [addr, end).  NULL when out of memory. */
static struct vma *vma_split(struct mm *mm, struct vma *v, uint64_t addr)
{
	struct vma *n = vma_new(addr, v->end, v->prot, v->flags);
	if (!n)
		return NULL;
	uint64_t off = addr - v->start;
	if (v->flags & VM_FILE) {
		n->file_data = v->file_data + off;
		n->file_size = v->file_size > off ? v->file_size - off : 0;
	}
	v->end = addr;
	vma_insert(mm, n);
	return n;
}

/* Make [start, end) a union of whole VMAs (splitting at both ends). */
static int split_range(struct mm *mm, uint64_t start, uint64_t end)
{
	struct vma *v = vma_find(mm, start);
	if (v && v->start < start && !vma_split(mm, v, start))
		return -ENOMEM;
	v = vma_find(mm, end - 1);
	if (v && v->end > end && !vma_split(mm, v, end))
		return -ENOMEM;
	return 0;
}

/* Remove every mapping in [start, end); mmap_lock held for write. */
static int do_munmap(struct mm *mm, uint64_t start, uint64_t end)
{
	int r = split_range(mm, start, end);
	if (r)
		return r;
	struct vma *v = vma_find_next(mm, start);
	while (v && v->start < end) {
		struct vma *next = v->node.next == &mm->vmas ? NULL : list_entry(v->node.next, struct vma, node);
		vma_remove(mm, v);
		kfree(v);
		v = next;
	}
	unmap_range(mm, start, end);
	return 0;
}

static bool range_free(struct mm *mm, uint64_t start, uint64_t end)
{
	struct vma *v = vma_find_next(mm, start);
	return !v || v->start >= end;
}

long vm_mmap(struct mm *mm, uint64_t addr, uint64_t len, unsigned prot, unsigned flags, const uint8_t *file_data,
	     uint64_t file_size)
{
	if (!len)
		return -EINVAL;
	len = ALIGN_UP(len, PAGE_SIZE);
	if (!len || len > USER_TOP)
		return -ENOMEM;
	bool fixed = flags & (MAP_FIXED | MAP_FIXED_NOREPLACE);
	if (fixed && (addr & (PAGE_SIZE - 1)))
		return -EINVAL;
	mmap_write_lock(mm);
	long r;
	if (fixed) {
		if (addr > USER_TOP - len) {
			r = -ENOMEM;
			goto out;
		}
		if (addr < MMAP_MIN_ADDR) {
			r = -EPERM;
			goto out;
		}
		if ((flags & MAP_FIXED_NOREPLACE) && !(flags & MAP_FIXED) && !range_free(mm, addr, addr + len)) {
			r = -EEXIST;
			goto out;
		}
	} else {
		uint64_t hint = ALIGN_UP(addr, PAGE_SIZE);
		if (hint && hint >= MMAP_MIN_ADDR && hint <= USER_TOP - len && range_free(mm, hint, hint + len))
			addr = hint;
		else if (!(addr = vma_find_gap(mm, len, MMAP_MIN_ADDR, mm->mmap_base ? mm->mmap_base : USER_TOP))) {
			r = -ENOMEM;
			goto out;
		}
	}
	unsigned vflags = (flags & MAP_TYPE) == MAP_SHARED ? VM_SHARED : 0;
	if (file_data)
		vflags |= VM_FILE;
	if (flags & MAP_GROWSDOWN)
		vflags |= VM_STACK;
	struct vma *v = vma_new(addr, addr + len, prot, vflags);
	if (!v) {
		r = -ENOMEM;
		goto out;
	}
	v->file_data = file_data;
	v->file_size = file_size;
	if (fixed && (r = do_munmap(mm, addr, addr + len))) {
		kfree(v);
		goto out;
	}
	vma_insert(mm, v);
	r = (long)addr;
out:
	mmap_write_unlock(mm);
	if (r > 0 && (flags & MAP_POPULATE))
		for (uint64_t a = (uint64_t)r; a < (uint64_t)r + len; a += PAGE_SIZE)
			if (mm_fault(mm, a, (prot & PROT_WRITE) ? FAULT_WRITE : FAULT_READ))
				break;
	return r;
}

long vm_munmap(struct mm *mm, uint64_t addr, uint64_t len)
{
	if ((addr & (PAGE_SIZE - 1)) || addr > USER_TOP || len > USER_TOP - addr)
		return -EINVAL;
	len = ALIGN_UP(len, PAGE_SIZE);
	if (!len)
		return -EINVAL;
	mmap_write_lock(mm);
	long r = do_munmap(mm, addr, addr + len);
	mmap_write_unlock(mm);
	return r;
}

/* Is [start, end) covered by VMAs without holes? */
static bool range_mapped(struct mm *mm, uint64_t start, uint64_t end)
{
	uint64_t a = start;
	for (struct vma *v = vma_find(mm, a); v && a < end; v = vma_find(mm, a)) {
		a = v->end;
	}
	return a >= end;
}

long vm_mprotect(struct mm *mm, uint64_t addr, uint64_t len, unsigned prot)
{
	if (addr & (PAGE_SIZE - 1))
		return -EINVAL;
	if (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC | 0x01000000 /* GROWSDOWN */ | 0x02000000 /* GROWSUP */))
		return -EINVAL;
	prot &= PROT_READ | PROT_WRITE | PROT_EXEC;
	if (len > USER_TOP)
		return -ENOMEM;
	uint64_t end = addr + ALIGN_UP(len, PAGE_SIZE);
	if (end < addr)
		return -ENOMEM;
	if (end == addr)
		return 0;
	mmap_write_lock(mm);
	long r = -ENOMEM;
	if (!range_mapped(mm, addr, end))
		goto out;
	if ((r = split_range(mm, addr, end)))
		goto out;
	for (struct vma *v = vma_find(mm, addr); v && v->start < end; v = vma_find(mm, v->end))
		v->prot = prot;
	change_prot_range(mm, addr, end, prot);
	r = 0;
out:
	mmap_write_unlock(mm);
	return r;
}

void vm_set_brk_base(struct mm *mm, uint64_t base)
{
	mm->brk_start = mm->brk = base;
}

long vm_brk(struct mm *mm, uint64_t brk)
{
	mmap_write_lock(mm);
	uint64_t old = mm->brk;
	uint64_t old_end = ALIGN_UP(old, PAGE_SIZE), new_end = ALIGN_UP(brk, PAGE_SIZE);
	if (brk < mm->brk_start || brk > USER_TOP)
		goto out;
	if (new_end < old_end) {
		if (do_munmap(mm, new_end, old_end))
			goto out;
	} else if (new_end > old_end) {
		if (!range_free(mm, old_end, new_end))
			goto out;
		struct vma *v = vma_find(mm, old_end - 1);
		if (v && (v->flags & VM_HEAP) && v->end == old_end) {
			v->end = new_end; /* grow the heap VMA */
		} else {
			struct vma *n = vma_new(old_end, new_end, PROT_READ | PROT_WRITE, VM_HEAP);
			if (!n)
				goto out;
			vma_insert(mm, n);
		}
	}
	mm->brk = brk;
out:
	brk = mm->brk;
	mmap_write_unlock(mm);
	return (long)brk;
}

long vm_madvise(struct mm *mm, uint64_t addr, uint64_t len, int advice)
{
	if (addr & (PAGE_SIZE - 1))
		return -EINVAL;
	switch (advice) {
	case MADV_NORMAL: case MADV_RANDOM: case MADV_SEQUENTIAL: case MADV_WILLNEED:
	case MADV_DONTNEED: case MADV_FREE:
		break;
	default:
		return -EINVAL;
	}
	uint64_t end = addr + ALIGN_UP(len, PAGE_SIZE);
	if (end < addr)
		return -EINVAL;
	if (end == addr)
		return 0;
	mmap_read_lock(mm);
	long r = range_mapped(mm, addr, end) ? 0 : -ENOMEM;
	if (advice == MADV_DONTNEED || advice == MADV_FREE) {
		/* Drop the pages in the mapped parts: the next access sees zeros
		 * (or the file's bytes) again. */
		for (struct vma *v = vma_find_next(mm, addr); v && v->start < end; v = vma_find_next(mm, v->end))
			unmap_range(mm, MAX(v->start, addr), MIN(v->end, end));
	}
	mmap_read_unlock(mm);
	return r;
}

/* ---- system calls ---- */

static long sys_mmap(uint64_t addr, uint64_t len, unsigned long prot, unsigned long flags, int fd, uint64_t off)
{
	if (off & (PAGE_SIZE - 1))
		return -EINVAL;
	unsigned type = flags & MAP_TYPE;
	if (type != MAP_SHARED && type != MAP_PRIVATE && type != MAP_SHARED_VALIDATE)
		return -EINVAL;
	if (prot & ~(unsigned long)(PROT_READ | PROT_WRITE | PROT_EXEC))
		return -EINVAL;
	if (!len)
		return -EINVAL;
	if (!(flags & MAP_ANONYMOUS)) {
		/* Read-only private mappings of initramfs files: the memory-manager
		 * issue adds them; until then only anonymous memory. */
		struct file *f = fd_get(fd);
		if (!f)
			return -EBADF;
		file_put(f);
		return -ENODEV;
	}
	return vm_mmap(current->proc->mm, addr, len, (unsigned)prot, (unsigned)flags, NULL, 0);
}

static long sys_munmap(uint64_t addr, uint64_t len) { return vm_munmap(current->proc->mm, addr, len); }
static long sys_mprotect(uint64_t addr, uint64_t len, unsigned long prot)
{
	return vm_mprotect(current->proc->mm, addr, len, (unsigned)prot);
}
static long sys_brk(uint64_t brk) { return vm_brk(current->proc->mm, brk); }
static long sys_madvise(uint64_t addr, uint64_t len, int advice)
{
	return vm_madvise(current->proc->mm, addr, len, advice);
}

SYSCALL(mmap, sys_mmap);
SYSCALL(munmap, sys_munmap);
SYSCALL(mprotect, sys_mprotect);
SYSCALL(brk, sys_brk);
SYSCALL(madvise, sys_madvise);
