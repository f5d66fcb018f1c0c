/* epoch.h - RCU-like epochs: lockless readers, and frees deferred until no
 * reader can still hold what was freed (kernel/epoch.c; docs/epochs.md).
 *
 * Readers bracket a lockless traversal with epoch_enter()/epoch_exit().
 * They may nest, must not sleep, and cost one increment and one decrement
 * of a counter in their own CPU's cache line: no atomic read-modify-write,
 * no write to a shared line.  What makes that enough is quiescent-state
 * based reclamation (QSBR): a CPU outside every read section tells the
 * epoch machinery so at points where it cannot hold a reference - a
 * context switch, a return to user mode, the idle loop.  A GRACE PERIOD
 * has passed once every online CPU has been through such a point (or was
 * idle) after it started; anything unlinked before it started can then no
 * longer be reached by any reader.
 *
 * Writers unlink an object (so no new reader can find it), then hand it to
 * call_epoch(head, fn): fn(head) runs after a grace period, on the CPU that
 * queued it, outside any read section.  synchronize_epoch() sleeps until a
 * full grace period has passed; epoch_barrier() until every callback
 * queued before it has run.
 *
 * The core (this header and epoch.c) is portable: host tests run it with
 * threads standing in for CPUs (tests/host/test_epoch.c). */
#pragma once
#include "kernel/compiler.h"
#include "kernel/cpumask.h"
#include "kernel/spinlock.h"
#include "kernel/types.h"

/* A deferred call: embed one in the object to be freed.  16 bytes, so it
 * fits the list_head of a struct page (page-table pages). */
struct epoch_head {
	struct epoch_head *next;
	void (*fn)(struct epoch_head *head);
};

/* Callbacks of one CPU waiting for the same grace period. */
struct epoch_batch {
	uint64_t seq;              /* gp_seq value after which they may run (0: batch empty) */
	struct epoch_head *head, **tail;
};

/* Per-CPU epoch state.  nesting, idle, requested and the batches are this
 * CPU's own; need_qs is set by the CPU starting a grace period and cleared
 * by this one under gp_lock; cb_lock protects the batches against
 * epoch_barrier(), which queues on other CPUs. */
struct epoch_cpu {
	int nesting;               /* read-section depth (own; plain increments) */
	bool need_qs;              /* the current grace period waits for this CPU */
	bool idle;                 /* in the idle loop, halted: an extended quiescent state */
	uint64_t requested;        /* the highest grace period this CPU asked for (own) */
	struct spinlock cb_lock;
	struct epoch_batch wait[2]; /* not yet safe, oldest first (at most two grace periods apart) */
	struct epoch_batch done;   /* safe to run (seq unused) */
	uint64_t queued, run;      /* callbacks queued here (under cb_lock) / run here (own) */
} __aligned(64);

extern struct epoch_cpu epoch_cpus[MAX_CPUS];

/* The CPU running this code (a thread-local stand-in in host tests). */
#ifdef HOST_TEST
extern __thread unsigned epoch_host_cpu;
#define epoch_this_cpu() (&epoch_cpus[epoch_host_cpu])
#define epoch_cpu_idx() epoch_host_cpu
#else
#define epoch_this_cpu() (&epoch_cpus[cpu_id()])
#define epoch_cpu_idx() cpu_id()
#endif

/* ---- readers ---- */

/* Enter a read section: pointers loaded (with acquire) inside it stay
 * valid until the matching epoch_exit().  The kernel does not preempt, so
 * the CPU cannot change in between; the section must not sleep (schedule()
 * checks). */
static inline void epoch_enter(void)
{
	epoch_this_cpu()->nesting++;
	barrier(); /* the compiler may not hoist reads above the entry */
}

static inline void epoch_exit(void)
{
	barrier(); /* ... nor sink them below the exit */
	epoch_this_cpu()->nesting--;
}

/* Is this CPU inside a read section? */
static inline bool epoch_in_reader(void) { return epoch_this_cpu()->nesting > 0; }

/* ---- writers ---- */

/* Run fn(head) after a grace period, on this CPU.  Any context but an
 * interrupt handler; never sleeps, never fails. */
void call_epoch(struct epoch_head *head, void (*fn)(struct epoch_head *head));
/* The same, queued on another CPU (epoch_barrier). */
void call_epoch_on(unsigned cpu, struct epoch_head *head, void (*fn)(struct epoch_head *head));

/* ---- quiescent states (the scheduler, the idle loop, exit to user) ---- */

/* How many due callbacks a quiescent state runs at most (the idle loop
 * runs all): frees are spread out instead of lengthening one syscall. */
#define EPOCH_RUN_BATCH 64

/* This CPU holds no epoch reference (BUG if it is inside a read section):
 * report that to a grace period waiting for it.  One load when none is. */
void epoch_quiescent(void);
/* The same, and run this CPU's callbacks whose grace period has passed
 * (at most max; 0: all). */
void epoch_quiescent_run(unsigned max);
/* The idle loop, just before halting / just after waking: while idle, the
 * CPU counts as quiescent and no grace period waits for (or wakes) it.
 * Interrupt handlers that run while idle must not enter read sections. */
void epoch_idle_enter(void);
void epoch_idle_exit(void);
/* A CPU coming online joins grace periods (boot: every CPU before it runs
 * anything else). */
void epoch_cpu_online(unsigned cpu);

/* ---- grace-period numbers (also for tests) ---- */

/* gp_seq counts grace periods twice: odd while one runs, even between.
 * epoch_snap() is the value gp_seq must reach before something unlinked
 * now may be freed; epoch_done(s) tells whether it has. */
uint64_t epoch_gp_seq(void);
uint64_t epoch_snap(void);
static inline bool epoch_done(uint64_t snap) { return (int64_t)(epoch_gp_seq() - snap) >= 0; }
/* Ask for grace periods until gp_seq reaches snap, starting one now. */
void epoch_request(uint64_t snap);
/* The timer tick (any CPU, interrupt context): start the grace period
 * that callbacks asked for, if none runs. */
void epoch_tick(void);
/* Callbacks waiting on one CPU beyond which call_epoch starts a grace
 * period at once instead of at the next tick. */
#define EPOCH_BACKLOG 1024

/* ---- waiting (kernel only: these sleep) ---- */

void synchronize_epoch(void); /* until a full grace period has passed */
/* Spin (the idle task calls it: no sleeping) until every callback queued
 * on any CPU has run.  For counting free frames at the end of a test. */
void epoch_drain(void);
/* schedule() was called inside a read section: panic naming the caller. */
__noreturn void epoch_sleep_bug(void *caller);
void epoch_barrier(void);     /* until every callback queued before the call has run */

/* ---- statistics (/proc/mmstat) ---- */
struct epoch_stats {
	uint64_t gp_completed;     /* grace periods completed */
	uint64_t cb_queued, cb_run;
	uint64_t cb_pending;       /* queued and not yet run */
	uint64_t gp_longest_ns;    /* the longest grace period so far */
};
void epoch_stats(struct epoch_stats *s);

/* Time in ns for grace-period lengths (kernel: time_ns(); host: a clock). */
uint64_t epoch_clock_ns(void);
/* Called at the end of every grace period with gp_lock held (kernel:
 * wakes synchronize_epoch() sleepers; host: nothing). */
void epoch_gp_ended(void);
