/* cpumask.h - sets of CPUs: a bitmap of MAX_CPUS bits in 64-bit words.
 *
 * cpumask_set() and cpumask_clear() are atomic read-modify-writes of one
 * word (a full barrier each), so CPUs may add and remove themselves from a
 * shared mask (mm->cpus, cpu_online_mask) without a lock.  Everything that
 * reads a mask (test, weight, first, next, for_each_cpu, the and/andnot
 * snapshots) loads each word once with a relaxed load: against concurrent
 * updates a reader sees, per word, either the old or the new value; callers
 * that need more order put their own barrier before the read (tlb_finish).
 * Whole-mask writes (cpumask_zero, the snapshots' destination) are plain:
 * only for masks nobody else is updating. */
#pragma once
#include "kernel/percpu.h"
#include "kernel/atomic.h"

#define CPUMASK_WORDS ((MAX_CPUS + 63) / 64)

struct cpumask {
	uint64_t bits[CPUMASK_WORDS];
};

static inline void cpumask_set(struct cpumask *m, unsigned cpu) { fetch_or(&m->bits[cpu / 64], 1ull << (cpu % 64)); }
static inline void cpumask_clear(struct cpumask *m, unsigned cpu)
{
	fetch_and(&m->bits[cpu / 64], ~(1ull << (cpu % 64)));
}
static inline bool cpumask_test(const struct cpumask *m, unsigned cpu)
{
	return cpu < MAX_CPUS && (load_relaxed(&m->bits[cpu / 64]) >> (cpu % 64)) & 1;
}

/* The mask with only cpu set (a value, for sched_set_affinity and friends). */
static inline struct cpumask cpumask_of(unsigned cpu)
{
	struct cpumask m = { { 0 } };
	m.bits[cpu / 64] = 1ull << (cpu % 64);
	return m;
}

static inline void cpumask_zero(struct cpumask *m)
{
	for (unsigned w = 0; w < CPUMASK_WORDS; w++)
		m->bits[w] = 0;
}

static inline bool cpumask_empty(const struct cpumask *m)
{
	for (unsigned w = 0; w < CPUMASK_WORDS; w++)
		if (load_relaxed(&m->bits[w]))
			return false;
	return true;
}

static inline unsigned cpumask_weight(const struct cpumask *m)
{
	unsigned n = 0; /* no POPCNT: the qemu64 CPU model lacks it */
	for (unsigned w = 0; w < CPUMASK_WORDS; w++)
		for (uint64_t b = load_relaxed(&m->bits[w]); b; b &= b - 1)
			n++;
	return n;
}

/* The lowest CPU >= from in m, or MAX_CPUS if none: one word at a time. */
static inline unsigned cpumask_next(const struct cpumask *m, unsigned from)
{
	if (from >= MAX_CPUS)
		return MAX_CPUS;
	unsigned w = from / 64;
	uint64_t b = load_relaxed(&m->bits[w]) & (~0ull << (from % 64));
	while (!b) {
		if (++w == CPUMASK_WORDS)
			return MAX_CPUS;
		b = load_relaxed(&m->bits[w]);
	}
	unsigned cpu = w * 64 + (unsigned)__builtin_ctzll(b);
	return cpu < MAX_CPUS ? cpu : MAX_CPUS;
}

static inline unsigned cpumask_first(const struct cpumask *m) { return cpumask_next(m, 0); }

/* dst = a & b (dst = a & ~b); true if the result is not empty.  dst may be
 * a or b, and must be private to the caller. */
static inline bool cpumask_and(struct cpumask *dst, const struct cpumask *a, const struct cpumask *b)
{
	uint64_t any = 0;
	for (unsigned w = 0; w < CPUMASK_WORDS; w++)
		any |= dst->bits[w] = load_relaxed(&a->bits[w]) & load_relaxed(&b->bits[w]);
	return any != 0;
}
static inline bool cpumask_andnot(struct cpumask *dst, const struct cpumask *a, const struct cpumask *b)
{
	uint64_t any = 0;
	for (unsigned w = 0; w < CPUMASK_WORDS; w++)
		any |= dst->bits[w] = load_relaxed(&a->bits[w]) & ~load_relaxed(&b->bits[w]);
	return any != 0;
}

/* Every CPU in mask, in increasing order, skipping empty words. */
#define for_each_cpu(cpu, mask) \
	for (unsigned cpu = cpumask_first(mask); cpu < MAX_CPUS; cpu = cpumask_next(mask, cpu + 1))

extern struct cpumask cpu_online_mask;
