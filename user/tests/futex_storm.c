/* futex_storm.c - four threads hammer a mutex, a rwlock and a condition
 * variable for 200 rounds.  In each round every thread adds to a counter
 * under a pthread_mutex 50 times, then takes a pthread_rwlock 20 times
 * (every fourth time for writing), and then waits at a barrier built from
 * a mutex and a condition variable: the last to arrive checks the round's
 * totals, advances the round number and broadcasts; the others wait with
 * pthread_cond_wait until the round number changes.  Atomic in-section
 * counters catch a writer that overlaps a reader or another writer, and a
 * shared pair of values written by the writers must never be seen torn.
 * Everything is futex WAIT/WAKE (and REQUEUE for the broadcast) underneath.
 * The checks are printed after all threads are joined.
 */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>

#include "check.h"

#define NR_THREADS   4
#define NR_ROUNDS    200
#define MUTEX_OPS    50
#define RWLOCK_OPS   20
#define WRITE_EVERY  4 /* op i of thread t writes when (i + t) % WRITE_EVERY == 0 */
#define YIELD_IN_SEC 7 /* every 7th section yields inside the lock */

static pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;
static long counter; /* under mutex */

static pthread_rwlock_t rwlock = PTHREAD_RWLOCK_INITIALIZER;
static int readers_in, writers_in;	     /* atomic: threads inside the rwlock */
static long pair_a, pair_b;		     /* under rwlock; always equal */
static long nr_writes, nr_reads;	     /* atomic */
static long overlap_bad, torn_bad, max_readers; /* atomic */

static pthread_mutex_t bar_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t bar_cond = PTHREAD_COND_INITIALIZER;
static int bar_arrived, bar_round; /* under bar_lock */
static long round_bad;		   /* under bar_lock: rounds whose totals were wrong */
static long round_late;		   /* atomic: threads that saw the wrong round */

