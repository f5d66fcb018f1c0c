/* test_epoch.c - host tests of the epoch core (kernel/epoch.c), with
 * threads standing in for CPUs (epoch_host_cpu says which one a thread is).
 *
 * Stress cases (threads): readers on several "CPUs" never see an object a
 * writer retired through call_epoch() poisoned or freed (ASan catches the
 * freed read, TSan a read that does not happen before the free); callbacks
 * run on the CPU that queued them, in the order queued there, each exactly
 * once, and a callback queued on another CPU (call_epoch_on, what
 * epoch_barrier does) runs after everything queued there before it; idle
 * CPUs do not hold grace periods up.
 * Deterministic cases (one thread acting as each CPU in turn): a busy CPU
 * that passes no quiescent state holds a grace period up, inside a read
 * section or not; a CPU going idle releases it; a snapshot taken while a
 * grace period runs is not satisfied by that grace period; a quiescent state
 * inside a read section panics.
 *
 * EPOCH_TEST_MS=n sets the length of each stress case (default 1000). */
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include "kernel/atomic.h"
#include "kernel/epoch.h"
#include "mm/mmstat.h"
#include "tests/host/check.h"

/* ---- what epoch.c needs from its environment ---- */
__thread unsigned epoch_host_cpu;

uint64_t epoch_clock_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t gp_ended_calls; /* written under gp_lock */
void epoch_gp_ended(void) { fetch_add_relaxed(&gp_ended_calls, 1); }
void mmstat_add(enum mmstat_item item, uint64_t n) { (void)item, (void)n; } /* the kernel's counters */


#define NCPU 4

static unsigned stress_ms(void)
{
	const char *s = getenv("EPOCH_TEST_MS");
	return s && atoi(s) > 0 ? (unsigned)atoi(s) : 1000;
}

static uint64_t rnd_next(uint64_t *s) /* xorshift64 */
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Every CPU idle, no callback pending, no grace period running: the state
 * each case starts from and leaves behind.  Only with no other thread
 * running.  False if callbacks stay pending. */
static bool settle(void)
{
	for (int round = 0; round < 1000; round++) {
		bool pending = false;
		epoch_tick(); /* the timer tick starts what call_epoch asked for */
		for (unsigned i = 0; i < NCPU; i++) {
			epoch_host_cpu = i;
			epoch_idle_exit();
			epoch_quiescent_run(0);
			epoch_idle_enter();
			pending |= epoch_cpus[i].queued != epoch_cpus[i].run;
		}
		if (!pending && !(epoch_gp_seq() & 1)) {
			epoch_host_cpu = 0;
			return true;
		}
	}
	epoch_host_cpu = 0;
	return false;
}

static void as_cpu(unsigned cpu) { epoch_host_cpu = cpu; }

/* ---- (a) readers never see a retired object poisoned or freed ---- */

#define OBJ_LIVE 0x11fe11fe11fe11feull
#define OBJ_DEAD 0xdeaddeaddeaddeadull

struct obj {
	struct epoch_head eh;
	uint64_t magic; /* OBJ_LIVE until its callback poisons it */
	uint64_t gen;
	unsigned cpu;   /* the CPU that retired it: where the callback must run */
};

static struct obj *cur;                /* the published object; acquire / release */
static int stop;                       /* atomic */
static uint64_t reads, bad_reads, writes, frees, wrong_cpu; /* atomic */

static void obj_free_cb(struct epoch_head *h)
{
	struct obj *o = container_of(h, struct obj, eh);
	if (o->magic != OBJ_LIVE || o->cpu != epoch_host_cpu)
		fetch_add(&wrong_cpu, 1); /* run twice, or on another CPU */
	o->magic = OBJ_DEAD;
	fetch_add_relaxed(&frees, 1);
	free(o);
}

static struct obj *obj_new(uint64_t gen)
{
	struct obj *o = malloc(sizeof(*o));
	o->magic = OBJ_LIVE;
	o->gen = gen;
	o->cpu = ~0u;
	return o;
}

