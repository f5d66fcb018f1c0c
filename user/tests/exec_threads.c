/* exec_threads.c - execve from a process with several threads: the other
 * threads (one sleeping in nanosleep, one blocked in pthread_cond_wait, one
 * spinning) are ended, and the new program runs alone in the same process
 * (same pid).  As on Linux.  Usage: exec_threads [after PID] */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t c = PTHREAD_COND_INITIALIZER;
static volatile int started;

static void *sleeper(void *arg)
{
	__atomic_fetch_add(&started, 1, __ATOMIC_SEQ_CST);
	for (;;)
		sleep_ms(1000);
	return arg;
}

static void *waiter(void *arg)
{
	pthread_mutex_lock(&m);
	__atomic_fetch_add(&started, 1, __ATOMIC_SEQ_CST);
	for (;;)
		pthread_cond_wait(&c, &m);
	return arg;
}

static void *spinner(void *arg)
{
	__atomic_fetch_add(&started, 1, __ATOMIC_SEQ_CST);
	for (volatile unsigned long i = 0;; i++)
		;
	return arg;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "after") == 0) {
		check_eq(getpid(), atol(argv[2]), "the new program runs in the same process");
		/* A second thread works normally in the new image. */
		pthread_t t;
		check(pthread_create(&t, NULL, sleeper, NULL) == 0, "pthread_create after exec", "failed");
		return check_done();
	}
	pthread_t t[3];
	void *(*fn[3])(void *) = { sleeper, waiter, spinner };
	for (int i = 0; i < 3; i++)
		pthread_create(&t[i], NULL, fn[i], NULL);
	while (__atomic_load_n(&started, __ATOMIC_SEQ_CST) < 3)
		sleep_ms(1);
	sleep_ms(20); /* let them block */
	char pid[16];
	snprintf(pid, sizeof(pid), "%d", getpid());
	execl(argv[0], argv[0], "after", pid, (char *)NULL);
	check(0, "execve from a threaded process", "failed");
	return check_done();
}
