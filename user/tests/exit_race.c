/* Threads exiting on several CPUs at once (exit_group), many times. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
#include "check.h"
static volatile int go;
static void *spin(void *a)
{
	(void)a;
	for (;;)
		go++;
	return NULL;
}
int main(int argc, char **argv)
{
	int iters = argc > 1 ? atoi(argv[1]) : 300;
	int bad = 0;
	for (int i = 0; i < iters; i++) {
		pid_t pid = fork();
		if (pid == 0) {
			pthread_t t;
			for (int k = 0; k < 3; k++)
				pthread_create(&t, NULL, spin, NULL);
			for (volatile int k = 0; k < 20000; k++)
				;
			exit(0);
		}
		int st = 0;
		wait_child(pid, &st);
		bad += !(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	check(bad == 0, "every child exits 0", "%d bad", bad);
	return check_done();
}
