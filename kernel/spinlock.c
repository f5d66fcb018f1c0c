/* spinlock.c - ticket spinlocks with debug checks (see spinlock.h).
 *
 * A ticket lock is fair (FIFO): a locker takes `next` with an atomic
 * fetch-add and waits until `owner` reaches its ticket; unlock increments
 * `owner` with a release store.  `cpu` and `caller` are written only by the
 * holder and are for diagnostics. */
#include "kernel/spinlock.h"
#include "kernel/atomic.h"
#include "arch/x86_64/x86.h"
#include "kernel/assert.h"
#include "kernel/percpu.h"
#include "kernel/time.h"

/* A lock waited for longer than this is reported as stuck (panic naming the
 * holder).  Generous by default: under TCG a vCPU can be descheduled for
 * long.  `spinlock.timeout_ms=N` changes it (tests use a short one). */
unsigned long spin_timeout_ms = 20000;

extern bool percpu_ready;
extern bool panicking;

void spin_init(struct spinlock *l, const char *name)
{
	l->next = l->owner = 0;
	l->cpu = -1;
	l->name = name;
	l->caller = NULL;
}

bool spin_held(const struct spinlock *l)
{
	return READ_ONCE(l->owner) != READ_ONCE(l->next) && READ_ONCE(l->cpu) == (int)cpu_id();
}

static __attribute__((noinline)) void spin_lock_slow(struct spinlock *l, uint16_t ticket, void *caller)
{
	uint64_t start = rdtsc();
	uint64_t limit = tsc_hz ? tsc_hz / 1000 * spin_timeout_ms : 0;
	while (smp_load_acquire(&l->owner) != ticket) {
		cpu_relax();
		if (limit && rdtsc() - start > limit && !panicking)
			panic("spinlock %s: stuck for %lu ms (held by cpu%d, taken at %p; waiter %p)", l->name,
			      spin_timeout_ms, READ_ONCE(l->cpu), READ_ONCE(l->caller), caller);
	}
}

static inline void spin_lock_at(struct spinlock *l, void *caller)
{
	preempt_disable();
	if (unlikely(spin_held(l)) && !panicking)
		panic("spinlock %s: recursive lock on cpu%u (first taken at %p, again at %p)", l->name, cpu_id(),
		      l->caller, caller);
	uint16_t ticket = fetch_add_relaxed(&l->next, 1);
	if (smp_load_acquire(&l->owner) != ticket)
		spin_lock_slow(l, ticket, caller);
	l->cpu = (int)cpu_id();
	l->caller = caller;
}

void spin_lock(struct spinlock *l) { spin_lock_at(l, __builtin_return_address(0)); }

bool spin_trylock(struct spinlock *l)
{
	preempt_disable();
	uint16_t owner = load_relaxed(&l->owner);
	uint16_t expect = owner;
	if (load_relaxed(&l->next) == owner && try_cmpxchg_acquire(&l->next, &expect, (uint16_t)(owner + 1))) {
		l->cpu = (int)cpu_id();
		l->caller = __builtin_return_address(0);
		return true;
	}
	preempt_enable();
	return false;
}

void spin_unlock(struct spinlock *l)
{
	if (unlikely(!spin_held(l)) && !panicking)
		panic("spinlock %s: unlock on cpu%u but held by cpu%d (not held: %d)", l->name, cpu_id(), l->cpu,
		      l->owner == l->next);
	l->cpu = -1;
	smp_store_release(&l->owner, (uint16_t)(l->owner + 1));
	preempt_enable();
}

unsigned long spin_lock_irqsave(struct spinlock *l)
{
	unsigned long f = irq_save();
	spin_lock_at(l, __builtin_return_address(0));
	return f;
}

void spin_unlock_irqrestore(struct spinlock *l, unsigned long flags)
{
	spin_unlock(l);
	irq_restore(flags);
}
