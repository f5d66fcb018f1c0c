/* mm_race_mprotect.c - writers store into a region while another thread
 * flips it between read-only and read-write.  A store either lands while
 * the region is writable or raises SIGSEGV (SEGV_ACCERR, at the address
 * stored to): the flipper's checksums taken when it makes the region
 * read-only and again just before it makes it writable must agree (no
 * store slipped through a stale writable TLB entry), and every store a
 * writer counted as done is in memory at the end. */
#define _GNU_SOURCE
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include "check.h"

#define WRITERS 3
#define PAGES 8
#define FLIPS 200

static long *region;
static atomic_int stop;
static atomic_long bad_signal, segvs;
static long done_stores[WRITERS];
static __thread sigjmp_buf jb;
static __thread long *volatile target;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	if (si->si_code != SEGV_ACCERR || (long *)si->si_addr != target)
		atomic_fetch_add(&bad_signal, 1);
	siglongjmp(jb, 1);
}

/* Writer id owns slot id of every page: it counts up there. */
static void *writer(void *arg)
{
	long id = (long)arg;
	volatile long count = 0;
	volatile int page = 0;
	while (!atomic_load(&stop)) {
		if (sigsetjmp(jb, 1)) {
			atomic_fetch_add(&segvs, 1);
			continue; /* the same store again */
		}
		target = &region[(long)page * 512 + id];
		*target = *target + 1;
		count++;
		page = (page + 1) % PAGES;
	}
	done_stores[id] = count;
	return NULL;
}

static long checksum(void)
{
	long s = 0;
	for (long i = 0; i < PAGES * 512; i++)
		s = s * 31 + region[i];
	return s;
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	catch_signal(SIGSEGV, on_segv);
	region = mmap(NULL, PAGES * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	pthread_t th[WRITERS];
	for (long i = 0; i < WRITERS; i++)
		pthread_create(&th[i], NULL, writer, (void *)i);
	long leaks = 0;
	for (int f = 0; f < FLIPS; f++) {
		mprotect(region, PAGES * 4096, PROT_READ);
		long before = checksum();
		sched_yield(); /* let the writers try */
		long after = checksum();
		leaks += before != after;
		mprotect(region, PAGES * 4096, PROT_READ | PROT_WRITE);
		sched_yield();
	}
	atomic_store(&stop, 1);
	for (int i = 0; i < WRITERS; i++)
		pthread_join(th[i], NULL);
	check(leaks == 0, "no store landed while the region was read-only", "%ld of %d read-only windows changed", leaks,
	      FLIPS);
	check(atomic_load(&bad_signal) == 0, "every SIGSEGV was SEGV_ACCERR at the store's address", "%ld wrong",
	      atomic_load(&bad_signal));
	long lost = 0;
	for (long id = 0; id < WRITERS; id++) {
		long sum = 0;
		for (int pg = 0; pg < PAGES; pg++)
			sum += region[(long)pg * 512 + id];
		lost += sum != done_stores[id];
	}
	check(lost == 0, "every completed store is in memory", "%ld writers' counts differ", lost);
	check_note("%d flips, %ld SIGSEGVs", FLIPS, atomic_load(&segvs));
	return check_done();
}
