/* proc.c - process life: creation, exit, zombies, wait4, and the
 * process-identity system calls.
 *
 * proc_tree_lock protects every process's parent/children/state and the
 * all_processes list; p->lock protects p's thread list and exit state (see
 * proc.h).  A thread exits by taking itself off its process; the last one
 * out releases the mm and files, gives its children to init, becomes a
 * zombie and wakes its parent, whose wait4 frees it. */
#include "kernel/proc.h"
#include "arch/x86_64/x86.h"
#include "kernel/assert.h"
#include "kernel/errno.h"
#include "kernel/fs/file.h"
#include "kernel/percpu.h"
#include "kernel/printk.h"
#include "kernel/lib/string.h"
#include "kernel/syscall.h"
#include "kernel/time.h"
#include "mm/mm.h"
#include "mm/slab.h"

struct spinlock proc_tree_lock = SPINLOCK_INIT("proc_tree");
struct process *init_process;
bool init_exited;
static LIST_HEAD(all_processes); /* under proc_tree_lock */

struct process *process_alloc(void)
{
	struct process *p = kzalloc(sizeof(*p));
	if (!p)
		return NULL;
	spin_init(&p->lock, "process");
	list_init(&p->threads);
	list_init(&p->children);
	list_init(&p->sibling);
	list_init(&p->all_node);
	wait_queue_init(&p->child_wait, "child_wait");
	wait_queue_init(&p->stop_wait, "stop_wait");
	strlcpy(p->cwd, "/", sizeof(p->cwd));
	p->state = PROC_ALIVE;
	return p;
}

void process_free(struct process *p)
{
	BUG_ON(p->mm || p->files || p->nthreads);
	kfree(p);
}

void process_add_thread(struct process *p, struct task *t)
{
	unsigned long f = spin_lock_irqsave(&p->lock);
	list_add_tail(&t->thread_node, &p->threads);
	p->nthreads++;
	spin_unlock_irqrestore(&p->lock, f);
}

/* Link a new process under parent (NULL: no parent, for init). */
void process_link(struct process *p, struct process *parent)
{
	unsigned long f = spin_lock_irqsave(&proc_tree_lock);
	p->parent = parent;
	if (parent)
		list_add_tail(&p->sibling, &parent->children);
	list_add_tail(&p->all_node, &all_processes);
	spin_unlock_irqrestore(&proc_tree_lock, f);
}

struct process *process_find(int pid)
{
	assert_held(&proc_tree_lock);
	struct list_head *pos;
	list_for_each(pos, &all_processes) {
		struct process *p = list_entry(pos, struct process, all_node);
		if (p->pid == pid)
			return p;
	}
	return NULL;
}

/* Valid while the caller holds proc_tree_lock (threads leave their
 * process under it). */
struct task *task_find(int tid)
{
	assert_held(&proc_tree_lock);
	struct list_head *pos, *tp;
	list_for_each(pos, &all_processes) {
		struct process *p = list_entry(pos, struct process, all_node);
		spin_lock(&p->lock);
		list_for_each(tp, &p->threads) {
			struct task *t = list_entry(tp, struct task, thread_node);
			if (t->tid == tid) {
				spin_unlock(&p->lock);
				return t;
			}
		}
		spin_unlock(&p->lock);
	}
	return NULL;
}

bool fatal_signal_pending(void)
{
	struct process *p = current->proc;
	if (!p)
		return false;
	struct task *exec_task = READ_ONCE(p->exec_task);
	return READ_ONCE(p->exiting) || (exec_task && exec_task != current);
}

/* Wake every thread of p but the caller so it notices p->exiting or
 * p->exec_task: sleepers are woken (killable sleeps return -EINTR),
 * running ones get an IPI and see it on their way back to user mode.
 * Caller holds p->lock. */
void kick_other_threads(struct process *p)
{
	assert_held(&p->lock);
	struct list_head *pos;
	list_for_each(pos, &p->threads) {
		struct task *t = list_entry(pos, struct task, thread_node);
		if (t != current && !wake_task(t))
			sched_kick(READ_ONCE(t->cpu));
	}
}

