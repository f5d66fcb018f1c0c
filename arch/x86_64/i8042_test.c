/* i8042_test.c - ktest of the keyboard's interrupt path: the controller's
 * "write port 1 output buffer" command hands a scancode back as if the
 * keyboard had sent it, raising IRQ 1, which the IOAPIC routes to the boot
 * CPU's handler; the keymap makes one byte of the key 'a' (the tty drops
 * it: ktests run before tty_init()).  Runs in every boot of the matrix, so
 * under SeaBIOS and OVMF alike. */
#include "arch/x86_64/i8042.h"
#include "arch/x86_64/x86.h"
#include "kernel/ktest.h"
#include "kernel/time.h"

#define SC_A 0x1e
#define SC_BREAK 0x80

/* Wait (1 s at most) for the handler to have taken `irqs` interrupts. */
static void wait_irqs(uint64_t irqs, uint64_t *got, uint64_t *bytes)
{
	uint64_t deadline = time_ns() + 1000000000ull;
	do {
		i8042_stats(got, bytes);
		cpu_relax();
	} while (*got < irqs && time_ns() < deadline);
}

KTEST(i8042, scancode_interrupt_types_a_byte)
{
	if (!i8042_keyboard_present())
		KSKIP(t, "no i8042 keyboard (see the boot log)");
	uint64_t irqs0, bytes0, irqs, bytes;
	i8042_stats(&irqs0, &bytes0);
	KEXPECT(t, i8042_inject(SC_A));
	wait_irqs(irqs0 + 1, &irqs, &bytes);
	KEXPECT(t, irqs > irqs0);
	KEXPECT_EQ(t, bytes - bytes0, 1); /* 'a' pressed */
	KEXPECT(t, i8042_inject(SC_A | SC_BREAK));
	wait_irqs(irqs0 + 2, &irqs, &bytes);
	KEXPECT(t, irqs >= irqs0 + 2);
	KEXPECT_EQ(t, bytes - bytes0, 1); /* released: nothing more */
}
