/* sys_info.c - system calls about the system and the caller's identity:
 * uname, the uid/gid and process-group calls, clocks, resource limits,
 * getrandom, sync and reboot.  Arguments are validated as Linux does, in
 * Linux's order, with Linux's errno values.
 *
 * Simplifications (faultline has one user and no sessions):
 *  - everyone is root: uid = euid = gid = egid = 0; setuid/setgid accept
 *    only 0 (anything else would need credentials we do not have: -EPERM);
 *  - every process is its own process group and session: pgid = sid = pid.
 *    setsid returns the pid (Linux would say -EPERM to a group leader);
 *    setpgid succeeds only when it asks for what already holds;
 *  - CLOCK_PROCESS_CPUTIME_ID and CLOCK_THREAD_CPUTIME_ID read the monotonic
 *    clock (no per-task CPU accounting yet); BOOTTIME equals MONOTONIC (no
 *    suspend); the coarse clocks read the precise source but report the
 *    tick (1/HZ) as their resolution, as Linux does;
 *  - resource limits are fixed, system-wide values (Linux's boot defaults,
 *    NOFILE = the file table size); setting one is validated as Linux does
 *    and then accepted without effect.
 * No locks of its own; proc_tree_lock for looking other processes up. */
#include "arch/x86_64/apic.h"
#include "arch/x86_64/power.h"
#include "arch/x86_64/rtc.h"
#include "mm/mm.h"
#include "kernel/errno.h"
#include "kernel/fs/file.h"
#include "kernel/printk.h"
#include "kernel/proc.h"
#include "kernel/random.h"
#include "kernel/lib/string.h"
#include "kernel/syscall.h"
#include "kernel/time.h"

/* ---- uname ---- */

#define UTS_LEN 65
struct new_utsname { /* Linux's, as uname(2) fills it */
	char sysname[UTS_LEN];
	char nodename[UTS_LEN];
	char release[UTS_LEN];
	char version[UTS_LEN];
	char machine[UTS_LEN];
	char domainname[UTS_LEN];
};

void utsname_fill(struct new_utsname *u)
{
	memset(u, 0, sizeof(*u));
	strlcpy(u->sysname, "faultline", UTS_LEN);
	strlcpy(u->nodename, "faultline", UTS_LEN);
	strlcpy(u->release, "0.3.0", UTS_LEN);
	strlcpy(u->version, "#1 SMP", UTS_LEN);
	strlcpy(u->machine, "x86_64", UTS_LEN);
	strlcpy(u->domainname, "(none)", UTS_LEN);
}

long sys_uname(struct new_utsname __user *name)
{
	struct new_utsname u;

	utsname_fill(&u);
	return copy_to_user(name, &u, sizeof(u)) ? -EFAULT : 0;
}

/* ---- identity: users, groups, process groups, sessions ---- */

#define INVALID_ID ((uint32_t)-1)

/* getuid, geteuid, getgid, getegid */
long sys_get_id(void)
{
	return 0;
}

/* setuid, setgid */
long sys_set_id(uint32_t id)
{
	if (id == INVALID_ID)
		return -EINVAL;
	return id == 0 ? 0 : -EPERM;
}

/* The process group (= session = pid) of the process holding thread pid,
 * 0 meaning the caller; -ESRCH if there is none. */
static long pgid_of(int pid)
{
	unsigned long flags;
	struct task *t;
	long r;

	if (pid == 0)
		return current->proc->pid;
	if (pid < 0)
		return -ESRCH;
	flags = spin_lock_irqsave(&proc_tree_lock);
	t = task_find(pid);
	r = t && t->proc ? t->proc->pid : -ESRCH;
	spin_unlock_irqrestore(&proc_tree_lock, flags);
	return r;
}

/* getpgid, getsid */
long sys_get_pgid(int pid)
{
	return pgid_of(pid);
}

/* getpgrp, setsid */
long sys_own_pgid(void)
{
	return current->proc->pid;
}

/* Linux's checks, in its order, for a world where every process leads its
 * own group: the target must be the caller or its child, a process (not a
 * thread) id, and the group asked for its own. */
