/* pftable.c - the fault-contention benchmark as one table, for a screen:
 * the ISO's "fault-contention benchmark" boot entry runs it as init on a
 * real PC (docs/hardware.md), where nobody reads a log.
 *
 *   pftable [-s SECONDS] [-m MODE,MODE,...] [-w]
 *
 * For each page-fault lock mode (-m: those named, an empty column for one
 * the kernel lacks; default: every mode /proc/mm_lock accepts of global,
 * vma, spf, range; on Linux the one kernel that runs, shown as "linux"), it runs /bench/pfbench as a child -
 * `pf T` for T = 1, 2, 4, ... and the number of online CPUs, then `mix 1`
 * (one fault thread beside a mapper thread), `onevma 1` (one fault thread
 * and an mprotect writer in the same VMA) and `churn N` - SECONDS each
 * (default 3), and prints one table: a row per case, a column per mode,
 * and each mode's figure as a ratio to the first mode's.  Each point is a
 * fresh process, so no case inherits another's address space.
 *
 * PFBENCH=path runs that pfbench instead of /bench/pfbench (to try this
 * on the host).
 *
 * -w: wait when done (for a screen): "press Enter to power off"; without
 * a keyboard the table simply stays on the screen.
 *
 * Exit status: 0, 1 when a pfbench run failed (its line is in the table
 * as "failed"), 2 for bad arguments. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define PFBENCH	  "/bench/pfbench"
#define MAX_MODES 8
#define MAX_CASES 16

struct bench_case {
	char label[40];    /* the row's name, e.g. "pf 4 threads" */
	char args[1][16];  /* pfbench's argument after its case word (threads) */
	const char *word;  /* pfbench's case: pf, mix, churn */
	const char *key;   /* the figure to show: faults/s=, ops/s=, ... */
	double value[MAX_MODES];
};

static struct bench_case cases[MAX_CASES];
static int ncases;
static const char *modes[MAX_MODES];
static int nmodes;

static void usage(void)
{
	fprintf(stderr, "usage: pftable [-s SECONDS] [-m MODE,MODE,...] [-w]\n");
	exit(2);
}

static void add_case(const char *label, const char *word, const char *key, const char *a0)
{
	if (ncases == MAX_CASES)
		return;
	struct bench_case *c = &cases[ncases++];
	snprintf(c->label, sizeof(c->label), "%s", label);
	c->word = word;
	c->key = key;
	snprintf(c->args[0], sizeof(c->args[0]), "%s", a0);
}

/* Switch faultline's lock mode: 0, or -1 (no /proc/mm_lock, or no such mode). */
static int set_mode(const char *m)
{
	int fd = open("/proc/mm_lock", O_WRONLY);
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, m, strlen(m));
	close(fd);
	return n == (ssize_t)strlen(m) ? 0 : -1;
}

/* Run pfbench WORD A0 SECONDS, its output into out: 0, or -1 when it
 * could not run or did not exit 0. */
