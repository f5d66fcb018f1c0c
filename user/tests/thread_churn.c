/* thread_churn.c - many short-lived threads, created and ended while others
 * run.  In 30 waves the main thread creates 6 threads: 4 joinable ones (half
 * return their value, half pass it to pthread_exit from a nested call) and 2
 * detached ones (one created detached, one pthread_detach'ed after creation,
 * perhaps after it has already exited), which end on their own while the
 * next waves are created.  Every thread adds to a counter and a sum under a
 * shared mutex and to an atomic counter, yielding now and then; in every
 * fifth wave one thread also creates and joins a thread of its own.  After
 * the waves every total must be exact and every join value right.
 *
 * Then the main thread leaves with pthread_exit(value) while 4 detached
 * threads still work: one of them joins the main thread (which must give
 * the value only once the main thread is gone, as musl waits for the
 * kernel's clear-child-tid of it), the others keep working after that.  The
 * process must live on until the last thread ends; the last thread to
 * finish (an atomic count says which) prints the final checks and PASS, and
 * then just returns: the process ends with status 0 as on Linux.
 */
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"

#define NR_WAVES     30
#define PER_WAVE     6
#define NR_JOINABLE  4 /* threads 0..3 of a wave; 4 and 5 are detached */
#define NR_ITERS     100
#define YIELD_EVERY  16
#define NESTED_EVERY 5 /* waves 0, 5, 10, ... have a nested thread */
#define NR_FINAL     4
#define MAIN_RET     ((void *)0x5eed)

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long count, sum; /* under lock */
static long atomic_count, detached_done, nested_ok; /* atomic */

/* The share of work every thread does: id goes into the sum. */
static void work(long id)
{
	for (int i = 0; i < NR_ITERS; i++) {
		pthread_mutex_lock(&lock);
		count++;
		sum += id;
		pthread_mutex_unlock(&lock);
		__atomic_add_fetch(&atomic_count, 1, __ATOMIC_SEQ_CST);
		if (i % YIELD_EVERY == 0)
			sched_yield();
	}
}

/* The value a wave's thread hands back through pthread_join. */
static long tag_of(long id) { return 0x10000 + id; }

static void *nested_thread(void *arg)
{
	work((long)arg);
	return (void *)tag_of((long)arg);
}

static __attribute__((noinline)) void leave(long id) { pthread_exit((void *)tag_of(id)); }

/* id = wave * PER_WAVE + slot (slot 0..5); nested threads get ids above. */
static void *wave_thread(void *arg)
{
	long id = (long)arg, wave = id / PER_WAVE, slot = id % PER_WAVE;

	if (slot == 0 && wave % NESTED_EVERY == 0) {
		pthread_t t;
		void *ret = NULL;
		long nid = NR_WAVES * PER_WAVE + wave;
		if (pthread_create(&t, NULL, nested_thread, (void *)nid) == 0 && pthread_join(t, &ret) == 0 &&
		    ret == (void *)tag_of(nid))
			__atomic_add_fetch(&nested_ok, 1, __ATOMIC_SEQ_CST);
	}
	work(id);
	if (slot >= NR_JOINABLE) {
		__atomic_add_fetch(&detached_done, 1, __ATOMIC_SEQ_CST);
		return NULL;
	}
	if (slot % 2)
		leave(id);
	return (void *)tag_of(id);
}

/* ---- the final phase, after main has called pthread_exit ---- */

static pthread_t main_thread;
static int main_exiting;		/* set just before main's pthread_exit */
static int main_join_err = -1;		/* pthread_join(main) result */
static void *main_ret;			/* and the value it gave */
static int main_joined;			/* atomic: main_ret is valid */
static long final_done;			/* atomic */
static pid_t main_pid;			/* getpid() in main */
static long expected_waves_count, expected_waves_sum;

