/* cpumask.h - sets of CPUs (MAX_CPUS <= 64: one word). */
#pragma once
#include "kernel/percpu.h"
#include "kernel/atomic.h"

struct cpumask {
	uint64_t bits;
};
_Static_assert(MAX_CPUS <= 64, "cpumask is one word");

static inline void cpumask_set(struct cpumask *m, unsigned cpu) { fetch_or(&m->bits, 1ull << cpu); }
static inline void cpumask_clear(struct cpumask *m, unsigned cpu) { fetch_and(&m->bits, ~(1ull << cpu)); }
static inline bool cpumask_test(const struct cpumask *m, unsigned cpu) { return (load_relaxed(&m->bits) >> cpu) & 1; }
static inline unsigned cpumask_weight(const struct cpumask *m)
{
	unsigned n = 0; /* no POPCNT: the qemu64 CPU model lacks it */
	for (uint64_t b = m->bits; b; b &= b - 1)
		n++;
	return n;
}
static inline unsigned cpumask_first(const struct cpumask *m)
{
	return m->bits ? (unsigned)__builtin_ctzll(m->bits) : MAX_CPUS;
}
#define for_each_cpu(cpu, mask) \
	for (unsigned cpu = 0; cpu < MAX_CPUS; cpu++) if (cpumask_test(mask, cpu))

extern struct cpumask cpu_online_mask;
