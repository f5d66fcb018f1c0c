/* wait.c - wait queues, mutexes and reader-writer semaphores (wait.h).
 *
 * Mutex and rwsem waiters queue in FIFO order on the lock's own list.  A
 * mutex's releaser hands the lock directly to the first waiter (its
 * `granted` flag is set under the lock's spinlock before it is woken).  An
 * rwsem's releaser only wakes the first waiter (`woken`), which competes
 * for the free lock again, unless that waiter has waited long enough to
 * ask for a handoff (see struct rwsem in wait.h). */
#include "kernel/wait.h"
#include "arch/x86_64/x86.h"
#include "kernel/assert.h"
#include "kernel/lockstat.h"
#include "kernel/panic.h"
#include "kernel/proc.h"
#include "kernel/sched.h"
#include "kernel/time.h"

void wait_queue_init(struct wait_queue *wq, const char *name)
{
	spin_init(&wq->lock, name);
	list_init(&wq->waiters);
}

void prepare_to_wait(struct wait_queue *wq, struct waiter *w)
{
	unsigned long f = spin_lock_irqsave(&wq->lock);
	if (!w->task) {
		w->task = current;
		list_init(&w->node);
	}
	if (list_empty(&w->node))
		list_add_tail(&w->node, &wq->waiters);
	WRITE_ONCE(current->state, TASK_SLEEPING);
	spin_unlock_irqrestore(&wq->lock, f);
}

void finish_wait(struct wait_queue *wq, struct waiter *w)
{
	WRITE_ONCE(current->state, TASK_RUNNING);
	if (!w->task)
		return;
	unsigned long f = spin_lock_irqsave(&wq->lock);
	if (!list_empty(&w->node))
		list_del(&w->node);
	spin_unlock_irqrestore(&wq->lock, f);
}

static void wake_up_common(struct wait_queue *wq, bool all)
{
	unsigned long f = spin_lock_irqsave(&wq->lock);
	struct list_head *pos, *n;
	list_for_each_safe(pos, n, &wq->waiters) {
		struct waiter *w = list_entry(pos, struct waiter, node);
		wake_task(w->task);
		if (!all && w->exclusive)
			break;
	}
	spin_unlock_irqrestore(&wq->lock, f);
}

void wake_up_all(struct wait_queue *wq) { wake_up_common(wq, true); }
void wake_up_one(struct wait_queue *wq) { wake_up_common(wq, false); }

/* ---- sleeping locks ---- */

struct lock_waiter {
	struct task *task;
	struct list_head node;
	bool writer;
	bool granted; /* the lock is ours: set by the releaser under the lock's spinlock */
	bool woken;   /* (rwsem) the lock was released: try again; set likewise */
};

/* How long a waiter for a mutex or rwsem spins before it sleeps. */
#define LOCK_SPIN_NS 30000

/* Sleep until w->granted or w->woken; the lock's spinlock l is held on
 * entry and exit.
 * First spin a little (with another CPU online, where the holder can be
 * running): sections under mmap_lock are mostly short, and a sleep costs a
 * context switch here and a wakeup IPI to come back - more than the wait,
 * and far more under an emulator.  Linux's rwsems and mutexes spin on a
 * running owner for the same reason. */
static void lock_wait(struct spinlock *l, unsigned long *flags, struct lock_waiter *w)
{
	if (READ_ONCE(ncpus_online) > 1 && tsc_hz) {
		uint64_t until = rdtsc() + tsc_hz / (1000000000 / LOCK_SPIN_NS);
		spin_unlock_irqrestore(l, *flags);
		while (!smp_load_acquire(&w->granted) && !READ_ONCE(w->woken) && rdtsc() < until)
			cpu_relax();
		*flags = spin_lock_irqsave(l);
	}
	while (!READ_ONCE(w->granted) && !READ_ONCE(w->woken)) {
		WRITE_ONCE(current->state, TASK_SLEEPING);
		spin_unlock_irqrestore(l, *flags);
		if (!READ_ONCE(w->granted) && !READ_ONCE(w->woken))
			schedule();
		WRITE_ONCE(current->state, TASK_RUNNING);
		*flags = spin_lock_irqsave(l);
	}
}

