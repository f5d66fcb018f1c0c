/* wait.h - sleeping: wait queues, and the sleeping locks built on them.
 *
 * A wait queue is a spinlock and a list of sleeping tasks.  The sleeper
 * queues itself and marks itself TASK_SLEEPING *before* re-checking its
 * condition; the waker makes the condition true *before* waking the queue;
 * the queue lock orders the two, so no wakeup is lost (xv6's sleep/wakeup
 * rule, Linux's prepare_to_wait/finish_wait).
 *
 * Killable sleeps (wait_event_killable, sleeps with a deadline) end early
 * with -EINTR when the sleeper's process is being killed (exit_group, a fatal
 * signal), so a thread blocked in read/futex/wait4 never holds up an exit.
 * Mutexes and rwsems sleep uninterruptibly: they are held only briefly.
 *
 * Lock order: a wait queue's lock is taken inside any other lock of the
 * caller's, and the scheduler's locks (task pi_lock, run queue) inside it. */
#pragma once
#include "kernel/lib/list.h"
#include "kernel/spinlock.h"

struct task;

struct wait_queue {
	struct spinlock lock; /* protects waiters */
	struct list_head waiters;
};
#define WAIT_QUEUE_INIT(wq, n) { SPINLOCK_INIT(n), LIST_HEAD_INIT((wq).waiters) }

/* One sleeping task on a wait queue (lives on the sleeper's stack). */
struct waiter {
	struct task *task;
	struct list_head node; /* in wq->waiters, under wq->lock; self-linked when not queued */
	bool exclusive;        /* wake_up_one() wakes the first exclusive waiter only */
};

void wait_queue_init(struct wait_queue *wq, const char *name);
/* Queue w (if not yet queued) and set current's state to TASK_SLEEPING. */
void prepare_to_wait(struct wait_queue *wq, struct waiter *w);
/* Back to TASK_RUNNING and off the queue. */
void finish_wait(struct wait_queue *wq, struct waiter *w);
void wake_up_all(struct wait_queue *wq);
void wake_up_one(struct wait_queue *wq); /* all non-exclusive waiters and the first exclusive one */
/* Sleep (call schedule()) unless a deadline passed (deadline_ns 0 = none)
 * or the process is being killed.  Returns 0, -ETIMEDOUT or -EINTR.  The
 * caller has called prepare_to_wait() and re-checked its condition. */
int wait_sleep(uint64_t deadline_ns);
/* The same, interruptible: also -EINTR when signal_pending() (a signal the
 * thread does not block is pending: its handler should run).  System calls
 * that sleep this way return -ERESTARTSYS or -EINTR as Linux's do. */
int wait_sleep_intr(uint64_t deadline_ns);

/* Sleep until cond holds; -EINTR if the process is killed first, or
 * -ETIMEDOUT once time_ns() >= deadline_ns (0: no deadline). */
#define __wait_event(wq, cond, deadline_ns, sleep)                       \
	({                                                               \
		struct waiter __w = { .task = NULL };                    \
		int __r = 0;                                             \
		for (;;) {                                               \
			prepare_to_wait(&(wq), &__w);                    \
			if (cond)                                        \
				break;                                   \
			__r = sleep(deadline_ns);                        \
			if (__r)                                         \
				break;                                   \
		}                                                        \
		finish_wait(&(wq), &__w);                                \
		(__r && (cond)) ? 0 : __r;                               \
	})
#define wait_event_deadline(wq, cond, deadline_ns) __wait_event(wq, cond, deadline_ns, wait_sleep)
/* ... or -EINTR when a signal the thread does not block is pending. */
#define wait_event_interruptible_deadline(wq, cond, deadline_ns) __wait_event(wq, cond, deadline_ns, wait_sleep_intr)
#define wait_event_interruptible(wq, cond) __wait_event(wq, cond, 0, wait_sleep_intr)
#define wait_event_killable(wq, cond) wait_event_deadline(wq, cond, 0)

/* A sleeping mutex: one owner; waiters sleep in FIFO order. */
struct mutex {
	struct spinlock lock; /* protects owner and waiters */
	struct task *owner;
	struct list_head waiters;
	const char *name;
};
#define MUTEX_INIT(m, n) { SPINLOCK_INIT(n), NULL, LIST_HEAD_INIT((m).waiters), n }
void mutex_init(struct mutex *m, const char *name);
void mutex_lock(struct mutex *m);
bool mutex_trylock(struct mutex *m);
void mutex_unlock(struct mutex *m);
bool mutex_held(const struct mutex *m); /* by the current task */
#define assert_mutex_held(m)                                                               \
	do {                                                                               \
		if (unlikely(!mutex_held(m)))                                              \
			panic("%s:%d: mutex %s not held", __FILE__, __LINE__, (m)->name);  \
	} while (0)

/* A reader-writer semaphore (the mmap_lock is one): many readers or one
 * writer.  count: > 0 readers, -1 a writer, 0 free.
 *
 * Waiters queue in FIFO order, but a release does not hand the lock to the
 * first of them: it wakes it, and whoever comes first takes the free lock -
 * the woken waiter, a waiter still spinning, or a task that was not
 * waiting at all (lock stealing, as Linux's rwsems do).  Handing it over
 * would leave the lock unused until the chosen waiter runs: a wakeup IPI
 * and a context switch, and on an overcommitted host (more vCPUs than
 * cores) until the host runs that vCPU again - milliseconds, while the
 * running CPUs wait.  So that nobody starves, a waiter at the head of the
 * queue that has waited RWSEM_HANDOFF_NS sets `handoff`: from then on
 * nobody steals, and releases hand the lock to the head of the queue
 * (one writer, or the readers up to the next writer), until the queue's
 * head is served.  Readers do not steal past a waiting writer at the head
 * either, so a stream of readers cannot starve a writer. */
struct rwsem {
	struct spinlock lock; /* protects count, owner, waiters and handoff */
	long count;
	struct task *owner; /* the writer, for assertions */
	struct list_head waiters;
	bool handoff;       /* the head waiter waited too long: no stealing */
	const char *name;
	/* statistics (updated under lock): acquisitions that had to sleep, and
	 * TSC cycles spent sleeping for it */
	uint64_t read_waits, write_waits, wait_cycles;
};
void rwsem_init(struct rwsem *s, const char *name);
/* down_read/down_write return 0 when the lock was free, else the TSC
 * cycles (at least 1) the caller slept for it. */
uint64_t down_read(struct rwsem *s);
void up_read(struct rwsem *s);
uint64_t down_write(struct rwsem *s);
void up_write(struct rwsem *s);
bool down_read_trylock(struct rwsem *s);
/* The writer becomes a reader, without letting a writer in between;
 * readers queued at the head come in with it. */
void downgrade_write(struct rwsem *s);
bool rwsem_write_held(const struct rwsem *s); /* by the current task */
bool rwsem_locked(const struct rwsem *s);     /* by anyone, either way */
