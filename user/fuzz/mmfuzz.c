/* mmfuzz.c - a memory-manager fuzzer: threads (default 4) issue random
 * mmap / munmap / mprotect / mremap / madvise / brk / fork in a 64 MiB
 * window of the address space, touch random addresses in it (catching
 * SIGSEGV and SIGBUS with sigsetjmp/siglongjmp), and hand random user
 * addresses - mapped, unmapped, read-only, PROT_NONE, kernel and
 * non-canonical - to read(2) and write(2) on a pipe and to /proc/self/maps
 * reads, while the other threads change the window under them.
 *
 * What must hold, whatever the interleaving: no signal outside a probe; a
 * kernel, non-canonical or PROT_NONE buffer never moves a byte (EFAULT);
 * a read-only page is never written; MAP_FIXED and MREMAP_FIXED return the
 * address asked for; misaligned munmap/mprotect/madvise are EINVAL; a
 * forked child sees its parent's page and its writes never reach the
 * parent (copy-on-write).  Anything else is a failure: the last 32 calls
 * of every thread are printed and the program exits 1.
 *
 * Usage: mmfuzz [seconds=N] [threads=N] [seed=N]; prints
 * "fuzz mmfuzz calls=N seconds=S seed=X" and PASS.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/wait.h>

#include "fuzzlib.h"

#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
#endif

static unsigned long brk0;     /* the break at start */
static char *ro_page;           /* PROT_READ, filled with RO_BYTE */
static char *none_page;         /* PROT_NONE */
#define RO_BYTE 0x5a
static int64_t deadline;

struct mm_priv {
	int pr, pw;      /* a non-blocking pipe */
	char *home;      /* a private page outside the window, for COW checks */
	unsigned gen;    /* the pattern in home */
	int maps_fd;
};

static void check_ro_page(void)
{
	for (unsigned long i = 0; i < PAGE; i += 64)
		if (ro_page[i] != RO_BYTE)
			fuzz_fail("the read-only page changed at offset %lu", i);
}

/* Unmap whatever a non-fixed mmap or a moving mremap put outside the window. */
static void keep_in_window(struct fuzz_thread *t, long ret, unsigned long len)
{
	if (ret < 0 || len == 0)
		return;
	unsigned long a = (unsigned long)ret, l = (len + PAGE - 1) & ~(PAGE - 1);
	if (a < WIN_BASE || a + l > WIN_END)
		fcall(t, "munmap(outside)", SYS_munmap, (long)a, (long)l, 0, 0, 0, 0);
}

static unsigned long clip(unsigned long addr, unsigned long len)
{
	return addr + len > WIN_END ? WIN_END - addr : len;
}

static void op_mmap(struct fuzz_thread *t)
{
	uint64_t *r = &t->rng;
	unsigned long addr = win_addr(r) & ~(PAGE - 1), len = clip(addr, win_len(r));
	long prot = rnd_below(r, 8); /* READ|WRITE|EXEC */
	if (one_in(r, 32))
		prot = evil_int(r);
	long flags = (one_in(r, 8) ? MAP_SHARED : MAP_PRIVATE) | MAP_ANONYMOUS;
	bool fixed = one_in(r, 2);
	if (fixed)
		flags |= one_in(r, 4) ? MAP_FIXED_NOREPLACE : MAP_FIXED;
	if (one_in(r, 8))
		flags |= MAP_POPULATE;
	if (one_in(r, 8))
		flags |= MAP_NORESERVE;
	long ret = fcall(t, "mmap", SYS_mmap, (long)addr, (long)len, prot, flags, -1, 0);
	if (ret >= 0 && (flags & MAP_FIXED) && !(flags & MAP_FIXED_NOREPLACE) && (unsigned long)ret != addr)
		fuzz_fail("mmap MAP_FIXED at %lx returned %lx", addr, (unsigned long)ret);
	if (ret >= 0 && len == 0)
		fuzz_fail("mmap of length 0 succeeded");
	keep_in_window(t, ret, len);
}

static void op_munmap(struct fuzz_thread *t)
{
	unsigned long addr = win_addr(&t->rng), len = clip(addr, win_len(&t->rng));
	long ret = fcall(t, "munmap", SYS_munmap, (long)addr, (long)len, 0, 0, 0, 0);
	if ((addr & (PAGE - 1)) && ret != -EINVAL)
		fuzz_fail("munmap of a misaligned address returned %ld, not -EINVAL", ret);
}

