/* power.h - leaving the machine: QEMU's isa-debug-exit (ACPI power-off
 * comes with the reboot syscall). */
#pragma once
#include "kernel/compiler.h"

/* Written to QEMU's isa-debug-exit port (0xf4); QEMU exits with status
 * (code << 1) | 1, so success is 33 and failure 35 (tests/run.sh). */
#define QEMU_EXIT_SUCCESS 0x10
#define QEMU_EXIT_FAILURE 0x11

__noreturn void qemu_exit(int code);
