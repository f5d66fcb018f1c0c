/* sched.h - tasks (threads) and the scheduler.
 *
 * A task is one thread of execution: a kernel stack, a saved context, and
 * for user threads the user register state (a trap_frame at the top of the
 * kernel stack), FS base and FPU state.  Every CPU has a run queue of
 * runnable tasks and an idle task; schedule() switches to the next
 * runnable task, or idles.  User code is preempted by the LAPIC timer (one
 * slice = one tick); kernel code is not preempted: it runs until it sleeps,
 * yields or returns to user mode (xv6's model, Linux without
 * CONFIG_PREEMPT).
 *
 * Task states and who changes them:
 *   TASK_NEW       allocated, not started: wake_task() leaves it alone
 *                  (an exit_group may try to wake it); sched_start() starts it.
 *   TASK_RUNNING   runnable or running.  on_rq: counted on cpu's run queue
 *                  (queued, or the CPU's current task).
 *   TASK_SLEEPING  set by the task itself (prepare_to_wait); back to
 *                  RUNNING by wake_task() (any CPU, under pi_lock) or by the
 *                  task itself (finish_wait).  schedule() takes a sleeping
 *                  task off its run queue (on_rq = false) under the rq lock.
 *   TASK_DEAD      set by the task itself as its last act (task_exit);
 *                  the task never runs again; whoever reaps it waits for
 *                  on_cpu == 0 before freeing its stack.
 * on_cpu is 1 from the moment a CPU picks the task until that CPU has
 * switched away from it (cleared with release after the switch), so no
 * other CPU runs it, or frees it, while its registers are still being
 * saved (Linux's p->on_cpu).
 *
 * Lock order: task->pi_lock -> run-queue lock (one at a time, except
 * work stealing, which takes two run-queue locks in CPU-id order). */
#pragma once
#include "arch/x86_64/trap.h"
#include "kernel/cpumask.h"
#include "kernel/lib/list.h"
#include "kernel/spinlock.h"

enum task_state { TASK_NEW, TASK_RUNNING, TASK_SLEEPING, TASK_DEAD };

struct process;
struct context; /* callee-saved registers, on the task's kernel stack (task.c, swtch in entry.asm) */

struct task {
	int tid;                    /* fixed */
	char name[16];              /* for reports; set at exec */
	struct process *proc;       /* fixed; NULL for kernel tasks (idle) */
	void *kstack_top;           /* fixed: top of the guarded kernel stack (vmap) */
	struct trap_frame *user_tf; /* fixed: the user frame at the top of the kernel stack */

	/* scheduler state (see above) */
	int state;
	bool on_rq;                 /* under the rq lock of cpu */
	int on_cpu;                 /* written by the CPU running it; see above */
	unsigned cpu;               /* run queue it is on / last ran on; changed under that queue's lock (and pi_lock when waking) */
	struct list_head rq_node;   /* in that run queue, under its lock */
	struct cpumask affinity;    /* CPUs it may run on; under pi_lock */
	struct spinlock pi_lock;    /* serialises wake_task() and affinity changes */
	struct context *ctx;        /* saved context while not running */
	uint64_t wake_at_ns;        /* deadline of a timed sleep (0: none); own */
	struct list_head timer_node; /* in the sleep-timer list (sched.c), under its lock */

	/* user-mode state, touched only by the task itself (or before it first runs) */
	uint64_t fs_base;
	void *fpu;                  /* xsave/fxsave area (arch fpu.c) */
	uint64_t clear_child_tid;   /* user address (set_tid_address, CLONE_CHILD_CLEARTID) */
	uint64_t robust_list;       /* recorded, not walked */
	uint64_t sigmask;           /* blocked signals (rt_sigprocmask) */
	uint64_t saved_sigmask;     /* rt_sigsuspend: the mask to restore after the handler */
	bool restore_sigmask;       /* saved_sigmask is set (the thread's own) */
	uint64_t sigpending;        /* thread-directed signals (tkill/tgkill), atomic */
	int sigsender[65];          /* tkill/tgkill: the sender's pid per pending signal (siginfo) */
	uint64_t sas_ss_sp, sas_ss_size; /* sigaltstack (0 size: none) */
	unsigned sas_ss_flags;      /* SS_AUTODISARM */
	bool uaccess_nofault;       /* user copies must not sleep in the fault handler (futex) */

	struct list_head thread_node; /* in proc->threads, under proc->lock */
	struct task *vfork_parent;  /* CLONE_VFORK: woken at exec or exit; own */
	bool vfork_done;            /* set (release) by the vfork child for its parent */
	struct list_head reap_node; /* on the dead-task list of its reaper */
};

/* The running task of this CPU. */
static inline struct task *current_task(void)
{
	struct task *t;
	__asm__ volatile("movq %%gs:%c1, %0" : "=r"(t) : "i"(offsetof(struct cpu, curr)));
	return t;
}
#define current current_task()

void sched_init(void);            /* boot CPU: run queues, this CPU's idle task */
void sched_init_ap(void);         /* each AP: its idle task */
__noreturn void sched_idle_loop(void); /* the idle task's body: run anything runnable, else hlt */
void schedule(void);              /* switch away; returns when this task runs again */
void sched_yield(void);
void sched_tick(void);            /* timer interrupt: time slices, sleep deadlines */
/* Make a sleeping task runnable (on a CPU of its affinity, preferring the
 * one it last ran on); false if it was not sleeping. */
bool wake_task(struct task *t);
/* Make a new task runnable for the first time. */
void sched_start(struct task *t);
/* Move the current task to a CPU of mask (sched_setaffinity): -EINVAL if
 * mask has no online CPU. */
int sched_set_affinity(struct task *t, const struct cpumask *mask);
/* Make cpu reschedule soon (an IPI if it is another CPU). */
void sched_kick(unsigned cpu);
/* Check need_resched and switch if set: on the way back to user mode. */
void sched_maybe_resched(void);

/* Tasks. */
struct task *task_alloc(struct process *p); /* kernel stack, FPU area, tid; not yet runnable */
/* The tid the next task gets; init.batch rewinds it between two inits so
 * that each gets the first one's pid - only when no task with a tid >=
 * next is left (every process of the last init killed and reaped). */
int task_tid_next(void);
void task_tid_rewind(int next);
void task_free(struct task *t);             /* after it is DEAD and off every CPU */
/* The task's first return to user mode starts from user_tf. */
void task_setup_user_entry(struct task *t);
__noreturn void task_exit_final(void);      /* mark DEAD and switch away for good */
void task_queue_dead(void);                 /* its first half, for the early steps of an exit */
/* A kernel thread running fn(arg), already runnable; it exits when fn
 * returns and is freed by the reaper.  NULL when out of memory. */
struct task *kthread_create(void (*fn)(void *), void *arg, const char *name);
void task_wait_off_cpu(struct task *t);     /* spin until on_cpu == 0 */
void task_reap_dead(void);                  /* free the tasks that have exited (idle, task_alloc) */
void task_reap_dead_wait(bool wait);        /* ditto; wait: until none is left */
/* Sleep until time_ns() >= deadline; -EINTR if the process is killed first
 * (sleep_until_intr: or a signal is pending that the thread does not block). */
int sleep_until(uint64_t deadline_ns);
int sleep_until_intr(uint64_t deadline_ns);
uint64_t sched_context_switches(unsigned cpu);