static void op_mprotect(struct fuzz_thread *t)
{
	uint64_t *r = &t->rng;
	unsigned long addr = win_addr(r), len = clip(addr, win_len(r));
	long prot = one_in(r, 16) ? evil_int(r) : (long)rnd_below(r, 8);
	long ret = fcall(t, "mprotect", SYS_mprotect, (long)addr, (long)len, prot, 0, 0, 0);
	if ((addr & (PAGE - 1)) && ret != -EINVAL)
		fuzz_fail("mprotect of a misaligned address returned %ld, not -EINVAL", ret);
}

static void op_madvise(struct fuzz_thread *t)
{
	static const long advice[] = {MADV_NORMAL, MADV_RANDOM, MADV_SEQUENTIAL, MADV_WILLNEED, MADV_DONTNEED,
				      MADV_FREE, MADV_DONTFORK, MADV_DOFORK, MADV_DONTDUMP, MADV_DODUMP, 12345, -1};
	uint64_t *r = &t->rng;
	unsigned long addr = win_addr(r), len = clip(addr, win_len(r));
	long adv = advice[rnd_below(r, sizeof(advice) / sizeof(advice[0]))];
	long ret = fcall(t, "madvise", SYS_madvise, (long)addr, (long)len, adv, 0, 0, 0);
	if ((addr & (PAGE - 1)) && ret != -EINVAL)
		fuzz_fail("madvise of a misaligned address returned %ld, not -EINVAL", ret);
}

static void op_mremap(struct fuzz_thread *t)
{
	uint64_t *r = &t->rng;
	unsigned long old = win_addr(r), old_len = clip(old, win_len(r));
	unsigned long new_addr = win_addr(r) & ~(PAGE - 1), new_len = clip(new_addr, win_len(r));
	static const long flag_sets[] = {0, MREMAP_MAYMOVE, MREMAP_MAYMOVE | MREMAP_FIXED,
					 MREMAP_MAYMOVE | MREMAP_DONTUNMAP, MREMAP_FIXED, 0x80};
	long flags = flag_sets[rnd_below(r, sizeof(flag_sets) / sizeof(flag_sets[0]))];
	if (!(flags & MREMAP_FIXED) && new_len > WIN_END - old)
		new_len = WIN_END - old; /* growing in place stays in the window */
	if (flags & MREMAP_DONTUNMAP)
		new_len = old_len;
	long ret = fcall(t, "mremap", SYS_mremap, (long)old, (long)old_len, (long)new_len, flags, (long)new_addr, 0);
	if (ret >= 0 && (flags & MREMAP_FIXED) && (unsigned long)ret != new_addr)
		fuzz_fail("mremap MREMAP_FIXED to %lx returned %lx", new_addr, (unsigned long)ret);
	if (ret >= 0 && (old & (PAGE - 1)))
		fuzz_fail("mremap of a misaligned address succeeded");
	if (ret >= 0 && (unsigned long)ret != old)
		keep_in_window(t, ret, new_len);
}

static void op_brk(struct fuzz_thread *t)
{
	uint64_t *r = &t->rng;
	unsigned long want = brk0 + rnd_below(r, 16UL << 20);
	long cur = fcall(t, "brk", SYS_brk, (long)want, 0, 0, 0, 0, 0);
	/* touch the heap just below the break: another thread may have moved it */
	if ((unsigned long)cur > brk0 + 16)
		touch(t, brk0 + rnd_below(r, (unsigned long)cur - brk0), one_in(r, 2));
}

static void op_touch(struct fuzz_thread *t)
{
	unsigned long a = win_addr(&t->rng);
	int n = 1 + (int)rnd_below(&t->rng, 8);
	for (int i = 0; i < n && a + i * PAGE < WIN_END; i++)
		touch(t, a + i * PAGE, one_in(&t->rng, 2));
}

/* fork: the child sees its parent's page, writes its own copy, touches a
 * few window pages, exits; the parent's page is unchanged. */
