/* procfs.c - /proc: /proc/self/maps and /proc/PID/maps in Linux's format
 * (a fixed anonymous mapping's exact line, [stack], [heap] after a brk
 * grow), /proc/meminfo, /proc/mmstat counters moving with page faults, the
 * directory listings, stat, and the errors (missing pid, opening for
 * writing).  Runs on Linux too: what Linux has no equivalent of
 * (/proc/mmstat) or does differently as root (opening for writing) is
 * checked on faultline only.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "check.h"

#define FIXED_ADDR 0x300000000ul
#define FIXED_LEN  (3 * 4096ul)
#define TOUCH_PAGES 100

static bool on_faultline; /* /proc/mmstat exists */
static char maps_a[65536], maps_b[65536];

/* The whole of path into buf (NUL-terminated): its length, or -errno. */
static long read_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	size_t len = 0;
	ssize_t n;
	while (len + 1 < size && (n = read(fd, buf + len, size - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	close(fd);
	return (long)len;
}

/* The line of maps whose name is name: its start and end; false if none. */
static bool find_named(const char *maps, const char *name, unsigned long *start, unsigned long *end)
{
	for (const char *l = maps; *l;) {
		const char *nl = strchr(l, '\n');
		size_t len = nl ? (size_t)(nl - l) : strlen(l), nlen = strlen(name);
		if (len > nlen && !memcmp(l + len - nlen, name, nlen) && l[len - nlen - 1] == ' ') {
			sscanf(l, "%lx-%lx", start, end);
			return true;
		}
		if (!nl)
			break;
		l = nl + 1;
	}
	return false;
}

static void check_maps(void)
{
	char want[128], path[64];
	void *p = mmap((void *)FIXED_ADDR, FIXED_LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
		       -1, 0);
	if (!check(p == (void *)FIXED_ADDR, "mmap a fixed anonymous region", "%s", strerror(errno)))
		return;
	/* Grow the break by 64 KiB and touch the new memory. */
	unsigned long brk0 = (unsigned long)syscall(SYS_brk, 0), brk1 = brk0 + 65536;
	check(syscall(SYS_brk, brk1) == (long)brk1, "brk grows by 64 KiB", "brk stayed at %#lx", brk0);
	((volatile char *)brk1)[-1] = 1;

	long n = read_file("/proc/self/maps", maps_a, sizeof(maps_a));
	if (!check(n > 0, "read /proc/self/maps", "%s", n < 0 ? strerror((int)-n) : "empty"))
		return;
	snprintf(want, sizeof(want), "%08lx-%08lx rw-p 00000000 00:00 0 \n", FIXED_ADDR, FIXED_ADDR + FIXED_LEN);
	check(strstr(maps_a, want) != NULL, "maps has the fixed region's exact line", "want \"%.*s\"",
	      (int)strlen(want) - 1, want);

	unsigned long s, e;
	unsigned long sp = (unsigned long)&s;
	check(find_named(maps_a, "[stack]", &s, &e) && s <= sp && sp < e, "maps has a [stack] line holding the stack",
	      "sp %#lx", sp);
	check(find_named(maps_a, "[heap]", &s, &e) && s <= brk0 && e >= brk1, "maps has a [heap] line up to the break",
	      "brk %#lx..%#lx", brk0, brk1);
	/* The name column: Linux pads the prefix to 72 characters, then one space. */
	const char *h = strstr(maps_a, "[heap]");
	const char *bol = h;
	while (bol > maps_a && bol[-1] != '\n')
		bol--;
	check(h && h - bol == 73, "[heap] starts at column 73", "column %ld", h ? (long)(h - bol) : -1L);

	snprintf(path, sizeof(path), "/proc/%d/maps", getpid());
	long m = read_file(path, maps_b, sizeof(maps_b));
	check(m == n && !strcmp(maps_a, maps_b), "/proc/<getpid()>/maps equals /proc/self/maps", "%ld vs %ld bytes",
	      m, n);

	int fd = open("/proc/self/maps", O_RDONLY);
	char head[16] = "";
	check(fd >= 0 && pread(fd, head, 9, 0) == 9 && !memcmp(head, maps_a, 9) && lseek(fd, 5, SEEK_SET) == 5 &&
		      read(fd, head, 4) == 4 && !memcmp(head, maps_a + 5, 4),
	      "pread and lseek on /proc/self/maps", "%s", strerror(errno));
	close(fd);

	int r = open("/proc/99999/maps", O_RDONLY);
	check_errno(r, errno, ENOENT, "/proc/99999/maps is ENOENT");
	munmap(p, FIXED_LEN);
}

/* The value of "key:" in /proc/meminfo (kB), or -1. */
static long meminfo_kb(const char *mi, const char *key)
{
	const char *l = strstr(mi, key);
	return l ? strtol(l + strlen(key), NULL, 10) : -1;
}

static void check_meminfo(void)
{
	char buf[4096];
	long n = read_file("/proc/meminfo", buf, sizeof(buf));
	if (!check(n > 0, "read /proc/meminfo", "%s", n < 0 ? strerror((int)-n) : "empty"))
		return;
	long total = meminfo_kb(buf, "\nMemTotal:"), free = meminfo_kb(buf, "\nMemFree:");
	if (total < 0 && !strncmp(buf, "MemTotal:", 9))
		total = strtol(buf + 9, NULL, 10);
	check(total >= free && free > 0, "meminfo: MemTotal >= MemFree > 0", "MemTotal %ld MemFree %ld", total, free);
	check(!strncmp(buf, "MemTotal:       ", 16) && buf[24] == ' ' && !strncmp(buf + 25, "kB\n", 3),
	      "meminfo: Linux's layout (name padded to 16, value to 8, \" kB\")", "first line \"%.30s\"", buf);
}

/* The value of counter name in /proc/mmstat, or -1. */

static void check_mmstat(void)
{
	if (!on_faultline) {
		check_skip("mmstat: fault grows by >= 100 after touching 100 pages", "no /proc/mmstat (Linux)");
		return;
	}
	/* every fault resolved is counted on one path: under mmap_lock
	 * (mm.lock=global, or a fallback), under a per-VMA lock, or
	 * speculatively (mm.lock=spf), under its page's range lock
	 * (mm.lock=range) */
	long long f0 = mmstat("fault"), l0 = mmstat("fault_global") + mmstat("fault_vma") + mmstat("fault_fallback") +
					       mmstat("spf_success") + mmstat("range_success");
	char *p = mmap(NULL, TOUCH_PAGES * 4096ul, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!check(p != MAP_FAILED, "mmap 100 pages", "%s", strerror(errno)))
		return;
	for (int i = 0; i < TOUCH_PAGES; i++)
		p[i * 4096] = 1;
	long long f1 = mmstat("fault"), l1 = mmstat("fault_global") + mmstat("fault_vma") + mmstat("fault_fallback") +
					       mmstat("spf_success") + mmstat("range_success");
	if (f0 == 0 && f1 == 0) /* not a /proc bug: this kernel's fault path does not count yet */
		check_skip("mmstat: fault grows by >= 100 after touching 100 pages", "fault is 0: faults not counted");
	else
		check(f0 >= 0 && f1 - f0 >= TOUCH_PAGES, "mmstat: fault grows by >= 100 after touching 100 pages",
	      "%lld -> %lld", f0, f1);
	check(l0 >= 0 && l1 - l0 >= TOUCH_PAGES, "mmstat: the faults are counted by path (fault_global/vma/fallback/spf_success/range_success)",
	      "%lld -> %lld", l0, l1);
	munmap(p, TOUCH_PAGES * 4096ul);
}

/* Does directory path list every name of names[] (NULL-terminated)? */
static bool lists(const char *path, const char *const *names, char *missing, size_t msize)
{
	bool found[8] = {false};
	DIR *d = opendir(path);
	struct dirent *de;
	if (!d) {
		snprintf(missing, msize, "opendir: %s", strerror(errno));
		return false;
	}
	while ((de = readdir(d)))
		for (int i = 0; names[i]; i++)
			found[i] |= !strcmp(de->d_name, names[i]);
	closedir(d);
	for (int i = 0; names[i]; i++) {
		if (!found[i]) {
			snprintf(missing, msize, "no %s", names[i]);
			return false;
		}
	}
	return true;
}

static void check_dirs(void)
{
	char pid[16], why[64] = "";
	struct stat st;
	snprintf(pid, sizeof(pid), "%d", getpid());
	const char *root[] = {".", "..", "meminfo", "self", pid, on_faultline ? "mmstat" : NULL, NULL};
	const char *self[] = {".", "..", "maps", NULL};
	check(lists("/proc", root, why, sizeof(why)), "ls /proc: meminfo, self, our pid (and mmstat)", "%s", why);
	check(lists("/proc/self", self, why, sizeof(why)), "ls /proc/self: maps", "%s", why);
	check(stat("/proc", &st) == 0 && S_ISDIR(st.st_mode), "stat /proc: a directory", "%s", strerror(errno));
	check(stat("/proc/self", &st) == 0 && S_ISDIR(st.st_mode), "stat /proc/self: a directory", "%s",
	      strerror(errno));
	check(stat("/proc/self/maps", &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0,
	      "stat /proc/self/maps: a regular file of size 0", "%s", strerror(errno));
	int dfd = open("/proc", O_RDONLY | O_DIRECTORY);
	check(dfd >= 0 && fstatat(dfd, "meminfo", &st, 0) == 0 && S_ISREG(st.st_mode),
	      "fstatat(/proc fd, \"meminfo\"): a regular file", "%s", strerror(errno));
	close(dfd);
	int r = open("/proc/nonexistent", O_RDONLY);
	check_errno(r, errno, ENOENT, "/proc/nonexistent is ENOENT");
	r = stat("/proc/meminfo/x", &st);
	check_errno(r, errno, ENOTDIR, "stat /proc/meminfo/x is ENOTDIR");
	if (on_faultline) {
		r = open("/proc/meminfo", O_WRONLY);
		check_errno(r, errno, EACCES, "open /proc/meminfo for writing: EACCES");
		r = open("/proc/self/maps", O_RDWR);
		check_errno(r, errno, EACCES, "open /proc/self/maps for writing: EACCES");
	} else {
		check_skip("open /proc/meminfo for writing: EACCES", "Linux lets root open it");
	}
}

/* Write s to /proc/mm_lock: 0 or the errno. */
static int set_mm_lock(const char *s)
{
	int fd = open("/proc/mm_lock", O_WRONLY);
	if (fd < 0)
		return errno;
	int r = write(fd, s, strlen(s)) == (ssize_t)strlen(s) ? 0 : errno;
	close(fd);
	return r;
}

/* /proc/mm_lock names the lock mode, and writing another switches faults
 * to it at once; a name that is no mode is EINVAL. */
static void check_mm_lock(void)
{
	if (!on_faultline) {
		check_skip("/proc/mm_lock switches the lock mode", "no /proc/mm_lock (Linux)");
		return;
	}
	char buf[32];
	long n = read_file("/proc/mm_lock", buf, sizeof(buf));
	const char *mode = mm_lock_mode();
	check(n > 0 && !strncmp(buf, mode, strlen(mode)) && buf[strlen(mode)] == '\n', "/proc/mm_lock names the mode",
	      "'%.*s', faults say %s", n > 0 ? (int)n : 0, buf, mode);
	const char *other = strcmp(mode, "vma") ? "vma" : "global";
	check(set_mm_lock(other) == 0, "write the other mode to /proc/mm_lock", "%s", strerror(errno));
	check(!strcmp(mm_lock_mode(), other), "faults now take the other mode's path", "%s", mm_lock_mode());
	check_eq(set_mm_lock("bogus\n"), EINVAL, "an unknown mode is EINVAL");
	check(set_mm_lock(mode) == 0 && !strcmp(mm_lock_mode(), mode), "and back", "%s", mm_lock_mode());
	/* its mode bits say it is writable, and access() agrees (root, as
	 * on Linux: W_OK passes even on the read-only files; X_OK does not) */
	struct stat st;
	check(stat("/proc/mm_lock", &st) == 0 && (st.st_mode & 07777) == 0644, "/proc/mm_lock is mode 0644",
	      "%o", (unsigned)st.st_mode);
	check(stat("/proc/meminfo", &st) == 0 && (st.st_mode & 07777) == 0444, "/proc/meminfo is mode 0444",
	      "%o", (unsigned)st.st_mode);
	check(access("/proc/mm_lock", W_OK) == 0, "access(/proc/mm_lock, W_OK) is 0", "%s", strerror(errno));
	check(access("/proc/meminfo", R_OK | W_OK) == 0, "access(/proc/meminfo, R_OK|W_OK) is 0 for root",
	      "%s", strerror(errno));
	long r = access("/proc/meminfo", X_OK);
	check_errno(r, errno, EACCES, "access(/proc/meminfo, X_OK) is EACCES");
	check(access("/proc", X_OK) == 0, "access(/proc, X_OK) is 0", "%s", strerror(errno));
}

/* Two threads that only map and unmap: mmap_lock for write, back to back. */
static atomic_int churn_stop;
static void *churner(void *arg)
{
	(void)arg;
	while (!atomic_load(&churn_stop)) {
		void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p != MAP_FAILED)
			munmap(p, 4096);
	}
	return NULL;
}

/* The text after `name ` on the line of /proc file `path` that starts
 * with it (a lockstat class, a slabinfo cache), or NULL. */
static const char *proc_row(const char *path, const char *name)
{
	static char buf[32768];
	long n = read_file(path, buf, sizeof(buf));
	size_t l = strlen(name);
	for (char *line = buf; n > 0 && line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
		if (!strncmp(line, name, l) && line[l] == ' ')
			return line + l;
	return NULL;
}

static bool lockstat_has(const char *name) { return proc_row("/proc/lockstat", name) != NULL; }

/* /proc/lockstat: a header, a row for mmap_lock once threads contend for
 * it, gone after "0" is written; anything else is EINVAL. */
static void check_lockstat(void)
{
	if (!on_faultline) {
		check_skip("/proc/lockstat counts mmap_lock waits", "no /proc/lockstat (Linux has /proc/lock_stat)");
		return;
	}
	char buf[256];
	long n = read_file("/proc/lockstat", buf, sizeof(buf));
	check(n > 0 && !strncmp(buf, "class", 5) && strstr(buf, "wait-total-us"), "/proc/lockstat has its header",
	      "'%.60s'", n > 0 ? buf : "");
	int fd = open("/proc/lockstat", O_WRONLY);
	check(fd >= 0 && write(fd, "1", 1) < 0 && errno == EINVAL, "writing 1 to /proc/lockstat is EINVAL", "%s",
	      strerror(errno));
	if (fd >= 0)
		close(fd);
	cpu_set_t set;
	sched_getaffinity(0, sizeof(set), &set);
	if (CPU_COUNT(&set) < 2) {
		check_skip("two threads mapping at once show up as mmap_lock waits", "needs 2 CPUs");
		return;
	}
	pthread_t th[2];
	for (int i = 0; i < 2; i++)
		pthread_create(&th[i], NULL, churner, NULL);
	bool seen = false;
	for (int i = 0; i < 200 && !(seen = lockstat_has("mmap_lock")); i++)
		usleep(10000);
	atomic_store(&churn_stop, 1);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	check(seen, "two threads mapping at once show up as mmap_lock waits", "no mmap_lock row in 2 s");
	fd = open("/proc/lockstat", O_WRONLY);
	check(fd >= 0 && write(fd, "0\n", 2) == 2, "write 0 to /proc/lockstat", "%s", strerror(errno));
	if (fd >= 0)
		close(fd);
	check(!lockstat_has("mmap_lock"), "and the mmap_lock row is gone", "still there");
}

/* /proc/slabinfo: Linux's 2.1 header, and a kmalloc cache whose active
 * count follows what the kernel allocates (pipes take kmalloc objects). */
static long slab_active(const char *cache)
{
	const char *row = proc_row("/proc/slabinfo", cache);
	return row ? strtol(row, NULL, 10) : -1;
}

static void check_slabinfo(void)
{
	if (!on_faultline) {
		check_skip("/proc/slabinfo in Linux's 2.1 format", "Linux's needs root");
		return;
	}
	char buf[256];
	long n = read_file("/proc/slabinfo", buf, sizeof(buf));
	static const char head[] = "slabinfo - version: 2.1\n# name";
	check(n > 0 && !strncmp(buf, head, sizeof(head) - 1), "/proc/slabinfo in Linux's 2.1 format",
	      "'%.40s'", n > 0 ? buf : "");
	/* Objects the pipes hold: the count with them open less the count once
	 * they are closed.  (Not "before and with": deferred frees of earlier
	 * work - this test's threads, the program before it in a batch - may
	 * still be running down the counts meanwhile; they only add here.) */
	long total1 = 0, total2 = 0;
	const char *caches[] = { "kmalloc-32", "kmalloc-64", "kmalloc-128", "kmalloc-256", "kmalloc-512", "kmalloc-1024" };
	int fds[64][2];
	for (int i = 0; i < 64; i++)
		if (pipe(fds[i]))
			fds[i][0] = fds[i][1] = -1;
	for (size_t i = 0; i < sizeof(caches) / sizeof(caches[0]); i++)
		total1 += slab_active(caches[i]) > 0 ? slab_active(caches[i]) : 0;
	for (int i = 0; i < 64; i++) {
		close(fds[i][0]);
		close(fds[i][1]);
	}
	for (size_t i = 0; i < sizeof(caches) / sizeof(caches[0]); i++)
		total2 += slab_active(caches[i]) > 0 ? slab_active(caches[i]) : 0;
	check(total1 >= total2 + 64, "64 open pipes hold at least 64 kmalloc objects", "%ld with them, %ld after closing",
	      total1, total2);
}

int main(void)
{
	on_faultline = access("/proc/mmstat", R_OK) == 0;
	check_maps();
	check_meminfo();
	check_mmstat();
	check_mm_lock();
	check_lockstat();
	check_slabinfo();
	check_dirs();
	return check_done();
}
