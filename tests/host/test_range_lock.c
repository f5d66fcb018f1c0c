/* test_range_lock.c - host tests of the range lock (mm/range_lock.c), with
 * pthreads standing in for tasks.
 *
 * The stand-ins at the top give range_lock.c what the kernel would: wait
 * queues (kernel/wait.h's API over a per-thread mutex and condition
 * variable: a "task" sleeps until a waker clears its sleeping flag), the
 * sleep, a kill flag for killable waits, and a clock.
 *
 * Deterministic cases (one lock holder, helper threads whose requests are
 * seen queued before the next step): disjoint ranges and overlapping reads
 * proceed together; a writer excludes overlapping readers; a writer waiting
 * behind a reader is not overtaken by a later reader; narrowing wakes the
 * waiters that no longer conflict and no others; widening grows in place
 * past later waiters and refuses past granted or earlier waiting requests;
 * a killed killable waiter leaves and unblocks those behind it; misuse
 * (unlocking a range not held, narrowing outside it) is a BUG.
 * Stress: threads lock random page ranges (blocking, trylock, narrow,
 * widen, the whole space) and count owners per page; a writer must find its
 * pages empty and a reader no writer; every invariant is checked after
 * each change (range_lock_debug).
 *
 * `test_range_lock bench` times uncontended lock/unlock pairs
 * (RANGE_LOCK_BENCH_N=n pairs of each kind; default 2000000).
 * RANGE_LOCK_TEST_MS=n sets the stress length (default 1000). */
#include <pthread.h>
#include <string.h>
#include <time.h>
#include "kernel/atomic.h"
#include "kernel/errno.h"
#include "mm/range_lock.h"
#include "tests/host/check.h"

/* ---- host stand-ins: tasks, wait queues, sleeping ---- */

struct task {
	pthread_mutex_t m;
	pthread_cond_t cv;
	bool sleeping; /* under m: set by prepare_to_wait, cleared by a waker */
	bool killed;   /* under m: a fatal signal is pending */
};
static __thread struct task *self;

static struct task *host_current(void)
{
	if (!self) {
		self = calloc(1, sizeof(*self)); /* one per thread, freed by host_task_exit */
		pthread_mutex_init(&self->m, NULL);
		pthread_cond_init(&self->cv, NULL);
	}
	return self;
}

static void host_task_exit(void)
{
	if (self) {
		pthread_mutex_destroy(&self->m);
		pthread_cond_destroy(&self->cv);
		free(self);
		self = NULL;
	}
}

static void task_set_sleeping(struct task *k, bool sleeping)
{
	pthread_mutex_lock(&k->m);
	k->sleeping = sleeping;
	if (!sleeping)
		pthread_cond_signal(&k->cv);
	pthread_mutex_unlock(&k->m);
}

/* Kill k: what exit_group does to a sleeping thread (flag, then wake). */
static void host_kill(struct task *k)
{
	pthread_mutex_lock(&k->m);
	k->killed = true;
	k->sleeping = false;
	pthread_cond_signal(&k->cv);
	pthread_mutex_unlock(&k->m);
}

void wait_queue_init(struct wait_queue *wq, const char *name)
{
	spin_init(&wq->lock, name);
	list_init(&wq->waiters);
}

void prepare_to_wait(struct wait_queue *wq, struct waiter *w)
{
	spin_lock(&wq->lock);
	if (!w->task) {
		w->task = host_current();
		list_init(&w->node);
	}
	if (list_empty(&w->node))
		list_add_tail(&w->node, &wq->waiters);
	task_set_sleeping(w->task, true);
	spin_unlock(&wq->lock);
}

void finish_wait(struct wait_queue *wq, struct waiter *w)
{
	if (!w->task)
		return;
	task_set_sleeping(w->task, false);
	spin_lock(&wq->lock);
	if (!list_empty(&w->node))
		list_del(&w->node);
	spin_unlock(&wq->lock);
}

void wake_up_all(struct wait_queue *wq)
{
	struct list_head *pos;
	spin_lock(&wq->lock);
	list_for_each(pos, &wq->waiters)
		task_set_sleeping(list_entry(pos, struct waiter, node)->task, false);
	spin_unlock(&wq->lock);
}

