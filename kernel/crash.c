/* crash.c - `crash=KIND` on the command line (the kinds are in
 * crash_kinds[] below): fault on purpose after boot.  The calls go through a few noinline
 * functions so the backtrace has recognisable frames:
 * crash_nullptr <- crash_dispatch <- crash <- kmain. */
#include "kernel/crash.h"
#include "kernel/assert.h"
#include "kernel/epoch.h"
#include "kernel/sched.h"
#include "kernel/panic.h"
#include "kernel/printk.h"
#include "kernel/smp.h"
#include "kernel/spinlock.h"
#include "kernel/lib/string.h"
#include "kernel/time.h"
#include "mm/vmap.h"

#define NOINLINE __attribute__((noinline))

NOINLINE static void crash_nullptr(void)
{
	int *volatile p = NULL; /* the compiler cannot see it is NULL */
	*p = 42;
}

NOINLINE static void crash_ud(void) { __asm__ volatile("ud2"); }

NOINLINE static void crash_divide(void)
{
	/* In assembly: the compiler may drop (or trap on) a C division by zero. */
	__asm__ volatile("xor %%ecx, %%ecx\n\tmov $1, %%eax\n\txor %%edx, %%edx\n\tdiv %%ecx" ::: "eax", "ecx", "edx");
}

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

/* Make exception delivery itself fault: with RSP on a stack guard page, the
 * CPU cannot push the #UD frame, which escalates to #DF, taken on its own
 * IST stack.  (The oops is printed from there; we never come back.) */
NOINLINE static void crash_double_fault(void)
{
	void *top = vmap_stack_alloc(KSTACK_PAGES);
	if (!top)
		return;
	uint64_t guard = (uint64_t)top - KSTACK_PAGES * PAGE_SIZE - 64;
	__asm__ volatile("mov %0, %%rsp\n\tud2" ::"r"(guard) : "memory");
}

static struct spinlock crash_lock = SPINLOCK_INIT("crash_lock");

/* Spinlock debug checks: each of these must panic, naming the lock. */
NOINLINE static void crash_lock_recursion(void)
{
	spin_lock(&crash_lock);
	spin_lock(&crash_lock);
}

NOINLINE static void crash_unlock_unheld(void) { spin_unlock(&crash_lock); }

static void hold_forever(void *arg)
{
	spin_lock(&crash_lock);
	for (;;)
		__asm__ volatile("pause");
}

/* Another CPU takes the lock and never lets go; we then wait for it until
 * the spinlock's stuck-lock detector fires (spinlock.timeout_ms). */
NOINLINE static void crash_lock_stuck(void)
{
	if (ncpus_online < 2) {
		pr_warn("crash: lock-stuck needs a second CPU\n");
		return;
	}
	smp_call_function_single(1, hold_forever, NULL, false);
	mdelay(100);
	spin_lock(&crash_lock);
}

NOINLINE static void crash_stack_overflow(void) { crash_stack(0, -1); }
NOINLINE static void crash_panic(void) { panic("crash=panic requested"); }
NOINLINE static void crash_bug(void)
{
	volatile bool on_purpose = true; /* not a constant the compiler could fold */
	BUG_ON(on_purpose);
}

/* Sleep inside an epoch read section: schedule() must refuse, naming the
 * function that called it. */
NOINLINE static void crash_epoch_sleep(void)
{
	epoch_enter();
	schedule(); /* what every sleep comes down to */
	epoch_exit();
}

/* The kinds, in one table: dispatch and the "unknown kind" list both come
 * from it. */
static const struct {
	const char *name;
	void (*fn)(void);
} crash_kinds[] = {
	{ "nullptr", crash_nullptr },
	{ "ud", crash_ud },
	{ "divide", crash_divide },
	{ "stack", crash_stack_overflow },
	{ "double-fault", crash_double_fault },
	{ "panic", crash_panic },
	{ "bug", crash_bug },
	{ "lock-recursion", crash_lock_recursion },
	{ "unlock-unheld", crash_unlock_unheld },
	{ "lock-stuck", crash_lock_stuck },
	{ "epoch-sleep", crash_epoch_sleep },
};

NOINLINE static void crash_dispatch(const char *kind)
{
	for (unsigned i = 0; i < ARRAY_SIZE(crash_kinds); i++) {
		if (!strcmp(kind, crash_kinds[i].name)) {
			pr_info("crash: doing '%s' on purpose\n", kind);
			crash_kinds[i].fn();
			return;
		}
	}
	char known[160];
	int n = 0;
	for (unsigned i = 0; i < ARRAY_SIZE(crash_kinds) && n < (int)sizeof(known); i++)
		n += snprintf(known + n, sizeof(known) - n, "%s%s", i ? ", " : "", crash_kinds[i].name);
	pr_warn("crash: unknown kind '%s' (%s)\n", kind, known);
}

NOINLINE void crash(const char *kind) { crash_dispatch(kind ? kind : ""); }
