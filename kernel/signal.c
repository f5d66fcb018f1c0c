/* signal.c - signals: dispositions (rt_sigaction), masks
 * (rt_sigprocmask, rt_sigpending), sending (kill, tkill, tgkill), faults
 * turned into signals (force_sig_fault), and choosing what to deliver on
 * the way back to user mode (handle_signals).  signal_frame.c builds the
 * handler's frame and undoes it (rt_sigreturn).
 *
 * A signal whose default action is to terminate ends the process at once
 * with that signal's wait status - unless the thread it is for blocks it:
 * then it stays pending like a caught one (and kills when unblocked).
 * Ignored ones are dropped; caught ones are marked pending (thread- or
 * process-directed, with the sender's pid for siginfo) and delivered,
 * lowest number first, one handler frame per return to user mode, when
 * not blocked by the thread's mask.  A process-directed signal is for a
 * thread that does not block it, if one exists, which is woken: an
 * interruptible sleep (pipe, wait4, futex, nanosleep, poll, pause, ...)
 * ends, and its -ERESTART* code becomes -EINTR or a rerun of the call on
 * the way out (signal_syscall_restart), as Linux's do.
 * Dispositions and process sender pids are under p->lock; pending masks
 * are updated atomically; t->sigmask and the alternate stack belong to
 * the thread itself. */
#include "kernel/proc.h"
#include "kernel/atomic.h"
#include "kernel/errno.h"
#include "kernel/sched.h"
#include "kernel/lib/string.h"
#include "kernel/time.h"
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

bool signal_pending(void)
{
	struct task *t = current;
	if (!t->proc)
		return false;
	enum jobctl j = READ_ONCE(t->proc->jobctl);
	return fatal_signal_pending() || j == JOB_STOPPING || j == JOB_STOPPED ||
	       ((load_relaxed(&t->sigpending) | load_relaxed(&t->proc->sigpending)) & ~READ_ONCE(t->sigmask));
}

/* ---- job control ---- */

static bool stop_signal(int sig) { return sig == SIGSTOP || sig == SIGTSTP || sig == 21 || sig == 22; }

/* Stop p (under p->lock): a pending SIGCONT goes, every thread parks. */
static void stop_locked(struct process *p, int sig)
{
	assert_held(&p->lock);
	if (p->exiting || p->jobctl == JOB_STOPPING || p->jobctl == JOB_STOPPED)
		return;
	fetch_and(&p->sigpending, ~SIGBIT(SIGCONT));
	p->jobctl = JOB_STOPPING;
	p->stop_sig = sig;
	kick_other_threads(p);
}

/* SIGCONT (under p->lock): pending stop signals go; a stopped process runs. */
static void continue_locked(struct process *p)
{
	assert_held(&p->lock);
	uint64_t stops = SIGBIT(SIGSTOP) | SIGBIT(SIGTSTP) | SIGBIT(21) | SIGBIT(22);
	fetch_and(&p->sigpending, ~stops);
	struct list_head *pos;
	list_for_each(pos, &p->threads)
		fetch_and(&list_entry(pos, struct task, thread_node)->sigpending, ~stops);
	if (p->jobctl == JOB_STOPPING)
		p->jobctl = JOB_RUNNING; /* never got as far as stopped: nothing to report */
	else if (p->jobctl == JOB_STOPPED)
		p->jobctl = JOB_CONTINUED;
	else
		return;
	wake_up_all(&p->stop_wait);
}

/* Tell p's parent it stopped or continued (wait status st): wait4 with
 * WUNTRACED/WCONTINUED reports it, and SIGCHLD unless the parent's
 * handler has SA_NOCLDSTOP. */