int range_lock_sleep(bool killable)
{
	struct task *k = host_current();
	int ret = 0;
	pthread_mutex_lock(&k->m);
	if (killable && k->killed)
		ret = -EINTR;
	while (!ret && k->sleeping)
		pthread_cond_wait(&k->cv, &k->m);
	pthread_mutex_unlock(&k->m);
	return ret;
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t range_lock_cycles(void) { return now_ns(); }

/* Sleep at once: the sleeping path is the one to exercise here. */
bool range_lock_spin(const unsigned *blocking)
{
	(void)blocking;
	return false;
}

/* ---- helpers ---- */

static struct range_lock_tree tree;

static unsigned long queued(void)
{
	struct range_lock_stats s;
	range_lock_stats(&tree, &s);
	return s.nr_ranges;
}

/* Wait (up to 5 s) until n requests are queued: a helper's request is in. */
static bool wait_queued(unsigned long n)
{
	for (uint64_t end = now_ns() + 5000000000ull; now_ns() < end;) {
		if (queued() == n)
			return true;
		usleep(200);
	}
	return false;
}

static unsigned blocking_of(struct range_lock *r)
{
	spin_lock(&tree.lock);
	unsigned b = r->blocking;
	spin_unlock(&tree.lock);
	return b;
}

/* A helper thread: locks [start, end), records when it got it, holds it
 * until told to release. */
struct locker {
	uint64_t start, end;
	bool writer, killable;
	struct range_lock r;
	int ret;
	int got;     /* atomic: order of acquisition (1, 2, ...); 0 = not yet */
	int release; /* atomic: set by the test */
	struct task *task;
	pthread_t th;
};
static int got_seq; /* atomic */

static void *locker_fn(void *arg)
{
	struct locker *l = arg;
	smp_store_release(&l->task, host_current());
	if (l->killable)
		l->ret = range_write_lock_killable(&tree, &l->r, l->start, l->end);
	else if (l->writer)
		range_write_lock(&tree, &l->r, l->start, l->end);
	else
		range_read_lock(&tree, &l->r, l->start, l->end);
	smp_store_release(&l->got, add_return(&got_seq, 1));
	if (!l->ret) {
		while (!smp_load_acquire(&l->release))
			usleep(100);
		range_unlock(&tree, &l->r);
	}
	host_task_exit();
	return NULL;
}

static void locker_start(struct locker *l, uint64_t start, uint64_t end, bool writer)
{
	memset(l, 0, sizeof(*l));
	l->start = start;
	l->end = end;
	l->writer = writer;
	pthread_create(&l->th, NULL, locker_fn, l);
}

/* Start a helper whose request must wait: true once it is the n-th queued. */
static bool locker_queue(struct locker *l, uint64_t start, uint64_t end, bool writer, unsigned long n)
{
	locker_start(l, start, end, writer);
	return wait_queued(n);
}

static bool locker_got(struct locker *l, unsigned ms)
{
	for (uint64_t end = now_ns() + ms * 1000000ull; now_ns() < end; usleep(100))
		if (smp_load_acquire(&l->got))
			return true;
	return smp_load_acquire(&l->got) != 0;
}

static void locker_finish(struct locker *l)
{
	smp_store_release(&l->release, 1);
	pthread_join(l->th, NULL);
}

static void reset(void)
{
	range_lock_tree_init(&tree, "test_range");
	got_seq = 0;
}

/* ---- deterministic cases ---- */

TEST(disjoint_ranges_in_parallel)
{
	struct range_lock a, b;
	struct locker l;
	reset();
	range_write_lock(&tree, &a, 0, 10);
	CHECK(range_write_trylock(&tree, &b, 10, 20)); /* adjacent, not overlapping */
	locker_start(&l, 20, 30, true);
	CHECK(locker_got(&l, 5000)); /* got it while both others are held */
	locker_finish(&l);
	range_unlock(&tree, &b);
	range_unlock(&tree, &a);
	CHECK_EQ(queued(), 0);
	struct range_lock_stats s;
	range_lock_stats(&tree, &s);
	CHECK_EQ(s.waits, 0);
}

TEST(read_read_overlap)
{
	struct range_lock a, b;
	struct locker l;
	reset();
	range_read_lock(&tree, &a, 0, 10);
	CHECK(range_read_trylock(&tree, &b, 5, 15));
	locker_start(&l, 0, 100, false);
	CHECK(locker_got(&l, 5000));
	CHECK(range_lock_held(&tree, &a) && range_lock_held(&tree, &b));
	locker_finish(&l);
	range_unlock(&tree, &b);
	range_unlock(&tree, &a);
}

TEST(write_read_exclusion)
{
	struct range_lock w, r;
	struct locker l;
	reset();
	range_write_lock(&tree, &w, 0, 10);
	CHECK(!range_read_trylock(&tree, &r, 9, 10));
	CHECK(!range_write_trylock(&tree, &r, 5, 6));
	CHECK(locker_queue(&l, 5, 6, false, 2));
	CHECK_EQ(blocking_of(&l.r), 1);
	usleep(20000);
	CHECK(!smp_load_acquire(&l.got));
	range_unlock(&tree, &w);
	CHECK(locker_got(&l, 5000));
	/* and a reader holding excludes a writer */
	CHECK(!range_write_trylock(&tree, &w, 0, 6));
	CHECK(range_write_trylock(&tree, &w, 6, 10));
	locker_finish(&l);
	range_unlock(&tree, &w);
	struct range_lock_stats s;
	range_lock_stats(&tree, &s);
	CHECK_EQ(s.waits, 1);
	CHECK_EQ(s.try_fails, 3);
	CHECK(s.wait_cycles >= 20000000); /* it waited at least our 20 ms */
}

/* R1 holds; W queues behind it; R2 (compatible with R1) queues after W:
 * R2 must wait for W, and get the range only after W released it. */
TEST(fifo_writer_not_overtaken_by_later_reader)
{
	struct range_lock r1, r2try;
	struct locker w, r2;
	reset();
	range_read_lock(&tree, &r1, 0, 10);
	CHECK(locker_queue(&w, 0, 10, true, 2));
	CHECK(locker_queue(&r2, 5, 6, false, 3));
	CHECK_EQ(blocking_of(&r2.r), 1); /* W only: readers do not block readers */
	CHECK(!range_read_trylock(&tree, &r2try, 5, 6)); /* not past the waiting writer either */
	usleep(20000);
	CHECK(!smp_load_acquire(&r2.got));
	range_unlock(&tree, &r1);
	CHECK(locker_got(&w, 5000));
	usleep(20000);
	CHECK(!smp_load_acquire(&r2.got)); /* W holds it */
	locker_finish(&w);
	CHECK(locker_got(&r2, 5000));
	CHECK_EQ(w.got, 1);
	CHECK_EQ(r2.got, 2);
	locker_finish(&r2);
}

TEST(narrow_wakes_waiters)
{
	struct range_lock big;
	struct locker a, b;
	reset();
	range_write_lock(&tree, &big, 0, 100);
	CHECK(locker_queue(&a, 50, 60, true, 2));
	CHECK(locker_queue(&b, 0, 10, false, 3));
	range_lock_narrow(&tree, &big, 0, 20); /* the VMAs turned out to span [0, 20) */
	CHECK(locker_got(&a, 5000));
	usleep(20000);
	CHECK(!smp_load_acquire(&b.got)); /* still overlaps */
	CHECK_EQ(blocking_of(&b.r), 1);
	range_lock_narrow(&tree, &big, 10, 20);
	CHECK(locker_got(&b, 5000));
	locker_finish(&a);
	locker_finish(&b);
	range_unlock(&tree, &big);
	CHECK_EQ(queued(), 0);
}

TEST(widen)
{
	struct range_lock r1, r2, t;
	struct locker x;
	struct range_lock_stats s;
	reset();
	/* nothing in the way: in place */
	range_write_lock(&tree, &r1, 10, 20);
	CHECK_EQ(range_lock_widen(&tree, &r1, 0, 30), 0);
	CHECK(!range_read_trylock(&tree, &t, 25, 26));
	/* a later waiter in the added part now waits for r1 too */
	range_lock_narrow(&tree, &r1, 10, 20);
	CHECK(range_write_trylock(&tree, &r2, 40, 50));
	CHECK(locker_queue(&x, 25, 45, true, 3));
	CHECK_EQ(blocking_of(&x.r), 1);
	CHECK_EQ(range_lock_widen(&tree, &r1, 0, 30), 0);
	CHECK_EQ(blocking_of(&x.r), 2);
	range_unlock(&tree, &r2);
	usleep(20000);
	CHECK(!smp_load_acquire(&x.got));
	range_unlock(&tree, &r1);
	CHECK(locker_got(&x, 5000));
	/* a granted request in the added part: -EAGAIN, r1 unchanged */
	range_write_lock(&tree, &r1, 0, 10);
	CHECK_EQ(range_lock_widen(&tree, &r1, 0, 30), -EAGAIN);
	CHECK(range_lock_held(&tree, &r1));
	CHECK(range_write_trylock(&tree, &t, 10, 20)); /* r1 did not grow */
	range_unlock(&tree, &t);
	locker_finish(&x);
	range_unlock(&tree, &r1);
	/* an earlier waiting request in the added part: -EAGAIN (FIFO) */
	range_write_lock(&tree, &r1, 0, 10);
	CHECK(locker_queue(&x, 5, 15, true, 2));
	CHECK(range_write_trylock(&tree, &r2, 20, 30));
	CHECK_EQ(range_lock_widen(&tree, &r2, 12, 30), -EAGAIN);
	range_unlock(&tree, &r2);
	range_unlock(&tree, &r1);
	CHECK(locker_got(&x, 5000));
	locker_finish(&x);
	range_lock_stats(&tree, &s);
	CHECK_EQ(s.widenings, 2);
	CHECK_EQ(s.widen_fails, 2);
	CHECK_EQ(s.nr_ranges, 0);
}

/* A killed killable waiter leaves the queue; the request behind it, which
 * waited only for it, is granted. */
TEST(killed_waiter_unblocks_later)
{
	struct range_lock a;
	struct locker k, c;
	reset();
	range_read_lock(&tree, &a, 0, 10);
	memset(&k, 0, sizeof(k));
	k.start = 5, k.end = 20, k.writer = true, k.killable = true;
	pthread_create(&k.th, NULL, locker_fn, &k);
	CHECK(wait_queued(2));
	CHECK(locker_queue(&c, 15, 20, false, 3)); /* conflicts with k only */
	CHECK_EQ(blocking_of(&c.r), 1);
	host_kill(smp_load_acquire(&k.task));
	CHECK(locker_got(&k, 5000));
	CHECK_EQ(k.ret, -EINTR);
	CHECK(locker_got(&c, 5000));
	CHECK(range_lock_held(&tree, &a));
	locker_finish(&k);
	locker_finish(&c);
	range_unlock(&tree, &a);
	CHECK_EQ(queued(), 0);
}

static void unlock_not_held(void)
{
	struct range_lock a, b;
	range_write_lock(&tree, &a, 0, 10);
	memset(&b, 0, sizeof(b));
	range_unlock(&tree, &b);
}

static void narrow_outside(void)
{
	struct range_lock a;
	range_write_lock(&tree, &a, 10, 20);
	range_lock_narrow(&tree, &a, 5, 15);
}

TEST(misuse_is_a_bug)
{
	reset();
	int st = check_child_status(unlock_not_held);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT);
	st = check_child_status(narrow_outside);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT);
}

