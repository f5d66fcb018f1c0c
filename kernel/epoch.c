/* epoch.c - RCU-like epochs: grace periods and deferred callbacks
 * (see epoch.h for the rules; docs/epochs.md walks through it).
 *
 * The whole scheme, in the order a callback lives through it:
 *
 *  1. call_epoch(head, fn) on CPU c: take a SNAPSHOT s = epoch_snap() - the
 *     value gp_seq must reach before head may be freed - and append head to
 *     c's batch for s.  If nobody has asked for grace periods up to s yet,
 *     ask (want_gp); the next timer tick starts one if none is running
 *     (epoch_tick), so one grace period serves every callback of a tick -
 *     at once only for a CPU with EPOCH_BACKLOG callbacks waiting, or for
 *     synchronize_epoch/epoch_barrier (epoch_request).
 *  2. Starting a grace period (gp_start, under gp_lock): gp_seq becomes odd;
 *     every online CPU that is not idle gets need_qs and a bit in
 *     gp_pending.  Idle CPUs are skipped: they hold no references, and
 *     waking them would cost power on real hardware.
 *  3. Each CPU, at its next quiescent state (context switch, exit to user
 *     mode, idle), sees need_qs and clears its bit (report_qs).  The last
 *     one ends the grace period (gp_end): gp_seq becomes even again, and a
 *     new grace period starts at once if some snapshot is still ahead.
 *  4. At its quiescent states each CPU moves batches whose seq gp_seq has
 *     reached to its done list and runs them (epoch_quiescent_run): fn(head)
 *     frees the object.  Nothing runs inside a read section (BUG).
 *
 * Why a snapshot two steps ahead when a grace period is running: a CPU
 * may already have reported for the running one and then picked up the
 * object before it was unlinked; only a grace period that STARTS after the
 * unlink waits for that reader.  gp_seq odd = o means the next one starts
 * at o + 2 and ends at o + 3, so the snapshot is (gp_seq + 3) & ~1; with
 * gp_seq even = e the next one ends at e + 2 - the same formula.
 *
 * Memory ordering (smp_mb() marks every pairing):
 *   - call_epoch: the writer's unlink, smp_mb, then gp_seq is read: if it
 *     reads an even value, the grace period that starts next does so after
 *     the unlink, and every need_qs it sets is seen after it.
 *   - report_qs: the reader's loads, smp_mb, then the report; gp_end's
 *     release store of gp_seq, and the acquire load of it before a callback
 *     runs, carry "every reader is done" to the free.
 *   - idle: epoch_idle_exit() stores idle = false, smp_mb, then reads
 *     pointers; gp_start stores gp_seq, smp_mb, then reads idle.  Either
 *     gp_start sees the CPU busy (and waits for it) or the CPU's reads see
 *     everything unlinked before the grace period started.
 *
 * Locks: gp_lock (global) covers gp_seq's writes, gp_wanted, gp_pending,
 * epoch_online, need_qs being cleared, and the statistics of grace
 * periods.  Each CPU's cb_lock covers its batches and `queued`.  Order:
 * cb_lock -> gp_lock -> (wait queue locks, in epoch_gp_ended).  Both are
 * taken with interrupts off, so call_epoch may run with them off too.
 * Portable: tests/host/test_epoch.c runs it with threads as CPUs. */
#include "kernel/epoch.h"
#include "kernel/assert.h"
#include "kernel/atomic.h"
#include "kernel/panic.h"
#include "mm/mmstat.h"

struct epoch_cpu epoch_cpus[MAX_CPUS];

static struct spinlock gp_lock = SPINLOCK_INIT("epoch_gp");
static uint64_t gp_seq;              /* odd: a grace period is running.  Written under gp_lock (release) */
static uint64_t gp_wanted;           /* the highest snapshot anyone asked for; under gp_lock */
static struct cpumask gp_pending;    /* CPUs the running grace period still waits for; under gp_lock */
static struct cpumask epoch_online;  /* CPUs taking part; under gp_lock */
static uint64_t gp_started_ns, gp_completed, gp_longest_ns; /* under gp_lock */

