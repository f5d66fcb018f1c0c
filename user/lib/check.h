/* check.h - the tiny test harness shared by the programs in user/tests/.
 *
 * Every check prints exactly one line, "ok - what" or "not ok - what: why",
 * with a single write(2) so lines from different threads never interleave.
 * check_done() prints PASS or FAIL and returns the exit status (0 or 1).
 * The helpers for spawning a copy of the running test as a child (the tests
 * spawn rather than fork, so they run anywhere posix_spawn does) and for
 * timing live here too.
 */
#ifndef USER_LIB_CHECK_H
#define USER_LIB_CHECK_H

#include <stdbool.h>
#include <stdint.h>
#include <signal.h>
#include <sys/types.h>

/* Print "ok - DESC" if cond holds, else "not ok - DESC: DETAIL"; returns cond. */
bool check(bool cond, const char *desc, const char *detail_fmt, ...) __attribute__((format(printf, 3, 4)));
/* Compare two integers; the detail shows both. */
bool check_eq(long long got, long long want, const char *desc);
/* Expect a call to have failed with -1 and errno == err (ret, errno of the call). */
bool check_errno(long ret, int saved_errno, int err, const char *desc);
/* Print "ok - DESC # SKIP REASON". */
void check_skip(const char *desc, const char *reason);
/* Print an informational "# ..." line (not a check). */
void check_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print PASS or FAIL; returns the exit status for main(). */
int check_done(void);

/* The number on a "key value" or "key: value" line of a /proc file, or -1
 * (no such file or key). */
long stat_of(const char *path, const char *key);
/* A /proc/mmstat counter (faultline's memory-manager statistics), or -1. */
long mmstat(const char *key);
/* faultline's page-fault lock mode, told by which counter a fresh page's
 * fault bumps: "vma", "global", "spf", or "unknown" (e.g. on Linux). */
const char *mm_lock_mode(void);
/* Pin the calling thread to the (id mod n)-th CPU it may run on, spreading
 * a test's threads over the machine's CPUs. */
void pin_to_nth_cpu(int id);

/* CLOCK_MONOTONIC in nanoseconds. */
int64_t now_ns(void);
/* Sleep for ms milliseconds (nanosleep, restarted after EINTR). */
void sleep_ms(long ms);

/* Run the program at path self (this test's argv[0]) with arguments
 * args[] (NULL-terminated, not counting argv[0]); returns the pid or -1. */
pid_t spawn_self(const char *self, char *const args[]);
/* wait4 for pid, retrying on EINTR; returns pid or -1 (errno set). */
pid_t wait_child(pid_t pid, int *status);
/* Describe a wait status ("exited 3", "killed by signal 11") into buf. */
const char *status_str(int status, char *buf, size_t len);
/* Install handler for sig with SA_SIGINFO (the race tests' SIGSEGV catchers). */
void catch_signal(int sig, void (*handler)(int, siginfo_t *, void *));
/* Keep a crashing child from writing a core file (ignores errors). */
void no_core_dumps(void);

#endif
