/* vfork_kill.c - a process waiting in vfork (clone CLONE_VM|CLONE_VFORK)
 * for a child that never execs or exits must still die of SIGKILL, as on
 * Linux (wait_for_vfork_done sleeps killable); its child lives on.
 *
 * Found by sysfuzz: a burst child whose clone(CLONE_VM|CLONE_VFORK) child
 * never ended could not be killed, and the fuzzer waited for it forever.
 * The test spawns a copy of itself (P); P clones a vfork child (C) on a
 * stack of its own, in assembly (C shares P's memory and must not touch
 * P's stack); C writes its pid into a pipe and pauses forever.  The test
 * then kills P: P must be reaped within 3 s, killed by SIGKILL; then it
 * kills C.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

#define CLONE_VM 0x00000100L
#define CLONE_VFORK 0x00004000L

/* P: a vfork child that writes its pid to fd and pauses forever. */
static int child_main(int fd)
{
	no_core_dumps();
	char *stack = mmap(NULL, 16384, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (stack == MAP_FAILED)
		return 2;
	register long r12 __asm__("r12") = fd;
	register long r10 __asm__("r10") = 0;
	register long r8 __asm__("r8") = 0;
	long ret;
	__asm__ volatile("syscall\n\t"
			 "test %%rax, %%rax\n\t"
			 "jnz 1f\n\t"
			 /* C, on its own stack: getpid, write it to fd, pause forever */
			 "mov $39, %%eax\n\t"
			 "syscall\n\t"
			 "sub $16, %%rsp\n\t"
			 "mov %%eax, (%%rsp)\n\t"
			 "mov $1, %%eax\n\t"
			 "mov %%r12, %%rdi\n\t"
			 "mov %%rsp, %%rsi\n\t"
			 "mov $4, %%edx\n\t"
			 "syscall\n\t"
			 "2: mov $34, %%eax\n\t"
			 "syscall\n\t"
			 "jmp 2b\n\t"
			 "1:"
			 : "=a"(ret)
			 : "a"(56L), "D"(CLONE_VM | CLONE_VFORK | SIGCHLD), "S"(stack + 16384 - 64), "d"(0L), "r"(r12),
			   "r"(r10), "r"(r8)
			 : "rcx", "r11", "memory");
	return ret < 0 ? 3 : 4; /* back from vfork: C ended, which it never should */
}

int main(int argc, char **argv)
{
	if (argc > 2 && strcmp(argv[1], "child") == 0)
		return child_main(atoi(argv[2]));

	int fds[2];
	if (!check(pipe(fds) == 0, "pipe", "%s", strerror(errno)))
		return check_done();
	char fdarg[16];
	snprintf(fdarg, sizeof(fdarg), "%d", fds[1]);
	pid_t p = spawn_self(argv[0], (char *[]){"child", fdarg, NULL});
	if (!check(p > 0, "spawn the vfork parent", "%s", strerror(errno)))
		return check_done();
	int c = 0;
	ssize_t n = read(fds[0], &c, sizeof(c));
	check(n == 4 && c > 0, "the vfork child runs and tells its pid", "read %zd, pid %d", n, c);
	sleep_ms(50);
	kill(p, SIGKILL);
	int status = 0;
	pid_t w = 0;
	int64_t end = now_ns() + 3000000000LL;
	while ((w = waitpid(p, &status, WNOHANG)) == 0 && now_ns() < end)
		sleep_ms(10);
	char buf[64];
	check(w == p && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
	      "a process waiting in vfork dies of SIGKILL while its child lives on", "waitpid %d, %s", w,
	      w == p ? status_str(status, buf, sizeof(buf)) : "still there after 3 s");
	/* Clean up: C (now ours if we are init) and P if it did not die. */
	if (c > 0)
		kill(c, SIGKILL);
	if (w != p)
		wait_child(p, &status);
	if (c > 0) {
		end = now_ns() + 3000000000LL;
		while (waitpid(c, NULL, WNOHANG) == 0 && now_ns() < end)
			sleep_ms(10);
	}
	return check_done();
}
