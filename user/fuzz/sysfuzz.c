/* sysfuzz.c - a system-call fuzzer in the spirit of trinity: every system
 * call faultline implements (README "System calls"), called with random,
 * boundary and hostile arguments - NULL, NULL-page, kernel-half,
 * non-canonical, PROT_NONE, read-only and misaligned pointers, unterminated
 * and overlong paths, huge and negative lengths, negative, closed and
 * reused fds, random flags, signal numbers and clock ids - from several
 * threads (threads=N, default 4) in several processes (procs=N, default 2).
 *
 * The calls that would end the fuzzer or the machine are contained: exit,
 * exit_group, execve, rt_sigreturn, set_tid_address, ARCH_SET_FS, fatal
 * signals to itself, random signal handlers and masks, brk below the start,
 * munmap of its own text and stack run in a forked child whose death is
 * expected ("burst" children also run every call with no restriction for a
 * short while); mm calls stay in the window of fuzzlib.h; reboot never gets
 * both magic numbers right; sleeps, futex waits and poll are bounded; every
 * fd the fuzzer opens is non-blocking (so no call can block forever: a
 * faultline sleep ends only on a kill).
 *
 * Sanity checks (a failure prints the last 32 calls of every thread):
 * no unexpected signal; a buffer at a kernel, non-canonical, NULL-page or
 * PROT_NONE address, or a read-only page the kernel must write, never
 * succeeds; no call writes past the length it was given (a canary page
 * after each thread's scratch buffer) or into a read-only page; no
 * implemented call returns -ENOSYS.
 *
 * Usage: sysfuzz [seconds=N] [threads=N] [seed=N] [procs=N]; prints
 * "fuzz sysfuzz calls=N seconds=S seed=X" and PASS.  A seed makes each
 * thread's sequence of calls and arguments reproducible.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include "fuzzlib.h"

#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
#endif
#define SCRATCH 4096 /* the bytes of page 0 a call may write: page 1 holds the structs */
#define CANARY_BYTE 0xc3
#define RO_BYTE 0x5a
#define CHILD_REPORT 99 /* a child's exit status when its sanity check failed */

static long procs = 2;
static int want_stats; /* stats=1 */
static int64_t deadline;
static char *ro_page;     /* PROT_READ, RO_BYTE (also the unterminated string) */
static char *none_page;   /* PROT_NONE, right after ro_page */
static unsigned long brk0;
static void *sa_restorer_fn; /* musl's signal return trampoline */
static char *self_path;
static const char *only; /* FUZZ_ONLY=name,name: only these calls (debugging the fuzzer) */
static volatile int in_child; /* a forked child: signals are expected */

/* Pointer classes: what the kernel must make of them.  C_BADK (kernel
 * half, non-canonical) fails every access check; C_BAD (also the NULL
 * page, PROT_NONE, a read-only page written) faults when the call copies
 * - /dev/null's write, for one, never looks at its buffer. */
enum { C_OK, C_WIN, C_NULL, C_BAD, C_BADK };

struct sys_priv {
	char *scratch; /* page 0: buffers the kernel writes; page 1: structs it reads; page 2: canary */
	pid_t last_child;
};

static bool parse_extra(const char *arg, long v)
{
	if (!strncmp(arg, "stats=", 6)) {
		want_stats = (int)v;
		return true;
	}
	if (strncmp(arg, "procs=", 6))
		return false;
	procs = v < 1 ? 1 : v > 8 ? 8 : v;
	return true;
}

static void check_pages(struct fuzz_thread *t)
{
	struct sys_priv *p = t->priv;
	const unsigned char *c = (const unsigned char *)p->scratch + 2 * PAGE;
	for (unsigned long i = 0; i < PAGE; i += 8)
		if (c[i] != CANARY_BYTE || c[i + 7] != CANARY_BYTE)
			fuzz_fail("a call wrote past its buffer into the canary page (offset %lu)", i);
	for (unsigned long i = 0; i < PAGE; i += 64)
		if (ro_page[i] != RO_BYTE)
			fuzz_fail("the read-only page changed at offset %lu", i);
}

/* ---- argument generators ---- */
static inline uint64_t *R(struct fuzz_thread *t) { return &t->rng; }
static inline char *S0(struct fuzz_thread *t) { return ((struct sys_priv *)t->priv)->scratch; }
static inline char *S1(struct fuzz_thread *t) { return ((struct sys_priv *)t->priv)->scratch + PAGE; }

/* A buffer the kernel writes (out=true) or reads, and a length for it. */
static unsigned long ubuf(struct fuzz_thread *t, bool out, int *cls, unsigned long *len)
{
	uint64_t *r = R(t);
	unsigned long a, off;
	switch (rnd_below(r, 10)) {
	case 0: case 1: case 2: /* scratch: the length keeps it in page 0 */
		off = rnd_below(r, 64);
		a = (unsigned long)S0(t) + off;
		*cls = C_OK;
		*len = one_in(r, 4) ? 0 : 1 + rnd_below(r, SCRATCH - off);
		return a;
	case 3:
		*cls = C_WIN;
		a = win_addr(r);
		break;
	case 4:
		*cls = C_BADK;
		a = bad_addrs[rnd_below(r, NBAD)];
		break;
	case 5:
		*cls = C_BAD;
		a = 1 + rnd_below(r, PAGE - 1);
		break;
	case 6:
		*cls = C_NULL;
		a = 0;
		break;
	case 7:
		*cls = C_BAD;
		a = (unsigned long)none_page + rnd_below(r, PAGE);
		break;
	default: /* the read-only page: fine to read, must fault to write */
		off = rnd_below(r, PAGE);
		*cls = out ? C_BAD : C_OK;
		a = (unsigned long)ro_page + off;
		*len = one_in(r, 2) ? PAGE - off : evil_len(r);
		return a;
	}
	*len = one_in(r, 2) ? evil_len(r) : rnd_below(r, 3 * PAGE);
	return a;
}
/* A pointer to a structure of size n the kernel writes or reads (a C_OK
 * pointer has n bytes of scratch behind it, filled with random bytes). */
static unsigned long uptr(struct fuzz_thread *t, bool out, unsigned long n, int *cls)
{
	unsigned long len, a = ubuf(t, out, cls, &len);
	if (*cls == C_OK && a >= (unsigned long)ro_page && a < (unsigned long)ro_page + PAGE)
		return a; /* read-only: read, never written */
	if (*cls == C_OK) {
		a = (unsigned long)S0(t) + rnd_below(R(t), 4) * 8;
		if (!out) {
			a = (unsigned long)S1(t) + rnd_below(R(t), 4) * 8;
			for (unsigned long i = 0; i < n && i + 8 <= PAGE - 32; i += 8) {
				uint64_t v = rnd(R(t));
				memcpy((char *)a + i, &v, 8);
			}
		}
	}
	(void)n;
	return a;
}
static bool bad(int cls) { return cls == C_BAD || cls == C_BADK; }
static bool kbad(int cls) { return cls == C_BADK; }

static const char *const paths[] = {
	"/", "/etc/motd", "/etc", "/etc/", "/bin/sh", "/bin", "/init", "/tests", "/proc", "/proc/self/maps",
	"/proc/meminfo", "/dev/null", "/nonexistent", "/etc/motd/", "//etc///motd", "/dev/null/x", "", ".", "..",
	"etc/motd", "/../../etc/motd", "/proc/self", "/fuzz",
};
#define NPATHS (sizeof(paths) / sizeof(paths[0]))

/* A path: a real one, an overlong one, an unterminated one running into
 * PROT_NONE, or a hostile pointer. */
static unsigned long upath(struct fuzz_thread *t, int *cls)
{
	uint64_t *r = R(t);
	*cls = C_OK;
	switch (rnd_below(r, 8)) {
	case 0: { /* overlong: PATH_MAX and more */
		char *s = S1(t) + 64;
		unsigned long n = one_in(r, 2) ? 4095 + rnd_below(r, 3) : 256 + rnd_below(r, 3000);
		if (n > PAGE - 65)
			n = PAGE - 65;
		for (unsigned long i = 0; i < n; i++)
			s[i] = (i % 16 == 0) ? '/' : 'a';
		s[n] = 0;
		return (unsigned long)s;
	}
	case 1: /* unterminated, into the PROT_NONE page */
		*cls = C_BAD;
		return (unsigned long)ro_page + PAGE - 1 - rnd_below(r, 64);
	case 2: {
		unsigned long len;
		return ubuf(t, false, cls, &len);
	}
	default: return (unsigned long)paths[rnd_below(r, NPATHS)];
	}
}