static void note_max(long *max, long v)
{
	long old = __atomic_load_n(max, __ATOMIC_RELAXED);
	while (v > old && !__atomic_compare_exchange_n(max, &old, v, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
}

static void rw_op(long t, int i)
{
	bool yield = (t + i) % YIELD_IN_SEC == 0;

	if ((i + t) % WRITE_EVERY == 0) {
		pthread_rwlock_wrlock(&rwlock);
		int w = __atomic_add_fetch(&writers_in, 1, __ATOMIC_SEQ_CST);
		int r = __atomic_load_n(&readers_in, __ATOMIC_SEQ_CST);
		if (w != 1 || r != 0)
			__atomic_add_fetch(&overlap_bad, 1, __ATOMIC_RELAXED);
		pair_a++;
		if (yield)
			sched_yield();
		pair_b++;
		if (__atomic_load_n(&readers_in, __ATOMIC_SEQ_CST) != 0)
			__atomic_add_fetch(&overlap_bad, 1, __ATOMIC_RELAXED);
		__atomic_sub_fetch(&writers_in, 1, __ATOMIC_SEQ_CST);
		__atomic_add_fetch(&nr_writes, 1, __ATOMIC_RELAXED);
		pthread_rwlock_unlock(&rwlock);
	} else {
		pthread_rwlock_rdlock(&rwlock);
		int r = __atomic_add_fetch(&readers_in, 1, __ATOMIC_SEQ_CST);
		note_max(&max_readers, r);
		if (__atomic_load_n(&writers_in, __ATOMIC_SEQ_CST) != 0)
			__atomic_add_fetch(&overlap_bad, 1, __ATOMIC_RELAXED);
		long a = pair_a;
		if (yield)
			sched_yield();
		if (pair_b != a)
			__atomic_add_fetch(&torn_bad, 1, __ATOMIC_RELAXED);
		if (__atomic_load_n(&writers_in, __ATOMIC_SEQ_CST) != 0)
			__atomic_add_fetch(&overlap_bad, 1, __ATOMIC_RELAXED);
		__atomic_sub_fetch(&readers_in, 1, __ATOMIC_SEQ_CST);
		__atomic_add_fetch(&nr_reads, 1, __ATOMIC_RELAXED);
		pthread_rwlock_unlock(&rwlock);
	}
}

/* Writes per round over all threads: op i of thread t writes when
 * (i + t) % WRITE_EVERY == 0. */
static long writes_per_round(void)
{
	long n = 0;
	for (long t = 0; t < NR_THREADS; t++)
		for (int i = 0; i < RWLOCK_OPS; i++)
			n += (i + t) % WRITE_EVERY == 0;
	return n;
}

static void *storm_thread(void *arg)
{
	long t = (long)arg, wpr = writes_per_round();

	for (int round = 0; round < NR_ROUNDS; round++) {
		for (int i = 0; i < MUTEX_OPS; i++) {
			pthread_mutex_lock(&mutex);
			counter++;
			pthread_mutex_unlock(&mutex);
			if ((i + t) % 16 == 0)
				sched_yield();
		}
		for (int i = 0; i < RWLOCK_OPS; i++)
			rw_op(t, i);

		/* The barrier: nobody may be in a later round while we count. */
		pthread_mutex_lock(&bar_lock);
		if (bar_round != round)
			__atomic_add_fetch(&round_late, 1, __ATOMIC_RELAXED);
		if (++bar_arrived == NR_THREADS) {
			pthread_mutex_lock(&mutex);
			long c = counter;
			pthread_mutex_unlock(&mutex);
			pthread_rwlock_rdlock(&rwlock);
			long a = pair_a, b = pair_b;
			pthread_rwlock_unlock(&rwlock);
			long want = (long)(round + 1) * NR_THREADS * MUTEX_OPS;
			if (c != want || a != (round + 1) * wpr || b != a)
				round_bad++;
			bar_arrived = 0;
			bar_round++;
			pthread_cond_broadcast(&bar_cond);
		} else {
			while (bar_round == round)
				pthread_cond_wait(&bar_cond, &bar_lock);
		}
		pthread_mutex_unlock(&bar_lock);
	}
	return NULL;
}

int main(void)
{
	pthread_t th[NR_THREADS];
	int created = 0;

	for (long i = 0; i < NR_THREADS; i++) {
		if (pthread_create(&th[i], NULL, storm_thread, (void *)i))
			break;
		created++;
	}
	if (!check_eq(created, NR_THREADS, "create the storm threads")) {
		/* The others would wait at the barrier forever. */
		return check_done();
	}
	for (int i = 0; i < created; i++)
		pthread_join(th[i], NULL);

	long wpr = writes_per_round();
	check_eq(counter, (long)NR_ROUNDS * NR_THREADS * MUTEX_OPS, "mutex counter is exact");
	check_eq(bar_round, NR_ROUNDS, "the barrier ran every round");
	check_eq(round_bad, 0, "the last arrival at each barrier saw exact totals");
	check_eq(round_late, 0, "no thread ran ahead of the barrier");
	check_eq(nr_writes, (long)NR_ROUNDS * wpr, "every rwlock write happened");
	check_eq(nr_reads, (long)NR_ROUNDS * (NR_THREADS * RWLOCK_OPS - wpr), "every rwlock read happened");
	check(pair_a == nr_writes && pair_b == nr_writes, "writers' updates are all there", "a %ld b %ld, want %ld",
	      pair_a, pair_b, nr_writes);
	check_eq(overlap_bad, 0, "a rwlock writer never overlaps readers or writers");
	check_eq(torn_bad, 0, "readers never see a half-done write");
	check(max_readers >= 1 && max_readers <= NR_THREADS, "readers share the rwlock", "max %ld readers at once",
	      max_readers);
	check(readers_in == 0 && writers_in == 0, "nobody is left inside the rwlock", "%d readers, %d writers",
	      readers_in, writers_in);
	return check_done();
}
