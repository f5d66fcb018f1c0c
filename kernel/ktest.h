/* ktest.h - in-kernel self-tests, KUnit style.
 *
 *   KTEST(frame, alloc_free) {
 *           uint64_t before = frames_free();
 *           page_free(page_alloc(0, false), 0);
 *           KEXPECT_EQ(t, frames_free(), before);
 *   }
 *
 * Each KTEST lands in the .ktest linker section; with `ktest` on the command
 * line (or `ktest=PATTERN`, a substring of "suite.name", several separated
 * by commas) the kernel runs them after boot, prints KTAP on the serial
 * console and exits QEMU with success only if every selected case passed. */
#pragma once
#include "kernel/compiler.h"
#include "kernel/printk.h"

struct ktest_ctx {
	const char *name;
	int failures;
	const char *skip; /* set by KSKIP: reported as "ok N name # SKIP reason" */
};

struct ktest {
	const char *suite, *name;
	void (*fn)(struct ktest_ctx *t);
};

#define KTEST(suite, name)                                                                              \
	static void ktest_##suite##_##name(struct ktest_ctx *t);                                        \
	static const struct ktest __ktest_##suite##_##name __section(".ktest") __used __aligned(8) = { \
		#suite, #name, ktest_##suite##_##name                                                   \
	};                                                                                              \
	static void ktest_##suite##_##name(struct ktest_ctx *t)

void ktest_fail(struct ktest_ctx *t, const char *file, int line, const char *fmt, ...) __printf(4, 5);

#define KEXPECT(t, cond)                                                   \
	do {                                                               \
		if (!(cond))                                               \
			ktest_fail(t, __FILE__, __LINE__, "expected %s", #cond); \
	} while (0)
#define KEXPECT_EQ(t, a, b)                                                                                   \
	do {                                                                                                  \
		long long __a = (long long)(a), __b = (long long)(b);                                        \
		if (__a != __b)                                                                               \
			ktest_fail(t, __FILE__, __LINE__, "expected %s == %s, got %lld and %lld", #a, #b, __a, __b); \
	} while (0)

/* Skip the rest of a case that does not apply to this boot (KTAP SKIP). */
#define KSKIP(t, reason)          \
	do {                      \
		(t)->skip = (reason); \
		return;           \
	} while (0)

__noreturn void ktest_run(const char *pattern);