/* An fd: small numbers (any fd the fuzzer has), never 0-2, or hostile. */
static long ufd(struct fuzz_thread *t)
{
	uint64_t *r = R(t);
	switch (rnd_below(r, 8)) {
	case 0: return -1;
	case 1: { /* the kernel sees an int: 1 << 63 is fd 0 */
		long v = evil_int(r);
		return (int)v >= 0 && (int)v <= 2 ? -100 - (int)v : v;
	}
	case 2: return 1000 + rnd_below(r, 64); /* never open */
	default: return 3 + rnd_below(r, 40);
	}
}
static long usig(struct fuzz_thread *t) { return one_in(R(t), 8) ? evil_int(R(t)) : (long)rnd_below(R(t), 66); }
static long uflags(struct fuzz_thread *t)
{
	uint64_t *r = R(t);
	switch (rnd_below(r, 4)) {
	case 0: return 0;
	case 1: return evil_int(r);
	case 2: return 1L << rnd_below(r, 32);
	default: return (long)(rnd(r) & rnd(r) & 0xffffffff);
	}
}
/* A pid that is harmless to signal: one of ours, or none at all. */
static long upid_safe(struct fuzz_thread *t)
{
	struct sys_priv *p = t->priv;
	switch (rnd_below(R(t), 5)) {
	case 0: return p->last_child > 0 ? p->last_child : 0x3ffffff0;
	case 1: return 0x3ffffff0 + (long)rnd_below(R(t), 16); /* no such pid */
	case 2: return -0x3ffffff0;
	case 3: return (long)0x80000000UL; /* INT_MIN as an int */
	default: return -(long)(1 + rnd_below(R(t), 0x3fff0000)) - 0x40000000L;
	}
}
/* A pid to ask about (no signal): self, 0, parent, a child, none. */
static long upid_query(struct fuzz_thread *t)
{
	switch (rnd_below(R(t), 5)) {
	case 0: return 0;
	case 1: return getpid();
	case 2: return getppid();
	case 3: return t->tid;
	default: return upid_safe(t);
	}
}

/* A timespec for a sleep: short, or invalid, or a hostile pointer. */
static unsigned long utimespec(struct fuzz_thread *t, int *cls, bool allow_bad)
{
	uint64_t *r = R(t);
	long *ts = (long *)(S1(t) + 512);
	*cls = C_OK;
	switch (rnd_below(r, allow_bad ? 6 : 3)) {
	case 0: ts[0] = 0; ts[1] = (long)rnd_below(r, 2000000); break;
	case 1: ts[0] = 0; ts[1] = 0; break;
	case 2: ts[0] = -1 - (long)rnd_below(r, 10); ts[1] = 0; break; /* negative: EINVAL, or already past */
	case 3: ts[0] = 0; ts[1] = one_in(r, 2) ? 1000000000L : -1; break; /* EINVAL */
	case 4: *cls = C_BAD; return bad_addrs[rnd_below(r, NBAD)];
	default: *cls = C_BAD; return (unsigned long)none_page;
	}
	return (unsigned long)ts;
}

/* ---- calls ---- */
struct sys {
	const char *name;
	long nr;
	void (*fn)(struct fuzz_thread *t, const struct sys *s);
	int danger; /* 1: only in a forked child (its death is expected) */
};

/* stats=1: what each call returned (process 0), for docs/robustness.md. */
#define NERR 134
static uint32_t stats[128][NERR + 1]; /* [entry][0: success, e: -e] */
static const struct sys table[];
static const char *errname(int e)
{
	static char buf[16];
	switch (e) {
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case ESRCH: return "ESRCH";
	case EINTR: return "EINTR";
	case E2BIG: return "E2BIG";
	case ENOEXEC: return "ENOEXEC";
	case EBADF: return "EBADF";
	case ECHILD: return "ECHILD";
	case EAGAIN: return "EAGAIN";
	case ENOMEM: return "ENOMEM";
	case EACCES: return "EACCES";
	case EFAULT: return "EFAULT";
	case EEXIST: return "EEXIST";
	case ENOTDIR: return "ENOTDIR";
	case EISDIR: return "EISDIR";
	case EINVAL: return "EINVAL";
	case EMFILE: return "EMFILE";
	case ENOTTY: return "ENOTTY";
	case ESPIPE: return "ESPIPE";
	case EROFS: return "EROFS";
	case EPIPE: return "EPIPE";
	case ERANGE: return "ERANGE";
	case ENAMETOOLONG: return "ENAMETOOLONG";
	case ENOSYS: return "ENOSYS";
	case ENODEV: return "ENODEV";
	case ETIMEDOUT: return "ETIMEDOUT";
	case EOVERFLOW: return "EOVERFLOW";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case ELOOP: return "ELOOP";
	case EXDEV: return "EXDEV";
	case EBUSY: return "EBUSY";
	case ENXIO: return "ENXIO";
	case ENOPKG: return "ENOPKG";
	case EDEADLK: return "EDEADLK";
	default: snprintf(buf, sizeof(buf), "E%d", e); return buf;
	}
}
static void stat_count(const struct sys *s, long ret)
{
	if (!want_stats)
		return;
	long e = ret >= 0 ? 0 : -ret <= NERR ? -ret : NERR;
	__atomic_fetch_add(&stats[s - table][e], 1, __ATOMIC_RELAXED);
}

/* Make the call and apply the generic checks. */
static long call(struct fuzz_thread *t, const struct sys *s, long a0, long a1, long a2, long a3, long a4, long a5)
{
	long ret = fcall(t, s->name, s->nr, a0, a1, a2, a3, a4, a5);
	stat_count(s, ret);
	if (ret == -ENOSYS && s->nr != SYS_futex)
		fuzz_fail("%s returned -ENOSYS", s->name);
	check_pages(t);
	return ret;
}
#define CALL(...) call(t, s, __VA_ARGS__)
#define MUST_FAULT_IF(cond, what)                                                                                      \
	do {                                                                                                           \
		if (cond)                                                                                              \
			fuzz_fail("%s: %s (returned %ld)", s->name, what, ret);                                        \
	} while (0)

/* Close an fd a call made, if the table is filling up (keep the numbers small). */
static void maybe_close(struct fuzz_thread *t, long fd)
{
	if (fd >= 3 && (fd > 40 || one_in(R(t), 2)))
		fcall(t, "close(made)", SYS_close, fd, 0, 0, 0, 0, 0);
}

static void f_rw(struct fuzz_thread *t, const struct sys *s)
{
	bool out = s->nr == SYS_read || s->nr == SYS_pread64 || s->nr == SYS_getdents64;
	int cls;
	unsigned long len, buf = ubuf(t, out, &cls, &len);
	long off = one_in(R(t), 2) ? (long)rnd_below(R(t), 8192) : evil_int(R(t));
	long ret = CALL(ufd(t), (long)buf, (long)len, off, 0, 0);
	MUST_FAULT_IF((out ? bad(cls) : kbad(cls)) && len && ret > 0, "a bad buffer moved data");
}

static void f_rwv(struct fuzz_thread *t, const struct sys *s)
{
	bool out = s->nr == SYS_readv;
	struct iovec *iov = (struct iovec *)(S1(t) + 1024);
	long n = one_in(R(t), 8) ? evil_int(R(t)) : (long)rnd_below(R(t), 9);
	bool any_bad = false, any_len = false;
	for (long i = 0; i < 8; i++) {
		int cls;
		unsigned long len, b = ubuf(t, out, &cls, &len);
		iov[i].iov_base = (void *)b;
		iov[i].iov_len = len;
		if (i < n) {
			any_bad |= kbad(cls) && len; /* a user address may give a short count */
			any_len |= len != 0;
		}
	}
	int cls = C_OK;
	unsigned long v = (unsigned long)iov;
	if (one_in(R(t), 6))
		v = uptr(t, false, 0, &cls);
	if (n > 8 && v == (unsigned long)iov) /* what lies past the 8 entries is no iovec */
		v = win_addr(R(t)), cls = C_WIN;
	long ret = CALL(ufd(t), (long)v, n, 0, 0, 0);
	MUST_FAULT_IF(bad(cls) && n > 0 && n <= 8 && any_len && ret > 0, "a bad iovec array moved data");
	MUST_FAULT_IF(any_bad && ret > 0, "an iovec with a bad buffer moved data");
}

static void f_open(struct fuzz_thread *t, const struct sys *s)
{
	int cls;
	unsigned long path = upath(t, &cls);
	long flags = uflags(t) | O_NONBLOCK;
	if (!on_faultline) /* the host's files are real: read-only opens only */
		flags &= ~(O_WRONLY | O_RDWR | O_CREAT | O_TRUNC | O_APPEND | 020000000 /* O_TMPFILE */);
	flags &= ~O_ASYNC;
	long ret;
	if (s->nr == SYS_open)
		ret = CALL((long)path, flags, rnd_below(R(t), 07777), 0, 0, 0);
	else
		ret = CALL(one_in(R(t), 2) ? AT_FDCWD : ufd(t), (long)path, flags, rnd_below(R(t), 07777), 0, 0);
	MUST_FAULT_IF(bad(cls) && ret >= 0, "a bad path opened a file");
	maybe_close(t, ret);
}

static void f_close(struct fuzz_thread *t, const struct sys *s) { CALL(ufd(t), 0, 0, 0, 0, 0); }

