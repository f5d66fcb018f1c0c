/* test_cpumask.c - host unit tests of struct cpumask (kernel/cpumask.h):
 * set/clear/test/weight/first/next and for_each_cpu across the 64-bit word
 * boundaries of a MAX_CPUS (256) bit mask, the and/andnot snapshots, and
 * atomic set/clear from several threads at once. */
#include <pthread.h>
#include "kernel/cpumask.h"
#include "tests/host/check.h"

/* Collect the CPUs for_each_cpu visits, in order; returns how many. */
static unsigned visit(const struct cpumask *m, unsigned *out)
{
	unsigned n = 0;
	for_each_cpu(cpu, m)
		out[n++] = cpu;
	return n;
}

TEST(layout)
{
	CHECK(MAX_CPUS == 256);
	CHECK_EQ(sizeof(struct cpumask), MAX_CPUS / 8);
}

TEST(empty_mask)
{
	struct cpumask m;
	unsigned seen[MAX_CPUS];
	cpumask_zero(&m);
	CHECK(cpumask_empty(&m));
	CHECK_EQ(cpumask_weight(&m), 0);
	CHECK_EQ(cpumask_first(&m), MAX_CPUS);
	CHECK_EQ(cpumask_next(&m, 0), MAX_CPUS);
	CHECK_EQ(visit(&m, seen), 0);
	CHECK(!cpumask_test(&m, 0) && !cpumask_test(&m, MAX_CPUS - 1));
	CHECK(!cpumask_test(&m, MAX_CPUS)); /* out of range: never set */
}

/* Bits on both sides of every word boundary, and the last CPU. */
TEST(word_boundaries)
{
	static const unsigned cpus[] = { 0, 1, 62, 63, 64, 65, 127, 128, 191, 192, 254, 255 };
	const unsigned n = sizeof(cpus) / sizeof(cpus[0]);
	struct cpumask m = { { 0 } };
	for (unsigned i = 0; i < n; i++)
		cpumask_set(&m, cpus[i]);
	CHECK_EQ(cpumask_weight(&m), n);
	CHECK_EQ(cpumask_first(&m), 0);
	for (unsigned c = 0; c < MAX_CPUS; c++) {
		bool want = false;
		for (unsigned i = 0; i < n; i++)
			want |= cpus[i] == c;
		CHECK_EQ(cpumask_test(&m, c), want);
	}
	unsigned seen[MAX_CPUS];
	CHECK_EQ(visit(&m, seen), n);
	for (unsigned i = 0; i < n; i++)
		CHECK_EQ(seen[i], cpus[i]);
	/* next from inside a word, from a set bit, and past the end */
	CHECK_EQ(cpumask_next(&m, 2), 62);
	CHECK_EQ(cpumask_next(&m, 64), 64);
	CHECK_EQ(cpumask_next(&m, 66), 127);
	CHECK_EQ(cpumask_next(&m, 129), 191);
	CHECK_EQ(cpumask_next(&m, 193), 254);
	CHECK_EQ(cpumask_next(&m, 256), MAX_CPUS);
	CHECK_EQ(cpumask_next(&m, 1000), MAX_CPUS);

	cpumask_clear(&m, 0);
	cpumask_clear(&m, 64);
	cpumask_clear(&m, 255);
	CHECK_EQ(cpumask_weight(&m), n - 3);
	CHECK_EQ(cpumask_first(&m), 1);
	CHECK(!cpumask_test(&m, 64) && cpumask_test(&m, 65) && !cpumask_test(&m, 255) && cpumask_test(&m, 254));
	cpumask_clear(&m, 64); /* clearing a clear bit changes nothing */
	CHECK_EQ(cpumask_weight(&m), n - 3);
}

TEST(only_high_words)
{
	struct cpumask m = cpumask_of(200);
	CHECK_EQ(cpumask_first(&m), 200);
	CHECK_EQ(cpumask_weight(&m), 1);
	CHECK(!cpumask_empty(&m));
	CHECK_EQ(cpumask_next(&m, 201), MAX_CPUS);
	m = cpumask_of(MAX_CPUS - 1);
	CHECK_EQ(cpumask_first(&m), MAX_CPUS - 1);
}

TEST(all_cpus)
{
	struct cpumask m = { { 0 } };
	for (unsigned c = 0; c < MAX_CPUS; c++)
		cpumask_set(&m, c);
	CHECK_EQ(cpumask_weight(&m), MAX_CPUS);
	unsigned seen[MAX_CPUS], n = visit(&m, seen), in_order = 0;
	CHECK_EQ(n, MAX_CPUS);
	for (unsigned i = 0; i < n; i++)
		in_order += seen[i] == i;
	CHECK_EQ(in_order, MAX_CPUS);
}

TEST(and_andnot)
{
	struct cpumask a = { { 0 } }, b = { { 0 } }, d;
	for (unsigned c = 0; c < MAX_CPUS; c += 3)
		cpumask_set(&a, c);
	for (unsigned c = 0; c < MAX_CPUS; c += 5)
		cpumask_set(&b, c);
	CHECK(cpumask_and(&d, &a, &b)); /* multiples of 15 */
	unsigned w = 0;
	for (unsigned c = 0; c < MAX_CPUS; c++) {
		w += cpumask_test(&d, c);
		if (cpumask_test(&d, c) != (c % 15 == 0))
			CHECK(!"and: wrong bit");
	}
	CHECK_EQ(w, (MAX_CPUS - 1) / 15 + 1);
	CHECK(cpumask_andnot(&d, &a, &b)); /* multiples of 3, not of 5 */
	for (unsigned c = 0; c < MAX_CPUS; c++)
		if (cpumask_test(&d, c) != (c % 3 == 0 && c % 5 != 0))
			CHECK(!"andnot: wrong bit");
	struct cpumask one = cpumask_of(129);
	CHECK(!cpumask_andnot(&d, &one, &one)); /* empty result: false */
	CHECK(cpumask_empty(&d));
	CHECK(!cpumask_and(&d, &one, &a) || cpumask_test(&a, 129));
	CHECK(cpumask_and(&a, &a, &b)); /* dst may be a source */
	CHECK_EQ(cpumask_weight(&a), (MAX_CPUS - 1) / 15 + 1);
}

/* Set and clear are atomic per word: threads flipping their own bits of
 * the same words never lose another's update. */
#define NTHREADS 8
static struct cpumask shared;
static void *flipper(void *arg)
{
	unsigned t = (unsigned)(uintptr_t)arg;
	for (int round = 0; round < 2000; round++)
		for (unsigned c = t; c < MAX_CPUS; c += NTHREADS) {
			cpumask_set(&shared, c);
			if (round & 1)
				cpumask_clear(&shared, c);
		}
	for (unsigned c = t; c < MAX_CPUS; c += NTHREADS)
		cpumask_set(&shared, c);
	return NULL;
}

TEST(atomic_set_clear)
{
	pthread_t th[NTHREADS];
	for (unsigned t = 0; t < NTHREADS; t++)
		pthread_create(&th[t], NULL, flipper, (void *)(uintptr_t)t);
	for (unsigned t = 0; t < NTHREADS; t++)
		pthread_join(th[t], NULL);
	CHECK_EQ(cpumask_weight(&shared), MAX_CPUS);
}

int main(void)
{
	RUN(layout);
	RUN(empty_mask);
	RUN(word_boundaries);
	RUN(only_high_words);
	RUN(all_cpus);
	RUN(and_andnot);
	RUN(atomic_set_clear);
	return check_done();
}