uint64_t epoch_gp_seq(void) { return smp_load_acquire(&gp_seq); }

/* gp_seq, read after the caller's unlink (see the top). */
static uint64_t gp_seq_after_unlink(void)
{
	smp_mb();
	return epoch_gp_seq();
}

/* LAB(epoch) begin: the gp_seq value that ends the first grace period to START after now (seq read now) */
/* The value gp_seq must reach for a grace period that starts after now. */
static uint64_t snap_of(uint64_t seq) { return (seq + 3) & ~1ull; }
/* LAB(epoch) end */

uint64_t epoch_snap(void) { return snap_of(gp_seq_after_unlink()); }

/* ---- grace periods (under gp_lock) ---- */

static void gp_end_locked(void);

/* LAB(epoch) begin: start a grace period (gp_seq odd) waiting for every online CPU not idle; end it (even) */
static void gp_start_locked(void)
{
	BUG_ON(gp_seq & 1);
	gp_started_ns = epoch_clock_ns();
	smp_store_release(&gp_seq, gp_seq + 1);
	smp_mb(); /* gp_seq before the idle flags (pairs with epoch_idle_exit) */
	for_each_cpu(i, &epoch_online) {
		if (smp_load_acquire(&epoch_cpus[i].idle))
			continue; /* an extended quiescent state: nothing to wait for (its reads came before) */
		cpumask_set(&gp_pending, i);
		WRITE_ONCE(epoch_cpus[i].need_qs, true);
	}
	if (cpumask_empty(&gp_pending))
		gp_end_locked();
}

static void gp_end_locked(void)
{
	BUG_ON(!(gp_seq & 1) || !cpumask_empty(&gp_pending));
	smp_store_release(&gp_seq, gp_seq + 1);
	gp_completed++;
	mmstat_inc(MMSTAT_EPOCH_GP_ENDED);
	uint64_t len = epoch_clock_ns() - gp_started_ns;
	if (len > gp_longest_ns)
		gp_longest_ns = len;
	epoch_gp_ended();
	if ((int64_t)(gp_wanted - gp_seq) > 0)
		gp_start_locked(); /* recursion ends: each round moves gp_seq 2 closer to gp_wanted */
}
/* LAB(epoch) end */

/* Record that gp_seq must reach snap; start a grace period now if asked
 * and none runs (else the next tick does: epoch_tick). */
static void want_gp(uint64_t snap, bool now)
{
	unsigned long f = spin_lock_irqsave(&gp_lock);
	if ((int64_t)(snap - gp_wanted) > 0)
		gp_wanted = snap;
	if (now && !(gp_seq & 1) && (int64_t)(gp_wanted - gp_seq) > 0)
		gp_start_locked();
	spin_unlock_irqrestore(&gp_lock, f);
}

void epoch_request(uint64_t snap) { want_gp(snap, true); }

void epoch_tick(void)
{
	uint64_t seq = epoch_gp_seq();
	if (!(seq & 1) && (int64_t)(READ_ONCE(gp_wanted) - seq) > 0)
		want_gp(0, true); /* (snap 0 is never ahead of gp_wanted: just start) */
}

/* LAB(epoch) begin: this CPU passed a quiescent state: if the running grace period waits for it, report */
/* This CPU is quiescent: if the running grace period waits for it, say so. */
static void report_qs(struct epoch_cpu *ec, unsigned cpu)
{
	smp_mb(); /* every load of the read sections before the report */
	unsigned long f = spin_lock_irqsave(&gp_lock);
	if (ec->need_qs) {
		WRITE_ONCE(ec->need_qs, false);
		cpumask_clear(&gp_pending, cpu);
		if (cpumask_empty(&gp_pending))
			gp_end_locked();
	}
	spin_unlock_irqrestore(&gp_lock, f);
}
/* LAB(epoch) end */

