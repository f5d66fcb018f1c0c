/* vma_lock_test.c - ktests of the per-VMA lock and of what the epoch
 * guarantees a lockless VMA reader (suite "vma_lock"), and of the
 * speculative fault path that reads VMAs and page tables with no lock at
 * all (mm.lock=spf, mm/spf.c; suite "spf"). */
#include "arch/x86_64/paging.h"
#include "kernel/epoch.h"
#include "kernel/errno.h"
#include "kernel/ktest.h"
#include "kernel/sched.h"
#include "kernel/time.h"
#include "mm/fault_internal.h"
#include "mm/mmap_lock.h"
#include "mm/mmstat.h"
#include "mm/vma_lock.h"

#define BASE 0x40000000ul /* 1 GiB aligned: a VMA there is alone in its tables */
#define PAGE PAGE_SIZE

static struct mm *test_mm(struct ktest_ctx *t)
{
	struct mm *mm = mm_create();
	KEXPECT(t, mm != NULL);
	if (mm)
		KEXPECT_EQ(t, vm_mmap(mm, BASE, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
				      NULL), (long)BASE);
	return mm;
}

/* ktests run in the boot CPU's idle task, which may not sleep; mmap_lock
 * and epoch_barrier() may: run the body in a kernel thread. */
struct job {
	void (*fn)(struct ktest_ctx *t);
	struct ktest_ctx *t;
	int done;
};
static void job_run(void *arg)
{
	struct job *j = arg;
	j->fn(j->t);
	smp_store_release(&j->done, 1);
}
static void in_thread(struct ktest_ctx *t, void (*fn)(struct ktest_ctx *t))
{
	struct job j = { fn, t, 0 };
	if (!kthread_create(job_run, &j, "ktest")) {
		KEXPECT(t, !"kthread_create failed");
		return;
	}
	uint64_t deadline = time_ns() + 20000000000ull;
	while (!smp_load_acquire(&j.done) && time_ns() < deadline)
		schedule(); /* the idle task yields to it */
	KEXPECT(t, smp_load_acquire(&j.done));
}

/* A read lock is refused while the VMA is write-locked, granted after
 * mmap_write_unlock, and a detached VMA says "look again". */
static void read_write_detach(struct ktest_ctx *t)
{
	struct mm *mm = test_mm(t);
	if (!mm)
		return;
	struct vma *v = lock_vma_under_epoch(mm, BASE + PAGE);
	KEXPECT(t, v != NULL);
	if (v) {
		KEXPECT_EQ(t, v->vm_refcnt, 2); /* attached + us */
		vma_end_read(v);
	}
	mmap_write_lock(mm);
	v = vma_find(mm, BASE);
	vma_start_write(v);
	KEXPECT(t, vma_is_write_locked(v));
	epoch_enter();
	KEXPECT_EQ(t, vma_start_read(mm, v), -EBUSY);
	epoch_exit();
	KEXPECT(t, lock_vma_under_epoch(mm, BASE) == NULL); /* falls back, never waits */
	mmap_write_unlock(mm);
	KEXPECT(t, !vma_is_write_locked(v));
	v = lock_vma_under_epoch(mm, BASE);
	KEXPECT(t, v != NULL);
	if (v)
		vma_end_read(v);
	/* a VMA removed after a reader found it: -EAGAIN, and the lookup
	 * that retries finds the hole */
	epoch_enter();
	struct vma *old = vma_find(mm, BASE);
	KEXPECT_EQ(t, vm_munmap(mm, BASE, 4 * PAGE), 0);
	KEXPECT_EQ(t, vma_start_read(mm, old), -EAGAIN);
	epoch_exit();
	KEXPECT(t, lock_vma_under_epoch(mm, BASE) == NULL);
	mm_put(mm);
}
KTEST(vma_lock, read_write_detach) { in_thread(t, read_write_detach); }

/* VMAs are grace-period delayed: one removed while a reader is inside an
 * epoch section keeps its fields until the reader leaves; after a grace
 * period and the callbacks, its memory is a free object again. */
static void removed_vma_outlives_readers(struct ktest_ctx *t)
{
	struct mm *mm = test_mm(t);
	if (!mm)
		return;
	epoch_enter();
	struct vma *v = vma_find(mm, BASE);
	KEXPECT_EQ(t, vm_munmap(mm, BASE, 4 * PAGE), 0); /* v detached and queued for freeing */
	struct epoch_stats before;
	epoch_stats(&before);
	/* still ours: the callback cannot run while this CPU is a reader */
	KEXPECT_EQ(t, v->start, BASE);
	KEXPECT_EQ(t, v->end, BASE + 4 * PAGE);
	KEXPECT(t, v->mm == mm);
	KEXPECT_EQ(t, v->vm_refcnt, 0);
	KEXPECT(t, before.cb_pending > 0);
	epoch_exit();
	epoch_barrier(); /* every callback queued so far has run: v is free memory */
	KEXPECT(t, v->start != BASE || v->end != BASE + 4 * PAGE); /* poisoned or reused (mm.debug poisons) */
	mm_put(mm);
}
KTEST(vma_lock, removed_vma_outlives_readers) { in_thread(t, removed_vma_outlives_readers); }

