/* pfbench.c - the page-fault benchmark (in the spirit of will-it-scale's
 * page_fault1 and sv6's mapbench).  An ordinary static Linux program: the
 * same binary runs on faultline and on the host.
 *
 *   pfbench pf THREADS SECONDS [PAGES]   each thread: mmap its own anonymous
 *        region of PAGES pages (default 512 = 2 MiB), write one byte per page
 *        (one fault each), munmap, repeat.  Prints
 *        "pf threads=T faults/s=N min=A max=B" (A, B: the slowest and fastest
 *        thread's own faults/s).
 *   pfbench mix THREADS SECONDS [PAGES]  the same fault threads plus one
 *        mapper thread looping mmap/touch/munmap of one page (each loop one
 *        mapper op, taking mmap_lock for write twice).  Prints
 *        "mix threads=T faults/s=N mapper_ops/s=M min=A max=B".
 *   pfbench churn THREADS SECONDS       each thread loops over its own small
 *        region: mmap 16 pages, touch them, mprotect half read-only and back
 *        (a split and a merge), mremap to 32 pages (may move), touch the new
 *        half, madvise(MADV_DONTNEED) all, touch 8 pages, munmap - six
 *        address-space changes a loop, each an "op".  Every thread takes
 *        mmap_lock for write all the time, so this measures how the kernel's
 *        locks and TLB shootdowns behave when CPUs contend (and, with more
 *        vCPUs than host cores, when a lock holder's vCPU is not running).
 *        Prints "churn threads=T ops/s=N faults/s=F min=A max=B" (A, B: the
 *        slowest and fastest thread's ops/s).
 *   pfbench onevma THREADS SECONDS       the case per-VMA locks cannot help:
 *        THREADS fault threads and one writer share ONE large anonymous VMA
 *        (THREADS x 2 MiB + 1 MiB).  Each fault thread writes one byte per
 *        page of its own 2 MiB slice, then MADV_DONTNEEDs it (one fault a
 *        page, again and again, no VMA change); the writer flips one page of
 *        the last MiB read-only and back (each mprotect splits the VMA and
 *        merges it again), one op per mprotect.  Faults and writer never
 *        touch the same pages, but they change and fault in the same VMA:
 *        a per-VMA write lock stops every fault in it, a range lock only
 *        those on the page it covers.  Prints "onevma threads=T faults/s=N
 *        writer_ops/s=M min=A max=B".
 *   pfbench null SECONDS                 getppid() in a tight loop.  Prints
 *        "null syscalls/s=N".
 *   pfbench fork SECONDS [MIB]           touch MIB (default 64) of private
 *        memory, then loop: fork, the child _exit(0)s at once, waitpid.
 *        What fork costs a process of that size: an eager copy of every
 *        page, or copy-on-write's PTE sharing.  Prints
 *        "fork mib=M forks/s=N".
 *   pfbench all [SECONDS [PAGES]]        null; pf 1; pf 2; pf N when N, the
 *        online CPU count, is more than 2 (a third point for the faults/s
 *        against threads plot); mix 1; onevma 1; churn with one thread per
 *        online CPU; fork 64 - one boot runs the whole set (SECONDS default
 *        3).  As PID 1 on
 *        Linux (`make bench-linux` boots it as /init) it then powers the
 *        machine off, so QEMU exits instead of the kernel panicking over a
 *        dead init; on faultline it exits as always (the kernel ends QEMU).
 *   pfbench modes=global,vma all ...     on faultline: the whole set in each
 *        lock mode in turn, switching through /proc/mm_lock, each part
 *        after a "pfbench mode=NAME" line - the modes compared in one boot.
 *
 * Threads start together on a barrier; each measures its own interval from
 * the barrier to the moment it sees the stop flag, so setup (thread
 * creation, the first mmap) is not measured.  A case's rate is the sum of
 * the work over the span from the first start to the last end.
 *
 * When /proc/mmstat can be read (faultline's memory-manager counters), each
 * case also prints "mmstat case=NAME seconds=S KEY=DELTA ..." for a few
 * counters, and `all` ends with the whole file, each line prefixed
 * "mmstat_end " (PFBENCH_MMSTAT=FILE reads FILE instead, to try this on the
 * host).  Every result line is "word key=value ...", for scripts
 * (scripts/bench.sh parses them).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/reboot.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096
#define MAX_THREADS 64
#define MMSTAT_PATH "/proc/mmstat"

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void die(const char *what)
{
	fprintf(stderr, "pfbench: %s: %s\n", what, strerror(errno));
	exit(1);
}

struct worker {
	pthread_t tid;
	long pages;      /* region size (fault threads) */
	int index;       /* which thread of its case (onevma: the slice) */
	uint64_t count;  /* faults (fault threads), mapper ops (mapper), ops (churn) */
	uint64_t aux;    /* churn: pages touched (faults) */
	uint64_t t0, t1; /* this thread's measured interval */
};