static void *final_thread(void *arg)
{
	long id = (long)arg;

	while (!__atomic_load_n(&main_exiting, __ATOMIC_SEQ_CST))
		sched_yield();
	if (id == 0) {
		main_join_err = pthread_join(main_thread, &main_ret);
		__atomic_store_n(&main_joined, 1, __ATOMIC_SEQ_CST);
	} else {
		/* Work on once main is surely gone. */
		while (!__atomic_load_n(&main_joined, __ATOMIC_SEQ_CST))
			sched_yield();
	}
	work(1000 + id);
	if (__atomic_add_fetch(&final_done, 1, __ATOMIC_SEQ_CST) != NR_FINAL)
		return NULL;

	/* The last one: every other thread has done its work. */
	long want_count = expected_waves_count + NR_FINAL * NR_ITERS;
	long want_sum = expected_waves_sum;
	for (long i = 0; i < NR_FINAL; i++)
		want_sum += (1000 + i) * NR_ITERS;
	check(main_join_err == 0 && main_ret == MAIN_RET, "pthread_join of the main thread gives its pthread_exit value",
	      "pthread_join returned %d, value %p", main_join_err, main_ret);
	check_eq(getpid(), main_pid, "the process keeps its pid after the main thread has gone");
	pthread_mutex_lock(&lock);
	check(count == want_count && sum == want_sum, "threads kept working after main's pthread_exit",
	      "count %ld sum %ld, want %ld and %ld", count, sum, want_count, want_sum);
	pthread_mutex_unlock(&lock);
	check_eq(__atomic_load_n(&atomic_count, __ATOMIC_SEQ_CST), want_count, "atomic counter exact at the end");
	if (check_done())
		exit(1);
	return NULL; /* the last thread: the process ends with status 0 */
}

int main(void)
{
	pthread_attr_t detached;
	long create_failed = 0, join_failed = 0, bad_ret = 0, detach_failed = 0;
	long want_count = 0, want_sum = 0, want_detached = 0, want_nested = 0;

	pthread_attr_init(&detached);
	pthread_attr_setdetachstate(&detached, PTHREAD_CREATE_DETACHED);

	for (long w = 0; w < NR_WAVES; w++) {
		pthread_t t[PER_WAVE];
		bool made[PER_WAVE] = {false};

		for (long s = 0; s < PER_WAVE; s++) {
			long id = w * PER_WAVE + s;
			int err = pthread_create(&t[s], s == PER_WAVE - 1 ? &detached : NULL, wave_thread, (void *)id);
			if (err) {
				create_failed++;
				continue;
			}
			made[s] = true;
			want_count += NR_ITERS;
			want_sum += id * NR_ITERS;
			if (s >= NR_JOINABLE)
				want_detached++;
			if (s == 0 && w % NESTED_EVERY == 0) {
				long nid = NR_WAVES * PER_WAVE + w;
				want_count += NR_ITERS;
				want_sum += nid * NR_ITERS;
				want_nested++;
			}
			if (s == NR_JOINABLE) /* detach it now; it may have exited already */
				detach_failed += pthread_detach(t[s]) != 0;
		}
		for (long s = 0; s < NR_JOINABLE; s++) {
			void *ret = NULL;
			if (!made[s])
				continue;
			if (pthread_join(t[s], &ret))
				join_failed++;
			else if (ret != (void *)tag_of(w * PER_WAVE + s))
				bad_ret++;
		}
	}

	/* Detached threads cannot be joined: wait (at most 30 s) for their count. */
	int64_t deadline = now_ns() + 30000000000LL;
	while (__atomic_load_n(&detached_done, __ATOMIC_SEQ_CST) < want_detached && now_ns() < deadline)
		sched_yield();

	check_eq(create_failed, 0, "pthread_create of every wave thread succeeds");
	check_eq(detach_failed, 0, "pthread_detach of a running or exited thread succeeds");
	check_eq(join_failed, 0, "pthread_join of every joinable thread succeeds");
	check_eq(bad_ret, 0, "pthread_join gives each thread's return or pthread_exit value");
	check_eq(__atomic_load_n(&nested_ok, __ATOMIC_SEQ_CST), want_nested,
		 "threads create and join threads of their own");
	check_eq(__atomic_load_n(&detached_done, __ATOMIC_SEQ_CST), want_detached, "every detached thread finished");
	pthread_mutex_lock(&lock);
	check(count == want_count && sum == want_sum, "mutex-protected count and sum are exact",
	      "count %ld sum %ld, want %ld and %ld", count, sum, want_count, want_sum);
	pthread_mutex_unlock(&lock);
	check_eq(__atomic_load_n(&atomic_count, __ATOMIC_SEQ_CST), want_count, "atomic counter is exact");
	expected_waves_count = want_count;
	expected_waves_sum = want_sum;

	/* The final phase: main leaves first, the last detached thread reports. */
	main_thread = pthread_self();
	main_pid = getpid();
	int final_made = 0;
	for (long i = 0; i < NR_FINAL; i++) {
		pthread_t t;
		final_made += pthread_create(&t, &detached, final_thread, (void *)i) == 0;
	}
	if (!check(final_made == NR_FINAL, "create the final detached threads", "%d of %d created", final_made,
		   NR_FINAL))
		exit(check_done());
	__atomic_store_n(&main_exiting, 1, __ATOMIC_SEQ_CST);
	pthread_exit(MAIN_RET);
}