/* One read section: the object must stay live throughout. */
static void read_once(uint64_t *rs)
{
	epoch_enter();
	struct obj *o = smp_load_acquire(&cur);
	uint64_t m1 = o->magic, g = o->gen;
	if ((rnd_next(rs) & 7) == 0) { /* nested section */
		epoch_enter();
		struct obj *o2 = smp_load_acquire(&cur);
		if (o2->magic != OBJ_LIVE)
			fetch_add(&bad_reads, 1);
		epoch_exit();
	}
	for (unsigned i = rnd_next(rs) & 63; i; i--) /* widen the window */
		__asm__ volatile("" ::: "memory");
	if (m1 != OBJ_LIVE || o->magic != OBJ_LIVE || o->gen != g)
		fetch_add(&bad_reads, 1);
	epoch_exit();
}

static void *reader(void *arg)
{
	unsigned cpu = (unsigned)(uintptr_t)arg;
	uint64_t rs = 0x9e3779b97f4a7c15ull * (cpu + 1), n = 0;
	as_cpu(cpu);
	epoch_idle_exit();
	while (!load_relaxed(&stop)) {
		read_once(&rs);
		epoch_quiescent_run(0); /* between sections: this CPU's quiescent state */
		n++;
		/* The last reader CPU idles now and then (the idle loop's
		 * calls), exercising grace periods that skip it. */
		if (cpu == NCPU - 1 && (n & 1023) == 0) {
			epoch_idle_enter();
			sched_yield();
			epoch_idle_exit();
		}
	}
	epoch_idle_enter();
	fetch_add_relaxed(&reads, n);
	return NULL;
}

/* A writer replaces the object and retires the old one; CPU 1's writer
 * also reads, so writes and reads share a CPU. */
static void *writer(void *arg)
{
	unsigned cpu = (unsigned)(uintptr_t)arg;
	uint64_t rs = 12345 + cpu, n = 0;
	as_cpu(cpu);
	epoch_idle_exit();
	struct epoch_cpu *ec = epoch_this_cpu();
	while (!load_relaxed(&stop)) {
		struct obj *o = obj_new(rnd_next(&rs));
		struct obj *old = xchg(&cur, o); /* release: o's fields before it is seen */
		old->cpu = cpu;
		call_epoch(&old->eh, obj_free_cb);
		if (cpu == 1)
			read_once(&rs);
		epoch_quiescent_run(rnd_next(&rs) & 1 ? 0 : EPOCH_RUN_BATCH);
		n++;
		/* Bound the backlog: grace periods are slower than malloc. */
		while (ec->queued - ec->run > 20000 && !load_relaxed(&stop)) {
			epoch_quiescent_run(0);
			sched_yield();
		}
	}
	epoch_idle_enter();
	fetch_add_relaxed(&writes, n);
	return NULL;
}

TEST(readers_never_see_a_retired_object_freed)
{
	CHECK(settle());
	cur = obj_new(0);
	stop = 0;
	reads = bad_reads = writes = frees = wrong_cpu = 0;
	uint64_t gp0 = epoch_gp_seq();
	pthread_t th[NCPU];
	for (unsigned i = 0; i < NCPU; i++)
		pthread_create(&th[i], NULL, i < 2 ? writer : reader, (void *)(uintptr_t)i);
	usleep(stress_ms() * 1000);
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	for (unsigned i = 0; i < NCPU; i++)
		pthread_join(th[i], NULL);
	CHECK(settle());
	printf("    # %llu reads, %llu writes, %llu frees, %llu grace periods\n", (unsigned long long)reads,
	       (unsigned long long)writes, (unsigned long long)frees, (unsigned long long)(epoch_gp_seq() - gp0) / 2);
	CHECK_EQ(bad_reads, 0);
	CHECK_EQ(wrong_cpu, 0);
	CHECK_EQ(frees, writes); /* every retired object freed, once */
	CHECK(reads > 100000);
	CHECK(epoch_gp_seq() - gp0 >= 2);
	free(cur);
	cur = NULL;
}

/* ---- (b) callbacks: on the queuing CPU, in order, exactly once ---- */

struct cb {
	struct epoch_head eh;
	unsigned cpu;
	uint64_t seq;  /* 1, 2, ... per CPU in queueing order */
	int runs;
};