static pthread_barrier_t start_barrier;
static atomic_int stop;

/* Wait for everyone, then start the clock. */
static void start_together(struct worker *w)
{
	pthread_barrier_wait(&start_barrier);
	w->t0 = now_ns();
}

static void *fault_thread(void *arg)
{
	struct worker *w = arg;
	size_t len = (size_t)w->pages * PAGE;
	start_together(w);
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		volatile char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			die("mmap");
		for (long i = 0; i < w->pages; i++)
			p[i * PAGE] = 1;
		if (munmap((void *)p, len))
			die("munmap");
		w->count += w->pages;
	}
	w->t1 = now_ns();
	return NULL;
}

static void *mapper_thread(void *arg)
{
	struct worker *w = arg;
	start_together(w);
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		volatile char *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			die("mmap");
		p[0] = 1;
		if (munmap((void *)p, PAGE))
			die("munmap");
		w->count++;
	}
	w->t1 = now_ns();
	return NULL;
}

/* onevma (see the top): the shared VMA and its layout. */
#define ONEVMA_SLICE (512L * PAGE) /* a fault thread's 2 MiB */
#define ONEVMA_TAIL  (256L * PAGE) /* the writer's last MiB */
static char *onevma_base;
static int onevma_threads;

/* Fault thread w->index: fault its slice in, drop it, again. */
static void *onevma_fault_thread(void *arg)
{
	struct worker *w = arg;
	volatile char *p = onevma_base + w->index * ONEVMA_SLICE;
	start_together(w);
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		for (long i = 0; i < ONEVMA_SLICE / PAGE; i++)
			p[i * PAGE] = 1;
		if (madvise((void *)p, ONEVMA_SLICE, MADV_DONTNEED))
			die("onevma: madvise");
		w->count += ONEVMA_SLICE / PAGE;
	}
	w->t1 = now_ns();
	return NULL;
}

/* The writer: one page of the tail read-only and back, a split and a merge. */
static void *onevma_writer_thread(void *arg)
{
	struct worker *w = arg;
	char *tail = onevma_base + onevma_threads * ONEVMA_SLICE;
	start_together(w);
	for (long k = 0; !atomic_load_explicit(&stop, memory_order_relaxed); k = (k + 7) % (ONEVMA_TAIL / PAGE)) {
		if (mprotect(tail + k * PAGE, PAGE, PROT_READ) || mprotect(tail + k * PAGE, PAGE, PROT_READ | PROT_WRITE))
			die("onevma: mprotect");
		w->count += 2;
	}
	w->t1 = now_ns();
	return NULL;
}

/* The churn loop (see the top): count = ops, aux = faults (pages touched). */
#define CHURN_PAGES 16
static void churn_touch(volatile char *p, long from, long to)
{
	for (long i = from; i < to; i++)
		p[i * PAGE] = (char)i;
}