static void op_fork(struct fuzz_thread *t)
{
	struct mm_priv *p = t->priv;
	unsigned gen = ++p->gen;
	memset(p->home, (int)(gen & 0xff), PAGE);
	struct call_rec *rc = rec_call(t, "fork", SYS_fork, NULL);
	pid_t pid = fork();
	if (pid == 0) {
		fuzz_nthreads = 0; /* a failure report here shows no (stale) rings */
		for (unsigned long i = 0; i < PAGE; i++)
			if ((unsigned char)p->home[i] != (gen & 0xff)) {
				say("not ok - mmfuzz: child sees %02x at %lu of its parent's page, not %02x\n",
				    (unsigned char)p->home[i], i, gen & 0xff);
				_exit(3);
			}
		memset(p->home, (int)(~gen & 0xff), PAGE);
		for (int i = 0; i < 4; i++)
			touch(t, win_addr(&t->rng), one_in(&t->rng, 2));
		_exit(0);
	}
	rec_ret(rc, pid < 0 ? -errno : pid);
	if (pid < 0)
		return;
	int status;
	long w;
	while ((w = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
		;
	if (w != pid)
		fuzz_fail("waitpid(%d) returned %ld (errno %d)", pid, w, errno);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fuzz_fail("forked child %d ended with status %#x", pid, status);
	for (unsigned long i = 0; i < PAGE; i++)
		if ((unsigned char)p->home[i] != (gen & 0xff))
			fuzz_fail("the child's write reached the parent's page at %lu (%02x)", i,
				  (unsigned char)p->home[i]);
	/* The child ran the same random sequence; step past it. */
	for (int i = 0; i < 8; i++)
		rnd(&t->rng);
}

/* A random user buffer for read/write, and whether it must fault. */
static unsigned long io_buf(struct fuzz_thread *t, int *must_fault, int *kind)
{
	struct mm_priv *p = t->priv;
	uint64_t *r = &t->rng;
	*must_fault = 0;
	switch (*kind = (int)rnd_below(r, 6)) {
	case 0: *must_fault = 1; return bad_addrs[rnd_below(r, NBAD)];
	case 1: *must_fault = 1; return rnd_below(r, 4096); /* the NULL page */
	case 2: *must_fault = 1; return (unsigned long)none_page + rnd_below(r, PAGE);
	case 3: return (unsigned long)ro_page + rnd_below(r, PAGE);
	case 4: return (unsigned long)p->home + rnd_below(r, 64);
	default: return win_addr(r);
	}
}

static void op_pipe_io(struct fuzz_thread *t)
{
	struct mm_priv *p = t->priv;
	uint64_t *r = &t->rng;
	int must_fault, kind;
	unsigned long buf = io_buf(t, &must_fault, &kind);
	unsigned long len = one_in(r, 8) ? evil_len(r) : 1 + rnd_below(r, 2 * PAGE);
	if (kind == 4 && len > PAGE - 64)
		len = PAGE - 64; /* stays in the home page */
	if (kind == 3 && buf + len > (unsigned long)ro_page + PAGE)
		len = (unsigned long)ro_page + PAGE - buf; /* reads stay in the page, writes must fault anyway */
	bool wr = one_in(r, 2);
	long ret;
	if (wr)
		ret = fcall(t, "write(pipe)", SYS_write, p->pw, (long)buf, (long)len, 0, 0, 0);
	else
		ret = fcall(t, "read(pipe)", SYS_read, p->pr, (long)buf, (long)len, 0, 0, 0);
	if (must_fault && len > 0 && ret > 0)
		fuzz_fail("%s of %lu bytes at %lx moved %ld bytes (want EFAULT)", wr ? "write" : "read", len, buf, ret);
	if (!wr && kind == 3 && ret > 0)
		fuzz_fail("read into the read-only page at %lx returned %ld", buf, ret);
	if (kind == 3)
		check_ro_page();
	if (ret == -EAGAIN && wr) /* full: drain it */
		while (fcall(t, "read(drain)", SYS_read, p->pr, (long)p->home, (long)PAGE, 0, 0, 0) > 0)
			;
}

/* Read /proc/self/maps (on Linux too) into a random buffer, racing the writers. */
static void op_maps(struct fuzz_thread *t)
{
	struct mm_priv *p = t->priv;
	if (p->maps_fd < 0)
		return;
	int must_fault, kind;
	unsigned long buf = io_buf(t, &must_fault, &kind);
	unsigned long len = kind == 4 ? PAGE - 64 : kind == 3 ? 64 : 1 + rnd_below(&t->rng, 3 * PAGE);
	long ret = fcall(t, "read(maps)", SYS_read, p->maps_fd, (long)buf, (long)len, 0, 0, 0);
	if (must_fault && ret > 0)
		fuzz_fail("read of /proc/self/maps into %lx moved %ld bytes (want EFAULT)", buf, ret);
	if (kind == 3) {
		if (ret > 0)
			fuzz_fail("read of /proc/self/maps into the read-only page returned %ld", ret);
		check_ro_page();
	}
	if (ret == 0 || one_in(&t->rng, 4))
		fcall(t, "lseek(maps)", SYS_lseek, p->maps_fd, 0, SEEK_SET, 0, 0, 0);
}

static void *worker(void *arg)
{
	struct fuzz_thread *t = arg;
	struct mm_priv priv = {.maps_fd = -1};
	int fds[2];
	self_t = t;
	t->tid = (pid_t)syscall(SYS_gettid);
	t->priv = &priv;
	if (pipe2(fds, O_NONBLOCK | O_CLOEXEC))
		fuzz_fail("pipe2: %s", strerror(errno));
	priv.pr = fds[0];
	priv.pw = fds[1];
	priv.home = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (priv.home == MAP_FAILED || ((unsigned long)priv.home >= WIN_BASE && (unsigned long)priv.home < WIN_END))
		fuzz_fail("mmap of the home page");
	priv.maps_fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	while (fuzz_now_ns() < deadline) {
		for (int i = 0; i < 64; i++) {
			switch (rnd_below(&t->rng, 100)) {
			case 0 ... 14: op_mmap(t); break;
			case 15 ... 24: op_munmap(t); break;
			case 25 ... 34: op_mprotect(t); break;
			case 35 ... 44: op_mremap(t); break;
			case 45 ... 52: op_madvise(t); break;
			case 53 ... 56: op_brk(t); break;
			case 57 ... 76: op_touch(t); break;
			case 77: op_fork(t); break;
			case 78 ... 94: op_pipe_io(t); break;
			default: op_maps(t); break;
			}
		}
	}
	close(priv.pr);
	close(priv.pw);
	if (priv.maps_fd >= 0)
		close(priv.maps_fd);
	munmap(priv.home, PAGE);
	*t->done = 1;
	return NULL;
}

int main(int argc, char **argv)
{
	struct fuzz_opts o;
	fuzz_name = "mmfuzz";
	setvbuf(stdout, NULL, _IONBF, 0);
	fuzz_parse(argc, argv, &o, NULL);
	install_fault_handlers();
	fuzz_pid = getpid();
	brk0 = (unsigned long)syscall(SYS_brk, 0);
	ro_page = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	none_page = mmap(NULL, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ro_page == MAP_FAILED || none_page == MAP_FAILED)
		fuzz_fail("mmap of the read-only and PROT_NONE pages");
	memset(ro_page, RO_BYTE, PAGE);
	mprotect(ro_page, PAGE, PROT_READ);
	say("# mmfuzz: seconds=%ld threads=%ld seed=%llu window %#lx-%#lx\n", o.seconds, o.threads,
	    (unsigned long long)o.seed, WIN_BASE, WIN_END);
	int64_t start = fuzz_now_ns();
	deadline = start + o.seconds * 1000000000LL;
	uint64_t calls = run_threads(&o, 1, worker, deadline);
	/* Leave nothing behind: unmap the window, put the break back. */
	munmap((void *)WIN_BASE, WIN_SIZE);
	syscall(SYS_brk, brk0);
	check_ro_page();
	double secs = (double)(fuzz_now_ns() - start) / 1e9;
	unsigned long faults = 0;
	for (int i = 0; i < fuzz_nthreads; i++)
		faults += (unsigned long)fuzz_threads[i].faults;
	say("fuzz mmfuzz calls=%llu seconds=%.1f seed=%llu faults=%lu\n", (unsigned long long)calls, secs,
	    (unsigned long long)o.seed, faults);
	say("PASS\n");
	return 0;
}
