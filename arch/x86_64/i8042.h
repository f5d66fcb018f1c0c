/* i8042.h - the PS/2 controller and the keyboard on its first port. */
#pragma once
#include "kernel/types.h"

/* Find and set up the controller (the FADT's 8042 flag when it says, then
 * a self-test), enable the keyboard and route IRQ 1 to this CPU.  Every
 * wait is bounded: no controller or a failed test is one warning line and
 * no keyboard; the boot goes on.  Call on the boot CPU with interrupts
 * off, after the LAPIC timer calibration (udelay) and ioapic_init(). */
void i8042_init(void);
bool i8042_keyboard_present(void);
/* For the ktest (i8042_test.c): the interrupts taken and bytes typed so
 * far; and make the controller hand `code` to the interrupt handler as if
 * the keyboard had sent it (false without a keyboard or on a timeout). */
void i8042_stats(uint64_t *irqs, uint64_t *bytes);
bool i8042_inject(uint8_t code);