static int run_point(const struct bench_case *c, const char *secs, char *out, size_t size)
{
	int fds[2];
	out[0] = '\0';
	if (pipe(fds))
		return -1;
	pid_t pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		const char *path = getenv("PFBENCH");
		execl(path ? path : PFBENCH, "pfbench", c->word, c->args[0], secs, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	size_t len = 0;
	ssize_t n;
	while ((n = read(fds[0], out + len, size - 1 - len)) > 0 || (n < 0 && errno == EINTR))
		len += n > 0 ? (size_t)n : 0;
	close(fds[0]);
	out[len] = '\0';
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* The number after KEY on pfbench's result line (the one starting with
 * the case word: "pf threads=2 faults/s=..."), or -1. */
static double figure(const char *out, const char *word, const char *key)
{
	size_t wl = strlen(word);
	for (const char *line = out; *line;) {
		const char *nl = strchr(line, '\n');
		if (!strncmp(line, word, wl) && line[wl] == ' ') {
			const char *k = strstr(line, key);
			if (k && (!nl || k < nl))
				return strtod(k + strlen(key), NULL);
		}
		if (!nl)
			break;
		line = nl + 1;
	}
	return -1;
}

static void parse_modes(char *list)
{
	for (char *m = strtok(list, ","); m && nmodes < MAX_MODES; m = strtok(NULL, ","))
		modes[nmodes++] = m;
}

int main(int argc, char **argv)
{
	const char *secs = "3";
	char *mode_list = NULL;
	int wait_key = 0, opt;
	while ((opt = getopt(argc, argv, "s:m:w")) != -1) {
		switch (opt) {
		case 's': {
			char *end;
			long s = strtol(optarg, &end, 10);
			if (*end || s < 1 || s > 3600)
				usage();
			secs = optarg;
			break;
		}
		case 'm': mode_list = optarg; break;
		case 'w': wait_key = 1; break;
		default: usage();
		}
	}
	if (optind != argc)
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);

	static char all_modes[] = "global,vma,spf,range";
	static char linux_mode[] = "linux";
	int on_faultline = access("/proc/mm_lock", F_OK) == 0;
	parse_modes(mode_list ? mode_list : on_faultline ? all_modes : linux_mode);

	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	cpus = cpus < 1 ? 1 : cpus > 64 ? 64 : cpus;
	char a[16], label[40];
	for (long t = 1;; t = t * 2 < cpus || t == cpus ? t * 2 : cpus) {
		snprintf(a, sizeof(a), "%ld", t);
		snprintf(label, sizeof(label), "pf %ld thread%s", t, t > 1 ? "s" : "");
		add_case(label, "pf", "faults/s=", a);
		if (t >= cpus)
			break;
	}
	add_case("mix 1+1 faults/s", "mix", "faults/s=", "1");
	add_case("mix 1+1 mapper ops/s", "mix", "mapper_ops/s=", "1");
	add_case("onevma 1+1 faults/s", "onevma", "faults/s=", "1");
	add_case("onevma 1+1 writer ops/s", "onevma", "writer_ops/s=", "1");
	snprintf(a, sizeof(a), "%ld", cpus < 2 ? 2 : cpus);
	snprintf(label, sizeof(label), "churn %s threads ops/s", a);
	add_case(label, "churn", "ops/s=", a);

	/* without -m, drop the modes this kernel does not have (switching
	 * is cheap: the last one tried stays set until the runs below) */
	for (int m = 0; on_faultline && !mode_list && m < nmodes; m++) {
		if (set_mode(modes[m]) == 0)
			continue;
		memmove(&modes[m], &modes[m + 1], (size_t)(nmodes - m - 1) * sizeof(modes[0]));
		nmodes--;
		m--;
	}
	printf("fault-contention benchmark: %ld CPUs online, %s s a point, modes:", cpus, secs);
	for (int m = 0; m < nmodes; m++)
		printf(" %s", modes[m]);
	printf("\n");
	int failed = 0, usable = 0;
	for (int m = 0; m < nmodes; m++) {
		if (on_faultline && set_mode(modes[m])) {
			printf("pftable: this kernel has no mm.lock=%s; its column is empty\n", modes[m]);
			for (int i = 0; i < ncases; i++)
				cases[i].value[m] = -2;
			continue;
		}
		usable++;
		for (int i = 0; i < ncases; i++) {
			/* a row with the same pfbench run as the row above (the
			 * mix's mapper figure) reads that run's output again */
			static char out[8192];
			bool same_run = i > 0 && cases[i].word == cases[i - 1].word &&
					!strcmp(cases[i].args[0], cases[i - 1].args[0]);
			if (!same_run) {
				printf("  %-8s %-26s ...", modes[m], cases[i].label);
				fflush(stdout);
			}
			if (!same_run && run_point(&cases[i], secs, out, sizeof(out)))
				out[0] = '\0';
			cases[i].value[m] = figure(out, cases[i].word, cases[i].key);
			if (same_run)
				continue;
			failed |= cases[i].value[m] < 0;
			if (cases[i].value[m] < 0)
				printf(" failed\n");
			else
				printf(" %.0f\n", cases[i].value[m]);
		}
	}

	printf("\n%-26s", "case");
	for (int m = 0; m < nmodes; m++)
		printf(" %12s", modes[m]);
	for (int m = 1; m < nmodes; m++) {
		char ratio[40];
		snprintf(ratio, sizeof(ratio), "%s/%s", modes[m], modes[0]);
		printf(" %12s", ratio);
	}
	printf("\n");
	for (int i = 0; i < ncases; i++) {
		printf("%-26s", cases[i].label);
		for (int m = 0; m < nmodes; m++) {
			double v = cases[i].value[m];
			if (v >= 0)
				printf(" %12.0f", v);
			else
				printf(" %12s", v == -2 ? "-" : "failed");
		}
		for (int m = 1; m < nmodes; m++) {
			double v = cases[i].value[m], b = cases[i].value[0];
			if (v >= 0 && b > 0)
				printf(" %12.2f", v / b);
			else
				printf(" %12s", "-");
		}
		printf("\n");
	}
	printf("pftable done: %d of %d modes ran%s\n", usable, nmodes, failed ? ", some points failed" : "");
	if (wait_key) {
		printf("press Enter to power off (or switch the machine off)\n");
		char c;
		while (read(0, &c, 1) == 1 && c != '\n')
			;
	}
	return failed ? 1 : usable ? 0 : 1;
}
