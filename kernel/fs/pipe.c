/* pipe.c - pipes: a 64 KiB byte ring between a read end and a write end.
 *
 * Capacity: PIPE_SIZE = 64 KiB, Linux's default, so a program that writes
 * a lot before it reads behaves as on Linux (the test programs also run on
 * Linux as the oracle).  The ring is one order-4 block of frames.  Writes
 * of at most PIPE_BUF (4096) bytes are atomic: they wait until the whole
 * write fits and copy it in one piece.
 *
 * Locking: p->mutex (a sleeping lock, as Linux's pipe->mutex) protects the
 * ring indices and contents and the reader/writer counts; user copies run
 * under it directly from/to the ring (a copy may fault and sleep, which a
 * mutex allows; no spinlock is held).  Nobody sleeps *waiting for data or
 * space* with the mutex held: they drop it and sleep killably on p->rq
 * (readers: data or no writers) or p->wq (writers: space or no readers),
 * whose conditions are read without the mutex (READ_ONCE) and re-checked
 * under it.  Every change also wakes file_poll_wq for poll().
 *
 * Lifetime: each end is a struct file holding one of p->refs (2); the pipe
 * is freed when both ends are released.  An end being released still
 * holds its ref while it wakes the queues, so they are never used after
 * the free. */
#include "kernel/fs/file_internal.h"
#include "kernel/atomic.h"
#include "kernel/errno.h"
#include "kernel/proc.h"
#include "kernel/lib/string.h"
#include "mm/frame.h"
#include "mm/slab.h"

#define PIPE_ORDER 4 /* 2^4 pages = PIPE_SIZE */
#define FIONREAD   0x541b

struct pipe {
	struct mutex mutex;
	struct pipe_ring ring; /* under mutex */
	int readers, writers;  /* open ends; under mutex */
	struct wait_queue rq, wq;
	int refs; /* atomic: ends not yet released */
	uint64_t ino;
};

static uint64_t pipe_ino_next = 1;

/* ---- the ring (pure) ---- */

int pipe_ring_put(struct pipe_ring *r, size_t n, int (*copy)(void *arg, void *dst, size_t len), void *arg)
{
	uint32_t off = r->head & (r->size - 1);
	size_t first = MIN(n, r->size - off);
	int err = copy(arg, r->buf + off, first);
	if (!err && n > first)
		err = copy(arg, r->buf, n - first);
	if (!err)
		WRITE_ONCE(r->head, r->head + (uint32_t)n);
	return err;
}

int pipe_ring_get(struct pipe_ring *r, size_t n, int (*copy)(void *arg, const void *src, size_t len), void *arg)
{
	uint32_t off = r->tail & (r->size - 1);
	size_t first = MIN(n, r->size - off);
	int err = copy(arg, r->buf + off, first);
	if (!err && n > first)
		err = copy(arg, r->buf, n - first);
	if (!err)
		WRITE_ONCE(r->tail, r->tail + (uint32_t)n);
	return err;
}

static int copy_in_cb(void *u, void *dst, size_t len)
{
	return uio_copy_in(u, dst, len);
}
static int copy_out_cb(void *u, const void *src, size_t len)
{
	return uio_copy_out(u, src, len);
}

/* ---- reading and writing ---- */

static bool pipe_readable(struct pipe *p)
{
	return READ_ONCE(p->ring.head) != READ_ONCE(p->ring.tail) || !READ_ONCE(p->writers);
}

static bool pipe_writable(struct pipe *p, size_t need)
{
	uint32_t used = READ_ONCE(p->ring.head) - READ_ONCE(p->ring.tail);
	return p->ring.size - used >= need || !READ_ONCE(p->readers);
}

static void pipe_wake(struct wait_queue *q)
{
	wake_up_all(q);
	wake_up_all(&file_poll_wq);
}

long pipe_read_uio(struct file *f, struct uio *u)
{
	struct pipe *p = f->priv;
	if (!u->resid)
		return 0;
	for (;;) {
		mutex_lock(&p->mutex);
		size_t n = MIN(pipe_ring_used(&p->ring), u->resid);
		int err = n ? pipe_ring_get(&p->ring, n, copy_out_cb, u) : 0;
		bool eof = !p->writers;
		mutex_unlock(&p->mutex);
		if (err)
			return err;
		if (n) {
			pipe_wake(&p->wq);
			return (long)n;
		}
		if (eof)
			return 0;
		if (READ_ONCE(f->flags) & O_NONBLOCK)
			return -EAGAIN;
		if (wait_event_interruptible(p->rq, pipe_readable(p)))
			return -ERESTARTSYS; /* a signal: its handler first, then maybe again */
	}
}

/* Copy in what may go now: everything if it fits, else (non-atomic
 * writes) what fits.  Returns the bytes copied, -EPIPE, or -EFAULT. */
static long pipe_write_some(struct pipe *p, struct uio *u, bool atomic)
{
	mutex_lock(&p->mutex);
	long r = -EPIPE;
	if (p->readers) {
		size_t space = pipe_ring_free(&p->ring);
		size_t n = atomic && space < u->resid ? 0 : MIN(space, u->resid);
		r = n && pipe_ring_put(&p->ring, n, copy_in_cb, u) ? -EFAULT : (long)n;
	}
	mutex_unlock(&p->mutex);
	return r;
}