#define CB_MAX 200000
static struct cb *cbs[NCPU];          /* per CPU, indexed by seq - 1 */
static uint64_t cb_queued[NCPU];      /* atomic: written by the owner after call_epoch returns */
static uint64_t cb_last_run[NCPU];    /* owner only (callbacks run on the owner) */
static uint64_t cb_errors, cb_markers_run; /* atomic */

static void cb_fn(struct epoch_head *h)
{
	struct cb *c = container_of(h, struct cb, eh);
	if (c->cpu != epoch_host_cpu || c->seq != cb_last_run[c->cpu] + 1 || c->runs != 0) {
		printf("    # cb cpu%u seq %llu ran on cpu%u after %llu, runs %d\n", c->cpu,
		       (unsigned long long)c->seq, epoch_host_cpu, (unsigned long long)cb_last_run[c->cpu], c->runs);
		fetch_add(&cb_errors, 1);
	}
	cb_last_run[c->cpu] = c->seq;
	c->runs++;
}

/* A marker queued on CPU cpu with call_epoch_on(), after `before` of that
 * CPU's callbacks had been queued: when it runs, all of them have. */
struct marker {
	struct epoch_head eh;
	unsigned cpu;
	uint64_t before;
};

static void marker_fn(struct epoch_head *h)
{
	struct marker *m = container_of(h, struct marker, eh);
	if (m->cpu != epoch_host_cpu || cb_last_run[m->cpu] < m->before) {
		printf("    # marker for cpu%u ran on cpu%u after %llu callbacks, %llu queued before it\n", m->cpu,
		       epoch_host_cpu, (unsigned long long)cb_last_run[m->cpu], (unsigned long long)m->before);
		fetch_add(&cb_errors, 1);
	}
	fetch_add(&cb_markers_run, 1);
	free(m);
}

static void *cb_worker(void *arg)
{
	unsigned cpu = (unsigned)(uintptr_t)arg;
	uint64_t rs = 777 + cpu, n = 0;
	as_cpu(cpu);
	epoch_idle_exit();
	while (!load_relaxed(&stop) && n < CB_MAX) {
		for (unsigned burst = 1 + (rnd_next(&rs) % 32); burst && n < CB_MAX; burst--) {
			struct cb *c = &cbs[cpu][n];
			c->cpu = cpu;
			c->seq = n + 1;
			call_epoch(&c->eh, cb_fn);
			n++;
			__atomic_store_n(&cb_queued[cpu], n, __ATOMIC_RELEASE);
		}
		/* CPU 0 plays epoch_barrier now and then: a marker behind
		 * what every other CPU has queued so far. */
		if (cpu == 0 && (rnd_next(&rs) & 15) == 0)
			for (unsigned j = 1; j < NCPU; j++) {
				struct marker *m = malloc(sizeof(*m));
				m->cpu = j;
				m->before = __atomic_load_n(&cb_queued[j], __ATOMIC_ACQUIRE);
				call_epoch_on(j, &m->eh, marker_fn);
			}
		switch (rnd_next(&rs) % 8) {
		case 0: /* the idle loop */
			epoch_idle_enter();
			sched_yield();
			epoch_idle_exit();
			epoch_quiescent_run(0);
			break;
		case 1:
			epoch_enter();
			sched_yield();
			epoch_exit();
			break;
		default: /* a context switch: a bounded batch */
			epoch_quiescent_run(1 + rnd_next(&rs) % EPOCH_RUN_BATCH);
		}
	}
	/* Drain this CPU's callbacks (the others may still queue and mark). */
	struct epoch_cpu *ec = epoch_this_cpu();
	uint64_t deadline = epoch_clock_ns() + 10000000000ull;
	while (__atomic_load_n(&ec->run, __ATOMIC_RELAXED) < n && epoch_clock_ns() < deadline) {
		epoch_quiescent_run(0);
		sched_yield();
	}
	epoch_idle_enter();
	return NULL;
}

