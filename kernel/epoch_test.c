/* epoch_test.c - ktests of epochs (kernel/epoch.c), rcutorture style
 * (Linux kernel/rcu/rcutorture.c, QEMU tests/unit/rcutorture.c), with kernel
 * threads pinned to every CPU:
 *
 *  - torture_pipeline: a writer publishes a new object and retires the old
 *    one through call_epoch; the object's AGE moves along the pipeline -
 *    0 while current, 1 once replaced, +1 at each grace period after that
 *    (its callback re-queues itself) until it is poisoned for reuse.
 *    Readers on every CPU record the age they see at the END of each read
 *    section; a section began before the object was replaced, so no full
 *    grace period can separate the two: age >= 2, a poisoned object, or one
 *    reused under the reader is a failure.  A second writer calls
 *    synchronize_epoch and epoch_barrier meanwhile.
 *  - synchronize_waits_for_readers: synchronize_epoch() returns only after
 *    every read section that was in flight when it was called has ended,
 *    also when it is called while a grace period runs.
 *  - barrier_runs_every_callback: epoch_barrier() returns only after every
 *    callback queued (on any CPU) before it has run; callbacks run on the
 *    CPU that queued them, in order, once.
 *  - grace_periods_with_idle_cpus: with one CPU busy and the others idle,
 *    a grace period ends at the busy CPU's report, without waiting for the
 *    idle ones to wake (their tick), and never before that report.
 *  - busy_cpu_holds_grace_period: a CPU looping in the kernel without a
 *    quiescent state holds the grace period up until it passes one.
 *
 * The contract every thread here keeps: a kernel thread looping in the
 * kernel never passes a quiescent state on its own (the kernel does not
 * preempt it; the timer tick does not report for it), so between read
 * sections it calls epoch_quiescent_run(0), or schedule()/sched_yield().
 * Readers never sleep inside a section; they spin.
 *
 * Length: a second or two per case by default (the suite takes about 6 s);
 * epoch.torture_seconds=N runs the pipeline N seconds and the synchronize
 * and barrier cases N/4 each (make torture).  The cases that sleep
 * (synchronize_epoch, epoch_barrier) do so in kernel threads: the ktest
 * context is CPU 0's idle task, which must not sleep. */
#include "arch/x86_64/x86.h"
#include "kernel/assert.h"
#include "kernel/atomic.h"
#include "kernel/lib/cmdline.h"
#include "kernel/epoch.h"
#include "kernel/ktest.h"
#include "kernel/sched.h"
#include "kernel/smp.h"
#include "kernel/time.h"

#define NS_PER_MS 1000000ull

/* Milliseconds a case runs: def_ms, or a share of epoch.torture_seconds. */
static uint64_t torture_ms(uint64_t def_ms, unsigned share)
{
	long s = cmdline_get_int("epoch.torture_seconds", 0);
	return s > 0 ? (uint64_t)s * 1000 / share : def_ms;
}

static uint64_t rnd_next(uint64_t *s) /* xorshift64 */
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* ---- threads pinned to CPUs ---- */

struct role {
	void (*fn)(unsigned cpu);
	unsigned cpu;
};
static struct role roles[2 * MAX_CPUS + 2];
static int nroles, roles_done; /* roles_done: atomic */
static uint64_t roles_deadline; /* time_ns() at which the roles finish */

static void role_entry(void *arg)
{
	struct role *r = arg;
	struct cpumask m = cpumask_of(r->cpu);
	sched_set_affinity(current, &m); /* moves us there; nothing moves us back */
	r->fn(r->cpu);
	fetch_add(&roles_done, 1);
}

/* The roles started next run for ms milliseconds.  They watch the clock
 * themselves: the ktest context, CPU 0's idle task, runs only when CPU 0
 * has nothing else to run, so it could not tell them to stop. */
static void roles_reset(uint64_t ms)
{
	nroles = 0;
	roles_done = 0;
	WRITE_ONCE(roles_deadline, time_ns() + ms * NS_PER_MS);
}

