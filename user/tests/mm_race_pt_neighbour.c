/* mm_race_pt_neighbour.c - faults in one VMA while a NEIGHBOUR that shares
 * its page-table pages is unmapped and mapped again, over and over: the
 * bug class "RCU is not enough to prevent page table freeing".  In
 * mm.lock=vma a fault walks and extends the page tables holding only its
 * own VMA's read lock; munmap of the neighbour must not free (or let a
 * fault install into) a table that the faulting VMA still needs.
 *
 * Each fault thread owns a small VMA F_i.  Round after round it gets fresh
 * pages - MADV_DONTNEED on even rounds, munmap + mmap of F_i itself on odd
 * ones, so the faults keep allocating page tables - reads each page (must
 * be zero), writes a pattern naming (variant, thread, round, page), reads
 * it back at once and again after the whole of F_i is written.  A
 * neighbour thread loops munmap(N) / mmap(N, MAP_FIXED) (and sometimes a
 * MAP_FIXED mmap straight over the old N) and checks N's pages the same
 * way.  Any SIGSEGV, any non-zero fresh page, any lost write fails.
 *
 * Layouts (each variant in a 512 GiB slot of its own, nothing else there):
 *   pt-gap       F's and N in one 2 MiB-aligned region (one last-level
 *                table), a gap between them;
 *   pt-adjacent  the same, N right after F (they merge: munmap(N) splits);
 *   pd-2mib      F's end at a 2 MiB boundary, N starts there (they share
 *                the page directory; N's last-level table comes and goes);
 *   pdpt-1gib    F's end at a 1 GiB boundary, N a page above it (they share
 *                the PDPT; N's PD and table come and go);
 *   fresh        thread i's F_i and N_i alone in their own 1 GiB: when N_i
 *                goes while F_i is away, the PD and table are freed, and
 *                F_i's next first fault races N_i's unmap or remap (F_i the
 *                only other user of an otherwise empty table).
 * Runs RUN_MS (or argv[1]) milliseconds per variant.  On faultline it
 * also reports /proc/mmstat's page-table counters and checks that tables
 * were really freed and allocated again (the race window was open). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "check.h"

#define FAULTERS 4 /* fault threads (>= the CPUs of the matrix) + 1 neighbour thread */
#define FPAGES 8   /* pages of each F_i */
#define NPAGES 16  /* pages of N */
#define PG 4096ul
#define RUN_MS 3000
#define SLOT(k) ((uintptr_t)(k) << 39) /* a 512 GiB PML4 slot */
#define GIB (1ul << 30)
#define MIB2 (2ul << 20)
#define PROT (PROT_READ | PROT_WRITE)
#define FLAGS (MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED)

struct variant {
	const char *name;
	uintptr_t f[FAULTERS]; /* F_i's start */
	uintptr_t n[FAULTERS]; /* N's start; fresh: N_i's, one per thread */
	int nn;                /* how many neighbours */
};

static struct variant variants[5];

static void layout(void)
{
	struct variant *v = variants;
	uintptr_t r = SLOT(4) + GIB + 3 * MIB2; /* 2 MiB-aligned */
	*v = (struct variant){ .name = "pt-gap", .nn = 1, .n = { r + 64 * PG } };
	for (int i = 0; i < FAULTERS; i++)
		v->f[i] = r + (uintptr_t)i * FPAGES * PG;
	v++;
	r = SLOT(5) + GIB + 3 * MIB2;
	*v = (struct variant){ .name = "pt-adjacent", .nn = 1, .n = { r + FAULTERS * FPAGES * PG } };
	for (int i = 0; i < FAULTERS; i++)
		v->f[i] = r + (uintptr_t)i * FPAGES * PG;
	v++;
	uintptr_t b = SLOT(6) + GIB + 4 * MIB2; /* a 2 MiB boundary inside one 1 GiB */
	*v = (struct variant){ .name = "pd-2mib", .nn = 1, .n = { b } };
	for (int i = 0; i < FAULTERS; i++)
		v->f[i] = b - (uintptr_t)(FAULTERS - i) * FPAGES * PG;
	v++;
	b = SLOT(7) + 2 * GIB; /* a 1 GiB boundary */
	*v = (struct variant){ .name = "pdpt-1gib", .nn = 1, .n = { b + PG } };
	for (int i = 0; i < FAULTERS; i++)
		v->f[i] = b - (uintptr_t)(FAULTERS - i) * FPAGES * PG;
	v++;
	*v = (struct variant){ .name = "fresh", .nn = FAULTERS };
	for (int i = 0; i < FAULTERS; i++) {
		v->f[i] = SLOT(8) + (uintptr_t)(i + 1) * GIB + 5 * MIB2 + 40 * PG;
		v->n[i] = v->f[i] + 64 * PG; /* same last-level table, nothing else in this 1 GiB */
	}
}

