/* kill_order.c - kill, tkill and tgkill look their target up before they
 * check the signal number, as Linux does (check_kill_permission runs on a
 * task found): a missing pid with a bad signal is ESRCH, a real one EINVAL.
 * faultline checked the number first (EINVAL for both).  Found by sysfuzz's
 * stats=1 table (kill: EINVAL on faultline, never on Linux). */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "check.h"

#define NOPID 0x3ffffff0 /* above any pid */
#define BADSIG 200

#define EXPECT(err, desc, ...)                                                                                        \
	do {                                                                                                          \
		errno = 0;                                                                                            \
		long r_ = syscall(__VA_ARGS__);                                                                       \
		check_errno(r_, errno, err, desc);                                                                    \
	} while (0)

int main(void)
{
	pid_t me = getpid(), tid = (pid_t)syscall(SYS_gettid);
	EXPECT(ESRCH, "kill(no such pid, bad signal) is ESRCH", SYS_kill, NOPID, BADSIG);
	EXPECT(ESRCH, "kill(no such process group, bad signal) is ESRCH", SYS_kill, -NOPID, BADSIG);
	EXPECT(EINVAL, "kill(self, bad signal) is EINVAL", SYS_kill, me, BADSIG);
	EXPECT(EINVAL, "kill(self, -1) is EINVAL", SYS_kill, me, -1);
	EXPECT(ESRCH, "tkill(no such tid, bad signal) is ESRCH", SYS_tkill, NOPID, BADSIG);
	EXPECT(EINVAL, "tkill(own tid, bad signal) is EINVAL", SYS_tkill, tid, BADSIG);
	EXPECT(EINVAL, "tkill(0, SIGURG) is EINVAL", SYS_tkill, 0, SIGURG);
	EXPECT(ESRCH, "tgkill(self, no such tid, bad signal) is ESRCH", SYS_tgkill, me, NOPID, BADSIG);
	EXPECT(EINVAL, "tgkill(self, own tid, bad signal) is EINVAL", SYS_tgkill, me, tid, BADSIG);
	EXPECT(EINVAL, "tgkill(0, own tid, SIGURG) is EINVAL", SYS_tgkill, 0, tid, SIGURG);
	return check_done();
}
