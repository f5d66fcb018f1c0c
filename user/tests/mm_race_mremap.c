/* mm_race_mremap.c - readers read a region through a pointer a mover
 * thread republishes as it moves the region back and forth with mremap
 * (MREMAP_MAYMOVE | MREMAP_FIXED) and grows and shrinks it.  A read either
 * sees the right bytes (the contents move with the mapping) or raises
 * SIGSEGV (SEGV_MAPERR) when it raced a move; never wrong data. */
#define _GNU_SOURCE
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include "check.h"

#define READERS 3
#define PAGES 16
#define MOVES 400
#define A ((char *)0x320000000)
#define B ((char *)0x330000000)

static char *_Atomic where;
static atomic_int stop;
static atomic_long wrong, bad_signal, segvs, reads;
static __thread sigjmp_buf jb;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	if (si->si_code != SEGV_MAPERR)
		atomic_fetch_add(&bad_signal, 1);
	siglongjmp(jb, 1);
}

static void *reader(void *arg)
{
	volatile unsigned seed = (unsigned)(long)arg;
	while (!atomic_load(&stop)) {
		if (sigsetjmp(jb, 1)) {
			atomic_fetch_add(&segvs, 1);
			continue;
		}
		for (int n = 0; n < 32; n++) {
			seed = seed * 1103515245 + 12345;
			int pg = (int)((seed >> 8) % PAGES);
			char *p = atomic_load(&where);
			long v = *(volatile long *)(p + (long)pg * 4096 + 8);
			if (v != 1000 + pg)
				atomic_fetch_add(&wrong, 1);
			atomic_fetch_add(&reads, 1);
		}
	}
	return NULL;
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	catch_signal(SIGSEGV, on_segv);
	char *p = mmap(A, PAGES * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	for (int i = 0; i < PAGES; i++)
		*(long *)(p + i * 4096 + 8) = 1000 + i;
	atomic_store(&where, p);
	pthread_t th[READERS];
	for (long i = 0; i < READERS; i++)
		pthread_create(&th[i], NULL, reader, (void *)(i + 1));
	long failures = 0;
	for (int m = 0; m < MOVES; m++) {
		char *to = p == A ? B : A;
		char *q = mremap(p, PAGES * 4096, PAGES * 4096, MREMAP_MAYMOVE | MREMAP_FIXED, to);
		failures += q != to;
		atomic_store(&where, q);
		p = q;
		if (m % 10 == 0) { /* grow in place and shrink back: the contents stay */
			failures += mremap(p, PAGES * 4096, (PAGES + 4) * 4096, 0) != p;
			failures += mremap(p, (PAGES + 4) * 4096, PAGES * 4096, 0) != p;
		}
	}
	atomic_store(&stop, 1);
	for (int i = 0; i < READERS; i++)
		pthread_join(th[i], NULL);
	check(failures == 0, "every mremap succeeded", "%ld failed", failures);
	check(atomic_load(&wrong) == 0, "every read saw the right bytes", "%ld wrong", atomic_load(&wrong));
	check(atomic_load(&bad_signal) == 0, "every SIGSEGV was SEGV_MAPERR", "%ld wrong", atomic_load(&bad_signal));
	check_note("%d moves, %ld reads, %ld SIGSEGVs", MOVES, atomic_load(&reads), atomic_load(&segvs));
	munmap(p, PAGES * 4096);
	return check_done();
}