static void lock_grant(struct lock_waiter *w)
{
	list_del(&w->node);
	struct task *t = w->task;
	smp_store_release(&w->granted, true); /* w lives on t's stack: no access after this but the wake */
	wake_task(t);
}

void mutex_init(struct mutex *m, const char *name)
{
	spin_init(&m->lock, name);
	m->owner = NULL;
	list_init(&m->waiters);
	m->name = name;
}

bool mutex_trylock(struct mutex *m)
{
	unsigned long f = spin_lock_irqsave(&m->lock);
	bool ok = !m->owner;
	if (ok)
		m->owner = current;
	spin_unlock_irqrestore(&m->lock, f);
	return ok;
}

void mutex_lock(struct mutex *m)
{
	unsigned long f = spin_lock_irqsave(&m->lock);
	if (m->owner == current)
		panic("mutex %s: recursive lock", m->name);
	if (!m->owner) {
		m->owner = current;
	} else {
		struct lock_waiter w = { .task = current };
		list_add_tail(&w.node, &m->waiters);
		uint64_t t0 = rdtsc();
		lock_wait(&m->lock, &f, &w); /* the releaser made us the owner */
		lockstat_wait(m->name, LOCKSTAT_MUTEX, rdtsc() - t0);
	}
	spin_unlock_irqrestore(&m->lock, f);
}

void mutex_unlock(struct mutex *m)
{
	unsigned long f = spin_lock_irqsave(&m->lock);
	if (m->owner != current)
		panic("mutex %s: unlocked by a task that does not hold it", m->name);
	if (list_empty(&m->waiters)) {
		m->owner = NULL;
	} else {
		struct lock_waiter *w = list_first_entry(&m->waiters, struct lock_waiter, node);
		m->owner = w->task;
		lock_grant(w);
	}
	spin_unlock_irqrestore(&m->lock, f);
}

bool mutex_held(const struct mutex *m) { return READ_ONCE(m->owner) == current; }

void rwsem_init(struct rwsem *s, const char *name)
{
	spin_init(&s->lock, name);
	s->count = 0;
	s->owner = NULL;
	list_init(&s->waiters);
	s->handoff = false;
	s->name = name;
	s->read_waits = s->write_waits = s->wait_cycles = 0;
}

/* How long the head waiter lets others steal the lock before it asks for
 * a handoff (Linux's RWSEM_WAIT_TIMEOUT is 4 ms, on hardware). */
#define RWSEM_HANDOFF_NS 2000000

static struct lock_waiter *rwsem_head(struct rwsem *s)
{
	return list_empty(&s->waiters) ? NULL : list_first_entry(&s->waiters, struct lock_waiter, node);
}

/* May `w` (NULL: a task not queued) take the lock now?  Under s->lock. */
static bool rwsem_can_take(struct rwsem *s, bool writer, struct lock_waiter *w)
{
	struct lock_waiter *head = rwsem_head(s);
	if (s->handoff)
		return false; /* the releaser grants the head waiter */
	if (writer)
		return s->count == 0;
	/* a reader: not past a writer waiting at the head (unless we are
	 * among the readers queued ahead of it: then it waits for us anyway) */
	return s->count >= 0 && (!head || !head->writer || (w && head == w));
}

static uint64_t rwsem_wait(struct rwsem *s, unsigned long *f, bool writer)
{
	struct lock_waiter w = { .task = current, .writer = writer };
	list_add_tail(&w.node, &s->waiters);
	uint64_t t0 = rdtsc();
	uint64_t handoff_at = tsc_hz ? t0 + tsc_hz / (1000000000 / RWSEM_HANDOFF_NS) : t0;
	for (;;) {
		WRITE_ONCE(w.woken, false);
		lock_wait(&s->lock, f, &w);
		if (w.granted)
			break; /* handed over: count already includes us */
		if (rwsem_can_take(s, writer, &w)) {
			list_del(&w.node);
			s->count = writer ? -1 : s->count + 1;
			/* readers queued right behind us may come in too */
			struct lock_waiter *head = rwsem_head(s);
			if (!writer && head && !head->writer)
				WRITE_ONCE(head->woken, true), wake_task(head->task);
			break;
		}
		if (!s->handoff && rwsem_head(s) == &w && rdtsc() >= handoff_at)
			s->handoff = true; /* waited long enough: the next release is ours */
	}
	uint64_t cycles = rdtsc() - t0;
	s->wait_cycles += cycles;
	lockstat_wait(s->name, writer ? LOCKSTAT_RWSEM_WRITE : LOCKSTAT_RWSEM_READ, cycles);
	if (writer)
		s->write_waits++;
	else
		s->read_waits++;
	return cycles ? cycles : 1;
}