static void f_stat(struct fuzz_thread *t, const struct sys *s)
{
	int pcls = C_OK, scls;
	unsigned long st = uptr(t, true, 144, &scls);
	long ret;
	if (s->nr == SYS_fstat)
		ret = CALL(ufd(t), (long)st, 0, 0, 0, 0);
	else if (s->nr == SYS_newfstatat)
		ret = CALL(one_in(R(t), 2) ? AT_FDCWD : ufd(t), (long)upath(t, &pcls), (long)st, uflags(t) & 0x1fff, 0, 0);
	else
		ret = CALL((long)upath(t, &pcls), (long)st, 0, 0, 0, 0);
	MUST_FAULT_IF(bad(scls) && ret == 0, "a bad stat buffer was written");
	MUST_FAULT_IF(bad(pcls) && ret == 0, "a bad path was found");
}

static void f_lseek(struct fuzz_thread *t, const struct sys *s)
{
	CALL(ufd(t), one_in(R(t), 2) ? (long)rnd_below(R(t), 10000) : evil_int(R(t)), (long)rnd_below(R(t), 6) - 1, 0, 0, 0);
}

static void f_ioctl(struct fuzz_thread *t, const struct sys *s)
{
	static const long reqs[] = {0x5401 /* TCGETS */, 0x5413 /* TIOCGWINSZ */, 0x541B /* FIONREAD */,
				    0x5402 /* TCSETS */, 0x540F /* TIOCGPGRP */, 0x5451 /* FIOCLEX */};
	long req = one_in(R(t), 3) ? (long)(uint32_t)rnd(R(t)) : reqs[rnd_below(R(t), sizeof(reqs) / sizeof(reqs[0]))];
	if (req == 0x5421 /* FIONBIO */ || req == 0x5452 /* FIOASYNC */ || req == 0x5412 /* TIOCSTI */)
		req = 0x5401;
	int cls;
	CALL(ufd(t), req, (long)uptr(t, true, 64, &cls), 0, 0, 0);
}

static void f_dup(struct fuzz_thread *t, const struct sys *s)
{
	long nfd = 3 + (long)rnd_below(R(t), 40);
	if (one_in(R(t), 8))
		nfd = ufd(t);
	long ret = CALL(ufd(t), nfd, s->nr == SYS_dup3 ? uflags(t) & ~O_ASYNC : 0, 0, 0, 0);
	if (s->nr == SYS_dup)
		maybe_close(t, ret);
}

static void f_fcntl(struct fuzz_thread *t, const struct sys *s)
{
	static const long cmds[] = {F_DUPFD, F_GETFD, F_SETFD, F_GETFL, F_SETFL, F_DUPFD_CLOEXEC, 1032 /* F_GETPIPE_SZ */,
				    F_GETLK, 1031 /* F_SETPIPE_SZ */};
	long cmd = one_in(R(t), 4) ? evil_int(R(t)) : cmds[rnd_below(R(t), sizeof(cmds) / sizeof(cmds[0]))];
	int c = (int)cmd; /* what the kernel sees: an unsigned int */
	if (c == F_SETFL || c == F_SETOWN || c == F_SETSIG || c == 1024 || c == 1026 || c == F_GETLK || c == F_SETLK ||
	    c == F_SETLKW || c == 36 || c == 37 || c == 38)
		cmd = c;
	long arg = one_in(R(t), 2) ? (long)rnd_below(R(t), 64) : evil_int(R(t));
	if (cmd == F_SETFL)
		arg = (arg | O_NONBLOCK) & ~O_ASYNC; /* nothing may block forever */
	if (cmd == F_SETOWN || cmd == F_SETSIG || cmd == 1024 /* F_SETLEASE */ || cmd == 1026 /* F_NOTIFY */)
		cmd = F_GETFD;
	if (cmd == F_GETLK || cmd == F_SETLK || cmd == F_SETLKW || cmd == 36 || cmd == 37 || cmd == 38) {
		int cls;
		arg = (long)uptr(t, true, 32, &cls);
		if (cmd == F_SETLKW || cmd == 38)
			cmd = F_GETLK;
	}
	long ret = CALL(ufd(t), cmd, arg, 0, 0, 0);
	if (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC)
		maybe_close(t, ret);
}

static void f_pipe(struct fuzz_thread *t, const struct sys *s)
{
	int cls;
	unsigned long p = uptr(t, true, 8, &cls);
	long ret;
	if (s->nr == SYS_pipe) { /* pipe() makes blocking fds: hostile pointers only */
		if (!bad(cls) && cls != C_NULL)
			p = bad_addrs[rnd_below(R(t), NBAD)], cls = C_BAD;
		ret = CALL((long)p, 0, 0, 0, 0, 0);
	} else {
		ret = CALL((long)p, (uflags(t) | O_NONBLOCK) & ~O_ASYNC, 0, 0, 0, 0);
	}
	MUST_FAULT_IF((bad(cls) || cls == C_NULL) && ret == 0, "pipe fds written to a bad address");
	if (ret == 0 && cls == C_OK) {
		int *fds = (int *)p;
		maybe_close(t, fds[0]);
		maybe_close(t, fds[1]);
	}
}

static void f_poll(struct fuzz_thread *t, const struct sys *s)
{
	struct pollfd *pf = (struct pollfd *)(S1(t) + 2048);
	long n = one_in(R(t), 8) ? evil_int(R(t)) : (long)rnd_below(R(t), 9);
	for (int i = 0; i < 8; i++) {
		pf[i].fd = (int)ufd(t);
		pf[i].events = (short)rnd(R(t));
		pf[i].revents = (short)rnd(R(t));
	}
	int cls = C_OK;
	unsigned long p = (unsigned long)pf;
	if (one_in(R(t), 4))
		p = uptr(t, true, 64, &cls);
	if (n > 8 && p >= (unsigned long)S0(t) && p < (unsigned long)S0(t) + 2 * PAGE) /* revents would overrun */
		p = win_addr(R(t)), cls = C_WIN;
	long ret = CALL((long)p, n, (long)rnd_below(R(t), 3), 0, 0, 0);
	MUST_FAULT_IF(bad(cls) && n > 0 && n <= 8 && ret >= 0, "a bad pollfd array was read");
}

static void f_pathcall(struct fuzz_thread *t, const struct sys *s) /* access, faccessat(2), chdir */
{
	int cls;
	unsigned long path = upath(t, &cls);
	long ret;
	if (s->nr == SYS_access)
		ret = CALL((long)path, evil_int(R(t)) & 0xf, 0, 0, 0, 0);
	else if (s->nr == SYS_chdir)
		ret = CALL((long)path, 0, 0, 0, 0, 0);
	else
		ret = CALL(one_in(R(t), 2) ? AT_FDCWD : ufd(t), (long)path, rnd_below(R(t), 9), uflags(t) & 0x1fff, 0, 0);
	MUST_FAULT_IF(bad(cls) && ret == 0, "a bad path was found");
	if (s->nr == SYS_chdir && ret == 0)
		chdir("/");
}

static void f_getcwd(struct fuzz_thread *t, const struct sys *s)
{
	int cls;
	unsigned long len, b = ubuf(t, true, &cls, &len);
	long ret = CALL((long)b, (long)len, 0, 0, 0, 0);
	MUST_FAULT_IF(bad(cls) && ret > 0, "the cwd was written to a bad buffer");
}

static void f_noargs(struct fuzz_thread *t, const struct sys *s)
{
	CALL(evil_int(R(t)), evil_int(R(t)), 0, 0, 0, 0); /* the arguments must be ignored */
}

static void f_out_struct(struct fuzz_thread *t, const struct sys *s) /* uname, gettimeofday, clock_*, getrlimit ... */
{
	int cls, cls2;
	unsigned long p = uptr(t, true, 400, &cls), q = uptr(t, true, 16, &cls2);
	long ret, clk = one_in(R(t), 4) ? evil_int(R(t)) : (long)rnd_below(R(t), 12);
	switch (s->nr) {
	case SYS_uname: ret = CALL((long)p, 0, 0, 0, 0, 0); break;
	case SYS_gettimeofday:
		ret = CALL((long)p, (long)q, 0, 0, 0, 0);
		MUST_FAULT_IF(bad(cls2) && ret == 0, "a bad timezone pointer was written");
		break;
	case SYS_getrlimit: ret = CALL(one_in(R(t), 4) ? evil_int(R(t)) : (long)rnd_below(R(t), 16), (long)p, 0, 0, 0, 0); break;
	case SYS_rt_sigpending: {
		long size = one_in(R(t), 2) ? 8 : evil_int(R(t));
		ret = CALL((long)p, size, 0, 0, 0, 0);
		if (size != 8)
			ret = -1; /* fewer bytes, maybe none: no check */
		break;
	}
	case SYS_getcpu:
		ret = CALL((long)p, (long)q, (long)uptr(t, true, 16, &cls2), 0, 0, 0);
		break;
	default: ret = CALL(clk, (long)p, 0, 0, 0, 0); break; /* clock_gettime, clock_getres */
	}
	MUST_FAULT_IF(bad(cls) && ret == 0, "a bad output pointer was written");
}

