/* serial_test.c - ktest of the COM1 receive path: in the UART's loopback
 * mode a transmitted byte is received, raising IRQ 4, which the IOAPIC
 * routes to the boot CPU's serial_irq(). */
#include "arch/x86_64/serial.h"
#include "arch/x86_64/x86.h"
#include "kernel/ktest.h"
#include "kernel/time.h"

#define COM1_MCR (0x3f8 + 4)

KTEST(serial, receive_interrupt_via_ioapic)
{
	while (serial_getc() >= 0)
		; /* drop anything typed so far */
	uint64_t irqs = serial_rx_irqs();
	uint8_t mcr = inb(COM1_MCR);
	outb(COM1_MCR, mcr | 0x10); /* loopback */
	serial_putc('Z');
	uint64_t deadline = time_ns() + 1000000000ull;
	int c = -1;
	while (c < 0 && time_ns() < deadline) {
		c = serial_getc();
		cpu_relax();
	}
	outb(COM1_MCR, mcr);
	KEXPECT_EQ(t, c, 'Z');
	KEXPECT(t, serial_rx_irqs() > irqs);
}