int process_kill_other_threads(void)
{
	struct process *p = current->proc;
	unsigned long f = spin_lock_irqsave(&p->lock);
	if (p->exiting || p->exec_task) { /* a group exit or another exec won */
		spin_unlock_irqrestore(&p->lock, f);
		return -EINTR;
	}
	WRITE_ONCE(p->exec_task, current);
	kick_other_threads(p);
	spin_unlock_irqrestore(&p->lock, f);
	while (READ_ONCE(p->nthreads) > 1 && !READ_ONCE(p->exiting))
		sleep_until(time_ns() + 1000000); /* poll each ms: they exit promptly */
	f = spin_lock_irqsave(&p->lock);
	WRITE_ONCE(p->exec_task, NULL);
	int r = p->exiting ? -EINTR : 0;
	spin_unlock_irqrestore(&p->lock, f);
	return r;
}

void process_kill(struct process *p, int wait_status)
{
	unsigned long f = spin_lock_irqsave(&p->lock);
	if (!p->exiting) {
		p->exit_status = wait_status;
		WRITE_ONCE(p->exiting, true);
	}
	kick_other_threads(p);
	spin_unlock_irqrestore(&p->lock, f);
}

/* The last thread is gone: release everything but the zombie itself. */
static void process_exit_last(struct process *p)
{
	files_put(p->files);
	p->files = NULL;
	struct mm *mm = process_set_mm(p, NULL);
	mm_switch(NULL);
	mm_put(mm);

	unsigned long f = spin_lock_irqsave(&proc_tree_lock);
	struct list_head *pos, *n;
	bool zombies = false;
	list_for_each_safe(pos, n, &p->children) {
		struct process *c = list_entry(pos, struct process, sibling);
		list_del(&c->sibling);
		/* To init; init's own orphans (the machine is about to power
		 * off) have no parent left to wake. */
		c->parent = init_process != p ? init_process : NULL;
		if (c->parent)
			list_add_tail(&c->sibling, &init_process->children);
		zombies |= c->state == PROC_ZOMBIE;
	}
	if (zombies && init_process && init_process != p)
		wake_up_all(&init_process->child_wait);
	p->state = PROC_ZOMBIE;
	if (p->parent)
		wake_up_all(&p->parent->child_wait);
	else if (p != init_process)
		sched_kick(0); /* no reaper: init.batch's sweep on CPU 0 frees it */
	if (p == init_process) {
		WRITE_ONCE(init_exited, true);
		sched_kick(0);
	}
	spin_unlock_irqrestore(&proc_tree_lock, f);
}

/* Wake a vfork parent: the child no longer uses its memory.  Under
 * proc_tree_lock, against a parent killed while it waits, which detaches
 * itself (clone.c's vfork_wait) and may then be gone. */
void vfork_release(struct task *t)
{
	if (!READ_ONCE(t->vfork_parent))
		return;
	unsigned long f = spin_lock_irqsave(&proc_tree_lock);
	struct task *parent = t->vfork_parent;
	t->vfork_parent = NULL;
	if (parent) {
		smp_store_release(&parent->vfork_done, true);
		wake_task(parent);
	}
	spin_unlock_irqrestore(&proc_tree_lock, f);
}

__noreturn void do_exit_thread(int code)
{
	struct task *t = current;
	struct process *p = t->proc;
	if (t->clear_child_tid && p->mm) {
		/* musl's pthread_join waits for this zero (CLONE_CHILD_CLEARTID) */
		uint32_t zero = 0;
		if (copy_to_user((void *)t->clear_child_tid, &zero, 4) == 0)
			futex_wake(p->mm, t->clear_child_tid, 1);
	}
	vfork_release(t);
	/* Done with user memory: leave the mm now, so that when the last
	 * thread (or an execve) frees it, no CPU still has it loaded. */
	unsigned long fl = irq_save();
	mm_switch(NULL);
	irq_restore(fl);
	task_queue_dead();
	/* Off the thread list under proc_tree_lock too: task_find()'s callers
	 * rely on a task found under that lock staying allocated. */
	unsigned long f = spin_lock_irqsave(&proc_tree_lock);
	spin_lock(&p->lock);
	list_del(&t->thread_node);
	bool last = --p->nthreads == 0;
	if (last && !p->exiting) {
		p->exit_status = W_EXITCODE(code, 0);
		WRITE_ONCE(p->exiting, true);
	}
	spin_unlock(&p->lock);
	spin_unlock_irqrestore(&proc_tree_lock, f);
	if (last)
		process_exit_last(p);
	task_exit_final();
}

