/* fault.c - the page-fault handler for user addresses.
 *
 * 0''. mm.lock=range: the page's range read lock, then the VMA read with
 *    no other lock as a vm_seq reader (range_mode.c), steps 2-4 under
 *    the range lock; no VMA there: step 1.
 * 0'. mm.lock=spf: no lock on the VMA at all; speculate and validate a
 *    sequence count under the PTE lock (spf.c), falling back to step 1.
 * 0. mm.lock=vma: find the VMA with no lock at all, under an epoch, and
 *    take its read lock (lock_vma_under_epoch, vma_lock.c); the access
 *    check and steps 2-4 run under that lock alone and mmap_lock is never
 *    touched.  When that fails - no VMA there, the VMA write-locked or
 *    changed meanwhile - the fault falls back to step 1, which decides
 *    (SIGSEGV, a growing stack).
 * 1. mmap_lock for read (mm.lock=global: always); find the VMA, or grow a
 *    stack down to the address (vm_expand_stack, under mmap_lock for WRITE:
 *    never change the tree under a read lock - StackRot, CVE-2023-3269);
 *    check the access against its prot
 *    (-EFAULT: no VMA, SEGV_MAPERR; -EACCES: not allowed, SEGV_ACCERR).
 * 2. A PTE already there (a lockless peek, confirmed under its split lock)
 *    means the TLB was stale - e.g. another CPU's after an mprotect that
 *    gave more rights: flush this address here and retry the access -
 *    unless it is a write to a read-only PTE of a private writable VMA: a
 *    page fork shared copy-on-write, copied or reused by cow_fault (cow.c).
 * 3. Get the page with no spinlock held - the slow part, done in parallel
 *    by faulting threads: zeroed (anonymous), a copy of the file's bytes
 *    (file mappings), or the shared object's page (MAP_SHARED anonymous).
 * 4. Walk the page tables, allocating missing levels (pgtable.c), take the
 *    split lock of the last-level table and install the PTE - unless
 *    another thread installed one first: then the spare page goes back and
 *    the fault counts as done (the retried access uses the winner's page).
 * Faults from user mode and from the kernel's user copies come here
 * (arch/x86_64/traps.c); docs/mm.md follows one through. */
#include "mm/mm.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/x86.h"
#include "kernel/atomic.h"
#include "kernel/errno.h"
#include "kernel/lib/string.h"
#include "mm/cow.h"
#include "mm/fault_internal.h"
#include "mm/frame.h"
#include "mm/mmap_lock.h"
#include "mm/mmap_internal.h"
#include "mm/mmstat.h"
#include "mm/range_mode.h"
#include "mm/vma_lock.h"
#include "mm/shmem.h"

/* LAB(fault) begin: does v's prot allow the access; a fresh page for page_va of v (zeroed, the file's bytes, or the shared object's); a page back */
bool fault_access_ok(const struct vma *v, unsigned access)
{
	if (access & FAULT_WRITE)
		return v->prot & PROT_WRITE;
	if (access & FAULT_EXEC)
		return v->prot & PROT_EXEC;
	return v->prot & (PROT_READ | PROT_WRITE | PROT_EXEC);
}

int fault_get_page(const struct vma *v, uint64_t page_va, phys_addr_t *pa)
{
	uint64_t off = page_va - v->start;
	if (v->shm)
		return shmem_page(v->shm, v->pgoff + (off >> PAGE_SHIFT), pa);
	bool has_file = (v->flags & VM_FILE) && off < v->file_size;
	uint8_t *page = page_alloc(0, !has_file);
	if (!page)
		return -ENOMEM;
	if (has_file) {
		size_t n = MIN(PAGE_SIZE, v->file_size - off);
		memcpy(page, v->file_data + off, n);
		memset(page + n, 0, PAGE_SIZE - n);
	}
	*pa = virt_to_phys(page);
	phys_to_page(*pa)->mapcount = 1;
	return 0;
}

void fault_put_page(phys_addr_t pa)
{
	if (user_page_unmap(pa))
		frame_free(phys_to_page(pa), 0);
}
/* LAB(fault) end */

/* What a fault finds at va before getting a page (pte_present_already). */
enum pte_found {
	PTE_NONE,  /* nothing: get a page (step 3) */
	PTE_STALE, /* a PTE that allows the access: a stale TLB entry, flushed */
	PTE_COW,   /* a write to a read-only page of a private writable VMA: break COW */
};

