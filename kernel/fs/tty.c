/* tty.c - the console: the serial port with a canonical line discipline.
 *
 * Input: every source goes through tty_receive() (callable from interrupt
 * context): the COM1 interrupt's tty_input_irq() drains serial_getc() into
 * it, the PS/2 keyboard's interrupt (arch/x86_64/i8042.c) hands it the
 * bytes kernel/tty/keymap.c made of the scancodes.  tty_receive() runs each
 * byte through tty_process_char() (a pure function, unit-tested in
 * file_test.c): printable characters are stored and echoed, backspace
 * and DEL erase one character ("\b \b"), ^U erases the line, CR becomes
 * NL, NL or ^D completes the line (^D itself is not delivered, so ^D at
 * the start of a line reads as end of file).  Control characters echo as
 * "^X".  When the buffer is full further characters are dropped ('\a').
 *
 * A read() sleeps (killably) until a completed line is there and returns at
 * most one line, or what of it fits; the rest stays for the next read.
 *
 * Locking:
 *   tty.lock (irqsave: the interrupt takes it) protects the ldisc indices
 *   and the edit region buf[canon_head, edit_head); echo is written under
 *   it.  tty.rx_lock (irqsave) serialises draining the serial ring, so
 *   its bytes reach the ldisc in the order they came.  Lock order:
 *   tty.rx_lock -> serial rx lock, tty.lock, wait-queue locks (tty_receive
 *   wakes readers after dropping tty.lock).
 *   tty.read_mutex serialises readers.  A reader copies the completed bytes
 *   buf[read_tail, canon_head) to user space holding only the mutex: the
 *   interrupt never writes there (it writes at edit_head, and at most
 *   TTY_BUF_SIZE past read_tail, which only the reader advances), so the
 *   bytes stay put while copy_to_user faults and sleeps.
 *   tty.out_lock serialises output chunks so that writes do not
 *   interleave inside a 256-byte chunk; serial_putc sends '\n' as "\r\n"
 *   (the OPOST|ONLCR conversion happens there).  Echo from the interrupt
 *   may still land between two chunks. */
#include "arch/x86_64/serial.h"
#include "kernel/atomic.h"
#include "kernel/tty/console.h"
#include "kernel/errno.h"
#include "kernel/fs/file_internal.h"
#include "kernel/lib/string.h"

#define TCGETS	      0x5401
#define TIOCGWINSZ    0x5413
#define FIONREAD      0x541b
#define TTY_OUT_CHUNK 256

static struct tty {
	struct spinlock lock;
	struct spinlock rx_lock;
	struct tty_ldisc ld;
	struct mutex read_mutex;
	struct wait_queue readq;
	struct spinlock out_lock;
} tty = {
    .lock = SPINLOCK_INIT("tty"),
    .rx_lock = SPINLOCK_INIT("tty_rx"),
    .read_mutex = MUTEX_INIT(tty.read_mutex, "tty_read"),
    .readq = WAIT_QUEUE_INIT(tty.readq, "tty_read"),
    .out_lock = SPINLOCK_INIT("tty_out"),
};

/* ---- the line discipline (pure) ---- */

static bool is_ctrl(char c)
{
	return (unsigned char)c < 0x20 && c != '\t' && c != '\n';
}

static void echo_char(char c, tty_echo_fn echo, void *arg)
{
	if (is_ctrl(c)) {
		char s[2] = {'^', (char)(c + 0x40)};
		echo(arg, s, 2);
	} else {
		echo(arg, &c, 1);
	}
}

/* Erase the last character of the edit line (a UTF-8 character whole). */
static bool erase_one(struct tty_ldisc *ld, tty_echo_fn echo, void *arg)
{
	if (ld->edit_head == ld->canon_head)
		return false;
	char c;
	do
		c = ld->buf[--ld->edit_head % TTY_BUF_SIZE];
	while (((unsigned char)c & 0xc0) == 0x80 && ld->edit_head != ld->canon_head);
	echo(arg, "\b \b", 3);
	if (is_ctrl(c))
		echo(arg, "\b \b", 3);
	return true;
}

static bool store(struct tty_ldisc *ld, char c, bool delim)
{
	uint32_t used = ld->edit_head - ld->read_tail;
	/* The last byte is kept for a delimiter, so a full line can end. */
	if (used >= TTY_BUF_SIZE - (delim ? 0 : 1))
		return false;
	ld->buf[ld->edit_head++ % TTY_BUF_SIZE] = c;
	if (delim)
		WRITE_ONCE(ld->canon_head, ld->edit_head);
	return true;
}