static void f_affinity(struct fuzz_thread *t, const struct sys *s)
{
	int cls;
	unsigned long len, b = ubuf(t, s->nr == SYS_sched_getaffinity, &cls, &len);
	if (cls == C_OK && s->nr == SYS_sched_setaffinity && b >= (unsigned long)S0(t) && b < (unsigned long)S1(t))
		memset((void *)b, 0xff, len > 64 ? 64 : len); /* mostly every CPU */
	long ret = CALL(one_in(R(t), 2) ? 0 : upid_query(t), (long)len, (long)b, 0, 0, 0);
	MUST_FAULT_IF(bad(cls) && ret > 0, "a bad CPU mask buffer was used");
	if (s->nr == SYS_sched_setaffinity && ret == 0 && one_in(R(t), 4)) { /* do not stay pinned */
		uint64_t all[16];
		memset(all, 0xff, sizeof(all));
		sched_setaffinity(0, sizeof(all), (cpu_set_t *)all);
	}
}

static void f_sleep(struct fuzz_thread *t, const struct sys *s)
{
	int cls, rcls;
	unsigned long ts = utimespec(t, &cls, true), rem = uptr(t, true, 16, &rcls);
	long ret;
	if (s->nr == SYS_nanosleep)
		ret = CALL((long)ts, (long)rem, 0, 0, 0, 0);
	else /* absolute times are in the past: 0 + a little */
		ret = CALL(one_in(R(t), 4) ? evil_int(R(t)) : (long)rnd_below(R(t), 8), one_in(R(t), 2) ? 1 : 0, (long)ts,
			   (long)rem, 0, 0);
	MUST_FAULT_IF(bad(cls) && ret == 0, "a sleep read its time from a bad pointer");
}

static void f_futex(struct fuzz_thread *t, const struct sys *s)
{
	static const long ops[] = {0, 1, 3, 4, 9, 10, 2, 5, 6, 7, 8, 11, 12, 13};
	uint64_t *r = R(t);
	long op = ops[rnd_below(r, sizeof(ops) / sizeof(ops[0]))];
	if (one_in(r, 2))
		op |= 128; /* FUTEX_PRIVATE_FLAG */
	if (one_in(r, 8))
		op |= 256; /* FUTEX_CLOCK_REALTIME */
	if (one_in(r, 16))
		op = evil_int(r);
	int cls;
	unsigned long len;
	unsigned long ua = ubuf(t, false, &cls, &len);
	if (cls == C_OK)
		ua = (unsigned long)S0(t) + (one_in(r, 8) ? 1 + rnd_below(r, 3) : 4 * rnd_below(r, 16)); /* misaligned too */
	uint32_t cur = 0;
	if (ua >= (unsigned long)S0(t) && ua < (unsigned long)S0(t) + PAGE)
		memcpy(&cur, (void *)ua, 4);
	/* A wait may only have no (or a hostile) timeout where the value is ours and differs. */
	bool mismatch = ua >= (unsigned long)S0(t) && ua < (unsigned long)S0(t) + PAGE;
	long val = mismatch ? (long)(uint32_t)(cur + 1 + rnd_below(r, 5)) : (long)(uint32_t)rnd(r);
	long cmd = op & ~(128 | 256);
	bool wait = cmd == 0 || cmd == 9;
	int tcls;
	/* Only a wait that cannot sleep gets no (or a hostile) timeout; the
	 * PI operations (Linux's, faultline's -ENOSYS) block on the owner. */
	unsigned long timeout = utimespec(t, &tcls, mismatch && wait);
	if (mismatch && wait && one_in(r, 4))
		timeout = 0;
	long a3 = (cmd == 3 || cmd == 4) ? (long)rnd_below(r, 4) : (long)timeout; /* REQUEUE: val2 */
	int cls2;
	unsigned long ua2 = uptr(t, false, 4, &cls2);
	CALL((long)ua, op, val, a3, (long)ua2, one_in(r, 2) ? -1 : (long)(uint32_t)rnd(r));
}

static void f_mm(struct fuzz_thread *t, const struct sys *s)
{
	uint64_t *r = R(t);
	int hostile = one_in(r, 4);
	unsigned long addr = hostile ? (one_in(r, 2) ? bad_addrs[rnd_below(r, NBAD)] : rnd_below(r, 2 * PAGE)) : win_addr(r);
	unsigned long len = one_in(r, 4) ? evil_len(r) : win_len(r);
	/* A user range stays in the window (or the NULL page) unless it wraps
	 * around: Linux's madvise and mprotect do not stop at the top of user
	 * space, so madvise(window, 1 << 63, MADV_DONTNEED) would zap the
	 * fuzzer's own stacks. */
	if (addr < (1UL << 47) && addr + len >= addr) {
		if (addr >= WIN_BASE && addr < WIN_END) {
			if (addr + len > WIN_END)
				len = WIN_END - addr;
		} else if (len > PAGE) {
			len = PAGE;
		}
	}
	long prot = one_in(r, 8) ? evil_int(r) : (long)rnd_below(r, 8);
	long ret;
	switch (s->nr) {
	case SYS_mmap: {
		long flags = (one_in(r, 8) ? MAP_SHARED : MAP_PRIVATE) | (one_in(r, 8) ? 0 : MAP_ANONYMOUS);
		if (one_in(r, 16))
			flags = evil_int(r) & ~(MAP_FIXED | MAP_FIXED_NOREPLACE);
		bool fixed = !hostile && one_in(r, 2);
		if (fixed)
			flags |= one_in(r, 3) ? MAP_FIXED_NOREPLACE : MAP_FIXED;
		if (hostile && one_in(r, 2) && addr >= (1UL << 47))
			flags |= MAP_FIXED; /* a fixed kernel address must fail */
		long fd = flags & MAP_ANONYMOUS ? -1 : ufd(t);
		long off = one_in(r, 2) ? 0 : one_in(r, 2) ? (long)(rnd_below(r, 4) * PAGE) : evil_int(r);
		ret = CALL((long)addr, (long)len, prot, flags, fd, off);
		if (ret >= 0 && (unsigned long)ret >= (1UL << 47))
			fuzz_fail("mmap returned a kernel address %lx", (unsigned long)ret);
		if (ret >= 0 && (flags & MAP_FIXED) && addr >= (1UL << 47))
			fuzz_fail("mmap MAP_FIXED at kernel address %lx succeeded", addr);
		if (ret >= 0 && ((unsigned long)ret < WIN_BASE || (unsigned long)ret + len > WIN_END))
			fcall(t, "munmap(outside)", SYS_munmap, ret, (long)len, 0, 0, 0, 0);
		break;
	}
	case SYS_munmap: ret = CALL((long)addr, (long)len, 0, 0, 0, 0); break;
	case SYS_mprotect: ret = CALL((long)addr, (long)len, prot, 0, 0, 0); break;
	case SYS_madvise: ret = CALL((long)addr, (long)len, one_in(r, 4) ? evil_int(r) : (long)rnd_below(r, 20), 0, 0, 0); break;
	default: { /* mremap */
		static const long fl[] = {0, MREMAP_MAYMOVE, MREMAP_MAYMOVE | MREMAP_FIXED, MREMAP_MAYMOVE | MREMAP_DONTUNMAP,
					  MREMAP_FIXED, 8, -1};
		long flags = fl[rnd_below(r, sizeof(fl) / sizeof(fl[0]))];
		unsigned long nlen = one_in(r, 4) ? evil_len(r) : win_len(r);
		unsigned long naddr = one_in(r, 8) ? bad_addrs[rnd_below(r, NBAD)] : win_addr(r);
		if (naddr < (1UL << 47) && naddr + nlen >= naddr && naddr + nlen > WIN_END)
			nlen = WIN_END - naddr;
		if (!(flags & MREMAP_FIXED) && addr >= WIN_BASE && addr < WIN_END && addr + nlen >= addr &&
		    addr + nlen > WIN_END)
			nlen = WIN_END - addr; /* growing in place stays in the window */
		ret = CALL((long)addr, (long)len, (long)nlen, flags, (long)naddr, 0);
		if (ret >= 0 && (unsigned long)ret >= (1UL << 47))
			fuzz_fail("mremap returned a kernel address %lx", (unsigned long)ret);
		if (ret >= 0 && ((unsigned long)ret < WIN_BASE || (unsigned long)ret + nlen > WIN_END))
			fcall(t, "munmap(outside)", SYS_munmap, ret, (long)nlen, 0, 0, 0, 0);
	}
	}
	if (hostile && addr >= (1UL << 47) && len && ret >= 0 && s->nr != SYS_mmap && s->nr != SYS_madvise)
		fuzz_fail("%s of kernel address %lx succeeded", s->name, addr);
	if (one_in(r, 2)) /* and touch what is there now */
		touch(t, win_addr(r), one_in(r, 2));
}

