/* sys_sched.c - scheduling and sleeping system calls: sched_yield,
 * sched_{set,get}affinity, getcpu, nanosleep, clock_nanosleep, and
 * arch_prctl (the FS base musl keeps its thread pointer in). */
#include "arch/x86_64/rtc.h"
#include "arch/x86_64/x86.h"
#include "kernel/errno.h"
#include "kernel/proc.h"
#include "kernel/syscall.h"
#include "kernel/time.h"

#define CLOCK_REALTIME 0
#define CLOCK_MONOTONIC 1
#define CLOCK_BOOTTIME 7
#define TIMER_ABSTIME 1
#define ARCH_SET_GS 0x1001
#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003
#define ARCH_GET_GS 0x1004

static long sys_sched_yield(void)
{
	sched_yield();
	return 0;
}

/* The task named by pid for the affinity calls: 0 is the caller.  The
 * caller holds proc_tree_lock. */
static struct task *affinity_target(int pid)
{
	return pid == 0 ? current : pid > 0 ? task_find(pid) : NULL;
}

static long sys_sched_getaffinity(int pid, unsigned len, uint64_t __user *umask)
{
	if (len * 8 < ncpus || (len & 7))
		return -EINVAL;
	unsigned size = MIN(len, (unsigned)sizeof(struct cpumask));
	unsigned long f = spin_lock_irqsave(&proc_tree_lock);
	struct task *t = affinity_target(pid);
	struct cpumask mask = t ? t->affinity : (struct cpumask){ { 0 } };
	spin_unlock_irqrestore(&proc_tree_lock, f);
	if (!t)
		return -ESRCH;
	if (copy_to_user(umask, &mask, size))
		return -EFAULT;
	return size; /* bytes written: at most the size of the kernel's cpumask */
}

static long sys_sched_setaffinity(int pid, unsigned len, const uint64_t __user *umask)
{
	struct cpumask mask = { { 0 } };
	if (copy_from_user(&mask, umask, MIN(len, (unsigned)sizeof(mask))))
		return -EFAULT;
	if (pid != 0 && pid != current->tid) {
		/* Another thread: set its mask; it moves at its next reschedule. */
		unsigned long f = spin_lock_irqsave(&proc_tree_lock);
		struct task *t = pid > 0 ? task_find(pid) : NULL;
		long r = !t ? -ESRCH : sched_set_affinity(t, &mask);
		if (t && !r)
			sched_kick(READ_ONCE(t->cpu));
		spin_unlock_irqrestore(&proc_tree_lock, f);
		return r;
	}
	return sched_set_affinity(current, &mask);
}

static long sys_getcpu(unsigned __user *cpu, unsigned __user *node, void __user *cache)
{
	unsigned id = cpu_id(), zero = 0;
	if (cpu && put_user(id, cpu))
		return -EFAULT;
	if (node && put_user(zero, node))
		return -EFAULT;
	return 0;
}

static long write_remaining(void __user *urem, uint64_t deadline)
{
	uint64_t now = time_ns(), left = deadline > now ? deadline - now : 0;
	int64_t ts[2] = { (int64_t)(left / 1000000000), (int64_t)(left % 1000000000) };
	return urem && copy_to_user(urem, ts, sizeof(ts)) ? -EFAULT : -EINTR;
}

/* Sleep till the deadline; -EINTR for a signal to handle (or death).  A
 * stop and continue in between is not an interruption. */
static int nap_until(uint64_t deadline)
{
	for (;;) {
		int r = sleep_until_intr(deadline);
		if (!r || !signal_stop_only())
			return r;
		do_signal_stop();
	}
}

static long sys_nanosleep(const void __user *ureq, void __user *urem)
{
	uint64_t ns;
	long r = timespec_from_user(ureq, &ns);
	if (r)
		return r;
	uint64_t deadline = time_ns() + ns;
	/* a handled signal ends it with -EINTR and the time left (never restarted) */
	return nap_until(deadline) ? write_remaining(urem, deadline) : 0;
}

static long sys_clock_nanosleep(int clock, int flags, const void __user *ureq, void __user *urem)
{
	if (clock != CLOCK_REALTIME && clock != CLOCK_MONOTONIC && clock != CLOCK_BOOTTIME)
		return -EINVAL;
	uint64_t ns;
	long r = timespec_from_user(ureq, &ns);
	if (r)
		return r;
	uint64_t deadline;
	if (!(flags & TIMER_ABSTIME))
		deadline = time_ns() + ns;
	else if (clock == CLOCK_REALTIME)
		deadline = ns > realtime_ns() ? time_ns() + (ns - realtime_ns()) : time_ns();
	else
		deadline = ns;
	if (!nap_until(deadline ? deadline : 1))
		return 0;
	return flags & TIMER_ABSTIME ? -EINTR : write_remaining(urem, deadline);
}

static long sys_arch_prctl(int code, uint64_t addr)
{
	struct task *t = current;
	switch (code) {
	case ARCH_SET_FS:
		if (addr >= USER_TOP)
			return -EPERM;
		t->fs_base = addr;
		wrmsr(MSR_FS_BASE, addr);
		return 0;
	case ARCH_GET_FS:
		return put_user(t->fs_base, (uint64_t __user *)addr);
	default:
		return -EINVAL; /* GS base for user space is not supported */
	}
}

SYSCALL(sched_yield, sys_sched_yield);
SYSCALL(sched_getaffinity, sys_sched_getaffinity);
SYSCALL(sched_setaffinity, sys_sched_setaffinity);
SYSCALL(getcpu, sys_getcpu);
SYSCALL(nanosleep, sys_nanosleep);
SYSCALL(clock_nanosleep, sys_clock_nanosleep);
SYSCALL(arch_prctl, sys_arch_prctl);