static void *churn_thread(void *arg)
{
	struct worker *w = arg;
	const size_t len = CHURN_PAGES * PAGE;
	start_together(w);
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			die("churn: mmap");
		churn_touch(p, 0, CHURN_PAGES);
		if (mprotect(p, len / 2, PROT_READ) || mprotect(p, len / 2, PROT_READ | PROT_WRITE))
			die("churn: mprotect");
		char *q = mremap(p, len, 2 * len, MREMAP_MAYMOVE);
		if (q == MAP_FAILED)
			die("churn: mremap");
		churn_touch(q, CHURN_PAGES, 2 * CHURN_PAGES);
		if (madvise(q, 2 * len, MADV_DONTNEED))
			die("churn: madvise");
		churn_touch(q, 0, CHURN_PAGES / 2);
		if (munmap(q, 2 * len))
			die("churn: munmap");
		w->count += 6;
		w->aux += 2 * CHURN_PAGES + CHURN_PAGES / 2;
	}
	w->t1 = now_ns();
	return NULL;
}

static double rate(uint64_t n, uint64_t ns) { return ns ? (double)n * 1e9 / (double)ns : 0.0; }

/* ---- /proc/mmstat: "name value" lines (also accepts "name: value", "name=value") ---- */

#define MMSTAT_MAX 128 /* room for the counters mm.lock=vma adds */
struct mmstat {
	int n;
	char name[MMSTAT_MAX][48];
	unsigned long long val[MMSTAT_MAX];
};

static int mmstat_read(struct mmstat *s)
{
	const char *path = getenv("PFBENCH_MMSTAT"); /* another file, for trying the parser on the host */
	FILE *f = fopen(path ? path : MMSTAT_PATH, "r");
	s->n = 0;
	if (!f)
		return -1;
	char line[256];
	while (s->n < MMSTAT_MAX && fgets(line, sizeof(line), f)) {
		char *v = line + strcspn(line, " \t:=");
		if (!*v)
			continue;
		*v++ = '\0';
		v += strspn(v, " \t:=");
		char *end;
		unsigned long long x = strtoull(v, &end, 10);
		if (end == v || !line[0])
			continue;
		snprintf(s->name[s->n], sizeof(s->name[0]), "%.47s", line);
		s->val[s->n++] = x;
	}
	fclose(f);
	return 0;
}

static unsigned long long mmstat_get(const struct mmstat *s, const char *name, int *found)
{
	for (int i = 0; i < s->n; i++)
		if (!strcmp(s->name[i], name)) {
			*found = 1;
			return s->val[i];
		}
	return 0;
}

/* The counters a case reports, as deltas over the case (a name this
 * kernel's /proc/mmstat lacks is left out of the line).  The second and
 * third rows are mm.lock=vma's: faults by path, the per-VMA lock's
 * outcomes, and epoch grace periods completed; the last, copy-on-write
 * faults (fork). */
static const char *const mmstat_keys[] = {
	"fault", "mmap_lock_read_wait", "mmap_lock_write_wait", "mmap_lock_wait_cycles",
	"tlb_shootdown_sent", "tlb_ipi_sent",
	"fault_vma", "fault_fallback", "fault_global",
	"vma_lock_success", "vma_lock_abort", "vma_lock_retry", "vma_lock_miss", "epoch_gp",
	"cow_fault", "cow_copy", "cow_reuse",
};

static struct mmstat mm_before;
static int mm_have;
static uint64_t mm_t0;

static void mmstat_begin(void)
{
	mm_have = mmstat_read(&mm_before) == 0;
	mm_t0 = now_ns();
}

static void mmstat_end(const char *name)
{
	struct mmstat after;
	if (!mm_have || mmstat_read(&after))
		return;
	double secs = (double)(now_ns() - mm_t0) / 1e9;
	char buf[1024];
	int len = snprintf(buf, sizeof(buf), "mmstat case=%s seconds=%.3f", name, secs);
	for (size_t i = 0; i < sizeof(mmstat_keys) / sizeof(mmstat_keys[0]); i++) {
		int f0 = 0, f1 = 0;
		unsigned long long b = mmstat_get(&mm_before, mmstat_keys[i], &f0);
		unsigned long long a = mmstat_get(&after, mmstat_keys[i], &f1);
		if (f0 && f1 && len < (int)sizeof(buf))
			len += snprintf(buf + len, sizeof(buf) - len, " %s=%llu", mmstat_keys[i], a - b);
	}
	printf("%s\n", buf);
	fflush(stdout);
}

