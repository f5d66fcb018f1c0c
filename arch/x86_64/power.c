/* power.c - ending a run: QEMU's isa-debug-exit for tests and panics, ACPI
 * S5 soft-off and the legacy reset paths for real machines (power.h).
 *
 * Every function here runs once, at the very end, with interrupts off; it
 * takes no lock (other CPUs may still be running: the machine goes away
 * under them).  ACPI facts come from acpi_info, filled at boot by acpi.c. */
#include "arch/x86_64/power.h"
#include "arch/x86_64/acpi.h"
#include "arch/x86_64/x86.h"
#include "kernel/panic.h"
#include "kernel/time.h"

/* PM1 control register bits (ACPI 6.5, 4.8.3.2.1). */
#define PM1_SCI_EN	  (1u << 0)
#define PM1_SLP_TYP_SHIFT 10
#define PM1_SLP_TYP_MASK  (7u << PM1_SLP_TYP_SHIFT)
#define PM1_SLP_EN	  (1u << 13)

/* Older QEMU/Bochs PM1a_CNT ports: SLP_TYP 0 | SLP_EN is their soft-off. */
#define QEMU_PM1_CNT_PORT  0x604
#define BOCHS_PM1_CNT_PORT 0xb004

#define KBC_STATUS_PORT	   0x64
#define KBC_INPUT_FULL	   (1u << 1)
#define KBC_CMD_RESET	   0xfe
#define RST_CNT_PORT	   0xcf9 /* Intel chipsets' reset control register */
#define RST_CNT_SYS_RST	   (1u << 1)
#define RST_CNT_FULL_RESET 0x0e /* FULL_RST | RST_CPU | SYS_RST */

/* (x86.h has no inw yet) */
static inline uint16_t pm_inw(uint16_t port)
{
	uint16_t v;

	__asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void wbinvd(void)
{
	__asm__ volatile("wbinvd" ::: "memory");
}

__noreturn void qemu_exit(int code)
{
	outl(QEMU_DEBUG_EXIT_PORT, (uint32_t)code);
	halt_forever();
}

/* With SMI_CMD set, firmware may still own the hardware (legacy mode):
 * ask it to hand over, and wait up to 3 s for SCI_EN (as ACPICA does). */
static void acpi_enable_mode(void)
{
	uint16_t port = acpi_info.pm1a_cnt_port;

	if ((pm_inw(port) & PM1_SCI_EN) || !acpi_info.smi_cmd || !acpi_info.acpi_enable_value)
		return;
	outb(acpi_info.smi_cmd, acpi_info.acpi_enable_value);
	for (int i = 0; i < 300 && !(pm_inw(port) & PM1_SCI_EN); i++)
		mdelay(10);
}

static uint16_t pm1_with_sleep_type(uint16_t port, uint8_t slp_typ)
{
	uint16_t v = pm_inw(port) & ~(PM1_SLP_TYP_MASK | PM1_SLP_EN);

	return v | (uint16_t)((slp_typ & 7u) << PM1_SLP_TYP_SHIFT);
}

/* Enter S5: SLP_TYP into both control blocks, then SLP_EN (ACPICA's
 * order).  Returns only if the machine is still on a second later. */
static void acpi_power_off(void)
{
	uint16_t a = acpi_info.pm1a_cnt_port, b = acpi_info.pm1b_cnt_port, va, vb = 0;

	if (!acpi_info.has_s5 || !a || acpi_info.hw_reduced)
		return;
	acpi_enable_mode();
	va = pm1_with_sleep_type(a, acpi_info.s5_slp_typa);
	if (b)
		vb = pm1_with_sleep_type(b, acpi_info.s5_slp_typb);
	wbinvd();
	outw(a, va);
	if (b)
		outw(b, vb);
	outw(a, va | PM1_SLP_EN);
	if (b)
		outw(b, vb | PM1_SLP_EN);
	mdelay(1000);
}

__noreturn void power_off(int status)
{
	irq_disable();
	outl(QEMU_DEBUG_EXIT_PORT, (uint32_t)status & 0x7f);
	acpi_power_off();
	outw(QEMU_PM1_CNT_PORT, PM1_SLP_EN);
	outw(BOCHS_PM1_CNT_PORT, PM1_SLP_EN);
	mdelay(100);
	halt_forever();
}

/* The FADT's RESET_REG, when it is an I/O port. */
static void acpi_reset(void)
{
	const struct acpi_gas *r = &acpi_info.reset_reg;

	if (!acpi_info.has_reset_reg || r->space_id != ACPI_GAS_SYSTEM_IO || !r->address || r->address > 0xffff)
		return;
	outb((uint16_t)r->address, acpi_info.reset_value);
	mdelay(50);
}

/* Pulse the CPU reset line through the 8042 keyboard controller. */
static void kbc_reset(void)
{
	for (int i = 0; i < 10; i++) {
		for (int j = 0; j < 10000 && (inb(KBC_STATUS_PORT) & KBC_INPUT_FULL); j++)
			udelay(2);
		outb(KBC_STATUS_PORT, KBC_CMD_RESET);
		udelay(50);
	}
}

static void cf9_reset(void)
{
	uint8_t v = inb(RST_CNT_PORT) & ~RST_CNT_FULL_RESET;

	outb(RST_CNT_PORT, v | RST_CNT_SYS_RST);
	udelay(50);
	outb(RST_CNT_PORT, v | RST_CNT_FULL_RESET);
	mdelay(50);
}

__noreturn void machine_restart(void)
{
	static const struct desc_ptr no_idt = {0, 0};

	irq_disable();
	acpi_reset();
	kbc_reset();
	cf9_reset();
	lidt(&no_idt); /* any exception now is a triple fault: reset */
	__asm__ volatile("int3");
	halt_forever();
}
