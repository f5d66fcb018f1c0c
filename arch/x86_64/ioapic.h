/* ioapic.h - routing legacy (ISA) interrupts through the IOAPIC. */
#pragma once
#include "kernel/types.h"

void ioapic_init(void); /* map every IOAPIC, mask all inputs */
/* Route ISA IRQ `irq` (after MADT overrides) to `vector` on the CPU with
 * `apic_id`, unmasked. */
void ioapic_route_isa_irq(unsigned irq, uint8_t vector, uint32_t apic_id);