__noreturn void do_exit_group(int wait_status)
{
	process_kill(current->proc, wait_status);
	do_exit_thread(0);
}

__noreturn void user_fault_kill(int sig, uint64_t addr, const char *reason, struct trap_frame *tf)
{
	struct task *t = current;
	printk(KERN_WARNING "faultline: pid %d tid %d (%s) killed by signal %d: %s at %#llx, ip %#llx\n",
	       t->proc->pid, t->tid, t->proc->name, sig, reason, (unsigned long long)addr,
	       (unsigned long long)tf->rip);
	do_exit_group(W_EXITCODE(0, sig));
}

/* ---- system calls ---- */

static long sys_exit(int code) { do_exit_thread(code); }
static long sys_exit_group(int code) { do_exit_group(W_EXITCODE(code, 0)); }
static long sys_getpid(void) { return current->proc->pid; }
static long sys_gettid(void) { return current->tid; }

static long sys_getppid(void)
{
	unsigned long f = spin_lock_irqsave(&proc_tree_lock);
	struct process *parent = current->proc->parent;
	long r = parent ? parent->pid : 0;
	spin_unlock_irqrestore(&proc_tree_lock, f);
	return r;
}

static long sys_set_tid_address(uint64_t tidptr)
{
	current->clear_child_tid = tidptr;
	return current->tid;
}

static long sys_set_robust_list(uint64_t head, size_t len)
{
	if (len != 24) /* sizeof(struct robust_list_head) */
		return -EINVAL;
	current->robust_list = head;
	return 0;
}

#define WNOHANG 1
#define WUNTRACED 2
#define WCONTINUED 8
#define __WNOTHREAD 0x20000000
#define __WALL 0x40000000
#define __WCLONE 0x80000000u

/* A zombie child matching pid (-1 any, > 0 that one), or NULL; *any tells
 * whether some child matches at all. */
static struct process *find_zombie(struct process *me, int pid, bool *any)
{
	struct list_head *pos;
	*any = false;
	list_for_each(pos, &me->children) {
		struct process *c = list_entry(pos, struct process, sibling);
		if (pid > 0 && c->pid != pid)
			continue;
		*any = true;
		if (c->state == PROC_ZOMBIE)
			return c;
	}
	return NULL;
}

/* A live child matching pid with a stop (WUNTRACED) or continue
 * (WCONTINUED) to report: its pid, the status in *st, and the report is
 * consumed; 0 if none.  Under proc_tree_lock. */
static int take_report(struct process *me, int pid, int options, int *st)
{
	struct list_head *pos;
	list_for_each(pos, &me->children) {
		struct process *c = list_entry(pos, struct process, sibling);
		if ((pid > 0 && c->pid != pid) || c->state == PROC_ZOMBIE || !c->report)
			continue;
		bool cont = c->report == 0xffff;
		if ((cont && (options & WCONTINUED)) || (!cont && (options & WUNTRACED))) {
			*st = c->report;
			c->report = 0;
			return c->pid;
		}
	}
	return 0;
}