static atomic_int stop;
static atomic_long errors, f_rounds, n_rounds;
static int cur; /* the running variant */
static char first_error[256];
static atomic_flag first_taken = ATOMIC_FLAG_INIT;

static void report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void report(const char *fmt, ...)
{
	if (atomic_fetch_add(&errors, 1) == 0 && !atomic_flag_test_and_set(&first_taken)) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(first_error, sizeof(first_error), fmt, ap);
		va_end(ap);
	}
}

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	char buf[160];
	int n = snprintf(buf, sizeof(buf), "not ok - no fault fails: signal %d (code %d) at %p in variant %s\nFAIL\n", sig,
			 si->si_code, si->si_addr, variants[cur].name);
	write(1, buf, (size_t)n);
	_exit(1);
}

static uint64_t pattern(int who, long round, int page)
{
	return ((uint64_t)(cur + 1) << 56) | ((uint64_t)(who + 1) << 48) | ((uint64_t)round << 12) | (uint64_t)page;
}

/* Fresh pages of [p, p + pages): zero when read, then each written and
 * read back; finally all read again.  Even pages are read first (a read
 * fault, then a write to it), odd pages written first. */
static void touch(char *p, int pages, int who, long round)
{
	for (int i = 0; i < pages; i++) {
		volatile uint64_t *w = (volatile uint64_t *)(p + (size_t)i * PG);
		uint64_t want = pattern(who, round, i);
		if (i % 2 == 0 && (w[0] | w[511]))
			report("%s: %p not zero when fresh (%#llx)", who < FAULTERS ? "F" : "N", (void *)w,
			       (unsigned long long)w[0]);
		w[0] = want;
		w[i % 512] = want;
		w[511] = ~want;
		if (w[0] != want || w[i % 512] != want || w[511] != ~want)
			report("%p: wrote %#llx, read back %#llx", (void *)w, (unsigned long long)want,
			       (unsigned long long)w[0]);
	}
	for (int i = 0; i < pages; i++) {
		volatile uint64_t *w = (volatile uint64_t *)(p + (size_t)i * PG);
		uint64_t want = pattern(who, round, i);
		if (w[0] != want || w[i % 512] != want || w[511] != ~want)
			report("%p: lost write: want %#llx, have %#llx %#llx", (void *)w, (unsigned long long)want,
			       (unsigned long long)w[0], (unsigned long long)w[511]);
	}
}


static char *map_at(uintptr_t a, size_t len)
{
	char *p = mmap((void *)a, len, PROT, FLAGS, -1, 0);
	if (p != (char *)a) {
		report("mmap(%p, %zu, MAP_FIXED) = %p", (void *)a, len, (void *)p);
		return NULL;
	}
	return p;
}

static void *faulter(void *arg)
{
	int id = (int)(long)arg;
	pin_to_nth_cpu(id);
	char *f = (char *)variants[cur].f[id];
	for (long round = 1; !atomic_load(&stop); round++) {
		if (round % 2) {
			if (munmap(f, FPAGES * PG))
				report("munmap F%d failed", id);
			if (round % 4 == 1)
				sched_yield(); /* F away for a while: N may take the tables with it */
			if (!map_at((uintptr_t)f, FPAGES * PG))
				break;
		} else if (madvise(f, FPAGES * PG, MADV_DONTNEED)) {
			report("madvise(F%d, MADV_DONTNEED) failed", id);
		}
		touch(f, FPAGES, id, round);
		atomic_fetch_add(&f_rounds, 1);
	}
	return NULL;
}

