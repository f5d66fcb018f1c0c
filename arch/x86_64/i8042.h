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
