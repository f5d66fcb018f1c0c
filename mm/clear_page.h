/* clear_page.h - the ways to zero a page, and which one clear_page() uses.
 *
 * clear_page() itself is declared in mm/frame.h (every caller zeroes
 * through it).  The candidates differ in speed by CPU (and by emulator):
 * at boot clear_page_init() times each and picks the fastest, as Linux
 * does for its xor and raid6 routines; clear_page=NAME forces one. */
#pragma once
#include "kernel/types.h"

struct clear_page_impl {
	const char *name;       /* as clear_page=NAME takes it */
	void (*fn)(void *page); /* zero the 4096 bytes at a page-aligned address */
};

extern const struct clear_page_impl clear_page_impls[];
extern const unsigned clear_page_nimpls;

/* Choose clear_page()'s routine: clear_page=NAME if it names one, else the
 * fastest on a short timing run; prints the choice.  Once, on the boot CPU,
 * after the TSC is calibrated and before the other CPUs start.  Until then
 * clear_page() uses rep-stosb. */
void clear_page_init(void);

/* Make clear_page() use the candidate called name: 0, or -EINVAL (the
 * choice is unchanged) if there is none.  Safe at any moment: every
 * candidate zeroes correctly, so a racing clear_page() may use either. */
int clear_page_select(const char *name);
const char *clear_page_name(void); /* the routine clear_page() uses now */