bool tty_process_char(struct tty_ldisc *ld, char c, tty_echo_fn echo, void *arg)
{
	if (c == '\r')
		c = '\n';
	switch (c) {
	case 0x7f:
	case '\b':
		erase_one(ld, echo, arg);
		return false;
	case 0x15: /* ^U */
		while (erase_one(ld, echo, arg))
			;
		return false;
	case '\n':
	case TTY_EOF_CHAR:
		if (!store(ld, c, true)) {
			echo(arg, "\a", 1);
			return false;
		}
		if (c == '\n')
			echo(arg, "\n", 1);
		return true;
	default:
		if (!store(ld, c, false))
			echo(arg, "\a", 1);
		else
			echo_char(c, echo, arg);
		return false;
	}
}

size_t tty_ldisc_line(const struct tty_ldisc *ld, uint32_t head, bool *eof)
{
	for (uint32_t i = ld->read_tail; i != head; i++) {
		char c = ld->buf[i % TTY_BUF_SIZE];
		if (c == '\n' || c == TTY_EOF_CHAR) {
			*eof = c == TTY_EOF_CHAR;
			return i - ld->read_tail + (c == '\n');
		}
	}
	*eof = false; /* not reached: everything before canon_head is complete lines */
	return head - ld->read_tail;
}

/* ---- input ---- */

static void echo_serial(void *arg, const char *s, size_t n)
{
	console_write(s, n); /* the serial port and the screen */
}

/* Set by tty_init(): until then received bytes stay in the serial driver's
 * ring (the kernel's self-tests read them there) and keyboard bytes are
 * dropped (nobody could read them). */
static bool tty_active;

void tty_receive(const char *buf, size_t n)
{
	if (!smp_load_acquire(&tty_active))
		return;
	bool woke = false;
	unsigned long fl = spin_lock_irqsave(&tty.lock);
	for (size_t i = 0; i < n; i++)
		woke |= tty_process_char(&tty.ld, buf[i], echo_serial, NULL);
	spin_unlock_irqrestore(&tty.lock, fl);
	if (woke) {
		wake_up_all(&tty.readq);
		wake_up_all(&file_poll_wq);
	}
}

void tty_input_irq(void)
{
	if (!smp_load_acquire(&tty_active))
		return;
	char buf[64];
	size_t n;
	/* rx_lock: a drain that took bytes out of the ring hands them on
	 * before another drain (tty_init's, or an interrupt) can overtake it. */
	unsigned long fl = spin_lock_irqsave(&tty.rx_lock);
	do {
		int c;
		for (n = 0; n < sizeof(buf) && (c = serial_getc()) >= 0; n++)
			buf[n] = (char)c;
		tty_receive(buf, n);
	} while (n == sizeof(buf));
	spin_unlock_irqrestore(&tty.rx_lock, fl);
}

static bool tty_readable(void)
{
	return READ_ONCE(tty.ld.canon_head) != READ_ONCE(tty.ld.read_tail);
}

/* With read_mutex held and a line there: deliver (part of) it.  Returns the
 * bytes read, 0 for an end of file, -EFAULT. */
static long tty_take_line(struct uio *u)
{
	unsigned long fl = spin_lock_irqsave(&tty.lock);
	uint32_t tail = tty.ld.read_tail, head = tty.ld.canon_head;
	spin_unlock_irqrestore(&tty.lock, fl);
	bool eof;
	size_t len = tty_ldisc_line(&tty.ld, head, &eof);
	size_t n = MIN(len, u->resid);
	size_t off = tail % TTY_BUF_SIZE, first = MIN(n, TTY_BUF_SIZE - off);
	if (uio_copy_out(u, tty.ld.buf + off, first) || uio_copy_out(u, tty.ld.buf, n - first))
		return -EFAULT;
	uint32_t new_tail = tail + (uint32_t)n + (n == len && eof);
	fl = spin_lock_irqsave(&tty.lock);
	WRITE_ONCE(tty.ld.read_tail, new_tail);
	spin_unlock_irqrestore(&tty.lock, fl);
	return (long)n;
}