static void mmstat_dump(void)
{
	struct mmstat s;
	if (mmstat_read(&s))
		return;
	for (int i = 0; i < s.n; i++)
		printf("mmstat_end %s=%llu\n", s.name[i], s.val[i]);
	fflush(stdout);
}

/* ---- the cases ---- */

/* T fault threads (+ a mapper when mapper is set) for secs seconds. */
/* pf, mix and onevma: THREADS fault threads (faulter) and, with a helper
 * function, one more thread beside them (the mix's mapper, onevma's
 * writer); pages: the fault threads' w->pages. */
static void run_threads(const char *mode, int threads, int secs, long pages, void *(*faulter)(void *),
			void *(*helper)(void *), const char *helper_key)
{
	static struct worker w[MAX_THREADS + 1];
	int n = threads + (helper ? 1 : 0);
	memset(w, 0, sizeof(w));
	atomic_store(&stop, 0);
	if (pthread_barrier_init(&start_barrier, NULL, n + 1))
		die("pthread_barrier_init");
	for (int i = 0; i < n; i++) {
		w[i].pages = pages;
		w[i].index = i;
		errno = pthread_create(&w[i].tid, NULL, i < threads ? faulter : helper, &w[i]);
		if (errno)
			die("pthread_create");
	}
	pthread_barrier_wait(&start_barrier);
	struct timespec d = {.tv_sec = secs};
	while (nanosleep(&d, &d) && errno == EINTR)
		;
	atomic_store(&stop, 1);
	for (int i = 0; i < n; i++)
		pthread_join(w[i].tid, NULL);
	pthread_barrier_destroy(&start_barrier);

	uint64_t faults = 0, t0 = UINT64_MAX, t1 = 0;
	double lo = 0, hi = 0;
	for (int i = 0; i < n; i++) {
		t0 = w[i].t0 < t0 ? w[i].t0 : t0;
		t1 = w[i].t1 > t1 ? w[i].t1 : t1;
		if (i >= threads)
			continue;
		faults += w[i].count;
		double r = rate(w[i].count, w[i].t1 - w[i].t0);
		lo = i == 0 || r < lo ? r : lo;
		hi = i == 0 || r > hi ? r : hi;
	}
	if (helper)
		printf("%s threads=%d faults/s=%.0f %s=%.0f min=%.0f max=%.0f\n", mode, threads, rate(faults, t1 - t0),
		       helper_key, rate(w[threads].count, w[threads].t1 - w[threads].t0), lo, hi);
	else
		printf("%s threads=%d faults/s=%.0f min=%.0f max=%.0f\n", mode, threads, rate(faults, t1 - t0), lo,
		       hi);
	fflush(stdout);
}

static void run_faults(const char *mode, int threads, int secs, long pages, int mapper)
{
	run_threads(mode, threads, secs, pages, fault_thread, mapper ? mapper_thread : NULL, "mapper_ops/s");
}

/* onevma: map the one VMA (touched once, so its page tables exist), run. */
static void run_onevma(int threads, int secs)
{
	size_t len = threads * ONEVMA_SLICE + ONEVMA_TAIL;
	onevma_threads = threads;
	onevma_base = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (onevma_base == MAP_FAILED)
		die("onevma: mmap");
	run_threads("onevma", threads, secs, 0, onevma_fault_thread, onevma_writer_thread, "writer_ops/s");
	munmap(onevma_base, len);
}

