/* task.c - creating and freeing tasks.
 *
 * A task's kernel stack (guarded, from the vmap area) holds, from the top:
 * its user trap_frame (user_tf), then while it is not running the context
 * swtch() saved.  A new task's context "returns" into task_entry, which
 * leaves for user mode through user_tf.
 *
 * A task that exits cannot free its own stack (it is running on it): it
 * puts itself on dead_tasks and switches away for good; task_reap_dead()
 * (called by idle loops and task_alloc, with interrupts on and no locks
 * held, as freeing a stack shoots down TLBs) frees it once its on_cpu is 0.
 * next_tid is atomic; dead_lock protects dead_tasks and reaping. */
#include "kernel/sched.h"
#include "arch/x86_64/fpu.h"
#include "arch/x86_64/x86.h"
#include "kernel/assert.h"
#include "kernel/atomic.h"
#include "kernel/percpu.h"
#include "kernel/lib/string.h"
#include "mm/slab.h"
#include "mm/vmap.h"

struct context {
	uint64_t r15, r14, r13, r12, rbx, rbp, rip;
};

void task_entry(void);    /* entry.asm */
void kthread_entry(void); /* entry.asm */

static int next_tid = 1; /* atomic */
static struct spinlock dead_lock = SPINLOCK_INIT("dead_tasks");
static LIST_HEAD(dead_tasks);
static int reaping; /* tasks taken off dead_tasks and being freed; under dead_lock */

int task_tid_next(void) { return READ_ONCE(next_tid); }

void task_tid_rewind(int next)
{
	WRITE_ONCE(next_tid, next);
}

struct task *task_alloc(struct process *p)
{
	task_reap_dead();
	struct task *t = kzalloc(sizeof(*t));
	if (!t)
		return NULL;
	t->kstack_top = vmap_stack_alloc(KSTACK_PAGES);
	t->fpu = fpu_alloc();
	if (!t->kstack_top || !t->fpu) {
		if (t->kstack_top)
			vmap_stack_free(t->kstack_top, KSTACK_PAGES);
		if (t->fpu)
			fpu_free(t->fpu);
		kfree(t);
		return NULL;
	}
	t->tid = fetch_add(&next_tid, 1);
	t->proc = p;
	t->user_tf = (struct trap_frame *)t->kstack_top - 1;
	t->state = TASK_NEW; /* not runnable until sched_start() */
	t->affinity = cpu_online_mask;
	spin_init(&t->pi_lock, "task.pi_lock");
	list_init(&t->rq_node);
	list_init(&t->timer_node);
	list_init(&t->thread_node);
	list_init(&t->reap_node);
	return t;
}

void task_setup_user_entry(struct task *t)
{
	struct context *ctx = (struct context *)t->user_tf - 1;
	memset(ctx, 0, sizeof(*ctx));
	ctx->rip = (uint64_t)task_entry;
	t->ctx = ctx;
}

/* A kernel thread: runs fn(arg) in kernel mode on its own stack, then
 * exits.  For self-tests and kernel work; it has no process. */
struct task *kthread_create(void (*fn)(void *), void *arg, const char *name)
{
	struct task *t = task_alloc(NULL);
	if (!t)
		return NULL;
	strlcpy(t->name, name, sizeof(t->name));
	struct context *ctx = (struct context *)t->user_tf - 1;
	memset(ctx, 0, sizeof(*ctx));
	ctx->r12 = (uint64_t)fn;
	ctx->r13 = (uint64_t)arg;
	ctx->rip = (uint64_t)kthread_entry;
	t->ctx = ctx;
	sched_start(t);
	return t;
}

__noreturn void kthread_exit(void) { task_exit_final(); }

void task_wait_off_cpu(struct task *t)
{
	while (smp_load_acquire(&t->on_cpu))
		cpu_relax();
}

void task_free(struct task *t)
{
	task_wait_off_cpu(t);
	vmap_stack_free(t->kstack_top, KSTACK_PAGES);
	fpu_free(t->fpu);
	kfree(t);
}

/* Put the current task on the dead list (it is freed once it has switched
 * away for good): done before the exit becomes visible to a waiter, so
 * whoever counts frames after reaping the process waits for its stack too. */
void task_queue_dead(void)
{
	struct task *t = current;
	unsigned long f = spin_lock_irqsave(&dead_lock);
	if (list_empty(&t->reap_node))
		list_add_tail(&t->reap_node, &dead_tasks);
	spin_unlock_irqrestore(&dead_lock, f);
}

__noreturn void task_exit_final(void)
{
	struct task *t = current;
	task_queue_dead();
	irq_disable();
	WRITE_ONCE(t->state, TASK_DEAD);
	schedule();
	BUG_ON(1);
	__builtin_unreachable();
}

/* Free every dead task that is off its CPU; with wait, also wait for those
 * still switching away (used before counting free frames). */
void task_reap_dead_wait(bool wait)
{
	for (;;) {
		unsigned long f = spin_lock_irqsave(&dead_lock);
		struct task *t = NULL;
		struct list_head *pos;
		list_for_each(pos, &dead_tasks) {
			struct task *d = list_entry(pos, struct task, reap_node);
			/* Queued early in its exit, it may still sleep there (closing
			 * a pipe takes a mutex): only a DEAD task off its CPU is done. */
			if (READ_ONCE(d->state) == TASK_DEAD && !smp_load_acquire(&d->on_cpu)) {
				t = d;
				list_del(&t->reap_node);
				reaping++;
				break;
			}
		}
		bool busy = !list_empty(&dead_tasks) || reaping;
		spin_unlock_irqrestore(&dead_lock, f);
		if (t) {
			task_free(t);
			f = spin_lock_irqsave(&dead_lock);
			reaping--;
			spin_unlock_irqrestore(&dead_lock, f);
		} else if (!wait || !busy) {
			return;
		} else {
			cpu_relax(); /* another CPU is still switching away from one, or freeing it */
		}
	}
}

void task_reap_dead(void) { task_reap_dead_wait(false); }
