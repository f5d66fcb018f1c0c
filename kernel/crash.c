/* crash.c - `crash=nullptr|ud|divide|panic|stack|bug` on the command line:
 * fault on purpose after boot.  The calls go through a few noinline
 * functions so the backtrace has recognisable frames:
 * crash_nullptr <- crash_dispatch <- crash <- kmain. */
#include "kernel/crash.h"
#include "kernel/assert.h"
#include "kernel/panic.h"
#include "kernel/printk.h"
#include "kernel/string.h"

#define NOINLINE __attribute__((noinline))

NOINLINE static void crash_nullptr(void)
{
	int *volatile p = NULL; /* the compiler cannot see it is NULL */
	*p = 42;
}

NOINLINE static void crash_ud(void) { __asm__ volatile("ud2"); }

NOINLINE static int crash_divide(volatile int d) { return 1 / d; }

/* Recurse without end; `limit` is never reached, but the compiler cannot
 * know that, so it does not reject (or remove) the recursion. */
NOINLINE static int crash_stack(volatile int depth, volatile int limit)
{
	volatile char pad[512];
	pad[0] = (char)depth;
	if (depth == limit)
		return 0;
	return crash_stack(depth + 1, limit) + pad[0];
}

NOINLINE static void crash_dispatch(const char *kind)
{
	pr_info("crash: doing '%s' on purpose\n", kind);
	if (!strcmp(kind, "nullptr"))
		crash_nullptr();
	else if (!strcmp(kind, "ud"))
		crash_ud();
	else if (!strcmp(kind, "divide"))
		crash_divide(0);
	else if (!strcmp(kind, "stack"))
		crash_stack(0, -1);
	else if (!strcmp(kind, "panic"))
		panic("crash=panic requested");
	else if (!strcmp(kind, "bug"))
		BUG_ON(kind[0] == 'b');
	else
		pr_warn("crash: unknown kind '%s' (nullptr, ud, divide, stack, panic, bug)\n", kind);
}

NOINLINE void crash(const char *kind) { crash_dispatch(kind ? kind : ""); }
