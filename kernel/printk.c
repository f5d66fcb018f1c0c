/* printk.c - the kernel log on the consoles (kernel/tty/console.c: the serial
 * port, and the screen when there is one).
 *
 * Each printk call is formatted on the caller's stack and emitted whole under
 * console_lock (irq-saving, so interrupt handlers may printk), so lines from
 * different CPUs never interleave.  Lines are prefixed with a timestamp
 * "[seconds.micros]" since TSC calibration, and with the CPU id.
 * console_loglevel: messages with a level numerically below it are shown
 * (Linux semantics); `quiet` sets it to 5 (warnings and worse only),
 * `loglevel=N` sets it to N. */
#include "kernel/printk.h"
#include "kernel/tty/console.h"
#include "kernel/percpu.h"
#include "kernel/time.h"

int console_loglevel = 8; /* show everything by default */
static bool at_line_start = true; /* protected by console_lock */
bool percpu_ready;                /* GS base set up: cpu_id() is usable */

int vprintk(const char *fmt, va_list ap)
{
	int level = 6; /* KERN_INFO unless the message says otherwise */
	if (fmt[0] == KERN_SOH[0] && fmt[1] >= '0' && fmt[1] <= '7') {
		level = fmt[1] - '0';
		fmt += 2;
	}
	char buf[512];
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	if (n >= (int)sizeof(buf))
		n = sizeof(buf) - 1;
	if (level >= console_loglevel)
		return n;

	char prefix[40];
	int plen = 0;
	uint64_t ns = time_ns();
	unsigned long f = 0;
	if (percpu_ready)
		plen = snprintf(prefix, sizeof(prefix), "[%5llu.%06llu] cpu%u: ", (unsigned long long)(ns / 1000000000),
				(unsigned long long)(ns / 1000 % 1000000), cpu_id());
	/* Once panicking, only the panicking CPU runs: no lock (its holder
	 * may have been stopped); console_lock() knows. */
	bool locked = console_lock(&f);
	/* Each line's prefix, then the line up to and including its '\n'. */
	for (int i = 0; i < n;) {
		if (at_line_start)
			console_write_locked(prefix, plen);
		int j = i;
		while (j < n && buf[j] != '\n')
			j++;
		j += j < n; /* the newline itself */
		console_write_locked(buf + i, j - i);
		at_line_start = buf[j - 1] == '\n';
		i = j;
	}
	console_unlock(locked, f);
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
