/* mm_race_range.c - fault threads in ONE big VMA while a writer splits and
 * merges it and unmaps and maps pieces of it: the case mm.lock=range is
 * built for (its faults read the VMA with no mmap_lock and no VMA lock,
 * under their page's range lock, while the writer rewrites the same VMA
 * outside that page - "lock contagion").  Runs in every mode, and on Linux,
 * with the same checks.
 *
 * One 2 MiB VMA of BLOCKS blocks of BPAGES pages.  Even blocks belong to
 * the fault threads (block 2j to thread j % FAULTERS), odd ones to the
 * writer.  The writer loops over its blocks, one operation per round:
 *   - mprotect(PROT_READ) the block, then back (split, then merge);
 *   - munmap the block, then mmap it back with MAP_FIXED;
 *   - munmap the block, then mmap it back at it as a hint only (the mmap
 *     that finds a hole, locks it and checks it again);
 * publishing the block (cur_block) and the phase in gen: gen % 4 == 0
 * steady, 1 changing, 2 changed (read-only or a hole), 3 restoring.
 * Before each operation it fills the block with the round's tag; after a
 * remap every page must read 0 - never the old tag (a stale page).
 * Fault threads, in a loop: drop their blocks (MADV_DONTNEED: the next
 * touch faults again), write a tag into two words of every page and read
 * them all back - every byte a fault thread wrote must keep its value,
 * and no access to its own blocks may fault with a signal; then probe the
 * writer's current block: a write in phase 2 must SIGSEGV (SEGV_ACCERR
 * read-only, SEGV_MAPERR a hole), a read of a read-only block must see
 * the writer's tag.  The runner checks that nothing leaked. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "check.h"

#define FAULTERS 3
#define BLOCKS 64
#define BPAGES 8
#define PG 4096ul
#define WORDS (PG / sizeof(long))
#define SIZE ((uintptr_t)BLOCKS * BPAGES * PG) /* 2 MiB */
#define BASE ((uintptr_t)22 << 39)            /* 2 MiB aligned, nothing else near */
#define RUN_MS 1500

static atomic_long gen, errors, rounds, probe_segv, own_ok, tag_of_block;
static atomic_int cur_block, cur_op, stop;
static char first_error[200];
static atomic_flag first_taken = ATOMIC_FLAG_INIT;
static __thread sigjmp_buf jb;
static __thread volatile int probing; /* a probe of the writer's block: its SIGSEGV is expected */
static __thread volatile int probe_code;

static void report(const char *what, long a, long b)
{
	atomic_fetch_add(&errors, 1);
	if (!atomic_flag_test_and_set(&first_taken))
		snprintf(first_error, sizeof(first_error), "%s (%#lx, %#lx)", what, a, b);
}

static volatile long *page(int block, int p) { return (volatile long *)(BASE + ((uintptr_t)block * BPAGES + p) * PG); }

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	if (!probing || sig != SIGSEGV) {
		char buf[160];
		int n = snprintf(buf, sizeof(buf), "not ok - only probes fault: signal %d (code %d) at %p\nFAIL\n", sig,
				 si->si_code, si->si_addr);
		write(1, buf, (size_t)n);
		_exit(1);
	}
	probe_code = si->si_code;
	siglongjmp(jb, 1);
}

/* One probe of the writer's block: a read, then a write of its second
 * page.  cur_block, cur_op and tag_of_block change only in phase 1, so a
 * probe that saw gen unchanged around it read them for its phase. */
static void probe(void)
{
	long g0 = atomic_load(&gen);
	int b = atomic_load(&cur_block), op = atomic_load(&cur_op);
	long tag = atomic_load(&tag_of_block);
	volatile long *p = page(b, 1);
	static __thread volatile int step; /* 0 reading, 1 writing */
	static __thread volatile long got;
	step = 0;
	if (sigsetjmp(jb, 1)) {
		probing = 0;
		if (atomic_load(&gen) != g0)
			return; /* the block changed during the access: any outcome is right */
		if (g0 % 4 == 0)
			report("SIGSEGV on a steady block", (long)p, step);
		else if (g0 % 4 == 2 && op == 0 && (step == 0 || probe_code != SEGV_ACCERR))
			report("read-only block: wrong signal", step, probe_code);
		else if (g0 % 4 == 2 && op == 0 && got != tag)
			report("read-only block: wrong contents", tag, got);
		else if (g0 % 4 == 2 && op != 0 && probe_code != SEGV_MAPERR)
			report("hole: not SEGV_MAPERR", step, probe_code);
		else if (g0 % 4 == 2)
			atomic_fetch_add(&probe_segv, 1);
		return;
	}
	probing = 1;
	got = p[0];
	step = 1;
	p[WORDS - 1] = 0; /* allowed when steady; must fault when read-only or a hole */
	probing = 0;
	if (atomic_load(&gen) != g0)
		return;
	if (g0 % 4 == 2 && op != 0)
		report("a hole's page was accessible (stale page)", (long)p, got);
	else if (g0 % 4 == 2)
		report("a read-only page took a write", (long)p, got);
	else if (g0 % 4 == 0 && got != tag)
		report("writer's block: wrong contents", tag, got);
}

