/* assert.h - BUG_ON / WARN_ON for code shared by the kernel and host tests.
 * In the kernel a failed BUG_ON panics (backtrace, all CPUs stopped); in host
 * unit tests it aborts so the sanitizer/test harness reports it. */
#pragma once
#include "kernel/compiler.h"

#ifdef HOST_TEST
#include <stdio.h>
#include <stdlib.h>
#define BUG_ON(c)                                                                 \
	do {                                                                      \
		if (unlikely(c)) {                                                \
			fprintf(stderr, "BUG at %s:%d: %s\n", __FILE__, __LINE__, #c); \
			abort();                                                  \
		}                                                                 \
	} while (0)
#define WARN_ON(c)                                                                 \
	({                                                                         \
		bool __w = !!(c);                                                  \
		if (unlikely(__w))                                                 \
			fprintf(stderr, "WARNING at %s:%d: %s\n", __FILE__, __LINE__, #c); \
		__w;                                                               \
	})
#else
__noreturn void panic(const char *fmt, ...) __printf(1, 2);
void warn_print(const char *file, int line, const char *cond);
#define BUG_ON(c)                                                              \
	do {                                                                   \
		if (unlikely(c))                                               \
			panic("BUG at %s:%d: %s", __FILE__, __LINE__, #c);     \
	} while (0)
#define WARN_ON(c)                                                             \
	({                                                                     \
		bool __w = !!(c);                                              \
		if (unlikely(__w))                                             \
			warn_print(__FILE__, __LINE__, #c);                    \
		__w;                                                           \
	})
#endif