static void f_brk(struct fuzz_thread *t, const struct sys *s)
{
	uint64_t *r = R(t);
	static const unsigned long odd[] = {0, 1, ~0UL, KADDR_HALF, KADDR_IMAGE, NON_CANONICAL, WIN_BASE, WIN_BASE + PAGE};
	unsigned long want = one_in(r, 3) ? odd[rnd_below(r, sizeof(odd) / sizeof(odd[0]))] : brk0 + rnd_below(r, 8UL << 20);
	if (want != 0 && want < brk0)
		want = brk0; /* below the start: a child's job */
	long ret = CALL((long)want, 0, 0, 0, 0, 0);
	if ((unsigned long)ret >= (1UL << 47))
		fuzz_fail("brk(%lx) moved the break to %lx", want, (unsigned long)ret);
	if ((unsigned long)ret > brk0 + 8)
		touch(t, brk0 + rnd_below(r, (unsigned long)ret - brk0), one_in(r, 2));
}

static void f_sigaction(struct fuzz_thread *t, const struct sys *s)
{
	uint64_t *r = R(t);
	/* In the fuzzer itself: act only for SIGURG / SIGWINCH (harmless
	 * handlers), else NULL or hostile; any signal in a child. */
	long sig = in_child ? usig(t) : one_in(r, 2) ? (one_in(r, 2) ? SIGURG : SIGWINCH) : usig(t);
	unsigned long *act = (unsigned long *)(S1(t) + 3072);
	int acls = C_OK, ocls;
	unsigned long a;
	if (sig == SIGURG || sig == SIGWINCH || in_child) {
		act[0] = in_child ? rnd(r) : rnd_below(r, 2); /* SIG_DFL, SIG_IGN */
		act[1] = ((rnd(r) & 0xffffffffUL) & ~SA_ONSTACK) | 0x04000000 /* SA_RESTORER */;
		act[2] = (unsigned long)sa_restorer_fn;
		act[3] = rnd(r) & ~((1UL << (SIGSEGV - 1)) | (1UL << (SIGBUS - 1)));
		a = (unsigned long)act;
	} else {
		a = one_in(r, 2) ? 0 : uptr(t, false, 32, &acls);
		if ((acls == C_OK || acls == C_WIN) && a)
			a = 0, acls = C_NULL; /* no real handler change for other signals (the window holds anything) */
	}
	if (!in_child && (sig == SIGSEGV || sig == SIGBUS || sig == SIGILL || sig == SIGFPE || sig == SIGPIPE) && a)
		a = bad_addrs[0], acls = C_BAD;
	unsigned long o = one_in(r, 3) ? 0 : uptr(t, true, 32, &ocls);
	if (!o)
		ocls = C_NULL;
	long ret = CALL(sig, (long)a, (long)o, one_in(r, 8) ? evil_int(r) : 8, 0, 0);
	MUST_FAULT_IF(bad(acls) && ret == 0, "a bad sigaction was read");
	MUST_FAULT_IF(bad(ocls) && ret == 0, "the old sigaction was written to a bad pointer");
}

static void f_sigprocmask(struct fuzz_thread *t, const struct sys *s)
{
	uint64_t *r = R(t);
	uint64_t *set = (uint64_t *)(S1(t) + 3200);
	*set = rnd(r);
	if (!in_child) /* the faults the probes expect stay deliverable */
		*set &= ~((1UL << (SIGSEGV - 1)) | (1UL << (SIGBUS - 1)) | (1UL << (SIGILL - 1)) | (1UL << (SIGFPE - 1)));
	int scls = C_OK, ocls;
	unsigned long sp = (unsigned long)set;
	if (one_in(r, 3))
		sp = one_in(r, 2) ? 0 : bad_addrs[rnd_below(r, NBAD)], scls = sp ? C_BAD : C_NULL;
	unsigned long o = uptr(t, true, 8, &ocls);
	long how = one_in(r, 8) ? evil_int(r) : (long)rnd_below(r, 3);
	long ret = CALL(how, (long)sp, (long)o, one_in(r, 8) ? evil_int(r) : 8, 0, 0);
	MUST_FAULT_IF(bad(scls) && ret == 0, "a bad signal set was read");
	MUST_FAULT_IF(bad(ocls) && ret == 0, "the old mask was written to a bad pointer");
}

static void f_sigaltstack(struct fuzz_thread *t, const struct sys *s)
{
	uint64_t *r = R(t);
	unsigned long *ss = (unsigned long *)(S1(t) + 3300);
	ss[0] = one_in(r, 2) ? win_addr(r) : rnd(r);
	ss[1] = rnd_below(r, 4) == 0 ? 2 /* SS_DISABLE */ : (unsigned long)evil_int(r) & 0xffffffff;
	ss[2] = one_in(r, 2) ? rnd_below(r, 1 << 16) : (unsigned long)evil_len(r);
	int ncls = C_OK, ocls;
	unsigned long np = one_in(r, 3) ? uptr(t, false, 24, &ncls) : (unsigned long)ss;
	unsigned long o = uptr(t, true, 24, &ocls);
	long ret = CALL((long)np, (long)o, 0, 0, 0, 0);
	MUST_FAULT_IF(bad(ncls) && ret == 0, "a bad stack_t was read");
	MUST_FAULT_IF(bad(ocls) && ret == 0, "the old stack_t was written to a bad pointer");
}

/* rt_sigsuspend: in the fuzzer only where it cannot sleep (a bad mask
 * pointer or size); any mask in a child, which may sleep until killed. */
static void f_sigsuspend(struct fuzz_thread *t, const struct sys *s)
{
	uint64_t *r = R(t);
	int cls = C_OK;
	uint64_t *set = (uint64_t *)(S1(t) + 3208);
	*set = rnd(r);
	unsigned long p = (unsigned long)set;
	long size = one_in(r, 4) ? evil_int(r) : 8;
	if (!in_child && size == 8)
		p = one_in(r, 2) ? 0 : bad_addrs[rnd_below(r, NBAD)], cls = C_BAD;
	long ret = CALL((long)p, size, 0, 0, 0, 0);
	MUST_FAULT_IF(bad(cls) && ret == 0, "a bad mask was read");
}

/* rt_sigtimedwait: a short timeout in the fuzzer (none, or a hostile one, in a child). */
static void f_sigtimedwait(struct fuzz_thread *t, const struct sys *s)
{
	uint64_t *r = R(t);
	uint64_t *set = (uint64_t *)(S1(t) + 3216);
	*set = rnd(r);
	int scls = C_OK, icls, tcls;
	unsigned long sp = one_in(r, 4) ? uptr(t, false, 8, &scls) : (unsigned long)set;
	unsigned long info = one_in(r, 3) ? 0 : uptr(t, true, 128, &icls);
	unsigned long ts = utimespec(t, &tcls, in_child);
	if (in_child && one_in(r, 4))
		ts = 0;
	long ret = CALL((long)sp, (long)info, (long)ts, one_in(r, 8) ? evil_int(r) : 8, 0, 0);
	MUST_FAULT_IF(bad(scls) && ret >= 0, "a bad signal set was read");
}

static void f_kill(struct fuzz_thread *t, const struct sys *s)
{
	uint64_t *r = R(t);
	long sig = usig(t), pid = upid_safe(t);
	bool harmless = sig == 0 || sig == SIGURG || sig == SIGWINCH || sig == SIGCHLD;
	if (harmless && one_in(r, 2))
		pid = one_in(r, 2) ? getpid() : one_in(r, 2) ? 0 : -1; /* ourselves: SIG_DFL or SIG_IGN or a no-op */
	if (pid == -1 && sig != 0)
		pid = 0x3ffffff0; /* never everyone */
	if (s->nr == SYS_kill)
		CALL(pid, sig, 0, 0, 0, 0);
	else if (s->nr == SYS_tkill)
		CALL(harmless && one_in(r, 2) ? fuzz_threads[rnd_below(r, fuzz_nthreads)].tid : pid, sig, 0, 0, 0, 0);
	else
		CALL(one_in(r, 2) ? getpid() : pid, harmless ? fuzz_threads[rnd_below(r, fuzz_nthreads)].tid : pid, sig, 0, 0, 0);
}

static void f_wait4(struct fuzz_thread *t, const struct sys *s)
{
	uint64_t *r = R(t);
	int cls, rcls;
	unsigned long st = uptr(t, true, 4, &cls), ru = one_in(r, 2) ? 0 : uptr(t, true, 144, &rcls);
	long opt = (one_in(r, 8) ? evil_int(r) : (long)rnd_below(r, 16)) | WNOHANG;
	CALL(one_in(r, 2) ? -1 : upid_query(t), (long)st, opt, (long)ru, 0, 0);
}

static void f_ids(struct fuzz_thread *t, const struct sys *s) /* getpgid, getsid, setpgid, setuid, setgid */
{
	if (s->nr == SYS_setpgid)
		CALL(upid_query(t), one_in(R(t), 2) ? 0 : upid_query(t), 0, 0, 0, 0);
	else if (s->nr == SYS_setuid || s->nr == SYS_setgid)
		CALL(one_in(R(t), 2) ? 0 : evil_int(R(t)), 0, 0, 0, 0, 0);
	else
		CALL(upid_query(t), 0, 0, 0, 0, 0);
}

