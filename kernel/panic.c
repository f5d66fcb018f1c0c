/* panic.c - panic(): report, stop all CPUs, and exit QEMU or halt. */
#include "kernel/panic.h"
#include "kernel/atomic.h"
#include "arch/x86_64/apic.h"
#include "arch/x86_64/power.h"
#include "arch/x86_64/trap.h"
#include "arch/x86_64/x86.h"
#include "kernel/lib/cmdline.h"
#include "kernel/percpu.h"
#include "kernel/printk.h"
#include "kernel/time.h"
#include "arch/x86_64/serial.h"
#include "kernel/lib/string.h"
#include <stdarg.h>

bool panicking;
static unsigned stopped_cpus; /* CPUs halted by the panic NMI */

void panic_stopped_ack(void) { fetch_add(&stopped_cpus, 1); }

/* The CPUs that the stop NMI must reach: every online one but us. */
static unsigned other_cpus(void) { return ncpus_online > 0 ? ncpus_online - 1 : 0; }
static int panic_cpu = -1; /* first CPU to panic; the others halt */
void console_bust_lock(void);
void console_panic_flush(void);
extern bool percpu_ready;

__noreturn void halt_forever(void)
{
	for (;;) {
		irq_disable();
		hlt();
	}
}

void panic_enter(void)
{
	irq_disable();
	int me = percpu_ready ? (int)cpu_id() : 0;
	int expected = -1;
	if (!try_cmpxchg(&panic_cpu, &expected, me)) {
		if (expected == me) {
			static const char msg[] = "\nfaultline: recursive panic, halting\n";
			serial_write(msg, sizeof(msg) - 1);
			panic_finish();
		}
		halt_forever(); /* another CPU is reporting; it will stop us by NMI anyway */
	}
	WRITE_ONCE(panicking, true);
	apic_stop_other_cpus();
	/* Wait (briefly: a CPU may be wedged) until the others have taken the
	 * NMI, so none is still inside printk when the console lock is reset.
	 * From here on printk takes no lock at all. */
	if (apic_ready)
		for (uint64_t t0 = rdtsc(); READ_ONCE(stopped_cpus) < other_cpus();) {
			cpu_relax();
			if (tsc_hz && rdtsc() - t0 > tsc_hz)
				break;
		}
	console_bust_lock();
}

__noreturn void panic_finish(void)
{
	printk(KERN_EMERG "---[ end of report: %u of %u other CPUs stopped ]---\n", READ_ONCE(stopped_cpus),
	       other_cpus());
	console_panic_flush(); /* the screen too: a real PC may have no serial port */
	if (cmdline_has("ktest") || cmdline_has("crash") || (cmdline_get("panic") && !strcmp(cmdline_get("panic"), "exit")))
		qemu_exit(QEMU_EXIT_FAILURE);
	halt_forever();
}

__noreturn void panic(const char *fmt, ...)
{
	panic_enter();
	char buf[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	printk(KERN_EMERG "Kernel panic - not syncing: %s\n", buf);
	dump_stack();
	panic_finish();
}

void warn_print(const char *file, int line, const char *cond)
{
	printk(KERN_WARNING "WARNING: %s:%d: %s\n", file, line, cond);
	dump_stack();
}
