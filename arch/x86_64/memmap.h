/* memmap.h - cleaning up the firmware's memory map (portable, host tested). */
#pragma once
#include "arch/x86_64/bootinfo.h"

/* Rewrite r[0..n) in place as sorted, non-overlapping regions with equal
 * neighbours merged.  Where regions overlap the larger type number wins, as
 * in Linux's e820 handling (so reserved, ACPI and bad memory all beat
 * available RAM).  Empty regions are dropped and regions running past 2^64
 * are clipped.  At most `max` regions are kept (a warning says if some were
 * dropped).  Returns the new count. */
unsigned memmap_sanitize(struct mem_region *r, unsigned n, unsigned max);
