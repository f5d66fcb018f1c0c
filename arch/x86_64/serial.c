/* serial.c - 16550 UART driver for COM1 (I/O port 0x3f8).
 *
 * Output is polled (the console must work from any context, including panics
 * with interrupts off).  Input arrives by interrupt (IRQ 4 through the
 * IOAPIC) into a small ring buffer that serial_getc() drains.
 *
 * rx_lock protects rx_buf/rx_head/rx_tail; output needs no lock of its own
 * because printk serialises whole lines under the console lock. */
#include "arch/x86_64/serial.h"
#include "arch/x86_64/x86.h"
#include "kernel/spinlock.h"

#define COM1 0x3f8
#define UART_DATA 0
#define UART_IER 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define LSR_DR 0x01   /* data ready */
#define LSR_THRE 0x20 /* transmit holding register empty */

static bool present;
static struct spinlock rx_lock = SPINLOCK_INIT("serial_rx");
static char rx_buf[256];
static unsigned rx_head, rx_tail; /* protected by rx_lock */
static uint64_t rx_irqs;

void serial_init(void)
{
	outb(COM1 + UART_IER, 0x00);     /* no interrupts yet */
	outb(COM1 + UART_LCR, 0x80);     /* DLAB on */
	outb(COM1 + 0, 1);               /* divisor 1: 115200 baud */
	outb(COM1 + 1, 0);
	outb(COM1 + UART_LCR, 0x03);     /* 8N1, DLAB off */
	outb(COM1 + UART_FCR, 0xc7);     /* FIFOs on and cleared, 14-byte threshold */
	outb(COM1 + UART_MCR, 0x0b);     /* DTR, RTS, OUT2 (OUT2 gates the IRQ line) */
	/* A port with nothing behind it reads all ones. */
	present = inb(COM1 + UART_LSR) != 0xff;
}

void serial_putc(char c)
{
	if (!present)
		return;
	if (c == '\n')
		serial_putc('\r');
	/* Bounded wait: a stuck UART must not hang the kernel. */
	for (int i = 0; i < 1000000 && !(inb(COM1 + UART_LSR) & LSR_THRE); i++)
		cpu_relax();
	outb(COM1 + UART_DATA, (uint8_t)c);
}

void serial_write(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		serial_putc(s[i]);
}

void serial_irq(void)
{
	unsigned long f = spin_lock_irqsave(&rx_lock);
	rx_irqs++;
	while (present && (inb(COM1 + UART_LSR) & LSR_DR)) {
		char c = (char)inb(COM1 + UART_DATA);
		if (rx_head - rx_tail < sizeof(rx_buf))
			rx_buf[rx_head++ % sizeof(rx_buf)] = c;
	}
	spin_unlock_irqrestore(&rx_lock, f);
}

int serial_getc(void)
{
	int c = -1;
	unsigned long f = spin_lock_irqsave(&rx_lock);
	if (rx_tail != rx_head)
		c = (unsigned char)rx_buf[rx_tail++ % sizeof(rx_buf)];
	spin_unlock_irqrestore(&rx_lock, f);
	return c;
}

uint64_t serial_rx_irqs(void) { return READ_ONCE(rx_irqs); }

void serial_enable_rx_irq(void)
{
	if (present)
		outb(COM1 + UART_IER, 0x01); /* received-data-available interrupt */
}
