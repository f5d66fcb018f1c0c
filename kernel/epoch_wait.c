/* epoch_wait.c - the kernel's side of epochs: sleeping until a grace
 * period has passed (synchronize_epoch) or every queued callback has run
 * (epoch_barrier), and the clock for grace-period lengths.  The scheme
 * itself is kernel/epoch.c. */
#include "kernel/epoch.h"
#include "kernel/assert.h"
#include "kernel/atomic.h"
#include "kernel/ksyms.h"
#include "kernel/panic.h"
#include "kernel/percpu.h"
#include "kernel/printk.h"
#include "arch/x86_64/x86.h"
#include "kernel/sched.h"
#include "kernel/time.h"
#include "kernel/wait.h"

static struct wait_queue gp_wq = WAIT_QUEUE_INIT(gp_wq, "epoch_gp_wq");

uint64_t epoch_clock_ns(void) { return time_ns(); }

/* gp_lock held: wake whoever waits for a grace period to end. */
void epoch_gp_ended(void) { wake_up_all(&gp_wq); }

/* Sleep (uninterruptibly: a dying process must still wait) until done(). */
static void wait_until(bool (*done)(void *arg), void *arg)
{
	if (current == this_cpu()->idle)
		panic("epoch: an idle task cannot sleep for a grace period (use epoch_drain)");
	struct waiter w = { .task = NULL };
	for (;;) {
		prepare_to_wait(&gp_wq, &w);
		if (done(arg))
			break;
		schedule(); /* a quiescent state of this CPU: the grace period may end right here */
	}
	finish_wait(&gp_wq, &w);
}

static bool snap_done(void *arg) { return epoch_done(*(uint64_t *)arg); }

void synchronize_epoch(void)
{
	BUG_ON(epoch_in_reader());
	uint64_t snap = epoch_snap();
	epoch_request(snap);
	wait_until(snap_done, &snap);
}

/* epoch_barrier: one callback queued behind everything else on every CPU
 * (callbacks of a CPU run in order); the last one to run wakes us. */
static struct mutex barrier_mutex = MUTEX_INIT(barrier_mutex, "epoch_barrier");
static struct epoch_head barrier_heads[MAX_CPUS]; /* under barrier_mutex */
static int barrier_left;                           /* atomic */

static void barrier_cb(struct epoch_head *h)
{
	if (fetch_sub(&barrier_left, 1) == 1)
		wake_up_all(&gp_wq);
}

static bool barrier_done(void *arg) { return load_relaxed(&barrier_left) == 0; }

void epoch_barrier(void)
{
	BUG_ON(epoch_in_reader());
	mutex_lock(&barrier_mutex);
	barrier_left = 1; /* our own reference while queueing */
	for_each_cpu(i, &cpu_online_mask) {
		fetch_add(&barrier_left, 1);
		call_epoch_on(i, &barrier_heads[i], barrier_cb);
	}
	fetch_sub(&barrier_left, 1);
	wait_until(barrier_done, NULL);
	mutex_unlock(&barrier_mutex);
}

void epoch_sleep_bug(void *caller)
{
	uint64_t off = 0;
	const char *name = ksym_lookup((uint64_t)caller, &off, NULL);
	panic("BUG: %s+0x%llx sleeps inside an epoch read section (depth %d)", name ? name : "?",
	      (unsigned long long)off, epoch_this_cpu()->nesting);
}

void epoch_drain(void)
{
	uint64_t deadline = time_ns() + 10ull * 1000000000;
	for (;;) {
		struct epoch_stats s;
		epoch_stats(&s);
		if (!s.cb_pending)
			return;
		if (time_ns() > deadline) {
			printk(KERN_WARNING "epoch: %llu callbacks still pending after 10 s\n",
			       (unsigned long long)s.cb_pending);
			return;
		}
		epoch_request(epoch_snap());
		epoch_quiescent_run(0); /* ours; the other CPUs run theirs in their idle loops */
		cpu_relax();
	}
}