static bool role_start(struct ktest_ctx *t, void (*fn)(unsigned), unsigned cpu)
{
	BUG_ON(nroles == (int)ARRAY_SIZE(roles));
	roles[nroles] = (struct role){ fn, cpu };
	if (!kthread_create(role_entry, &roles[nroles], "epochtorture")) {
		KEXPECT(t, !"kthread_create failed");
		return false;
	}
	nroles++;
	return true;
}

/* Wait until the roles have returned (this is CPU 0's idle task: it
 * yields, never sleeps). */
static bool roles_wait(struct ktest_ctx *t)
{
	uint64_t deadline = READ_ONCE(roles_deadline) + 60000 * NS_PER_MS;
	while (smp_load_acquire(&roles_done) < nroles && time_ns() < deadline)
		schedule();
	task_reap_dead();
	bool ok = smp_load_acquire(&roles_done) == nroles;
	if (!ok)
		ktest_fail(t, __FILE__, __LINE__, "%d of %d threads still running after 60 s", nroles - roles_done,
			   nroles);
	return ok;
}

static bool stopping(void) { return time_ns() >= READ_ONCE(roles_deadline); }

/* The CPU the writers use: the last one (CPU 0 also runs the ktest). */
static unsigned last_cpu(void)
{
	unsigned last = 0;
	for_each_cpu(i, &cpu_online_mask)
		last = i;
	return last;
}

/* ---- the pipeline ---- */

#define PIPE_LEN 4         /* ages 0..PIPE_LEN-1, then poisoned */
#define AGE_POISON 0x7fff
#define NOBJ 256

struct tobj {
	struct epoch_head eh;
	int age;      /* see the top; AGE_POISON when free */
	int mbtest;   /* 1 while published and later; 0 while being set up or free */
	uint64_t gen; /* changes at every reuse */
	int live;     /* 0: free for the writer to reuse (release by the callback) */
};

static struct tobj pool[NOBJ];
static struct tobj *pipe_cur;                     /* acquire / release */
static uint64_t hist[MAX_CPUS][PIPE_LEN + 2];     /* per reader CPU: ages 0..PIPE_LEN-1, >= PIPE_LEN, poisoned */
static uint64_t reuse_errors[MAX_CPUS], mb_errors[MAX_CPUS];
static uint64_t pipe_writes, pipe_frees, pipe_waits, pipe_stuck, fake_syncs, fake_barriers;

static void age_cb(struct epoch_head *h)
{
	struct tobj *o = container_of(h, struct tobj, eh);
	int age = o->age + 1; /* one more grace period since it was replaced */
	WRITE_ONCE(o->age, age);
	if (age < PIPE_LEN) {
		call_epoch(h, age_cb); /* along the pipeline: a callback may queue one */
		return;
	}
	WRITE_ONCE(o->mbtest, 0);
	WRITE_ONCE(o->age, AGE_POISON);
	pipe_frees++; /* the writer's CPU only */
	smp_store_release(&o->live, 0);
}

static void pipe_reader(unsigned cpu)
{
	uint64_t rs = 0x9e3779b97f4a7c15ull * (cpu + 1);
	for (uint64_t n = 1; !stopping(); n++) {
		epoch_enter();
		struct tobj *p = smp_load_acquire(&pipe_cur);
		uint64_t gen = READ_ONCE(p->gen);
		if (!READ_ONCE(p->mbtest))
			mb_errors[cpu]++;
		for (unsigned i = rnd_next(&rs) & 127; i; i--) /* widen the window */
			cpu_relax();
		int age = READ_ONCE(p->age);
		if (READ_ONCE(p->gen) != gen)
			reuse_errors[cpu]++;
		epoch_exit();
		hist[cpu][age == AGE_POISON ? PIPE_LEN + 1 : age >= PIPE_LEN ? PIPE_LEN : age]++;
		/* Out of the section: this CPU's quiescent state (see the top). */
		if (n % 16 == 0)
			sched_yield(); /* let the writer and the ktest on this CPU run */
		else
			epoch_quiescent_run(0);
	}
}

