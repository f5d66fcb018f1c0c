/* faulttop.c - a live view of page-fault contention, per CPU, in the
 * spirit of top(1): every interval it reads faultline's per-CPU
 * memory-manager counters (/proc/mmstat_cpu, mm/mmstat.h) and shows, per
 * CPU and in total, the rates of faults by path, lock waits, TLB
 * shootdown IPIs, pages zeroed and epoch grace periods, a bar per CPU for
 * its faults/s, and the lock mode (/proc/mm_lock).
 *
 *   faulttop [-b] [-d SECONDS] [-n COUNT]        watch (COUNT refreshes, or forever)
 *   faulttop [-b] [-d SECONDS] -- CMD [ARGS...]  run CMD beside it, then a summary
 *
 * The screen is redrawn in place with ANSI escapes (cursor home, each line
 * cleared to its end, one write(2) per frame), so nothing flickers.  With
 * a command, the table stays at the top and the terminal's scrolling region
 * (DECSTBM) is set to the lines below it, where CMD's output scrolls; the
 * height comes from $LINES (default 24), the width from $COLUMNS (default
 * 100; the bar takes what the columns leave, 4 to 56 characters; full =
 * the busiest CPU's peak).  -b (batch) writes no escapes: one block of lines per
 * refresh, for logs and tests.  When CMD exits, faulttop prints the rates
 * over the whole run and exact totals as "summary ..." lines (key=value,
 * for scripts), and exits with CMD's status (128 + N if killed by signal N).
 * A CMD without '/' is looked up in /bin, /bench and /tests.
 *
 * Exit status: CMD's; 0 without a command; 1 if the counters cannot be
 * read (not faultline, e.g. Linux); 2 for bad usage; 127 if CMD cannot run. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define STAT_PATH "/proc/mmstat_cpu"
#define MODE_PATH "/proc/mm_lock"
#define MAX_CPUS 256
#define POLL_NS 50000000ll /* how often the command's end is looked for */

extern char **environ;

/* What a column shows: the sum of up to three /proc/mmstat_cpu rows. */
#define NROWS 3
enum col { C_FAULT, C_VMA, C_FALLBACK, C_GLOBAL, C_MMAP_WAIT, C_VMA_WAIT, C_VMA_ABORT, C_IPI_TX, C_IPI_RX,
	   C_ZEROED, C_GP, NCOL };
static const struct column {
	const char *head; /* table heading */
	int width;        /* table width, with the space before */
	const char *key;  /* the summary's key */
	const char *rows[NROWS];
} cols[NCOL] = {
    [C_FAULT] = { "faults", 7, "faults", { "fault" } },
    /* the mode's own path: the VMA lock (vma), a speculation that held
     * (spf) or the page's range lock (range); the rest fell back */
    [C_VMA] = { "fast", 7, "fast", { "fault_vma", "spf_success", "range_success" } },
    [C_FALLBACK] = { "fallbk", 7, "fallback", { "fault_fallback" } },
    [C_GLOBAL] = { "global", 7, "global", { "fault_global" } },
    [C_MMAP_WAIT] = { "mmapW", 6, "mmap_wait", { "mmap_lock_read_wait", "mmap_lock_write_wait" } },
    [C_VMA_WAIT] = { "vmaW", 5, "vma_wait", { "vma_write_wait" } },
    [C_VMA_ABORT] = { "abort", 6, "vma_abort", { "vma_lock_abort" } },
    [C_IPI_TX] = { "ipiTx", 6, "ipi_sent", { "tlb_ipi_sent" } },
    [C_IPI_RX] = { "ipiRx", 6, "ipi_recv", { "tlb_ipi_received" } },
    [C_ZEROED] = { "zeroed", 7, "zeroed", { "page_zeroed" } },
    [C_GP] = { "gp", 5, "gp", { "epoch_gp_ended" } },
};

/* One reading of the counters. */
struct snap {
	int ncpu;
	int cpu[MAX_CPUS];             /* the logical id of each column */
	uint64_t v[MAX_CPUS + 1][NCOL]; /* [ncpu]: the total */
	int64_t ns;                    /* CLOCK_MONOTONIC when read */
	char mode[16];                 /* /proc/mm_lock */
};

static bool batch;
static int bar_width, screen_lines = 24;
static double peak_rate; /* the highest per-CPU faults/s seen: the bars' full scale */

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

/* ---- reading ---- */

