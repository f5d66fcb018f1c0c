/* clone.c - new threads and processes: clone(2) and vfork(2).
 *
 * Supported: threads (CLONE_VM|CLONE_SIGHAND|CLONE_THREAD, with the flags
 * musl's pthread_create adds), and CLONE_VM|CLONE_VFORK processes (musl's
 * posix_spawn, vfork): the child shares the parent's memory until it execs
 * or exits, and the parent sleeps until then; and fork (no CLONE_VM): the
 * child gets a copy of the address space (mm/fork.c: private pages
 * shared copy-on-write, mm/cow.c).  A process sharing memory without CLONE_VFORK's wait
 * is not supported: -EINVAL. */
#include "arch/x86_64/fpu.h"
#include "kernel/errno.h"
#include "kernel/fs/file.h"
#include "kernel/proc.h"
#include "kernel/lib/string.h"
#include "kernel/syscall.h"
#include "mm/mm.h"

#define CSIGNAL 0x000000ff
#define CLONE_VM 0x00000100
#define CLONE_FS 0x00000200
#define CLONE_FILES 0x00000400
#define CLONE_SIGHAND 0x00000800
#define CLONE_PIDFD 0x00001000
#define CLONE_PTRACE 0x00002000
#define CLONE_VFORK 0x00004000
#define CLONE_PARENT 0x00008000
#define CLONE_THREAD 0x00010000
#define CLONE_NEWNS 0x00020000
#define CLONE_SYSVSEM 0x00040000
#define CLONE_SETTLS 0x00080000
#define CLONE_PARENT_SETTID 0x00100000
#define CLONE_CHILD_CLEARTID 0x00200000
#define CLONE_DETACHED 0x00400000
#define CLONE_UNTRACED 0x00800000
#define CLONE_CHILD_SETTID 0x01000000
#define CLONE_NEWMASK 0x7e020000 /* every CLONE_NEW* namespace flag */
#define CLONE_IO 0x80000000ul

#define SUPPORTED                                                                                            \
	(CSIGNAL | CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_VFORK | CLONE_THREAD |          \
	 CLONE_SYSVSEM | CLONE_SETTLS | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID | CLONE_DETACHED |        \
	 CLONE_CHILD_SETTID | CLONE_UNTRACED | CLONE_IO | CLONE_PTRACE)

/* A process for a child: the parent's mm (CLONE_VM) or a copy of it, its
 * files shared or copied, its dispositions, cwd and name. */
static struct process *clone_process(struct process *parent, uint64_t flags)
{
	struct process *p = process_alloc();
	if (!p)
		return NULL;
	p->files = flags & CLONE_FILES ? (files_get(parent->files), parent->files) : files_copy(parent->files);
	if (!p->files) {
		process_free(p);
		return NULL;
	}
	if (flags & CLONE_VM) {
		mm_get(parent->mm);
		p->mm = parent->mm;
	} else if (!(p->mm = mm_copy(parent->mm))) {
		files_put(p->files);
		p->files = NULL;
		process_free(p);
		return NULL;
	}
	unsigned long f = spin_lock_irqsave(&parent->lock);
	memcpy(p->sig, parent->sig, sizeof(p->sig));
	memcpy(p->cwd, parent->cwd, sizeof(p->cwd));
	memcpy(p->name, parent->name, sizeof(p->name));
	spin_unlock_irqrestore(&parent->lock, f);
	return p;
}

/* Undo clone_process() for a child that never ran. */
static void clone_process_undo(struct process *p)
{
	files_put(p->files);
	p->files = NULL;
	mm_put(p->mm);
	p->mm = NULL;
	process_free(p);
}

/* Wait until the vfork child execs or exits - or until this process is
 * being killed, as Linux's killable wait_for_vfork_done: then detach from
 * the child under proc_tree_lock, so that its vfork_release() never wakes
 * a task that may be gone.  (The child holds its own reference to the mm.)
 * While the lock is held and vfork_done is still false, the child has not
 * passed vfork_release() and so is still allocated. */
