/* check.c - the test harness behind check.h: one write(2) per output line,
 * a global failure count updated atomically (checks may run in any thread),
 * and the spawn/wait/time helpers the tests share.
 */
#define _GNU_SOURCE
#include "check.h"
#include <sched.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static int nr_failed; /* updated with __atomic builtins */

/* Format a line and write it in one call; the line is cut at 511 bytes. */
static void emit(const char *prefix, const char *desc, const char *sep, const char *fmt, va_list ap)
{
	char line[512];
	int n = snprintf(line, sizeof(line), "%s%s%s", prefix, desc, sep);

	if (n < 0)
		return;
	if (fmt && (size_t)n < sizeof(line))
		n += vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	if ((size_t)n >= sizeof(line) - 1)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	for (int off = 0; off < n;) {
		ssize_t w = write(1, line + off, n - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		off += w;
	}
}

bool check(bool cond, const char *desc, const char *detail_fmt, ...)
{
	va_list ap;

	va_start(ap, detail_fmt);
	if (cond) {
		emit("ok - ", desc, "", NULL, ap);
	} else {
		__atomic_add_fetch(&nr_failed, 1, __ATOMIC_RELAXED);
		emit("not ok - ", desc, ": ", detail_fmt, ap);
	}
	va_end(ap);
	return cond;
}

bool check_eq(long long got, long long want, const char *desc)
{
	return check(got == want, desc, "got %lld, want %lld", got, want);
}

bool check_errno(long ret, int saved_errno, int err, const char *desc)
{
	return check(ret == -1 && saved_errno == err, desc, "returned %ld, errno %d (%s), want -1 errno %d (%s)", ret,
		     saved_errno, strerror(saved_errno), err, strerror(err));
}

void check_skip(const char *desc, const char *reason)
{
	char buf[256];

	snprintf(buf, sizeof(buf), "%s # SKIP %s", desc, reason);
	check(true, buf, NULL);
}

void check_note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit("# ", "", "", fmt, ap);
	va_end(ap);
}

int check_done(void)
{
	int failed = __atomic_load_n(&nr_failed, __ATOMIC_RELAXED);

	write(1, failed ? "FAIL\n" : "PASS\n", 5);
	return failed ? 1 : 0;
}

int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

pid_t spawn_self(const char *self, char *const args[])
{
	char *argv[16];
	int n = 0;
	pid_t pid;

	argv[n++] = (char *)self;
	for (int i = 0; args && args[i] && n < 15; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	int err = posix_spawn(&pid, self, NULL, NULL, argv, environ);
	if (err) {
		errno = err;
		return -1;
	}
	return pid;
}

pid_t wait_child(pid_t pid, int *status)
{
	pid_t r;

	do
		r = wait4(pid, status, 0, NULL);
	while (r < 0 && errno == EINTR);
	return r;
}

const char *status_str(int status, char *buf, size_t len)
{
	if (WIFEXITED(status))
		snprintf(buf, len, "exited %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "killed by signal %d (%s)", WTERMSIG(status), strsignal(WTERMSIG(status)));
	else
		snprintf(buf, len, "status 0x%x", status);
	return buf;
}

void no_core_dumps(void)
{
	struct rlimit rl = {0, 0};

	setrlimit(RLIMIT_CORE, &rl);
}

void catch_signal(int sig, void (*handler)(int, siginfo_t *, void *))
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = handler;
	sa.sa_flags = SA_SIGINFO;
	sigaction(sig, &sa, NULL);
}

long stat_of(const char *path, const char *key)
{
	static char buf[8192];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = 0;
	size_t kl = strlen(key);
	for (char *l = buf; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		if (!strncmp(l, key, kl) && (l[kl] == ' ' || l[kl] == ':'))
			return strtol(l + kl + 1, NULL, 10);
	return -1;
}

long mmstat(const char *key) { return stat_of("/proc/mmstat", key); }

const char *mm_lock_mode(void)
{
	long g = mmstat("fault_global"), v = mmstat("fault_vma"), s = mmstat("fault_spf"), r = mmstat("fault_range");
	char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (g < 0 || v < 0 || p == MAP_FAILED)
		return "unknown";
	*(volatile char *)p = 1;
	munmap(p, 4096);
	/* fault_spf counts every fault of mm.lock=spf, fallbacks included (a
	 * fresh region's first fault has no page table yet: it falls back) */
	if (s >= 0 && mmstat("fault_spf") > s)
		return "spf";
	if (r >= 0 && mmstat("fault_range") > r) /* (every fault of mm.lock=range, fallbacks too) */
		return "range";
	return mmstat("fault_vma") > v ? "vma" : mmstat("fault_global") > g ? "global" : "unknown";
}

void pin_to_nth_cpu(int id)
{
	cpu_set_t all, one;
	if (sched_getaffinity(0, sizeof(all), &all))
		return;
	int ncpu = CPU_COUNT(&all), k = 0;
	CPU_ZERO(&one);
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &all) && k++ == id % ncpu)
			CPU_SET(c, &one);
	sched_setaffinity(0, sizeof(one), &one);
}
