/* maps_concurrent.c - /proc/self/maps read while another thread reshapes a
 * region: every snapshot must show the region in a shape it really had
 * while the file was being read, never a gap or overlap that existed
 * neither before nor after a change (the guarantee of mm/maps_read.c).
 *
 * The region is 3 * CH pages at X, fenced by PROT_NONE guard pages (which
 * never change and merge with nothing); Y is a second fenced window.  The
 * writer steps through a cycle of states, publishing the number of steps
 * started and finished:
 *   0  X: one rw VMA                 3  Y: one rw VMA (moved by mremap)
 *   1  X: rw | r-- | rw (mprotect)   4  X: one rw VMA (moved back)
 *   2  X: one rw VMA (merged again)  5  nothing (munmap; then mmap again)
 * A reader notes "finished" before opening the file and "started" after
 * reading it; the region's lines (in both windows) must be state j for
 * some j between the two.  Every snapshot must also be sorted and
 * disjoint, and the guards must be there.  procfs makes a maps file's text
 * at open, so the readers take it in small read() chunks and in small
 * preads at scattered offsets as well as in one go: the pieces must make
 * up one snapshot all the same.
 *
 * Afterwards: a writer replacing the region with mmap(MAP_FIXED) over it
 * again and again - the region must never be seen missing (the gap between
 * removing the old VMA and inserting the new one is neither state).
 * Runs on Linux too (no /proc/mmstat there: the mode note is skipped). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "check.h"

#define PG 4096ul
#define CH 8ul                          /* pages in each third of the region */
#define LEN (3 * CH * PG)
#define X 0x500000000ul
#define Y 0x540000000ul
#define NSTATES 6
#define RUN_NS 3000000000ll             /* the main race */
#define FIXED_RUN_NS 1000000000ll       /* the informational MAP_FIXED race */
#define READERS 2
#define BUF 65536

static atomic_long started, finished; /* writer steps */
static atomic_int stop;
static atomic_long snapshots, bad;
static atomic_long fixed_reads, fixed_missing;
static atomic_int fixed_phase;

/* ---- the writer ---- */

