/* maps_latency.c - does reading another process's /proc/PID/maps wait for
 * that process's mmap_lock writers (priority inversion)?
 *
 * A child holds mmap_lock for write for long stretches: in a loop it
 * munmaps a large populated region (every PTE cleared, every frame freed
 * under the lock) and maps and populates it again.  The parent reads
 * /proc/CHILD/maps over and over, timing each open+read+close, and prints
 * "maps read latency: worst X us, median Y us (mode M)".  The figures are
 * information, not a pass/fail timing: the test checks only that every
 * read succeeds and is well formed (sorted, disjoint lines, the child's
 * region in one of its two states: there or not), and that the child
 * kept going.  The mode is told by which fault counter a fresh page's
 * fault bumps in /proc/mmstat; the mmap_lock read acquisitions during the
 * reads are printed too (mm.lock=vma: only the reads that fell back).
 * Runs on Linux too (no mode there). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

#define PG 4096ul
#define REGION 0x600000000ul
#define REGION_PAGES 2048ul /* 8 MiB: a munmap worth waiting for */
#define READS 300
#define BUF 65536

static void child(void)
{
	for (;;) {
		char *p = mmap((void *)REGION, REGION_PAGES * PG, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
		if (p != (char *)REGION)
			_exit(2);
		for (unsigned long i = 0; i < REGION_PAGES; i++)
			p[i * PG] = 1;
		if (munmap(p, REGION_PAGES * PG))
			_exit(3);
	}
}



/* Well formed: sorted, disjoint lines; the region whole or absent. */
static bool well_formed(const char *buf, char *why, size_t wlen)
{
	unsigned long prev_end = 0, s, e;
	int n = 0;
	for (const char *l = buf; *l; n++) {
		const char *nl = strchr(l, '\n');
		if (!nl || sscanf(l, "%lx-%lx", &s, &e) != 2 || s >= e || s < prev_end) {
			snprintf(why, wlen, "line %d: \"%.*s\"", n, nl ? (int)(nl - l) : 40, l);
			return false;
		}
		if (e > REGION && s < REGION + REGION_PAGES * PG && (s != REGION || e != REGION + REGION_PAGES * PG)) {
			snprintf(why, wlen, "the region as %lx-%lx", s, e);
			return false;
		}
		prev_end = e;
		l = nl + 1;
	}
	if (!n)
		snprintf(why, wlen, "empty");
	return n > 0;
}

static int cmp(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "child"))
		child();
	const char *mode = mm_lock_mode();
	pid_t pid = spawn_self(argv[0], (char *[]){ "child", NULL });
	if (!check(pid > 0, "spawn the child", "%s", strerror(errno)))
		return check_done();
	char path[64], *buf = malloc(BUF), why[160];
	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	sleep_ms(100); /* let it start its loop */
	static long long lat[READS];
	int good = 0, bad = 0, seen_region = 0;
	long long rl0 = mmstat("mmap_lock_read");
	for (int i = 0; i < READS; i++) {
		int64_t t0 = now_ns();
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		long len = 0;
		ssize_t n = 0;
		if (fd >= 0) {
			while (len < BUF - 1 && (n = read(fd, buf + len, BUF - 1 - len)) > 0)
				len += n;
			close(fd);
		}
		lat[i] = (now_ns() - t0) / 1000;
		buf[len] = '\0';
		if (fd < 0 || n < 0)
			snprintf(why, sizeof(why), "open/read: %s", strerror(errno));
		if (fd >= 0 && n >= 0 && well_formed(buf, why, sizeof(why))) {
			good++;
			char want[32];
			snprintf(want, sizeof(want), "%08lx-", REGION);
			seen_region += strstr(buf, want) != NULL;
		} else if (bad++ < 3) {
			check(false, "maps read well formed", "read %d: %s", i, why);
		}
	}
	long long rl1 = mmstat("mmap_lock_read");
	int status;
	bool alive = waitpid(pid, &status, WNOHANG) == 0;
	kill(pid, SIGKILL);
	wait_child(pid, &status);
	check(alive, "the child kept unmapping and mapping", "it died early");
	check(good == READS, "every read succeeded and was well formed", "%d of %d", good, READS);
	qsort(lat, READS, sizeof(lat[0]), cmp);
	check_note("maps read latency: worst %lld us, median %lld us (mode %s)", lat[READS - 1], lat[READS / 2], mode);
	check_note("%d reads, region present in %d; mmap_lock taken for read %lld times meanwhile (all processes)",
		   READS, seen_region, rl0 >= 0 ? rl1 - rl0 : -1);
	free(buf);
	return check_done();
}