/* ---- stress: mutual exclusion per page ---- */

#define NTHREADS 4
#define NPAGES 64
static int page_writers[NPAGES], page_readers[NPAGES]; /* atomic */
static uint64_t violations, ops;                        /* atomic */
static int stop;                                        /* atomic */

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void pages_enter(uint64_t s, uint64_t e, bool writer)
{
	for (uint64_t p = s; p < e && p < NPAGES; p++) {
		if (writer) {
			if (fetch_add(&page_writers[p], 1) || __atomic_load_n(&page_readers[p], __ATOMIC_SEQ_CST))
				fetch_add(&violations, 1);
		} else {
			fetch_add(&page_readers[p], 1);
			if (__atomic_load_n(&page_writers[p], __ATOMIC_SEQ_CST))
				fetch_add(&violations, 1);
		}
	}
}

static void pages_leave(uint64_t s, uint64_t e, bool writer)
{
	for (uint64_t p = s; p < e && p < NPAGES; p++)
		fetch_sub(writer ? &page_writers[p] : &page_readers[p], 1);
}

static void *stress_fn(void *arg)
{
	uint64_t seed = 0x9e3779b97f4a7c15ull * ((uintptr_t)arg + 1), n = 0;
	struct range_lock r;
	while (!load_relaxed(&stop)) {
		uint64_t s = rnd(&seed) % NPAGES, len = 1 + rnd(&seed) % 8, e = s + len;
		bool writer = rnd(&seed) % 3 == 0;
		unsigned op = rnd(&seed) % 16;
		if (op == 0) { /* the whole space (exec, exit) */
			range_lock_all(&tree, &r);
			s = 0, e = NPAGES, writer = true;
		} else if (op < 6) {
			if (!(writer ? range_write_trylock : range_read_trylock)(&tree, &r, s, e))
				continue;
		} else if (writer) {
			range_write_lock(&tree, &r, s, e);
		} else {
			range_read_lock(&tree, &r, s, e);
		}
		pages_enter(s, e, writer);
		if (op == 1 && len > 1) { /* narrow to the upper half */
			pages_leave(s, s + len / 2, writer);
			range_lock_narrow(&tree, &r, s + len / 2, e);
			s += len / 2;
		} else if (op == 2 && s > 0) { /* widen one page down, or give up */
			if (range_lock_widen(&tree, &r, s - 1, e) == 0)
				pages_enter(s - 1, s, writer), s--;
		}
		for (unsigned i = rnd(&seed) % 200; i; i--)
			__asm__ volatile("" ::: "memory");
		pages_leave(s, e, writer);
		range_unlock(&tree, &r);
		n++;
	}
	fetch_add(&ops, n);
	host_task_exit();
	return NULL;
}

