/* cpumask.h - sets of CPUs (MAX_CPUS <= 64: one word). */
#pragma once
#include "kernel/percpu.h"

struct cpumask {
	uint64_t bits;
};
_Static_assert(MAX_CPUS <= 64, "cpumask is one word");

static inline void cpumask_set(struct cpumask *m, unsigned cpu) { __atomic_fetch_or(&m->bits, 1ull << cpu, __ATOMIC_SEQ_CST); }
static inline void cpumask_clear(struct cpumask *m, unsigned cpu) { __atomic_fetch_and(&m->bits, ~(1ull << cpu), __ATOMIC_SEQ_CST); }
static inline bool cpumask_test(const struct cpumask *m, unsigned cpu) { return (__atomic_load_n(&m->bits, __ATOMIC_RELAXED) >> cpu) & 1; }
static inline unsigned cpumask_weight(const struct cpumask *m)
{
	unsigned n = 0; /* no POPCNT: the qemu64 CPU model lacks it */
	for (uint64_t b = m->bits; b; b &= b - 1)
		n++;
	return n;
}
#define for_each_cpu(cpu, mask) \
	for (unsigned cpu = 0; cpu < MAX_CPUS; cpu++) if (cpumask_test(mask, cpu))

extern struct cpumask cpu_online_mask;
