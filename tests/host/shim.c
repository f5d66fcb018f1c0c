/* shim.c - host stand-ins for the kernel services portable code calls.
 *
 * Linked into every host unit test: printk/vprintk print to stdout, each
 * line prefixed "# " (a KTAP diagnostic line) with any KERN_ level marker
 * dropped; panic() prints the message and aborts (so a test can catch it in
 * a forked child); warn_print() reports on stderr.  BUG_ON/WARN_ON need
 * nothing from here under HOST_TEST (kernel/assert.h).  Thread-safe: each
 * call's output is written under stdout's lock.  Keep it generic: tests add
 * anything specific to them (page sources, mappers) in their own file.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include "kernel/panic.h"
#include "kernel/printk.h"

bool panicking;                 /* kernel/panic.h; never set on the host */
static int shim_line_start = 1; /* protected by stdout's lock */

int vprintk(const char *fmt, va_list ap)
{
	char buf[1024];

	if (fmt[0] == KERN_SOH[0] && fmt[1] >= '0' && fmt[1] <= '7')
		fmt += 2;
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	if (n < 0)
		return n;
	flockfile(stdout);
	for (const char *s = buf; *s; s++) {
		if (shim_line_start)
			fputs("# ", stdout);
		putchar_unlocked(*s);
		shim_line_start = *s == '\n';
	}
	fflush(stdout);
	funlockfile(stdout);
	return n;
}

int printk(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = vprintk(fmt, ap);
	va_end(ap);
	return n;
}

void panic(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("panic: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

void warn_print(const char *file, int line, const char *cond)
{
	fprintf(stderr, "WARNING at %s:%d: %s\n", file, line, cond);
}
