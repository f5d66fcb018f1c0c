/* sched.c - per-CPU run queues, context switches, idling, sleep timers.
 *
 * Each CPU runs the first task of its own run queue (FIFO, one tick per
 * slice for user code), else its idle task.  The idle task pulls work from
 * other CPUs' queues and otherwise halts until an interrupt.  A wakeup puts
 * the task on the queue of a CPU in its affinity mask - the CPU it last ran
 * on if allowed, else the first idle one, else the least loaded - and sends
 * that CPU a reschedule IPI if it is not this one.
 *
 * The rules that make this safe on SMP (see sched.h for the states):
 *   - a task is on at most one run queue, and only while TASK_RUNNING;
 *   - a CPU picks only a task whose on_cpu is 0, and sets it to 1 under the
 *     queue lock; swtch() clears the previous task's on_cpu only after it
 *     has left that task's stack, so a task never runs on two CPUs and its
 *     stack is never freed while in use.  A picker never spins on on_cpu
 *     (two CPUs could wait on each other): a queued task still being
 *     switched away from elsewhere is skipped and found on the next pass;
 *   - interrupts are off from taking the queue lock in schedule() to the
 *     end of the switch; no spinlock is held across swtch().
 * Lock order: sleep_timer_lock -> task pi_lock -> run-queue lock (two
 * run-queue locks only in pull_task, in CPU-id order). */
#include "kernel/epoch.h"
#include "kernel/sched.h"
#include "arch/x86_64/apic.h"
#include "arch/x86_64/fpu.h"
#include "arch/x86_64/x86.h"
#include "kernel/assert.h"
#include "kernel/errno.h"
#include "kernel/panic.h"
#include "kernel/percpu.h"
#include "kernel/proc.h"
#include "kernel/printk.h"
#include "kernel/lib/string.h"
#include "kernel/time.h"
#include "mm/mm.h"
#include "mm/slab.h"

void swtch(struct context **save, struct context *load, int *prev_on_cpu); /* entry.asm */

/* Sleep deadlines: tasks in timed sleeps, sorted by wake_at_ns. */
static struct spinlock sleep_timer_lock = SPINLOCK_INIT("sleep_timer");
static LIST_HEAD(sleep_timers);          /* under sleep_timer_lock */
static uint64_t next_deadline = UINT64_MAX; /* earliest wake_at_ns; read locklessly by ticks */

static void rq_enqueue(struct cpu *c, struct task *t)
{
	assert_held(&c->rq.lock);
	list_add_tail(&t->rq_node, &c->rq.queue);
	c->rq.nr_queued++;
}

/* The first queued task not still on another CPU.  (One whose affinity
 * changed while queued runs here once; schedule() then moves it.) */
static struct task *rq_pick(struct cpu *c)
{
	assert_held(&c->rq.lock);
	struct list_head *pos;
	list_for_each(pos, &c->rq.queue) {
		struct task *t = list_entry(pos, struct task, rq_node);
		if (!smp_load_acquire(&t->on_cpu)) {
			list_del(&t->rq_node);
			c->rq.nr_queued--;
			t->on_cpu = 1;
			return t;
		}
	}
	return NULL;
}

void sched_kick(unsigned cpu)
{
	if (cpu == cpu_id())
		this_cpu()->need_resched = true;
	else
		apic_send_ipi(cpus[cpu].apic_id, VEC_RESCHEDULE);
}

static void resched_ipi(struct trap_frame *tf) { this_cpu()->need_resched = true; }

/* Switch this CPU's per-task state to next: kernel stack for traps and
 * syscalls, address space, FS base, FPU state. */
static void switch_to(struct cpu *c, struct task *prev, struct task *next)
{
	if (prev->proc)
		fpu_save(prev->fpu);
	c->syscall_rsp = (uint64_t)next->kstack_top;
	tss_set_rsp0(c->id, (uint64_t)next->kstack_top);
	struct mm *next_mm = next->proc ? next->proc->mm : NULL;
	if (c->active_mm != next_mm)
		mm_switch(next_mm);
	if (next->proc) {
		wrmsr(MSR_FS_BASE, next->fs_base);
		fpu_restore(next->fpu);
	}
	c->curr = next;
	c->context_switches++;
	swtch(&prev->ctx, next->ctx, &prev->on_cpu);
}

