/* mm_race_spf_table.c - faults racing the munmap that empties, unlinks and
 * frees their page table, and the mmap and fault that re-create it: the
 * hazard of speculative faults (mm.lock=spf), which hold no lock on their
 * VMA - "RCU is not enough to prevent page table freeing".  A fault that
 * read the VMA before the munmap must not install a PTE into the dying
 * table, nor into a table the next fault re-created, for a VMA that is
 * gone.  Runs in every mode (and on Linux) with the same checks.
 *
 * One 2 MiB block, nothing else in its 1 GiB: a victim VMA V (FAULTERS
 * pages, page i written only by fault thread i) and a neighbour N in the
 * same last-level table.  The mapper thread loops: munmap V and N (the
 * table and its page directory are emptied and freed), a hole for a
 * while, mmap both again (the next fault re-creates the tables).  It
 * publishes its phase in gen: gen % 4 == 0 mapped, 1 unmapping, 2 hole,
 * 3 mapping.  Fault threads write their page of V in a loop, catching
 * SIGSEGV, and check, for accesses during which gen did not move:
 *   - in a hole (2): the access must SIGSEGV - one that succeeded went
 *     through a PTE that outlived its VMA;
 *   - mapped (0): no SIGSEGV, and the value written reads back.
 * Variant "shared" adds a VMA S_i per fault thread in the same table
 * (so the table stays, but N and V are zapped around the faults in it):
 * every page of S_i is written once per round and must keep its value.
 * Variant "alone" puts S_i in another 1 GiB: V's table really goes.
 * The runner checks that no frame and no kernel object leaked. */
#define _GNU_SOURCE
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
#define NPAGES 8
#define SPAGES 4
#define PG 4096ul
#define RUN_MS 1500
#define GIB (1ul << 30)
#define BLOCK(slot) (((uintptr_t)(slot) << 39) + GIB + (14ul << 20)) /* 2 MiB-aligned: one last-level table */

struct variant {
	const char *name;
	uintptr_t v, n, s; /* V's, N's and S_0's start (S_i = s + i * SPAGES pages) */
};

static const struct variant variants[] = {
	{ "alone", BLOCK(20) + 16 * PG, BLOCK(20) + 200 * PG, (20ul << 39) + 3 * GIB },
	{ "shared", BLOCK(21) + 16 * PG, BLOCK(21) + 200 * PG, BLOCK(21) + 300 * PG },
};

static const struct variant *cur;
static atomic_long gen, errors, hole_segv, hole_ok, mapped_ok, rounds;
static atomic_int stop;
static char first_error[200];
static atomic_flag first_taken = ATOMIC_FLAG_INIT;
static __thread sigjmp_buf jb;
static __thread volatile int in_v; /* a V access is under way: its SIGSEGV is expected */

static void report(const char *what, long a, long b)
{
	atomic_fetch_add(&errors, 1);
	if (!atomic_flag_test_and_set(&first_taken))
		snprintf(first_error, sizeof(first_error), "%s: %s (%#lx, %#lx)", cur->name, what, a, b);
}

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	char *a = si->si_addr, *v = (char *)cur->v;
	if (!in_v || sig != SIGSEGV || si->si_code != SEGV_MAPERR || a < v || a >= v + FAULTERS * PG) {
		char buf[160];
		int n = snprintf(buf, sizeof(buf), "not ok - only V faults: signal %d (code %d) at %p\nFAIL\n", sig,
				 si->si_code, si->si_addr);
		write(1, buf, (size_t)n);
		_exit(1);
	}
	siglongjmp(jb, 1);
}

