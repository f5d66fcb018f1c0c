/* ioapic.c - the IO APICs from the MADT.  Each is programmed through its
 * index/data window (IOREGSEL at +0, IOWIN at +0x10).  ioapic_lock
 * serialises the two-step register access. */
#include "arch/x86_64/ioapic.h"
#include "arch/x86_64/acpi.h"
#include "arch/x86_64/paging.h"
#include "kernel/printk.h"
#include "kernel/spinlock.h"

#define IOAPIC_VER 0x01
#define IOAPIC_REDTBL(n) (0x10 + 2 * (n))

struct ioapic {
	volatile uint32_t *mmio;
	uint32_t gsi_base;
	unsigned nr_inputs;
};
static struct ioapic ioapics[ACPI_MAX_IOAPICS];
static unsigned nr_ioapics;
static struct spinlock ioapic_lock = SPINLOCK_INIT("ioapic");

static uint32_t ioapic_read(struct ioapic *io, uint32_t reg)
{
	io->mmio[0] = reg;
	return io->mmio[4];
}

static void ioapic_write(struct ioapic *io, uint32_t reg, uint32_t v)
{
	io->mmio[0] = reg;
	io->mmio[4] = v;
}

void ioapic_init(void)
{
	for (unsigned i = 0; i < acpi_info.nioapics; i++) {
		struct ioapic *io = &ioapics[nr_ioapics++];
		io->mmio = ioremap(acpi_info.ioapics[i].phys, PAGE_SIZE);
		io->gsi_base = acpi_info.ioapics[i].gsi_base;
		io->nr_inputs = ((ioapic_read(io, IOAPIC_VER) >> 16) & 0xff) + 1;
		for (unsigned n = 0; n < io->nr_inputs; n++) {
			ioapic_write(io, IOAPIC_REDTBL(n), 1u << 16); /* masked */
			ioapic_write(io, IOAPIC_REDTBL(n) + 1, 0);
		}
		pr_info("ioapic: id %u at 0x%x, GSIs %u-%u\n", acpi_info.ioapics[i].id, acpi_info.ioapics[i].phys,
			io->gsi_base, io->gsi_base + io->nr_inputs - 1);
	}
}

void ioapic_route_isa_irq(unsigned irq, uint8_t vector, uint32_t apic_id)
{
	/* ISA IRQs are edge-triggered, active high, and map to GSI == IRQ
	 * unless the MADT overrides them. */
	uint32_t gsi = irq;
	bool active_low = false, level = false;
	for (unsigned i = 0; i < acpi_info.nisos; i++) {
		const struct acpi_iso *o = &acpi_info.isos[i];
		if (o->bus_irq != irq)
			continue;
		gsi = o->gsi;
		active_low = (o->flags & 3) == 3;
		level = ((o->flags >> 2) & 3) == 3;
	}
	for (unsigned i = 0; i < nr_ioapics; i++) {
		struct ioapic *io = &ioapics[i];
		if (gsi < io->gsi_base || gsi >= io->gsi_base + io->nr_inputs)
			continue;
		unsigned n = gsi - io->gsi_base;
		uint32_t lo = vector | (active_low ? 1u << 13 : 0) | (level ? 1u << 15 : 0);
		unsigned long f = spin_lock_irqsave(&ioapic_lock);
		ioapic_write(io, IOAPIC_REDTBL(n) + 1, apic_id << 24);
		ioapic_write(io, IOAPIC_REDTBL(n), lo);
		spin_unlock_irqrestore(&ioapic_lock, f);
		pr_info("ioapic: IRQ %u -> GSI %u -> vector 0x%x on APIC %u\n", irq, gsi, vector, apic_id);
		return;
	}
	pr_warn("ioapic: no IOAPIC serves GSI %u (IRQ %u)\n", gsi, irq);
}