void schedule(void)
{
	struct cpu *c = this_cpu();
	if (c->preempt_count && !panicking)
		panic("schedule() with %d spinlock(s) held on cpu%u", c->preempt_count, c->id);
	if (epoch_in_reader() && !panicking)
		epoch_sleep_bug(__builtin_return_address(0));
	unsigned long flags = irq_save();
	struct task *prev = c->curr;
	bool is_idle = prev == c->idle;
	spin_lock(&c->rq.lock);
	c->need_resched = false;
	bool runnable = prev->state == TASK_RUNNING;
	if (!is_idle && !runnable)
		prev->on_rq = false; /* sleeping or dead: off the queue */
	bool stay = runnable && !is_idle && cpumask_test(&prev->affinity, c->id);
	struct task *next = rq_pick(c);
	if (!next)
		next = stay ? prev : c->idle;
	else if (stay)
		rq_enqueue(c, prev);
	spin_unlock(&c->rq.lock);

	if (runnable && !is_idle && !stay) {
		/* Its affinity no longer allows this CPU: move it.  It stays
		 * on_cpu until our swtch(), so the target skips it till then. */
		unsigned target = cpumask_first(&prev->affinity);
		struct cpu *tc = &cpus[target];
		spin_lock(&tc->rq.lock);
		prev->cpu = target;
		rq_enqueue(tc, prev);
		spin_unlock(&tc->rq.lock);
		sched_kick(target);
	}
	if (next != prev)
		switch_to(c, prev, next);
	irq_restore(flags);
	/* A context switch is a quiescent state.  Reported here, where this
	 * task runs again, not before the switch: ending a grace period wakes
	 * its waiters, and a task that is still switching out with state
	 * SLEEPING (on_cpu set) cannot be woken from its own CPU. */
	epoch_quiescent_run(EPOCH_RUN_BATCH);
}

void sched_yield(void)
{
	this_cpu()->need_resched = true;
	schedule();
}

void sched_maybe_resched(void)
{
	if (this_cpu()->need_resched)
		schedule();
}

static bool cpu_idle(unsigned i)
{
	return READ_ONCE(cpus[i].curr) == cpus[i].idle && !READ_ONCE(cpus[i].rq.nr_queued);
}

/* Where should a woken task run?  Its last CPU if that is idle; else any
 * idle CPU it may use; else its last CPU if allowed; else the allowed CPU
 * with the shortest queue.  (Racy reads: a hint, not a promise.) */
static unsigned select_cpu(struct task *t)
{
	bool last_ok = cpumask_test(&t->affinity, t->cpu) && cpus[t->cpu].online;
	if (last_ok && cpu_idle(t->cpu))
		return t->cpu;
	unsigned best = MAX_CPUS, best_len = UINT32_MAX;
	for_each_cpu(i, &cpu_online_mask) {
		if (!cpumask_test(&t->affinity, i))
			continue;
		if (cpu_idle(i))
			return i;
		unsigned len = READ_ONCE(cpus[i].rq.nr_queued) + 1;
		if (len < best_len) {
			best = i;
			best_len = len;
		}
	}
	if (last_ok)
		return t->cpu;
	BUG_ON(best == MAX_CPUS);
	return best;
}

