/* time.h - TSC-based time since boot and busy-wait delays (calibrated and implemented in arch/x86_64/apic.c). */
#pragma once
#include "kernel/types.h"

extern uint64_t tsc_hz; /* 0 until calibrated */
uint64_t time_ns(void); /* nanoseconds since the TSC was calibrated; 0 before */
void udelay(uint64_t us);
void mdelay(uint64_t ms);
uint64_t tsc_to_ns(uint64_t cycles);
/* A struct timespec from user space, in ns: 0, -EFAULT, or -EINVAL if it
 * is not a valid timespec (kernel/futex.c). */
long timespec_from_user(const void *uts, uint64_t *ns);