void epoch_quiescent(void)
{
	struct epoch_cpu *ec = epoch_this_cpu();
	if (unlikely(ec->nesting))
		panic("epoch: quiescent state inside a read section (depth %d)", ec->nesting);
	if (unlikely(READ_ONCE(ec->need_qs)))
		report_qs(ec, epoch_cpu_idx());
}

/* LAB(epoch) begin: idle CPUs: no grace period waits for them, yet none may miss their reads before idle */
void epoch_idle_enter(void)
{
	struct epoch_cpu *ec = epoch_this_cpu();
	BUG_ON(ec->nesting);
	/* No lock on the way to every halt (64 idle CPUs waking on each tick
	 * would queue on gp_lock): idle, smp_mb, then gp_seq.  A grace period
	 * starting now either sees us idle (gp_start_locked reads the flag
	 * after its own gp_seq store and smp_mb) or we see it running and
	 * report under gp_lock, where its need_qs is settled. */
	smp_store_release(&ec->idle, true); /* our read sections before it (to gp_start_locked's acquire) */
	smp_mb();
	if (epoch_gp_seq() & 1)
		report_qs(ec, epoch_cpu_idx());
}

void epoch_idle_exit(void)
{
	struct epoch_cpu *ec = epoch_this_cpu();
	if (!ec->idle)
		return;
	WRITE_ONCE(ec->idle, false);
	smp_mb(); /* idle = false before any read (pairs with gp_start_locked) */
}
/* LAB(epoch) end */

void epoch_cpu_online(unsigned cpu)
{
	struct epoch_cpu *ec = &epoch_cpus[cpu];
	spin_init(&ec->cb_lock, "epoch_cb");
	unsigned long f = spin_lock_irqsave(&gp_lock);
	cpumask_set(&epoch_online, cpu); /* not pending for a running grace period: it holds nothing */
	spin_unlock_irqrestore(&gp_lock, f);
}

/* ---- callbacks ---- */

static void batch_append(struct epoch_batch *b, uint64_t seq, struct epoch_head *h)
{
	if (!b->head) {
		WRITE_ONCE(b->seq, seq);
		b->tail = &b->head;
	}
	h->next = NULL;
	WRITE_ONCE(*b->tail, h); /* may be b->head, which the owner peeks at locklessly */
	b->tail = &h->next;
}

static void batch_move(struct epoch_batch *to, struct epoch_batch *from)
{
	if (!from->head)
		return;
	if (!to->head) { /* field by field: callbacks_ready() peeks at head and seq */
		WRITE_ONCE(to->seq, from->seq);
		to->tail = from->tail;
		WRITE_ONCE(to->head, from->head);
	} else {
		*to->tail = from->head;
		to->tail = from->tail;
	}
	WRITE_ONCE(from->head, NULL);
	WRITE_ONCE(from->seq, 0);
}

/* Move the batches whose grace period is over (gp_seq has reached
 * their seq) to done, keeping wait[0] the older one.  Under cb_lock. */
static void advance(struct epoch_cpu *ec, uint64_t seq)
{
	for (int i = 0; i < 2; i++)
		if (ec->wait[i].head && (int64_t)(seq - ec->wait[i].seq) >= 0)
			batch_move(&ec->done, &ec->wait[i]);
	if (!ec->wait[0].head)
		batch_move(&ec->wait[0], &ec->wait[1]);
}

/* Queue h on CPU cpu's batches (its cb_lock held): the snapshot, and at
 * most two distinct not-yet-safe snapshots exist at once (see the top).
 * Returns the snapshot. */