/* T churn threads for secs seconds. */
static void run_churn(int threads, int secs)
{
	static struct worker w[MAX_THREADS];
	memset(w, 0, sizeof(w));
	atomic_store(&stop, 0);
	if (pthread_barrier_init(&start_barrier, NULL, threads + 1))
		die("pthread_barrier_init");
	for (int i = 0; i < threads; i++)
		if ((errno = pthread_create(&w[i].tid, NULL, churn_thread, &w[i])))
			die("pthread_create");
	pthread_barrier_wait(&start_barrier);
	struct timespec d = {.tv_sec = secs};
	while (nanosleep(&d, &d) && errno == EINTR)
		;
	atomic_store(&stop, 1);
	uint64_t ops = 0, faults = 0, t0 = UINT64_MAX, t1 = 0;
	double lo = 0, hi = 0;
	for (int i = 0; i < threads; i++) {
		pthread_join(w[i].tid, NULL);
		t0 = w[i].t0 < t0 ? w[i].t0 : t0;
		t1 = w[i].t1 > t1 ? w[i].t1 : t1;
		ops += w[i].count;
		faults += w[i].aux;
		double r = rate(w[i].count, w[i].t1 - w[i].t0);
		lo = i == 0 || r < lo ? r : lo;
		hi = i == 0 || r > hi ? r : hi;
	}
	pthread_barrier_destroy(&start_barrier);
	printf("churn threads=%d ops/s=%.0f faults/s=%.0f min=%.0f max=%.0f\n", threads, rate(ops, t1 - t0),
	       rate(faults, t1 - t0), lo, hi);
	fflush(stdout);
}

static void run_null(int secs)
{
	uint64_t n = 0, t0 = now_ns(), end = t0 + (uint64_t)secs * 1000000000u, t;
	do {
		for (int i = 0; i < 4096; i++)
			syscall(SYS_getppid);
		n += 4096;
	} while ((t = now_ns()) < end);
	printf("null syscalls/s=%.0f\n", rate(n, t - t0));
	fflush(stdout);
}

/* fork in a loop from a process with mib MiB of touched private memory;
 * each child exits at once. */
static void run_fork(int secs, long mib)
{
	size_t len = (size_t)mib << 20;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		die("fork: mmap");
	for (size_t off = 0; off < len; off += PAGE)
		p[off] = 1;
	uint64_t n = 0, t0 = now_ns(), end = t0 + (uint64_t)secs * 1000000000u, t;
	do {
		pid_t pid = fork();
		if (pid < 0)
			die("fork: fork");
		if (pid == 0)
			_exit(0);
		int st;
		if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st))
			die("fork: waitpid");
		n++;
	} while ((t = now_ns()) < end);
	printf("fork mib=%ld forks/s=%.1f\n", mib, rate(n, t - t0));
	fflush(stdout);
	munmap(p, len);
}

static long arg_long(const char *s, const char *what, long lo, long hi)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (*s == '\0' || *end || v < lo || v > hi) {
		fprintf(stderr, "pfbench: bad %s '%s' (want %ld..%ld)\n", what, s, lo, hi);
		exit(2);
	}
	return v;
}

static void usage(void)
{
	fprintf(stderr, "usage: pfbench [modes=A,B,...] pf|mix THREADS SECONDS [PAGES]\n"
			"       pfbench churn|onevma THREADS SECONDS\n"
			"       pfbench null SECONDS\n"
			"       pfbench fork SECONDS [MIB]\n"
			"       pfbench [modes=A,B,...] all [SECONDS [PAGES]]\n");
	exit(2);
}

/* modes=: faultline's lock modes to run `all` in, one after the other in
 * one boot (NULL: just the mode the kernel runs). */
static const char *lock_modes;

/* Print the "pfbench mode=NAME" line, then switch (the kernel's notice of
 * the switch follows it in the log): 0, or -1 when the kernel cannot. */
