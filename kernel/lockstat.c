/* lockstat.c - the per-lock-class wait table (lockstat.h).
 *
 * The table is an open-addressed hash of LOCKSTAT_CLASSES slots keyed by
 * (name pointer, kind).  A slot is claimed once, by a compare-and-swap of
 * its key from 0, and never given back; its counters are then updated with
 * relaxed atomics (waits are rare and slow anyway: a wait already cost far
 * more than the locked add).  Readers (procfs) read the counters without a
 * lock: each is a monotonic 64-bit value read whole, and the table makes
 * no promise that one class's three counters are from the same instant.
 * When every slot is taken, waits go to the last slot, "(other)". */
#include "kernel/lockstat.h"
#include "kernel/atomic.h"
#include "kernel/lib/cmdline.h"
#include "kernel/printk.h"
#include "kernel/lib/string.h"
#include "kernel/time.h"

struct lockstat_class {
	uint64_t key;        /* 0: free; else lockstat_key(name, kind), set once */
	const char *name;    /* valid once `ready` is set */
	uint8_t kind;
	bool ready;          /* release-stored after name and kind */
	uint64_t waits;      /* relaxed atomics from here on */
	uint64_t cycles;
	uint64_t max_cycles;
} __aligned(64);

static struct lockstat_class table[LOCKSTAT_CLASSES];
#define OTHER (&table[LOCKSTAT_CLASSES - 1])

static const char *const kind_names[LOCKSTAT_KINDS] = {
	[LOCKSTAT_SPIN] = "spin",           [LOCKSTAT_MUTEX] = "mutex",
	[LOCKSTAT_RWSEM_READ] = "rwsem-r",  [LOCKSTAT_RWSEM_WRITE] = "rwsem-w",
	[LOCKSTAT_IPI_WAIT] = "ipi-wait",   [LOCKSTAT_VMA_DRAIN] = "vma-drain",
};

/* Never 0: the kind is in the low bits, the name's address above them. */
static uint64_t lockstat_key(const char *name, enum lockstat_kind kind)
{
	return ((uint64_t)(uintptr_t)name << 3) ^ ((uint64_t)kind + 1);
}

static struct lockstat_class *class_of(const char *name, enum lockstat_kind kind)
{
	uint64_t key = lockstat_key(name, kind);
	unsigned h = (unsigned)((key * 0x9e3779b97f4a7c15ull) >> 32) % (LOCKSTAT_CLASSES - 1);
	for (unsigned i = 0; i < LOCKSTAT_CLASSES - 1; i++) {
		struct lockstat_class *c = &table[(h + i) % (LOCKSTAT_CLASSES - 1)];
		uint64_t k = load_relaxed(&c->key);
		if (k == key)
			return c;
		if (k == 0) {
			uint64_t zero = 0;
			if (try_cmpxchg(&c->key, &zero, key)) {
				c->name = name;
				c->kind = (uint8_t)kind;
				smp_store_release(&c->ready, true);
				return c;
			}
			if (zero == key) /* another CPU claimed it for this class */
				return c;
		}
	}
	return OTHER;
}

void lockstat_wait(const char *name, enum lockstat_kind kind, uint64_t cycles)
{
	struct lockstat_class *c = class_of(name ? name : "(unnamed)", kind);
	fetch_add_relaxed(&c->waits, 1);
	fetch_add_relaxed(&c->cycles, cycles);
	uint64_t max = load_relaxed(&c->max_cycles);
	while (cycles > max && !try_cmpxchg(&c->max_cycles, &max, cycles))
		;
}

void lockstat_clear(void)
{
	for (unsigned i = 0; i < LOCKSTAT_CLASSES; i++) {
		WRITE_ONCE(table[i].waits, 0);
		WRITE_ONCE(table[i].cycles, 0);
		WRITE_ONCE(table[i].max_cycles, 0);
	}
}

int lockstat_rows(struct lockstat_row *rows, int max)
{
	int n = 0;
	for (unsigned i = 0; i < LOCKSTAT_CLASSES && n < max; i++) {
		struct lockstat_class *c = &table[i];
		uint64_t waits = load_relaxed(&c->waits);
		if (!waits)
			continue;
		bool ready = smp_load_acquire(&c->ready);
		struct lockstat_row r = {
			.name = c == OTHER ? "(other)" : ready ? c->name : "(claiming)",
			.kind = ready ? (enum lockstat_kind)c->kind : LOCKSTAT_SPIN,
			.waits = waits,
			.wait_ns = tsc_to_ns(load_relaxed(&c->cycles)),
			.max_ns = tsc_to_ns(load_relaxed(&c->max_cycles)),
		};
		int j = n++; /* insertion sort: longest total wait first */
		for (; j > 0 && rows[j - 1].wait_ns < r.wait_ns; j--)
			rows[j] = rows[j - 1];
		rows[j] = r;
	}
	return n;
}

int lockstat_format(const struct lockstat_row *r, char *buf, size_t n)
{
	if (!r)
		return snprintf(buf, n, "%-24s %-9s %10s %14s %12s %10s\n", "class", "type", "waits", "wait-total-us",
				"wait-max-us", "wait-avg-us");
	return snprintf(buf, n, "%-24s %-9s %10llu %14llu %12llu %10llu\n", r->name, kind_names[r->kind],
			(unsigned long long)r->waits, (unsigned long long)(r->wait_ns / 1000),
			(unsigned long long)(r->max_ns / 1000), (unsigned long long)(r->wait_ns / 1000 / r->waits));
}

void lockstat_print(void)
{
	if (!cmdline_has("lockstat.print"))
		return;
	static struct lockstat_row rows[LOCKSTAT_CLASSES];
	char line[128];
	int n = lockstat_rows(rows, LOCKSTAT_CLASSES);
	lockstat_format(NULL, line, sizeof(line));
	printk(KERN_WARNING "lockstat: %s", line);
	for (int i = 0; i < n; i++) {
		lockstat_format(&rows[i], line, sizeof(line));
		printk(KERN_WARNING "lockstat: %s", line);
	}
}
