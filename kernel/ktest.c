/* ktest.c - run the in-kernel self-tests and report in KTAP (version 1). */
#include "kernel/ktest.h"
#include "arch/x86_64/power.h"
#include "kernel/lib/string.h"
#include "kernel/time.h"
#include <stdarg.h>

extern const struct ktest __ktest_start[], __ktest_end[];

void ktest_fail(struct ktest_ctx *t, const char *file, int line, const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	printk("    # %s: %s:%d: %s\n", t->name, file, line, buf);
	t->failures++;
}

/* Does "suite.name" contain one of the comma-separated words of pattern?
 * An empty pattern (bare `ktest`) selects everything. */
static bool selected(const struct ktest *k, const char *pattern)
{
	if (!pattern || !*pattern)
		return true;
	char full[128];
	snprintf(full, sizeof(full), "%s.%s", k->suite, k->name);
	const char *p = pattern;
	while (*p) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		for (const char *f = full; *f && len; f++)
			if (strncmp(f, p, len) == 0)
				return true;
		if (!end)
			break;
		p = end + 1;
	}
	return false;
}

__noreturn void ktest_run(const char *pattern)
{
	extern int console_loglevel;
	console_loglevel = 8; /* results are shown even with `quiet` */
	unsigned total = 0, passed = 0, skipped = 0, n = 0;
	for (const struct ktest *k = __ktest_start; k < __ktest_end; k++)
		total += selected(k, pattern);
	printk("KTAP version 1\n1..%u\n", total);
	for (const struct ktest *k = __ktest_start; k < __ktest_end; k++) {
		if (!selected(k, pattern))
			continue;
		char name[128];
		snprintf(name, sizeof(name), "%s.%s", k->suite, k->name);
		struct ktest_ctx t = { name, 0, NULL };
		uint64_t t0 = time_ns();
		k->fn(&t);
		uint64_t ms = (time_ns() - t0) / 1000000;
		n++;
		if (!t.failures)
			passed++;
		printk("# %s: %llu ms\n", name, (unsigned long long)ms);
		if (t.skip && !t.failures) {
			skipped++;
			printk("ok %u %s # SKIP %s\n", n, name, t.skip);
		} else {
			printk("%sok %u %s\n", t.failures ? "not " : "", n, name);
		}
	}
	printk("# ktest: %u passed, %u failed, %u skipped\n", passed - skipped, n - passed, skipped);
	qemu_exit(n && passed == n ? QEMU_EXIT_SUCCESS : QEMU_EXIT_FAILURE);
}