static void pipe_writer(unsigned cpu)
{
	uint64_t gen = 1;
	unsigned next = 0;
	while (!stopping()) {
		/* The next free object; none free means callbacks are behind. */
		struct tobj *p = NULL;
		for (unsigned k = 0; k < NOBJ && !p; k++, next = (next + 1) % NOBJ)
			if (!smp_load_acquire(&pool[next].live))
				p = &pool[next];
		if (!p) {
			pipe_waits++;
			sched_yield(); /* runs our callbacks too */
			continue;
		}
		WRITE_ONCE(p->mbtest, 0);
		smp_wmb();
		p->live = 1;
		WRITE_ONCE(p->gen, ++gen);
		WRITE_ONCE(p->age, 0);
		WRITE_ONCE(p->mbtest, 1);
		struct tobj *old = pipe_cur;
		smp_store_release(&pipe_cur, p);
		WRITE_ONCE(old->age, 1); /* replaced: readers that have it may finish */
		call_epoch(&old->eh, age_cb);
		pipe_writes++;
		if (pipe_writes % 4 == 0)
			sched_yield();
		else
			epoch_quiescent_run(0); /* our callbacks move the pipeline */
	}
	/* Leave no callback of ours queued (the pool is static): a barrier
	 * moves every object at least one step, and re-queued callbacks
	 * queue behind it, so PIPE_LEN of them empty the pipeline. */
	for (int i = 0; i < PIPE_LEN + 1; i++)
		epoch_barrier();
	for (unsigned k = 0; k < NOBJ; k++)
		if (&pool[k] != pipe_cur && smp_load_acquire(&pool[k].live))
			pipe_stuck++;
}

/* rcutorture's fake writers: grace periods from a sleeper, meanwhile. */
static void fake_writer(unsigned cpu)
{
	while (!stopping()) {
		synchronize_epoch();
		if (++fake_syncs % 8 == 0) {
			epoch_barrier();
			fake_barriers++;
		}
	}
}

KTEST(epoch, torture_pipeline)
{
	for (unsigned i = 0; i < NOBJ; i++)
		pool[i] = (struct tobj){ .age = AGE_POISON };
	pool[0] = (struct tobj){ .age = 0, .mbtest = 1, .gen = 1, .live = 1 };
	pipe_cur = &pool[0];
	for (unsigned c = 0; c < MAX_CPUS; c++) {
		for (unsigned a = 0; a < PIPE_LEN + 2; a++)
			hist[c][a] = 0;
		reuse_errors[c] = mb_errors[c] = 0;
	}
	pipe_writes = pipe_frees = pipe_waits = pipe_stuck = fake_syncs = fake_barriers = 0;
	struct epoch_stats s0, s1;
	epoch_stats(&s0);

	uint64_t ms = torture_ms(2000, 1);
	roles_reset(ms);
	unsigned w = last_cpu();
	for_each_cpu(c, &cpu_online_mask)
		role_start(t, pipe_reader, c);
	role_start(t, pipe_writer, w);
	role_start(t, fake_writer, ncpus_online > 2 ? 1 : 0);
	bool finished = roles_wait(t);
	epoch_stats(&s1);

	uint64_t sum[PIPE_LEN + 2] = { 0 }, reuse = 0, mb = 0, reads = 0;
	for_each_cpu(c, &cpu_online_mask) {
		for (unsigned a = 0; a < PIPE_LEN + 2; a++) {
			sum[a] += hist[c][a];
			reads += hist[c][a];
		}
		reuse += reuse_errors[c];
		mb += mb_errors[c];
	}
	printk("    # epoch.torture_pipeline: %llu ms on %u CPUs: %llu reads, %llu writes, %llu objects through the "
	       "pipeline, writer waited %llu times\n",
	       (unsigned long long)ms, ncpus_online, (unsigned long long)reads, (unsigned long long)pipe_writes,
	       (unsigned long long)pipe_frees, (unsigned long long)pipe_waits);
	printk("    # epoch.torture_pipeline: ages seen: 0: %llu  1: %llu  2: %llu  3: %llu  >=%d: %llu  poisoned: %llu"
	       "  (reused under a reader: %llu, unpublished: %llu)\n",
	       (unsigned long long)sum[0], (unsigned long long)sum[1], (unsigned long long)sum[2],
	       (unsigned long long)sum[3], PIPE_LEN, (unsigned long long)sum[PIPE_LEN],
	       (unsigned long long)sum[PIPE_LEN + 1], (unsigned long long)reuse, (unsigned long long)mb);
	printk("    # epoch.torture_pipeline: %llu grace periods (longest %llu us), %llu callbacks run, "
	       "%llu synchronize_epoch, %llu epoch_barrier\n",
	       (unsigned long long)(s1.gp_completed - s0.gp_completed), (unsigned long long)s1.gp_longest_ns / 1000,
	       (unsigned long long)(s1.cb_run - s0.cb_run), (unsigned long long)fake_syncs,
	       (unsigned long long)fake_barriers);
	KEXPECT(t, finished);
	for (unsigned a = 2; a < PIPE_LEN + 2; a++)
		KEXPECT_EQ(t, sum[a], 0); /* a reader kept an object across a full grace period */
	KEXPECT_EQ(t, reuse, 0);
	KEXPECT_EQ(t, mb, 0);
	KEXPECT(t, reads > 0 && pipe_writes > 0);
	KEXPECT(t, pipe_frees > 0); /* the pipeline moved: callbacks ran, grace periods ended */
	KEXPECT(t, s1.gp_completed > s0.gp_completed);
	KEXPECT(t, fake_syncs > 0);
	KEXPECT_EQ(t, pipe_stuck, 0); /* retired objects whose callbacks never finished */
}

