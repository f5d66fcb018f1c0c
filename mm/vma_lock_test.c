/* vma_lock_test.c - ktests of the per-VMA lock and of what the epoch
 * guarantees a lockless VMA reader (suite "vma_lock"). */
#include "kernel/epoch.h"
#include "kernel/errno.h"
#include "kernel/ktest.h"
#include "kernel/sched.h"
#include "kernel/time.h"
#include "mm/mmap_lock.h"
#include "mm/vma_lock.h"

#define BASE 0x40000000ul
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