static void *faulter(void *arg)
{
	int id = (int)(long)arg;
	pin_to_nth_cpu(id);
	for (long round = 1; !atomic_load(&stop); round++) {
		long tag = (long)((uint64_t)(id + 1) << 40 | (uint64_t)round << 8);
		for (int b = 2 * id; b < BLOCKS; b += 2 * FAULTERS) {
			if (round % 2 && madvise((void *)page(b, 0), BPAGES * PG, MADV_DONTNEED))
				report("madvise failed", b, 0);
			for (int p = 0; p < BPAGES; p++) {
				page(b, p)[0] = tag | p;
				page(b, p)[WORDS - 1] = ~(tag | p);
			}
		}
		probe();
		for (int b = 2 * id; b < BLOCKS; b += 2 * FAULTERS)
			for (int p = 0; p < BPAGES; p++) {
				long a = page(b, p)[0], z = page(b, p)[WORDS - 1];
				if (a != (tag | p) || z != ~(tag | p))
					report("a fault thread's write was lost", tag | p, a);
				else
					atomic_fetch_add(&own_ok, 1);
			}
	}
	return NULL;
}

static void fill(int b, long tag)
{
	for (int p = 0; p < BPAGES; p++)
		page(b, p)[0] = tag, page(b, p)[WORDS - 1] = tag;
}

static void *writer(void *arg)
{
	(void)arg;
	pin_to_nth_cpu(FAULTERS);
	for (long round = 1; !atomic_load(&stop); round++) {
		int b = 1 + 2 * (int)(round % (BLOCKS / 2)), op = (int)(round % 3);
		void *a = (void *)page(b, 0);
		long tag = round << 8 | 0x55;
		fill(b, tag); /* not the current block: nobody probes it */
		atomic_fetch_add(&gen, 1); /* 1: changing */
		atomic_store(&tag_of_block, tag);
		atomic_store(&cur_block, b);
		atomic_store(&cur_op, op);
		int r = op == 0 ? mprotect(a, BPAGES * PG, PROT_READ) : munmap(a, BPAGES * PG);
		if (r)
			report("mprotect/munmap failed", round, op);
		atomic_fetch_add(&gen, 1); /* 2: changed */
		for (int k = 0; k < 1 + (int)(round % 4); k++)
			sched_yield();
		atomic_fetch_add(&gen, 1); /* 3: restoring */
		if (op == 0) {
			if (mprotect(a, BPAGES * PG, PROT_READ | PROT_WRITE))
				report("mprotect back failed", round, 0);
		} else {
			void *m = mmap(a, BPAGES * PG, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS | (op == 1 ? MAP_FIXED : 0), -1, 0);
			if (m != a) {
				report("mmap into the hole did not land there", (long)a, (long)m);
				break;
			}
			for (int p = 0; p < BPAGES; p++)
				if (page(b, p)[0] || page(b, p)[WORDS - 1])
					report("a remapped page was not zero (stale page)", (long)page(b, p), page(b, p)[0]);
			fill(b, tag);
		}
		atomic_fetch_add(&gen, 1); /* 0: steady */
		atomic_fetch_add(&rounds, 1);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int sig = SIGBUS; sig; sig = sig == SIGBUS ? SIGSEGV : 0)
		catch_signal(sig, on_segv);
	long rf0 = mmstat("range_success"), ct0 = mmstat("range_contagion"), sr0 = mmstat("range_snapshot_retry");
	if (mmap((void *)BASE, SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) !=
	    (void *)BASE) {
		check(false, "map the big VMA", "errno %d", errno);
		return check_done();
	}
	for (int b = 1; b < BLOCKS; b += 2)
		fill(b, 0);
	atomic_store(&cur_block, 1); /* a writer's block, tag 0, steady */
	pthread_t th[FAULTERS + 1]; /* the fault threads, then the writer */
	for (long i = 0; i <= FAULTERS; i++)
		pthread_create(&th[i], NULL, i < FAULTERS ? faulter : writer, (void *)i);
	sleep_ms(argc > 1 ? atol(argv[1]) : RUN_MS);
	atomic_store(&stop, 1);
	for (int i = 0; i <= FAULTERS; i++)
		pthread_join(th[i], NULL);
	check(atomic_load(&errors) == 0, "every write kept, no stale page, probes faulted as they must", "%ld errors, first: %s",
	      atomic_load(&errors), first_error);
	check(atomic_load(&rounds) > 0 && atomic_load(&own_ok) > 0, "both sides ran", "%ld writer rounds, %ld pages read back",
	      atomic_load(&rounds), atomic_load(&own_ok));
	check_note("%ld writer rounds, %ld pages read back, %ld probes SIGSEGVed in a changed block, mode %s",
		   atomic_load(&rounds), atomic_load(&own_ok), atomic_load(&probe_segv), mm_lock_mode());
	if (rf0 >= 0)
		check_note("range faults %ld, contagion events %ld, snapshot retries %ld", mmstat("range_success") - rf0,
			   mmstat("range_contagion") - ct0, mmstat("range_snapshot_retry") - sr0);
	if (rf0 >= 0 && !strcmp(mm_lock_mode(), "range"))
		check(mmstat("range_contagion") > ct0, "range mode: the writer rewrote the faults' VMA (contagion counted)",
		      "%ld", mmstat("range_contagion") - ct0);
	munmap((void *)BASE, SIZE);
	return check_done();
}
