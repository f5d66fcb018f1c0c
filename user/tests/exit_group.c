/* exit_group.c - exit() must end every thread of the process.  A child (a
 * copy of this test, run with posix_spawn; argv[0] must be its path) starts
 * three threads that spin forever, pinned to different CPUs when there are
 * several, waits until all of them run, and then calls exit(3).  A second
 * child does the same but the exit(4) comes from one of the spinning threads
 * while main sleeps in pthread_join.  The parent polls with wait4(WNOHANG)
 * and fails if a child has not exited with its status within 10 s.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

#define NR_SPINNERS 3

static int nr_running; /* spinners that have started, atomic */
static int exit_from_thread;

static void *spin_thread(void *arg)
{
	int id = (int)(long)arg;

	__atomic_add_fetch(&nr_running, 1, __ATOMIC_SEQ_CST);
	if (id == 0 && exit_from_thread) {
		while (__atomic_load_n(&nr_running, __ATOMIC_SEQ_CST) < NR_SPINNERS)
			sched_yield();
		exit(4);
	}
	for (;;) {
		for (volatile int i = 0; i < 100000; i++)
			;
		sched_yield();
	}
	return NULL;
}

/* The child side: spin up the threads, then exit from main or a thread. */
static int child_main(void)
{
	cpu_set_t online, one;
	int cpus[NR_SPINNERS], nr_cpus = 0;
	pthread_t t[NR_SPINNERS];

	/* Spread the threads over the CPUs we may use (errors are ignored). */
	CPU_ZERO(&online);
	if (sched_getaffinity(0, sizeof(online), &online) == 0)
		for (int c = 0; c < CPU_SETSIZE && nr_cpus < NR_SPINNERS; c++)
			if (CPU_ISSET(c, &online))
				cpus[nr_cpus++] = c;
	for (long i = 0; i < NR_SPINNERS; i++) {
		if (pthread_create(&t[i], NULL, spin_thread, (void *)i))
			return 10;
		if (nr_cpus > 1) {
			CPU_ZERO(&one);
			CPU_SET(cpus[i % nr_cpus], &one);
			pthread_setaffinity_np(t[i], sizeof(one), &one);
		}
	}
	if (exit_from_thread)
		pthread_join(t[0], NULL); /* never returns: thread 0 calls exit(4) */
	while (__atomic_load_n(&nr_running, __ATOMIC_SEQ_CST) < NR_SPINNERS)
		sched_yield();
	exit(3);
}

static void check_exit(const char *self, const char *what, int code, const char *desc)
{
	int status = 0;
	char got[64];
	pid_t pid = spawn_self(self, (char *[]){(char *)what, NULL}), r = 0;

	if (pid < 0) {
		check(false, desc, "posix_spawn: %s", strerror(errno));
		return;
	}
	int64_t deadline = now_ns() + 10000000000LL;
	while (now_ns() < deadline) {
		r = wait4(pid, &status, WNOHANG, NULL);
		if (r != 0 && !(r < 0 && errno == EINTR))
			break;
		sleep_ms(10);
	}
	if (r == 0) { /* still running: give up on it */
		kill(pid, SIGKILL);
		wait_child(pid, &status);
		check(false, desc, "the child did not exit within 10 s");
		return;
	}
	check(r == pid && WIFEXITED(status) && WEXITSTATUS(status) == code, desc, "wait4 returned %d, %s", r,
	      status_str(status, got, sizeof(got)));
}

int main(int argc, char **argv)
{
	if (argc > 1) {
		exit_from_thread = strcmp(argv[1], "child-thread-exit") == 0;
		return child_main();
	}
	check_exit(argv[0], "child-main-exit", 3, "exit(3) from main ends a process with 3 spinning threads");
	check_exit(argv[0], "child-thread-exit", 4, "exit(4) from a thread ends the process while main waits");
	return check_done();
}
