/* sys_file.c - the system calls on file descriptors: read, write, readv,
 * writev, pread64, pwrite64, close, lseek, ioctl, fstat, getdents64, dup,
 * dup2, dup3, fcntl, pipe, pipe2.
 *
 * Each validates its arguments as Linux does, in Linux's order (noted
 * where it matters), and works on a referenced file from fd_get(), put when
 * done, so a concurrent close() never frees a file in use.  No locks here:
 * the fd table and the files lock themselves (file.c, tty.c, pipe.c). */
#include "kernel/fs/file_internal.h"
#include "kernel/errno.h"
#include "kernel/syscall.h"
#include "mm/slab.h"

#define SEEK_MAX	4 /* SEEK_HOLE */
#define F_DUPFD		0
#define F_GETFD		1
#define F_SETFD		2
#define F_GETFL		3
#define F_SETFL		4
#define F_DUPFD_CLOEXEC 1030
#define F_GETPIPE_SZ	1032
#define FD_CLOEXEC	1
#define FIONBIO		0x5421
#define FIONCLEX	0x5450
#define FIOCLEX		0x5451
#define UIO_FASTIOV	8

/* vfs_read/vfs_write: the access mode, then the operation. */
static long rw_check(struct file *f, bool write)
{
	if (!(write ? file_writable(f) : file_readable(f)))
		return -EBADF;
	if (!(write ? (void *)f->ops->write : (void *)f->ops->read))
		return -EINVAL;
	return 0;
}

static long sys_read(int fd, char __user *buf, size_t n)
{
	struct file *f = fd_get(fd);
	if (!f)
		return -EBADF;
	long r = rw_check(f, false);
	if (!r && !user_range_ok((uint64_t)buf, n))
		r = -EFAULT;
	if (!r)
		r = f->ops->read(f, buf, MIN(n, MAX_RW_COUNT));
	file_put(f);
	return r;
}

static long sys_write(int fd, const char __user *buf, size_t n)
{
	struct file *f = fd_get(fd);
	if (!f)
		return -EBADF;
	long r = rw_check(f, true);
	if (!r && !user_range_ok((uint64_t)buf, n))
		r = -EFAULT;
	if (!r)
		r = f->ops->write(f, buf, MIN(n, MAX_RW_COUNT));
	file_put(f);
	return r;
}

/* import_iovec: -EINVAL for too many segments or a negative length, then
 * -EFAULT for a bad array or segment; the total is clipped to MAX_RW_COUNT. */
static long iov_import(const struct iovec __user *uiov, unsigned long nr, struct iovec *iov, size_t *total)
{
	if (nr > UIO_MAXIOV)
		return -EINVAL;
	if (copy_from_user(iov, uiov, nr * sizeof(*iov)))
		return -EFAULT;
	for (unsigned long i = 0; i < nr; i++)
		if ((int64_t)iov[i].iov_len < 0)
			return -EINVAL;
	size_t t = 0;
	for (unsigned long i = 0; i < nr; i++) {
		if (!user_range_ok((uint64_t)iov[i].iov_base, iov[i].iov_len))
			return -EFAULT;
		iov[i].iov_len = MIN(iov[i].iov_len, MAX_RW_COUNT - t);
		t += iov[i].iov_len;
	}
	*total = t;
	return 0;
}

/* One segment after another (files that never block). */
static long rw_segments(struct file *f, const struct iovec *iov, unsigned long nr, bool write)
{
	long done = 0;
	for (unsigned long i = 0; i < nr; i++) {
		if (!iov[i].iov_len)
			continue;
		long r = write ? f->ops->write(f, iov[i].iov_base, iov[i].iov_len)
			       : f->ops->read(f, iov[i].iov_base, iov[i].iov_len);
		if (r < 0)
			return done ? done : r;
		done += r;
		if ((size_t)r < iov[i].iov_len)
			break;
	}
	return done;
}

/* Pipes and the tty take the whole list at once: one atomic pipe write,
 * no blocking on a later segment once an earlier one got data. */
static long rw_vector(struct file *f, const struct iovec *iov, unsigned long nr, size_t total, bool write)
{
	struct uio u;
	uio_init(&u, iov, nr, total);
	if (file_is_pipe(f))
		return write ? pipe_write_uio(f, &u) : pipe_read_uio(f, &u);
	if (file_is_tty(f))
		return write ? tty_write_uio(f, &u) : tty_read_uio(f, &u);
	return rw_segments(f, iov, nr, write);
}