bool wake_task(struct task *t)
{
	unsigned long flags = spin_lock_irqsave(&t->pi_lock);
	if (READ_ONCE(t->state) != TASK_SLEEPING) {
		spin_unlock_irqrestore(&t->pi_lock, flags);
		return false;
	}
	struct cpu *c = &cpus[t->cpu];
	spin_lock(&c->rq.lock);
	if (t->on_rq) { /* has not switched away yet: schedule() will see it runnable */
		WRITE_ONCE(t->state, TASK_RUNNING);
		spin_unlock(&c->rq.lock);
		spin_unlock_irqrestore(&t->pi_lock, flags);
		return true;
	}
	spin_unlock(&c->rq.lock);
	/* It is switching away on its CPU (off the queue, registers not yet
	 * saved): wait for swtch() to finish, as Linux's try_to_wake_up does,
	 * so the target CPU can run it at once instead of skipping it until
	 * its next tick.  Safe: that CPU takes no lock we hold on the way. */
	while (smp_load_acquire(&t->on_cpu))
		cpu_relax();
	unsigned target = select_cpu(t);
	c = &cpus[target];
	spin_lock(&c->rq.lock);
	t->cpu = target;
	WRITE_ONCE(t->state, TASK_RUNNING);
	t->on_rq = true;
	rq_enqueue(c, t);
	spin_unlock(&c->rq.lock);
	spin_unlock_irqrestore(&t->pi_lock, flags);
	sched_kick(target);
	return true;
}

void sched_start(struct task *t)
{
	unsigned long f = spin_lock_irqsave(&t->pi_lock);
	BUG_ON(t->state != TASK_NEW);
	t->on_rq = false;
	t->cpu = cpu_id();
	WRITE_ONCE(t->state, TASK_SLEEPING); /* now wake_task() may start it */
	spin_unlock_irqrestore(&t->pi_lock, f);
	wake_task(t);
}

int sched_set_affinity(struct task *t, const struct cpumask *mask)
{
	struct cpumask m;
	if (!cpumask_and(&m, mask, &cpu_online_mask))
		return -EINVAL;
	unsigned long flags = spin_lock_irqsave(&t->pi_lock);
	t->affinity = m;
	spin_unlock_irqrestore(&t->pi_lock, flags);
	if (t == current && !cpumask_test(&m, cpu_id()))
		sched_yield(); /* schedule() moves it */
	return 0;
}

/* ---- idle, and pulling work from other CPUs ---- */

/* Move one queued task that may run here from another CPU's queue (the
 * first non-empty one in CPU-id order). */
static bool pull_task(struct cpu *c)
{
	for_each_cpu(i, &cpu_online_mask) {
		struct cpu *o = &cpus[i];
		if (o == c || !READ_ONCE(o->rq.nr_queued))
			continue;
		struct cpu *first = o->id < c->id ? o : c, *second = o->id < c->id ? c : o;
		spin_lock(&first->rq.lock);
		spin_lock(&second->rq.lock);
		struct task *found = NULL;
		struct list_head *pos;
		list_for_each(pos, &o->rq.queue) {
			struct task *t = list_entry(pos, struct task, rq_node);
			if (!smp_load_acquire(&t->on_cpu) && cpumask_test(&t->affinity, c->id)) {
				found = t;
				break;
			}
		}
		if (found) {
			list_del(&found->rq_node);
			o->rq.nr_queued--;
			found->cpu = c->id;
			rq_enqueue(c, found);
		}
		spin_unlock(&second->rq.lock);
		spin_unlock(&first->rq.lock);
		if (found)
			return true;
	}
	return false;
}

__noreturn void sched_idle_loop(void)
{
	struct cpu *c = this_cpu();
	for (;;) {
		epoch_idle_exit(); /* awake: grace periods wait for this CPU again */
		epoch_quiescent_run(0);
		task_reap_dead();
		if (c->id == 0 && READ_ONCE(init_exited))
			init_finish(); /* does not return */
		irq_disable();
		/* Idle from here (a grace period ending here may wake a task
		 * onto this CPU: hence before the checks). */
		epoch_idle_enter();
		if (READ_ONCE(c->rq.nr_queued) || pull_task(c)) {
			epoch_idle_exit();
			irq_enable();
			schedule();
			continue;
		}
		if (c->need_resched) {
			c->need_resched = false;
			irq_enable();
			continue;
		}
		__asm__ volatile("sti; hlt" ::: "memory"); /* sti's shadow: no wakeup lost before hlt */
	}
}