long sys_setpgid(int pid, int pgid)
{
	struct process *self = current->proc, *p;
	unsigned long flags;
	long r;

	if (pid == 0)
		pid = self->pid;
	if (pgid == 0)
		pgid = pid;
	if (pgid < 0)
		return -EINVAL;
	flags = spin_lock_irqsave(&proc_tree_lock);
	p = pid > 0 ? process_find(pid) : NULL;
	if (!p)
		r = task_find(pid) ? -EINVAL : -ESRCH;
	else if (p != self && p->parent != self)
		r = -ESRCH;
	else
		r = pgid == p->pid ? 0 : -EPERM;
	spin_unlock_irqrestore(&proc_tree_lock, flags);
	return r;
}

/* ---- clocks ---- */

#define CLOCK_REALTIME		 0
#define CLOCK_MONOTONIC		 1
#define CLOCK_PROCESS_CPUTIME_ID 2
#define CLOCK_THREAD_CPUTIME_ID	 3
#define CLOCK_MONOTONIC_RAW	 4
#define CLOCK_REALTIME_COARSE	 5
#define CLOCK_MONOTONIC_COARSE	 6
#define CLOCK_BOOTTIME		 7
#define CLOCK_TAI		 11 /* realtime + the TAI offset, which is 0 until NTP sets it (as Linux) */

struct kernel_timespec {
	int64_t tv_sec;
	int64_t tv_nsec;
};

struct kernel_timeval {
	int64_t tv_sec;
	int64_t tv_usec;
};

struct kernel_timezone {
	int tz_minuteswest;
	int tz_dsttime;
};

/* A clock's current value and resolution, or -EINVAL for an unknown id. */
static int clock_read(int which, uint64_t *now, uint64_t *res)
{
	*res = 1;
	switch (which) {
	case CLOCK_REALTIME_COARSE:
		*res = NSEC_PER_SEC / HZ;
		/* fall through */
	case CLOCK_REALTIME:
	case CLOCK_TAI:
		*now = realtime_ns();
		return 0;
	case CLOCK_MONOTONIC_COARSE:
		*res = NSEC_PER_SEC / HZ;
		/* fall through */
	case CLOCK_MONOTONIC:
	case CLOCK_MONOTONIC_RAW:
	case CLOCK_BOOTTIME:
	case CLOCK_PROCESS_CPUTIME_ID:
	case CLOCK_THREAD_CPUTIME_ID:
		*now = time_ns();
		return 0;
	default:
		return -EINVAL;
	}
}

static int put_timespec(struct kernel_timespec __user *uts, uint64_t ns)
{
	struct kernel_timespec ts = {(int64_t)(ns / NSEC_PER_SEC), (int64_t)(ns % NSEC_PER_SEC)};

	return copy_to_user(uts, &ts, sizeof(ts)) ? -EFAULT : 0;
}

long sys_clock_gettime(int which, struct kernel_timespec __user *tp)
{
	uint64_t now, res;

	if (clock_read(which, &now, &res))
		return -EINVAL;
	return put_timespec(tp, now);
}

long sys_clock_getres(int which, struct kernel_timespec __user *tp)
{
	uint64_t now, res;

	if (clock_read(which, &now, &res))
		return -EINVAL;
	return tp ? put_timespec(tp, res) : 0;
}

long sys_gettimeofday(struct kernel_timeval __user *tv, struct kernel_timezone __user *tz)
{
	static const struct kernel_timezone utc;

	if (tv) {
		uint64_t ns = realtime_ns();
		struct kernel_timeval v = {(int64_t)(ns / NSEC_PER_SEC), (int64_t)(ns % NSEC_PER_SEC / 1000)};

		if (copy_to_user(tv, &v, sizeof(v)))
			return -EFAULT;
	}
	if (tz && copy_to_user(tz, &utc, sizeof(utc)))
		return -EFAULT;
	return 0;
}

/* ---- resource limits ---- */

#define RLIM_NLIMITS  16
#define RLIM_INFINITY (~0ull)
#define RLIMIT_STACK  3
#define RLIMIT_NOFILE 7

struct rlimit64 {
	uint64_t rlim_cur;
	uint64_t rlim_max;
};

/* Linux's INIT_RLIMITS, except NOFILE (our file table) and the
 * memory-derived NPROC/SIGPENDING (infinity). */