/* ---- synchronize_epoch waits for every reader in flight ---- */

static uint64_t section[MAX_CPUS]; /* odd while CPU c's reader is inside a section (release) */
static uint64_t syncs, syncs_in_flight, sync_errors, sync_longest_ns;

static void sync_reader(unsigned cpu)
{
	uint64_t rs = 4242 + cpu;
	for (uint64_t n = 1; !stopping(); n++) {
		epoch_enter();
		smp_store_release(&section[cpu], section[cpu] + 1); /* odd: inside */
		udelay(20 + rnd_next(&rs) % 180); /* spin: a reader may not sleep */
		smp_store_release(&section[cpu], section[cpu] + 1); /* even: the section's work is done */
		epoch_exit();
		if (n % 8 == 0)
			sched_yield();
		else
			epoch_quiescent_run(0);
	}
}

static void syncer(unsigned cpu)
{
	uint64_t before[MAX_CPUS];
	while (!stopping()) {
		for_each_cpu(c, &cpu_online_mask)
			before[c] = smp_load_acquire(&section[c]);
		uint64_t t0 = time_ns();
		synchronize_epoch();
		uint64_t ns = time_ns() - t0;
		if (ns > sync_longest_ns)
			sync_longest_ns = ns;
		bool in_flight = false;
		for_each_cpu(c, &cpu_online_mask) {
			if (!(before[c] & 1))
				continue;
			in_flight = true;
			if (smp_load_acquire(&section[c]) == before[c]) {
				printk("    # synchronize_epoch returned while cpu%u's reader was still in its section\n", c);
				sync_errors++;
			}
		}
		syncs++;
		syncs_in_flight += in_flight;
	}
}

/* Keeps grace periods running back to back, so synchronize_epoch is
 * mostly called while one runs - when a reader may already have reported
 * for it before entering the section synchronize must wait for. */
static void gp_pusher(unsigned cpu)
{
	while (!stopping()) {
		epoch_request(epoch_snap());
		sched_yield();
	}
}

KTEST(epoch, synchronize_waits_for_readers)
{
	for (unsigned c = 0; c < MAX_CPUS; c++)
		section[c] = 0;
	syncs = syncs_in_flight = sync_errors = sync_longest_ns = 0;
	uint64_t ms = torture_ms(1000, 4);
	roles_reset(ms);
	for_each_cpu(c, &cpu_online_mask)
		role_start(t, sync_reader, c);
	role_start(t, syncer, 0);
	role_start(t, gp_pusher, last_cpu());
	KEXPECT(t, roles_wait(t));
	printk("    # epoch.synchronize_waits_for_readers: %llu synchronize_epoch in %llu ms, %llu with sections in "
	       "flight on other CPUs, longest %llu us\n",
	       (unsigned long long)syncs, (unsigned long long)ms, (unsigned long long)syncs_in_flight,
	       (unsigned long long)sync_longest_ns / 1000);
	KEXPECT_EQ(t, sync_errors, 0);
	KEXPECT(t, syncs > 0);
	if (ncpus_online > 1)
		KEXPECT(t, syncs_in_flight > 0); /* else the case proved nothing */
}