static void f_prlimit(struct fuzz_thread *t, const struct sys *s)
{
	uint64_t *r = R(t);
	int ncls = C_NULL, ocls;
	unsigned long nl = 0;
	if (one_in(r, 3)) {
		nl = uptr(t, false, 16, &ncls);
		if ((ncls == C_OK || ncls == C_WIN) && !on_faultline && !in_child)
			nl = bad_addrs[0], ncls = C_BAD; /* the host's limits are real */
	}
	unsigned long o = one_in(r, 3) ? 0 : uptr(t, true, 16, &ocls);
	if (!o)
		ocls = C_NULL;
	long res = one_in(r, 4) ? evil_int(r) : (long)rnd_below(r, 16);
	long pid = one_in(r, 2) ? 0 : upid_query(t);
	if (nl && in_child)
		pid = 0; /* a child's limits, never its parent's */
	long ret = CALL(pid, res, (long)nl, (long)o, 0, 0);
	MUST_FAULT_IF(bad(ncls) && ret == 0, "a bad new rlimit was read");
	MUST_FAULT_IF(bad(ocls) && ret == 0, "the old rlimit was written to a bad pointer");
}

static void f_getrandom(struct fuzz_thread *t, const struct sys *s)
{
	int cls;
	unsigned long len, b = ubuf(t, true, &cls, &len);
	long ret = CALL((long)b, (long)len, one_in(R(t), 2) ? 0 : uflags(t) & ~2L /* not GRND_RANDOM: never block */, 0, 0, 0);
	MUST_FAULT_IF(bad(cls) && len && ret > 0, "random bytes were written to a bad buffer");
}

static void f_reboot(struct fuzz_thread *t, const struct sys *s)
{
	/* Never both magic numbers: only the argument checks run. */
	uint64_t *r = R(t);
	static const long m2[] = {672274793, 85072278, 369367448, 537993216};
	long magic1 = one_in(r, 2) ? (long)0xfee1deadL : evil_int(r);
	long magic2 = magic1 == (long)0xfee1deadL ? evil_int(r) : m2[rnd_below(r, 4)];
	for (int i = 0; i < 4; i++)
		if ((uint32_t)magic2 == (uint32_t)m2[i] && (uint32_t)magic1 == 0xfee1dead)
			magic2 = 1;
	long ret = CALL(magic1, magic2, (long)(uint32_t)rnd(r), (long)win_addr(r), 0, 0);
	MUST_FAULT_IF(ret != -EINVAL && ret != -EPERM, "reboot with a bad magic number did not fail with EINVAL");
}

static void f_arch_prctl(struct fuzz_thread *t, const struct sys *s)
{
	uint64_t *r = R(t);
	static const long codes[] = {0x1003 /* GET_FS */, 0x1004 /* GET_GS */, 0x1001 /* SET_GS */, 0x1011, 0x1012,
				     0x3001, 0x1002 /* SET_FS */};
	long code = one_in(r, 6) ? evil_int(r) : codes[rnd_below(r, sizeof(codes) / sizeof(codes[0]))];
	int cls;
	unsigned long p = uptr(t, true, 8, &cls);
	if (code == 0x1002 && !in_child)
		code = 0x1003;
	if (code == 0x1001 || code == 0x1002)
		p = one_in(r, 2) ? rnd(r) : bad_addrs[rnd_below(r, NBAD)];
	long ret = CALL(code, (long)p, 0, 0, 0, 0);
	MUST_FAULT_IF(code == 0x1003 && bad(cls) && ret == 0, "the FS base was written to a bad pointer");
}

static void f_robust(struct fuzz_thread *t, const struct sys *s)
{
	unsigned long len;
	int cls;
	CALL((long)ubuf(t, false, &cls, &len), one_in(R(t), 2) ? 24 : evil_int(R(t)), 0, 0, 0, 0);
}

static void f_sched_misc(struct fuzz_thread *t, const struct sys *s) /* sched_yield, sync, getpid ... */
{
	CALL(evil_int(R(t)), 0, 0, 0, 0, 0);
}

/* clone in the fuzzer itself: process copies only (no CLONE_VM), which
 * exit at once; bad combinations must fail. */
static void f_clone(struct fuzz_thread *t, const struct sys *s)
{
	uint64_t *r = R(t);
	static const long ok_bits[] = {0x00000200 /* FS */, 0x00000400 /* FILES */, 0x00100000 /* PARENT_SETTID */,
				       0x01000000 /* CHILD_SETTID */, 0x00200000 /* CHILD_CLEARTID */, 0x00040000 /* SYSVSEM */,
				       0x00004000 /* VFORK */, 0x80000000L /* IO */};
	static const long bad_bits[] = {0x00010000 /* THREAD */, 0x00000800 /* SIGHAND */, 0x00020000 /* NEWNS */,
					0x04000000 /* NEWUTS */, 0x20000000 /* NEWPID */, 0x00001000 /* PIDFD */, 0x2000 /* PTRACE */};
	/* the exit signal: harmless ones, or invalid (> 64) */
	static const long exit_sigs[] = {SIGCHLD, 0, SIGURG, SIGWINCH, 65, 200};
	long flags = exit_sigs[rnd_below(r, sizeof(exit_sigs) / sizeof(exit_sigs[0]))];
	for (int i = 0; i < 3; i++)
		if (one_in(r, 2))
			flags |= ok_bits[rnd_below(r, sizeof(ok_bits) / sizeof(ok_bits[0]))];
	if (one_in(r, 3))
		flags |= bad_bits[rnd_below(r, sizeof(bad_bits) / sizeof(bad_bits[0]))];
	if (!on_faultline)
		flags &= ~(0x00020000L | 0x04000000L | 0x20000000L | 0x00001000L | 0x2000L);
	int c1, c2;
	unsigned long ptid = uptr(t, true, 4, &c1), ctid = uptr(t, true, 4, &c2);
	long a[6] = {flags, 0, (long)ptid, (long)ctid, 0, 0};
	struct call_rec *rc = rec_call(t, s->name, s->nr, a);
	long ret = syscall(SYS_clone, flags, 0L, ptid, ctid, 0L);
	if (ret == 0)
		syscall(SYS_exit, 0); /* the child: one thread, gone */
	rec_ret(rc, ret < 0 ? -errno : ret);
	stat_count(s, rc->ret);
	if (ret > 0) {
		int st;
		((struct sys_priv *)t->priv)->last_child = (pid_t)ret;
		while (wait4((pid_t)ret, &st, __WALL, NULL) < 0 && errno == EINTR)
			;
		if (flags & 0x00010000) /* CLONE_THREAD */
			fuzz_fail("clone(CLONE_THREAD) without CLONE_VM succeeded");
	}
}

static void f_fork(struct fuzz_thread *t, const struct sys *s)
{
	struct call_rec *rc = rec_call(t, s->name, s->nr, NULL);
	long ret;
	if (s->nr == SYS_vfork) { /* the child must not touch the shared stack: exit in the same asm */
		__asm__ volatile("syscall\n\t"
				 "test %%rax, %%rax\n\t"
				 "jnz 1f\n\t"
				 "mov $60, %%eax\n\t"
				 "xor %%edi, %%edi\n\t"
				 "syscall\n\t"
				 "1:"
				 : "=a"(ret)
				 : "a"((long)SYS_vfork)
				 : "rcx", "r11", "rdi", "memory");
	} else {
		ret = syscall(SYS_fork);
		if (ret == 0)
			syscall(SYS_exit, 0);
		if (ret < 0)
			ret = -errno;
	}
	rec_ret(rc, ret);
	stat_count(s, ret);
	if (ret > 0) {
		int st;
		((struct sys_priv *)t->priv)->last_child = (pid_t)ret;
		while (wait4((pid_t)ret, &st, __WALL, NULL) < 0 && errno == EINTR)
			;
	}
}

/* ---- the dangerous ones, only in a forked child ---- */
static void d_exit(struct fuzz_thread *t, const struct sys *s)
{
	long code = evil_int(R(t));
	if ((code & 0xff) == CHILD_REPORT)
		code = 0;
	CALL(code, 0, 0, 0, 0, 0);
}

static void d_execve(struct fuzz_thread *t, const struct sys *s)
{
	uint64_t *r = R(t);
	unsigned long *argv = (unsigned long *)(S1(t) + 3400), *envp = argv + 8;
	int cls;
	unsigned long path = one_in(r, 3) ? (unsigned long)self_path : upath(t, &cls);
	if (path == (unsigned long)paths[4] || path == (unsigned long)paths[6])
		path = (unsigned long)self_path; /* /bin/sh, /bin, /init: no real program but ourselves */
	argv[0] = path;
	argv[1] = (unsigned long)"exec-child";
	argv[2] = one_in(r, 4) ? bad_addrs[rnd_below(r, NBAD)] : 0;
	argv[3] = 0;
	envp[0] = one_in(r, 4) ? (unsigned long)ro_page + PAGE - 8 /* unterminated */ : (unsigned long)"A=1";
	envp[1] = 0;
	unsigned long av = one_in(r, 4) && path != (unsigned long)self_path ? uptr(t, false, 32, &cls)
									    : (unsigned long)argv; /* no random argv for ourselves */
	unsigned long ev = one_in(r, 4) ? uptr(t, false, 32, &cls) : (unsigned long)envp;
	CALL((long)path, (long)av, (long)ev, 0, 0, 0);
}