bool down_read_trylock(struct rwsem *s)
{
	unsigned long f = spin_lock_irqsave(&s->lock);
	bool ok = rwsem_can_take(s, false, NULL);
	if (ok)
		s->count++;
	spin_unlock_irqrestore(&s->lock, f);
	return ok;
}

uint64_t down_read(struct rwsem *s)
{
	uint64_t waited = 0;
	unsigned long f = spin_lock_irqsave(&s->lock);
	if (rwsem_can_take(s, false, NULL))
		s->count++;
	else
		waited = rwsem_wait(s, &f, false); /* ours: count includes us */
	spin_unlock_irqrestore(&s->lock, f);
	return waited;
}

uint64_t down_write(struct rwsem *s)
{
	uint64_t waited = 0;
	unsigned long f = spin_lock_irqsave(&s->lock);
	if (s->owner == current)
		panic("rwsem %s: recursive write lock", s->name);
	if (rwsem_can_take(s, true, NULL))
		s->count = -1;
	else
		waited = rwsem_wait(s, &f, true);
	s->owner = current;
	spin_unlock_irqrestore(&s->lock, f);
	return waited;
}

/* The lock has become free (count 0) or read-held (downgrade).  With a
 * handoff asked for: hand it to the head - one writer, or every reader
 * up to the next writer - and end the handoff.  Else wake the head (and
 * the readers right behind a reader head) to compete for it. */
static void rwsem_release(struct rwsem *s)
{
	struct lock_waiter *w = rwsem_head(s);
	if (!w)
		return;
	if (!s->handoff) {
		if (w->writer && s->count)
			return; /* read-held: the writer waits for the last reader */
		WRITE_ONCE(w->woken, true);
		wake_task(w->task); /* a reader head wakes the readers behind it once in */
		return;
	}
	if (w->writer) {
		if (s->count)
			return;
		s->count = -1;
		s->handoff = false;
		lock_grant(w);
		return;
	}
	s->handoff = false;
	while ((w = rwsem_head(s)) && !w->writer) {
		s->count++;
		lock_grant(w);
	}
}

void up_read(struct rwsem *s)
{
	unsigned long f = spin_lock_irqsave(&s->lock);
	BUG_ON(s->count <= 0);
	if (--s->count == 0)
		rwsem_release(s);
	spin_unlock_irqrestore(&s->lock, f);
}

void up_write(struct rwsem *s)
{
	unsigned long f = spin_lock_irqsave(&s->lock);
	if (s->count != -1 || s->owner != current)
		panic("rwsem %s: write-unlocked by a task that does not hold it", s->name);
	s->owner = NULL;
	s->count = 0;
	rwsem_release(s);
	spin_unlock_irqrestore(&s->lock, f);
}

void downgrade_write(struct rwsem *s)
{
	unsigned long f = spin_lock_irqsave(&s->lock);
	if (s->count != -1 || s->owner != current)
		panic("rwsem %s: downgraded by a task that does not hold it for write", s->name);
	s->owner = NULL;
	s->count = 1;
	rwsem_release(s); /* readers at the head come in with us */
	spin_unlock_irqrestore(&s->lock, f);
}

bool rwsem_write_held(const struct rwsem *s) { return READ_ONCE(s->owner) == current; }
bool rwsem_locked(const struct rwsem *s) { return READ_ONCE(s->count) != 0; }
