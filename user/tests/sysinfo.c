/* sysinfo.c - the small system calls: ids, uname, the working directory,
 * getrandom, the clocks, CPU affinity and getcpu, prlimit64, brk, ENOSYS,
 * open/pipe2/dup2/lseek/fstat.  Checks that depend on the initramfs layout
 * (/tests, /etc/motd, cwd "/" at start) are skipped when run elsewhere.
 * When the test runs as process 1 (init=), getppid() must be 0, as on Linux.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

static bool in_initramfs; /* /tests exists: we run on faultline's initramfs */

static void *gettid_thread(void *arg)
{
	pid_t *ids = arg;

	ids[0] = getpid();
	ids[1] = gettid();
	return NULL;
}

static void check_ids(void)
{
	pid_t ids[2] = {0, 0};
	pthread_t t;
	struct utsname u;

	check_eq(gettid(), getpid(), "gettid() == getpid() in the main thread");
	if (check(pthread_create(&t, NULL, gettid_thread, ids) == 0, "create a thread", "pthread_create failed")) {
		pthread_join(t, NULL);
		check(ids[0] == getpid() && ids[1] != getpid() && ids[1] > 0, "a thread has the same pid, its own tid",
		      "pid %d tid %d, main pid %d", ids[0], ids[1], getpid());
	}
	if (getpid() == 1)
		check_eq(getppid(), 0, "getppid() is 0 for process 1");
	else
		check(getppid() > 0, "getppid() > 0", "got %d", getppid());
	getuid(); /* cannot fail; on faultline everybody is root */
	if (check(uname(&u) == 0 && u.sysname[0], "uname gives a sysname", "%s", strerror(errno)))
		check_note("uname: %s %s %s", u.sysname, u.release, u.machine);
}

static void check_cwd(void)
{
	char buf[256];

	if (in_initramfs)
		check(getcwd(buf, sizeof(buf)) && strcmp(buf, "/") == 0, "getcwd() is / at start", "got %s",
		      getcwd(buf, sizeof(buf)) ? buf : strerror(errno));
	else
		check_skip("getcwd() is / at start", "not in initramfs");
	check(chdir("/") == 0 && getcwd(buf, sizeof(buf)) && strcmp(buf, "/") == 0, "chdir(\"/\"), getcwd() is /",
	      "got %s", buf);
	if (in_initramfs)
		check(chdir("/tests") == 0 && getcwd(buf, sizeof(buf)) && strcmp(buf, "/tests") == 0,
		      "chdir(\"/tests\"), getcwd() is /tests", "%s", strerror(errno));
	else
		check_skip("chdir(\"/tests\"), getcwd() is /tests", "not in initramfs");
	int r = chdir("/no/such/dir");
	check_errno(r, errno, ENOENT, "chdir to a missing directory fails with ENOENT");
}

static void check_time_random(void)
{
	unsigned char rnd[32];
	struct timespec a, b;
	struct timeval tv;
	int zeros = 0, backwards = 0;

	memset(rnd, 0, sizeof(rnd));
	check_eq(getrandom(rnd, sizeof(rnd), 0), sizeof(rnd), "getrandom returns 32 bytes");
	for (size_t i = 0; i < sizeof(rnd); i++)
		zeros += rnd[i] == 0;
	check(zeros < (int)sizeof(rnd), "getrandom bytes are not all zero", "all zero");

	clock_gettime(CLOCK_MONOTONIC, &a);
	for (int i = 0; i < 1000; i++) {
		clock_gettime(CLOCK_MONOTONIC, &b);
		backwards += b.tv_sec < a.tv_sec || (b.tv_sec == a.tv_sec && b.tv_nsec < a.tv_nsec);
		a = b;
	}
	check(!backwards, "CLOCK_MONOTONIC never goes backwards", "%d steps back", backwards);
	check(gettimeofday(&tv, NULL) == 0 && tv.tv_usec >= 0 && tv.tv_usec < 1000000, "gettimeofday works", "usec %ld",
	      (long)tv.tv_usec);
}