static void *neighbour(void *arg)
{
	(void)arg;
	pin_to_nth_cpu(FAULTERS);
	const struct variant *v = &variants[cur];
	for (long round = 1; !atomic_load(&stop); round++) {
		for (int j = 0; j < v->nn; j++) {
			char *n = (char *)v->n[j];
			if (round % 3 != 0) { /* munmap then mmap; else MAP_FIXED straight over the old one */
				if (munmap(n, NPAGES * PG))
					report("munmap N failed");
				if (round % 3 == 2)
					sched_yield();
			}
			if (!map_at((uintptr_t)n, NPAGES * PG))
				return NULL;
			touch(n, NPAGES, FAULTERS + j, round);
		}
		atomic_fetch_add(&n_rounds, 1);
	}
	return NULL;
}


int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	long run_ms = argc > 1 ? atol(argv[1]) : RUN_MS;
	layout();
	catch_signal(SIGSEGV, on_segv);
	catch_signal(SIGBUS, on_segv);
	bool have_mmstat = mmstat("pt_page_free") >= 0;
	long freed_total = 0;
	for (cur = 0; cur < (int)(sizeof(variants) / sizeof(variants[0])); cur++) {
		const struct variant *v = &variants[cur];
		atomic_store(&errors, 0);
		atomic_store(&f_rounds, 0);
		atomic_store(&n_rounds, 0);
		atomic_store(&stop, 0);
		first_error[0] = 0;
		atomic_flag_clear(&first_taken);
		for (int i = 0; i < FAULTERS; i++)
			map_at(v->f[i], FPAGES * PG);
		for (int j = 0; j < v->nn; j++)
			map_at(v->n[j], NPAGES * PG);
		long pa0 = mmstat("pt_page_alloc"), pf0 = mmstat("pt_page_free"), fv0 = mmstat("fault_vma"),
		     fb0 = mmstat("fault_fallback"), fg0 = mmstat("fault_global");
		pthread_t th[FAULTERS + 1];
		for (long i = 0; i < FAULTERS; i++)
			pthread_create(&th[i], NULL, faulter, (void *)i);
		pthread_create(&th[FAULTERS], NULL, neighbour, NULL);
		sleep_ms(run_ms);
		atomic_store(&stop, 1);
		for (int i = 0; i <= FAULTERS; i++)
			pthread_join(th[i], NULL);
		long e = atomic_load(&errors);
		char what[64];
		snprintf(what, sizeof(what), "%s: every fault succeeded, every page read back", v->name);
		check(e == 0, what, "%ld errors, first: %s", e, first_error);
		char ran[64];
		snprintf(ran, sizeof(ran), "%s: both sides ran", v->name);
		check(atomic_load(&f_rounds) >= FAULTERS && atomic_load(&n_rounds) > 0, ran,
		      "%ld fault rounds, %ld neighbour rounds", atomic_load(&f_rounds), atomic_load(&n_rounds));
		if (have_mmstat) {
			long freed = mmstat("pt_page_free") - pf0;
			freed_total += freed;
			check_note("%s: %ld fault rounds, %ld neighbour rounds; page tables: %ld allocated, %ld freed; "
				   "faults: %ld vma, %ld fallback, %ld global",
				   v->name, atomic_load(&f_rounds), atomic_load(&n_rounds), mmstat("pt_page_alloc") - pa0,
				   freed, mmstat("fault_vma") - fv0, mmstat("fault_fallback") - fb0,
				   mmstat("fault_global") - fg0);
		} else {
			check_note("%s: %ld fault rounds, %ld neighbour rounds", v->name, atomic_load(&f_rounds),
				   atomic_load(&n_rounds));
		}
		for (int i = 0; i < FAULTERS; i++)
			munmap((void *)v->f[i], FPAGES * PG);
		for (int j = 0; j < v->nn; j++)
			munmap((void *)v->n[j], NPAGES * PG);
	}
	if (have_mmstat)
		check(freed_total > 0, "page tables were freed while faults ran (the race was on)", "%ld freed",
		      freed_total);
	return check_done();
}