static struct task *idle_task_create(struct cpu *c)
{
	struct task *t = kzalloc(sizeof(*t));
	BUG_ON(!t);
	strlcpy(t->name, "idle", sizeof(t->name));
	t->tid = 0;
	t->state = TASK_RUNNING;
	t->on_cpu = 1;
	t->cpu = c->id;
	t->kstack_top = c->kstack_top;
	cpumask_set(&t->affinity, c->id);
	spin_init(&t->pi_lock, "task.pi_lock");
	list_init(&t->rq_node);
	list_init(&t->timer_node);
	c->idle = t;
	c->curr = t;
	c->syscall_rsp = (uint64_t)c->kstack_top;
	return t;
}

void sched_init_ap(void)
{
	struct cpu *c = this_cpu();
	spin_init(&c->rq.lock, "runqueue");
	list_init(&c->rq.queue);
	idle_task_create(c);
}

void sched_init(void)
{
	irq_register(VEC_RESCHEDULE, resched_ipi);
	sched_init_ap();
}

/* ---- time ---- */

static void timer_refresh_locked(void)
{
	WRITE_ONCE(next_deadline, list_empty(&sleep_timers)
					  ? UINT64_MAX
					  : list_first_entry(&sleep_timers, struct task, timer_node)->wake_at_ns);
}

static void timer_remove_locked(struct task *t)
{
	if (!list_empty(&t->timer_node))
		list_del(&t->timer_node);
	timer_refresh_locked();
}

static void timer_add(struct task *t, uint64_t deadline)
{
	unsigned long f = spin_lock_irqsave(&sleep_timer_lock);
	t->wake_at_ns = deadline;
	struct list_head *pos;
	list_for_each(pos, &sleep_timers) {
		if (list_entry(pos, struct task, timer_node)->wake_at_ns > deadline)
			break;
	}
	list_add_tail(&t->timer_node, pos); /* before pos: the list stays sorted */
	timer_refresh_locked();
	spin_unlock_irqrestore(&sleep_timer_lock, f);
}

static void timer_del(struct task *t)
{
	unsigned long f = spin_lock_irqsave(&sleep_timer_lock);
	timer_remove_locked(t);
	spin_unlock_irqrestore(&sleep_timer_lock, f);
}

static void timers_expire(uint64_t now)
{
	if (now < READ_ONCE(next_deadline) || !spin_trylock(&sleep_timer_lock))
		return;
	while (!list_empty(&sleep_timers)) {
		struct task *t = list_first_entry(&sleep_timers, struct task, timer_node);
		if (t->wake_at_ns > now)
			break;
		timer_remove_locked(t);
		wake_task(t);
	}
	spin_unlock(&sleep_timer_lock);
}

void sched_tick(void)
{
	struct cpu *c = this_cpu();
	if (c->curr != c->idle && READ_ONCE(c->rq.nr_queued))
		c->need_resched = true; /* the slice is one tick */
	timers_expire(time_ns());
	epoch_tick(); /* grace periods start on the tick: one serves all that was retired since */
}

static int wait_sleep_mode(uint64_t deadline_ns, bool intr)
{
	if (intr ? signal_pending() : fatal_signal_pending())
		return -EINTR;
	if (deadline_ns) {
		if (time_ns() >= deadline_ns)
			return -ETIMEDOUT;
		timer_add(current, deadline_ns);
	}
	schedule();
	if (deadline_ns)
		timer_del(current);
	return 0;
}

int wait_sleep(uint64_t deadline_ns) { return wait_sleep_mode(deadline_ns, false); }
int wait_sleep_intr(uint64_t deadline_ns) { return wait_sleep_mode(deadline_ns, true); }

static int sleep_until_mode(uint64_t deadline_ns, bool intr)
{
	struct task *t = current;
	for (;;) {
		WRITE_ONCE(t->state, TASK_SLEEPING);
		smp_mb();
		int r = wait_sleep_mode(deadline_ns, intr);
		WRITE_ONCE(t->state, TASK_RUNNING);
		if (r == -ETIMEDOUT)
			return 0;
		if (r)
			return r;
	}
}

int sleep_until(uint64_t deadline_ns) { return sleep_until_mode(deadline_ns, false); }
int sleep_until_intr(uint64_t deadline_ns) { return sleep_until_mode(deadline_ns, true); }

uint64_t sched_context_switches(unsigned cpu) { return cpus[cpu].context_switches; }