static bool map_at(uintptr_t a, size_t len)
{
	if (mmap((void *)a, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == (void *)a)
		return true;
	report("mmap MAP_FIXED failed", (long)a, (long)len);
	return false;
}

/* Write and read back this thread's page of V once; account the outcome
 * against the mapper's phase before and after. */
static void poke_v(int id, long value)
{
	volatile long *p = (volatile long *)(cur->v + (uintptr_t)id * PG);
	long g0 = atomic_load(&gen);
	if (sigsetjmp(jb, 1)) {
		in_v = 0;
		long g1 = atomic_load(&gen);
		if (g0 == g1 && g0 % 4 == 0)
			report("SIGSEGV while V was mapped", (long)p, g0);
		if (g0 == g1 && g0 % 4 == 2)
			atomic_fetch_add(&hole_segv, 1);
		return;
	}
	in_v = 1;
	p[0] = value;
	long got = p[0];
	in_v = 0;
	long g1 = atomic_load(&gen);
	if (g0 != g1)
		return; /* the mapping changed during the access: any outcome is right */
	if (g0 % 4 == 2)
		report("V's page accessible in the hole (a PTE outlived its VMA)", (long)p, got);
	else if (g0 % 4 == 0 && got != value)
		report("V: write not read back", value, got);
	else if (g0 % 4 == 0)
		atomic_fetch_add(&mapped_ok, 1);
	if (g0 % 4 == 2)
		atomic_fetch_add(&hole_ok, 1);
}

static void *faulter(void *arg)
{
	int id = (int)(long)arg;
	pin_to_nth_cpu(id);
	volatile long *s = (volatile long *)(cur->s + (uintptr_t)id * SPAGES * PG);
	for (long round = 1; !atomic_load(&stop); round++) {
		long tag = (long)((uint64_t)(id + 1) << 40 | (uint64_t)round << 8);
		for (int k = 0; k < 16; k++)
			poke_v(id, tag | k);
		for (int j = 0; j < SPAGES; j++)
			s[j * PG / sizeof(long)] = tag | 0x80 | j;
		for (int j = 0; j < SPAGES; j++)
			if (s[j * PG / sizeof(long)] != (tag | 0x80 | j))
				report("S: lost write", tag | 0x80 | j, s[j * PG / sizeof(long)]);
	}
	return NULL;
}

static void *mapper(void *arg)
{
	(void)arg;
	pin_to_nth_cpu(FAULTERS);
	for (long round = 1; !atomic_load(&stop); round++) {
		atomic_fetch_add(&gen, 1); /* 1: unmapping */
		if (munmap((void *)cur->v, FAULTERS * PG) || munmap((void *)cur->n, NPAGES * PG))
			report("munmap failed", round, 0);
		atomic_fetch_add(&gen, 1); /* 2: hole */
		for (int k = 0; k < 1 + (int)(round % 4); k++)
			sched_yield();
		atomic_fetch_add(&gen, 1); /* 3: mapping */
		if (!map_at(cur->v, FAULTERS * PG) || !map_at(cur->n, NPAGES * PG))
			break;
		for (int j = 0; j < NPAGES; j++) /* N faults re-create the table too */
			((volatile long *)(cur->n + (uintptr_t)j * PG))[0] = round;
		atomic_fetch_add(&gen, 1); /* 0: mapped */
		sched_yield();
		atomic_fetch_add(&rounds, 1);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	long run_ms = argc > 1 ? atol(argv[1]) : RUN_MS;
	catch_signal(SIGSEGV, on_segv);
	catch_signal(SIGBUS, on_segv);
	long pf0 = mmstat("pt_page_free"), ok0 = mmstat("spf_success"), rt0 = mmstat("spf_retry"),
	     fb0 = mmstat("fault_fallback");
	for (size_t vi = 0; vi < sizeof(variants) / sizeof(variants[0]); vi++) {
		cur = &variants[vi];
		atomic_store(&gen, 0);
		atomic_store(&stop, 0);
		atomic_store(&rounds, 0);
		long e0 = atomic_load(&errors), hs0 = atomic_load(&hole_segv), mo0 = atomic_load(&mapped_ok);
		if (!map_at(cur->v, FAULTERS * PG) || !map_at(cur->n, NPAGES * PG) ||
		    !map_at(cur->s, FAULTERS * SPAGES * PG))
			break;
		pthread_t th[FAULTERS + 1]; /* the fault threads, then the mapper */
		for (long i = 0; i <= FAULTERS; i++)
			pthread_create(&th[i], NULL, i < FAULTERS ? faulter : mapper, (void *)i);
		sleep_ms(run_ms);
		atomic_store(&stop, 1);
		for (int i = 0; i <= FAULTERS; i++)
			pthread_join(th[i], NULL);
		char what[96];
		snprintf(what, sizeof(what), "%s: no access outlived its VMA, every write read back", cur->name);
		check(atomic_load(&errors) == e0, what, "%ld errors, first: %s", atomic_load(&errors) - e0, first_error);
		snprintf(what, sizeof(what), "%s: both sides ran (mapped writes, SIGSEGVs in holes)", cur->name);
		check(atomic_load(&rounds) > 0 && atomic_load(&mapped_ok) > mo0, what, "%ld rounds, %ld mapped, %ld hole",
		      atomic_load(&rounds), atomic_load(&mapped_ok) - mo0, atomic_load(&hole_segv) - hs0);
		check_note("%s: %ld mapper rounds, %ld writes read back mapped, %ld SIGSEGVs in holes", cur->name,
			   atomic_load(&rounds), atomic_load(&mapped_ok) - mo0, atomic_load(&hole_segv) - hs0);
		munmap((void *)cur->v, FAULTERS * PG);
		munmap((void *)cur->n, NPAGES * PG);
		munmap((void *)cur->s, FAULTERS * SPAGES * PG);
	}
	if (pf0 >= 0) {
		check(mmstat("pt_page_free") > pf0, "page tables were freed while faults ran (the race was on)", "%ld",
		      mmstat("pt_page_free") - pf0);
		check_note("faults: %ld speculative, %ld spf retries, %ld fallbacks (mode %s; spf fallbacks so far: "
			   "seq %ld, table %ld, no VMA %ld, other %ld)",
			   ok0 >= 0 ? mmstat("spf_success") - ok0 : 0, rt0 >= 0 ? mmstat("spf_retry") - rt0 : 0,
			   mmstat("fault_fallback") - fb0, mm_lock_mode(), mmstat("spf_fallback_seq"),
			   mmstat("spf_fallback_table"), mmstat("spf_fallback_novma"), mmstat("spf_fallback_other"));
	}
	return check_done();
}
