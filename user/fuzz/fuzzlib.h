/* fuzzlib.h - what mmfuzz and sysfuzz share: arguments, a per-thread random
 * number generator, the address window they map and unmap in, hostile
 * addresses and lengths, catching the faults a probe expects, and the ring
 * buffer of each thread's last calls printed when something goes wrong.
 *
 * Header-only (static functions) so each fuzzer stays one compile step in
 * user/user.mk.  No malloc: a fuzzer that plays with brk must not have a heap
 * in the way.  Everything here is an ordinary Linux program, so both
 * fuzzers run on the host too (make them with musl-gcc -static or gcc).
 */
#ifndef USER_FUZZ_FUZZLIB_H
#define USER_FUZZ_FUZZLIB_H

#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>
#include <ucontext.h>

#include "check.h" /* user/lib: catch_signal */
#include <unistd.h>

#define PAGE 4096UL
#define MAX_THREADS 16
#define RING 32

/* The window every mm call of the fuzzers stays in: nothing of the
 * program (text, data, brk heap, stacks, libc's mappings) is ever in it. */
#define WIN_BASE 0x100000000000UL /* 16 TiB */
#define WIN_SIZE (64UL << 20)
#define WIN_END (WIN_BASE + WIN_SIZE)

/* Addresses no call may ever read or write through. */
#define KADDR_HALF 0xffff800000000000UL   /* the start of the kernel half */
#define KADDR_DIRECT 0xffff888000000000UL /* the direct map (as Linux) */
#define KADDR_IMAGE 0xffffffff80000000UL  /* the kernel image */
#define NON_CANONICAL 0x0000800000000000UL
static const unsigned long bad_addrs[] = {
	KADDR_HALF, KADDR_DIRECT, KADDR_IMAGE, KADDR_IMAGE + 0x1000, NON_CANONICAL, NON_CANONICAL - 8,
	0x8000000000000000UL, ~0UL, ~0UL - 4095,
};
#define NBAD (sizeof(bad_addrs) / sizeof(bad_addrs[0]))

/* ---- arguments: seconds=N threads=N seed=N (and the fuzzer's own) ---- */
struct fuzz_opts {
	long seconds, threads;
	uint64_t seed;
};

/* Parse "key=value" arguments; unknown keys are left to the caller
 * (extra(key, value) returns false for a key it does not know either). */
static __attribute__((unused)) void fuzz_parse(int argc, char **argv, struct fuzz_opts *o, bool (*extra)(const char *, long))
{
	o->seconds = 5;
	o->threads = 4;
	o->seed = 0;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	o->seed = ((uint64_t)ts.tv_sec * 1000003u) ^ (uint64_t)ts.tv_nsec;
	o->seed %= 1000000007u;
	for (int i = 1; i < argc; i++) {
		char *eq = strchr(argv[i], '=');
		long v = eq ? strtol(eq + 1, NULL, 0) : 0;
		if (!eq)
			goto bad;
		if (!strncmp(argv[i], "seconds=", 8))
			o->seconds = v;
		else if (!strncmp(argv[i], "threads=", 8))
			o->threads = v < 1 ? 1 : v > MAX_THREADS ? MAX_THREADS : v;
		else if (!strncmp(argv[i], "seed=", 5))
			o->seed = strtoull(eq + 1, NULL, 0);
		else if (!extra || !extra(argv[i], v))
			goto bad;
		continue;
bad:
		fprintf(stderr, "usage: %s [seconds=N] [threads=N] [seed=N]: bad argument '%s'\n", argv[0], argv[i]);
		exit(2);
	}
}

/* ---- random numbers: xorshift64*, one state per thread ---- */
static inline uint64_t rnd(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545F4914F6CDD1DULL;
}
static inline uint64_t rnd_below(uint64_t *s, uint64_t n) { return n ? rnd(s) % n : 0; }
static inline bool one_in(uint64_t *s, unsigned n) { return rnd_below(s, n) == 0; }
/* A thread's seed from the run's: splitmix64 of (seed, who). */
static inline uint64_t seed_for(uint64_t seed, uint64_t who)
{
	uint64_t z = seed + 0x9E3779B97F4A7C15ULL * (who + 1);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	z ^= z >> 31;
	return z ? z : 1;
}