static uint64_t enqueue_locked(struct epoch_cpu *ec, struct epoch_head *h)
{
	uint64_t seq = gp_seq_after_unlink(), snap = snap_of(seq);
	advance(ec, seq);
	struct epoch_batch *b = &ec->wait[0];
	if (b->head && b->seq != snap)
		b = &ec->wait[1];
	BUG_ON(b->head && b->seq != snap);
	batch_append(b, snap, h);
	ec->queued++;
	return snap;
}

/* LAB(epoch) begin: queue head on this CPU to run fn after a grace period; ask for one, lazily */
void call_epoch(struct epoch_head *head, void (*fn)(struct epoch_head *head))
{
	struct epoch_cpu *ec = epoch_this_cpu();
	head->fn = fn;
	unsigned long f = spin_lock_irqsave(&ec->cb_lock);
	uint64_t snap = enqueue_locked(ec, head);
	bool ask = (int64_t)(snap - ec->requested) > 0;
	if (ask)
		ec->requested = snap;
	/* Lazily: the next tick starts the grace period, so one serves every
	 * callback queued until then (a writer looping munmap would otherwise
	 * start one per call, and make every CPU report as often).  A CPU
	 * with a backlog does not wait for the tick. */
	bool now = ec->queued - READ_ONCE(ec->run) >= EPOCH_BACKLOG;
	spin_unlock_irqrestore(&ec->cb_lock, f);
	if (ask || now)
		want_gp(snap, now); /* gp_lock at most once per CPU and grace period, unless backlogged */
}
/* LAB(epoch) end */

/* Queue on another CPU (epoch_barrier): the callback runs there, after
 * every callback queued there before it. */
void call_epoch_on(unsigned cpu, struct epoch_head *head, void (*fn)(struct epoch_head *head))
{
	struct epoch_cpu *ec = &epoch_cpus[cpu];
	head->fn = fn;
	unsigned long f = spin_lock_irqsave(&ec->cb_lock);
	uint64_t snap = enqueue_locked(ec, head);
	spin_unlock_irqrestore(&ec->cb_lock, f);
	epoch_request(snap);
}

/* Could this CPU have callbacks to run?  (Lockless peek by the owner.) */
static bool callbacks_ready(struct epoch_cpu *ec)
{
	if (READ_ONCE(ec->done.head))
		return true;
	struct epoch_head *h = READ_ONCE(ec->wait[0].head);
	return h && epoch_done(READ_ONCE(ec->wait[0].seq));
}

void epoch_quiescent_run(unsigned max)
{
	epoch_quiescent();
	struct epoch_cpu *ec = epoch_this_cpu();
	if (!callbacks_ready(ec))
		return;
	unsigned long f = spin_lock_irqsave(&ec->cb_lock);
	advance(ec, epoch_gp_seq());
	struct epoch_head *list = ec->done.head, **cut = &ec->done.head;
	unsigned n = 0;
	while (*cut && (!max || n < max)) {
		cut = &(*cut)->next;
		n++;
	}
	/* keep the rest for next time */
	ec->done.head = *cut;
	if (!ec->done.head)
		ec->done.tail = &ec->done.head;
	*cut = NULL;
	spin_unlock_irqrestore(&ec->cb_lock, f);
	while (list) {
		struct epoch_head *next = list->next;
		list->fn(list);
		list = next;
	}
	WRITE_ONCE(ec->run, ec->run + n);
	mmstat_add(MMSTAT_EPOCH_CB_INVOKED, n);
}

void epoch_stats(struct epoch_stats *s)
{
	unsigned long f = spin_lock_irqsave(&gp_lock);
	s->gp_completed = gp_completed;
	s->gp_longest_ns = gp_longest_ns;
	spin_unlock_irqrestore(&gp_lock, f);
	s->cb_queued = s->cb_run = 0;
	for_each_cpu(i, &epoch_online) { /* only these have queued anything */
		s->cb_queued += READ_ONCE(epoch_cpus[i].queued);
		s->cb_run += READ_ONCE(epoch_cpus[i].run);
	}
	s->cb_pending = s->cb_queued - s->cb_run;
}
