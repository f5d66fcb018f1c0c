/* mm.c - creating, switching and destroying address spaces, and writing
 * into one that is not loaded (exec). */
#include "mm/mm.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/x86.h"
#include "kernel/assert.h"
#include "kernel/atomic.h"
#include "kernel/lib/cmdline.h"
#include "kernel/printk.h"
#include "kernel/lib/string.h"
#include "kernel/errno.h"
#include "kernel/percpu.h"
#include "mm/frame.h"
#include "mm/mmap_lock.h"
#include "mm/slab.h"

enum mm_lock_mode mm_lock_mode = MM_LOCK_VMA;
bool mm_debug;

static const struct {
	const char *name, *what;
} lock_modes[] = {
	[MM_LOCK_GLOBAL] = { "global", "every fault takes mmap_lock for read" },
	[MM_LOCK_VMA] = { "vma", "faults take a per-VMA read lock under an epoch; mmap_lock only to fall back" },
	[MM_LOCK_SPF] = { "spf", "faults speculate with no VMA lock and validate a per-VMA sequence count "
				 "under the PTE lock; mmap_lock only to fall back" },
	[MM_LOCK_RANGE] = { "range", "faults read-lock their page in a range lock and read the VMA as a "
				     "seqcount reader; writers range-lock what they change; mmap_lock only to fall back" },
};

const char *mm_lock_mode_name(void) { return lock_modes[READ_ONCE(mm_lock_mode)].name; }

/* The mode called name, or -1. */
static int lock_mode_of(const char *name)
{
	for (unsigned i = 0; i < ARRAY_SIZE(lock_modes); i++)
		if (!strcmp(name, lock_modes[i].name))
			return (int)i;
	return -1;
}

int mm_set_lock_mode(const char *name)
{
	int i = lock_mode_of(name);
	if (i < 0)
		return -EINVAL;
	/* Safe at any moment: each fault reads the mode once and follows one
	 * mode's rules to the end, and writers do the same work in every mode
	 * - mmap_lock for write, vma_start_write on every VMA they change
	 * (which is both the VMA write lock that global and vma faults are
	 * excluded by, and the vm_lock_seq change a speculative fault
	 * validates against), and page tables unlinked under their split lock
	 * and freed after a grace period.  So a global, a vma and an spf fault
	 * running side by side each see a writer exactly as they would in a
	 * boot of their own mode: no writer's protocol depends on the mode,
	 * and no fault's correctness depends on what the other faults do
	 * (they meet only at the PTE split lock, where each re-checks the PTE
	 * it installs into).
	 * mm.lock=range adds one lock and keeps the argument: writers take
	 * their range lock in every mode (before mmap_lock; range_mode.h), and
	 * bracket every change of a published VMA's fields with vm_seq, so a
	 * range fault - which trusts only its page's range lock and a vm_seq
	 * snapshot - is excluded from every writer that could change its
	 * page, whatever mode the writer started in; and a range fault does
	 * nothing the others must know of: it installs under the PTE lock
	 * like them, allocates tables as they do, and unlinks nothing.  The
	 * writers' range locks cost the other modes one uncontended lock and
	 * unlock per call. */
	WRITE_ONCE(mm_lock_mode, (enum mm_lock_mode)i);
	printk(KERN_WARNING "mm: mm.lock=%s (%s; switched at run time)\n", lock_modes[i].name, lock_modes[i].what);
	return 0;
}

void mm_init(void)
{
	const char *mode = cmdline_get("mm.lock");
	int i = mode ? lock_mode_of(mode) : -1;
	if (i >= 0)
		mm_lock_mode = (enum mm_lock_mode)i;
	else if (mode)
		printk(KERN_WARNING "mm: mm.lock=%s is not a lock mode this kernel has; using %s\n", mode,
		       lock_modes[mm_lock_mode].name);
	/* KERN_WARNING: it must reach the log under `quiet` too (tests check it) */
	printk(KERN_WARNING "mm: mm.lock=%s (%s)\n", lock_modes[mm_lock_mode].name, lock_modes[mm_lock_mode].what);
	vma_pools_init();
	mm_debug = cmdline_has("mm.debug");
	if (mm_debug)
		printk(KERN_WARNING "mm: mm.debug: the VMA tree is checked at every mmap_write_unlock\n");
}

struct mm *mm_create(void)
{
	struct mm *mm = kzalloc(sizeof(*mm));
	if (!mm)
		return NULL;
	mm->pgd = page_alloc(0, true);
	if (!mm->pgd) {
		kfree(mm);
		return NULL;
	}
	mm->pgd_phys = virt_to_phys(mm->pgd);
	memcpy(&mm->pgd[256], &kernel_pml4[256], 256 * sizeof(uint64_t));
	rwsem_init(&mm->mmap_lock, "mmap_lock");
	spin_init(&mm->pt_lock, "pt_lock");
	range_lock_tree_init(&mm->range_locks, "mm_range");
	vma_set_init(mm);
	mm->users = 1;
	return mm;
}

void mm_get(struct mm *mm) { fetch_add(&mm->users, 1); }

void mm_put(struct mm *mm)
{
	if (!mm || fetch_sub(&mm->users, 1) != 1)
		return;
	BUG_ON(!cpumask_empty(&mm->cpus)); /* nobody may still run on it */
	/* exit (and exec, for the old mm): the teardown's range_lock_all -
	 * which, on the last reference, can never have to wait. */
	struct range_lock all;
	BUG_ON(!range_write_trylock(&mm->range_locks, &all, 0, RANGE_LOCK_END));
	pgtable_free_all(mm); /* before the VMAs: shared objects' pages drop their PTE refs first */
	vma_destroy_all(mm);
	page_free(mm->pgd, 0);
	range_unlock(&mm->range_locks, &all);
	kfree(mm);
}

void mm_switch(struct mm *next)
{
	struct cpu *c = this_cpu();
	struct mm *prev = c->active_mm;
	if (prev == next)
		return;
	/* Join next's CPU set before loading its tables, leave prev's after:
	 * a shootdown that misses us can only concern tables we load afresh. */
	if (next)
		cpumask_set(&next->cpus, c->id);
	write_cr3(next ? next->pgd_phys : virt_to_phys(kernel_pml4));
	c->active_mm = next;
	if (prev)
		cpumask_clear(&prev->cpus, c->id);
}

int mm_write(struct mm *mm, uint64_t addr, const void *src, size_t n)
{
	const uint8_t *s = src;
	while (n) {
		int r = mm_fault(mm, addr, FAULT_WRITE);
		if (r)
			return r == -ENOMEM ? r : -EFAULT;
		mmap_read_lock(mm);
		struct spinlock *ptl;
		uint64_t *pte = pte_offset_lock(mm, addr, false, &ptl);
		uint8_t *page = NULL;
		size_t off = addr & (PAGE_SIZE - 1), chunk = MIN(n, PAGE_SIZE - off);
		if (pte) {
			if (*pte & PTE_P)
				page = phys_to_virt(*pte & PTE_ADDR_MASK);
			if (page)
				memcpy(page + off, s, chunk);
			pte_unlock(ptl);
		}
		mmap_read_unlock(mm);
		if (!page)
			continue; /* unmapped again meanwhile: fault it in again */
		addr += chunk;
		s += chunk;
		n -= chunk;
	}
	return 0;
}
