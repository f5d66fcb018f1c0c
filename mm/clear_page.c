/* clear_page.c - zeroing a page, the floor under every anonymous fault.
 *
 * Four ways to write 4096 zero bytes, whose speeds differ by CPU:
 *   rep-stosb      one `rep stosb` (fast on CPUs with ERMS, which make it
 *                  the string instruction they optimise best);
 *   rep-stosq      one `rep stosq` of 512 quadwords;
 *   movq-unrolled  a loop of 8 `movq` of a zero register, 64 bytes a turn:
 *                  on QEMU TCG, which emulates a `rep` string instruction an
 *                  element at a time, this is several times faster;
 *   movnti         the same loop with non-temporal `movnti` stores (SSE2,
 *                  which every x86_64 CPU has) and an `sfence` so that the
 *                  zeroes are visible before the page is mapped.  It spares
 *                  the cache, but the faulting program's first write then
 *                  misses it - a cost the timing below does not see.
 * All are inline assembly, so the compiler can neither turn them into a
 * memset() call nor merge them with anything.
 *
 * clear_page_init() times each at boot on TIME_PAGES pages (cache-warm,
 * as a freshly allocated page often is not, but alike for all) and makes
 * clear_page() call the fastest through `chosen` - of two within 1/16 of
 * each other, the one listed first; clear_page=NAME forces one instead.  Before it runs (page tables built during boot) clear_page()
 * uses rep-stosb, the kernel's memset().
 *
 * Locking: `chosen` is written on the boot CPU before the others start, and
 * later only by clear_page_select() (ktests); readers load it once per page
 * and any candidate is correct, so a race only decides which one zeroes. */
#include "mm/clear_page.h"
#include "arch/x86_64/x86.h"
#include "kernel/lib/cmdline.h"
#include "kernel/compiler.h"
#include "kernel/errno.h"
#include "kernel/printk.h"
#include "kernel/lib/string.h"
#include "kernel/time.h"
#include "mm/frame.h"
#include "mm/mmstat.h"

static void clear_page_rep_stosb(void *page)
{
	size_t n = PAGE_SIZE;
	__asm__ volatile("rep stosb" : "+D"(page), "+c"(n) : "a"(0) : "memory");
}

static void clear_page_rep_stosq(void *page)
{
	size_t n = PAGE_SIZE / 8;
	__asm__ volatile("rep stosq" : "+D"(page), "+c"(n) : "a"(0ul) : "memory");
}

/* STORE is movq or movnti: 64 bytes a turn from %[p] up to %[end]. */
#define CLEAR_LOOP(store)                                                     \
	"1:\n\t" store " %[z], 0(%[p])\n\t" store " %[z], 8(%[p])\n\t"        \
	store " %[z], 16(%[p])\n\t" store " %[z], 24(%[p])\n\t"               \
	store " %[z], 32(%[p])\n\t" store " %[z], 40(%[p])\n\t"               \
	store " %[z], 48(%[p])\n\t" store " %[z], 56(%[p])\n\t"               \
	"addq $64, %[p]\n\t"                                                  \
	"cmpq %[end], %[p]\n\t"                                               \
	"jne 1b\n\t"

static void clear_page_movq_unrolled(void *page)
{
	char *p = page;
	__asm__ volatile(CLEAR_LOOP("movq")
			 : [p] "+r"(p)
			 : [z] "r"(0ul), [end] "r"((char *)page + PAGE_SIZE)
			 : "memory", "cc");
}

static void clear_page_movnti(void *page)
{
	char *p = page;
	__asm__ volatile(CLEAR_LOOP("movnti") "sfence"
			 : [p] "+r"(p)
			 : [z] "r"(0ul), [end] "r"((char *)page + PAGE_SIZE)
			 : "memory", "cc");
}

/* A candidate needing a CPU feature beyond x86_64's baseline would need a
 * check here before it is timed or selected; none does (movnti is SSE2). */
const struct clear_page_impl clear_page_impls[] = {
	{ "rep-stosb", clear_page_rep_stosb }, /* first: the default until clear_page_init() */
	{ "rep-stosq", clear_page_rep_stosq },
	{ "movq-unrolled", clear_page_movq_unrolled },
	{ "movnti", clear_page_movnti },
};
const unsigned clear_page_nimpls = ARRAY_SIZE(clear_page_impls);

static const struct clear_page_impl *chosen = &clear_page_impls[0];

void clear_page(void *va)
{
	READ_ONCE(chosen)->fn(va);
	mmstat_inc(MMSTAT_PAGE_ZEROED);
}

