/* spawn_wait.c - processes: posix_spawn and wait4, without fork().  The test
 * runs copies of itself (argv[0] must be its path) with a "child-..." word
 * that tells the copy what to do: exit with a status, die by abort(), by
 * raise(SIGKILL) or by kill(getpid(), SIGTERM), compare getppid() with the
 * parent's pid, or block reading a pipe until the parent closes it.  The
 * parent checks every wait4 status, WNOHANG on a running child, and ECHILD
 * once no child is left.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

/* The child side: argv[1] says what to do. */
static int child_main(int argc, char **argv)
{
	const char *what = argv[1];
	char buf[1];

	if (strcmp(what, "child-exit") == 0 && argc > 2)
		exit(atoi(argv[2]));
	no_core_dumps();
	if (strcmp(what, "child-abort") == 0)
		abort();
	if (strcmp(what, "child-sigkill") == 0)
		raise(SIGKILL);
	if (strcmp(what, "child-sigterm") == 0)
		kill(getpid(), SIGTERM);
	if (strcmp(what, "child-ppid") == 0 && argc > 2)
		return getppid() == atoi(argv[2]) ? 0 : 1;
	if (strcmp(what, "child-read") == 0 && argc > 2) /* block until EOF */
		while (read(atoi(argv[2]), buf, 1) > 0)
			;
	return 0;
}

/* Spawn a child with the given arguments, wait for it, check its status. */
static void check_child(const char *self, char *const args[], bool exited, int code, const char *desc)
{
	int status = 0;
	char got[64];
	pid_t pid = spawn_self(self, args), r;

	if (pid < 0) {
		check(false, desc, "posix_spawn: %s", strerror(errno));
		return;
	}
	r = wait_child(pid, &status);
	if (exited)
		check(r == pid && WIFEXITED(status) && WEXITSTATUS(status) == code, desc,
		      "wait4 returned %d (pid %d), %s, want exit %d", r, pid, status_str(status, got, sizeof(got)),
		      code);
	else
		check(r == pid && WIFSIGNALED(status) && WTERMSIG(status) == code, desc,
		      "wait4 returned %d (pid %d), %s, want signal %d", r, pid, status_str(status, got, sizeof(got)),
		      code);
}

/* A child that blocks on a pipe: WNOHANG must say it is still running. */
static void check_wnohang(const char *self)
{
	int fds[2], status = 0;
	char fd_arg[16];
	pid_t pid, r;

	if (!check(pipe2(fds, O_CLOEXEC) == 0, "pipe2 for the blocking child", "%s", strerror(errno)))
		return;
	/* dup() clears close-on-exec, so only the read end reaches the child. */
	int rfd = dup(fds[0]);
	snprintf(fd_arg, sizeof(fd_arg), "%d", rfd);
	pid = spawn_self(self, (char *[]){"child-read", fd_arg, NULL});
	close(rfd);
	close(fds[0]);
	if (!check(pid > 0, "spawn a child that blocks reading a pipe", "%s", strerror(errno)))
		return;
	r = wait4(pid, &status, WNOHANG, NULL);
	check(r == 0, "wait4 WNOHANG on a running child returns 0", "returned %d", r);
	close(fds[1]); /* EOF for the child */
	r = wait_child(pid, &status);
	check(r == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0, "the blocked child exits 0 after EOF",
	      "wait4 returned %d status 0x%x", r, status);
}

int main(int argc, char **argv)
{
	const char *self = argv[0];
	char ppid_arg[16];

	if (argc > 1)
		return child_main(argc, argv);

	check_child(self, (char *[]){"child-exit", "0", NULL}, true, 0, "child exit(0) gives WIFEXITED 0");
	check_child(self, (char *[]){"child-exit", "7", NULL}, true, 7, "child exit(7) gives WIFEXITED 7");
	check_child(self, (char *[]){"child-exit", "255", NULL}, true, 255, "child exit(255) gives WIFEXITED 255");
	check_child(self, (char *[]){"child-abort", NULL}, false, SIGABRT, "child abort() gives WIFSIGNALED SIGABRT");
	check_child(self, (char *[]){"child-sigkill", NULL}, false, SIGKILL,
		    "child raise(SIGKILL) gives WIFSIGNALED SIGKILL");
	check_child(self, (char *[]){"child-sigterm", NULL}, false, SIGTERM,
		    "child kill(getpid(), SIGTERM) gives WIFSIGNALED SIGTERM");
	snprintf(ppid_arg, sizeof(ppid_arg), "%d", getpid());
	check_child(self, (char *[]){"child-ppid", ppid_arg, NULL}, true, 0, "getppid() in the child is our pid");
	check_wnohang(self);

	int status;
	pid_t r = wait4(-1, &status, 0, NULL);
	check_errno(r, errno, ECHILD, "wait4 with no children fails with ECHILD");
	r = wait4(-1, &status, WNOHANG, NULL);
	check_errno(r, errno, ECHILD, "wait4 WNOHANG with no children fails with ECHILD");
	return check_done();
}
