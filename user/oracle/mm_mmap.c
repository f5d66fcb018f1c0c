/* mm_mmap.c - mmap's arguments and results as Linux gives them: flags,
 * MAP_FIXED replacing, MAP_FIXED_NOREPLACE, hints, MAP_POPULATE, shared
 * anonymous memory between threads and after fork, and every error. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include "oracle.h"

#define LO 0x220000000ul
#define HI 0x230000000ul
#define A(off) ((void *)(LO + (off)))
#define RW (PROT_READ | PROT_WRITE)
#define PA (MAP_PRIVATE | MAP_ANONYMOUS)

#define TRY(want, ...)                                                     \
	do {                                                               \
		errno = 0;                                                 \
		void *p_ = mmap(__VA_ARGS__);                              \
		printf("mmap(%s) -> %s\n", #__VA_ARGS__, placed(p_, want));  \
	} while (0)

static char *shared_page;
static void *writer(void *arg)
{
	(void)arg;
	shared_page[100] = 77;
	return NULL;
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* errors */
	TRY(NULL, NULL, 0, RW, PA, -1, 0);
	TRY(NULL, NULL, 4096, RW, MAP_ANONYMOUS, -1, 0);
	TRY(NULL, NULL, 4096, RW, MAP_SHARED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	TRY(NULL, A(1), 4096, RW, PA | MAP_FIXED, -1, 0);
	TRY(NULL, NULL, 4096, RW, PA, -1, 1);
	TRY(NULL, NULL, 4096, RW, MAP_PRIVATE, -1, 0);
	TRY(NULL, NULL, 4096, RW, MAP_PRIVATE, 999, 0);
	TRY(NULL, NULL, (size_t)1 << 62, RW, PA, -1, 0);
	TRY(NULL, NULL, (size_t)-4096, RW, PA, -1, 0);
	TRY(NULL, (void *)0x7ffffffff000ul, 8192, RW, PA | MAP_FIXED, -1, 0);
	TRY(NULL, (void *)0x800000000000ul, 4096, RW, PA | MAP_FIXED, -1, 0);
	TRY(NULL, NULL, 4096, RW, MAP_SHARED | MAP_ANONYMOUS | MAP_GROWSDOWN, -1, 0);
	TRY(NULL, NULL, 4096, RW, MAP_SHARED_VALIDATE | MAP_ANONYMOUS | 0x800000, -1, 0);
	TRY(NULL, NULL, 4096, RW, MAP_SHARED_VALIDATE | MAP_ANONYMOUS, -1, 0);

	/* fixed, replacing */
	char *p = mmap(A(0), 4 * 4096, RW, PA | MAP_FIXED, -1, 0);
	memset(p, 1, 4 * 4096);
	TRY(A(4096), A(4096), 4096, PROT_READ, PA | MAP_FIXED, -1, 0);
	printf("replaced page reads %d, neighbours %d %d\n", p[4096], p[0], p[8192]);
	show_maps("fixed", LO, HI);
	TRY(NULL, A(8192), 4096, RW, PA | MAP_FIXED_NOREPLACE, -1, 0);
	TRY(NULL, A(0x10000 - 4096), 8192, RW, PA | MAP_FIXED_NOREPLACE, -1, 0);
	TRY(A(0x20000), A(0x20000), 4096, RW, PA | MAP_FIXED_NOREPLACE, -1, 0);
	/* hints: a free one is used, a busy or unaligned one is not exactly */
	TRY(A(0x40000), A(0x40000), 4096, RW, PA, -1, 0);
	TRY(A(0x40000), A(0x40000), 4096, RW, PA, -1, 0);
	TRY(A(0x51000), A(0x50010), 4096, RW, PA, -1, 0);
	/* accepted flags */
	TRY(A(0x60000), A(0x60000), 8192, RW, PA | MAP_FIXED | MAP_NORESERVE, -1, 0);
	TRY(A(0x70000), A(0x70000), 8192, RW, PA | MAP_FIXED | MAP_STACK, -1, 0);
	TRY(A(0x80000), A(0x80000), 8192, RW, PA | MAP_FIXED | MAP_GROWSDOWN, -1, 0);
	char *pop = mmap(A(0x90000), 8 * 4096, RW, PA | MAP_FIXED | MAP_POPULATE, -1, 0);
	printf("MAP_POPULATE: %s, reads %d\n", placed(pop, A(0x90000)), pop[5 * 4096]);
	show_maps("flags", LO + 0x30000, HI);

	/* shared anonymous memory: between threads, and with a forked child */
	shared_page = mmap(A(0x100000), 4096, RW, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	char *priv = mmap(A(0x110000), 4096, RW, PA | MAP_FIXED, -1, 0);
	pthread_t th;
	pthread_create(&th, NULL, writer, NULL);
	pthread_join(th, NULL);
	printf("thread wrote into the shared page: %d\n", shared_page[100]);
	priv[0] = 1;
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		shared_page[0] = 55;
		priv[0] = 66;
		_exit(0);
	}
	waitpid(pid, NULL, 0);
	printf("after the child wrote: shared %d, private %d\n", shared_page[0], priv[0]);
	return 0;
}
