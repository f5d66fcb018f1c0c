/* smp.h - bringing up the other CPUs, and running functions on them. */
#pragma once
#include "kernel/cpumask.h"

void smp_boot_aps(void); /* start every CPU in the MADT; returns when all answered or timed out */

/* Run fn(arg) on every CPU in mask (this one too, if it is in it), in
 * interrupt context with interrupts off.  With wait, return only when all
 * have finished.  Must be called with interrupts enabled (a CPU spinning
 * with interrupts off while another waits for it would deadlock). */
void smp_call_function(const struct cpumask *mask, void (*fn)(void *), void *arg, bool wait);
/* The same; a wait is recorded in /proc/lockstat as class `what` (a string
 * that lives forever) rather than "smp_call_function". */
void smp_call_function_as(const char *what, const struct cpumask *mask, void (*fn)(void *), void *arg, bool wait);
void smp_call_function_single(unsigned cpu, void (*fn)(void *), void *arg, bool wait);
void smp_call_function_all(void (*fn)(void *), void *arg, bool wait); /* every online CPU */
void smp_call_init(void);
uint64_t smp_call_ipis_received(unsigned cpu);

/* Invalidate kernel translations [start, end) on every online CPU. */
void flush_tlb_kernel_range(uint64_t start, uint64_t end);
