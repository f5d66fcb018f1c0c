/* sys_path.c - the system calls that take a path: open, openat, stat,
 * lstat, newfstatat, access, faccessat, faccessat2, getcwd, chdir.
 *
 * Paths are copied with strncpy_from_user_checked into PATH_LEN (256)
 * bytes: longer ones fail with -ENAMETOOLONG (Linux allows 4096; the
 * initramfs has no longer names).  "" is -ENOENT unless AT_EMPTY_PATH.
 * A relative path starts at the cwd (AT_FDCWD) or at a directory fd; an
 * absolute one ignores the dirfd.  Argument checks follow Linux's order:
 * flags, then the path copy, then the dirfd and the lookup, then the copy
 * of a result to user space.
 *
 * Locking: current->proc->cwd is read and written under p->lock. */
#include "kernel/fs/file_internal.h"
#include "kernel/errno.h"
#include "kernel/proc.h"
#include "kernel/lib/string.h"
#include "kernel/syscall.h"

#define __O_TMPFILE	   020000000
#define O_TMPFILE	   (__O_TMPFILE | O_DIRECTORY)
#define AT_NO_AUTOMOUNT	   0x800
#define AT_STATX_SYNC_TYPE 0x6000
#define AT_EACCESS	   0x200

static int get_path(char *buf, const char __user *upath, bool empty_ok)
{
	long r = strncpy_from_user_checked(buf, upath, PATH_LEN);
	if (r < 0)
		return (int)r;
	return !r && !empty_ok ? -ENOENT : 0;
}

/* The directory a relative path starts from, in archive form. */
static int at_base(int dirfd, const char *path, char *base)
{
	base[0] = '\0';
	if (path[0] == '/')
		return 0;
	if (dirfd == AT_FDCWD) {
		current_cwd(base, PATH_LEN);
		return 0;
	}
	struct file *f = fd_get(dirfd);
	if (!f)
		return -EBADF;
	int r = file_is_dir(f) ? 0 : -ENOTDIR;
	if (!r)
		strlcpy(base, f->path, PATH_LEN);
	file_put(f);
	return r;
}

/* O_TMPFILE: the directory must exist; the file system is read-only. */
static int open_tmpfile(const char *base, const char *path)
{
	char dir[PATH_LEN];
	int r = initramfs_chdir_path(base, path, dir, sizeof(dir));
	return r ? r : -EROFS;
}

static long do_openat(int dirfd, const char __user *upath, unsigned flags)
{
	char path[PATH_LEN], base[PATH_LEN];
	struct file *f;
	flags |= O_LARGEFILE; /* force_o_largefile() on 64-bit */
	if ((flags & __O_TMPFILE) && ((flags & (O_TMPFILE | O_CREAT)) != O_TMPFILE || (flags & O_ACCMODE) == O_RDONLY))
		return -EINVAL;
	if (!(flags & __O_TMPFILE) && (flags & (O_DIRECTORY | O_CREAT)) == (O_DIRECTORY | O_CREAT))
		return -EINVAL;
	int r = get_path(path, upath, false);
	if (!r)
		r = at_base(dirfd, path, base);
	if (r)
		return r;
	if (flags & __O_TMPFILE)
		return open_tmpfile(base, path);
	if ((r = initramfs_open(base, path, flags, &f)))
		return r;
	r = fd_install(f, 0, flags & O_CLOEXEC);
	if (r < 0)
		file_put(f);
	return r;
}

static long sys_open(const char __user *path, int flags, unsigned mode)
{
	return do_openat(AT_FDCWD, path, (unsigned)flags);
}
static long sys_openat(int dirfd, const char __user *path, int flags, unsigned mode)
{
	return do_openat(dirfd, path, (unsigned)flags);
}

/* stat of an open file, or of the cwd for AT_FDCWD. */
static int stat_fd(int fd, struct kstat *st)
{
	char cwd[PATH_LEN];
	if (fd == AT_FDCWD) {
		current_cwd(cwd, sizeof(cwd));
		return initramfs_stat(cwd, ".", true, st);
	}
	struct file *f = fd_get(fd);
	if (!f)
		return -EBADF;
	memset(st, 0, sizeof(*st));
	if (f->ops->stat)
		f->ops->stat(f, st);
	file_put(f);
	return 0;
}