static void step(long k)
{
	int r = 0;
	void *p;
	switch (k % NSTATES) {
	case 0: r = mprotect((void *)(X + CH * PG), CH * PG, PROT_READ); break;
	case 1: r = mprotect((void *)(X + CH * PG), CH * PG, PROT_READ | PROT_WRITE); break;
	case 2:
		p = mremap((void *)X, LEN, LEN, MREMAP_MAYMOVE | MREMAP_FIXED, (void *)Y);
		r = p == (void *)Y ? 0 : -1;
		break;
	case 3:
		p = mremap((void *)Y, LEN, LEN, MREMAP_MAYMOVE | MREMAP_FIXED, (void *)X);
		r = p == (void *)X ? 0 : -1;
		break;
	case 4: r = munmap((void *)X, LEN); break;
	case 5:
		p = mmap((void *)X, LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
		r = p == (void *)X ? 0 : -1;
		break;
	}
	if (r) {
		check(false, "writer step", "step %ld (%ld): %s", k, k % NSTATES, strerror(errno));
		exit(1);
	}
	if (k % NSTATES != 4) /* the live region gets a page touched: page tables to move / tear down */
		((volatile char *)(k % NSTATES == 2 ? Y : X))[(k % 3) * CH * PG] = 1;
}

static void *writer(void *arg)
{
	(void)arg;
	for (long k = 0; !atomic_load(&stop); k++) {
		atomic_store(&started, k + 1);
		step(k);
		atomic_store(&finished, k + 1);
	}
	return NULL;
}

static void *fixed_writer(void *arg)
{
	(void)arg;
	while (!atomic_load(&stop)) {
		void *p = mmap((void *)X, LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		if (p != (void *)X) {
			check(false, "MAP_FIXED writer", "%s", strerror(errno));
			exit(1);
		}
		for (unsigned long i = 0; i < 3 * CH; i++)
			((volatile char *)X)[i * PG] = 1;
	}
	return NULL;
}

/* ---- reading and parsing ---- */

struct line {
	unsigned long start, end;
	char perms[5];
};

/* Read the whole file in one of three ways; its length, or -1. */
static long read_maps(char *buf, unsigned how, unsigned *rnd)
{
	int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	long len = 0;
	if (how == 0) { /* one big read at a time */
		ssize_t n;
		while (len < BUF - 1 && (n = read(fd, buf + len, BUF - 1 - len)) > 0)
			len += n;
	} else if (how == 1) { /* small read()s of varying size */
		ssize_t n;
		do {
			size_t want = 1 + rand_r(rnd) % 97;
			if (want > (size_t)(BUF - 1 - len))
				want = (size_t)(BUF - 1 - len);
			n = read(fd, buf + len, want);
			if (n > 0)
				len += n;
		} while (n > 0 && len < BUF - 1);
	} else { /* 64-byte preads, the odd chunks first, then the even ones, then the tail */
		off_t size = lseek(fd, 0, SEEK_END);
		if (size < 0 || size >= BUF) {
			close(fd);
			return -1;
		}
		for (int pass = 0; pass < 2; pass++)
			for (off_t o = 64 * (1 - pass); o < size; o += 128)
				if (pread(fd, buf + o, 64, o) < 0) {
					close(fd);
					return -1;
				}
		len = size;
		char extra;
		if (pread(fd, &extra, 1, size) != 0) /* nothing beyond the end */
			len = -1;
	}
	buf[len < 0 ? 0 : len] = '\0';
	close(fd);
	return len;
}

/* Parse every line; the count, or -1 (detail in why). */
static int parse(const char *buf, struct line *ls, int max, char *why, size_t wlen)
{
	int n = 0;
	for (const char *l = buf; *l;) {
		const char *nl = strchr(l, '\n');
		if (!nl) {
			snprintf(why, wlen, "last line not terminated");
			return -1;
		}
		if (n == max) {
			snprintf(why, wlen, "more than %d lines", max);
			return -1;
		}
		struct line *e = &ls[n];
		if (sscanf(l, "%lx-%lx %4s", &e->start, &e->end, e->perms) != 3 || e->start >= e->end) {
			snprintf(why, wlen, "bad line \"%.*s\"", (int)(nl - l), l);
			return -1;
		}
		if (n && e->start < ls[n - 1].end) {
			snprintf(why, wlen, "%lx-%lx after %lx-%lx: unsorted or overlapping", e->start, e->end,
				 ls[n - 1].start, ls[n - 1].end);
			return -1;
		}
		n++;
		l = nl + 1;
	}
	return n;
}

/* The lines strictly inside window w's fence, as "start-end perms;" text
 * relative to w, into out; false when a guard is missing. */
static bool window(const struct line *ls, int n, unsigned long w, char *out, size_t olen)
{
	bool lo = false, hi = false;
	size_t used = 0;
	out[0] = '\0';
	for (int i = 0; i < n; i++) {
		if (ls[i].start == w - PG && ls[i].end == w)
			lo = true;
		else if (ls[i].start == w + LEN && ls[i].end == w + LEN + PG)
			hi = true;
		else if (ls[i].end > w - PG && ls[i].start < w + LEN + PG)
			used += (size_t)snprintf(out + used, olen - used, "%lx-%lx %s;", (ls[i].start - w) / PG,
						 (ls[i].end - w) / PG, ls[i].perms);
	}
	return lo && hi;
}

/* What the two windows hold in state s. */
static void expected(int s, char *x, char *y, size_t len)
{
	char one[64], three[128];
	snprintf(one, sizeof(one), "0-%lx rw-p;", 3 * CH);
	snprintf(three, sizeof(three), "0-%lx rw-p;%lx-%lx r--p;%lx-%lx rw-p;", CH, CH, 2 * CH, 2 * CH, 3 * CH);
	snprintf(x, len, "%s", s == 1 ? three : s == 3 || s == 5 ? "" : one);
	snprintf(y, len, "%s", s == 3 ? one : "");
}

static void *reader(void *arg)
{
	unsigned rnd = (unsigned)(long)arg * 7919 + 1;
	char *buf = malloc(BUF), why[1400], gx[512], gy[512], wx[256], wy[256];
	struct line *ls = malloc(1024 * sizeof(*ls));
	for (unsigned it = 0; !atomic_load(&stop); it++) {
		long lo = atomic_load(&finished);
		long len = read_maps(buf, it % 3, &rnd);
		long hi = atomic_load(&started);
		int n = len > 0 ? parse(buf, ls, 1024, why, sizeof(why)) : -1;
		if (len <= 0)
			snprintf(why, sizeof(why), "read failed (%ld): %s", len, strerror(errno));
		bool ok = n > 0;
		if (ok && atomic_load(&fixed_phase)) {
			expected(0, wx, wy, sizeof(wx));
			/* replaced, never missing: before and after, X is one VMA */
			ok = window(ls, n, X, gx, sizeof(gx)) && !strcmp(gx, wx);
			snprintf(why, sizeof(why), "X [%s]: not one VMA (missing: a gap in neither state), or a guard is missing", gx);
			atomic_fetch_add(&fixed_reads, 1);
			if (!gx[0])
				atomic_fetch_add(&fixed_missing, 1);
		} else if (ok) {
			ok = window(ls, n, X, gx, sizeof(gx)) && window(ls, n, Y, gy, sizeof(gy));
			snprintf(why, sizeof(why), "a guard page is missing");
			bool match = false;
			for (long j = lo; ok && !match && j <= hi; j++) {
				expected((int)(j % NSTATES), wx, wy, sizeof(wx));
				match = !strcmp(gx, wx) && !strcmp(gy, wy);
			}
			if (ok && !match) {
				ok = false;
				snprintf(why, sizeof(why), "X [%s] Y [%s] is none of states %ld..%ld (mod %d: %ld..%ld)", gx,
					 gy, lo, hi, NSTATES, lo % NSTATES, hi % NSTATES);
			}
		}
		atomic_fetch_add(&snapshots, 1);
		if (!ok && atomic_fetch_add(&bad, 1) < 5) /* the first few, each on one line */
			check(false, "maps snapshot coherent", "read %s: %s", it % 3 == 0 ? "whole" : it % 3 == 1 ? "chunks" : "pread", why);
	}
	free(buf);
	free(ls);
	return NULL;
}

/* ---- /proc/mmstat (faultline only) ---- */



static void race(void *(*w)(void *), long long ns)
{
	pthread_t wt, rt[READERS];
	atomic_store(&stop, 0);
	pthread_create(&wt, NULL, w, NULL);
	for (long i = 0; i < READERS; i++)
		pthread_create(&rt[i], NULL, reader, (void *)i);
	int64_t end = now_ns() + ns;
	while (now_ns() < end)
		sleep_ms(50);
	atomic_store(&stop, 1);
	pthread_join(wt, NULL);
	for (int i = 0; i < READERS; i++)
		pthread_join(rt[i], NULL);
}

int main(void)
{
	const char *mode = mm_lock_mode();
	/* The fences: guard pages below and above both windows. */
	for (unsigned long w = X; w <= Y; w += Y - X) {
		void *a = mmap((void *)(w - PG), PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
		void *b = mmap((void *)(w + LEN), PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
		if (!check(a == (void *)(w - PG) && b == (void *)(w + LEN), "map the guard pages", "%s", strerror(errno)))
			return check_done();
	}
	void *p = mmap((void *)X, LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (!check(p == (void *)X, "map the region", "%s", strerror(errno)))
		return check_done();

	long long rl0 = mmstat("mmap_lock_read");
	race(writer, RUN_NS);
	long long rl1 = mmstat("mmap_lock_read");
	long steps = atomic_load(&finished), snaps = atomic_load(&snapshots);
	check(steps >= 2 * NSTATES && snaps >= 10, "both sides made progress", "%ld writer steps, %ld snapshots",
	      steps, snaps);
	check(atomic_load(&bad) == 0, "every snapshot sorted, disjoint, fenced, and in a state the region had",
	      "%ld of %ld were not", atomic_load(&bad), snaps);
	check_note("mode %s: %ld writer steps, %ld snapshots, mmap_lock taken for read %lld times meanwhile", mode,
		   steps, snaps, rl0 >= 0 ? rl1 - rl0 : -1);

	/* For information: MAP_FIXED replacing the whole region. */
	long s = atomic_load(&finished) % NSTATES;
	if (s == 3) /* the region sits at Y */
		mremap((void *)Y, LEN, LEN, MREMAP_MAYMOVE | MREMAP_FIXED, (void *)X);
	else if (s == 5) /* unmapped */
		mmap((void *)X, LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	else if (s == 1)
		mprotect((void *)(X + CH * PG), CH * PG, PROT_READ | PROT_WRITE);
	atomic_store(&fixed_phase, 1);
	race(fixed_writer, FIXED_RUN_NS);
	check(atomic_load(&bad) == 0, "MAP_FIXED race: every snapshot sorted, disjoint, fenced, X always one VMA",
	      "%ld bad (X missing in %ld of %ld)", atomic_load(&bad), atomic_load(&fixed_missing), atomic_load(&fixed_reads));
	return check_done();
}
