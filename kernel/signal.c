/* signal.c - signals: dispositions (rt_sigaction), masks
 * (rt_sigprocmask, rt_sigpending), sending (kill, tkill, tgkill), faults
 * turned into signals (force_sig_fault), and choosing what to deliver on
 * the way back to user mode (handle_signals).  signal_frame.c builds the
 * handler's frame and undoes it (rt_sigreturn).
 *
 * A signal whose default action is to terminate ends the process at once
 * with that signal's wait status; ignored ones are dropped; caught ones
 * are marked pending (thread- or process-directed, with the sender's pid
 * for siginfo) and delivered, lowest number first, one handler frame per
 * return to user mode, when not blocked by the thread's mask.
 * Dispositions and process sender pids are under p->lock; pending masks
 * are updated atomically; t->sigmask and the alternate stack belong to
 * the thread itself. */
#include "kernel/proc.h"
#include "kernel/atomic.h"
#include "kernel/errno.h"
#include "kernel/printk.h"
#include "kernel/signal_internal.h"
#include "kernel/syscall.h"

#define SIG_BLOCK 0
#define SIG_UNBLOCK 1
#define SIG_SETMASK 2

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
	int sender = current->proc ? current->proc->pid : 0;
	f = spin_lock_irqsave(&p->lock);
	if (t) {
		t->sigsender[sig] = sender;
		fetch_or(&t->sigpending, SIGBIT(sig));
	} else {
		p->sigsender[sig] = sender;
		fetch_or(&p->sigpending, SIGBIT(sig));
	}
	spin_unlock_irqrestore(&p->lock, f);
	return 0;
}

/* Run sig's action for the current thread: a handler frame, nothing, or
 * the end of the process.  info says why. */
static void deliver(struct trap_frame *tf, int sig, const struct ksiginfo *info, const char *reason)
{
	struct task *t = current;
	struct process *p = t->proc;
	unsigned long f = spin_lock_irqsave(&p->lock);
	struct k_sigaction ka = p->sig[sig];
	if (ka.handler != SIG_DFL && ka.handler != SIG_IGN && (ka.flags & SA_RESETHAND))
		p->sig[sig].handler = SIG_DFL;
	spin_unlock_irqrestore(&p->lock, f);
	if (ka.handler == SIG_IGN || (ka.handler == SIG_DFL && default_ignored(sig)))
		return;
	if (ka.handler == SIG_DFL) {
		if (reason)
			user_fault_kill(sig, info->addr, reason, tf);
		do_exit_group(W_EXITCODE(0, sig));
	}
	if (setup_rt_frame(tf, sig, &ka, info))
		user_fault_kill(SIGSEGV, tf->rsp, "cannot write a signal frame on the stack", tf);
}

void handle_signals(struct trap_frame *tf)
{
	struct task *t = current;
	struct process *p = t->proc;
	uint64_t pend = (load_relaxed(&t->sigpending) | load_relaxed(&p->sigpending)) & ~t->sigmask;
	if (!pend)
		return;
	int sig = __builtin_ctzll(pend) + 1;
	struct ksiginfo info = { .signo = sig };
	unsigned long f = spin_lock_irqsave(&p->lock);
	if (load_relaxed(&t->sigpending) & SIGBIT(sig)) {
		fetch_and(&t->sigpending, ~SIGBIT(sig));
		info.code = SI_TKILL;
		info.pid = t->sigsender[sig];
	} else {
		fetch_and(&p->sigpending, ~SIGBIT(sig));
		info.code = SI_USER;
		info.pid = p->sigsender[sig];
	}
	spin_unlock_irqrestore(&p->lock, f);
	deliver(tf, sig, &info, NULL);
}

void force_sig_fault(int sig, int code, uint64_t addr, const char *reason, struct trap_frame *tf)
{
	struct task *t = current;
	struct process *p = t->proc;
	/* A fault signal cannot be blocked or ignored: like Linux's
	 * force_sig_info, such a disposition becomes the default (death). */
	unsigned long f = spin_lock_irqsave(&p->lock);
	if ((t->sigmask & SIGBIT(sig)) || p->sig[sig].handler == SIG_IGN) {
		p->sig[sig].handler = SIG_DFL;
		t->sigmask &= ~SIGBIT(sig);
	}
	spin_unlock_irqrestore(&p->lock, f);
	struct ksiginfo info = { .signo = sig, .code = code, .addr = addr };
	deliver(tf, sig, &info, reason);
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

static long sys_rt_sigpending(uint64_t __user *set, size_t sigsetsize)
{
	if (sigsetsize > 8)
		return -EINVAL;
	struct task *t = current;
	uint64_t pend = (load_relaxed(&t->sigpending) | load_relaxed(&t->proc->sigpending)) & t->sigmask;
	return copy_to_user(set, &pend, sigsetsize) ? -EFAULT : 0;
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
SYSCALL(rt_sigpending, sys_rt_sigpending);
SYSCALL(kill, sys_kill);
SYSCALL(tkill, sys_tkill);
SYSCALL(tgkill, sys_tgkill);
