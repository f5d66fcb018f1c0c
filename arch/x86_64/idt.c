/* idt.c - the interrupt descriptor table, shared by all CPUs, and the
 * table of handlers for device and IPI vectors.
 *
 * handlers[] is written at boot (single-threaded) and by irq_register()
 * before the vector can fire; it is read in interrupt context. */
#include "arch/x86_64/trap.h"
#include "arch/x86_64/x86.h"
#include "kernel/assert.h"

struct __packed idt_entry {
	uint16_t off_lo;
	uint16_t sel;
	uint8_t ist;
	uint8_t type; /* P | DPL | 0xe (interrupt gate) */
	uint16_t off_mid;
	uint32_t off_hi;
	uint32_t zero;
};

static struct idt_entry idt[256] __aligned(16);
extern const uint64_t vector_table[256];
unsigned gdt_ist_for_vector(unsigned v);
irq_handler_t irq_handlers[256];

void idt_init(void)
{
	for (unsigned v = 0; v < 256; v++) {
		uint64_t a = vector_table[v];
		idt[v] = (struct idt_entry){
			.off_lo = a & 0xffff,
			.sel = GDT_KERNEL_CS,
			.ist = 0, /* no TSS yet: see idt_enable_ist() */
			.type = 0x8e, /* present, DPL 0, 64-bit interrupt gate */
			.off_mid = (a >> 16) & 0xffff,
			.off_hi = a >> 32,
		};
	}
	/* #BP may be raised by user code (int3): DPL 3. */
	idt[3].type = 0xee;
}

/* Give NMI, #DF and #MC their own stacks.  Only once the boot CPU has a
 * TSS: an IST gate without one cannot be delivered (triple fault).  APs
 * load the IDT after their TSS, so they never see the gap. */
void idt_enable_ist(void)
{
	for (unsigned v = 0; v < 32; v++)
		idt[v].ist = gdt_ist_for_vector(v);
}

void idt_load(void)
{
	struct desc_ptr p = { sizeof(idt) - 1, (uint64_t)idt };
	lidt(&p);
}

void irq_register(unsigned vector, irq_handler_t fn)
{
	BUG_ON(vector < 32 || vector > 255);
	irq_handlers[vector] = fn;
}