static void notify_parent(struct process *p, int st)
{
	unsigned long f = spin_lock_irqsave(&proc_tree_lock);
	struct process *parent = p->parent;
	if (parent) {
		p->report = st;
		wake_up_all(&parent->child_wait);
		if (!(READ_ONCE(parent->sig[SIGCHLD].flags) & SA_NOCLDSTOP))
			send_signal(parent, NULL, SIGCHLD);
	}
	spin_unlock_irqrestore(&proc_tree_lock, f);
}

bool signal_stop_only(void)
{
	struct task *t = current;
	enum jobctl j = READ_ONCE(t->proc->jobctl);
	return (j == JOB_STOPPING || j == JOB_STOPPED) && !fatal_signal_pending() &&
	       !((load_relaxed(&t->sigpending) | load_relaxed(&t->proc->sigpending)) & ~READ_ONCE(t->sigmask));
}

void do_signal_stop(void)
{
	struct process *p = current->proc;
	unsigned long f = spin_lock_irqsave(&p->lock);
	int stopped = 0;
	p->nparked++;
	if (p->jobctl == JOB_STOPPING && p->nparked == p->nthreads) { /* the last to park reports */
		p->jobctl = JOB_STOPPED;
		stopped = p->stop_sig << 8 | 0x7f;
	}
	spin_unlock_irqrestore(&p->lock, f);
	if (stopped)
		notify_parent(p, stopped);
	wait_event_killable(p->stop_wait, READ_ONCE(p->jobctl) != JOB_STOPPED && READ_ONCE(p->jobctl) != JOB_STOPPING);
	f = spin_lock_irqsave(&p->lock);
	p->nparked--;
	bool continued = p->jobctl == JOB_CONTINUED;
	if (continued)
		p->jobctl = JOB_RUNNING;
	spin_unlock_irqrestore(&p->lock, f);
	if (continued) /* the first thread to wake reports */
		notify_parent(p, 0xffff);
}

/* A thread of p that does not block sig (the first; NULL if all do), to
 * take a process-directed signal.  Under p->lock. */
static struct task *pick_thread(struct process *p, int sig)
{
	assert_held(&p->lock);
	struct list_head *pos;
	list_for_each(pos, &p->threads) {
		struct task *t = list_entry(pos, struct task, thread_node);
		if (!(READ_ONCE(t->sigmask) & SIGBIT(sig)))
			return t;
	}
	return NULL;
}

int send_signal(struct process *p, struct task *t, int sig)
{
	if (sig == 0)
		return 0;
	int sender = current->proc ? current->proc->pid : 0;
	unsigned long f = spin_lock_irqsave(&p->lock);
	uint64_t handler = p->sig[sig].handler;
	if (sig == SIGCONT)
		continue_locked(p); /* whatever its disposition; then delivered like any */
	if (sig == SIGSTOP || (stop_signal(sig) && handler == SIG_DFL)) {
		struct task *target = t ? t : pick_thread(p, sig);
		if (sig == SIGSTOP || (target && !(READ_ONCE(target->sigmask) & SIGBIT(sig)))) {
			stop_locked(p, sig);
			spin_unlock_irqrestore(&p->lock, f);
			return 0;
		}
		/* blocked: pending, and it stops the process when delivered */
	} else if (sig != SIGKILL && (handler == SIG_IGN || (handler == SIG_DFL && default_ignored(sig)))) {
		spin_unlock_irqrestore(&p->lock, f);
		return 0;
	}
	struct task *target = t ? t : pick_thread(p, sig);
	bool blocked = !target || (READ_ONCE(target->sigmask) & SIGBIT(sig));
	if (sig == SIGKILL || (handler == SIG_DFL && !blocked)) {
		spin_unlock_irqrestore(&p->lock, f);
		process_kill(p, W_EXITCODE(0, sig));
		return 0;
	}
	if (t) {
		t->sigsender[sig] = sender;
		fetch_or(&t->sigpending, SIGBIT(sig));
	} else {
		p->sigsender[sig] = sender;
		fetch_or(&p->sigpending, SIGBIT(sig));
	}
	/* Wake it from an interruptible sleep (it checks signal_pending after
	 * marking itself asleep: no wakeup is lost), or make it notice on its
	 * way back to user mode if it runs elsewhere. */
	if (!blocked && target != current && !wake_task(target))
		sched_kick(READ_ONCE(target->cpu));
	spin_unlock_irqrestore(&p->lock, f);
	return 0;
}

