/* fork.c - fork(): the child gets a copy of memory (globals, heap, private
 * mappings, the stack) that it changes without the parent seeing it, shares
 * MAP_SHARED memory with the parent, inherits file descriptors (a pipe), can
 * create threads, and reports its exit status through wait4.  Also fork
 * from a second thread (the child has only that thread), and a shared futex
 * on a MAP_SHARED word: the child's FUTEX_WAKE reaches the parent. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <sys/wait.h>
#include <errno.h>
#include <sched.h>
#include <unistd.h>

#include "check.h"

#define FUTEX_WAIT 0 /* musl has no <linux/futex.h> */
#define FUTEX_WAKE 1

static int global = 1;

static void *thread_fn(void *arg) { return (void *)((long)arg + 1); }

static void child_body(char *heap, char *priv, volatile int *shared, int wfd)
{
	global = 2;
	strcpy(heap, "child");
	priv[0] = 'c';
	shared[0] = 42;
	pthread_t t;
	void *ret = NULL;
	if (pthread_create(&t, NULL, thread_fn, (void *)41) || pthread_join(t, &ret) || (long)ret != 42)
		_exit(20);
	if (write(wfd, "hello", 5) != 5)
		_exit(21);
	_exit(7);
}

static void *fork_from_thread(void *arg __attribute__((unused)))
{
	pid_t pid = fork();
	if (pid == 0)
		_exit(global == 1 ? 9 : 10);
	int st = 0;
	wait_child(pid, &st);
	return (void *)(long)st;
}

int main(void)
{
	char *heap = malloc(64);
	strcpy(heap, "parent");
	char *priv = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	volatile int *shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	priv[0] = 'p';
	shared[0] = 1;
	int fds[2];
	if (pipe(fds))
		return 1;
	pid_t pid = fork();
	if (pid == 0)
		child_body(heap, priv, shared, fds[1]);
	check(pid > 0, "fork returns the child's pid in the parent", "returned %d", pid);
	int st = 0;
	char got[8] = { 0 };
	ssize_t n = read(fds[0], got, 5);
	check(wait_child(pid, &st) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 7, "the child exited with 7",
	      "status 0x%x", st);
	check(n == 5 && strcmp(got, "hello") == 0, "the child wrote into the inherited pipe", "read %zd", n);
	check(global == 1 && strcmp(heap, "parent") == 0 && priv[0] == 'p',
	      "the child's writes to globals, heap and private memory stay its own", "global %d heap %s", global,
	      heap);
	check_eq(shared[0], 42, "MAP_SHARED memory is shared with the child");
	pthread_t t;
	void *ret = NULL;
	pthread_create(&t, NULL, fork_from_thread, NULL);
	pthread_join(t, &ret);
	st = (int)(long)ret;
	check(WIFEXITED(st) && WEXITSTATUS(st) == 9, "fork from a second thread", "status 0x%x", st);

	/* The child waits until the parent sleeps on the word, then wakes it. */
	volatile int *word = shared + 1;
	*word = 0;
	pid = fork();
	if (pid == 0) {
		while (*word != 1)
			sched_yield();
		sleep_ms(50); /* the parent is (almost surely) asleep in FUTEX_WAIT now */
		*word = 2;
		long n = syscall(SYS_futex, word, FUTEX_WAKE, 1, NULL, NULL, 0);
		_exit(n == 1 ? 0 : 30);
	}
	struct timespec five = { 5, 0 };
	*word = 1;
	long r = syscall(SYS_futex, word, FUTEX_WAIT, 1, &five, NULL, 0);
	int werr = r ? errno : 0;
	wait_child(pid, &st);
	check(r == 0 && *word == 2, "a shared futex on MAP_SHARED memory: the child's wake reaches the parent",
	      "wait returned %ld errno %d, word %d", r, werr, *word);
	check(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the child's FUTEX_WAKE woke one waiter", "status 0x%x", st);
	return check_done();
}
