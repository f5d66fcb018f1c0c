/* futex_timeout.c - the raw futex system call and sleeping.  FUTEX_WAIT with
 * a 50 ms timeout on a word nobody changes must fail with ETIMEDOUT after at
 * least 50 ms; with a wrong expected value it must fail with EAGAIN at once;
 * FUTEX_WAKE must wake a sleeping thread (and report 1 woken).  Each of these
 * runs with and without FUTEX_PRIVATE_FLAG, then FUTEX_WAIT_BITSET with an
 * absolute CLOCK_MONOTONIC deadline, a wake on a futex word in a MAP_SHARED
 * page, and nanosleep.  Timeouts guard every wait, so a broken kernel makes
 * the test fail instead of hang.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

#define MS 1000000LL

/* From <linux/futex.h>, which musl does not ship. */
#define FUTEX_WAIT	       0
#define FUTEX_WAKE	       1
#define FUTEX_WAIT_BITSET      9
#define FUTEX_PRIVATE_FLAG     128
#define FUTEX_BITSET_MATCH_ANY 0xffffffff

static long futex(int *uaddr, int op, int val, const struct timespec *ts, int val3)
{
	return syscall(SYS_futex, uaddr, op, val, ts, NULL, val3);
}

/* A thread that sleeps in FUTEX_WAIT on word until woken (10 s at most). */
struct waiter {
	int *word;
	int op;	  /* FUTEX_WAIT, maybe | FUTEX_PRIVATE_FLAG */
	long ret; /* what futex() returned */
	int err;  /* and errno */
};

static void *waiter_thread(void *arg)
{
	struct waiter *w = arg;
	struct timespec ts = {10, 0};

	w->ret = futex(w->word, w->op, 0, &ts, 0);
	w->err = errno;
	return NULL;
}

/* Wake a thread sleeping on word: retry FUTEX_WAKE until it reports one
 * woken (before that the thread may not be asleep yet), for up to 10 s. */
static void check_wake(int *word, int priv, const char *what)
{
	struct waiter w = {word, FUTEX_WAIT | priv, -2, 0};
	pthread_t t;
	long n = 0;
	char desc[96];

	snprintf(desc, sizeof(desc), "%s: FUTEX_WAKE wakes a waiting thread", what);
	if (pthread_create(&t, NULL, waiter_thread, &w)) {
		check(false, desc, "pthread_create failed");
		return;
	}
	int64_t deadline = now_ns() + 10000 * MS;
	while (now_ns() < deadline) {
		n = futex(word, FUTEX_WAKE | priv, 1, NULL, 0);
		if (n != 0)
			break;
		sleep_ms(1);
	}
	pthread_join(t, NULL);
	check(n == 1 && w.ret == 0, desc, "wake returned %ld, the waiter's FUTEX_WAIT returned %ld (errno %d)", n,
	      w.ret, w.err);
}

static void check_timeout_and_eagain(int priv, const char *what)
{
	int word = 0;
	struct timespec ts = {0, 50 * MS};
	char desc[96];

	int64_t t0 = now_ns();
	long r = futex(&word, FUTEX_WAIT | priv, 0, &ts, 0);
	int err = errno;
	int64_t took = now_ns() - t0;
	snprintf(desc, sizeof(desc), "%s: FUTEX_WAIT 50 ms times out with ETIMEDOUT", what);
	check_errno(r, err, ETIMEDOUT, desc);
	snprintf(desc, sizeof(desc), "%s: the timed-out FUTEX_WAIT took 50 ms .. 5 s", what);
	check(took >= 50 * MS && took < 5000 * MS, desc, "took %lld us", (long long)(took / 1000));

	ts.tv_sec = 5;
	ts.tv_nsec = 0;
	t0 = now_ns();
	r = futex(&word, FUTEX_WAIT | priv, 1, &ts, 0);
	err = errno;
	took = now_ns() - t0;
	snprintf(desc, sizeof(desc), "%s: FUTEX_WAIT with a stale value fails with EAGAIN at once", what);
	check(r == -1 && err == EAGAIN && took < 2500 * MS, desc, "returned %ld errno %d after %lld us", r, err,
	      (long long)(took / 1000));
}

static void check_bitset(void)
{
	int word = 0;
	struct timespec deadline;

	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_nsec += 50 * MS;
	if (deadline.tv_nsec >= 1000 * MS) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000 * MS;
	}
	int64_t want = (int64_t)deadline.tv_sec * 1000 * MS + deadline.tv_nsec;
	long r = futex(&word, FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG, 0, &deadline, FUTEX_BITSET_MATCH_ANY);
	int err = errno;
	int64_t now = now_ns();
	check_errno(r, err, ETIMEDOUT, "FUTEX_WAIT_BITSET with an absolute deadline times out");
	check(now >= want && now < want + 5000 * MS, "FUTEX_WAIT_BITSET returned after its deadline",
	      "%lld us after it", (long long)((now - want) / 1000));
}

int main(void)
{
	static int word;

	check_timeout_and_eagain(0, "shared");
	check_timeout_and_eagain(FUTEX_PRIVATE_FLAG, "private");
	check_wake(&word, 0, "shared");
	check_wake(&word, FUTEX_PRIVATE_FLAG, "private");
	check_bitset();

	int *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (check(page != MAP_FAILED, "mmap a MAP_SHARED|MAP_ANONYMOUS page", "errno %d", errno)) {
		check_wake(&page[100], 0, "MAP_SHARED page");
		munmap(page, 4096);
	}

	struct timespec ts = {0, 20 * MS};
	int64_t t0 = now_ns();
	int r = nanosleep(&ts, NULL);
	int64_t took = now_ns() - t0;
	check(r == 0 && took >= 20 * MS && took < 5000 * MS, "nanosleep 20 ms sleeps 20 ms .. 5 s",
	      "returned %d after %lld us", r, (long long)(took / 1000));
	return check_done();
}