void signal_syscall_restart(struct trap_frame *tf, const struct k_sigaction *ka)
{
	if (tf->vector != VEC_SYSCALL)
		return;
	switch ((int64_t)tf->rax) {
	case -ERESTARTNOHAND:
		if (ka) {
			tf->rax = (uint64_t)-EINTR;
			return;
		}
		break;
	case -ERESTARTSYS:
		if (ka && !(ka->flags & SA_RESTART)) {
			tf->rax = (uint64_t)-EINTR;
			return;
		}
		break;
	case -ERESTARTNOINTR:
		break;
	default:
		return;
	}
	tf->rax = tf->error; /* the call's number (syscall_dispatch kept it) */
	tf->rip -= 2;        /* back onto the 2-byte `syscall` instruction */
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
	if (ka.handler == SIG_DFL && stop_signal(sig)) { /* was blocked when sent */
		f = spin_lock_irqsave(&p->lock);
		stop_locked(p, sig);
		spin_unlock_irqrestore(&p->lock, f);
		return; /* exit_to_user parks us */
	}
	if (ka.handler == SIG_IGN || (ka.handler == SIG_DFL && default_ignored(sig)))
		return;
	if (ka.handler == SIG_DFL) {
		if (reason)
			user_fault_kill(sig, info->addr, reason, tf);
		do_exit_group(W_EXITCODE(0, sig));
	}
	signal_syscall_restart(tf, &ka); /* before the frame saves rax and rip */
	if (setup_rt_frame(tf, sig, &ka, info))
		user_fault_kill(SIGSEGV, tf->rsp, "cannot write a signal frame on the stack", tf);
}