/* Is there already a PTE for va?  Then handle the fault without a page.
 * access was checked against v->prot. */
static enum pte_found pte_present_already(struct mm *mm, const struct vma *v, uint64_t va, unsigned access)
{
	uint64_t *table = pt_table(mm, va, false);
	if (!table || !pte_has_frame(READ_ONCE(table[PT_INDEX(va)])))
		return PTE_NONE;
	struct spinlock *ptl;
	uint64_t *pte = pte_offset_lock(mm, va, false, &ptl);
	uint64_t e = *pte;
	enum pte_found found = pte_has_frame(e) ? PTE_STALE : PTE_NONE;
	if (found && !(e & PTE_P)) { /* PROT_NONE kept the frame; the VMA allows access again */
		e = (e & PTE_ADDR_MASK) | cow_pte_bits(v->flags, v->prot, e & PTE_ADDR_MASK);
		WRITE_ONCE(*pte, e);
	}
	if (found && (access & FAULT_WRITE) && !(e & PTE_W) && !(v->flags & VM_SHARED))
		found = PTE_COW; /* (access_ok: the VMA is writable) */
	pte_unlock(ptl);
	if (found == PTE_STALE) {
		invlpg(va); /* a stale entry of this CPU's TLB */
		mmstat_inc(MMSTAT_FAULT_SPURIOUS);
	}
	return found;
}

/* LAB(fault) begin: steps 2-4: a PTE already there, else get a page with no lock held, install it under the split lock - or lose the race */
/* Steps 2-4 for an address in v, which cannot change meanwhile (the
 * caller holds its read lock or mmap_lock), or a snapshot of v that stays
 * right for va while the caller holds va's range lock (range_mode.c). */
int fault_in_page(struct mm *mm, const struct vma *v, uint64_t va, unsigned access)
{
	switch (pte_present_already(mm, v, va, access)) {
	case PTE_STALE:
		return 0;
	case PTE_COW:
		return cow_fault(mm, v, va);
	case PTE_NONE:
		break;
	}
	phys_addr_t pa;
	int r = fault_get_page(v, va, &pa);
	struct spinlock *ptl;
	uint64_t *pte = r ? NULL : pte_offset_lock(mm, va, true, &ptl);
	if (!r && !pte) {
		fault_put_page(pa);
		r = -ENOMEM;
	} else if (pte && pte_has_frame(*pte)) { /* another thread won */
		pte_unlock(ptl);
		fault_put_page(pa);
		mmstat_inc(MMSTAT_FAULT_RACE);
	} else if (pte) {
		WRITE_ONCE(*pte, pa | prot_to_pte(v->prot));
		pte_unlock(ptl);
		fetch_add_relaxed(&mm->rss_pages, 1);
		mmstat_inc(v->flags & VM_FILE ? MMSTAT_FAULT_FILE : MMSTAT_FAULT_ANON);
	}
	if (r == -ENOMEM)
		mmstat_inc(MMSTAT_FAULT_OOM);
	return r;
}
/* LAB(fault) end */

/* Linux's stack_guard_gap (256 pages). */
#define STACK_GUARD_GAP (256 * PAGE_SIZE)

/* May the grows-down VMA v be extended down to cover addr? */
static bool stack_can_grow(struct mm *mm, const struct vma *v, uint64_t addr)
{
	if (!v || !(v->flags & VM_GROWSDOWN) || addr >= v->start)
		return false;
	uint64_t start = ALIGN_DOWN(addr, PAGE_SIZE);
	if (start < MMAP_MIN_ADDR || v->end - start > STACK_RLIMIT)
		return false;
	struct vma *prev = vma_find_prev(mm, v->start);
	/* Linux's expand_downwards: a gap below, unless the neighbour is
	 * another stack or inaccessible (PROT_NONE) */
	return !prev || (prev->flags & VM_GROWSDOWN) || !prev->prot || start - prev->end >= STACK_GUARD_GAP;
}

