/* apic.h - local APIC (xAPIC or x2APIC), its timer, and IPIs. */
#pragma once
#include "kernel/types.h"

#define HZ 100 /* LAPIC timer ticks per second on every CPU */

extern bool apic_x2apic;   /* x2APIC mode in use */
extern bool apic_ready;    /* the boot CPU's LAPIC is enabled */
extern uint32_t lapic_timer_hz; /* LAPIC timer input clock / 16, calibrated */

void apic_init_bsp(uint64_t lapic_phys); /* map, enable, calibrate TSC and timer */
void apic_init_ap(void);                 /* enable this AP's LAPIC and timer */
uint32_t apic_id(void);                  /* this CPU's APIC id */
void lapic_eoi(void);

void apic_send_ipi(uint32_t apic_id, uint8_t vector);
void apic_send_ipi_all_but_self(uint8_t vector);
void apic_send_init(uint32_t apic_id);
void apic_send_sipi(uint32_t apic_id, uint8_t page); /* start at page * 4 KiB */
bool apic_ipi_wait_idle(void);           /* wait until the last IPI is delivered */
void apic_stop_other_cpus(void);         /* NMI all others (panic) */
/* Measure the TSC rate against the ACPI PM timer now (tests). */
bool tsc_hz_against_pm_timer(uint64_t *hz);
