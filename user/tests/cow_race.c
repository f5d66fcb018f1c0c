/* cow_race.c - copy-on-write fork racing writers.  Threads of the parent
 * keep rewriting their own pages of a private region (every word of a page
 * to the page's next value, in address order) while another thread forks
 * in a loop, two children alive at a time.
 *
 * Each child checks its snapshot: every writer page must look like a
 * moment of the writer's stores (words in address order: a run of v then a
 * run of v - 1, nothing else), must read the same twice with a pause in
 * between (no write of the parent's may reach the child after fork), and
 * the constant pages must hold their pattern; it then writes some pages
 * (COW copies in the child) and MADV_DONTNEEDs others (zero-fill) and
 * checks both; its exit status says what failed.
 * The parent checks every child's status, and each writer checks before
 * every rewrite that its page still holds exactly what it wrote last: a
 * write lost to a COW break (copied before a store through a stale
 * writable TLB entry landed) or a child's write leaking in shows there.
 * At the end the constant pages must still hold their pattern in the
 * parent. */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include "check.h"

#define WRITERS 2
#define WPAGES 8               /* pages each writer owns */
#define CPAGES 8               /* constant pages (written before the threads start) */
#define PAGES (WRITERS * WPAGES + CPAGES)
#define WORDS 512
#define SECONDS 3
#define PATTERN 0x5a5a5a5a00000000l

static volatile long *region;
static atomic_int stop;
static atomic_long writer_bad[WRITERS], rewrites[WRITERS];

static volatile long *page(int i) { return region + (long)i * WORDS; }

static void *writer(void *arg)
{
	long id = (long)arg;
	pin_to_nth_cpu((int)id + 1);
	long v = 0;
	while (!atomic_load(&stop)) {
		v++;
		for (int k = 0; k < WPAGES; k++) {
			volatile long *p = page((int)id * WPAGES + k);
			for (int w = 0; w < WORDS; w++)
				if (p[w] != v - 1) {
					atomic_fetch_add(&writer_bad[id], 1);
					break;
				}
			for (int w = 0; w < WORDS; w++)
				p[w] = v;
		}
		atomic_fetch_add(&rewrites[id], 1);
		if (v % 8 == 0)
			sched_yield(); /* let the forker and the children run where we share a CPU */
	}
	return NULL;
}

/* Exit status bits of a child. */
#define BAD_TORN 1      /* a writer page not a moment of the writer's stores */
#define BAD_CHANGED 2   /* the snapshot changed between two reads */
#define BAD_CONST 4     /* a constant page not holding its pattern */
#define BAD_OWN 8       /* the child's own write did not stick */
#define BAD_ZERO 16     /* MADV_DONTNEED did not give zeros */

static long page_sum(volatile long *p)
{
	long s = 0;
	for (int w = 0; w < WORDS; w++)
		s = s * 31 + p[w];
	return s;
}

static int child(void)
{
	static long sums[PAGES];
	int bad = 0;
	for (int i = 0; i < WRITERS * WPAGES; i++) {
		volatile long *p = page(i);
		long top = p[0];
		int w = 0;
		while (w < WORDS && p[w] == top)
			w++;
		while (w < WORDS && p[w] == top - 1)
			w++;
		if (w < WORDS)
			bad |= BAD_TORN;
	}
	for (int i = 0; i < PAGES; i++)
		sums[i] = page_sum(page(i));
	for (int k = 0; k < 20; k++)
		sched_yield(); /* the parent's writers run meanwhile */
	for (int i = 0; i < PAGES; i++)
		if (sums[i] != page_sum(page(i)))
			bad |= BAD_CHANGED;
	for (int i = WRITERS * WPAGES; i < PAGES; i++)
		for (int w = 0; w < WORDS; w++)
			if (page(i)[w] != (PATTERN | i))
				bad |= BAD_CONST;
	/* COW copies in the child: a writer page and a constant page */
	for (int w = 0; w < WORDS; w++) {
		page(0)[w] = -1;
		page(PAGES - 1)[w] = -2;
	}
	madvise((void *)page(PAGES - 2), 4096, MADV_DONTNEED);
	madvise((void *)page(1), 4096, MADV_DONTNEED);
	for (int k = 0; k < 5; k++)
		sched_yield();
	for (int w = 0; w < WORDS; w++) {
		if (page(0)[w] != -1 || page(PAGES - 1)[w] != -2)
			bad |= BAD_OWN;
		if (page(PAGES - 2)[w] || page(1)[w])
			bad |= BAD_ZERO;
	}
	return bad;
}

static long forks, children_bad, child_bits;

static void *forker(void *arg)
{
	(void)arg;
	pin_to_nth_cpu(0);
	int64_t end = now_ns() + SECONDS * 1000000000ll;
	while (now_ns() < end) {
		pid_t pid[2];
		for (int i = 0; i < 2; i++) {
			pid[i] = fork();
			if (pid[i] == 0)
				_exit(child());
			if (pid[i] > 0)
				forks++;
		}
		for (int i = 0; i < 2; i++) {
			int st;
			if (pid[i] < 0 || wait_child(pid[i], &st) != pid[i] || !WIFEXITED(st) || WEXITSTATUS(st)) {
				children_bad++;
				if (pid[i] > 0 && WIFEXITED(st))
					child_bits |= WEXITSTATUS(st);
			}
		}
	}
	return NULL;
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	region = mmap(NULL, PAGES * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!check(region != MAP_FAILED, "mmap the region", "failed"))
		return check_done();
	for (int i = WRITERS * WPAGES; i < PAGES; i++)
		for (int w = 0; w < WORDS; w++)
			page(i)[w] = PATTERN | i;
	pthread_t th[WRITERS], f;
	for (long i = 0; i < WRITERS; i++)
		pthread_create(&th[i], NULL, writer, (void *)i);
	pthread_create(&f, NULL, forker, NULL);
	pthread_join(f, NULL);
	atomic_store(&stop, 1);
	for (int i = 0; i < WRITERS; i++)
		pthread_join(th[i], NULL);
	check(forks > 0, "forked while the writers wrote", "no fork succeeded");
	check(children_bad == 0, "every child saw a consistent snapshot that did not change",
	      "%ld of %ld children failed (status bits %#lx: 1 torn, 2 changed, 4 constant page, 8 own write, 16 zero-fill)",
	      children_bad, forks, child_bits);
	long bad = 0;
	for (int i = 0; i < WRITERS; i++)
		bad += atomic_load(&writer_bad[i]);
	check(bad == 0, "no writer ever found its page changed behind its back", "%ld times", bad);
	long cbad = 0;
	for (int i = WRITERS * WPAGES; i < PAGES; i++)
		for (int w = 0; w < WORDS; w++)
			cbad += page(i)[w] != (PATTERN | i);
	check(cbad == 0, "the parent's constant pages are intact", "%ld words differ", cbad);
	check_note("%ld forks, %ld + %ld page rewrites", forks, atomic_load(&rewrites[0]) * WPAGES,
		   atomic_load(&rewrites[1]) * WPAGES);
	return check_done();
}