TEST(stress_mutual_exclusion)
{
	const char *env = getenv("RANGE_LOCK_TEST_MS");
	unsigned ms = env && atoi(env) > 0 ? (unsigned)atoi(env) : 1000;
	pthread_t th[NTHREADS];
	reset();
	violations = ops = 0;
	stop = 0;
	for (uintptr_t i = 0; i < NTHREADS; i++)
		pthread_create(&th[i], NULL, stress_fn, (void *)i);
	usleep(ms * 1000);
	smp_store_release(&stop, 1);
	for (int i = 0; i < NTHREADS; i++)
		pthread_join(th[i], NULL);
	struct range_lock_stats s;
	range_lock_stats(&tree, &s);
	printf("# stress: %llu ops, %llu waits, %llu widenings, %llu widen fails, %llu try fails\n",
	       (unsigned long long)ops, (unsigned long long)s.waits, (unsigned long long)s.widenings,
	       (unsigned long long)s.widen_fails, (unsigned long long)s.try_fails);
	CHECK_EQ(violations, 0);
	CHECK(ops > 1000);
	CHECK(s.waits > 0);
	CHECK(s.widenings > 0);
	CHECK_EQ(s.nr_ranges, 0);
	for (int p = 0; p < NPAGES; p++)
		CHECK(page_writers[p] == 0 && page_readers[p] == 0);
}

