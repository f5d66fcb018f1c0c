/* panic.h - stopping the machine when something is fatally wrong. */
#pragma once
#include "kernel/compiler.h"

extern bool panicking; /* set once, by the first CPU to panic */

__noreturn void panic(const char *fmt, ...) __printf(1, 2);
/* The two halves of panic(), for die(): panic_enter() makes this CPU the only
 * one running (a second CPU to arrive halts) and busts the console lock;
 * panic_finish() ends the report and exits QEMU (panic=exit or ktest on the
 * command line) or halts. */
void panic_enter(void);
__noreturn void panic_finish(void);
__noreturn void halt_forever(void);
void panic_stopped_ack(void); /* NMI handler: this CPU has stopped for a panic */
void warn_print(const char *file, int line, const char *cond);