TEST(callbacks_run_in_order_exactly_once)
{
	CHECK(settle());
	stop = 0;
	cb_errors = cb_markers_run = 0;
	uint64_t q0 = 0, r0 = 0;
	for (unsigned i = 0; i < NCPU; i++) {
		cbs[i] = calloc(CB_MAX, sizeof(struct cb));
		cb_queued[i] = cb_last_run[i] = 0;
		q0 += epoch_cpus[i].queued;
		r0 += epoch_cpus[i].run;
	}
	pthread_t th[NCPU];
	for (unsigned i = 0; i < NCPU; i++)
		pthread_create(&th[i], NULL, cb_worker, (void *)(uintptr_t)i);
	usleep(stress_ms() * 1000);
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	for (unsigned i = 0; i < NCPU; i++)
		pthread_join(th[i], NULL);
	CHECK(settle()); /* markers queued on CPUs that had finished run here */
	uint64_t total = 0, markers_queued;
	for (unsigned i = 0; i < NCPU; i++) {
		total += cb_queued[i];
		CHECK_EQ(cb_last_run[i], cb_queued[i]);
		for (uint64_t k = 0; k < cb_queued[i]; k++)
			if (cbs[i][k].runs != 1) {
				CHECK_EQ(cbs[i][k].runs, 1);
				break;
			}
		free(cbs[i]);
	}
	struct epoch_stats s;
	epoch_stats(&s);
	markers_queued = (s.cb_queued - q0) - total;
	printf("    # %llu callbacks and %llu markers queued, %llu run; %llu grace periods so far, longest %llu us\n",
	       (unsigned long long)total, (unsigned long long)markers_queued, (unsigned long long)(s.cb_run - r0),
	       (unsigned long long)s.gp_completed, (unsigned long long)s.gp_longest_ns / 1000);
	CHECK_EQ(cb_errors, 0);
	CHECK_EQ(s.cb_queued - q0, s.cb_run - r0);
	CHECK_EQ(s.cb_pending, 0);
	CHECK_EQ(cb_markers_run, markers_queued);
	CHECK(total > 1000);
}

/* ---- (c) idle CPUs do not hold grace periods up ---- */

/* Deterministic: CPU 0 alone busy; every grace period waits for it only. */
TEST(idle_cpus_are_skipped)
{
	CHECK(settle());
	as_cpu(0);
	epoch_idle_exit();
	uint64_t gp0 = epoch_gp_seq();
	for (int i = 0; i < 100; i++) {
		uint64_t s = epoch_snap();
		epoch_request(s);
		CHECK(!epoch_done(s)); /* it waits for CPU 0 */
		epoch_quiescent();
		CHECK(epoch_done(s));
	}
	CHECK_EQ(epoch_gp_seq() - gp0, 200);

	/* CPU 1 busy too: the grace period waits for both ... */
	as_cpu(1);
	epoch_idle_exit();
	as_cpu(0);
	uint64_t s = epoch_snap();
	epoch_request(s);
	epoch_quiescent();
	CHECK(!epoch_done(s));
	/* ... until CPU 1 goes idle, which is a quiescent state. */
	as_cpu(1);
	epoch_idle_enter();
	CHECK(epoch_done(s));
	as_cpu(0);
	epoch_idle_enter();
	CHECK(settle());
}

static uint64_t idle_case_gps[NCPU]; /* atomic */

static void *gp_driver(void *arg)
{
	unsigned cpu = (unsigned)(uintptr_t)arg;
	as_cpu(cpu);
	epoch_idle_exit();
	uint64_t n = 0;
	while (!load_relaxed(&stop)) {
		uint64_t s = epoch_snap(), t0 = epoch_clock_ns();
		epoch_request(s);
		while (!epoch_done(s) && !load_relaxed(&stop) && epoch_clock_ns() - t0 < 1000000000ull) {
			epoch_quiescent_run(0);
			sched_yield();
		}
		n += epoch_done(s);
		__atomic_store_n(&idle_case_gps[cpu], n, __ATOMIC_RELAXED);
	}
	epoch_idle_enter();
	return NULL;
}

/* Threads: CPUs 0 and 2 drive grace periods while CPU 1 stays idle the
 * whole time (its thread sleeps) and CPU 3 was never woken. */