static void d_sigreturn(struct fuzz_thread *t, const struct sys *s)
{
	/* A frame of random bytes on the stack: dies, or returns somewhere odd and dies there. */
	unsigned long junk[64];
	for (int i = 0; i < 64; i++)
		junk[i] = rnd(R(t));
	rec_call(t, s->name, s->nr, (long *)junk);
	__asm__ volatile("mov %0, %%rsp\n\tmov $15, %%eax\n\tsyscall\n\tud2" ::"r"(junk) : "memory");
}

static void d_kill_self(struct fuzz_thread *t, const struct sys *s)
{
	long sig = usig(t);
	if (s->nr == SYS_kill)
		CALL(getpid(), sig, 0, 0, 0, 0); /* not 0: the process group holds the fuzzer */
	else if (s->nr == SYS_tkill)
		CALL(t->tid, sig, 0, 0, 0, 0);
	else
		CALL(getpid(), t->tid, sig, 0, 0, 0);
}

static void d_set_tid_address(struct fuzz_thread *t, const struct sys *s)
{
	int cls;
	CALL((long)uptr(t, true, 4, &cls), 0, 0, 0, 0, 0);
}

static void d_brk_low(struct fuzz_thread *t, const struct sys *s)
{
	CALL((long)(brk0 - rnd_below(R(t), 1UL << 22)), 0, 0, 0, 0, 0);
}

static void d_munmap_all(struct fuzz_thread *t, const struct sys *s)
{
	uint64_t *r = R(t);
	if (one_in(r, 2))
		CALL(0, (long)(1UL << 47) - (long)PAGE, 0, 0, 0, 0); /* everything, stack and text too */
	else
		CALL((long)(brk0 & ~(PAGE - 1)) - (long)(rnd_below(r, 64) * PAGE), (long)(rnd_below(r, 1024) * PAGE), 0, 0, 0, 0);
}

static void d_clone_any(struct fuzz_thread *t, const struct sys *s)
{
	/* Any flags: a thread on our stack, a vfork sharing it ... whatever
	 * runs, it only ever exits; a child that hangs is killed. */
	long flags = (long)(rnd(R(t)) & 0xffffff00UL) & ~0x20008000L; /* not NEWPID, not PARENT (its exit signal would be our parent's) */
	flags |= one_in(R(t), 2) ? SIGCHLD : (long)rnd_below(R(t), 256);
	if (!on_faultline)
		flags &= ~0x7e020000L; /* no namespaces on the host */
	long stack = one_in(R(t), 2) ? 0 : (long)win_addr(R(t));
	long a[6] = {flags, stack};
	struct call_rec *rc = rec_call(t, s->name, s->nr, a);
	long ret = syscall(SYS_clone, flags, stack, 0L, 0L, 0L);
	if (ret == 0)
		syscall(SYS_exit_group, 0);
	rec_ret(rc, ret);
}

static void d_arch_prctl(struct fuzz_thread *t, const struct sys *s)
{
	CALL(0x1002, one_in(R(t), 2) ? 0 : (long)rnd(R(t)), 0, 0, 0, 0);
	syscall(SYS_exit_group, 0); /* FS is gone: errno is out of reach */
}

static void d_pause(struct fuzz_thread *t, const struct sys *s)
{
	CALL(evil_int(R(t)), 0, 0, 0, 0, 0); /* until a signal, or the parent's SIGKILL */
}

static const struct sys table[] = {
	{"read", SYS_read, f_rw, 0},
	{"write", SYS_write, f_rw, 0},
	{"pread64", SYS_pread64, f_rw, 0},
	{"pwrite64", SYS_pwrite64, f_rw, 0},
	{"getdents64", SYS_getdents64, f_rw, 0},
	{"readv", SYS_readv, f_rwv, 0},
	{"writev", SYS_writev, f_rwv, 0},
	{"open", SYS_open, f_open, 0},
	{"openat", SYS_openat, f_open, 0},
	{"close", SYS_close, f_close, 0},
	{"fstat", SYS_fstat, f_stat, 0},
	{"stat", SYS_stat, f_stat, 0},
	{"lstat", SYS_lstat, f_stat, 0},
	{"newfstatat", SYS_newfstatat, f_stat, 0},
	{"lseek", SYS_lseek, f_lseek, 0},
	{"ioctl", SYS_ioctl, f_ioctl, 0},
	{"dup", SYS_dup, f_dup, 0},
	{"dup2", SYS_dup2, f_dup, 0},
	{"dup3", SYS_dup3, f_dup, 0},
	{"fcntl", SYS_fcntl, f_fcntl, 0},
	{"pipe", SYS_pipe, f_pipe, 0},
	{"pipe2", SYS_pipe2, f_pipe, 0},
	{"poll", SYS_poll, f_poll, 0},
	{"access", SYS_access, f_pathcall, 0},
	{"faccessat", SYS_faccessat, f_pathcall, 0},
	{"faccessat2", SYS_faccessat2, f_pathcall, 0},
	{"chdir", SYS_chdir, f_pathcall, 0},
	{"getcwd", SYS_getcwd, f_getcwd, 0},
	{"mmap", SYS_mmap, f_mm, 0},
	{"munmap", SYS_munmap, f_mm, 0},
	{"mprotect", SYS_mprotect, f_mm, 0},
	{"madvise", SYS_madvise, f_mm, 0},
	{"mremap", SYS_mremap, f_mm, 0},
	{"brk", SYS_brk, f_brk, 0},
	{"rt_sigaction", SYS_rt_sigaction, f_sigaction, 0},
	{"rt_sigprocmask", SYS_rt_sigprocmask, f_sigprocmask, 0},
	{"rt_sigpending", SYS_rt_sigpending, f_out_struct, 0},
	{"sigaltstack", SYS_sigaltstack, f_sigaltstack, 0},
	{"rt_sigsuspend", SYS_rt_sigsuspend, f_sigsuspend, 0},
	{"rt_sigtimedwait", SYS_rt_sigtimedwait, f_sigtimedwait, 0},
	{"kill", SYS_kill, f_kill, 0},
	{"tkill", SYS_tkill, f_kill, 0},
	{"tgkill", SYS_tgkill, f_kill, 0},
	{"wait4", SYS_wait4, f_wait4, 0},
	{"clone", SYS_clone, f_clone, 0},
	{"fork", SYS_fork, f_fork, 0},
	{"vfork", SYS_vfork, f_fork, 0},
	{"getpid", SYS_getpid, f_noargs, 0},
	{"gettid", SYS_gettid, f_noargs, 0},
	{"getppid", SYS_getppid, f_noargs, 0},
	{"getuid", SYS_getuid, f_noargs, 0},
	{"geteuid", SYS_geteuid, f_noargs, 0},
	{"getgid", SYS_getgid, f_noargs, 0},
	{"getegid", SYS_getegid, f_noargs, 0},
	{"getpgrp", SYS_getpgrp, f_noargs, 0},
	{"setsid", SYS_setsid, f_noargs, 0},
	{"sched_yield", SYS_sched_yield, f_sched_misc, 0},
	{"sync", SYS_sync, f_sched_misc, 0},
	{"getpgid", SYS_getpgid, f_ids, 0},
	{"getsid", SYS_getsid, f_ids, 0},
	{"setpgid", SYS_setpgid, f_ids, 0},
	{"setuid", SYS_setuid, f_ids, 0},
	{"setgid", SYS_setgid, f_ids, 0},
	{"uname", SYS_uname, f_out_struct, 0},
	{"gettimeofday", SYS_gettimeofday, f_out_struct, 0},
	{"clock_gettime", SYS_clock_gettime, f_out_struct, 0},
	{"clock_getres", SYS_clock_getres, f_out_struct, 0},
	{"getrlimit", SYS_getrlimit, f_out_struct, 0},
	{"getcpu", SYS_getcpu, f_out_struct, 0},
	{"prlimit64", SYS_prlimit64, f_prlimit, 0},
	{"sched_getaffinity", SYS_sched_getaffinity, f_affinity, 0},
	{"sched_setaffinity", SYS_sched_setaffinity, f_affinity, 0},
	{"nanosleep", SYS_nanosleep, f_sleep, 0},
	{"clock_nanosleep", SYS_clock_nanosleep, f_sleep, 0},
	{"futex", SYS_futex, f_futex, 0},
	{"getrandom", SYS_getrandom, f_getrandom, 0},
	{"reboot", SYS_reboot, f_reboot, 0},
	{"arch_prctl", SYS_arch_prctl, f_arch_prctl, 0},
	{"set_robust_list", SYS_set_robust_list, f_robust, 0},
	/* only in a forked child */
	{"exit", SYS_exit, d_exit, 1},
	{"exit_group", SYS_exit_group, d_exit, 1},
	{"execve", SYS_execve, d_execve, 1},
	{"rt_sigreturn", SYS_rt_sigreturn, d_sigreturn, 1},
	{"kill(self)", SYS_kill, d_kill_self, 1},
	{"tkill(self)", SYS_tkill, d_kill_self, 1},
	{"tgkill(self)", SYS_tgkill, d_kill_self, 1},
	{"set_tid_address", SYS_set_tid_address, d_set_tid_address, 1},
	{"brk(low)", SYS_brk, d_brk_low, 1},
	{"munmap(all)", SYS_munmap, d_munmap_all, 1},
	{"clone(any)", SYS_clone, d_clone_any, 1},
	{"arch_prctl(SET_FS)", SYS_arch_prctl, d_arch_prctl, 1},
	{"pause", SYS_pause, d_pause, 1},
};
#define NTABLE (sizeof(table) / sizeof(table[0]))
static unsigned nsafe; /* the entries before the first dangerous one */