/* ---- epoch_barrier runs everything queued before it ---- */

#define RING 512
struct tcb {
	struct epoch_head eh;
	unsigned cpu;
	uint64_t seq; /* 1, 2, ... per CPU, in queueing order */
};
static struct tcb ring[MAX_CPUS][RING];
static uint64_t cb_queued[MAX_CPUS]; /* per CPU, after call_epoch returned (release) */
static uint64_t cb_ran[MAX_CPUS];    /* per CPU: the last seq run (written only there) */
static uint64_t cb_errors, barriers, barrier_longest_ns;

static void ring_cb(struct epoch_head *h)
{
	struct tcb *c = container_of(h, struct tcb, eh);
	if (c->cpu != cpu_id() || c->seq != cb_ran[c->cpu] + 1) {
		printk("    # callback cpu%u #%llu ran on cpu%u after #%llu\n", c->cpu, (unsigned long long)c->seq,
		       cpu_id(), (unsigned long long)cb_ran[c->cpu]);
		fetch_add(&cb_errors, 1);
	}
	smp_store_release(&cb_ran[c->cpu], c->seq);
}

static void queuer(unsigned cpu)
{
	uint64_t rs = 99 + cpu, n = 0;
	while (!stopping()) {
		for (unsigned burst = 1 + rnd_next(&rs) % 16; burst; burst--) {
			if (n - smp_load_acquire(&cb_ran[cpu]) >= RING)
				break; /* the ring is full of queued callbacks */
			struct tcb *c = &ring[cpu][n % RING];
			c->cpu = cpu;
			c->seq = ++n;
			call_epoch(&c->eh, ring_cb);
			smp_store_release(&cb_queued[cpu], n);
		}
		if (rnd_next(&rs) % 4 == 0)
			sched_yield();
		else
			epoch_quiescent_run(1 + rnd_next(&rs) % EPOCH_RUN_BATCH);
	}
}

static void barrier_caller(unsigned cpu)
{
	uint64_t before[MAX_CPUS];
	while (!stopping()) {
		for_each_cpu(c, &cpu_online_mask)
			before[c] = smp_load_acquire(&cb_queued[c]);
		uint64_t t0 = time_ns();
		epoch_barrier();
		uint64_t ns = time_ns() - t0;
		if (ns > barrier_longest_ns)
			barrier_longest_ns = ns;
		for_each_cpu(c, &cpu_online_mask)
			if (smp_load_acquire(&cb_ran[c]) < before[c]) {
				printk("    # epoch_barrier returned with cpu%u's callback #%llu not run (last run #%llu)\n",
				       c, (unsigned long long)before[c], (unsigned long long)cb_ran[c]);
				fetch_add(&cb_errors, 1);
			}
		barriers++;
	}
}

static void barrier_once(unsigned cpu) { epoch_barrier(); }

KTEST(epoch, barrier_runs_every_callback)
{
	for (unsigned c = 0; c < MAX_CPUS; c++)
		cb_queued[c] = cb_ran[c] = 0;
	cb_errors = barriers = barrier_longest_ns = 0;
	uint64_t ms = torture_ms(1000, 4);
	roles_reset(ms);
	for_each_cpu(c, &cpu_online_mask)
		role_start(t, queuer, c);
	role_start(t, barrier_caller, last_cpu());
	KEXPECT(t, roles_wait(t));
	/* Every callback queued so far, on every CPU, has run after one more
	 * barrier (from a thread: it sleeps). */
	roles_reset(0);
	role_start(t, barrier_once, 0);
	KEXPECT(t, roles_wait(t));
	uint64_t total = 0;
	for_each_cpu(c, &cpu_online_mask) {
		KEXPECT_EQ(t, cb_ran[c], cb_queued[c]);
		total += cb_queued[c];
	}
	printk("    # epoch.barrier_runs_every_callback: %llu callbacks, %llu epoch_barrier in %llu ms, longest %llu "
	       "us\n",
	       (unsigned long long)total, (unsigned long long)barriers, (unsigned long long)ms,
	       (unsigned long long)barrier_longest_ns / 1000);
	KEXPECT_EQ(t, cb_errors, 0);
	KEXPECT(t, barriers > 0 && total > 0);
}

