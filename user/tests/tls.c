/* tls.c - thread-local storage.  Every thread, including main, must start
 * with the initial values of the __thread variables (an initialised int, an
 * initialised string, a zero-initialised long and a 16 KiB zero-initialised
 * array aligned to 64 bytes), keep its own values while the others write
 * theirs, and see its variables at its own addresses; errno is per thread
 * too.  The kernel's part is arch_prctl(ARCH_SET_FS) for main and
 * clone(CLONE_SETTLS) for the threads.  The threads only record what they
 * saw; main checks and prints after joining them, so the output is always
 * in the same order.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "check.h"

#define NR_THREADS 5 /* thread 0 is main */
#define BIG_SIZE   16384

static __thread int tls_int = 0x1234567;
static __thread char tls_str[16] = "faultline";
static __thread long tls_zero;
static __thread unsigned char tls_big[BIG_SIZE] __attribute__((aligned(64)));

/* What one thread saw. */
struct seen {
	void *addr;	    /* &tls_int */
	uintptr_t big_addr; /* &tls_big */
	bool initial_ok;    /* all initial values right */
	bool kept_ok;	    /* own values unchanged after the others wrote */
	int close_errno;    /* errno after close(-1) */
	int errno_after;    /* errno after the barriers (we set 500 + id) */
};

static pthread_barrier_t barrier;
static struct seen seen[NR_THREADS];

static bool big_is(unsigned char v)
{
	for (size_t i = 0; i < BIG_SIZE; i++)
		if (tls_big[i] != v)
			return false;
	return true;
}

/* Check the initial values, write our own, wait for everyone, re-check. */
static void *tls_thread(void *arg)
{
	int id = (int)(long)arg;
	struct seen *s = &seen[id];
	char want[16];

	s->addr = &tls_int;
	s->big_addr = (uintptr_t)tls_big;
	s->initial_ok = tls_int == 0x1234567 && strcmp(tls_str, "faultline") == 0 && tls_zero == 0 && big_is(0);

	tls_int = 1000 + id;
	snprintf(tls_str, sizeof(tls_str), "thread %d", id);
	tls_zero = -id;
	memset(tls_big, id + 1, BIG_SIZE);
	errno = 0;
	close(-1); /* sets errno to EBADF in this thread only */
	s->close_errno = errno;
	errno = 500 + id;

	pthread_barrier_wait(&barrier); /* everybody has written */

	snprintf(want, sizeof(want), "thread %d", id);
	s->kept_ok = tls_int == 1000 + id && strcmp(tls_str, want) == 0 && tls_zero == -id && big_is(id + 1);
	s->errno_after = errno;
	return NULL;
}

int main(void)
{
	pthread_t t[NR_THREADS];
	char desc[80];

	pthread_barrier_init(&barrier, NULL, NR_THREADS);
	for (long i = 1; i < NR_THREADS; i++)
		if (pthread_create(&t[i], NULL, tls_thread, (void *)i)) {
			check(false, "create the threads", "pthread_create %ld failed", i);
			return check_done();
		}
	tls_thread((void *)0); /* main is thread 0 */
	for (int i = 1; i < NR_THREADS; i++)
		pthread_join(t[i], NULL);

	for (int id = 0; id < NR_THREADS; id++) {
		struct seen *s = &seen[id];

		snprintf(desc, sizeof(desc), "thread %d: initial TLS values", id);
		check(s->initial_ok, desc, "some value differs from its initialiser");
		snprintf(desc, sizeof(desc), "thread %d: TLS array is 64-byte aligned", id);
		check((s->big_addr & 63) == 0, desc, "at 0x%lx", (unsigned long)s->big_addr);
		snprintf(desc, sizeof(desc), "thread %d: kept its own TLS values", id);
		check(s->kept_ok, desc, "another thread's write showed through");
		snprintf(desc, sizeof(desc), "thread %d: errno is per thread", id);
		check(s->close_errno == EBADF && s->errno_after == 500 + id, desc,
		      "close(-1) gave errno %d, later errno %d, want %d", s->close_errno, s->errno_after, 500 + id);
	}
	bool distinct = true;
	for (int i = 0; i < NR_THREADS; i++)
		for (int j = 0; j < i; j++)
			distinct &= seen[i].addr != seen[j].addr;
	check(distinct, "each thread has its own TLS address", "two threads share one");
	return check_done();
}
