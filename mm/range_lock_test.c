/* range_lock_test.c - ktests of the range lock (mm/range_lock.c), suite
 * "range_lock", with kernel threads pinned to the CPUs (each helper on a
 * CPU other than 0 when there is one):
 *
 *  - fifo_and_narrow: the ktest context holds a read range; a writer
 *    queues behind it, then a reader of the same pages: the reader is
 *    granted only after the writer (FIFO: no writer starvation).  Then a
 *    big write range narrowed to its real extent wakes the waiter outside
 *    it and only that one.  The ktest context (CPU 0's idle task, which
 *    may not sleep) uses only calls that never sleep: trylock, narrow,
 *    unlock; the helpers sleep in the blocking calls.
 *  - stress: two threads per CPU lock random page ranges of 64 pages
 *    (blocking, trylock, narrow, widen, the whole space), yield inside
 *    some sections so that threads of one CPU contend too, and count owners
 *    per page: a writer must find its pages empty, a reader no writer.
 *    Every invariant of the lock is checked after each change.
 *    range_lock.stress_ms=N sets its length (default 1000). */
#include "kernel/atomic.h"
#include "kernel/lib/cmdline.h"
#include "kernel/ktest.h"
#include "kernel/sched.h"
#include "kernel/time.h"
#include "mm/range_lock.h"

#define NS_PER_MS 1000000ull

static struct range_lock_tree tree;
static int got_seq; /* atomic: order in which helpers got their range */

static unsigned helper_cpu(unsigned i) { return ncpus_online > 1 ? 1 + i % (ncpus_online - 1) : 0; }

static void pin(unsigned cpu)
{
	struct cpumask m = cpumask_of(cpu);
	sched_set_affinity(current, &m);
}

/* Yield until cond or 10 s passed (the idle task may not sleep). */
#define spin_until(cond)                                                           \
	({                                                                         \
		uint64_t __end = time_ns() + 10000 * NS_PER_MS;                    \
		while (!(cond) && time_ns() < __end)                               \
			schedule();                                                \
		(cond);                                                            \
	})

/* ---- fifo_and_narrow ---- */

struct helper {
	uint64_t start, end;
	bool writer;
	unsigned cpu;
	struct range_lock r;
	int got;     /* atomic: got_seq when granted */
	int release; /* atomic: set by the test, then wq woken */
	int done;    /* atomic */
	struct wait_queue wq;
};

static void helper_fn(void *arg)
{
	struct helper *h = arg;
	pin(h->cpu);
	if (h->writer)
		range_write_lock(&tree, &h->r, h->start, h->end);
	else
		range_read_lock(&tree, &h->r, h->start, h->end);
	smp_store_release(&h->got, add_return(&got_seq, 1));
	wait_event_killable(h->wq, smp_load_acquire(&h->release)); /* sleeps: CPU 0's idle task must run */
	range_unlock(&tree, &h->r);
	smp_store_release(&h->done, 1);
}

static unsigned long nr_queued(void)
{
	struct range_lock_stats s;
	range_lock_stats(&tree, &s);
	return s.nr_ranges;
}

/* Start a helper and wait until its request is the n-th queued. */
static bool helper_queue(struct ktest_ctx *t, struct helper *h, uint64_t start, uint64_t end, bool writer,
			 unsigned cpu, unsigned long n)
{
	*h = (struct helper){ .start = start, .end = end, .writer = writer, .cpu = cpu };
	wait_queue_init(&h->wq, "range_test");
	if (!kthread_create(helper_fn, h, "rangelock")) {
		KEXPECT(t, !"kthread_create failed");
		return false;
	}
	return spin_until(nr_queued() == n);
}

static bool helper_finish(struct helper *h)
{
	smp_store_release(&h->release, 1);
	wake_up_all(&h->wq);
	return spin_until(smp_load_acquire(&h->done));
}

KTEST(range_lock, fifo_and_narrow)
{
	struct range_lock r1, big;
	struct helper w, r2, a;
	range_lock_tree_init(&tree, "range_test");
	range_lock_debug = true;
	got_seq = 0;

	KEXPECT(t, range_read_trylock(&tree, &r1, 0, 10 * PAGE_SIZE));
	KEXPECT(t, helper_queue(t, &w, 0, 10 * PAGE_SIZE, true, helper_cpu(0), 2));
	KEXPECT(t, helper_queue(t, &r2, 5 * PAGE_SIZE, 6 * PAGE_SIZE, false, helper_cpu(1), 3));
	mdelay(20);
	KEXPECT_EQ(t, smp_load_acquire(&w.got) + smp_load_acquire(&r2.got), 0);
	range_unlock(&tree, &r1);
	KEXPECT(t, spin_until(smp_load_acquire(&w.got)));
	mdelay(20);
	KEXPECT_EQ(t, smp_load_acquire(&r2.got), 0); /* the writer holds it */
	KEXPECT(t, helper_finish(&w));
	KEXPECT(t, spin_until(smp_load_acquire(&r2.got)));
	KEXPECT_EQ(t, w.got, 1);
	KEXPECT_EQ(t, r2.got, 2);
	KEXPECT(t, helper_finish(&r2));

	/* lock big, narrow to what the VMAs span: the waiter outside wakes */
	KEXPECT(t, range_write_trylock(&tree, &big, 0, 100 * PAGE_SIZE));
	KEXPECT(t, helper_queue(t, &a, 50 * PAGE_SIZE, 51 * PAGE_SIZE, false, helper_cpu(0), 2));
	KEXPECT(t, helper_queue(t, &r2, 0, PAGE_SIZE, true, helper_cpu(1), 3));
	range_lock_narrow(&tree, &big, 0, 20 * PAGE_SIZE);
	KEXPECT(t, spin_until(smp_load_acquire(&a.got)));
	mdelay(20);
	KEXPECT_EQ(t, smp_load_acquire(&r2.got), 0);
	range_unlock(&tree, &big);
	KEXPECT(t, spin_until(smp_load_acquire(&r2.got)));
	KEXPECT(t, helper_finish(&a));
	KEXPECT(t, helper_finish(&r2));
	task_reap_dead();
	KEXPECT_EQ(t, nr_queued(), 0);
	range_lock_debug = false;
}