TEST(grace_periods_complete_while_a_cpu_idles)
{
	CHECK(settle());
	stop = 0;
	uint64_t gp0 = epoch_gp_seq();
	pthread_t a, b;
	pthread_create(&a, NULL, gp_driver, (void *)0);
	pthread_create(&b, NULL, gp_driver, (void *)2);
	/* Progress, not a rate: until each driver has seen 50 grace periods
	 * end, or 30 s (a loaded host under TSan can be slow, a stuck grace
	 * period never gets there). */
	uint64_t t0 = epoch_clock_ns();
	while (epoch_clock_ns() - t0 < 30000000000ull &&
	       (__atomic_load_n(&idle_case_gps[0], __ATOMIC_RELAXED) < 50 ||
		__atomic_load_n(&idle_case_gps[2], __ATOMIC_RELAXED) < 50))
		usleep(10000);
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	uint64_t gps = (epoch_gp_seq() - gp0) / 2;
	printf("    # %llu grace periods in %.2f s; drivers saw %llu and %llu\n", (unsigned long long)gps,
	       (double)(epoch_clock_ns() - t0) / 1e9, (unsigned long long)idle_case_gps[0],
	       (unsigned long long)idle_case_gps[2]);
	CHECK(gps >= 100);
	CHECK(idle_case_gps[0] >= 50 && idle_case_gps[2] >= 50);
	CHECK(settle());
}

/* ---- (d) a busy CPU without quiescent states holds grace periods up ---- */

static int cb_ran;
static void count_cb(struct epoch_head *h) { cb_ran++; }

TEST(busy_cpu_holds_grace_period_up)
{
	CHECK(settle());
	as_cpu(1);
	epoch_idle_exit();
	as_cpu(0);
	epoch_idle_exit();
	uint64_t s = epoch_snap(); /* no grace period running: the next one will do */
	struct epoch_head h;
	cb_ran = 0;
	call_epoch(&h, count_cb); /* asks for one, lazily: ... */
	CHECK(!(epoch_gp_seq() & 1));
	epoch_tick(); /* ... the next timer tick starts it */
	CHECK(epoch_gp_seq() & 1);
	epoch_request(s);
	for (int i = 0; i < 1000; i++) { /* CPU 0 reports again and again: not enough */
		epoch_quiescent_run(0);
		CHECK(!epoch_done(s));
	}
	/* CPU 1 enters and leaves read sections: leaving one is not a
	 * quiescent state either. */
	as_cpu(1);
	epoch_enter();
	epoch_enter();
	epoch_exit();
	epoch_exit();
	as_cpu(0);
	epoch_quiescent_run(0);
	CHECK(!epoch_done(s));
	CHECK_EQ(cb_ran, 0);
	/* Its quiescent state ends the grace period; the callback runs at
	 * CPU 0's next one. */
	as_cpu(1);
	epoch_quiescent();
	CHECK(epoch_done(s));
	as_cpu(0);
	CHECK_EQ(cb_ran, 0);
	epoch_quiescent_run(0);
	CHECK_EQ(cb_ran, 1);
	epoch_idle_enter();
	as_cpu(1);
	epoch_idle_enter();
	as_cpu(0);
	CHECK(settle());
}

/* The same with a real thread: CPU 1 spins (in and out of read sections,
 * never quiescent) for 200 ms, then reports. */
static int spinner_report; /* atomic */
static int spinner_running; /* atomic: CPU 1 is out of idle */
static void *spinner(void *arg)
{
	as_cpu(1);
	epoch_idle_exit();
	__atomic_store_n(&spinner_running, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&spinner_report, __ATOMIC_ACQUIRE)) {
		epoch_enter();
		(void)smp_load_acquire(&cur);
		epoch_exit();
	}
	epoch_quiescent();
	while (__atomic_load_n(&spinner_report, __ATOMIC_ACQUIRE) != 2)
		sched_yield();
	epoch_idle_enter();
	return NULL;
}

