/* range_lock_sleep.c - the kernel's side of range locks (mm/range_lock.c is
 * portable and also runs in host tests): how a waiter sleeps, and the clock
 * for wait times. */
#include "arch/x86_64/x86.h"
#include "kernel/atomic.h"
#include "kernel/percpu.h"
#include "kernel/sched.h"
#include "kernel/time.h"
#include "kernel/wait.h"
#include "mm/range_lock.h"

/* After prepare_to_wait(): a killable waiter gives up when the process is
 * being killed (wait_sleep says so without sleeping); an uninterruptible
 * one must sleep regardless, so it calls schedule() itself (as epoch_wait.c
 * does), or a dying task would spin and, on one CPU, never let the holder
 * run. */
int range_lock_sleep(bool killable)
{
	if (killable)
		return wait_sleep(0);
	schedule();
	return 0;
}

uint64_t range_lock_cycles(void) { return rdtsc(); }

/* How long a waiter spins before it sleeps: wait.c's LOCK_SPIN_NS.  A
 * fault's range section is short (one page), shorter than a sleep and the
 * wakeup IPI that ends it; under QEMU's TCG far shorter. */
#define RANGE_SPIN_NS 30000

bool range_lock_spin(const unsigned *blocking)
{
	if (READ_ONCE(ncpus_online) < 2 || !tsc_hz)
		return false; /* the holder cannot run while we spin */
	uint64_t until = rdtsc() + tsc_hz / (1000000000 / RANGE_SPIN_NS);
	while (rdtsc() < until) {
		if (smp_load_acquire(blocking) == 0)
			return true;
		cpu_relax();
	}
	return false;
}
