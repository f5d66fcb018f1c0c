/* i8042.c - the PS/2 (8042) keyboard controller, port 1 only.
 *
 * The controller has a data port (0x60) and a status/command port (0x64).
 * A command byte goes to 0x64 once the input buffer is empty (status bit
 * 1 clear); its parameter, or a byte for the keyboard, to 0x60 the same
 * way; an answer is read from 0x60 once the output buffer is full (bit 0).
 * Every such wait here gives up after I8042_TIMEOUT_US: a controller that
 * is not there (the port reads 0xff) or does not answer costs one warning
 * line, never the boot.
 *
 * Set-up, in the order OSDev's "8042" page and Linux's i8042.c use: both
 * ports off, stale bytes flushed, interrupts and translation off, the
 * controller self-test (0xaa -> 0x55) and the port 1 test (0xab -> 0x00),
 * the keyboard's scanning enabled (0xf4 -> 0xfa), then the configuration
 * the driver runs with: port 1 interrupt on, translation to scancode set 1
 * on (so kernel/tty/keymap.c sees set 1 whatever the keyboard speaks), port 2
 * (a mouse) off.  The keyboard LEDs are left as the firmware set them.
 *
 * The interrupt handler (IRQ 1, routed to the boot CPU only) reads the
 * scancodes and hands the bytes keymap_feed() makes of them to
 * tty_receive().  kbd_lock protects the keymap state (modifiers, locks,
 * a pending 0xe0); it is taken with interrupts off, innermost: the bytes
 * go to the tty after it is dropped. */
#include "arch/x86_64/i8042.h"
#include "arch/x86_64/acpi.h"
#include "arch/x86_64/apic.h"
#include "arch/x86_64/ioapic.h"
#include "arch/x86_64/trap.h"
#include "arch/x86_64/x86.h"
#include "kernel/errno.h"
#include "kernel/fs/file.h"
#include "kernel/tty/keymap.h"
#include "kernel/printk.h"
#include "kernel/spinlock.h"
#include "kernel/time.h"

#define I8042_DATA	    0x60
#define I8042_STATUS	    0x64 /* read */
#define I8042_COMMAND	    0x64 /* write */
#define STATUS_OUT_FULL	    0x01 /* a byte waits at 0x60 */
#define STATUS_IN_FULL	    0x02 /* the controller has not taken the last byte yet */
#define STATUS_AUX	    0x20 /* the waiting byte is from port 2 */
#define CMD_READ_CONFIG	    0x20
#define CMD_WRITE_CONFIG    0x60
#define CMD_DISABLE_PORT2   0xa7
#define CMD_SELF_TEST	    0xaa
#define CMD_TEST_PORT1	    0xab
#define CMD_DISABLE_PORT1   0xad
#define CMD_WRITE_PORT1_OUT 0xd2 /* the next byte comes back as if port 1 sent it */
#define CMD_ENABLE_PORT1    0xae
#define CFG_PORT1_INT	    0x01
#define CFG_PORT2_INT	    0x02
#define CFG_PORT1_CLOCK_OFF 0x10
#define CFG_PORT2_CLOCK_OFF 0x20
#define CFG_TRANSLATE	    0x40
#define SELF_TEST_OK	    0x55
#define PORT_TEST_OK	    0x00
#define KBD_ENABLE_SCAN	    0xf4
#define KBD_ACK		    0xfa
#define I8042_TIMEOUT_US    100000
#define I8042_POLL_US	    10
#define I8042_FLUSH_MAX	    32 /* a controller's buffer holds far fewer */
#define IRQ_KBD		    1
#define VEC_KBD		    (VEC_IRQ_BASE + IRQ_KBD)

static struct spinlock kbd_lock = SPINLOCK_INIT("i8042");
static struct keymap_state kbd_map; /* protected by kbd_lock */
static uint64_t kbd_irqs, kbd_bytes;  /* interrupts taken, bytes typed; kbd_lock */
static bool kbd_present;	    /* written once by i8042_init() */

/* Wait until (status & mask) == want; false after I8042_TIMEOUT_US. */
static bool wait_status(uint8_t mask, uint8_t want)
{
	for (unsigned t = 0; t < I8042_TIMEOUT_US; t += I8042_POLL_US) {
		if ((inb(I8042_STATUS) & mask) == want)
			return true;
		udelay(I8042_POLL_US);
	}
	return false;
}

static bool write_port(uint16_t port, uint8_t b)
{
	if (!wait_status(STATUS_IN_FULL, 0))
		return false;
	outb(port, b);
	return true;
}

static int read_data(void)
{
	if (!wait_status(STATUS_OUT_FULL, STATUS_OUT_FULL))
		return -ETIMEDOUT;
	return inb(I8042_DATA);
}

static bool command(uint8_t cmd) { return write_port(I8042_COMMAND, cmd); }

/* A command with one answer byte: the byte, or -ETIMEDOUT. */
static int command_reply(uint8_t cmd) { return command(cmd) ? read_data() : -ETIMEDOUT; }