static long do_rwv(int fd, const struct iovec __user *uiov, unsigned long nr, bool write)
{
	struct iovec fast[UIO_FASTIOV], *iov = fast;
	size_t total = 0;
	struct file *f = fd_get(fd);
	if (!f)
		return -EBADF;
	long r = rw_check(f, write);
	if (!r && nr > UIO_FASTIOV && nr <= UIO_MAXIOV && !(iov = kmalloc(nr * sizeof(*iov))))
		r = -ENOMEM;
	if (!r)
		r = iov_import(uiov, nr, iov, &total);
	if (!r && total)
		r = rw_vector(f, iov, nr, total, write);
	if (iov != fast)
		kfree(iov);
	file_put(f);
	return r;
}

static long sys_readv(int fd, const struct iovec __user *iov, unsigned long nr)
{
	return do_rwv(fd, iov, nr, false);
}
static long sys_writev(int fd, const struct iovec __user *iov, unsigned long nr)
{
	return do_rwv(fd, iov, nr, true);
}

/* ksys_pread64/pwrite64: negative offset, bad fd, unseekable, then vfs_*. */
static long do_prw(int fd, char __user *buf, size_t n, int64_t pos, bool write)
{
	int64_t end;
	if (pos < 0)
		return -EINVAL;
	struct file *f = fd_get(fd);
	if (!f)
		return -EBADF;
	long r = f->ops->lseek ? rw_check(f, write) : -ESPIPE;
	if (!r && !user_range_ok((uint64_t)buf, n))
		r = -EFAULT;
	n = MIN(n, MAX_RW_COUNT);
	if (!r && __builtin_add_overflow(pos, (int64_t)n, &end))
		r = -EINVAL;
	if (!r)
		r = write ? file_pwrite(f, buf, n, (uint64_t)pos) : file_pread(f, buf, n, (uint64_t)pos);
	file_put(f);
	return r;
}

static long sys_pread64(int fd, char __user *buf, size_t n, int64_t pos)
{
	return do_prw(fd, buf, n, pos, false);
}
static long sys_pwrite64(int fd, const char __user *buf, size_t n, int64_t pos)
{
	return do_prw(fd, (char __user *)buf, n, pos, true);
}

static long sys_close(int fd)
{
	return fd_close(fd);
}

static long sys_lseek(int fd, int64_t off, unsigned whence)
{
	struct file *f = fd_get(fd);
	if (!f)
		return -EBADF;
	long r = whence > SEEK_MAX ? -EINVAL : !f->ops->lseek ? -ESPIPE : f->ops->lseek(f, off, (int)whence);
	file_put(f);
	return r;
}

static long set_nonblock(struct file *f, bool on)
{
	unsigned old = READ_ONCE(f->flags), new;
	do
		new = on ? old | O_NONBLOCK : old & ~O_NONBLOCK;
	while (!__atomic_compare_exchange_n(&f->flags, &old, new, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST));
	return 0;
}

/* do_vfs_ioctl's generic commands, then the file's own. */
static long sys_ioctl(int fd, unsigned cmd, uint64_t arg)
{
	struct file *f = fd_get(fd);
	if (!f)
		return -EBADF;
	long r;
	int on;
	if (cmd == FIOCLEX || cmd == FIONCLEX)
		r = fd_cloexec_set(fd, cmd == FIOCLEX);
	else if (cmd == FIONBIO)
		r = get_user(on, (int __user *)arg) ? -EFAULT : set_nonblock(f, on != 0);
	else
		r = f->ops->ioctl ? f->ops->ioctl(f, cmd, arg) : -ENOTTY;
	file_put(f);
	return r;
}

static long sys_fstat(int fd, struct kstat __user *ust)
{
	struct kstat st = {0};
	struct file *f = fd_get(fd);
	if (!f)
		return -EBADF;
	if (f->ops->stat)
		f->ops->stat(f, &st);
	file_put(f);
	return copy_to_user(ust, &st, sizeof(st));
}

static long sys_getdents64(int fd, char __user *buf, unsigned n)
{
	struct file *f = fd_get(fd);
	if (!f)
		return -EBADF;
	long r = f->ops->getdents64 ? f->ops->getdents64(f, buf, n) : -ENOTDIR;
	file_put(f);
	return r;
}

