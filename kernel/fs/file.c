/* file.c - open files (struct file) and file tables (struct files).
 *
 * A struct file is freed when its last reference goes: each fd slot holds
 * one, and fd_get() hands the caller another, so a close() in one thread
 * never frees a file that another thread is reading (the reader's
 * file_put() frees it later).  file->refs and files->refs are atomic.
 *
 * Locking: files->lock (a spinlock, never taken from interrupts) protects
 * fd[] and cloexec[].  Nothing that can sleep runs under it, and no file
 * is released under it: a removed file is put after the unlock (its
 * release may take a pipe's mutex).
 *
 * Also here: struct uio, the walker over a user buffer list. */
#include "kernel/atomic.h"
#include "kernel/errno.h"
#include "kernel/fs/file_internal.h"
#include "kernel/proc.h"
#include "kernel/lib/string.h"
#include "mm/slab.h"

struct wait_queue file_poll_wq = WAIT_QUEUE_INIT(file_poll_wq, "file_poll");

struct file *file_alloc(const struct file_ops *ops, unsigned flags)
{
	struct file *f = kzalloc(sizeof(*f));
	if (!f)
		return NULL;
	f->refs = 1;
	f->ops = ops;
	f->flags = flags;
	mutex_init(&f->pos_lock, "file_pos");
	return f;
}

void file_get(struct file *f)
{
	fetch_add(&f->refs, 1);
}

void file_put(struct file *f)
{
	if (!f || fetch_sub(&f->refs, 1) != 1)
		return;
	if (f->ops->release)
		f->ops->release(f);
	kfree(f);
}

/* ---- file tables ---- */

static struct files *files_new(void)
{
	struct files *fs = kzalloc(sizeof(*fs));
	if (!fs)
		return NULL;
	spin_init(&fs->lock, "files");
	fs->refs = 1;
	return fs;
}

struct files *files_alloc_console(void)
{
	struct files *fs = files_new();
	struct file *con = fs ? tty_open_file(O_RDWR) : NULL;
	if (!con) {
		kfree(fs);
		return NULL;
	}
	/* Like Linux's init: open /dev/console once, dup it to 1 and 2. */
	file_get(con);
	file_get(con);
	fs->fd[0] = fs->fd[1] = fs->fd[2] = con;
	return fs;
}

struct files *files_copy(struct files *src)
{
	struct files *fs = files_new();
	if (!fs)
		return NULL;
	spin_lock(&src->lock);
	for (int i = 0; i < NR_OPEN; i++) {
		fs->fd[i] = src->fd[i];
		if (fs->fd[i])
			file_get(fs->fd[i]);
	}
	memcpy(fs->cloexec, src->cloexec, sizeof(fs->cloexec));
	spin_unlock(&src->lock);
	return fs;
}

void files_get(struct files *fs)
{
	fetch_add(&fs->refs, 1);
}

void files_put(struct files *fs)
{
	if (!fs || fetch_sub(&fs->refs, 1) != 1)
		return;
	/* The last user: nobody else can see the table any more. */
	for (int i = 0; i < NR_OPEN; i++)
		file_put(fs->fd[i]);
	kfree(fs);
}

static bool cloexec_test(const struct files *fs, int fd)
{
	return fs->cloexec[fd / 64] >> (fd % 64) & 1;
}

static void cloexec_assign(struct files *fs, int fd, bool on)
{
	assert_held(&fs->lock);
	if (on)
		fs->cloexec[fd / 64] |= 1ull << (fd % 64);
	else
		fs->cloexec[fd / 64] &= ~(1ull << (fd % 64));
}

/* Take fd out of fs (under its lock); the caller puts the file. */
static struct file *fd_remove_locked(struct files *fs, int fd)
{
	assert_held(&fs->lock);
	struct file *f = fs->fd[fd];
	fs->fd[fd] = NULL;
	cloexec_assign(fs, fd, false);
	return f;
}

void files_close_on_exec(struct files *fs)
{
	for (int fd = 0; fd < NR_OPEN; fd++) {
		spin_lock(&fs->lock);
		struct file *f = cloexec_test(fs, fd) ? fd_remove_locked(fs, fd) : NULL;
		spin_unlock(&fs->lock);
		file_put(f);
	}
}

static struct files *cur_files(void)
{
	return current->proc->files;
}

