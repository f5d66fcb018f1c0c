/* serial.h - the 16550 UART on COM1: the kernel console. */
#pragma once
#include "kernel/types.h"

void serial_init(void);            /* 115200 8N1, FIFOs on; detects a missing UART */
void serial_putc(char c);          /* polled; '\n' is sent as "\r\n" */
void serial_write(const char *s, size_t n);
int serial_getc(void);             /* next received byte, or -1 if none (non-blocking) */
void serial_enable_rx_irq(void);   /* route IRQ 4 through the IOAPIC to this CPU */
void serial_irq(void);             /* interrupt handler: drain the receiver */
uint64_t serial_rx_irqs(void);     /* receive interrupts taken (for tests) */
