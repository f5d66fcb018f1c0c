/* smp_call.c - run a function on other CPUs by IPI.
 *
 * Each CPU has a queue of call requests (call_queue[cpu], protected by its
 * lock, taken with interrupts off).  A caller allocates one request per
 * target (in an array it owns when it waits - see CALL_ONSTACK - else from
 * kmalloc, freed by the target), queues it, and sends VEC_CALL_FUNCTION.
 * The target's handler runs every queued request in order and decrements
 * the caller's pending counter (release), which the waiting caller polls
 * (acquire).
 * Lock order: a queue lock is a leaf. */
#include "kernel/smp.h"
#include "kernel/atomic.h"
#include "arch/x86_64/apic.h"
#include "arch/x86_64/trap.h"
#include "arch/x86_64/x86.h"
#include "kernel/assert.h"
#include "kernel/lockstat.h"
#include "kernel/printk.h"
#include "kernel/spinlock.h"
#include "kernel/time.h"
#include "mm/slab.h"

struct call_req {
	struct list_head node;
	void (*fn)(void *);
	void *arg;
	int *pending;  /* caller's counter, NULL when nobody waits */
	bool heap;     /* kmalloc'd: the target frees it */
};

static struct call_queue {
	struct spinlock lock;
	struct list_head reqs; /* protected by lock */
	uint64_t received;     /* IPIs handled, for tests */
} __aligned(64) call_queue[MAX_CPUS];

static void call_function_ipi(struct trap_frame *tf)
{
	struct call_queue *q = &call_queue[cpu_id()];
	q->received++;
	for (;;) {
		spin_lock(&q->lock);
		struct call_req *r = NULL;
		if (!list_empty(&q->reqs)) {
			r = list_first_entry(&q->reqs, struct call_req, node);
			list_del(&r->node);
		}
		spin_unlock(&q->lock);
		if (!r)
			break;
		/* A waited-for request lives on the caller's stack, which is
		 * gone once pending drops: read everything before that. */
		int *pending = r->pending;
		bool heap = r->heap;
		r->fn(r->arg);
		if (pending)
			fetch_sub_release(pending, 1);
		if (heap)
			kfree(r);
	}
}

void smp_call_init(void)
{
	for (unsigned i = 0; i < MAX_CPUS; i++) { /* once, at boot: before nr_cpu_ids is known */
		spin_init(&call_queue[i].lock, "call_queue");
		list_init(&call_queue[i].reqs);
	}
	irq_register(VEC_CALL_FUNCTION, call_function_ipi);
}

void smp_call_function(const struct cpumask *mask, void (*fn)(void *), void *arg, bool wait)
{
	smp_call_function_as("smp_call_function", mask, fn, arg, wait);
}

/* Wait until every request counted in *pending has run; then account the
 * wait to `what` in /proc/lockstat. */
static void wait_for_calls(const char *what, int *pending, void (*fn)(void *))
{
	if (!READ_ONCE(*pending))
		return;
	uint64_t t0 = rdtsc(), deadline = time_ns() + spin_timeout_ms * 1000000ull;
	while (smp_load_acquire(pending)) {
		cpu_relax();
		if (time_ns() > deadline && !panicking)
			panic("smp_call_function: %d CPUs did not run %p within %lu ms", READ_ONCE(*pending), (void *)fn,
			      spin_timeout_ms);
	}
	lockstat_wait(what, LOCKSTAT_IPI_WAIT, rdtsc() - t0);
}

/* Waited-for requests live in an array the caller owns: on its stack up to
 * CALL_ONSTACK targets (a 16 KiB kernel stack has no room for MAX_CPUS of
 * them), else kmalloc'd for the targets in the mask.  Without memory for
 * that, the on-stack array is reused: CALL_ONSTACK targets at a time, each
 * batch waited for before the next is queued. */
#define CALL_ONSTACK 8

void smp_call_function_as(const char *what, const struct cpumask *mask, void (*fn)(void *), void *arg, bool wait)
{
	BUG_ON(!irqs_enabled() && ncpus_online > 1);
	struct call_req onstack[CALL_ONSTACK], *reqs = onstack;
	unsigned nreqs = CALL_ONSTACK, used = 0;
	if (wait) {
		unsigned n = cpumask_weight(mask);
		if (n > CALL_ONSTACK && (reqs = kmalloc(n * sizeof(*reqs))))
			nreqs = n;
		else
			reqs = onstack;
	}
	int pending = 0;
	unsigned me;
	/* Stay on this CPU while queueing (preemption comes with the scheduler). */
	preempt_disable();
	me = cpu_id();
	for_each_cpu(cpu, mask) {
		if (cpu == me || !cpumask_test(&cpu_online_mask, cpu))
			continue;
		struct call_req *r = NULL;
		if (!wait && !(r = kmalloc(sizeof(*r)))) {
			pr_warn("smp_call_function: out of memory, running synchronously\n");
			wait = true;
		}
		if (wait) {
			if (used == nreqs) { /* the mask grew, or no memory for the array */
				wait_for_calls(what, &pending, fn);
				used = 0;
			}
			r = &reqs[used++];
		}
		*r = (struct call_req){ .fn = fn, .arg = arg, .pending = wait ? &pending : NULL, .heap = !wait };
		if (wait)
			fetch_add_relaxed(&pending, 1);
		struct call_queue *q = &call_queue[cpu];
		unsigned long f = spin_lock_irqsave(&q->lock);
		list_add_tail(&r->node, &q->reqs);
		spin_unlock_irqrestore(&q->lock, f);
		apic_send_ipi(cpus[cpu].apic_id, VEC_CALL_FUNCTION);
	}
	if (cpumask_test(mask, me)) {
		unsigned long f = irq_save();
		fn(arg);
		irq_restore(f);
	}
	preempt_enable();
	if (wait)
		wait_for_calls(what, &pending, fn);
	if (reqs != onstack)
		kfree(reqs);
}

void smp_call_function_single(unsigned cpu, void (*fn)(void *), void *arg, bool wait)
{
	struct cpumask m = cpumask_of(cpu);
	smp_call_function(&m, fn, arg, wait);
}

void smp_call_function_all(void (*fn)(void *), void *arg, bool wait)
{
	smp_call_function(&cpu_online_mask, fn, arg, wait);
}

uint64_t smp_call_ipis_received(unsigned cpu) { return READ_ONCE(call_queue[cpu].received); }

struct flush_range {
	uint64_t start, end;
};

static void flush_range_local(void *arg)
{
	const struct flush_range *r = arg;
	if ((r->end - r->start) / PAGE_SIZE > 32) {
		/* Global pages survive a CR3 reload: toggle CR4.PGE to drop them. */
		uint64_t cr4 = read_cr4();
		if (cr4 & CR4_PGE) {
			write_cr4(cr4 & ~CR4_PGE);
			write_cr4(cr4);
		} else {
			write_cr3(read_cr3());
		}
		return;
	}
	for (uint64_t va = r->start; va < r->end; va += PAGE_SIZE)
		invlpg(va);
}

void flush_tlb_kernel_range(uint64_t start, uint64_t end)
{
	struct flush_range r = { start, end };
	if (irqs_enabled())
		smp_call_function_all(flush_range_local, &r, true);
	else {
		BUG_ON(ncpus_online > 1); /* cannot IPI with interrupts off */
		flush_range_local(&r);
	}
}
