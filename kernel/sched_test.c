/* sched_test.c - ktests of the scheduler and the sleeping primitives,
 * using kernel threads spread over every CPU: a mutex-protected counter
 * has the exact total, a rwsem never lets a writer in with anyone else,
 * wait queues hand items between threads without losing a wakeup, timed
 * sleeps last at least their time, and affinity moves a thread where it
 * is asked to run. */
#include "arch/x86_64/x86.h"
#include "kernel/atomic.h"
#include "kernel/ktest.h"
#include "kernel/percpu.h"
#include "kernel/sched.h"
#include "kernel/time.h"
#include "kernel/wait.h"

/* Run fn(arg) in n kernel threads and wait (yielding) until all returned;
 * false on timeout. */
static int threads_done;
struct job {
	void (*fn)(void *);
	void *arg;
};
static void job_run(void *j)
{
	struct job *job = j;
	job->fn(job->arg);
	fetch_add(&threads_done, 1);
}

static bool run_threads(struct ktest_ctx *t, int n, void (*fn)(void *), void *arg)
{
	static struct job job;
	job = (struct job){ fn, arg };
	threads_done = 0;
	for (int i = 0; i < n; i++)
		if (!kthread_create(job_run, &job, "ktest")) {
			KEXPECT(t, !"kthread_create failed");
			return false;
		}
	uint64_t deadline = time_ns() + 60ull * 1000000000;
	while (smp_load_acquire(&threads_done) < n && time_ns() < deadline)
		schedule(); /* the idle task yields to them */
	task_reap_dead();
	return smp_load_acquire(&threads_done) == n;
}

static struct mutex test_mutex = MUTEX_INIT(test_mutex, "test_mutex");
static volatile long mutex_counter;
#define MUTEX_ITERS 300

static void mutex_worker(void *arg)
{
	for (int i = 0; i < MUTEX_ITERS; i++) {
		mutex_lock(&test_mutex);
		long v = mutex_counter;
		if (i % 16 == 0)
			sched_yield(); /* sleep holding it now and then: others must wait */
		mutex_counter = v + 1;
		mutex_unlock(&test_mutex);
	}
}

KTEST(sched, mutex_counter_exact)
{
	int n = 2 * (int)ncpus_online + 1;
	mutex_counter = 0;
	KEXPECT(t, run_threads(t, n, mutex_worker, NULL));
	KEXPECT_EQ(t, mutex_counter, (long)n * MUTEX_ITERS);
	KEXPECT(t, !test_mutex.owner);
}

static struct rwsem test_rwsem;
static int readers_in, writers_in, rw_violations;
#define RW_ITERS 200

static void rw_worker(void *arg)
{
	for (int i = 0; i < RW_ITERS; i++) {
		if ((i + (int)(uint64_t)arg) % 4 == 0) {
			down_write(&test_rwsem);
			if (fetch_add(&writers_in, 1) != 0 || load_relaxed(&readers_in) != 0)
				fetch_add(&rw_violations, 1);
			sched_yield();
			fetch_sub(&writers_in, 1);
			up_write(&test_rwsem);
		} else {
			down_read(&test_rwsem);
			fetch_add(&readers_in, 1);
			if (load_relaxed(&writers_in) != 0)
				fetch_add(&rw_violations, 1);
			fetch_sub(&readers_in, 1);
			up_read(&test_rwsem);
		}
	}
}

KTEST(sched, rwsem_excludes_writers)
{
	rwsem_init(&test_rwsem, "test_rwsem");
	readers_in = writers_in = rw_violations = 0;
	KEXPECT(t, run_threads(t, 2 * (int)ncpus_online + 1, rw_worker, NULL));
	KEXPECT_EQ(t, rw_violations, 0);
	KEXPECT_EQ(t, test_rwsem.count, 0);
}

/* A bounded buffer of one slot: producers and consumers on wait queues. */
static struct wait_queue slot_wq = WAIT_QUEUE_INIT(slot_wq, "slot_wq");
static struct spinlock slot_lock = SPINLOCK_INIT("slot");
static long slot_full, slot_sum, items_taken;
#define ITEMS 200

static bool try_put(long v)
{
	spin_lock(&slot_lock);
	bool ok = !slot_full;
	if (ok)
		slot_full = v;
	spin_unlock(&slot_lock);
	return ok;
}

static bool try_take(void)
{
	spin_lock(&slot_lock);
	bool ok = slot_full != 0;
	if (ok) {
		slot_sum += slot_full;
		slot_full = 0;
		items_taken++;
	}
	spin_unlock(&slot_lock);
	return ok;
}

static void pc_worker(void *arg)
{
	bool producer = (uint64_t)arg & 1;
	for (long i = 1; i <= ITEMS; i++) {
		if (producer)
			wait_event_killable(slot_wq, try_put(i));
		else
			wait_event_killable(slot_wq, try_take());
		wake_up_all(&slot_wq);
	}
}

static void pc_dispatch(void *arg)
{
	static int next;
	pc_worker((void *)(uint64_t)fetch_add(&next, 1));
}

KTEST(sched, wait_queue_no_lost_wakeup)
{
	slot_full = slot_sum = items_taken = 0;
	KEXPECT(t, run_threads(t, 4, pc_dispatch, NULL)); /* two producers, two consumers */
	KEXPECT_EQ(t, items_taken, 2 * ITEMS);
	KEXPECT_EQ(t, slot_sum, 2l * ITEMS * (ITEMS + 1) / 2);
}

static uint64_t slept_ns[8];
static int sleeper_idx;
static void sleeper(void *arg)
{
	int i = fetch_add(&sleeper_idx, 1);
	uint64_t t0 = time_ns();
	sleep_until(t0 + 20000000);
	slept_ns[i] = time_ns() - t0;
}

KTEST(sched, sleep_lasts_its_time)
{
	sleeper_idx = 0;
	KEXPECT(t, run_threads(t, 4, sleeper, NULL));
	for (int i = 0; i < 4; i++) {
		KEXPECT(t, slept_ns[i] >= 20000000);
		KEXPECT(t, slept_ns[i] < 5000000000ull);
	}
}

static int affinity_ok, affinity_runs;
static void pinned(void *arg)
{
	for (unsigned c = 0; c < ncpus_online; c++) {
		struct cpumask m = cpumask_of(c);
		sched_set_affinity(current, &m);
		for (int k = 0; k < 3; k++) {
			fetch_add(&affinity_runs, 1);
			if (cpu_id() == c)
				fetch_add(&affinity_ok, 1);
			sched_yield();
		}
	}
}

KTEST(sched, affinity_moves_the_thread)
{
	affinity_ok = affinity_runs = 0;
	KEXPECT(t, run_threads(t, 2, pinned, NULL));
	KEXPECT_EQ(t, affinity_runs, 2 * 3 * (int)ncpus_online);
	KEXPECT_EQ(t, affinity_ok, affinity_runs);
}
