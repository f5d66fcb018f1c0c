/* fault.c - the page-fault handler for user addresses (mm.lock=global).
 *
 * 1. mmap_lock for read; find the VMA; check the access against its prot.
 * 2. Allocate the page and fill it (zeros, or the file's bytes) with no
 *    lock but mmap_lock held - the slow part, done in parallel by faulting
 *    threads.
 * 3. Under pt_lock, allocate missing page-table levels and install the PTE
 *    - unless another thread installed one first: then the spare page is
 *    freed and the fault counts as done.
 * Faults from user mode and from the kernel's user copies come here
 * (traps.c). */
#include "mm/mm.h"
#include "mm/mmap_lock.h"
#include "arch/x86_64/paging.h"
#include "kernel/atomic.h"
#include "kernel/errno.h"
#include "kernel/string.h"
#include "mm/frame.h"
#include "mm/shmem.h"

static bool access_ok(const struct vma *v, unsigned access)
{
	if (access & FAULT_WRITE)
		return v->prot & PROT_WRITE;
	if (access & FAULT_EXEC)
		return v->prot & PROT_EXEC;
	return v->prot & (PROT_READ | PROT_WRITE | PROT_EXEC);
}

/* A new page for addr in v: the file's bytes there, zeros elsewhere. */
static void *fill_page(const struct vma *v, uint64_t page_va)
{
	uint64_t off = page_va - v->start;
	bool has_file = (v->flags & VM_FILE) && off < v->file_size;
	uint8_t *page = page_alloc(0, !has_file);
	if (page && has_file) {
		size_t n = MIN(PAGE_SIZE, v->file_size - off);
		memcpy(page, v->file_data + off, n);
		memset(page + n, 0, PAGE_SIZE - n);
	}
	return page;
}

int mm_fault(struct mm *mm, uint64_t addr, unsigned access)
{
	fetch_add_relaxed(&mm->faults, 1);
	mmap_read_lock(mm);
	struct vma *v = vma_find(mm, addr);
	int r = 0;
	if (!v) {
		r = -EFAULT;
		goto out;
	}
	if (!access_ok(v, access)) {
		r = -EACCES;
		goto out;
	}
	uint64_t va = ALIGN_DOWN(addr, PAGE_SIZE);
	void *page;
	if (v->shm) { /* the shared object's page, its mapcount already raised for us */
		phys_addr_t pa;
		r = shmem_page(v->shm, v->pgoff + ((va - v->start) >> PAGE_SHIFT), &pa);
		if (r) {
			goto out;
		}
		page = phys_to_virt(pa);
	} else {
		page = fill_page(v, va);
	}
	if (!page) {
		r = -ENOMEM;
		goto out;
	}
	spin_lock(&mm->pt_lock);
	uint64_t *pte = pte_lookup(mm, va, true);
	if (!pte) {
		r = -ENOMEM;
	} else if (*pte & PTE_P) {
		/* Another thread won, or the TLB was stale (e.g. after mprotect
		 * gave more rights): the PTE is right, the access is retried. */
		pte = NULL;
	} else {
		if (!v->shm)
			phys_to_page(virt_to_phys(page))->mapcount = 1;
		*pte = virt_to_phys(page) | prot_to_pte(v->prot);
		fetch_add_relaxed(&mm->rss_pages, 1);
		page = NULL;
	}
	spin_unlock(&mm->pt_lock);
	if (page && v->shm)
		shmem_page_put(virt_to_phys(page)); /* lost the race: drop our reference */
	else if (page)
		page_free(page, 0);
out:
	mmap_read_unlock(mm);
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
		spin_lock(&mm->pt_lock);
		uint64_t *pte = pte_lookup(mm, addr, false);
		phys_addr_t p = pte && (*pte & PTE_P) ? *pte & PTE_ADDR_MASK : 0;
		spin_unlock(&mm->pt_lock);
		if (p) {
			*pa = p | (addr & (PAGE_SIZE - 1));
			return 1;
		}
		if (mm_fault(mm, addr, FAULT_READ))
			return -EFAULT;
	}
}