static void vfork_wait(struct task *child)
{
	struct task *me = current;
	while (!smp_load_acquire(&me->vfork_done)) {
		WRITE_ONCE(me->state, TASK_SLEEPING);
		smp_mb();
		if (!smp_load_acquire(&me->vfork_done) && !fatal_signal_pending())
			schedule();
		WRITE_ONCE(me->state, TASK_RUNNING);
		if (fatal_signal_pending()) {
			unsigned long f = spin_lock_irqsave(&proc_tree_lock);
			if (!smp_load_acquire(&me->vfork_done))
				WRITE_ONCE(child->vfork_parent, NULL);
			spin_unlock_irqrestore(&proc_tree_lock, f);
			break;
		}
	}
	me->vfork_done = false;
}

static long sys_clone(uint64_t flags, uint64_t newsp, int __user *parent_tid, int __user *child_tid, uint64_t tls)
{
	if ((flags & CLONE_THREAD) && !(flags & CLONE_SIGHAND))
		return -EINVAL;
	if ((flags & CLONE_SIGHAND) && !(flags & CLONE_VM))
		return -EINVAL;
	if (flags & CLONE_NEWMASK)
		return -EINVAL; /* namespaces are not supported */
	if ((flags & CLONE_THREAD) && (flags & CSIGNAL))
		return -EINVAL;
	if (flags & ~SUPPORTED)
		return -EINVAL;
	if ((flags & CLONE_VM) && !(flags & CLONE_THREAD) && !(flags & CLONE_VFORK))
		return -EINVAL; /* a process sharing memory without vfork's wait: not supported */

	struct task *me = current;
	struct process *parent = me->proc;
	struct process *p = flags & CLONE_THREAD ? parent : clone_process(parent, flags);
	if (!p)
		return -ENOMEM;
	struct task *t = task_alloc(p);
	if (!t) {
		if (p != parent)
			clone_process_undo(p);
		return -ENOMEM;
	}
	*t->user_tf = *me->user_tf;
	t->user_tf->rax = 0;
	if (newsp)
		t->user_tf->rsp = newsp;
	t->fs_base = flags & CLONE_SETTLS ? tls : me->fs_base;
	t->sigmask = me->sigmask;
	if (!(flags & CLONE_VM) || (flags & CLONE_VFORK)) { /* a new process keeps the alternate stack */
		t->sas_ss_sp = me->sas_ss_sp;
		t->sas_ss_size = me->sas_ss_size;
		t->sas_ss_flags = me->sas_ss_flags;
	}
	fpu_save(me->fpu);
	fpu_copy(t->fpu, me->fpu);
	memcpy(t->name, me->name, sizeof(t->name));
	t->affinity = me->affinity;
	if (flags & CLONE_CHILD_CLEARTID)
		t->clear_child_tid = (uint64_t)child_tid;
	task_setup_user_entry(t);

	int tid = t->tid;
	/* PARENT_SETTID writes the parent's memory; CHILD_SETTID the child's
	 * (a fork child's tid goes into the child's copy only).  As Linux
	 * (kernel_clone, schedule_tail), a pointer that cannot be written is
	 * no error: the child is made all the same. */
	if (flags & CLONE_PARENT_SETTID)
		(void)put_user(tid, parent_tid);
	if (flags & CLONE_CHILD_SETTID)
		(void)(flags & CLONE_VM ? put_user(tid, child_tid)
					: mm_write(p->mm, (uint64_t)child_tid, &tid, sizeof(tid)));
	if (p != parent) {
		p->pid = tid;
		process_link(p, parent);
	}
	if (flags & CLONE_VFORK)
		t->vfork_parent = me;
	process_add_thread(p, t);
	sched_start(t);
	if (flags & CLONE_VFORK)
		vfork_wait(t);
	return tid;
}

#define SIGCHLD_ 17
static long sys_vfork(void) { return sys_clone(CLONE_VM | CLONE_VFORK | SIGCHLD_, 0, NULL, NULL, 0); }
static long sys_fork(void) { return sys_clone(SIGCHLD_, 0, NULL, NULL, 0); }

SYSCALL(clone, sys_clone);
SYSCALL(vfork, sys_vfork);
SYSCALL(fork, sys_fork);