static bool write_config(uint8_t cfg) { return command(CMD_WRITE_CONFIG) && write_port(I8042_DATA, cfg); }

static void flush(void)
{
	for (int i = 0; i < I8042_FLUSH_MAX && (inb(I8042_STATUS) & STATUS_OUT_FULL); i++)
		(void)inb(I8042_DATA);
}

static void i8042_irq(struct trap_frame *tf)
{
	(void)tf;
	char out[16 * KEYMAP_MAX_BYTES];
	size_t n = 0;
	unsigned long fl = spin_lock_irqsave(&kbd_lock);
	for (int i = 0; i < 16; i++) {
		uint8_t st = inb(I8042_STATUS);
		if (!(st & STATUS_OUT_FULL))
			break;
		uint8_t code = inb(I8042_DATA);
		if (!(st & STATUS_AUX))
			n += keymap_feed(&kbd_map, code, out + n);
	}
	kbd_irqs++;
	kbd_bytes += n;
	spin_unlock_irqrestore(&kbd_lock, fl);
	tty_receive(out, n);
}

/* The controller's tests and set-up; NULL, or why there is no keyboard
 * (the rest of the warning line, after "i8042: " or "keyboard: "). */
static const char *controller_setup(uint8_t *cfg_out, bool *no_controller)
{
	static char why[80];
	*no_controller = true;
	if (!command(CMD_DISABLE_PORT1) || !command(CMD_DISABLE_PORT2))
		return "no controller (it takes no commands)";
	flush();
	int cfg = command_reply(CMD_READ_CONFIG);
	if (cfg < 0)
		return "no controller (no answer to reading its configuration)";
	cfg &= ~(CFG_PORT1_INT | CFG_PORT2_INT | CFG_TRANSLATE);
	if (!write_config((uint8_t)cfg))
		return "no controller (it takes no configuration)";
	int r = command_reply(CMD_SELF_TEST);
	if (r < 0)
		return "no controller (no answer to its self-test)";
	*no_controller = false;
	if (r != SELF_TEST_OK) {
		snprintf(why, sizeof(why), "self-test failed (the controller answered 0x%x, want 0x55)", r);
		return why;
	}
	/* Some controllers reset their configuration in the self-test. */
	if (!write_config((uint8_t)cfg))
		return "self-test failed (no configuration taken after it)";
	r = command_reply(CMD_TEST_PORT1);
	if (r != PORT_TEST_OK) {
		snprintf(why, sizeof(why), "self-test failed (port 1 test answered %d, want 0)", r);
		return why;
	}
	*cfg_out = (uint8_t)cfg;
	return NULL;
}

void i8042_init(void)
{
	if (acpi_info.has_fadt && acpi_info.fadt_revision >= 2 && !(acpi_info.iapc_boot_arch & ACPI_BOOT_8042)) {
		pr_warn("i8042: no controller (the ACPI FADT says there is no 8042); no keyboard\n");
		return;
	}
	uint8_t st = inb(I8042_STATUS);
	if (st == 0xff) {
		pr_warn("i8042: no controller (its status port reads 0xff); no keyboard\n");
		return;
	}
	uint8_t cfg;
	bool no_controller;
	const char *why = controller_setup(&cfg, &no_controller);
	if (why) {
		pr_warn("%s: %s; no keyboard\n", no_controller ? "i8042" : "keyboard", why);
		return;
	}
	int ack = -ETIMEDOUT;
	if (command(CMD_ENABLE_PORT1) && write_port(I8042_DATA, KBD_ENABLE_SCAN))
		ack = read_data();
	if (ack != KBD_ACK) {
		command(CMD_DISABLE_PORT1);
		pr_warn("keyboard: no keyboard answers on port 1 (enable answered %d, want 0xfa); no keyboard\n", ack);
		return;
	}
	keymap_init(&kbd_map);
	cfg = (uint8_t)((cfg | CFG_PORT1_INT | CFG_TRANSLATE | CFG_PORT2_CLOCK_OFF) & ~(CFG_PORT1_CLOCK_OFF | CFG_PORT2_INT));
	flush();
	irq_register(VEC_KBD, i8042_irq);
	ioapic_route_isa_irq(IRQ_KBD, VEC_KBD, apic_id());
	if (!write_config(cfg)) {
		pr_warn("keyboard: the controller took no configuration; no keyboard\n");
		return;
	}
	kbd_present = true;
	pr_info("i8042: keyboard on port 1 (IRQ %u, translated to scancode set 1)\n", IRQ_KBD);
}

bool i8042_keyboard_present(void) { return kbd_present; }

void i8042_stats(uint64_t *irqs, uint64_t *bytes)
{
	unsigned long fl = spin_lock_irqsave(&kbd_lock);
	*irqs = kbd_irqs;
	*bytes = kbd_bytes;
	spin_unlock_irqrestore(&kbd_lock, fl);
}

bool i8042_inject(uint8_t code)
{
	return kbd_present && command(CMD_WRITE_PORT1_OUT) && write_port(I8042_DATA, code);
}
