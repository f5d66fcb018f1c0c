/* signal.c - signals, as far as faultline has them: dispositions
 * (rt_sigaction), masks (rt_sigprocmask), sending (kill, tkill, tgkill) and
 * the default actions.  A signal whose action is to terminate ends the
 * process with that signal's wait status; ignored ones are dropped.
 * Delivery to user handlers is not implemented yet (the memory-manager
 * issue adds it): a caught signal is dropped with a warning.
 * Dispositions are under p->lock; pending masks are updated atomically. */
#include "kernel/proc.h"
#include "kernel/atomic.h"
#include "kernel/errno.h"
#include "kernel/printk.h"
#include "kernel/syscall.h"

#define SA_RESTORER 0x04000000
#define SIG_BLOCK 0
#define SIG_UNBLOCK 1
#define SIG_SETMASK 2
#define SIGBIT(s) (1ull << ((s) - 1))
#define UNBLOCKABLE (SIGBIT(SIGKILL) | SIGBIT(SIGSTOP))

static bool default_ignored(int sig)
{
	return sig == SIGCHLD || sig == SIGCONT || sig == SIGURG || sig == SIGWINCH || sig == SIGSTOP ||
	       sig == SIGTSTP || sig == 21 /* SIGTTIN */ || sig == 22 /* SIGTTOU */;
}

int send_signal(struct process *p, struct task *t, int sig)
{
	if (sig == 0)
		return 0;
	unsigned long f = spin_lock_irqsave(&p->lock);
	uint64_t handler = p->sig[sig].handler;
	spin_unlock_irqrestore(&p->lock, f);
	if (sig != SIGKILL && (handler == SIG_IGN || (handler == SIG_DFL && default_ignored(sig))))
		return 0;
	if (sig == SIGKILL || handler == SIG_DFL) {
		process_kill(p, W_EXITCODE(0, sig));
		return 0;
	}
	if (t)
		fetch_or(&t->sigpending, SIGBIT(sig));
	else
		fetch_or(&p->sigpending, SIGBIT(sig));
	return 0;
}

void handle_signals(struct trap_frame *tf)
{
	struct task *t = current;
	uint64_t pend = (load_relaxed(&t->sigpending) | load_relaxed(&t->proc->sigpending)) & ~t->sigmask;
	if (!pend)
		return;
	int sig = __builtin_ctzll(pend) + 1;
	fetch_and(&t->sigpending, ~SIGBIT(sig));
	fetch_and(&t->proc->sigpending, ~SIGBIT(sig));
	printk(KERN_WARNING "faultline: pid %d: signal %d caught by a handler: handlers are not supported yet; "
			    "ignored\n",
	       t->proc->pid, sig);
}

static long sys_rt_sigaction(int sig, const struct k_sigaction __user *act, struct k_sigaction __user *oact,
			     size_t sigsetsize)
{
	if (sigsetsize != 8)
		return -EINVAL;
	if (sig < 1 || sig > NSIG || ((sig == SIGKILL || sig == SIGSTOP) && act))
		return -EINVAL;
	struct k_sigaction new, old;
	if (act && copy_from_user(&new, act, sizeof(new)))
		return -EFAULT;
	struct process *p = current->proc;
	unsigned long f = spin_lock_irqsave(&p->lock);
	old = p->sig[sig];
	if (act) {
		new.mask &= ~UNBLOCKABLE;
		p->sig[sig] = new;
	}
	spin_unlock_irqrestore(&p->lock, f);
	if (oact && copy_to_user(oact, &old, sizeof(old)))
		return -EFAULT;
	return 0;
}

static long sys_rt_sigprocmask(int how, const uint64_t __user *set, uint64_t __user *oset, size_t sigsetsize)
{
	if (sigsetsize != 8)
		return -EINVAL;
	struct task *t = current;
	uint64_t old = t->sigmask, new;
	if (set) {
		if (copy_from_user(&new, set, 8))
			return -EFAULT;
		switch (how) {
		case SIG_BLOCK: t->sigmask |= new; break;
		case SIG_UNBLOCK: t->sigmask &= ~new; break;
		case SIG_SETMASK: t->sigmask = new; break;
		default: return -EINVAL;
		}
		t->sigmask &= ~UNBLOCKABLE;
	}
	if (oset && copy_to_user(oset, &old, 8))
		return -EFAULT;
	return 0;
}

static long sys_kill(int pid, int sig)
{
	if (sig < 0 || sig > NSIG)
		return -EINVAL;
	if (pid == -1)
		return -ESRCH; /* "every process we may signal": not supported */
	if (pid == 0 || pid < -1)
		pid = pid ? -pid : current->proc->pid; /* a process group: faultline has no job control */
	unsigned long f = spin_lock_irqsave(&proc_tree_lock);
	struct process *p = process_find(pid);
	long r = !p ? -ESRCH : p->state == PROC_ZOMBIE ? 0 : send_signal(p, NULL, sig);
	spin_unlock_irqrestore(&proc_tree_lock, f);
	return r;
}

static long do_tkill(int tgid, int tid, int sig)
{
	if (tid <= 0 || sig < 0 || sig > NSIG)
		return -EINVAL;
	unsigned long f = spin_lock_irqsave(&proc_tree_lock);
	struct task *t = task_find(tid); /* stays valid while we hold the lock */
	long r = !t || (tgid > 0 && t->proc->pid != tgid) ? -ESRCH : send_signal(t->proc, t, sig);
	spin_unlock_irqrestore(&proc_tree_lock, f);
	return r;
}

static long sys_tkill(int tid, int sig) { return do_tkill(-1, tid, sig); }
static long sys_tgkill(int tgid, int tid, int sig)
{
	if (tgid <= 0)
		return -EINVAL;
	return do_tkill(tgid, tid, sig);
}

SYSCALL(rt_sigaction, sys_rt_sigaction);
SYSCALL(rt_sigprocmask, sys_rt_sigprocmask);
SYSCALL(kill, sys_kill);
SYSCALL(tkill, sys_tkill);
SYSCALL(tgkill, sys_tgkill);
