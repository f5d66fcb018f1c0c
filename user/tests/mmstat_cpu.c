/* mmstat_cpu.c - /proc/mmstat_cpu, the memory-manager counters per CPU
 * (what faulttop reads): a header with one "CPUn" column per online CPU,
 * then "name: v0 v1 ..." with a value in every column; the rows are the
 * /proc/mmstat counters and sum to its values (checked at a moment when a
 * row does not move: read per CPU, then /proc/mmstat, then per CPU again),
 * the grace periods and callbacks counted per CPU sum to /proc/mmstat's
 * epoch_gp and epoch_cb_run; a thread pinned to a CPU (sched_setaffinity)
 * that faults pages in raises that CPU's fault counters by as many; the
 * file is read-only.  On Linux (no such file) every check is skipped. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "check.h"

#define PATH "/proc/mmstat_cpu"
#define MAX_ROWS 64
#define MAX_COLS 256
#define TOUCH_PAGES 200
#define ROUNDS 50 /* tries to catch a row still */

struct table {
	int ncpu, nrows;
	int cpu[MAX_COLS];
	char name[MAX_ROWS][40];
	unsigned long long v[MAX_ROWS][MAX_COLS];
	char bad[96]; /* what is wrong with the shape, or "" */
};

static char text[1 << 17]; /* touched before use: reads fault nothing in */

static long read_text(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	long len = 0, n;
	while (len + 1 < (long)sizeof(text) && (n = read(fd, text + len, sizeof(text) - 1 - len)) > 0)
		len += n;
	text[len] = 0;
	close(fd);
	return len;
}

/* Parse PATH into t; false (t->bad says why) if it is not in shape. */
static bool read_table(struct table *t)
{
	t->ncpu = t->nrows = 0;
	t->bad[0] = 0;
	if (read_text(PATH) <= 0) {
		snprintf(t->bad, sizeof(t->bad), "cannot read it");
		return false;
	}
	char *line = text, *nl = strchr(line, '\n'), *p = line, *end;
	if (!nl)
		return false;
	*nl = 0;
	while ((p = strstr(p, "CPU")) && t->ncpu < MAX_COLS) {
		t->cpu[t->ncpu] = (int)strtol(p + 3, &end, 10);
		if (end == p + 3 || (t->ncpu && t->cpu[t->ncpu] <= t->cpu[t->ncpu - 1]))
			snprintf(t->bad, sizeof(t->bad), "header column %d is not an increasing CPUn", t->ncpu);
		t->ncpu++;
		p = end;
	}
	for (line = nl + 1; *line && t->nrows < MAX_ROWS; line = nl + 1) {
		nl = strchr(line, '\n');
		if (!nl)
			break;
		*nl = 0;
		char *colon = strchr(line, ':');
		while (*line == ' ')
			line++;
		if (!colon || (size_t)(colon - line) >= sizeof(t->name[0])) {
			snprintf(t->bad, sizeof(t->bad), "no 'name:' in '%.40s'", line);
			break;
		}
		snprintf(t->name[t->nrows], sizeof(t->name[0]), "%.*s", (int)(colon - line), line);
		p = colon + 1;
		int n = 0;
		for (; n < t->ncpu; n++) {
			t->v[t->nrows][n] = strtoull(p, &end, 10);
			if (end == p)
				break;
			p = end;
		}
		if (n != t->ncpu || strspn(p, " ") != strlen(p))
			snprintf(t->bad, sizeof(t->bad), "row %s: not %d numbers", t->name[t->nrows], t->ncpu);
		t->nrows++;
	}
	return !t->bad[0] && t->ncpu > 0 && t->nrows > 0;
}

static int row_of(const struct table *t, const char *name)
{
	for (int r = 0; r < t->nrows; r++)
		if (!strcmp(t->name[r], name))
			return r;
	return -1;
}

static unsigned long long row_sum(const struct table *t, int r)
{
	unsigned long long s = 0;
	for (int i = 0; i < t->ncpu; i++)
		s += t->v[r][i];
	return s;
}

static struct table before, after;

