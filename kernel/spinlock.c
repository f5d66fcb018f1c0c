/* spinlock.c - ticket spinlocks with debug checks (see spinlock.h).
 *
 * A ticket lock is fair (FIFO): a locker takes `next` with an atomic
 * fetch-add and waits until `owner` reaches its ticket; unlock increments
 * `owner` with a release store.  The test-and-set kind uses the same two
 * fields: free is next == owner, taking it is a compare-and-swap of next
 * from owner to owner + 1 (spin_trylock), unlock is the same increment of
 * owner - so a lock taken one way can be released the other, and the kind
 * can be chosen after locks exist (but before a second CPU runs).
 * `cpu` and `caller` are written only by the holder and are for
 * diagnostics. */
#include "kernel/spinlock.h"
#include "kernel/atomic.h"
#include "arch/x86_64/x86.h"
#include "kernel/assert.h"
#include "kernel/percpu.h"
#include "kernel/lib/cmdline.h"
#include "kernel/lockstat.h"
#include "kernel/printk.h"
#include "kernel/lib/string.h"
#include "kernel/time.h"

/* A lock waited for longer than this is reported as stuck (panic naming the
 * holder).  Generous by default: under TCG a vCPU can be descheduled for
 * long.  `spinlock.timeout_ms=N` changes it (tests use a short one). */
unsigned long spin_timeout_ms = 20000;

/* Chosen once, before the APs start; read-only afterwards. */
static bool spin_tas;

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

/* Free: take it with one compare-and-swap (acquire on success). */
static inline bool spin_try_tas(struct spinlock *l)
{
	uint16_t owner = load_relaxed(&l->owner);
	uint16_t expect = owner;
	return load_relaxed(&l->next) == owner && try_cmpxchg_acquire(&l->next, &expect, (uint16_t)(owner + 1));
}

/* Wait for our ticket (ticket >= 0) or for a chance to take the lock
 * (test-and-set: ticket < 0). */
static __attribute__((noinline)) void spin_lock_slow(struct spinlock *l, int ticket, void *caller)
{
	uint64_t start = rdtsc();
	uint64_t limit = tsc_hz ? tsc_hz / 1000 * spin_timeout_ms : 0;
	while (ticket >= 0 ? smp_load_acquire(&l->owner) != (uint16_t)ticket : !spin_try_tas(l)) {
		cpu_relax();
		if (limit && rdtsc() - start > limit && !panicking)
			panic("spinlock %s: stuck for %lu ms (held by cpu%d, taken at %p; waiter %p)", l->name,
			      spin_timeout_ms, READ_ONCE(l->cpu), READ_ONCE(l->caller), caller);
	}
	lockstat_wait(l->name, LOCKSTAT_SPIN, rdtsc() - start);
}

void spinlock_choose(void)
{
	const char *want = cmdline_get("spinlock");
	uint32_t a, b, c, d;
	cpuid(1, 0, &a, &b, &c, &d);
	bool hv = c & (1u << 31); /* CPUID.1:ECX.hypervisor */
	spin_tas = hv;
	if (want && !strcmp(want, "ticket"))
		spin_tas = false;
	else if (want && !strcmp(want, "tas"))
		spin_tas = true;
	else if (want)
		pr_warn("spinlock: spinlock=%s is not ticket or tas; using %s\n", want, spinlock_kind());
	pr_info("spinlock: %s (%s)\n", spinlock_kind(),
		want && (!strcmp(want, "ticket") || !strcmp(want, "tas")) ? "spinlock= on the command line"
		: hv ? "under a hypervisor: a descheduled waiter must not stall the others"
		     : "bare metal: fair, FIFO");
}

const char *spinlock_kind(void) { return spin_tas ? "test-and-set" : "ticket"; }

static inline void spin_lock_at(struct spinlock *l, void *caller)
{
	preempt_disable();
	if (unlikely(spin_held(l)) && !panicking)
		panic("spinlock %s: recursive lock on cpu%u (first taken at %p, again at %p)", l->name, cpu_id(),
		      l->caller, caller);
	if (spin_tas) {
		if (!spin_try_tas(l))
			spin_lock_slow(l, -1, caller);
	} else {
		uint16_t ticket = fetch_add_relaxed(&l->next, 1);
		if (smp_load_acquire(&l->owner) != ticket)
			spin_lock_slow(l, ticket, caller);
	}
	l->cpu = (int)cpu_id();
	l->caller = caller;
}

void spin_lock(struct spinlock *l) { spin_lock_at(l, __builtin_return_address(0)); }

bool spin_trylock(struct spinlock *l)
{
	preempt_disable();
	if (spin_try_tas(l)) {
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
