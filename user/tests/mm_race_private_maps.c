/* mm_race_private_maps.c - threads spread over the CPUs each map, fill,
 * check, change rights of and unmap their own regions, all at once: one
 * mm, many writers of its VMA tree and page tables.  Every thread must
 * read back exactly what it wrote, and /proc/self/maps must list none of
 * the regions afterwards. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "check.h"

#define THREADS 4
#define ROUNDS 100

static long errors[THREADS];

static void *worker(void *arg)
{
	long id = (long)arg;
	pin_to_nth_cpu((int)id);
	unsigned seed = (unsigned)id * 7919 + 1;
	for (int r = 0; r < ROUNDS; r++) {
		seed = seed * 1103515245 + 12345;
		size_t pages = 1 + (seed >> 8) % 64;
		char *p = mmap(NULL, pages * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED) {
			errors[id]++;
			continue;
		}
		for (size_t i = 0; i < pages; i++)
			p[i * 4096 + (size_t)id] = (char)(r + (int)i);
		if (r % 3 == 0)
			mprotect(p, pages * 4096, PROT_READ);
		for (size_t i = 0; i < pages; i++)
			errors[id] += p[i * 4096 + (size_t)id] != (char)(r + (int)i);
		if (r % 5 == 0 && pages > 2) { /* a hole in the middle first, then the two sides */
			munmap(p + 4096, 4096);
			/* (not one munmap over the hole: another thread may have mapped
			 * its own page there meanwhile) */
			munmap(p, 4096);
			munmap(p + 8192, (pages - 2) * 4096);
		} else {
			munmap(p, pages * 4096);
		}
	}
	return NULL;
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	char before[16384], after[16384];
	int fd = open("/proc/self/maps", O_RDONLY);
	ssize_t nb = read(fd, before, sizeof(before) - 1);
	close(fd);
	pthread_t th[THREADS];
	for (long i = 0; i < THREADS; i++)
		pthread_create(&th[i], NULL, worker, (void *)i);
	for (int i = 0; i < THREADS; i++)
		pthread_join(th[i], NULL);
	long errs = 0;
	for (int i = 0; i < THREADS; i++)
		errs += errors[i];
	check(errs == 0, "every thread read back what it wrote", "%ld mismatches", errs);
	fd = open("/proc/self/maps", O_RDONLY);
	ssize_t na = read(fd, after, sizeof(after) - 1);
	close(fd);
	/* the thread stacks are gone too (musl unmaps them at join), so the
	 * maps are what they were before */
	check(nb == na && !memcmp(before, after, (size_t)nb), "/proc/self/maps is as before", "%zd bytes before, %zd after",
	      nb, na);
	return check_done();
}