TEST(busy_thread_holds_grace_period_up)
{
	CHECK(settle());
	spinner_report = 0;
	spinner_running = 0;
	pthread_t th;
	pthread_create(&th, NULL, spinner, NULL);
	/* until CPU 1 has left idle (a sleep of 10 ms was not always enough
	 * on a loaded host: the grace period then rightly skipped it) */
	while (!__atomic_load_n(&spinner_running, __ATOMIC_ACQUIRE))
		sched_yield();
	as_cpu(0);
	epoch_idle_exit();
	uint64_t s = epoch_snap(), t0 = epoch_clock_ns();
	epoch_request(s);
	bool done_early = false;
	while (epoch_clock_ns() - t0 < 200000000ull) {
		epoch_quiescent_run(0);
		done_early |= epoch_done(s);
		sched_yield();
	}
	CHECK(!done_early);
	__atomic_store_n(&spinner_report, 1, __ATOMIC_RELEASE);
	t0 = epoch_clock_ns();
	while (!epoch_done(s) && epoch_clock_ns() - t0 < 5000000000ull)
		sched_yield();
	CHECK(epoch_done(s));
	__atomic_store_n(&spinner_report, 2, __ATOMIC_RELEASE);
	pthread_join(th, NULL);
	epoch_idle_enter();
	CHECK(settle());
}

/* ---- (e) a snapshot taken during a grace period needs the next one ---- */

TEST(snapshot_during_a_grace_period_needs_the_next)
{
	CHECK(settle());
	as_cpu(1);
	epoch_idle_exit();
	as_cpu(0);
	epoch_idle_exit();
	uint64_t s1 = epoch_snap();
	CHECK(!(s1 & 1));
	epoch_request(s1);
	uint64_t running = epoch_gp_seq();
	CHECK(running & 1);         /* started */
	CHECK_EQ(s1, running + 1);  /* ... and s1 is its end */
	epoch_quiescent();          /* CPU 0 reports for it */

	/* Now CPU 0 could pick up an object not yet unlinked; unlinking it
	 * now, the snapshot must skip the running grace period. */
	struct epoch_head h;
	cb_ran = 0;
	call_epoch(&h, count_cb);
	uint64_t s2 = epoch_snap();
	CHECK_EQ(s2, running + 3);
	CHECK(!epoch_done(s2));

	as_cpu(1);
	epoch_quiescent(); /* ends the running one; the next starts at once */
	as_cpu(0);
	CHECK(epoch_done(s1));
	CHECK(!epoch_done(s2));
	CHECK_EQ(epoch_gp_seq(), running + 2);
	epoch_quiescent_run(0);
	CHECK_EQ(cb_ran, 0); /* not after the grace period it was queued in */
	CHECK(!epoch_done(s2));
	as_cpu(1);
	epoch_quiescent();
	as_cpu(0);
	CHECK(epoch_done(s2));
	epoch_quiescent_run(0);
	CHECK_EQ(cb_ran, 1);
	epoch_idle_enter();
	as_cpu(1);
	epoch_idle_enter();
	as_cpu(0);
	CHECK(settle());
}

/* ---- misuse ---- */

static void quiescent_in_section(void)
{
	as_cpu(0);
	epoch_idle_exit();
	epoch_enter();
	epoch_quiescent_run(0); /* panics: the section could still hold a pointer */
}

TEST(quiescent_state_in_a_read_section_panics)
{
	int st = check_child_status(quiescent_in_section);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT);
}

TEST(statistics_add_up)
{
	CHECK(settle());
	struct epoch_stats s;
	epoch_stats(&s);
	CHECK_EQ(s.cb_pending, 0);
	CHECK_EQ(s.cb_queued, s.cb_run);
	CHECK_EQ(s.gp_completed, epoch_gp_seq() / 2);
	CHECK_EQ(s.gp_completed, __atomic_load_n(&gp_ended_calls, __ATOMIC_RELAXED));
}

int main(void)
{
	for (unsigned i = 0; i < NCPU; i++) {
		epoch_cpu_online(i);
		as_cpu(i);
		epoch_idle_enter(); /* CPUs idle until a case wakes them */
	}
	as_cpu(0);
	RUN(idle_cpus_are_skipped);
	RUN(busy_cpu_holds_grace_period_up);
	RUN(snapshot_during_a_grace_period_needs_the_next);
	RUN(quiescent_state_in_a_read_section_panics);
	RUN(readers_never_see_a_retired_object_freed);
	RUN(callbacks_run_in_order_exactly_once);
	RUN(grace_periods_complete_while_a_cpu_idles);
	RUN(busy_thread_holds_grace_period_up);
	RUN(statistics_add_up);
	return check_done();
}
