/* clone(CLONE_CHILD_SETTID|SIGCHLD) without CLONE_VM (glibc's fork):
 * Linux stores the tid in the child's memory only. */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "check.h"
static volatile int tidvar = -5;
int main(void)
{
	long pid = syscall(SYS_clone, CLONE_CHILD_SETTID | SIGCHLD, 0, NULL, &tidvar, 0);
	if (pid == 0)
		_exit(tidvar == getpid() ? 0 : 1);
	int st = 0;
	wait_child((pid_t)pid, &st);
	check(tidvar == -5, "the parent's memory is untouched", "tidvar %d (child pid %ld)", tidvar, pid);
	check(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the child sees its tid in its own copy", "status %#x", st);
	return check_done();
}