long tty_read_uio(struct file *f, struct uio *u)
{
	if (!u->resid)
		return 0;
	for (;;) {
		if (!tty_readable()) {
			if (READ_ONCE(f->flags) & O_NONBLOCK)
				return -EAGAIN;
			if (wait_event_interruptible(tty.readq, tty_readable()))
				return -ERESTARTSYS;
		}
		mutex_lock(&tty.read_mutex);
		long r = tty_readable() ? tty_take_line(u) : -EAGAIN;
		mutex_unlock(&tty.read_mutex);
		if (r != -EAGAIN)
			return r;
		/* another reader took the line first: wait again */
	}
}

/* ---- output ---- */

long tty_write_uio(struct file *f, struct uio *u)
{
	char chunk[TTY_OUT_CHUNK];
	long done = 0;
	while (u->resid) {
		size_t n = MIN(u->resid, sizeof(chunk));
		if (uio_copy_in(u, chunk, n))
			return done ? done : -EFAULT;
		spin_lock(&tty.out_lock);
		console_write(chunk, n);
		spin_unlock(&tty.out_lock);
		done += (long)n;
	}
	return done;
}

unsigned tty_poll(struct file *f)
{
	return POLLOUT | POLLWRNORM | (tty_readable() ? POLLIN | POLLRDNORM : 0);
}

/* ---- file operations ---- */

static long tty_read(struct file *f, char __user *buf, size_t n) { return uio_single(tty_read_uio, f, buf, n); }

static long tty_write(struct file *f, const char __user *buf, size_t n)
{
	return uio_single(tty_write_uio, f, buf, n);
}

/* Linux's kernel struct termios (TCGETS), 36 bytes; musl's 60-byte struct
 * starts with the same fields. */
struct kernel_termios {
	uint32_t c_iflag, c_oflag, c_cflag, c_lflag;
	uint8_t c_line;
	uint8_t c_cc[19];
};
struct winsize {
	uint16_t ws_row, ws_col, ws_xpixel, ws_ypixel;
};

static long tty_tcgets(void __user *arg)
{
	struct kernel_termios t = {
	    .c_iflag = 0400,				     /* ICRNL */
	    .c_oflag = 01 | 04,				     /* OPOST | ONLCR */
	    .c_cflag = 010002 | 060 | 0200 | 04000,	     /* B115200 | CS8 | CREAD | CLOCAL */
	    .c_lflag = 02 | 010 | 020 | 040 | 01000 | 04000, /* ICANON ECHO ECHOE ECHOK ECHOCTL ECHOKE */
	    /* VINTR VQUIT VERASE VKILL VEOF VTIME VMIN ... as Linux's INIT_C_CC */
	    .c_cc = {3, 034, 0177, 025, 4, 0, 1, 0, 021, 023, 032, 0, 022, 017, 027, 026, 0},
	};
	return copy_to_user(arg, &t, sizeof(t));
}

static long tty_ioctl(struct file *f, unsigned cmd, uint64_t arg)
{
	switch (cmd) {
	case TCGETS:
		return tty_tcgets((void __user *)arg);
	case TIOCGWINSZ: {
		struct winsize w = {24, 80, 0, 0};
		return copy_to_user((void __user *)arg, &w, sizeof(w));
	}
	case FIONREAD: {
		bool eof;
		int n = 0;
		mutex_lock(&tty.read_mutex);
		if (tty_readable())
			n = (int)tty_ldisc_line(&tty.ld, READ_ONCE(tty.ld.canon_head), &eof);
		mutex_unlock(&tty.read_mutex);
		return put_user(n, (int __user *)arg);
	}
	default:
		return -ENOTTY;
	}
}

void tty_fill_stat(struct kstat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_dev = 5;
	st->st_ino = 64;
	st->st_nlink = 1;
	st->st_mode = S_IFCHR | 0620;
	st->st_rdev = 4 << 8 | 64; /* ttyS0: major 4, minor 64 (makedev) */
	st->st_blksize = 1024;
}

static void tty_stat(struct file *f, struct kstat *st)
{
	tty_fill_stat(st);
}

static const struct file_ops tty_ops = {
    .read = tty_read,
    .write = tty_write,
    .ioctl = tty_ioctl,
    .stat = tty_stat,
};

bool file_is_tty(const struct file *f)
{
	return f->ops == &tty_ops;
}

struct file *tty_open_file(unsigned flags)
{
	return file_alloc(&tty_ops, flags);
}

void tty_init(void)
{
	/* Everything is statically initialised; take in what was typed ahead. */
	smp_store_release(&tty_active, true);
	tty_input_irq();
}
