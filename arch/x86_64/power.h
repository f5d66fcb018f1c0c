/* power.h - leaving the machine: QEMU's isa-debug-exit, ACPI soft-off
 * (S5) and reset.
 *
 * QEMU's isa-debug-exit device (port 0xf4, scripts/qemu-run.sh) makes QEMU
 * exit with status (v << 1) | 1 when v is written to it.  On a machine
 * without the device the write does nothing and the functions below go on
 * to the real hardware way. */
#pragma once
#include "kernel/compiler.h"

#define QEMU_DEBUG_EXIT_PORT 0xf4

/* Written by qemu_exit(): QEMU exits with 33 (success) or 35 (failure),
 * the statuses tests/run.sh checks. */
#define QEMU_EXIT_SUCCESS 0x10
#define QEMU_EXIT_FAILURE 0x11

/* Write code to isa-debug-exit, then halt (tests and panics). */
__noreturn void qemu_exit(int code);

/*
 * Turn the machine off (init exited, or reboot(POWER_OFF/HALT)).
 *
 * Under QEMU: writes status & 0x7f to isa-debug-exit, so QEMU's exit status
 * is 2 * (status & 0x7f) + 1 (init's exit(0) gives 1, exit(1) gives 3; a
 * status of 0x10/0x11 gives the runner's 33/35).  Elsewhere: ACPI S5 (the
 * \_S5 sleep types from the DSDT written with SLP_EN to PM1a_CNT and
 * PM1b_CNT, after switching ACPI mode on through SMI_CMD if needed), then
 * the QEMU/Bochs legacy ports 0x604 and 0xb004, then halt forever.
 * Prints nothing; interrupts are disabled first.  Any CPU may call it.
 */
__noreturn void power_off(int status);

/* Reset the machine: the FADT reset register (I/O space), the keyboard
 * controller (0xfe to port 0x64), port 0xcf9, then a triple fault.  Under
 * QEMU with -no-reboot, QEMU exits with status 0. */
__noreturn void machine_restart(void);
