/* pthread_counter.c - mutexes and condition variables must not lose updates.
 * Four threads each add 1 to a shared counter 20000 times under a
 * pthread_mutex; the total must be exact.  Then two threads play ping-pong
 * 2000 rounds through one mutex and two condition variables, each waiting
 * for its turn with pthread_cond_wait; both must see every round in order.
 * Last, one pthread_cond_broadcast must release three waiting threads.  In
 * musl all this is futex WAIT and WAKE, plus REQUEUE for the broadcast.
 */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>

#include "check.h"

#define NR_THREADS 4
#define NR_INCS	   20000
#define NR_ROUNDS  2000

static pthread_mutex_t counter_lock = PTHREAD_MUTEX_INITIALIZER;
static long counter; /* protected by counter_lock */

static void *inc_thread(void *arg)
{
	(void)arg;
	for (int i = 0; i < NR_INCS; i++) {
		pthread_mutex_lock(&counter_lock);
		counter++;
		pthread_mutex_unlock(&counter_lock);
	}
	return NULL;
}

static pthread_mutex_t pp_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pp_cond[2] = {PTHREAD_COND_INITIALIZER, PTHREAD_COND_INITIALIZER};
static int pp_turn;  /* whose turn (0 or 1), protected by pp_lock */
static int pp_count; /* rounds played, protected by pp_lock */

static pthread_mutex_t gate_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cond = PTHREAD_COND_INITIALIZER;
static int gate_open, gate_waiting, gate_passed; /* protected by gate_lock */

/* Wait at the gate until main opens it with pthread_cond_broadcast. */
static void *gate_thread(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&gate_lock);
	gate_waiting++;
	while (!gate_open)
		pthread_cond_wait(&gate_cond, &gate_lock);
	gate_passed++;
	pthread_mutex_unlock(&gate_lock);
	return NULL;
}

/* Player me waits for its turn, checks the count, and passes the turn on. */
static void *pp_thread(void *arg)
{
	int me = (int)(long)arg;
	long bad = 0;

	pthread_mutex_lock(&pp_lock);
	for (int i = 0; i < NR_ROUNDS; i++) {
		while (pp_turn != me)
			pthread_cond_wait(&pp_cond[me], &pp_lock);
		if (pp_count != 2 * i + me)
			bad++;
		pp_count++;
		pp_turn = !me;
		pthread_cond_signal(&pp_cond[!me]);
	}
	pthread_mutex_unlock(&pp_lock);
	return (void *)bad;
}

int main(void)
{
	pthread_t t[NR_THREADS];
	void *bad[2];
	int created = 0;

	for (int i = 0; i < NR_THREADS; i++)
		created += pthread_create(&t[i], NULL, inc_thread, NULL) == 0;
	check_eq(created, NR_THREADS, "create the counter threads");
	for (int i = 0; i < created; i++)
		pthread_join(t[i], NULL);
	check_eq(counter, (long)created * NR_INCS, "mutex-protected counter is exact");

	for (long i = 0; i < 2; i++)
		if (!check(pthread_create(&t[i], NULL, pp_thread, (void *)i) == 0, "create a ping-pong thread",
			   "pthread_create failed"))
			return check_done();
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], &bad[i]);
	check_eq(pp_count, 2 * NR_ROUNDS, "condition-variable ping-pong played every round");
	check(!bad[0] && !bad[1], "ping-pong rounds came in order", "%ld and %ld rounds out of order", (long)bad[0],
	      (long)bad[1]);

	/* Three threads wait on one condition variable; one broadcast must
	 * release all of them (musl hands the waiters on with FUTEX_REQUEUE). */
	created = 0;
	for (int i = 0; i < 3; i++)
		created += pthread_create(&t[i], NULL, gate_thread, NULL) == 0;
	for (int waiting = 0; waiting < created; sched_yield()) {
		pthread_mutex_lock(&gate_lock);
		waiting = gate_waiting;
		pthread_mutex_unlock(&gate_lock);
	}
	pthread_mutex_lock(&gate_lock);
	gate_open = 1;
	pthread_cond_broadcast(&gate_cond);
	pthread_mutex_unlock(&gate_lock);
	for (int i = 0; i < created; i++)
		pthread_join(t[i], NULL);
	check(created == 3 && gate_passed == 3, "pthread_cond_broadcast wakes all 3 waiters", "%d of %d passed",
	      gate_passed, created);
	return check_done();
}
