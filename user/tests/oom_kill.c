/* oom_kill.c - running out of memory in a page fault kills the faulting
 * process (SIGKILL, with a report on the console), and only it: the
 * parent goes on, can allocate again, and every frame comes back (the
 * runner checks the free-frame count after init exits).  The child has a
 * second thread asleep in a futex wait, so its exit must wake and reap
 * that thread too.  Only on faultline: on Linux this would drive the host
 * into its own OOM killer. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>
#include "check.h"

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t c = PTHREAD_COND_INITIALIZER;

static void *sleeper(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&m);
	for (;;)
		pthread_cond_wait(&c, &m); /* nobody signals: asleep in futex_wait */
	return NULL;
}

static void eat_memory(void)
{
	pthread_t th;
	pthread_create(&th, NULL, sleeper, NULL);
	for (;;) {
		char *p = mmap(NULL, 16 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED) {
			usleep(1000);
			continue;
		}
		for (size_t i = 0; i < (16 << 20); i += 4096)
			p[i] = 1;
	}
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	struct utsname u;
	uname(&u);
	if (strcmp(u.sysname, "faultline")) {
		check_skip("a process that runs out of memory is killed", "only on faultline");
		return check_done();
	}
	for (int round = 0; round < 2; round++) {
		pid_t pid = fork();
		if (pid == 0)
			eat_memory();
		int st;
		pid_t w = waitpid(pid, &st, 0);
		char buf[64];
		check(w == pid && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "the child that ate all memory was killed",
		      "%s", status_str(st, buf, sizeof(buf)));
	}
	char *p = mmap(NULL, 4 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	check(p != MAP_FAILED, "the parent maps 4 MiB afterwards", "mmap failed");
	if (p != MAP_FAILED) {
		for (size_t i = 0; i < (4 << 20); i += 4096)
			p[i] = 2;
		check(p[(4 << 20) - 4096] == 2, "and uses it", "wrong byte");
	}
	return check_done();
}
