/* console.c - the kernel's consoles: COM1 always, the screen (fbcon.c)
 * when GRUB gave a framebuffer it can draw.  printk and the tty's output
 * and echo all come here, so both show the same bytes.
 *
 * Until console_screen_init() the screen does not exist yet (it needs the
 * allocator and the page tables); the first EARLY_BUF bytes written before
 * then are kept and replayed onto it, so the boot messages appear there
 * too.
 *
 * Locking: console_lock (irqsave: interrupt handlers printk and echo)
 * serialises every write to every console and protects early_buf.  While
 * panicking no lock is taken (its holder may have been stopped). */
#include "kernel/tty/console.h"
#include "arch/x86_64/bootinfo.h"
#include "arch/x86_64/serial.h"
#include "kernel/tty/fbcon.h"
#include "kernel/panic.h"
#include "kernel/spinlock.h"
#include "kernel/lib/string.h"

#define EARLY_BUF 8192

extern bool percpu_ready;
static struct spinlock console_lock_ = SPINLOCK_INIT("console");
static bool screen;             /* fbcon is up; set under console_lock */
static char early_buf[EARLY_BUF]; /* under console_lock, until screen */
static size_t early_len;

void console_bust_lock(void) { spin_init(&console_lock_, "console"); }

bool console_lock(unsigned long *flags)
{
	bool lock = percpu_ready && !READ_ONCE(panicking);
	if (lock)
		*flags = spin_lock_irqsave(&console_lock_);
	return lock;
}

void console_unlock(bool locked, unsigned long flags)
{
	if (locked)
		spin_unlock_irqrestore(&console_lock_, flags);
}

void console_write_locked(const char *s, size_t n)
{
	serial_write(s, n);
	if (screen) {
		fbcon_write(s, n);
	} else if (early_len < EARLY_BUF) {
		size_t k = MIN(n, EARLY_BUF - early_len);
		memcpy(early_buf + early_len, s, k);
		early_len += k;
	}
}

void console_write(const char *s, size_t n)
{
	unsigned long f = 0;
	bool locked = console_lock(&f);
	console_write_locked(s, n);
	console_unlock(locked, f);
}

void console_screen_init(void)
{
	if (!fbcon_init(&boot_info.fb))
		return;
	unsigned long f = 0;
	bool locked = console_lock(&f);
	fbcon_write(early_buf, early_len);
	WRITE_ONCE(screen, true);
	console_unlock(locked, f);
}

void console_tick(void)
{
	if (READ_ONCE(screen))
		fbcon_tick();
}

void console_panic_flush(void)
{
	if (READ_ONCE(screen))
		fbcon_flush_sync();
}