static long sys_wait4(int pid, int __user *status, int options, void __user *rusage)
{
	if (options & ~(WNOHANG | WUNTRACED | WCONTINUED | __WNOTHREAD | __WALL | __WCLONE))
		return -EINVAL;
	if (pid == INT32_MIN)
		return -ESRCH;
	if (pid < -1 || pid == 0)
		pid = -1; /* one process group: faultline has no job control */
	struct process *me = current->proc;
	struct waiter w = { .task = NULL };
	long r;
	for (;;) {
		prepare_to_wait(&me->child_wait, &w);
		unsigned long f = spin_lock_irqsave(&proc_tree_lock);
		bool any;
		struct process *z = find_zombie(me, pid, &any);
		int st = 0, reported = 0;
		if (z) {
			list_del(&z->sibling);
			list_del(&z->all_node);
		} else if (options & (WUNTRACED | WCONTINUED)) {
			reported = take_report(me, pid, options, &st);
		}
		spin_unlock_irqrestore(&proc_tree_lock, f);
		if (reported) {
			finish_wait(&me->child_wait, &w);
			if ((status && put_user(st, status)) || (rusage && clear_user(rusage, 144)))
				return -EFAULT;
			return reported;
		}
		if (z) {
			finish_wait(&me->child_wait, &w);
			r = z->pid;
			st = z->exit_status;
			process_free(z);
			if (status && put_user(st, status))
				return -EFAULT;
			if (rusage && clear_user(rusage, 144)) /* struct rusage */
				return -EFAULT;
			return r;
		}
		if (!any) {
			r = -ECHILD;
			break;
		}
		if (options & WNOHANG) {
			r = 0;
			break;
		}
		if (wait_sleep_intr(0)) {
			r = -ERESTARTSYS; /* a signal: its handler first, then maybe again */
			break;
		}
	}
	finish_wait(&me->child_wait, &w);
	return r;
}

SYSCALL(exit, sys_exit);
SYSCALL(exit_group, sys_exit_group);
SYSCALL(getpid, sys_getpid);
SYSCALL(gettid, sys_gettid);
SYSCALL(getppid, sys_getppid);
SYSCALL(set_tid_address, sys_set_tid_address);
SYSCALL(set_robust_list, sys_set_robust_list);
SYSCALL(wait4, sys_wait4);

int process_sweep_orphans(void)
{
	int left = 0;
	for (;;) {
		struct process *z = NULL;
		unsigned long f = spin_lock_irqsave(&proc_tree_lock);
		struct list_head *pos;
		list_for_each(pos, &all_processes) {
			struct process *p = list_entry(pos, struct process, all_node);
			if (p->state == PROC_ZOMBIE && !p->parent) {
				z = p; /* nobody will reap it: we do */
				list_del(&p->all_node);
				break;
			}
			if (p->state == PROC_ALIVE) {
				send_signal(p, NULL, SIGKILL);
				left++;
			}
		}
		spin_unlock_irqrestore(&proc_tree_lock, f);
		if (!z)
			return left;
		process_free(z);
		left = 0; /* count again from the start */
	}
}

int process_pids(int *out, int max, int from)
{
	int n = 0;
	unsigned long f = spin_lock_irqsave(&proc_tree_lock);
	struct list_head *pos;
	list_for_each(pos, &all_processes) {
		struct process *p = list_entry(pos, struct process, all_node);
		if (p->pid >= from && p->state == PROC_ALIVE && n < max)
			out[n++] = p->pid;
	}
	spin_unlock_irqrestore(&proc_tree_lock, f);
	/* all_processes is in creation order, pids grow: the first max */
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && out[j - 1] > out[j]; j--) {
			int t = out[j];
			out[j] = out[j - 1];
			out[j - 1] = t;
		}
	return n;
}

struct mm *process_get_mm(struct process *p)
{
	unsigned long f = spin_lock_irqsave(&p->lock);
	struct mm *mm = p->mm;
	if (mm)
		mm_get(mm);
	spin_unlock_irqrestore(&p->lock, f);
	return mm;
}

struct mm *process_set_mm(struct process *p, struct mm *mm)
{
	unsigned long f = spin_lock_irqsave(&p->lock);
	struct mm *old = p->mm;
	p->mm = mm;
	spin_unlock_irqrestore(&p->lock, f);
	return old;
}