static long sys_dup(int fd)
{
	struct file *f = fd_get(fd);
	if (!f)
		return -EBADF;
	int r = fd_install(f, 0, false);
	if (r < 0)
		file_put(f);
	return r;
}

static long sys_dup3(int oldfd, int newfd, int flags)
{
	if (flags & ~O_CLOEXEC)
		return -EINVAL;
	if (oldfd == newfd)
		return -EINVAL;
	return fd_dup_to(oldfd, newfd, flags & O_CLOEXEC);
}

static long sys_dup2(int oldfd, int newfd)
{
	if (oldfd != newfd)
		return fd_dup_to(oldfd, newfd, false);
	struct file *f = fd_get(oldfd);
	if (!f)
		return -EBADF;
	file_put(f);
	return newfd;
}

static long set_status_flags(struct file *f, unsigned arg)
{
	const unsigned mask = O_APPEND | O_NONBLOCK;
	unsigned old = READ_ONCE(f->flags), new;
	do
		new = (old & ~mask) | (arg & mask);
	while (!__atomic_compare_exchange_n(&f->flags, &old, new, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST));
	return 0;
}

static long do_fcntl(int fd, struct file *f, unsigned cmd, uint64_t arg)
{
	switch (cmd) {
	case F_DUPFD:
	case F_DUPFD_CLOEXEC: {
		if ((unsigned)arg >= NR_OPEN)
			return -EINVAL;
		file_get(f);
		int r = fd_install(f, (int)arg, cmd == F_DUPFD_CLOEXEC);
		if (r < 0)
			file_put(f);
		return r;
	}
	case F_GETFD:
		return fd_cloexec_get(fd);
	case F_SETFD:
		return fd_cloexec_set(fd, arg & FD_CLOEXEC);
	case F_GETFL:
		return READ_ONCE(f->flags);
	case F_SETFL:
		return set_status_flags(f, (unsigned)arg);
	case F_GETPIPE_SZ:
		return file_is_pipe(f) ? PIPE_SIZE : -EBADF;
	default:
		return -EINVAL;
	}
}

static long sys_fcntl(int fd, unsigned cmd, uint64_t arg)
{
	struct file *f = fd_get(fd);
	if (!f)
		return -EBADF;
	long r = do_fcntl(fd, f, cmd, arg);
	file_put(f);
	return r;
}

/* do_pipe2: flags, the pipe, two fds, then the copy out (EFAULT undoes). */
static long sys_pipe2(int __user *ufds, int flags)
{
	struct file *rd, *wr;
	if (flags & ~(O_CLOEXEC | O_NONBLOCK))
		return -EINVAL;
	int r = pipe_create((unsigned)flags, &rd, &wr);
	if (r)
		return r;
	bool cloexec = flags & O_CLOEXEC;
	int fds[2] = {fd_install(rd, 0, cloexec), -1};
	if (fds[0] < 0) {
		file_put(rd);
		file_put(wr);
		return fds[0];
	}
	if ((fds[1] = fd_install(wr, 0, cloexec)) < 0) {
		fd_close(fds[0]);
		file_put(wr);
		return fds[1];
	}
	if (copy_to_user(ufds, fds, sizeof(fds))) {
		fd_close(fds[0]);
		fd_close(fds[1]);
		return -EFAULT;
	}
	return 0;
}

static long sys_pipe(int __user *ufds)
{
	return sys_pipe2(ufds, 0);
}

SYSCALL(read, sys_read);
SYSCALL(write, sys_write);
SYSCALL(readv, sys_readv);
SYSCALL(writev, sys_writev);
SYSCALL(pread64, sys_pread64);
SYSCALL(pwrite64, sys_pwrite64);
SYSCALL(close, sys_close);
SYSCALL(lseek, sys_lseek);
SYSCALL(ioctl, sys_ioctl);
SYSCALL(fstat, sys_fstat);
SYSCALL(getdents64, sys_getdents64);
SYSCALL(dup, sys_dup);
SYSCALL(dup2, sys_dup2);
SYSCALL(dup3, sys_dup3);
SYSCALL(fcntl, sys_fcntl);
SYSCALL(pipe, sys_pipe);
SYSCALL(pipe2, sys_pipe2);