/* ---- benchmark: uncontended lock/unlock pairs ---- */

static void bench(void)
{
	struct range_lock r;
	const char *env = getenv("RANGE_LOCK_BENCH_N");
	const int n = env && atoi(env) > 0 ? atoi(env) : 2000000;
	range_lock_debug = false;
	reset();
	for (int held = 0; held <= 8; held += 8) {
		struct range_lock bg[8];
		for (int i = 0; i < held; i++)
			range_write_lock(&tree, &bg[i], 1000 + 10 * i, 1001 + 10 * i);
		uint64_t t0 = now_ns();
		for (int i = 0; i < n; i++) {
			range_read_trylock(&tree, &r, 5, 6);
			range_unlock(&tree, &r);
		}
		uint64_t t1 = now_ns();
		for (int i = 0; i < n; i++) {
			range_write_lock(&tree, &r, 5, 6);
			range_unlock(&tree, &r);
		}
		uint64_t t2 = now_ns();
		printf("# %d other ranges held: read_trylock+unlock %.1f ns, write_lock+unlock %.1f ns\n", held,
		       (double)(t1 - t0) / n, (double)(t2 - t1) / n);
		for (int i = 0; i < held; i++)
			range_unlock(&tree, &bg[i]);
	}
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "bench")) {
		bench();
		return 0;
	}
	range_lock_debug = true;
	RUN(disjoint_ranges_in_parallel);
	RUN(read_read_overlap);
	RUN(write_read_exclusion);
	RUN(fifo_writer_not_overtaken_by_later_reader);
	RUN(narrow_wakes_waiters);
	RUN(widen);
	RUN(killed_waiter_unblocks_later);
	RUN(misuse_is_a_bug);
	RUN(stress_mutual_exclusion);
	host_task_exit();
	return check_done();
}