/* A child: a few random calls (the dangerous ones too), then exit; the
 * parent waits at most 300 ms before it kills it. */
static void child_burst(struct fuzz_thread *t)
{
	struct call_rec *rc = rec_call(t, "fork(burst)", SYS_fork, NULL);
	pid_t pid = fork();
	if (pid == 0) {
		in_child = 1;
		fuzz_pid = getpid();
		fuzz_expendable = 1;
		fuzz_fail_status = CHILD_REPORT;
		fuzz_nthreads = 0;
		fuzz_threads[0] = *t; /* the ring, for a failing sanity check here */
		self_t = &fuzz_threads[0];
		fuzz_nthreads = 1;
		t = self_t;
		t->tid = (pid_t)syscall(SYS_gettid);
		int n = 1 + (int)rnd_below(R(t), 24);
		for (int i = 0; i < n; i++) {
			const struct sys *s = &table[one_in(R(t), 3) ? nsafe + rnd_below(R(t), NTABLE - nsafe)
								     : rnd_below(R(t), NTABLE)];
			if (s->fn == f_clone || s->fn == f_fork) /* no grandchildren outliving us */
				continue;
			s->fn(t, s);
		}
		syscall(SYS_exit_group, 0);
	}
	rec_ret(rc, pid < 0 ? -errno : pid);
	if (pid < 0)
		return;
	((struct sys_priv *)t->priv)->last_child = pid;
	int st = 0;
	for (int ms = 0;; ms++) {
		pid_t w = wait4(pid, &st, __WALL | WNOHANG, NULL);
		if (w == pid)
			break;
		if (w < 0 && errno != EINTR) { /* reaped by another thread's wait4(-1) */
			st = 0;
			break;
		}
		if (ms == 300)
			kill(pid, SIGKILL);
		if (ms == 300 + 10000) /* a sleep that not even SIGKILL ends */
			fuzz_fail("forked child %d still there 10 s after SIGKILL", pid);
		struct timespec ts = {0, 1000000};
		nanosleep(&ts, NULL);
	}
	if (WIFEXITED(st) && WEXITSTATUS(st) == CHILD_REPORT)
		fuzz_fail("forked child %d failed a sanity check (its report is above)", pid);
	for (int i = 0; i < 32; i++) /* the child used the same random sequence */
		rnd(R(t));
}

static void *worker(void *arg)
{
	struct fuzz_thread *t = arg;
	struct sys_priv priv = {0};
	self_t = t;
	t->tid = (pid_t)syscall(SYS_gettid);
	t->priv = &priv;
	priv.scratch = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (priv.scratch == MAP_FAILED)
		fuzz_fail("mmap of the scratch pages");
	memset(priv.scratch + 2 * PAGE, CANARY_BYTE, PAGE);
	while (fuzz_now_ns() < deadline) {
		for (int i = 0; i < 32; i++) {
			if (one_in(R(t), 200)) {
				child_burst(t);
				continue;
			}
			const struct sys *s = &table[rnd_below(R(t), nsafe)];
			if (only && !strstr(only, s->name))
				continue;
			s->fn(t, s);
		}
	}
	munmap(priv.scratch, 3 * PAGE);
	*t->done = 1;
	return NULL;
}

/* One fuzzing process: the threads, then its call count in the shared page. */
static volatile uint64_t *counts; /* MAP_SHARED: one slot per fuzzing process */
static void fuzz_process(const struct fuzz_opts *o, int idx)
{
	fuzz_pid = getpid();
	counts[idx] = run_threads(o, (uint64_t)idx + 1, worker, deadline);
	for (unsigned i = 0; want_stats && idx == 0 && i < nsafe; i++) {
		char line[400];
		int n = snprintf(line, sizeof(line), "# stats %s:", table[i].name);
		for (int e = 0; e <= NERR && n < (int)sizeof(line) - 24; e++)
			if (stats[i][e] && e == 0)
				n += snprintf(line + n, sizeof(line) - n, " ok=%u", stats[i][e]);
			else if (stats[i][e])
				n += snprintf(line + n, sizeof(line) - n, " %s=%u", errname(e), stats[i][e]);
		say("%s\n", line);
	}
	_exit(0);
}

static void noop_handler(int sig) { (void)sig; }

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "exec-child"))
		return 0; /* execve'd by a child: succeeded, done */
	struct fuzz_opts o;
	fuzz_name = "sysfuzz";
	self_path = argv[0];
	setvbuf(stdout, NULL, _IONBF, 0);
	fuzz_parse(argc, argv, &o, parse_extra);
	only = getenv("FUZZ_ONLY");
	install_fault_handlers();
	for (nsafe = 0; nsafe < NTABLE && !table[nsafe].danger; nsafe++)
		;
	/* musl's restorer, for raw rt_sigaction calls that install a handler */
	signal(SIGURG, noop_handler);
	unsigned long k[4] = {0};
	syscall(SYS_rt_sigaction, SIGURG, NULL, k, 8);
	sa_restorer_fn = (void *)k[2];
	brk0 = (unsigned long)syscall(SYS_brk, 0);
	ro_page = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ro_page == MAP_FAILED)
		fuzz_fail("mmap of the read-only pages");
	memset(ro_page, RO_BYTE, PAGE);
	mprotect(ro_page, PAGE, PROT_READ);
	none_page = ro_page + PAGE;
	mprotect(none_page, PAGE, PROT_NONE);
	/* Files to have: every fd the fuzzer makes is non-blocking. */
	open("/", O_RDONLY | O_DIRECTORY);
	open("/dev/null", O_RDWR);
	open(on_faultline ? "/etc/motd" : "/proc/self/maps", O_RDONLY);
	open("/proc/self/maps", O_RDONLY);
	if (on_faultline)
		open("/dev/console", O_RDONLY | O_NONBLOCK);
	int pf[2];
	pipe2(pf, O_NONBLOCK);
	pipe2(pf, O_NONBLOCK);

	say("# sysfuzz: seconds=%ld threads=%ld procs=%ld seed=%llu, %u calls (%u only in children); read-only page %p\n",
	    o.seconds, o.threads, procs, (unsigned long long)o.seed, (unsigned)NTABLE, (unsigned)(NTABLE - nsafe),
	    (void *)ro_page);
	int64_t start = fuzz_now_ns();
	deadline = start + o.seconds * 1000000000LL;
	counts = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (counts == MAP_FAILED)
		fuzz_fail("mmap of the shared count page");
	pid_t kids[8];
	for (int i = 0; i < procs; i++) {
		kids[i] = fork();
		if (kids[i] == 0)
			fuzz_process(&o, i);
		if (kids[i] < 0)
			fuzz_fail("fork of fuzzing process %d: %s", i, strerror(errno));
	}
	uint64_t calls = 0;
	int failed = 0;
	for (int i = 0; i < procs; i++) {
		int st = 0;
		pid_t w;
		while ((w = waitpid(kids[i], &st, WNOHANG)) == 0 || (w < 0 && errno == EINTR)) {
			if (fuzz_now_ns() > deadline + 2 * STUCK_GRACE_NS) { /* its threads' own check did not end it */
				say("not ok - sysfuzz: fuzzing process %d (pid %d) did not exit 40 s after the end\n", i,
				    kids[i]);
				kill(kids[i], SIGKILL);
				break;
			}
			struct timespec ts = {0, 50000000};
			nanosleep(&ts, NULL);
		}
		if (w != kids[i] || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
			say("not ok - sysfuzz: fuzzing process %d (pid %d) ended with status %#x\n", i, kids[i], st);
			failed = 1;
		}
	}
	for (int i = 0; i < procs; i++)
		calls += counts[i];
	if (getpid() == 1) { /* init: orphans (a clone(CLONE_PARENT) child ...) are ours; none may outlive us */
		kill(-1, SIGKILL);
		while (wait4(-1, NULL, __WALL, NULL) > 0 || errno == EINTR)
			;
	}
	double secs = (double)(fuzz_now_ns() - start) / 1e9;
	say("fuzz sysfuzz calls=%llu seconds=%.1f seed=%llu procs=%ld threads=%ld\n", (unsigned long long)calls, secs,
	    (unsigned long long)o.seed, procs, o.threads);
	if (failed) {
		say("FAIL\n");
		return 1;
	}
	say("PASS\n");
	return 0;
}