static void check_cpus(void)
{
	cpu_set_t set, one, now;
	unsigned int cpu = ~0u, node;
	int bad = 0, tried = 0;

	CPU_ZERO(&set);
	if (!check(sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0,
		   "sched_getaffinity gives at least one CPU", "%s", strerror(errno)))
		return;
	check_note("%d CPU(s) allowed", CPU_COUNT(&set));
	check(syscall(SYS_getcpu, &cpu, &node, NULL) == 0 && cpu < CPU_SETSIZE && CPU_ISSET(cpu, &set),
	      "getcpu gives a CPU in the affinity set", "cpu %u", cpu);
	/* Move to every allowed CPU in turn (at most 8), from the last one down. */
	for (int c = CPU_SETSIZE - 1; c >= 0 && tried < 8; c--) {
		if (!CPU_ISSET(c, &set))
			continue;
		tried++;
		CPU_ZERO(&one);
		CPU_SET(c, &one);
		cpu = ~0u;
		if (sched_setaffinity(0, sizeof(one), &one) || syscall(SYS_getcpu, &cpu, &node, NULL) ||
		    cpu != (unsigned int)c || sched_getaffinity(0, sizeof(now), &now) || !CPU_EQUAL(&now, &one)) {
			check_note("pinned to CPU %d, getcpu says %u", c, cpu);
			bad++;
		}
	}
	check(!bad, "sched_setaffinity to one CPU, getcpu returns it", "%d of %d CPUs wrong", bad, tried);
	check(sched_setaffinity(0, sizeof(set), &set) == 0, "restore the affinity", "%s", strerror(errno));
}

static void check_limits_brk(void)
{
	struct rlimit rl = {0, 0};
	long nosys;

	check(syscall(SYS_prlimit64, 0, RLIMIT_STACK, NULL, &rl) == 0 && rl.rlim_cur > 0, "prlimit64 gets RLIMIT_STACK",
	      "%s", strerror(errno));

	uintptr_t cur = syscall(SYS_brk, 0), grown = syscall(SYS_brk, cur + 65536);
	if (check(cur && grown == cur + 65536, "brk grows by 64 KiB", "brk(0) %#lx, grown to %#lx", (long)cur,
		  (long)grown)) {
		memset((void *)cur, 0x5a, 65536);
		check_eq(syscall(SYS_brk, cur), cur, "brk shrinks back");
		grown = syscall(SYS_brk, cur + 65536);
		long nonzero = 0;
		for (uintptr_t p = (cur + 4095) & ~4095UL; p < cur + 65536; p++)
			nonzero += *(unsigned char *)p != 0;
		check(grown == cur + 65536 && !nonzero, "brk grows again with zeroed pages", "%ld non-zero bytes",
		      nonzero);
		syscall(SYS_brk, cur);
	}
	errno = 0;
	nosys = syscall(1000);
	check_errno(nosys, errno, ENOSYS, "syscall 1000 fails with ENOSYS");
}

static void check_files(const char *self)
{
	int fds[2], fd;
	char buf[8192];
	struct stat st;

	fd = open("/no/such/file", O_RDONLY);
	check_errno(fd, errno, ENOENT, "open of a missing file fails with ENOENT");
	if (check(pipe2(fds, O_CLOEXEC) == 0, "pipe2", "%s", strerror(errno))) {
		check(write(fds[1], "hello", 5) == 5 && read(fds[0], buf, sizeof(buf)) == 5 &&
			  memcmp(buf, "hello", 5) == 0,
		      "pipe2: write then read gives the same bytes", "mismatch");
		check(dup2(fds[1], 10) == 10 && write(10, "dup", 3) == 3 && read(fds[0], buf, sizeof(buf)) == 3 &&
			  memcmp(buf, "dup", 3) == 0,
		      "dup2 to fd 10 writes into the same pipe", "%s", strerror(errno));
		close(10);
		close(fds[0]);
		close(fds[1]);
	}

	fd = open(self, O_RDONLY | O_CLOEXEC);
	if (check(fd >= 0 && fstat(fd, &st) == 0, "open and fstat our own binary", "%s: %s", self, strerror(errno))) {
		check_eq(lseek(fd, 0, SEEK_END), st.st_size, "lseek SEEK_END gives st_size");
		check(lseek(fd, 1, SEEK_SET) == 1 && read(fd, buf, 3) == 3 && memcmp(buf, "ELF", 3) == 0,
		      "lseek to 1, read gives \"ELF\"", "mismatch");
		check_eq(lseek(fd, -1, SEEK_CUR), 3, "lseek SEEK_CUR -1");
		close(fd);
	}

	fd = open("/etc/motd", O_RDONLY | O_CLOEXEC);
	if (fd < 0 && !in_initramfs) {
		check_skip("fstat size of /etc/motd matches what read returns", "not in initramfs");
		return;
	}
	ssize_t n, total = 0;
	while (fd >= 0 && (n = read(fd, buf, 100)) > 0)
		total += n;
	check(fd >= 0 && fstat(fd, &st) == 0 && st.st_size == total && S_ISREG(st.st_mode),
	      "fstat size of /etc/motd matches what read returns", "read %zd bytes, st_size %lld", total,
	      (long long)st.st_size);
	close(fd);
}

int main(int argc, char **argv)
{
	struct stat st;

	(void)argc;
	in_initramfs = stat("/tests", &st) == 0 && S_ISDIR(st.st_mode);
	check_limits_brk(); /* first, before anything else moves the break */
	check_ids();
	check_time_random();
	check_cpus();
	check_files(argv[0]);
	check_cwd();
	return check_done();
}
