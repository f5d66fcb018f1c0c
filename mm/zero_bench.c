/* zero_bench.c - the page-zeroing rate: the floor under every anonymous
 * page fault.
 *
 * A first-touch fault on anonymous memory gets its page from
 * page_alloc(0, true) (mm/fault.c), which zeroes it with clear_page()
 * (mm/clear_page.c: whichever way of zeroing was fastest at boot, or the
 * one clear_page= forces); this times that routine alone.  No fault can be
 * served faster than a page can be zeroed, so pfbench's faults/s read
 * against this figure show how much of a fault is the zeroing and how
 * much is everything else (trap, VMA lookup, locks, page tables) - on QEMU
 * TCG both are emulation speeds, measured on the same emulated CPU.
 *
 * bench.zero[=PASSES] (default 4096): allocate BENCH_PAGES frames once, then
 * zero all of them PASSES times (4096 x 64 pages = 1 GiB), timed with the
 * TSC; stop early after BENCH_MAX_NS so a slow emulator cannot stall boot.
 * 64 pages (256 KiB) stay within a typical L2, like a fault path that zeroes
 * a page it is about to write.  Prints at KERN_WARNING, so `quiet` boots
 * show it too.  Runs on the boot CPU before init starts; interrupts are on,
 * so the odd timer tick is included in the time. */
#include "mm/zero_bench.h"
#include "arch/x86_64/x86.h"
#include "kernel/lib/cmdline.h"
#include "kernel/printk.h"
#include "kernel/lib/string.h"
#include "kernel/time.h"
#include "mm/frame.h"

#define BENCH_PAGES 64
#define BENCH_DEFAULT_PASSES 4096
#define BENCH_MAX_NS 3000000000ull /* 3 s */

void zero_bench(void)
{
	if (!cmdline_has("bench.zero"))
		return;
	long passes = BENCH_DEFAULT_PASSES;
	if (cmdline_get("bench.zero")[0])
		passes = cmdline_get_int("bench.zero", BENCH_DEFAULT_PASSES);
	if (passes < 1 || !tsc_hz) {
		printk(KERN_WARNING "bench: page zeroing: skipped (%s)\n", tsc_hz ? "bench.zero < 1" : "no TSC rate");
		return;
	}
	void *page[BENCH_PAGES];
	int n = 0;
	for (; n < BENCH_PAGES; n++)
		if (!(page[n] = page_alloc(0, false)))
			break;
	if (n == 0) {
		printk(KERN_WARNING "bench: page zeroing: skipped (no memory)\n");
		return;
	}

	uint64_t pages = 0, ns = 0, start = rdtsc();
	for (long pass = 0; pass < passes && ns < BENCH_MAX_NS; pass++) {
		for (int i = 0; i < n; i++)
			clear_page(page[i]); /* what page_alloc(0, true) does for every zeroed page */
		pages += n;
		ns = tsc_to_ns(rdtsc() - start);
	}
	for (int i = 0; i < n; i++)
		page_free(page[i], 0);

	if (!ns)
		ns = 1;
	/* No overflow: the 3 s cap keeps pages far below 2^64 / 1e9. */
	uint64_t per_s = pages * 1000000000u / ns;
	uint64_t mb_s = pages * PAGE_SIZE * 1000u / ns; /* bytes/ns * 1000 = MB/s */
	printk(KERN_WARNING "bench: page zeroing: %llu pages/s (%llu MB/s) [%llu pages in %llu us]\n",
	       (unsigned long long)per_s, (unsigned long long)mb_s, (unsigned long long)pages,
	       (unsigned long long)(ns / 1000));
}