/* ---- spf ---- */

/* Did spf_fault(mm, va, access) return want, counting item once? */
static void expect_spf(struct ktest_ctx *t, struct mm *mm, uint64_t va, unsigned access, bool want,
		       enum mmstat_item item)
{
	uint64_t before = mmstat_read(item);
	KEXPECT_EQ(t, spf_fault(mm, va, access), want);
	KEXPECT_EQ(t, mmstat_read(item) - before, 1);
}

static bool pte_present(struct mm *mm, uint64_t va)
{
	uint64_t *table = pt_table(mm, va, false);
	return table && (READ_ONCE(table[PT_INDEX(va)]) & PTE_P);
}

/* No table: fall back; a table: speculate and install; a PTE there: fall
 * back; the VMA write-locked: retry, then fall back; access forbidden or
 * no VMA: fall back - and after the writer is done, speculate again. */
static void validates_and_falls_back(struct ktest_ctx *t)
{
	struct mm *mm = test_mm(t);
	if (!mm)
		return;
	expect_spf(t, mm, BASE, FAULT_WRITE, false, MMSTAT_SPF_FALLBACK_TABLE); /* spf never allocates a table */
	KEXPECT_EQ(t, mm_write(mm, BASE, "x", 1), 0);                        /* the locked path did */
	expect_spf(t, mm, BASE + PAGE, FAULT_WRITE, true, MMSTAT_SPF_SUCCESS);
	KEXPECT(t, pte_present(mm, BASE + PAGE));
	KEXPECT_EQ(t, mm->rss_pages, 2);
	expect_spf(t, mm, BASE + PAGE, FAULT_WRITE, false, MMSTAT_SPF_FALLBACK_OTHER); /* present: not ours */

	mmap_write_lock(mm);
	vma_start_write(vma_find(mm, BASE));
	uint64_t retries = mmstat_read(MMSTAT_SPF_RETRY);
	expect_spf(t, mm, BASE + 2 * PAGE, FAULT_WRITE, false, MMSTAT_SPF_FALLBACK_SEQ);
	KEXPECT_EQ(t, mmstat_read(MMSTAT_SPF_RETRY) - retries, 3);
	KEXPECT(t, !pte_present(mm, BASE + 2 * PAGE));
	mmap_write_unlock(mm);
	expect_spf(t, mm, BASE + 2 * PAGE, FAULT_WRITE, true, MMSTAT_SPF_SUCCESS);

	KEXPECT_EQ(t, vm_mprotect(mm, BASE + 3 * PAGE, PAGE, PROT_READ), 0);
	expect_spf(t, mm, BASE + 3 * PAGE, FAULT_WRITE, false, MMSTAT_SPF_FALLBACK_ACCESS);
	expect_spf(t, mm, BASE + 3 * PAGE, FAULT_READ, true, MMSTAT_SPF_SUCCESS);
	expect_spf(t, mm, BASE + 64 * PAGE, FAULT_READ, false, MMSTAT_SPF_FALLBACK_NOVMA);
	mm_put(mm);
}
KTEST(spf, validates_and_falls_back) { in_thread(t, validates_and_falls_back); }

/* A table munmap unlinks while an epoch reader holds a pointer to it: its
 * split lock can still be taken, and the re-walk under it sees the table
 * gone - what spf_install relies on. */
static void unlinked_table_lock_outlives_readers(struct ktest_ctx *t)
{
	struct mm *mm = test_mm(t);
	if (!mm)
		return;
	KEXPECT_EQ(t, mm_write(mm, BASE, "x", 1), 0);
	epoch_enter();
	uint64_t *table = pt_table(mm, BASE, false);
	struct spinlock *ptl = table ? pt_table_ptl_lockless(mm, BASE, table) : NULL;
	KEXPECT(t, ptl != NULL);
	uint64_t freed = mmstat_read(MMSTAT_PT_PAGE_FREE);
	KEXPECT_EQ(t, vm_munmap(mm, BASE, 4 * PAGE), 0); /* the table (alone in its 1 GiB) unlinked */
	KEXPECT(t, mmstat_read(MMSTAT_PT_PAGE_FREE) > freed);
	if (ptl) {
		KEXPECT(t, pt_table_ptl_lockless(mm, BASE, table) == NULL); /* its page's word is the lru now */
		spin_lock(ptl); /* still allocated: the reader is inside its epoch */
		KEXPECT(t, pt_table(mm, BASE, false) != table);
		spin_unlock(ptl);
	}
	epoch_exit();
	mm_put(mm);
}
KTEST(spf, unlinked_table_lock_outlives_readers) { in_thread(t, unlinked_table_lock_outlives_readers); }
