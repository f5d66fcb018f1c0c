/* console.h - where the kernel's and the programs' output goes: the
 * serial port and, when there is one, the screen (kernel/tty/console.c). */
#pragma once
#include "kernel/types.h"

/* Write n bytes to every console, whole: under console_lock, so no other
 * console_write or printk line lands inside them. */
void console_write(const char *s, size_t n);
/* printk's form: take the lock once for a whole message (none while
 * panicking or before per-CPU data exists), write pieces, release. */
bool console_lock(unsigned long *flags);
void console_unlock(bool locked, unsigned long flags);
void console_write_locked(const char *s, size_t n);
/* Start the screen console if GRUB gave a framebuffer it can draw (after
 * slab_init()); what was written before appears on it too. */
void console_screen_init(void);
/* The timer tick (every CPU's; only CPU 0's paints): repaint the screen
 * if its grid changed and the last paint is 1/FBCON_FLUSH_HZ s old. */
void console_tick(void);
/* panic(): draw everything on the screen now. */
void console_panic_flush(void);
/* Called by panic() once the other CPUs are stopped: whoever held the
 * console lock will never release it. */
void console_bust_lock(void);
