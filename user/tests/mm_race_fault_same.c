/* mm_race_fault_same.c - many threads fault the same fresh pages at once:
 * each page must end up as ONE page holding every thread's writes (a fault
 * that lost the race to install the PTE must use the winner's page, not
 * install a second one). */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/mman.h>
#include "check.h"

#define THREADS 4
#define PAGES 64
#define ROUNDS 200

static char *volatile region;
static pthread_barrier_t start, done;

static void *worker(void *arg)
{
	long id = (long)arg;
	for (int r = 0; r < ROUNDS; r++) {
		pthread_barrier_wait(&start);
		char *p = region;
		/* every thread walks the pages in a different order */
		for (int i = 0; i < PAGES; i++) {
			int pg = (int)((i * 7 + id * 13) % PAGES);
			((volatile long *)(p + (long)pg * 4096))[id] = id + 1;
		}
		pthread_barrier_wait(&done);
	}
	return NULL;
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	pthread_t th[THREADS];
	pthread_barrier_init(&start, NULL, THREADS + 1);
	pthread_barrier_init(&done, NULL, THREADS + 1);
	for (long i = 0; i < THREADS; i++)
		pthread_create(&th[i], NULL, worker, (void *)i);
	long lost = 0;
	for (int r = 0; r < ROUNDS; r++) {
		region = mmap(NULL, PAGES * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		pthread_barrier_wait(&start);
		pthread_barrier_wait(&done);
		for (int pg = 0; pg < PAGES; pg++)
			for (long id = 0; id < THREADS; id++)
				lost += ((volatile long *)(region + (long)pg * 4096))[id] != id + 1;
		munmap(region, PAGES * 4096);
	}
	for (int i = 0; i < THREADS; i++)
		pthread_join(th[i], NULL);
	check(lost == 0, "every page holds every thread's write (one page per address)", "%ld writes lost", lost);
	check_note("%d rounds x %d pages x %d threads", ROUNDS, PAGES, THREADS);
	return check_done();
}
