/* mm_race_fault_munmap.c - threads read a region while another thread
 * unmaps it and maps it again at the same address, over and over.  A
 * reader either gets SIGSEGV (SEGV_MAPERR at an address in the region) or
 * reads 0 (a fresh page) or a generation at least as new as the one
 * published before its read began: never data of an older mapping (which
 * a stale TLB entry would show). */
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
#define GENERATIONS 300
#define BASE ((char *)0x310000000)

static atomic_long gen = 1;
static atomic_int stop;
static atomic_long stale, bad_signal, segvs, reads;
static __thread sigjmp_buf jb;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	char *a = si->si_addr;
	if (si->si_code != SEGV_MAPERR || a < BASE || a >= BASE + PAGES * 4096)
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
		for (int n = 0; n < 64; n++) {
			seed = seed * 1103515245 + 12345;
			long before = atomic_load(&gen);
			long v = *(volatile long *)(BASE + (long)((seed >> 8) % PAGES) * 4096);
			if (v != 0 && v < before)
				atomic_fetch_add(&stale, 1);
			atomic_fetch_add(&reads, 1);
		}
	}
	return NULL;
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	catch_signal(SIGSEGV, on_segv);
	char *p = mmap(BASE, PAGES * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	for (int i = 0; i < PAGES; i++)
		*(long *)(p + i * 4096) = 1;
	pthread_t th[READERS];
	for (long i = 0; i < READERS; i++)
		pthread_create(&th[i], NULL, reader, (void *)(i + 1));
	for (long g = 2; g <= GENERATIONS; g++) {
		munmap(BASE, PAGES * 4096);
		if (g % 2) /* sometimes a hole for a while */
			sched_yield();
		p = mmap(BASE, PAGES * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		for (int i = 0; i < PAGES; i++)
			*(long *)(p + i * 4096) = g;
		atomic_store(&gen, g);
	}
	atomic_store(&stop, 1);
	for (int i = 0; i < READERS; i++)
		pthread_join(th[i], NULL);
	check(atomic_load(&stale) == 0, "no read saw an older mapping's data", "%ld stale reads", atomic_load(&stale));
	check(atomic_load(&bad_signal) == 0, "every SIGSEGV was SEGV_MAPERR inside the region", "%ld wrong",
	      atomic_load(&bad_signal));
	check(atomic_load(&reads) > 0, "the readers read", "none");
	check_note("%d generations, %ld reads, %ld SIGSEGVs", GENERATIONS, atomic_load(&reads), atomic_load(&segvs));
	munmap(BASE, PAGES * 4096);
	return check_done();
}
