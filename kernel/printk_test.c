/* printk_test.c - every CPU prints at once, from interrupt context (the
 * smp_call_function handler).  The ktest only produces the lines; the
 * runner (tests/run.sh) checks in the serial log that each of them arrived
 * whole and that none is missing: lines never interleave. */
#include "kernel/ktest.h"
#include "kernel/percpu.h"
#include "kernel/smp.h"

#define STRESS_LINES 25

static void print_lines(void *arg)
{
	for (int i = 0; i < STRESS_LINES; i++)
		printk("printk-stress cpu%u line %d: %s%s%s%s\n", cpu_id(), i, "0123456789abcdef", "0123456789abcdef",
		       "0123456789abcdef", "0123456789abcdef");
}

KTEST(printk, lines_from_every_cpu_at_once)
{
	printk("printk-stress expect %u lines\n", STRESS_LINES * ncpus_online);
	smp_call_function_all(print_lines, NULL, true);
	KEXPECT(t, ncpus_online >= 1);
}