static const struct rlimit64 rlimits[RLIM_NLIMITS] = {
    [0] = {RLIM_INFINITY, RLIM_INFINITY},  /* CPU */
    [1] = {RLIM_INFINITY, RLIM_INFINITY},  /* FSIZE */
    [2] = {RLIM_INFINITY, RLIM_INFINITY},  /* DATA */
    [3] = {STACK_RLIMIT, RLIM_INFINITY},   /* STACK (what stacks grow to: mm/fault.c) */
    [4] = {0, RLIM_INFINITY},		   /* CORE */
    [5] = {RLIM_INFINITY, RLIM_INFINITY},  /* RSS */
    [6] = {RLIM_INFINITY, RLIM_INFINITY},  /* NPROC */
    [7] = {NR_OPEN, NR_OPEN},		   /* NOFILE */
    [8] = {8ull << 20, 8ull << 20},	   /* MEMLOCK */
    [9] = {RLIM_INFINITY, RLIM_INFINITY},  /* AS */
    [10] = {RLIM_INFINITY, RLIM_INFINITY}, /* LOCKS */
    [11] = {RLIM_INFINITY, RLIM_INFINITY}, /* SIGPENDING */
    [12] = {819200, 819200},		   /* MSGQUEUE */
    [13] = {0, 0},			   /* NICE */
    [14] = {0, 0},			   /* RTPRIO */
    [15] = {RLIM_INFINITY, RLIM_INFINITY}, /* RTTIME */
};

/* Linux's do_prlimit() checks; a valid new limit is accepted and ignored.
 * (As root we may raise hard limits, but not NOFILE past the table.) */
static int do_prlimit(unsigned resource, const struct rlimit64 *new, struct rlimit64 *old)
{
	if (resource >= RLIM_NLIMITS)
		return -EINVAL;
	if (new &&new->rlim_cur > new->rlim_max)
		return -EINVAL;
	if (new &&resource == RLIMIT_NOFILE &&new->rlim_max > NR_OPEN)
		return -EPERM;
	if (old)
		*old = rlimits[resource];
	return 0;
}

long sys_getrlimit(unsigned resource, struct rlimit64 __user *rlim)
{
	struct rlimit64 old;
	int r = do_prlimit(resource, NULL, &old);

	if (r)
		return r;
	return copy_to_user(rlim, &old, sizeof(old)) ? -EFAULT : 0;
}

/* Does pid (0: the caller) name a live thread? */
static bool pid_exists(int pid)
{
	unsigned long flags;
	bool found;

	if (pid == 0)
		return true;
	if (pid < 0)
		return false;
	flags = spin_lock_irqsave(&proc_tree_lock);
	found = task_find(pid) != NULL;
	spin_unlock_irqrestore(&proc_tree_lock, flags);
	return found;
}

long sys_prlimit64(int pid, unsigned resource, const struct rlimit64 __user *new_rlim, struct rlimit64 __user *old_rlim)
{
	struct rlimit64 new, old;
	int r;

	if (new_rlim && copy_from_user(&new, new_rlim, sizeof(new)))
		return -EFAULT;
	if (!pid_exists(pid))
		return -ESRCH;
	r = do_prlimit(resource, new_rlim ? &new : NULL, old_rlim ? &old : NULL);
	if (!r && old_rlim && copy_to_user(old_rlim, &old, sizeof(old)))
		r = -EFAULT;
	return r;
}

/* ---- getrandom ---- */

#define GRND_NONBLOCK	1
#define GRND_RANDOM	2
#define GRND_INSECURE	4
#define GETRANDOM_MAX	33554431ul /* INT_MAX >> 6, Linux's cap per call */
#define GETRANDOM_CHUNK 512

/* The generator is seeded at boot, so no flag ever makes this block. */
long sys_getrandom(char __user *buf, size_t count, unsigned flags)
{
	uint8_t chunk[GETRANDOM_CHUNK];
	size_t done = 0;

	if (flags & ~(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE))
		return -EINVAL;
	if ((flags & (GRND_INSECURE | GRND_RANDOM)) == (GRND_INSECURE | GRND_RANDOM))
		return -EINVAL;
	count = MIN(count, GETRANDOM_MAX);
	if (!user_range_ok((uint64_t)buf, count))
		return -EFAULT;
	while (done < count) {
		size_t k = MIN(count - done, sizeof(chunk));

		get_random_bytes(chunk, k);
		if (copy_to_user(buf + done, chunk, k))
			break;
		done += k;
		if (done < count && fatal_signal_pending())
			break;
	}
	memset(chunk, 0, sizeof(chunk));
	barrier();
	return done || !count ? (long)done : -EFAULT;
}