void handle_signals(struct trap_frame *tf)
{
	struct task *t = current;
	struct process *p = t->proc;
	uint64_t pend = (load_relaxed(&t->sigpending) | load_relaxed(&p->sigpending)) & ~t->sigmask;
	if (!pend) {
		if (t->restore_sigmask) { /* rt_sigsuspend ended with no handler to run */
			t->sigmask = t->saved_sigmask;
			t->restore_sigmask = false;
		}
		return;
	}
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
	if (t->restore_sigmask) { /* no frame was pushed (ignored by now) */
		t->sigmask = t->saved_sigmask;
		t->restore_sigmask = false;
	}
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

/* Sleep until a signal the thread does not block is pending. */
static void sleep_for_signal(void)
{
	while (!signal_pending())
		sleep_until_intr(0);
}

static long sys_pause(void)
{
	sleep_for_signal();
	return -ERESTARTNOHAND; /* -EINTR once the handler has run */
}

/* Wait with `mask` as the thread's mask; the old one comes back after the
 * handler (the frame saves it: signal_frame.c), or on the way out when no
 * handler runs. */
static long sys_rt_sigsuspend(const uint64_t __user *umask, size_t sigsetsize)
{
	if (sigsetsize != 8)
		return -EINVAL;
	uint64_t mask;
	if (copy_from_user(&mask, umask, 8))
		return -EFAULT;
	struct task *t = current;
	t->saved_sigmask = t->sigmask;
	t->restore_sigmask = true;
	WRITE_ONCE(t->sigmask, mask & ~UNBLOCKABLE);
	sleep_for_signal();
	return -ERESTARTNOHAND;
}

/* Take the lowest signal of `set` pending for the thread (its own first,
 * then the process's): its number, 0 if none. */
static int dequeue_signal(uint64_t set, struct ksiginfo *info)
{
	struct task *t = current;
	struct process *p = t->proc;
	unsigned long f = spin_lock_irqsave(&p->lock);
	uint64_t own = load_relaxed(&t->sigpending) & set, shared = load_relaxed(&p->sigpending) & set;
	int sig = 0;
	memset(info, 0, sizeof(*info));
	if (own) {
		sig = __builtin_ctzll(own) + 1;
		fetch_and(&t->sigpending, ~SIGBIT(sig));
		info->code = SI_TKILL;
		info->pid = t->sigsender[sig];
	} else if (shared) {
		sig = __builtin_ctzll(shared) + 1;
		fetch_and(&p->sigpending, ~SIGBIT(sig));
		info->code = SI_USER;
		info->pid = p->sigsender[sig];
	}
	info->signo = sig;
	spin_unlock_irqrestore(&p->lock, f);
	return sig;
}

/* While it waits the thread accepts the signals of `set` even if it blocks
 * them (Linux's real_blocked): a process-directed one may choose it. */
static long sys_rt_sigtimedwait(const uint64_t __user *uset, struct ksiginfo __user *uinfo, const void __user *uts,
				size_t sigsetsize)
{
	if (sigsetsize != 8)
		return -EINVAL;
	uint64_t set;
	if (copy_from_user(&set, uset, 8))
		return -EFAULT;
	set &= ~UNBLOCKABLE;
	uint64_t ns = 0, deadline = 0;
	if (uts) {
		long r = timespec_from_user(uts, &ns);
		if (r)
			return r;
		deadline = time_ns() + ns;
	}
	struct task *t = current;
	struct ksiginfo info;
	int sig = dequeue_signal(set, &info);
	if (!sig && !(uts && ns == 0)) {
		uint64_t saved = t->sigmask;
		WRITE_ONCE(t->sigmask, saved & ~set);
		while (!(sig = dequeue_signal(set, &info)) && !signal_pending())
			if (sleep_until_intr(deadline ? deadline : 0) == 0 && deadline && time_ns() >= deadline)
				break;
		WRITE_ONCE(t->sigmask, saved);
	}
	if (!sig)
		return signal_pending() ? -EINTR : -EAGAIN;
	if (uinfo && copy_to_user(uinfo, &info, sizeof(info)))
		return -EFAULT;
	return sig;
}

/* As Linux, the target is looked up first and the signal number checked on
 * the one found (check_kill_permission): a missing target with a bad
 * signal is -ESRCH. */
static long sys_kill(int pid, int sig)
{
	bool bad_sig = sig < 0 || sig > NSIG;
	if (pid == -1)
		return bad_sig ? -EINVAL : -ESRCH; /* "every process we may signal": not supported */
	if (pid == 0 || pid < -1)
		pid = pid ? -pid : current->proc->pid; /* a process group: faultline has no job control */
	unsigned long f = spin_lock_irqsave(&proc_tree_lock);
	struct process *p = process_find(pid);
	long r = !p ? -ESRCH : bad_sig ? -EINVAL : p->state == PROC_ZOMBIE ? 0 : send_signal(p, NULL, sig);
	spin_unlock_irqrestore(&proc_tree_lock, f);
	return r;
}

static long do_tkill(int tgid, int tid, int sig)
{
	if (tid <= 0)
		return -EINVAL;
	unsigned long f = spin_lock_irqsave(&proc_tree_lock);
	struct task *t = task_find(tid); /* stays valid while we hold the lock */
	long r = !t || (tgid > 0 && t->proc->pid != tgid) ? -ESRCH
		 : sig < 0 || sig > NSIG		 ? -EINVAL
							 : send_signal(t->proc, t, sig);
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
SYSCALL(pause, sys_pause);
SYSCALL(rt_sigsuspend, sys_rt_sigsuspend);
SYSCALL(rt_sigtimedwait, sys_rt_sigtimedwait);
SYSCALL(tkill, sys_tkill);
SYSCALL(tgkill, sys_tgkill);
