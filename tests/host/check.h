/* check.h - a tiny unit-test harness for host tests, printing KTAP.
 *
 *   TEST(name) { CHECK(x == 1); CHECK_EQ(a, b); }
 *   int main(void) { RUN(name); ...; return check_done(); }
 *
 * Each RUN prints "ok N name" or "not ok N name"; check_done() prints the
 * plan and returns the process exit status (non-zero if anything failed).
 * tests/run.sh counts these lines for the final "N passed, N failed". */
#pragma once
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static int check_case_failed, check_ncases, check_nfailed;

#define TEST(name) static void name(void)
#define CHECK(c)                                                                       \
	do {                                                                           \
		if (!(c)) {                                                            \
			printf("    # %s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #c); \
			check_case_failed = 1;                                         \
		}                                                                      \
	} while (0)
#define CHECK_EQ(a, b)                                                                           \
	do {                                                                                     \
		long long __a = (long long)(a), __b = (long long)(b);                           \
		if (__a != __b) {                                                                \
			printf("    # %s:%d: CHECK_EQ failed: %s == %lld, %s == %lld\n", __FILE__, \
			       __LINE__, #a, __a, #b, __b);                                      \
			check_case_failed = 1;                                                   \
		}                                                                                \
	} while (0)
#define RUN(name)                                                                      \
	do {                                                                           \
		check_case_failed = 0;                                                 \
		name();                                                                \
		check_ncases++;                                                        \
		if (check_case_failed)                                                 \
			check_nfailed++;                                               \
		printf("%sok %d %s\n", check_case_failed ? "not " : "", check_ncases, #name); \
		fflush(stdout);                                                        \
	} while (0)

static inline int check_done(void)
{
	printf("1..%d\n", check_ncases);
	return check_nfailed ? 1 : 0;
}

/* Run fn in a forked child with stderr silenced (expected BUG reports would
 * flood the log); return the child's wait status, or -1 if waiting failed.
 * For misuse tests: the caller decides which ends count as "died". */
static inline int check_child_status(void (*fn)(void))
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		if (!freopen("/dev/null", "w", stderr))
			_exit(2);
		fn();
		_exit(0);
	}
	int status;
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return status;
}