int vm_expand_stack(struct mm *mm, uint64_t addr)
{
	/* Growth maps the hole [start, v->start): lock it first, as every
	 * mapping into a hole must.  The stack that may grow ends at most
	 * STACK_RLIMIT above start (stack_can_grow), so this range covers the
	 * hole whatever the stack's start is now. */
	uint64_t start = ALIGN_DOWN(addr, PAGE_SIZE);
	struct mm_range mr;
	mm_lock_range(mm, &mr, start, start + STACK_RLIMIT);
	struct vma *v = vma_find_next(mm, addr);
	int r = 0;
	if (vma_find(mm, addr)) {
		/* grown meanwhile (another thread's fault) */
	} else if (!stack_can_grow(mm, v, addr)) {
		r = -ENOMEM;
	} else if (!(r = vma_prepare(mm, 1))) {
		vma_grow_down(mm, v, start);
		mmstat_inc(MMSTAT_FAULT_STACK_GROW);
	}
	mm_unlock_range(mm, &mr);
	return r;
}

/* LAB(fault) begin: under mmap_lock for read: find the VMA (or grow a stack), check the access (-EFAULT, -EACCES), fault the page in */
/* The fault under mmap_lock: mm.lock=global always, the other modes when
 * their own way could not do it. */
int fault_locked(struct mm *mm, uint64_t addr, unsigned access)
{
	mmap_read_lock(mm);
	struct vma *v = vma_find(mm, addr);
	if (!v && stack_can_grow(mm, vma_find_next(mm, addr), addr)) {
		mmap_read_unlock(mm);
		vm_expand_stack(mm, addr); /* (on failure the lookup below fails too) */
		mmap_read_lock(mm);
		v = vma_find(mm, addr);
	}
	int r;
	if (!v) {
		mmstat_inc(MMSTAT_FAULT_SEGV_MAPERR);
		r = -EFAULT;
	} else if (!fault_access_ok(v, access)) {
		mmstat_inc(MMSTAT_FAULT_SEGV_ACCERR);
		r = -EACCES;
	} else {
		r = fault_in_page(mm, v, ALIGN_DOWN(addr, PAGE_SIZE), access);
	}
	mmap_read_unlock(mm);
	return r;
}
/* LAB(fault) end */

int mm_fault(struct mm *mm, uint64_t addr, unsigned access)
{
	mmstat_inc(MMSTAT_FAULT);
	fetch_add_relaxed(&mm->faults, 1);
	enum mm_lock_mode mode = READ_ONCE(mm_lock_mode); /* read once: one mode's rules throughout */
	if (mode == MM_LOCK_GLOBAL) {
		mmstat_inc(MMSTAT_FAULT_GLOBAL);
		return fault_locked(mm, addr, access);
	}
	if (mode == MM_LOCK_RANGE) {
		mmstat_inc(MMSTAT_FAULT_RANGE);
		return range_fault(mm, addr, access);
	}
	if (mode == MM_LOCK_SPF) {
		mmstat_inc(MMSTAT_FAULT_SPF);
		return spf_fault(mm, addr, access) ? 0 : fault_locked(mm, addr, access);
	}
	struct vma *v = lock_vma_under_epoch(mm, addr);
	if (!v) {
		mmstat_inc(MMSTAT_FAULT_FALLBACK);
		return fault_locked(mm, addr, access);
	}
	int r;
	if (fault_access_ok(v, access)) {
		r = fault_in_page(mm, v, ALIGN_DOWN(addr, PAGE_SIZE), access);
	} else {
		/* As Linux: a VMA that exists but forbids the access is
		 * SEGV_ACCERR, decided under its lock (it cannot grow). */
		mmstat_inc(MMSTAT_FAULT_SEGV_ACCERR);
		r = -EACCES;
	}
	vma_end_read(v);
	mmstat_inc(MMSTAT_FAULT_VMA);
	return r;
}

int mm_shared_page(struct mm *mm, uint64_t addr, phys_addr_t *pa)
{
	mmap_read_lock(mm);
	struct vma *v = vma_find(mm, addr);
	bool shared = v && (v->flags & VM_SHARED);
	mmap_read_unlock(mm);
	if (!shared)
		return 0;
	for (;;) {
		mmap_read_lock(mm);
		struct spinlock *ptl;
		uint64_t *pte = pte_offset_lock(mm, addr, false, &ptl);
		phys_addr_t p = 0;
		if (pte) {
			p = *pte & PTE_P ? *pte & PTE_ADDR_MASK : 0;
			pte_unlock(ptl);
		}
		mmap_read_unlock(mm);
		if (p) {
			*pa = p | (addr & (PAGE_SIZE - 1));
			return 1;
		}
		if (mm_fault(mm, addr, FAULT_READ))
			return -EFAULT;
	}
}