/* ---- idle CPUs do not hold grace periods up ---- */

KTEST(epoch, grace_periods_with_idle_cpus)
{
	/* Only this CPU is busy: the others sit in their idle loops, awake
	 * a few microseconds per tick (HZ a second).  A grace period that
	 * waited for idle CPUs would end only after each had woken, ~a tick
	 * later; one that skips them ends at this CPU's own report - at
	 * once.  Count those ("immediate"): wall-clock rates are no measure
	 * on an overloaded TCG host, where a vCPU can stall for 100 ms
	 * inside its short awake window and hold a grace period up. */
	uint64_t t0 = time_ns(), gps = 0, immediate = 0, longest = 0, early = 0;
	while (time_ns() - t0 < 2000 * NS_PER_MS && immediate < 50 && gps < 2000) {
		uint64_t s = epoch_snap(), g0 = time_ns();
		epoch_request(s);
		early += epoch_done(s); /* it needs this CPU: never */
		epoch_quiescent();
		immediate += epoch_done(s);
		while (!epoch_done(s) && time_ns() - g0 < 1000 * NS_PER_MS) {
			epoch_quiescent_run(0);
			cpu_relax();
		}
		if (!epoch_done(s))
			break;
		gps++;
		if (time_ns() - g0 > longest)
			longest = time_ns() - g0;
	}
	printk("    # epoch.grace_periods_with_idle_cpus: %llu grace periods in %llu ms, %llu ended at this CPU's "
	       "report, longest %llu us\n",
	       (unsigned long long)gps, (unsigned long long)(time_ns() - t0) / NS_PER_MS,
	       (unsigned long long)immediate, (unsigned long long)longest / 1000);
	KEXPECT_EQ(t, early, 0);
	KEXPECT(t, gps > 0);
	KEXPECT(t, immediate >= (ncpus_online > 1 ? 5 : gps));
}

/* ---- a busy CPU holds a grace period up ---- */

static int spin_state; /* 1: spinning; 2: told to stop (atomic) */

static void busy_spinner(unsigned cpu)
{
	smp_store_release(&spin_state, 1);
	/* In and out of read sections, never a quiescent state: breaking
	 * the contract at the top on purpose. */
	while (smp_load_acquire(&spin_state) == 1) {
		epoch_enter();
		udelay(10);
		epoch_exit();
	}
	/* returning: the exit's context switch is our quiescent state */
}

KTEST(epoch, busy_cpu_holds_grace_period)
{
	if (ncpus_online < 2)
		KSKIP(t, "needs 2 CPUs");
	roles_reset(0);
	spin_state = 0;
	role_start(t, busy_spinner, last_cpu());
	uint64_t t0 = time_ns();
	while (smp_load_acquire(&spin_state) != 1 && time_ns() - t0 < 5000 * NS_PER_MS)
		schedule();
	KEXPECT_EQ(t, smp_load_acquire(&spin_state), 1);
	uint64_t s = epoch_snap();
	epoch_request(s);
	bool early = false;
	t0 = time_ns();
	while (time_ns() - t0 < 200 * NS_PER_MS) {
		epoch_quiescent_run(0); /* ours: not enough */
		early |= epoch_done(s);
	}
	KEXPECT(t, !early);
	smp_store_release(&spin_state, 2);
	KEXPECT(t, roles_wait(t));
	t0 = time_ns();
	while (!epoch_done(s) && time_ns() - t0 < 2000 * NS_PER_MS)
		schedule();
	KEXPECT(t, epoch_done(s));
	printk("    # epoch.busy_cpu_holds_grace_period: held up 200 ms by cpu%u, done %llu us after it yielded\n",
	       last_cpu(), (unsigned long long)(time_ns() - t0) / 1000);
}
