/* oracle.h - helpers for the oracle tests (user/oracle/): programs that
 * print what they observe, run on the host Linux and on faultline, whose
 * outputs must be identical.  Print only what is the same on both: errno
 * names, relations between addresses, page contents. */
#pragma once
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/wait.h>

/* The errno's name ("EINVAL"), or its number. */
static inline const char *ename(int e)
{
	static const struct { int e; const char *n; } t[] = {
		{ 0, "OK" }, { EPERM, "EPERM" }, { ENOENT, "ENOENT" }, { ESRCH, "ESRCH" }, { EINTR, "EINTR" },
		{ EIO, "EIO" }, { EBADF, "EBADF" }, { EAGAIN, "EAGAIN" }, { ENOMEM, "ENOMEM" }, { EACCES, "EACCES" },
		{ EFAULT, "EFAULT" }, { EBUSY, "EBUSY" }, { EEXIST, "EEXIST" }, { ENODEV, "ENODEV" },
		{ ENOTDIR, "ENOTDIR" }, { EISDIR, "EISDIR" }, { EINVAL, "EINVAL" }, { ENOSPC, "ENOSPC" },
		{ ESPIPE, "ESPIPE" }, { EROFS, "EROFS" }, { ERANGE, "ERANGE" }, { ENOSYS, "ENOSYS" },
		{ EOVERFLOW, "EOVERFLOW" }, { EOPNOTSUPP, "EOPNOTSUPP" }, { ETXTBSY, "ETXTBSY" },
	};
	static char buf[16];
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (t[i].e == e)
			return t[i].n;
	snprintf(buf, sizeof(buf), "errno%d", e);
	return buf;
}

/* "0" or "-1 EINVAL" for a call returning 0 / -1 with errno. */
#define SHOW(expr)                                                                      \
	do {                                                                            \
		errno = 0;                                                              \
		long r_ = (long)(expr);                                                 \
		printf("%s = %ld %s\n", #expr, r_ < 0 ? -1L : r_, r_ < 0 ? ename(errno) : ""); \
	} while (0)

/* Where a mapping call put its result: "MAP_FAILED ENAME", "ok" (want
 * NULL: any place), "at the address" (== want) or "elsewhere". */
static inline const char *placed(void *p, void *want)
{
	static char buf[64];
	if (p == (void *)-1)
		snprintf(buf, sizeof(buf), "MAP_FAILED %s", ename(errno));
	else
		snprintf(buf, sizeof(buf), "%s", !want ? "ok" : p == want ? "at the address" : "elsewhere");
	return buf;
}

/* Catching SIGSEGV/SIGBUS: probe(addr, write) says what an access does. */
static sigjmp_buf probe_jb __attribute__((unused));
static volatile int probe_sig __attribute__((unused)), probe_code __attribute__((unused));
static void *volatile probe_addr __attribute__((unused));

static inline void probe_handler(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	probe_sig = sig;
	probe_code = si->si_code;
	probe_addr = si->si_addr;
	siglongjmp(probe_jb, 1);
}

static inline void probe_install(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = probe_handler;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
}

static inline const char *code_name(int sig, int code)
{
	if (sig == SIGSEGV && code == SEGV_MAPERR)
		return "SEGV_MAPERR";
	if (sig == SIGSEGV && code == SEGV_ACCERR)
		return "SEGV_ACCERR";
	if (sig == SIGBUS && code == BUS_ADRERR)
		return "BUS_ADRERR";
	static char buf[24];
	snprintf(buf, sizeof(buf), "code%d", code);
	return buf;
}

/* Read (or write) one byte at p: "ok (value)" or the signal it raised. */
static inline void probe(const char *what, volatile char *p, int write)
{
	probe_install();
	if (sigsetjmp(probe_jb, 1) == 0) {
		int v;
		if (write) {
			*p = 0x5a;
			v = *p;
		} else {
			v = *p;
		}
		printf("%s: ok (%d)\n", what, v);
	} else {
		printf("%s: %s %s, si_addr %s\n", what, probe_sig == SIGSEGV ? "SIGSEGV" : probe_sig == SIGBUS ? "SIGBUS" : "signal",
		       code_name(probe_sig, probe_code), probe_addr == (void *)p ? "exact" : "WRONG");
	}
}

/* /proc/self/maps, whole, into buf (NUL-terminated): false if it cannot
 * be opened. */
static inline bool read_self_maps(char *buf, size_t size)
{
	int fd = open("/proc/self/maps", O_RDONLY);
	if (fd < 0)
		return false;
	size_t n = 0;
	ssize_t r;
	while (n < size - 1 && (r = read(fd, buf + n, size - 1 - n)) > 0)
		n += (size_t)r;
	close(fd);
	buf[n] = 0;
	return true;
}

/* Print the /proc/self/maps lines whose start lies in [lo, hi), each
 * prefixed with tag: the oracle tests' own fixed regions. */
static inline void show_maps(const char *tag, unsigned long lo, unsigned long hi)
{
	static char buf[65536];
	if (!read_self_maps(buf, sizeof(buf))) {
		printf("%s: cannot open /proc/self/maps\n", tag);
		return;
	}
	int any = 0;
	for (char *l = buf, *e; *l; l = e + 1) {
		e = strchr(l, '\n');
		if (!e)
			break;
		*e = 0;
		unsigned long start = strtoul(l, NULL, 16);
		if (start >= lo && start < hi) {
			printf("%s: %s\n", tag, l);
			any = 1;
		}
	}
	if (!any)
		printf("%s: (none)\n", tag);
}

/* Fill page i of p (4 KiB pages) with byte c. */
static inline void fill_page(char *p, int i, char c) { memset(p + (size_t)i * 4096, c, 4096); }

/* "who: LETTERS": one letter per page of the n at p - the page's byte when
 * all of its bytes are the same, '0' for zeros, '?' for a mixed page. */
static inline void show_pages(const char *who, const char *p, int n)
{
	char s[65];
	if (n > 64)
		n = 64;
	for (int i = 0; i < n; i++) {
		const char *pg = p + (size_t)i * 4096;
		char c = pg[0];
		for (int j = 1; j < 4096; j++)
			if (pg[j] != c) {
				c = '?';
				break;
			}
		s[i] = c == 0 ? '0' : c;
	}
	s[n] = 0;
	printf("%s: %s\n", who, s);
	fflush(stdout);
}

/* Wait for child pid: its exit status, 128 + the signal that killed it, or
 * -1. */
static inline int wait_status(pid_t pid)
{
	int st;
	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
