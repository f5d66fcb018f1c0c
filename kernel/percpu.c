/* percpu.c - the per-CPU array and preemption counting. */
#include "kernel/percpu.h"
#include "arch/x86_64/x86.h"
#include "kernel/assert.h"

struct cpu cpus[MAX_CPUS];
unsigned nr_cpu_ids = 1; /* the boot CPU; smp_boot_aps() sets the rest */
extern bool percpu_ready;

void percpu_init_this(unsigned id)
{
	struct cpu *c = &cpus[id];
	c->self = c;
	c->id = id;
	wrmsr(MSR_GS_BASE, (uint64_t)c);
	wrmsr(MSR_KERNEL_GS_BASE, 0);
	percpu_ready = true;
}

/* The count of spinlocks (and other no-sleep sections) held on this CPU:
 * schedule() and the return to user mode check that it is zero, and the
 * page-fault path on a user copy does not sleep while it is not. */
void preempt_disable(void) { this_cpu()->preempt_count++; }

void preempt_enable(void)
{
	struct cpu *c = this_cpu();
	BUG_ON(c->preempt_count <= 0);
	c->preempt_count--;
}