long pipe_write_uio(struct file *f, struct uio *u)
{
	struct pipe *p = f->priv;
	bool atomic = u->resid <= PIPE_BUF;
	long done = 0;
	if (!u->resid)
		return 0;
	for (;;) {
		long n = pipe_write_some(p, u, atomic);
		if (n == -EPIPE) {
			send_signal(current->proc, current, SIGPIPE);
			return done ? done : n;
		}
		if (n < 0)
			return done ? done : n;
		if (n) {
			done += n;
			pipe_wake(&p->rq);
			if (!u->resid)
				return done;
		}
		if (READ_ONCE(f->flags) & O_NONBLOCK)
			return done ? done : -EAGAIN;
		if (wait_event_interruptible(p->wq, pipe_writable(p, atomic ? u->resid : 1)))
			return done ? done : -ERESTARTSYS;
	}
}

unsigned pipe_poll(struct file *f)
{
	struct pipe *p = f->priv;
	unsigned m = 0;
	uint32_t used = READ_ONCE(p->ring.head) - READ_ONCE(p->ring.tail);
	if (file_readable(f)) {
		if (used)
			m |= POLLIN | POLLRDNORM;
		if (!READ_ONCE(p->writers))
			m |= POLLHUP;
	}
	if (file_writable(f)) {
		if (p->ring.size - used >= PIPE_BUF)
			m |= POLLOUT | POLLWRNORM;
		if (!READ_ONCE(p->readers))
			m |= POLLERR;
	}
	return m;
}

/* ---- file operations ---- */

static long pipe_read(struct file *f, char __user *buf, size_t n) { return uio_single(pipe_read_uio, f, buf, n); }

static long pipe_write(struct file *f, const char __user *buf, size_t n)
{
	return uio_single(pipe_write_uio, f, buf, n);
}

static long pipe_ioctl(struct file *f, unsigned cmd, uint64_t arg)
{
	struct pipe *p = f->priv;
	if (cmd != FIONREAD)
		return -ENOTTY;
	mutex_lock(&p->mutex);
	int n = (int)pipe_ring_used(&p->ring);
	mutex_unlock(&p->mutex);
	return put_user(n, (int __user *)arg);
}

static void pipe_stat(struct file *f, struct kstat *st)
{
	struct pipe *p = f->priv;
	memset(st, 0, sizeof(*st));
	st->st_dev = 0xc; /* pipefs */
	st->st_ino = p->ino;
	st->st_nlink = 1;
	st->st_mode = S_IFIFO | 0600;
	st->st_blksize = PAGE_SIZE;
}

static void pipe_free(struct pipe *p)
{
	page_free(p->ring.buf, PIPE_ORDER);
	kfree(p);
}

static void pipe_release(struct file *f)
{
	struct pipe *p = f->priv;
	mutex_lock(&p->mutex);
	if (file_readable(f))
		WRITE_ONCE(p->readers, p->readers - 1);
	else
		WRITE_ONCE(p->writers, p->writers - 1);
	mutex_unlock(&p->mutex);
	pipe_wake(&p->rq);
	pipe_wake(&p->wq);
	if (fetch_sub(&p->refs, 1) == 1)
		pipe_free(p);
}

static const struct file_ops pipe_read_ops = {
    .read = pipe_read,
    .ioctl = pipe_ioctl,
    .stat = pipe_stat,
    .release = pipe_release,
};

static const struct file_ops pipe_write_ops = {
    .write = pipe_write,
    .ioctl = pipe_ioctl,
    .stat = pipe_stat,
    .release = pipe_release,
};

bool file_is_pipe(const struct file *f)
{
	return f->ops == &pipe_read_ops || f->ops == &pipe_write_ops;
}

static struct pipe *pipe_alloc(void)
{
	struct pipe *p = kzalloc(sizeof(*p));
	if (!p)
		return NULL;
	p->ring.buf = page_alloc(PIPE_ORDER, false);
	if (!p->ring.buf) {
		kfree(p);
		return NULL;
	}
	p->ring.size = PIPE_SIZE;
	mutex_init(&p->mutex, "pipe");
	wait_queue_init(&p->rq, "pipe_read");
	wait_queue_init(&p->wq, "pipe_write");
	p->readers = p->writers = 1;
	p->refs = 2;
	p->ino = fetch_add(&pipe_ino_next, 1);
	return p;
}

int pipe_create(unsigned flags, struct file **rd, struct file **wr)
{
	struct pipe *p = pipe_alloc();
	if (!p)
		return -ENOMEM;
	*rd = file_alloc(&pipe_read_ops, O_RDONLY | (flags & O_NONBLOCK));
	*wr = file_alloc(&pipe_write_ops, O_WRONLY | (flags & O_NONBLOCK));
	if (!*rd || !*wr) {
		/* No file owns the pipe yet: free the files without release. */
		kfree(*rd);
		kfree(*wr);
		pipe_free(p);
		return -ENOMEM;
	}
	(*rd)->priv = p;
	(*wr)->priv = p;
	return 0;
}
