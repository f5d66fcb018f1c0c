/* primes.c - an ordinary Linux pthread program, not written with faultline
 * in mind: count the primes below a limit with a pool of worker threads
 * taking chunks from a shared counter under a mutex, a condition variable
 * to report completion, and a barrier to start together.  tests/run.sh
 * runs it on the host and as init= from its own initramfs (INITRD=), with
 * its arguments after " -- ", and requires the same output.
 * Usage: primes THREADS LIMIT */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define CHUNK 1000

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t all_done = PTHREAD_COND_INITIALIZER;
static pthread_barrier_t start;
static long next_chunk, limit, count, sum, largest;
static int finished, nthreads;

static int is_prime(long n)
{
	if (n < 2)
		return 0;
	for (long d = 2; d * d <= n; d++)
		if (n % d == 0)
			return 0;
	return 1;
}

static void *worker(void *arg)
{
	pthread_barrier_wait(&start);
	for (;;) {
		pthread_mutex_lock(&lock);
		long lo = next_chunk;
		next_chunk += CHUNK;
		pthread_mutex_unlock(&lock);
		if (lo >= limit)
			break;
		long hi = lo + CHUNK < limit ? lo + CHUNK : limit, c = 0, s = 0, big = 0;
		for (long n = lo; n < hi; n++)
			if (is_prime(n)) {
				c++;
				s += n;
				big = n;
			}
		pthread_mutex_lock(&lock);
		count += c;
		sum += s;
		if (big > largest)
			largest = big;
		pthread_mutex_unlock(&lock);
	}
	pthread_mutex_lock(&lock);
	if (++finished == nthreads)
		pthread_cond_signal(&all_done);
	pthread_mutex_unlock(&lock);
	return arg;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: %s THREADS LIMIT\n", argv[0]);
		return 2;
	}
	nthreads = atoi(argv[1]);
	limit = atol(argv[2]);
	pthread_t *t = calloc(nthreads, sizeof(*t));
	pthread_barrier_init(&start, NULL, nthreads);
	for (int i = 0; i < nthreads; i++)
		pthread_create(&t[i], NULL, worker, (void *)(long)i);
	pthread_mutex_lock(&lock);
	while (finished < nthreads)
		pthread_cond_wait(&all_done, &lock);
	pthread_mutex_unlock(&lock);
	for (int i = 0; i < nthreads; i++) {
		void *ret;
		pthread_join(t[i], &ret);
		if ((long)ret != i)
			printf("thread %d returned %ld\n", i, (long)ret);
	}
	printf("%d threads: %ld primes below %ld, sum %ld, largest %ld\n", nthreads, count, limit, sum, largest);
	free(t);
	return 0;
}