/* ---- sync, reboot ---- */

long sys_sync(void)
{
	return 0; /* nothing is cached for writing */
}

#define LINUX_REBOOT_MAGIC1	   0xfee1dead
#define LINUX_REBOOT_MAGIC2	   672274793
#define LINUX_REBOOT_MAGIC2A	   85072278
#define LINUX_REBOOT_MAGIC2B	   369367448
#define LINUX_REBOOT_MAGIC2C	   537993216
#define LINUX_REBOOT_CMD_RESTART   0x01234567u
#define LINUX_REBOOT_CMD_HALT	   0xcdef0123u
#define LINUX_REBOOT_CMD_CAD_ON	   0x89abcdefu
#define LINUX_REBOOT_CMD_CAD_OFF   0x00000000u
#define LINUX_REBOOT_CMD_POWER_OFF 0x4321fedcu
#define LINUX_REBOOT_CMD_RESTART2  0xa1b2c3d4u

static bool reboot_magic_ok(uint32_t magic1, uint32_t magic2)
{
	return magic1 == LINUX_REBOOT_MAGIC1 && (magic2 == LINUX_REBOOT_MAGIC2 || magic2 == LINUX_REBOOT_MAGIC2A ||
						 magic2 == LINUX_REBOOT_MAGIC2B || magic2 == LINUX_REBOOT_MAGIC2C);
}

/* Only root may reboot; the caller always is.  HALT powers off too: a
 * halted machine is of no use to anyone here, and QEMU then exits. */
long sys_reboot(int magic1, int magic2, unsigned cmd, const char __user *arg)
{
	char why[256];

	if (!reboot_magic_ok((uint32_t)magic1, (uint32_t)magic2))
		return -EINVAL;
	switch (cmd) {
	case LINUX_REBOOT_CMD_CAD_ON:
	case LINUX_REBOOT_CMD_CAD_OFF:
		return 0; /* no Ctrl-Alt-Del handling to switch */
	case LINUX_REBOOT_CMD_POWER_OFF:
	case LINUX_REBOOT_CMD_HALT:
		printk(KERN_EMERG "reboot: Power down\n");
		power_off(0);
	case LINUX_REBOOT_CMD_RESTART:
		printk(KERN_EMERG "reboot: Restarting system\n");
		machine_restart();
	case LINUX_REBOOT_CMD_RESTART2:
		if (strncpy_from_user(why, arg, sizeof(why) - 1) < 0)
			return -EFAULT;
		why[sizeof(why) - 1] = '\0';
		printk(KERN_EMERG "reboot: Restarting system with command '%s'\n", why);
		machine_restart();
	default:
		return -EINVAL; /* including KEXEC and SW_SUSPEND, which we do not have */
	}
}

SYSCALL(uname, sys_uname);
SYSCALL(getuid, sys_get_id);
SYSCALL(geteuid, sys_get_id);
SYSCALL(getgid, sys_get_id);
SYSCALL(getegid, sys_get_id);
SYSCALL(setuid, sys_set_id);
SYSCALL(setgid, sys_set_id);
SYSCALL(getpgrp, sys_own_pgid);
SYSCALL(getpgid, sys_get_pgid);
SYSCALL(getsid, sys_get_pgid);
SYSCALL(setsid, sys_own_pgid);
SYSCALL(setpgid, sys_setpgid);
SYSCALL(clock_gettime, sys_clock_gettime);
SYSCALL(clock_getres, sys_clock_getres);
SYSCALL(gettimeofday, sys_gettimeofday);
SYSCALL(getrlimit, sys_getrlimit);
SYSCALL(prlimit64, sys_prlimit64);
SYSCALL(getrandom, sys_getrandom);
SYSCALL(sync, sys_sync);
SYSCALL(reboot, sys_reboot);