static long do_fstatat(int dirfd, const char __user *upath, struct kstat __user *ust, unsigned flags)
{
	char path[PATH_LEN], base[PATH_LEN];
	struct kstat st;
	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_EMPTY_PATH | AT_STATX_SYNC_TYPE))
		return -EINVAL;
	int r = get_path(path, upath, flags & AT_EMPTY_PATH);
	if (!r && !path[0])
		r = stat_fd(dirfd, &st);
	else if (!r && !(r = at_base(dirfd, path, base)))
		r = initramfs_stat(base, path, !(flags & AT_SYMLINK_NOFOLLOW), &st);
	if (!r && copy_to_user(ust, &st, sizeof(st)))
		r = -EFAULT;
	return r;
}

static long sys_stat(const char __user *path, struct kstat __user *st)
{
	return do_fstatat(AT_FDCWD, path, st, 0);
}
static long sys_lstat(const char __user *path, struct kstat __user *st)
{
	return do_fstatat(AT_FDCWD, path, st, AT_SYMLINK_NOFOLLOW);
}
static long sys_newfstatat(int dirfd, const char __user *path, struct kstat __user *st, int flags)
{
	return do_fstatat(dirfd, path, st, (unsigned)flags);
}

/* access() of an open file (AT_EMPTY_PATH): devices and pipes allow all. */
static int access_fd(int fd, int mode)
{
	char cwd[PATH_LEN];
	if (fd == AT_FDCWD) {
		current_cwd(cwd, sizeof(cwd));
		return initramfs_access(cwd, ".", mode, true);
	}
	struct file *f = fd_get(fd);
	if (!f)
		return -EBADF;
	int r = 0;
	if (file_is_dir(f) || file_is_regular(f))
		r = initramfs_access("", f->path[0] ? f->path : ".", mode, false);
	file_put(f);
	return r;
}

static long do_faccessat(int dirfd, const char __user *upath, int mode, int flags)
{
	char path[PATH_LEN], base[PATH_LEN];
	if (mode & ~7)
		return -EINVAL;
	if (flags & ~(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	int r = get_path(path, upath, flags & AT_EMPTY_PATH);
	if (r)
		return r;
	if (!path[0])
		return access_fd(dirfd, mode);
	if ((r = at_base(dirfd, path, base)))
		return r;
	return initramfs_access(base, path, mode, !(flags & AT_SYMLINK_NOFOLLOW));
}

static long sys_access(const char __user *path, int mode)
{
	return do_faccessat(AT_FDCWD, path, mode, 0);
}
static long sys_faccessat(int dirfd, const char __user *path, int mode)
{
	return do_faccessat(dirfd, path, mode, 0);
}
static long sys_faccessat2(int dirfd, const char __user *path, int mode, int flags)
{
	return do_faccessat(dirfd, path, mode, flags);
}

/* Linux's getcwd: the length including the NUL, -ERANGE if it does not fit. */
static long sys_getcwd(char __user *buf, unsigned long size)
{
	char cwd[PATH_LEN];
	struct process *p = current->proc;
	unsigned long fl = spin_lock_irqsave(&p->lock);
	strlcpy(cwd, p->cwd, sizeof(cwd));
	spin_unlock_irqrestore(&p->lock, fl);
	size_t len = strlen(cwd) + 1;
	if (len > size)
		return -ERANGE;
	return copy_to_user(buf, cwd, len) ? -EFAULT : (long)len;
}

static long sys_chdir(const char __user *upath)
{
	char path[PATH_LEN], base[PATH_LEN], cwd[PATH_LEN];
	int r = get_path(path, upath, false);
	if (r)
		return r;
	current_cwd(base, sizeof(base));
	if ((r = initramfs_chdir_path(base, path, cwd, sizeof(cwd))))
		return r;
	struct process *p = current->proc;
	unsigned long fl = spin_lock_irqsave(&p->lock);
	strlcpy(p->cwd, cwd, sizeof(p->cwd));
	spin_unlock_irqrestore(&p->lock, fl);
	return 0;
}

SYSCALL(open, sys_open);
SYSCALL(openat, sys_openat);
SYSCALL(stat, sys_stat);
SYSCALL(lstat, sys_lstat);
SYSCALL(newfstatat, sys_newfstatat);
SYSCALL(access, sys_access);
SYSCALL(faccessat, sys_faccessat);
SYSCALL(faccessat2, sys_faccessat2);
SYSCALL(getcwd, sys_getcwd);
SYSCALL(chdir, sys_chdir);