static const struct clear_page_impl *impl_of(const char *name)
{
	for (unsigned i = 0; i < clear_page_nimpls; i++)
		if (!strcmp(name, clear_page_impls[i].name))
			return &clear_page_impls[i];
	return NULL;
}

int clear_page_select(const char *name)
{
	const struct clear_page_impl *impl = impl_of(name);
	if (!impl)
		return -EINVAL;
	WRITE_ONCE(chosen, impl);
	return 0;
}

const char *clear_page_name(void) { return READ_ONCE(chosen)->name; }

/* The timing run: TIME_ROUNDS rounds, in each of which every candidate
 * zeroes the TIME_PAGES pages over and over for TIME_ROUND_MS; interleaving
 * the rounds spreads any disturbance over all candidates.  In all about
 * 4 x 4 x 2 ms = 32 ms, whatever the CPU or emulator. */
#define TIME_PAGES 16
#define TIME_ORDER 4 /* 1 << TIME_ORDER == TIME_PAGES */
#define TIME_ROUNDS 4
#define TIME_ROUND_MS 2

/* bytes / ns = GB/s; in tenths, rounded. */
static unsigned long long gb_s_tenths(uint64_t bytes, uint64_t ns) { return (bytes * 10 + ns / 2) / (ns ? ns : 1); }

void clear_page_init(void)
{
	const char *want = cmdline_get("clear_page");
	if (want) {
		if (!clear_page_select(want)) {
			pr_info("clear_page: %s (forced by clear_page=)\n", clear_page_name());
			return;
		}
		char names[80] = "";
		size_t len = 0;
		for (unsigned i = 0; i < clear_page_nimpls && len < sizeof(names); i++)
			len += snprintf(names + len, sizeof(names) - len, "%s%s", i ? ", " : "", clear_page_impls[i].name);
		printk(KERN_WARNING "clear_page: clear_page=%s is none of %s; timing them instead\n", want, names);
	}
	char *pages = tsc_hz ? page_alloc(TIME_ORDER, false) : NULL;
	if (!pages) {
		pr_info("clear_page: %s (%s to time the others)\n", clear_page_name(), tsc_hz ? "no memory" : "no TSC rate");
		return;
	}

	uint64_t bytes[ARRAY_SIZE(clear_page_impls)] = { 0 }, cycles[ARRAY_SIZE(clear_page_impls)] = { 0 };
	uint64_t round_cycles = tsc_hz / 1000 * TIME_ROUND_MS;
	for (unsigned i = 0; i < clear_page_nimpls; i++) /* untimed: caches, TCG's translation */
		for (unsigned pg = 0; pg < TIME_PAGES; pg++)
			clear_page_impls[i].fn(pages + pg * PAGE_SIZE);
	for (unsigned round = 0; round < TIME_ROUNDS; round++) {
		for (unsigned i = 0; i < clear_page_nimpls; i++) {
			uint64_t start = rdtsc(), elapsed;
			do {
				for (unsigned pg = 0; pg < TIME_PAGES; pg++)
					clear_page_impls[i].fn(pages + pg * PAGE_SIZE);
				bytes[i] += TIME_PAGES * PAGE_SIZE;
				elapsed = rdtsc() - start;
			} while (elapsed < round_cycles);
			cycles[i] += elapsed;
		}
	}
	page_free(pages, TIME_ORDER);

	unsigned best = 0;
	unsigned long long tenths[ARRAY_SIZE(clear_page_impls)];
	for (unsigned i = 0; i < clear_page_nimpls; i++) {
		tenths[i] = gb_s_tenths(bytes[i], tsc_to_ns(cycles[i]));
		/* Exact rates (bytes / cycles), not the rounded figures; a later
		 * candidate must beat the best so far by 1/16, so that near-ties
		 * (movq and movnti are one store to TCG) go to the earlier one
		 * every boot, not to the timing noise - and to cached stores. */
		if (bytes[i] * cycles[best] * 16 > bytes[best] * cycles[i] * 17)
			best = i;
	}
	WRITE_ONCE(chosen, &clear_page_impls[best]);

	char others[120] = "";
	size_t len = 0;
	for (unsigned i = 0; i < clear_page_nimpls && len < sizeof(others); i++)
		if (i != best)
			len += snprintf(others + len, sizeof(others) - len, "%s%s %llu.%llu", len ? ", " : "",
					clear_page_impls[i].name, tenths[i] / 10, tenths[i] % 10);
	pr_info("clear_page: %s %llu.%llu GB/s (%s)\n", clear_page_impls[best].name, tenths[best] / 10, tenths[best] % 10,
		others);
}
