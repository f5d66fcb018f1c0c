/* wait.c - wait queues, mutexes and reader-writer semaphores (wait.h).
 *
 * Mutex and rwsem waiters queue in FIFO order on the lock's own list and are
 * handed the lock directly by the releaser (the waiter's `granted` flag is
 * set under the lock's spinlock before it is woken), so a woken waiter
 * never has to compete again and nobody starves. */
#include "kernel/wait.h"
#include "arch/x86_64/x86.h"
#include "kernel/assert.h"
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
	bool granted; /* set by the releaser under the lock's spinlock */
};

/* How long a waiter for a mutex or rwsem spins before it sleeps. */
#define LOCK_SPIN_NS 30000

/* Sleep until w->granted; the lock's spinlock l is held on entry and exit.
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
		while (!smp_load_acquire(&w->granted) && rdtsc() < until)
			cpu_relax();
		*flags = spin_lock_irqsave(l);
	}
	while (!READ_ONCE(w->granted)) {
		WRITE_ONCE(current->state, TASK_SLEEPING);
		spin_unlock_irqrestore(l, *flags);
		if (!READ_ONCE(w->granted))
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
		lock_wait(&m->lock, &f, &w); /* the releaser made us the owner */
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
	s->name = name;
	s->read_waits = s->write_waits = s->wait_cycles = 0;
}

static uint64_t rwsem_wait(struct rwsem *s, unsigned long *f, bool writer)
{
	struct lock_waiter w = { .task = current, .writer = writer };
	list_add_tail(&w.node, &s->waiters);
	uint64_t t0 = rdtsc();
	lock_wait(&s->lock, f, &w);
	uint64_t cycles = rdtsc() - t0;
	s->wait_cycles += cycles;
	if (writer)
		s->write_waits++;
	else
		s->read_waits++;
	return cycles ? cycles : 1;
}

bool down_read_trylock(struct rwsem *s)
{
	unsigned long f = spin_lock_irqsave(&s->lock);
	bool ok = s->count >= 0 && list_empty(&s->waiters);
	if (ok)
		s->count++;
	spin_unlock_irqrestore(&s->lock, f);
	return ok;
}

uint64_t down_read(struct rwsem *s)
{
	uint64_t waited = 0;
	unsigned long f = spin_lock_irqsave(&s->lock);
	if (s->count >= 0 && list_empty(&s->waiters))
		s->count++;
	else
		waited = rwsem_wait(s, &f, false); /* granted: count already includes us */
	spin_unlock_irqrestore(&s->lock, f);
	return waited;
}

uint64_t down_write(struct rwsem *s)
{
	uint64_t waited = 0;
	unsigned long f = spin_lock_irqsave(&s->lock);
	if (s->owner == current)
		panic("rwsem %s: recursive write lock", s->name);
	if (s->count == 0 && list_empty(&s->waiters))
		s->count = -1;
	else
		waited = rwsem_wait(s, &f, true);
	s->owner = current;
	spin_unlock_irqrestore(&s->lock, f);
	return waited;
}

/* Hand the free lock to the waiters at the head: one writer, or every
 * reader up to the next writer. */
static void rwsem_grant(struct rwsem *s)
{
	while (!list_empty(&s->waiters)) {
		struct lock_waiter *w = list_first_entry(&s->waiters, struct lock_waiter, node);
		if (w->writer) {
			if (s->count)
				return;
			s->count = -1;
			lock_grant(w);
			return;
		}
		s->count++;
		lock_grant(w);
	}
}

void up_read(struct rwsem *s)
{
	unsigned long f = spin_lock_irqsave(&s->lock);
	BUG_ON(s->count <= 0);
	if (--s->count == 0)
		rwsem_grant(s);
	spin_unlock_irqrestore(&s->lock, f);
}

void up_write(struct rwsem *s)
{
	unsigned long f = spin_lock_irqsave(&s->lock);
	if (s->count != -1 || s->owner != current)
		panic("rwsem %s: write-unlocked by a task that does not hold it", s->name);
	s->owner = NULL;
	s->count = 0;
	rwsem_grant(s);
	spin_unlock_irqrestore(&s->lock, f);
}

void downgrade_write(struct rwsem *s)
{
	unsigned long f = spin_lock_irqsave(&s->lock);
	if (s->count != -1 || s->owner != current)
		panic("rwsem %s: downgraded by a task that does not hold it for write", s->name);
	s->owner = NULL;
	s->count = 1;
	rwsem_grant(s); /* readers up to the first waiting writer */
	spin_unlock_irqrestore(&s->lock, f);
}

bool rwsem_write_held(const struct rwsem *s) { return READ_ONCE(s->owner) == current; }
bool rwsem_locked(const struct rwsem *s) { return READ_ONCE(s->count) != 0; }
