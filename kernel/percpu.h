/* percpu.h - per-CPU data, reached through the GS base.
 *
 * cpus[i] is CPU i's struct cpu; GS base points at it from the moment that CPU
 * runs C code, so this_cpu() is one instruction.  Fields are written only by
 * the CPU that owns them unless a comment says otherwise.  Logical CPU ids
 * are dense 0..ncpus-1 in MADT order with the boot CPU as 0; apic_id maps
 * them to hardware.
 *
 * Every per-CPU array element is cache-line aligned (struct cpu, the
 * percpu_counter slots, objpool, epoch_cpus, call_queue, mmstat): a CPU
 * writing its own slot never invalidates another CPU's line.  Loops over
 * all CPUs on frequent paths stop at nr_cpu_ids, not MAX_CPUS. */
#pragma once
#include "kernel/compiler.h"
#include "kernel/atomic.h"
#include "kernel/lib/list.h"
#include "kernel/spinlock.h"

/* Raising it costs about 5 KiB of BSS per CPU (struct cpu, the GDT/TSS
 * tables, the per-CPU slots of every pool and counter): see docs/boot.md. */
#define MAX_CPUS 256

struct tss;
struct task;

/* A CPU's run queue (kernel/sched.c). */
struct runqueue {
	struct spinlock lock;   /* protects queue, nr_queued, and on_rq/cpu of tasks on it */
	struct list_head queue; /* runnable tasks waiting for this CPU, FIFO */
	unsigned nr_queued;
};

struct cpu {
	struct cpu *self;      /* gs:0, for this_cpu() */
	/* gs:8 and gs:16 are used by syscall_entry (entry.asm): keep them here */
	uint64_t syscall_rsp;  /* gs:8: kernel stack top of the current task */
	uint64_t user_rsp;     /* gs:16: the user rsp while entering a syscall */
	struct task *curr;     /* the running task (see `current`, sched.h) */
	unsigned id;           /* logical CPU id */
	uint32_t apic_id;      /* local APIC / x2APIC id (set by smp.c) */
	int preempt_count;     /* spinlocks held (and other no-preempt sections) */
	int irq_depth;         /* nesting of interrupt handlers */
	volatile bool online;  /* set by the CPU itself once it runs; read by the boot CPU */
	uint64_t ticks;        /* LAPIC timer ticks taken on this CPU */
	struct tss *tss;       /* this CPU's TSS (gdt.c) */
	uint64_t *gdt;         /* this CPU's GDT (gdt.c) */
	void *kstack_top;      /* top of this CPU's boot/idle stack (set by the boot CPU before start) */
	void *emergency_stack; /* top of a stack for reporting kernel stack overflows (ditto) */
	struct list_head pcp_list; /* per-CPU free single pages (mm/frame.c) */
	unsigned pcp_count;        /* number of pages on pcp_list */
	uint64_t pcp_refills, pcp_drains; /* statistics */
	struct task *idle;     /* this CPU's idle task */
	struct mm *active_mm;  /* whose page tables CR3 holds (NULL: the kernel's) */
	struct runqueue rq;
	bool need_resched;     /* set by the tick or a remote wakeup; checked before returning to user mode */
	uint64_t context_switches;
} __aligned(64); /* one CPU's fields never share a line with another's */

extern struct cpu cpus[MAX_CPUS];
extern unsigned ncpus;      /* CPUs found in the MADT (and brought up or not) */
extern unsigned ncpus_online;
/* Possible CPUs: every logical id in use is below it.  1 until
 * smp_boot_aps() numbers the CPUs (before any AP runs), then ncpus, never
 * changed again; loops over per-CPU slots stop here. */
extern unsigned nr_cpu_ids;

static inline struct cpu *this_cpu(void)
{
	struct cpu *c;
	__asm__ volatile("movq %%gs:0, %0" : "=r"(c));
	return c;
}

static inline unsigned cpu_id(void)
{
	unsigned id;
	__asm__ volatile("movl %%gs:%c1, %0" : "=r"(id) : "i"(offsetof(struct cpu, id)));
	return id;
}

void percpu_init_this(unsigned id); /* point GS base at cpus[id] */
void preempt_disable(void);
void preempt_enable(void);

/* Add n to a counter only this CPU writes: one plain (unlocked) add
 * instruction, which an interrupt on this CPU cannot split, while other
 * CPUs only read it.  No bus lock: under QEMU's multi-threaded TCG a
 * locked instruction is a call into a helper, and the fault path counts
 * several events. */
static inline void this_cpu_add(uint64_t *p, uint64_t n)
{
	__asm__ volatile("addq %1, %0" : "+m"(*p) : "er"(n));
}

/* A per-CPU counter: each CPU adds to its own slot (no shared cache line
 * traffic); readers sum all slots (not atomic with respect to updates). */
struct percpu_counter {
	struct {
		uint64_t v;
	} __aligned(64) slot[MAX_CPUS];
};
static inline void percpu_counter_add(struct percpu_counter *c, uint64_t n)
{
	this_cpu_add(&c->slot[cpu_id()].v, n);
}
static inline uint64_t percpu_counter_sum(const struct percpu_counter *c)
{
	uint64_t s = 0;
	for (unsigned i = 0; i < READ_ONCE(nr_cpu_ids); i++)
		s += load_relaxed(&c->slot[i].v);
	return s;
}