/* The value of "key value" in the /proc/mmstat text mm, or -1. */
static long long value_in(const char *mm, const char *key)
{
	size_t kl = strlen(key);
	for (const char *l = mm; l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		if (!strncmp(l, key, kl) && l[kl] == ' ')
			return strtoll(l + kl + 1, NULL, 10);
	return -1;
}

/* The sums equal /proc/mmstat's values.  A row is compared in a round
 * where its sum did not change from before to after the /proc/mmstat read
 * (the counters only grow, so that read saw the same sum).  other: the
 * /proc/mmstat key a row must equal instead of its own name (the epoch
 * counters), or NULL. */
static void check_sums(void)
{
	static const char *const other[][2] = { { "epoch_gp_ended", "epoch_gp" },
						 { "epoch_cb_invoked", "epoch_cb_run" } };
	static bool settled[MAX_ROWS];
	static char mm[8192];
	int left = -1, wrong = -1;
	long long got = 0, want = 0;
	for (int round = 0; round < ROUNDS && left; round++) {
		sleep_ms(round ? 20 : 0);
		if (!read_table(&before) || read_text("/proc/mmstat") <= 0)
			break;
		memcpy(mm, text, sizeof(mm) - 1);
		if (!read_table(&after) || after.nrows != before.nrows)
			break;
		left = 0;
		for (int r = 0; r < after.nrows; r++) {
			if (settled[r])
				continue;
			if (row_sum(&before, r) != row_sum(&after, r)) {
				left++;
				continue;
			}
			const char *key = after.name[r];
			for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++)
				if (!strcmp(key, other[i][0]))
					key = other[i][1];
			settled[r] = true;
			if (wrong < 0 && value_in(mm, key) != (long long)row_sum(&after, r)) {
				wrong = r;
				got = (long long)row_sum(&after, r);
				want = value_in(mm, key);
			}
		}
	}
	check(left == 0, "every row was caught still (per CPU, /proc/mmstat, per CPU)", "%d rows kept moving", left);
	check(wrong < 0, "each row sums to its /proc/mmstat value (epoch rows: epoch_gp, epoch_cb_run)",
	      "%s: sum %lld, /proc/mmstat %lld", wrong >= 0 ? after.name[wrong] : "", got, want);
}

/* A thread pinned to one CPU faults fresh pages in. */
struct pinned {
	int cpu, ran_on;
	bool pinned;
};

static void *fault_on_cpu(void *arg)
{
	struct pinned *p = arg;
	cpu_set_t one;
	CPU_ZERO(&one);
	CPU_SET(p->cpu, &one);
	p->pinned = !sched_setaffinity(0, sizeof(one), &one);
	p->ran_on = sched_getcpu();
	char *m = mmap(NULL, TOUCH_PAGES * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return NULL;
	for (int i = 0; i < TOUCH_PAGES; i++)
		m[i * 4096] = 1;
	if (sched_getcpu() != p->cpu)
		p->ran_on = sched_getcpu();
	munmap(m, TOUCH_PAGES * 4096);
	return NULL;
}

static void check_pinned(void)
{
	int fault = row_of(&after, "fault"), anon = row_of(&after, "fault_anon");
	check(fault >= 0 && anon >= 0, "rows fault and fault_anon exist", "missing");
	if (fault < 0 || anon < 0)
		return;
	for (int i = 0; i < after.ncpu; i++) {
		struct pinned p = { .cpu = after.cpu[i], .ran_on = -1 };
		pthread_t th;
		read_table(&before);
		if (pthread_create(&th, NULL, fault_on_cpu, &p))
			break;
		pthread_join(th, NULL);
		read_table(&after);
		long long df = (long long)(after.v[fault][i] - before.v[fault][i]),
			  da = (long long)(after.v[anon][i] - before.v[anon][i]);
		char what[96];
		snprintf(what, sizeof(what), "a thread pinned to CPU%d: its fault and fault_anon columns rise by >= %d",
			 p.cpu, TOUCH_PAGES);
		check(p.pinned && p.ran_on == p.cpu && df >= TOUCH_PAGES && da >= TOUCH_PAGES, what,
		      "pinned %d, ran on %d, fault +%lld, fault_anon +%lld", p.pinned, p.ran_on, df, da);
	}
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	memset(text, 0, sizeof(text));
	memset(&before, 0, sizeof(before));
	memset(&after, 0, sizeof(after));
	if (access(PATH, F_OK)) {
		check_skip("/proc/mmstat_cpu: columns, sums, pinned faults", "no " PATH " (Linux)");
		return check_done();
	}
	cpu_set_t all;
	sched_getaffinity(0, sizeof(all), &all);
	bool shaped = read_table(&after);
	check(shaped, PATH " has a CPU header and 'name: v...' rows with a value per column", "%s", after.bad);
	if (!shaped)
		return check_done();
	check_eq(after.ncpu, CPU_COUNT(&all), "one column per online CPU");
	check(row_of(&after, "fault") == 0 && row_of(&after, "epoch_gp_ended") > 0 &&
		      row_of(&after, "epoch_cb_invoked") > 0,
	      "rows start with fault and include epoch_gp_ended, epoch_cb_invoked", "%d rows", after.nrows);
	check_pinned();
	check_sums(); /* after: every CPU has counted something */
	int fd = open(PATH, O_WRONLY);
	check(fd < 0 && errno == EACCES, PATH " is read-only (EACCES)", "fd %d, %s", fd, strerror(errno));
	return check_done();
}
