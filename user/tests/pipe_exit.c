/* A child writes into a pipe and exits (its exit drops the last reference
 * to the write end: pipe_release takes the pipe mutex) while the parent is
 * copying out of the pipe under that mutex, with page faults slowed down by
 * a thread holding mmap_lock for write. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include "check.h"
#define BUFSZ (64 * 1024)
static void *mapper(void *a)
{
	(void)a;
	for (;;) { /* long mmap_lock write holds */
		char *p =
		    mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
		if (munmap(p, 1 << 20))
			return NULL;
	}
}
int main(int argc, char **argv)
{
	int iters = argc > 1 ? atoi(argv[1]) : 400;
	pthread_t t;
	pthread_create(&t, NULL, mapper, NULL);
	char *buf = mmap(NULL, BUFSZ, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int bad = 0;
	for (int i = 0; i < iters; i++) {
		int fds[2];
		if (pipe(fds))
			return 1;
		pid_t pid = fork();
		if (pid == 0) {
			static char out[60 * 1024];
			for (int k = 0; k < 8; k++)
				if (write(fds[1], out, 4096) != 4096)
					_exit(3);
			_exit(0);
		}
		close(fds[1]);
		for (;;) {
			madvise(buf, BUFSZ, MADV_DONTNEED);
			if (read(fds[0], buf, BUFSZ) <= 0)
				break;
		}
		close(fds[0]);
		int st = 0;
		wait_child(pid, &st);
		bad += !(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	check(bad == 0, "every child exits 0", "%d bad", bad);
	int r = check_done();
	_exit(r);
}
