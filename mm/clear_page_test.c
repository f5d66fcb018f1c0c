/* clear_page_test.c - ktests of the page-zeroing candidates: each zeroes
 * exactly its page (all 4096 bytes, nothing either side), clear_page()
 * does too whichever was chosen, and clear_page_select() switches by name. */
#include "kernel/errno.h"
#include "kernel/ktest.h"
#include "kernel/lib/string.h"
#include "mm/clear_page.h"
#include "mm/frame.h"
#include "mm/mmstat.h"

#define PATTERN 0xA5

/* Three pages of PATTERN (in an order-2 block), the middle one zeroed by
 * fn; each failure names who and the first wrong byte. */
static void check_clears_middle(struct ktest_ctx *t, const char *who, void (*fn)(void *page))
{
	unsigned char *buf = page_alloc(2, false);
	KEXPECT(t, buf != NULL);
	if (!buf)
		return;
	memset(buf, PATTERN, 3 * PAGE_SIZE);
	fn(buf + PAGE_SIZE);
	for (size_t i = 0; i < 3 * PAGE_SIZE; i++) {
		unsigned want = i >= PAGE_SIZE && i < 2 * PAGE_SIZE ? 0 : PATTERN;
		if (buf[i] != want) {
			ktest_fail(t, __FILE__, __LINE__, "%s: byte %zu of 3 pages is %#x, want %#x", who, i, buf[i],
				   want);
			break;
		}
	}
	page_free(buf, 2);
}

KTEST(clear_page, every_candidate_zeroes_exactly_its_page)
{
	for (unsigned i = 0; i < clear_page_nimpls; i++)
		check_clears_middle(t, clear_page_impls[i].name, clear_page_impls[i].fn);
}

KTEST(clear_page, chosen_zeroes_exactly_its_page_and_counts)
{
	uint64_t before = mmstat_read(MMSTAT_PAGE_ZEROED);
	check_clears_middle(t, clear_page_name(), clear_page);
	/* other CPUs may zero pages too: at least ours was counted */
	KEXPECT(t, mmstat_read(MMSTAT_PAGE_ZEROED) >= before + 1);
}

KTEST(clear_page, select_by_name)
{
	const char *saved = clear_page_name();
	for (unsigned i = 0; i < clear_page_nimpls; i++) {
		KEXPECT_EQ(t, clear_page_select(clear_page_impls[i].name), 0);
		KEXPECT(t, !strcmp(clear_page_name(), clear_page_impls[i].name));
		check_clears_middle(t, clear_page_impls[i].name, clear_page);
	}
	const char *now = clear_page_name();
	KEXPECT_EQ(t, clear_page_select("bogus"), -EINVAL);
	KEXPECT_EQ(t, clear_page_select(""), -EINVAL);
	KEXPECT(t, clear_page_name() == now); /* unchanged by a bad name */
	KEXPECT_EQ(t, clear_page_select(saved), 0);
}