struct file *fd_get(int fd)
{
	if (fd < 0 || fd >= NR_OPEN)
		return NULL;
	struct files *fs = cur_files();
	spin_lock(&fs->lock);
	struct file *f = fs->fd[fd];
	if (f)
		file_get(f);
	spin_unlock(&fs->lock);
	return f;
}

int fd_install(struct file *f, int minfd, bool cloexec)
{
	struct files *fs = cur_files();
	int r = -EMFILE;
	spin_lock(&fs->lock);
	for (int fd = minfd < 0 ? 0 : minfd; fd < NR_OPEN; fd++) {
		if (!fs->fd[fd]) {
			fs->fd[fd] = f;
			cloexec_assign(fs, fd, cloexec);
			r = fd;
			break;
		}
	}
	spin_unlock(&fs->lock);
	return r;
}

int fd_close(int fd)
{
	if (fd < 0 || fd >= NR_OPEN)
		return -EBADF;
	struct files *fs = cur_files();
	spin_lock(&fs->lock);
	struct file *f = fd_remove_locked(fs, fd);
	spin_unlock(&fs->lock);
	if (!f)
		return -EBADF;
	file_put(f);
	return 0;
}

int fd_dup_to(int oldfd, int newfd, bool cloexec)
{
	if (oldfd < 0 || oldfd >= NR_OPEN || newfd < 0 || newfd >= NR_OPEN)
		return -EBADF;
	struct files *fs = cur_files();
	struct file *old = NULL;
	int r = -EBADF;
	spin_lock(&fs->lock);
	struct file *f = fs->fd[oldfd];
	if (f) {
		file_get(f);
		old = fs->fd[newfd];
		fs->fd[newfd] = f;
		cloexec_assign(fs, newfd, cloexec);
		r = newfd;
	}
	spin_unlock(&fs->lock);
	file_put(old);
	return r;
}

int fd_cloexec_get(int fd)
{
	if (fd < 0 || fd >= NR_OPEN)
		return -EBADF;
	struct files *fs = cur_files();
	spin_lock(&fs->lock);
	int r = fs->fd[fd] ? cloexec_test(fs, fd) : -EBADF;
	spin_unlock(&fs->lock);
	return r;
}

int fd_cloexec_set(int fd, bool on)
{
	if (fd < 0 || fd >= NR_OPEN)
		return -EBADF;
	struct files *fs = cur_files();
	int r = -EBADF;
	spin_lock(&fs->lock);
	if (fs->fd[fd]) {
		cloexec_assign(fs, fd, on);
		r = 0;
	}
	spin_unlock(&fs->lock);
	return r;
}

/* ---- user buffer lists ---- */

long uio_single(long (*op)(struct file *, struct uio *), struct file *f, const void __user *buf, size_t n)
{
	struct iovec iov = {(void __user *)buf, n};
	struct uio u;
	uio_init(&u, &iov, 1, n);
	return op(f, &u);
}

void uio_init(struct uio *u, const struct iovec *iov, unsigned long nr, size_t total)
{
	u->iov = iov;
	u->nr = nr;
	u->off = 0;
	u->resid = total;
}

/* The next contiguous piece (at most want bytes) of the current segment. */
static size_t uio_piece(struct uio *u, size_t want, char __user **at)
{
	while (u->nr && u->off == u->iov->iov_len) {
		u->iov++;
		u->nr--;
		u->off = 0;
	}
	if (!u->nr)
		return 0;
	*at = (char __user *)u->iov->iov_base + u->off;
	return MIN(want, u->iov->iov_len - u->off);
}

static int uio_copy(struct uio *u, char *kbuf, size_t n, bool out)
{
	if (n > u->resid)
		return -EFAULT;
	while (n) {
		char __user *at;
		size_t k = uio_piece(u, n, &at);
		if (!k)
			return -EFAULT;
		int r = out ? copy_to_user(at, kbuf, k) : copy_from_user(kbuf, at, k);
		if (r)
			return r;
		u->off += k;
		u->resid -= k;
		kbuf += k;
		n -= k;
	}
	return 0;
}

int uio_copy_out(struct uio *u, const void *src, size_t n)
{
	return uio_copy(u, (char *)src, n, true);
}
int uio_copy_in(struct uio *u, void *dst, size_t n)
{
	return uio_copy(u, dst, n, false);
}
