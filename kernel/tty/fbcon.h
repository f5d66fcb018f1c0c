/* fbcon.h - the screen console: kernel/tty/vt.c's text grid drawn on the
 * framebuffer GRUB set up (kernel/tty/fbcon.c). */
#pragma once
#include "arch/x86_64/bootinfo.h"

/* Map fb and set up an empty grid over it.  false (serial only) when
 * there is no framebuffer (silently) or one the console cannot draw (one
 * warning line: not 32 bpp direct RGB, EGA text mode, too small, or out of
 * memory).  Call once, after slab_init(), before fbcon_write(). */
bool fbcon_init(const struct boot_fb *fb);
/* Feed output to the grid; drawn lazily (fbcon_tick).  Callers
 * serialise (console_lock). */
void fbcon_write(const char *s, size_t n);
/* From the timer interrupt: on CPU 0, repaint what changed if the last
 * paint is at least 1/FBCON_FLUSH_HZ s old. */
void fbcon_tick(void);
/* Repaint every cell now, on this CPU (panic: the other CPUs are stopped). */
void fbcon_flush_sync(void);