/* An address in the window: page-aligned mostly, sometimes not. */
static inline unsigned long win_addr(uint64_t *s)
{
	unsigned long a = WIN_BASE + rnd_below(s, WIN_SIZE / PAGE) * PAGE;
	return one_in(s, 16) ? a + 1 + rnd_below(s, PAGE - 1) : a;
}
/* A length for the window: a few pages mostly, up to 4 MiB. */
static inline unsigned long win_len(uint64_t *s)
{
	switch (rnd_below(s, 8)) {
	case 0: return PAGE;
	case 1: return rnd_below(s, 1024) * PAGE; /* up to 4 MiB, sometimes 0 */
	case 2: return 1 + rnd_below(s, 3 * PAGE); /* unaligned */
	default: return (1 + rnd_below(s, 16)) * PAGE;
	}
}
/* A hostile length: 0, huge, negative, just past a page. */
static inline unsigned long evil_len(uint64_t *s)
{
	static const unsigned long lens[] = {0, 1, PAGE - 1, PAGE + 1, 0x7fffffffUL, 0x80000000UL, 0xffffffffUL,
					     1UL << 40, 1UL << 47, ~0UL, ~0UL - PAGE + 2, 0x8000000000000000UL};
	return lens[rnd_below(s, sizeof(lens) / sizeof(lens[0]))];
}
/* A hostile integer (fd, flags, count, signal ...). */
static inline long evil_int(uint64_t *s)
{
	static const long v[] = {0, 1, -1, 2, 3, 7, 63, 64, 65, 255, 1024, 4096, 65535, 0x7fffffff, -0x80000000L,
				 0x80000000L, 0xffffffffL, 0x7fffffffffffffffL, (long)0x8000000000000000UL, -2, -100};
	return one_in(s, 3) ? (long)rnd(s) : v[rnd_below(s, sizeof(v) / sizeof(v[0]))];
}

/* ---- the calls each thread made: a ring buffer ---- */
struct call_rec {
	uint64_t n;
	const char *name;
	long nr, a[6], ret;
};
struct fuzz_thread {
	int id;
	pid_t tid;
	uint64_t rng;
	uint64_t seed;
	uint64_t calls;
	struct call_rec ring[RING];
	volatile int probing;     /* a fault now is expected: longjmp to probe_env */
	volatile int faults;      /* faults the probes caught */
	sigjmp_buf probe_env;
	void *priv; /* the fuzzer's own per-thread state */
	volatile int *done; /* set by the thread when it is finished */
};
static struct fuzz_thread fuzz_threads[MAX_THREADS];
static int fuzz_nthreads;
static __thread struct fuzz_thread *self_t;
static const char *fuzz_name = "fuzz";
static bool on_faultline;
/* A forked child whose death is expected: a stray signal ends it quietly;
 * a failed sanity check there exits with fuzz_fail_status. */
static volatile int fuzz_expendable;
static int fuzz_fail_status = 1;
static long fuzz_pid; /* the process whose rings fuzz_fail prints (0: any) */

/* Record a call about to be made (ret filled in by rec_ret). */
static inline struct call_rec *rec_call(struct fuzz_thread *t, const char *name, long nr, const long a[6])
{
	struct call_rec *r = &t->ring[t->calls % RING];
	r->n = t->calls++;
	r->name = name;
	r->nr = nr;
	for (int i = 0; i < 6; i++)
		r->a[i] = a ? a[i] : 0;
	r->ret = -9999; /* "did not return" */
	return r;
}
static inline long rec_ret(struct call_rec *r, long ret)
{
	r->ret = ret;
	return ret;
}

/* write(2) a formatted line, in one piece; usable from a signal handler
 * as long as nothing else is (vsnprintf of musl is). */
static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(buf) - 1)
		n = sizeof(buf) - 1;
	if (n > 0)
		write(1, buf, n);
}

static __attribute__((unused)) void dump_thread(struct fuzz_thread *t)
{
	say("# thread %d (tid %d, seed %llu): %llu calls, the last ones:\n", t->id, t->tid, (unsigned long long)t->seed,
	    (unsigned long long)t->calls);
	uint64_t first = t->calls > RING ? t->calls - RING : 0;
	for (uint64_t n = first; n < t->calls; n++) {
		struct call_rec *r = &t->ring[n % RING];
		say("#   %6llu %s(%lx, %lx, %lx, %lx, %lx, %lx) = %ld%s\n", (unsigned long long)r->n, r->name,
		    r->a[0], r->a[1], r->a[2], r->a[3], r->a[4], r->a[5], r->ret, r->ret == -9999 ? " (no return)" : "");
	}
}

