/* zero_bench.h - the page-zeroing rate, measured at boot (bench.zero). */
#pragma once

/* With bench.zero[=PASSES] on the command line, time the zeroing of pages
 * and print the rate at KERN_WARNING; otherwise do nothing.  Call once,
 * on the boot CPU, before init starts. */
void zero_bench(void);