/* ---- stress ---- */

#define NPAGES 64
static int page_writers[NPAGES], page_readers[NPAGES]; /* atomic */
static uint64_t violations;                             /* atomic */
static int workers_done;                                /* atomic */
static uint64_t worker_ops[2 * MAX_CPUS];               /* each worker's own */
static uint64_t stress_deadline;

static uint64_t rnd(uint64_t *s) /* xorshift64 */
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void pages_enter(uint64_t s, uint64_t e, bool writer)
{
	for (uint64_t p = s; p < e && p < NPAGES; p++) {
		if (writer ? fetch_add(&page_writers[p], 1) || load_relaxed(&page_readers[p])
			   : (fetch_add(&page_readers[p], 1), load_relaxed(&page_writers[p])))
			fetch_add(&violations, 1);
	}
}

static void pages_leave(uint64_t s, uint64_t e, bool writer)
{
	for (uint64_t p = s; p < e && p < NPAGES; p++)
		fetch_sub(writer ? &page_writers[p] : &page_readers[p], 1);
}

/* One round: lock a random range one way or another, own its pages,
 * maybe narrow or widen, release; false if a trylock failed.  Ranges are
 * in pages here. */
static bool stress_round(uint64_t *seed, struct range_lock *r)
{
	uint64_t s = rnd(seed) % NPAGES, len = 1 + rnd(seed) % 8, e = s + len;
	bool writer = rnd(seed) % 3 == 0;
	unsigned op = rnd(seed) % 32; /* 1 in 32 locks everything */
	if (op == 0) {
		range_lock_all(&tree, r);
		s = 0, e = NPAGES, writer = true;
	} else if (op < 6) {
		if (!(writer ? range_write_trylock : range_read_trylock)(&tree, r, s, e))
			return false;
	} else {
		(writer ? range_write_lock : range_read_lock)(&tree, r, s, e);
	}
	pages_enter(s, e, writer);
	if (op == 1 && len > 1) {
		pages_leave(s, s + len / 2, writer);
		range_lock_narrow(&tree, r, s + len / 2, e);
		s += len / 2;
	} else if (op == 2 && s > 0 && range_lock_widen(&tree, r, s - 1, e) == 0) {
		pages_enter(s - 1, s, writer);
		s--;
	} else if (op == 3) {
		sched_yield(); /* let a thread of this CPU run into our range */
	}
	pages_leave(s, e, writer);
	range_unlock(&tree, r);
	return true;
}

static void worker_fn(void *arg)
{
	unsigned i = (unsigned)(uintptr_t)arg;
	uint64_t seed = 0x9e3779b97f4a7c15ull * (i + 1);
	struct range_lock r;
	pin(i % ncpus_online);
	while (time_ns() < READ_ONCE(stress_deadline)) {
		worker_ops[i] += stress_round(&seed, &r);
	}
	fetch_add(&workers_done, 1);
}

KTEST(range_lock, stress)
{
	uint64_t ms = (uint64_t)cmdline_get_int("range_lock.stress_ms", 1000);
	unsigned n = 2 * ncpus_online, started = 0;
	range_lock_tree_init(&tree, "range_stress");
	range_lock_debug = true;
	violations = 0;
	for (unsigned i = 0; i < n; i++)
		worker_ops[i] = 0;
	workers_done = 0;
	WRITE_ONCE(stress_deadline, time_ns() + ms * NS_PER_MS);
	for (unsigned i = 0; i < n; i++)
		started += kthread_create(worker_fn, (void *)(uintptr_t)i, "rangestress") != NULL;
	KEXPECT_EQ(t, started, n);
	uint64_t end = READ_ONCE(stress_deadline) + 60000 * NS_PER_MS;
	while (smp_load_acquire(&workers_done) < (int)started && time_ns() < end)
		schedule();
	task_reap_dead();
	KEXPECT_EQ(t, smp_load_acquire(&workers_done), started);
	struct range_lock_stats s;
	range_lock_stats(&tree, &s);
	uint64_t ops = 0;
	for (unsigned i = 0; i < n; i++)
		ops += worker_ops[i];
	printk("# range_lock stress: %u threads on %u CPUs, %llu ops, %llu waits (%llu cycles), %llu widenings, "
	       "%llu widen fails, %llu try fails\n",
	       n, ncpus_online, (unsigned long long)ops, (unsigned long long)s.waits,
	       (unsigned long long)s.wait_cycles, (unsigned long long)s.widenings,
	       (unsigned long long)s.widen_fails, (unsigned long long)s.try_fails);
	KEXPECT_EQ(t, violations, 0);
	KEXPECT(t, s.waits > 0);
	for (unsigned i = 0; i < n; i++)
		KEXPECT(t, worker_ops[i] > 0); /* FIFO: nobody starves */
	KEXPECT_EQ(t, s.nr_ranges, 0);
	range_lock_debug = false;
}