/* Something is wrong: print why and every thread's ring, then FAIL. */
static void fuzz_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void fuzz_fail(const char *fmt, ...)
{
	static volatile int failing;
	char buf[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (fuzz_pid && syscall(SYS_getpid) != fuzz_pid) { /* a child of a fork/clone/vfork call: no rings here */
		say("not ok - %s: in child %ld: %s\n", fuzz_name, syscall(SYS_getpid), buf);
		syscall(SYS_exit_group, fuzz_fail_status);
	}
	if (__atomic_exchange_n(&failing, 1, __ATOMIC_SEQ_CST)) { /* another thread is reporting */
		for (;;)
			pause();
	}
	say("not ok - %s: %s\n", fuzz_name, buf);
	for (int i = 0; i < fuzz_nthreads; i++)
		dump_thread(&fuzz_threads[i]);
	say("FAIL\n");
	_exit(fuzz_fail_status);
}

/* ---- faults: a probe expects them, anything else is a failure ---- */
static __attribute__((unused)) void fault_handler(int sig, siginfo_t *si, void *uc)
{
	struct fuzz_thread *t = self_t;
	if (t && t->probing) {
		t->probing = 0;
		t->faults++;
		siglongjmp(t->probe_env, 1);
	}
	if (fuzz_expendable)
		syscall(SYS_exit_group, 128 + sig);
	unsigned long rip = 0;
#if defined(__x86_64__) && defined(REG_RIP)
	rip = (unsigned long)((ucontext_t *)uc)->uc_mcontext.gregs[REG_RIP];
#endif
	fuzz_fail("unexpected signal %d (code %d, address %p, rip %#lx) in thread %d (pid %ld tid %ld)", sig,
		  si->si_code, si->si_addr, rip, t ? t->id : -1, syscall(SYS_getpid), syscall(SYS_gettid));
}

static __attribute__((unused)) void install_fault_handlers(void)
{
	/* (siglongjmp restores the mask sigsetjmp saved: no SA_NODEFER needed) */
	catch_signal(SIGSEGV, fault_handler);
	catch_signal(SIGBUS, fault_handler);
	catch_signal(SIGILL, fault_handler);
	catch_signal(SIGFPE, fault_handler);
	signal(SIGPIPE, SIG_IGN);
	struct utsname u;
	on_faultline = uname(&u) == 0 && !strcmp(u.sysname, "faultline");
}

/* Read (write=false) or write one byte at addr; true if it did not fault. */
static __attribute__((unused)) bool touch(struct fuzz_thread *t, unsigned long addr, bool write)
{
	volatile char *p = (volatile char *)addr;
	long a[6] = {(long)addr, write};
	struct call_rec *r = rec_call(t, write ? "touch-write" : "touch-read", -1, a);
	if (sigsetjmp(t->probe_env, 1)) {
		rec_ret(r, -EFAULT);
		return false;
	}
	t->probing = 1;
	if (write)
		*p = (char)addr;
	else
		(void)*p;
	t->probing = 0;
	rec_ret(r, 0);
	return true;
}

/* A raw system call recorded in the ring; returns -errno like the kernel. */
static __attribute__((unused)) long fcall(struct fuzz_thread *t, const char *name, long nr, long a0, long a1, long a2, long a3, long a4,
		  long a5)
{
	long a[6] = {a0, a1, a2, a3, a4, a5};
	struct call_rec *r = rec_call(t, name, nr, a);
	long ret = syscall(nr, a0, a1, a2, a3, a4, a5);
	return rec_ret(r, ret == -1 ? -errno : ret);
}

static inline int64_t fuzz_now_ns(void);

/* Run fn on every thread for the opts; returns the calls made.  A thread
 * that has not finished 20 s after the deadline is stuck in a call (a
 * faultline sleep that nothing ends): that is a failure, and its ring
 * shows the call ("(no return)"). */
#define STUCK_GRACE_NS (20 * 1000000000LL)
static __attribute__((unused)) uint64_t run_threads(const struct fuzz_opts *o, uint64_t salt, void *(*fn)(void *),
						    int64_t deadline)
{
	pthread_t th[MAX_THREADS];
	static volatile int done[MAX_THREADS];
	fuzz_nthreads = (int)o->threads;
	for (int i = 0; i < fuzz_nthreads; i++) {
		struct fuzz_thread *t = &fuzz_threads[i];
		memset(t, 0, sizeof(*t));
		t->id = i;
		t->seed = seed_for(o->seed, salt * MAX_THREADS + i);
		t->rng = t->seed;
		t->done = &done[i];
		if (pthread_create(&th[i], NULL, fn, t))
			fuzz_fail("pthread_create failed");
	}
	for (int i = 0; i < fuzz_nthreads; i++)
		while (!done[i]) {
			if (fuzz_now_ns() > deadline + STUCK_GRACE_NS)
				fuzz_fail("thread %d is stuck: no return from call %llu, 20 s after the end", i,
					  (unsigned long long)fuzz_threads[i].calls - 1);
			struct timespec ts = {0, 50000000};
			nanosleep(&ts, NULL);
		}
	uint64_t calls = 0;
	for (int i = 0; i < fuzz_nthreads; i++) {
		pthread_join(th[i], NULL);
		calls += fuzz_threads[i].calls;
	}
	return calls;
}

static inline int64_t fuzz_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

#endif
