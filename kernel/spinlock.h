/* spinlock.h - ticket spinlocks with debug checks.
 *
 * spin_lock/spin_unlock:        plain; the caller must know no interrupt
 *                               handler takes the same lock.
 * spin_lock_irqsave/restore:    also disable local interrupts; use these for
 *                               any lock an interrupt handler may take.
 * Both disable preemption while held (faultline does not preempt kernel
 * code holding a spinlock).
 *
 * Two ways to wait, chosen once at boot (spinlock_choose):
 *  - ticket (bare metal): fair, FIFO; a waiter takes a ticket and waits
 *    for its turn;
 *  - test-and-set (under a hypervisor, CPUID's hypervisor bit; as Linux's
 *    virt_spin_lock): whoever sees the lock free first takes it.  A vCPU
 *    is a host thread the host may deschedule at any moment; with tickets,
 *    a waiter descheduled when its turn comes stalls every waiter behind
 *    it until the host runs it again (milliseconds, on an overcommitted
 *    host: /proc/lockstat showed 7-30 ms average waits on the epoch and
 *    rwsem locks with 4 vCPUs on 2 host cores).  Unfair, but a running
 *    vCPU never waits for a stopped one that does not even hold the lock.
 * spinlock=ticket|tas forces one.
 *
 * Debug checks (always on; they are cheap): taking a lock this CPU already
 * holds panics (recursion); unlocking a lock held by another CPU or not held
 * panics; spinning for more than spin_timeout_ms (spinlock.timeout_ms=) panics with the owner's CPU
 * and the call site that took it.  assert_held(&lock) panics unless this CPU
 * holds the lock (xv6's holding()).
 *
 * In host unit tests (HOST_TEST) the same API is provided over C11 atomics,
 * so portable code (buddy, slab, ...) runs in multithreaded host tests. */
#pragma once
#include "kernel/compiler.h"

#ifdef HOST_TEST
#include <sched.h>
#include <stdatomic.h>
struct spinlock {
	atomic_flag f;
	const char *name;
};
#define SPINLOCK_INIT(n) { ATOMIC_FLAG_INIT, n }
static inline void spin_init(struct spinlock *l, const char *name)
{
	atomic_flag_clear(&l->f);
	l->name = name;
}
static inline void spin_lock(struct spinlock *l)
{
	while (atomic_flag_test_and_set_explicit(&l->f, memory_order_acquire))
		sched_yield();
}
static inline void spin_unlock(struct spinlock *l) { atomic_flag_clear_explicit(&l->f, memory_order_release); }
static inline unsigned long spin_lock_irqsave(struct spinlock *l)
{
	spin_lock(l);
	return 0;
}
static inline void spin_unlock_irqrestore(struct spinlock *l, unsigned long flags)
{
	(void)flags;
	spin_unlock(l);
}
#define assert_held(l) ((void)(l))
#else
struct spinlock {
	uint16_t next;  /* next ticket to hand out */
	uint16_t owner; /* ticket now being served */
	int cpu;        /* CPU holding it, -1 when free (debug) */
	const char *name;
	void *caller;   /* return address of the locker (debug) */
};
#define SPINLOCK_INIT(n) { 0, 0, -1, n, 0 }

void spin_init(struct spinlock *l, const char *name);
void spin_lock(struct spinlock *l);
void spin_unlock(struct spinlock *l);
bool spin_trylock(struct spinlock *l);
unsigned long spin_lock_irqsave(struct spinlock *l);
void spin_unlock_irqrestore(struct spinlock *l, unsigned long flags);
bool spin_held(const struct spinlock *l); /* held by this CPU */
/* How long a waiter spins before the lock is reported stuck (and the limit
 * smp_call_function waits for other CPUs); set by spinlock.timeout_ms=. */
extern unsigned long spin_timeout_ms;
/* Pick ticket or test-and-set (see the top); the boot CPU, before SMP. */
void spinlock_choose(void);
const char *spinlock_kind(void);
#define assert_held(l)                                                                  \
	do {                                                                            \
		if (unlikely(!spin_held(l)))                                            \
			panic("%s:%d: lock %s not held", __FILE__, __LINE__, (l)->name); \
	} while (0)
#endif