/* The whole of path, NUL-terminated, in a buffer that grows (reused). */
static char *slurp(const char *path)
{
	static char *buf;
	static size_t cap;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	size_t len = 0;
	for (;;) {
		if (cap - len < 2) { /* full (or none yet): grow; kept for the next read */
			char *nb = realloc(buf, cap = cap * 2 + 8192);
			if (!nb) {
				close(fd);
				errno = ENOMEM;
				return NULL;
			}
			buf = nb;
		}
		ssize_t n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = 0;
	return buf;
}

/* Read the counters into s; false with a message in why if the file is
 * missing or not in the expected shape. */
static bool read_snap(struct snap *s, char *why, size_t why_len)
{
	char *text = slurp(STAT_PATH);
	if (!text) {
		snprintf(why, why_len, "cannot read %s: %s", STAT_PATH, strerror(errno));
		return false;
	}
	s->ns = now_ns();
	memset(s->v, 0, sizeof(s->v));
	s->ncpu = 0;
	char *line = text, *nl = strchr(line, '\n'), *p = line;
	while (nl && s->ncpu < MAX_CPUS) { /* the header: CPU0 CPU1 ... */
		char *end;
		while (*p == ' ')
			p++;
		if (p >= nl || strncmp(p, "CPU", 3))
			break;
		s->cpu[s->ncpu++] = (int)strtol(p + 3, &end, 10);
		p = end;
	}
	if (!nl || !s->ncpu) {
		snprintf(why, why_len, "%s: no header of CPU columns", STAT_PATH);
		return false;
	}
	uint64_t found = 0; /* bit per column row seen */
	for (line = nl + 1; *line; line = nl + 1) {
		nl = strchr(line, '\n');
		if (!nl)
			break;
		while (*line == ' ')
			line++;
		char *colon = strchr(line, ':');
		if (!colon || colon > nl)
			continue;
		for (int c = 0; c < NCOL; c++)
			for (int r = 0; r < NROWS; r++) {
				const char *row = cols[c].rows[r];
				if (!row || strlen(row) != (size_t)(colon - line) || strncmp(line, row, strlen(row)))
					continue;
				p = colon + 1;
				for (int i = 0; i < s->ncpu; i++) {
					uint64_t v = strtoull(p, &p, 10);
					s->v[i][c] += v;
					s->v[s->ncpu][c] += v;
				}
				found |= 1ull << (c * NROWS + r);
			}
	}
	for (int c = 0; c < NCOL; c++)
		for (int r = 0; r < NROWS; r++)
			if (cols[c].rows[r] && !(found & 1ull << (c * NROWS + r))) {
				snprintf(why, why_len, "%s: no row %s", STAT_PATH, cols[c].rows[r]);
				return false;
			}
	char *mode = slurp(MODE_PATH);
	snprintf(s->mode, sizeof(s->mode), "%s", mode ? mode : "?");
	s->mode[strcspn(s->mode, "\n")] = 0;
	return true;
}

/* ---- the screen ---- */

static char out[1 << 16]; /* one frame, written at once */
static size_t out_len;

static void __attribute__((format(printf, 1, 2))) put(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(out + out_len, sizeof(out) - out_len, fmt, ap);
	va_end(ap);
	if (n > 0)
		out_len = out_len + (size_t)n < sizeof(out) ? out_len + (size_t)n : sizeof(out) - 1;
}

/* End a line: in ANSI mode clear what an older, longer frame left there. */
static void end_line(void) { put(batch ? "\n" : "\033[K\n"); }

static void flush_out(void)
{
	for (size_t off = 0; off < out_len;) {
		ssize_t n = write(1, out + off, out_len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	out_len = 0;
}

/* A rate in at most 6 characters: 999, 12.3k, 123k, 4.56M. */
static const char *rate_str(double v, char *buf, size_t len)
{
	if (v < 9999.5)
		snprintf(buf, len, "%.0f", v);
	else if (v < 99950)
		snprintf(buf, len, "%.1fk", v / 1e3);
	else if (v < 999500)
		snprintf(buf, len, "%.0fk", v / 1e3);
	else
		snprintf(buf, len, "%.2fM", v / 1e6);
	return buf;
}

static void table_header(void)
{
	put("%3s", "CPU");
	for (int c = 0; c < NCOL; c++)
		put("%*s", cols[c].width, cols[c].head);
	put("  |faults");
	end_line();
}

/* The rows of rates from a to b: one per CPU with its bar, and the total. */
static void table_rows(const struct snap *a, const struct snap *b)
{
	double secs = (double)(b->ns - a->ns) / 1e9;
	if (secs <= 0)
		secs = 1e-9;
	for (int i = 0; i <= b->ncpu; i++) {
		char buf[16];
		if (i < b->ncpu)
			put("%3d", b->cpu[i]);
		else
			put("%3s", "all");
		for (int c = 0; c < NCOL; c++)
			put("%*s", cols[c].width, rate_str((double)(b->v[i][c] - a->v[i][c]) / secs, buf, sizeof(buf)));
		if (i < b->ncpu) {
			double r = (double)(b->v[i][C_FAULT] - a->v[i][C_FAULT]) / secs;
			int n = peak_rate > 0 ? (int)(r / peak_rate * bar_width + 0.5) : 0;
			put("  |%.*s%*s|", n, "########################################################", bar_width - n, "");
		}
		end_line();
	}
}

/* Raise the bars' scale to the busiest CPU of a..b. */
static void update_peak(const struct snap *a, const struct snap *b)
{
	double secs = (double)(b->ns - a->ns) / 1e9;
	for (int i = 0; secs > 0 && i < b->ncpu; i++) {
		double r = (double)(b->v[i][C_FAULT] - a->v[i][C_FAULT]) / secs;
		if (r > peak_rate)
			peak_rate = r;
	}
}

/* Characters before the bar. */
static int table_width(void)
{
	int w = 3;
	for (int c = 0; c < NCOL; c++)
		w += cols[c].width;
	return w;
}

static int table_height(const struct snap *s) { return s->ncpu + 4; /* title, header, CPUs, total, rule */ }

/* One refresh: the rates from a to b.  title says what runs; beside a
 * command the cursor is saved and restored around the frame, so CMD's
 * output goes on where it was. */
static void frame(const struct snap *a, const struct snap *b, int64_t t0, const char *title, bool beside)
{
	update_peak(a, b);
	if (!batch)
		put(beside ? "\0337\033[H" : "\033[H");
	char peak[16];
	put("faulttop  mode=%s  cpus=%d  up %.1fs  per s over %.2fs  bar=%s/s  %s", b->mode, b->ncpu,
	    (double)(b->ns - t0) / 1e9, (double)(b->ns - a->ns) / 1e9, rate_str(peak_rate, peak, sizeof(peak)), title);
	end_line();
	table_header();
	table_rows(a, b);
	if (batch) {
		put("\n");
	} else {
		put("%.*s", table_width() + 4 + bar_width, "--------------------------------------------------------------"
							   "----------------------------------------------------------");
		end_line();
		put(beside ? "\0338" : "\033[J");
	}
	flush_out();
}

/* ---- the command ---- */

/* Start CMD: a name without '/' is looked up in /bin, /bench, /tests. */
static pid_t start_cmd(char **argv)
{
	static const char *const dirs[] = { "/bin/", "/bench/", "/tests/" };
	char path[512];
	snprintf(path, sizeof(path), "%s", argv[0]);
	for (size_t i = 0; !strchr(argv[0], '/') && i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		struct stat st;
		snprintf(path, sizeof(path), "%s%s", dirs[i], argv[0]);
		if (!stat(path, &st))
			break;
		snprintf(path, sizeof(path), "%s", argv[0]); /* not there: posix_spawnp's own search */
	}
	pid_t pid;
	int r = posix_spawnp(&pid, path, NULL, NULL, argv, environ);
	if (r) {
		fprintf(stderr, "faulttop: cannot run %s: %s\n", argv[0], strerror(r));
		return -1;
	}
	return pid;
}

/* The summary over the whole run: rates as a table, exact totals as
 * key=value lines. */
static void summary(const struct snap *a, const struct snap *b, char **cmd, int status)
{
	put("faulttop summary: %s", cmd[0]);
	for (int i = 1; cmd[i]; i++)
		put(" %s", cmd[i]);
	put(" (mode=%s, %.2f s): per second over the run", b->mode, (double)(b->ns - a->ns) / 1e9);
	put("\n");
	batch = true; /* plain lines from here on */
	peak_rate = 0;
	update_peak(a, b);
	table_header();
	table_rows(a, b);
	for (int i = 0; i <= b->ncpu; i++) {
		if (i < b->ncpu)
			put("summary cpu%d", b->cpu[i]);
		else
			put("summary total");
		for (int c = 0; c < NCOL; c++)
			put(" %s=%llu", cols[c].key, (unsigned long long)(b->v[i][c] - a->v[i][c]));
		put("\n");
	}
	put("summary seconds=%.3f status=%d\n", (double)(b->ns - a->ns) / 1e9, status);
	flush_out();
}

/* ---- main ---- */

static volatile sig_atomic_t stop_signal;
static void on_signal(int sig) { stop_signal = sig; }

static void __attribute__((noreturn)) usage(const char *why)
{
	if (why)
		fprintf(stderr, "faulttop: %s\n", why);
	fprintf(stderr, "usage: faulttop [-b] [-d SECONDS] [-n COUNT]\n"
			"       faulttop [-b] [-d SECONDS] -- CMD [ARGS...]\n"
			"  -b          batch: no ANSI escapes, a block of lines per refresh\n"
			"  -d SECONDS  refresh interval (default 1; 0.1 to 3600)\n"
			"  -n COUNT    exit after COUNT refreshes (without a command)\n"
			"  -- CMD      run CMD beside faulttop; summary and CMD's exit status at its end\n");
	exit(2);
}

int main(int argc, char **argv)
{
	double interval = 1;
	long count = 0;
	char **cmd = NULL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		char *end;
		if (!strcmp(a, "--")) {
			cmd = argv + i + 1;
			if (!*cmd)
				usage("missing command after --");
			break;
		} else if (!strcmp(a, "-b")) {
			batch = true;
		} else if (!strcmp(a, "-d") && i + 1 < argc) {
			interval = strtod(argv[++i], &end);
			if (*end || end == argv[i] || !(interval >= 0.1 && interval <= 3600))
				usage("-d: the interval is a number of seconds, 0.1 to 3600");
		} else if (!strcmp(a, "-n") && i + 1 < argc) {
			count = strtol(argv[++i], &end, 10);
			if (*end || end == argv[i] || count < 1)
				usage("-n: the count is a positive number");
		} else {
			char why[128];
			snprintf(why, sizeof(why), "%s '%s'", a[0] == '-' && a[1] ? "unknown option or missing value:" : "unexpected", a);
			usage(why);
		}
	}
	if (cmd && count)
		usage("-n is for watching without a command");
	const char *env = getenv("COLUMNS");
	int columns = env && atoi(env) > 0 ? atoi(env) : 100;
	bar_width = columns - table_width() - 4; /* "  |" bar "|" */
	bar_width = bar_width < 4 ? 4 : bar_width > 56 ? 56 : bar_width;
	env = getenv("LINES");
	if (env && atoi(env) > 0)
		screen_lines = atoi(env);

	static struct snap first, prev, cur;
	char why[160];
	if (!read_snap(&first, why, sizeof(why))) {
		fprintf(stderr, "faulttop: %s (faultline's per-CPU memory-manager counters; not this kernel?)\n", why);
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	bool region = !batch && cmd && screen_lines > table_height(&first) + 2;
	if (!batch) {
		put("\033[H\033[2J");
		if (region) /* CMD's output scrolls below the table */
			put("\033[%d;%dr", table_height(&first) + 1, screen_lines);
		if (cmd) /* (setting the region sent the cursor home) */
			put("\033[%d;1H", table_height(&first) + 1);
		flush_out();
	}
	pid_t pid = cmd ? start_cmd(cmd) : 0;
	if (pid < 0)
		return 127;
	char title[80];
	snprintf(title, sizeof(title), "%s%s", cmd ? "running " : "", cmd ? cmd[0] : "");
	prev = first;
	int status = 0;
	bool done = false;
	for (long n = 1; !done; n++) {
		int64_t due = first.ns + (int64_t)(interval * 1e9 * (double)n);
		while (!done && now_ns() < due) {
			int64_t left = due - now_ns();
			struct timespec ts = { 0, left < POLL_NS ? (left > 0 ? left : 0) : POLL_NS };
			nanosleep(&ts, NULL);
			if (pid > 0 && waitpid(pid, &status, WNOHANG) == pid)
				done = true;
			if (stop_signal && !pid)
				done = true;
		}
		if (!read_snap(&cur, why, sizeof(why))) {
			fprintf(stderr, "faulttop: %s\n", why);
			return 1;
		}
		if (cur.ncpu != prev.ncpu) /* CPUs came or went: start over */
			prev = cur;
		if (!done || !cmd)
			frame(&prev, &cur, first.ns, title, cmd != NULL);
		prev = cur;
		if (count && n >= count)
			done = true;
	}
	if (region)
		put("\033[r\033[%d;1H\n", screen_lines); /* the whole screen scrolls again; continue at its end */
	if (!cmd) {
		flush_out();
		return 0;
	}
	int code = WIFEXITED(status) ? WEXITSTATUS(status) : WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 1;
	summary(&first, &cur, cmd, code);
	return code;
}