static int switch_lock_mode(const char *m)
{
	char name[32];
	size_t n = strcspn(m, ",");
	snprintf(name, sizeof(name), "%.*s", (int)(n < sizeof(name) ? n : sizeof(name) - 1), m);
	printf("pfbench mode=%s\n", name);
	fflush(stdout);
	int fd = open("/proc/mm_lock", O_WRONLY);
	if (fd < 0 || write(fd, name, strlen(name)) != (ssize_t)strlen(name)) {
		fprintf(stderr, "pfbench: cannot switch to mm.lock=%s: %s\n", name, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

static int online_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > MAX_THREADS ? MAX_THREADS : (int)n;
}

/* One churn thread per online CPU (at least 2, so there is contention). */
static int churn_threads(void)
{
	int n = online_cpus();
	return n < 2 ? 2 : n;
}

/* As init of a Linux kernel (scripts/bench-linux.sh boots pfbench as
 * /init), power off when done: init exiting would panic the kernel.  Not on
 * faultline (uname says "faultline"), whose isa-debug-exit path reports
 * init's exit status to the bench script. */
static void linux_init_power_off(void)
{
	struct utsname u;
	if (getpid() != 1 || uname(&u) || strcmp(u.sysname, "Linux"))
		return;
	sync();
	reboot(RB_POWER_OFF);
	fprintf(stderr, "pfbench: reboot(RB_POWER_OFF): %s\n", strerror(errno));
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 1 && !strncmp(argv[1], "modes=", 6)) {
		lock_modes = argv[1] + 6;
		argv++;
		argc--;
	}
	if (argc < 2)
		usage();
	const char *mode = argv[1];
	if (!strcmp(mode, "pf") || !strcmp(mode, "mix")) {
		if (argc < 4 || argc > 5)
			usage();
		int threads = arg_long(argv[2], "THREADS", 1, MAX_THREADS);
		int secs = arg_long(argv[3], "SECONDS", 1, 3600);
		long pages = argc > 4 ? arg_long(argv[4], "PAGES", 1, 1L << 20) : 512;
		mmstat_begin();
		run_faults(mode, threads, secs, pages, mode[0] == 'm');
		mmstat_end(mode);
	} else if (!strcmp(mode, "onevma")) {
		if (argc != 4)
			usage();
		int threads = arg_long(argv[2], "THREADS", 1, MAX_THREADS - 1);
		int secs = arg_long(argv[3], "SECONDS", 1, 3600);
		mmstat_begin();
		run_onevma(threads, secs);
		mmstat_end("onevma");
	} else if (!strcmp(mode, "churn")) {
		if (argc != 4)
			usage();
		int threads = arg_long(argv[2], "THREADS", 1, MAX_THREADS);
		int secs = arg_long(argv[3], "SECONDS", 1, 3600);
		mmstat_begin();
		run_churn(threads, secs);
		mmstat_end("churn");
	} else if (!strcmp(mode, "fork")) {
		if (argc < 3 || argc > 4)
			usage();
		int secs = arg_long(argv[2], "SECONDS", 1, 3600);
		long mib = argc > 3 ? arg_long(argv[3], "MIB", 1, 4096) : 64;
		mmstat_begin();
		run_fork(secs, mib);
		mmstat_end("fork");
	} else if (!strcmp(mode, "null")) {
		if (argc != 3)
			usage();
		run_null(arg_long(argv[2], "SECONDS", 1, 3600));
	} else if (!strcmp(mode, "all")) {
		if (argc > 4)
			usage();
		int secs = argc > 2 ? arg_long(argv[2], "SECONDS", 1, 3600) : 3;
		long pages = argc > 3 ? arg_long(argv[3], "PAGES", 1, 1L << 20) : 512;
		/* modes=A,B,...: each lock mode in turn, in this one boot (a
		 * "pfbench mode=A" line before its cases), through /proc/mm_lock */
		const char *m = lock_modes;
		do {
			const char *next = m && strchr(m, ',') ? strchr(m, ',') + 1 : NULL;
			if (m && switch_lock_mode(m)) {
				m = next;
				continue;
			}
			m = next;
			run_null(secs);
			mmstat_begin();
			run_faults("pf", 1, secs, pages, 0);
			mmstat_end("pf1");
			mmstat_begin();
			run_faults("pf", 2, secs, pages, 0);
			mmstat_end("pf2");
			if (online_cpus() > 2) {
				char name[16];
				snprintf(name, sizeof(name), "pf%d", online_cpus());
				mmstat_begin();
				run_faults("pf", online_cpus(), secs, pages, 0);
				mmstat_end(name);
			}
			mmstat_begin();
			run_faults("mix", 1, secs, pages, 1);
			mmstat_end("mix1");
			mmstat_begin();
			run_onevma(1, secs);
			mmstat_end("onevma1");
			mmstat_begin();
			run_churn(churn_threads(), secs);
			mmstat_end("churn");
			mmstat_begin();
			run_fork(secs, 64);
			mmstat_end("fork");
		} while (m);
		mmstat_dump();
		printf("pfbench done\n");
		linux_init_power_off();
	} else {
		usage();
	}
	return 0;
}
