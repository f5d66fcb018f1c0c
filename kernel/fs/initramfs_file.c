/* initramfs_file.c - open files of the initramfs: regular files (read
 * straight from the archive), directories (getdents64), and /dev/null.
 *
 * Locking: f->pos_lock (a mutex) serialises read, lseek and getdents64 on
 * f->pos; user copies run under it (they may sleep, a mutex allows it).
 * Everything else of such a file is fixed at open and the archive never
 * changes.
 *
 * A directory's position is the index of the next entry: 0 ".", 1 "..",
 * then the children in archive order (cpio_list_dir). */
#include "kernel/fs/file_internal.h"
#include "mm/mm.h"
#include "kernel/errno.h"
#include "kernel/lib/string.h"

#define SEEK_SET	0
#define SEEK_CUR	1
#define SEEK_END	2
#define SEEK_DATA	3
#define SEEK_HOLE	4
#define FIONREAD	0x541b
#define NAME_MAX	255
#define DIRENT_NAME_OFF 19 /* offsetof(struct linux_dirent64, d_name) */

/* A stable inode number: the archive's, or (0 there) a hash of the path. */
static uint64_t entry_ino(const struct cpio_entry *e, const char *npath)
{
	if (e->ino)
		return e->ino;
	uint64_t h = 14695981039346656037ull; /* FNV-1a */
	for (const char *s = npath; *s; s++)
		h = (h ^ (uint8_t)*s) * 1099511628211ull;
	return h >> 1 | 1;
}

void initramfs_entry_stat(const struct cpio_entry *e, const char *npath, struct kstat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_dev = 1;
	st->st_ino = entry_ino(e, npath);
	st->st_nlink = e->nlink ? e->nlink : S_ISDIR(e->mode) ? 2 : 1;
	st->st_mode = e->mode;
	st->st_size = S_ISDIR(e->mode) ? 0 : (int64_t)e->size;
	st->st_blksize = 4096;
	st->st_blocks = (int64_t)DIV_ROUND_UP((uint64_t)st->st_size, 4096) * 8;
	st->st_atime = st->st_mtime = st->st_ctime = e->mtime;
}

static void initramfs_fstat(struct file *f, struct kstat *st)
{
	struct cpio_entry e;
	if (initramfs_find(f->path, &e))
		e = (struct cpio_entry){.mode = f->mode, .size = f->size, .ino = (uint32_t)f->ino};
	initramfs_entry_stat(&e, f->path, st);
}

/* ---- regular files ---- */

static long reg_read_at(struct file *f, char __user *buf, size_t n, uint64_t off)
{
	if (off >= f->size)
		return 0;
	n = MIN(n, f->size - off);
	return copy_to_user(buf, f->data + off, n) ? -EFAULT : (long)n;
}

long reg_read(struct file *f, char __user *buf, size_t n)
{
	mutex_lock(&f->pos_lock);
	long r = reg_read_at(f, buf, n, f->pos);
	if (r > 0)
		f->pos += (uint64_t)r;
	mutex_unlock(&f->pos_lock);
	return r;
}

/* Linux's generic_file_llseek for a file of size bytes. */
static long seek_pos(int64_t pos, int64_t size, int64_t off, int whence, int64_t *out)
{
	switch (whence) {
	case SEEK_SET:
		*out = off;
		break;
	case SEEK_CUR:
		if (__builtin_add_overflow(pos, off, out))
			return -EINVAL;
		break;
	case SEEK_END:
		if (__builtin_add_overflow(size, off, out))
			return -EINVAL;
		break;
	case SEEK_DATA:
	case SEEK_HOLE:
		if ((uint64_t)off >= (uint64_t)size)
			return -ENXIO;
		*out = whence == SEEK_DATA ? off : size;
		break;
	default:
		return -EINVAL;
	}
	return *out < 0 ? -EINVAL : 0;
}

long reg_lseek(struct file *f, int64_t off, int whence)
{
	int64_t np;
	mutex_lock(&f->pos_lock);
	long r = seek_pos((int64_t)f->pos, (int64_t)f->size, off, whence, &np);
	if (!r)
		f->pos = (uint64_t)(r = np);
	mutex_unlock(&f->pos_lock);
	return r;
}

static long reg_ioctl(struct file *f, unsigned cmd, uint64_t arg)
{
	if (cmd != FIONREAD)
		return -ENOTTY;
	mutex_lock(&f->pos_lock);
	int n = f->pos < f->size ? (int)(f->size - f->pos) : 0;
	mutex_unlock(&f->pos_lock);
	return put_user(n, (int __user *)arg);
}

/* mmap: the archive's bytes stay put for the kernel's lifetime, so a
 * mapping may point at them directly. */
static void reg_mmap(struct file *f, struct vm_file *vf)
{
	vf->data = f->data;
	vf->size = f->size;
	vf->path = f->path;
	vf->ino = f->ino;
}

static const struct file_ops reg_ops = {
    .mmap = reg_mmap,
    .read = reg_read,
    .lseek = reg_lseek,
    .ioctl = reg_ioctl,
    .stat = initramfs_fstat,
};

/* ---- directories ---- */

static long dir_read(struct file *f, char __user *buf, size_t n)
{
	return -EISDIR;
}

/* dcache_dir_lseek: SEEK_SET and SEEK_CUR to a non-negative index. */
static long dir_lseek(struct file *f, int64_t off, int whence)
{
	mutex_lock(&f->pos_lock);
	long r = -EINVAL;
	if (whence == SEEK_CUR && __builtin_add_overflow(off, (int64_t)f->pos, &off))
		whence = -1;
	if ((whence == SEEK_SET || whence == SEEK_CUR) && off >= 0)
		f->pos = (uint64_t)(r = off);
	mutex_unlock(&f->pos_lock);
	return r;
}

static uint8_t dtype(uint32_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFDIR:
		return DT_DIR;
	case S_IFREG:
		return DT_REG;
	case S_IFLNK:
		return DT_LNK;
	case S_IFCHR:
		return DT_CHR;
	case S_IFIFO:
		return DT_FIFO;
	default:
		return DT_UNKNOWN;
	}
}

int dents_emit(struct dents *d, const char *name, size_t len, uint32_t mode, uint64_t ino)
{
	if (d->index < d->pos || len > NAME_MAX) {
		d->index++;
		return 0;
	}
	uint8_t rec[ALIGN_UP(DIRENT_NAME_OFF + NAME_MAX + 1, 8)];
	size_t reclen = ALIGN_UP(DIRENT_NAME_OFF + len + 1, 8);
	if (d->done + reclen > d->n) {
		if (!d->done)
			d->err = -EINVAL;
		return 1;
	}
	int64_t off = (int64_t)d->index + 1;
	uint16_t rl = (uint16_t)reclen;
	memset(rec, 0, reclen);
	memcpy(rec, &ino, 8);
	memcpy(rec + 8, &off, 8);
	memcpy(rec + 16, &rl, 2);
	rec[18] = dtype(mode);
	memcpy(rec + DIRENT_NAME_OFF, name, len);
	if (copy_to_user(d->ubuf + d->done, rec, reclen)) {
		d->err = -EFAULT;
		return 1;
	}
	d->done += reclen;
	d->index++;
	return 0;
}

/* The entry of dir/name (as the listing names it) for its inode number. */
static int dents_child(void *arg, const char *name, size_t len, uint32_t mode)
{
	struct dents *d = arg;
	char path[PATH_LEN];
	struct cpio_entry e = {.ino = 0};
	size_t dl = strlen(d->dir);
	if (dl + len + 2 <= sizeof(path)) {
		memcpy(path, d->dir, dl);
		path[dl] = '/';
		memcpy(path + (dl ? dl + 1 : 0), name, len);
		path[(dl ? dl + 1 : 0) + len] = '\0';
		initramfs_find(path, &e);
	} else {
		strlcpy(path, d->dir, sizeof(path));
	}
	return dents_emit(d, name, len, mode, entry_ino(&e, path));
}

static int dents_dots(struct dents *d)
{
	char parent[PATH_LEN];
	struct cpio_entry e = {.ino = 0}, pe = {.ino = 0};
	strlcpy(parent, d->dir, sizeof(parent));
	npath_pop(parent);
	initramfs_find(d->dir, &e);
	initramfs_find(parent, &pe);
	if (dents_emit(d, ".", 1, S_IFDIR, entry_ino(&e, d->dir)))
		return 1;
	return dents_emit(d, "..", 2, S_IFDIR, entry_ino(&pe, parent));
}

static long dir_getdents64(struct file *f, char __user *buf, size_t n)
{
	mutex_lock(&f->pos_lock);
	struct dents d = {.ubuf = buf, .n = n, .pos = f->pos, .dir = f->path};
	int r = dents_dots(&d);
	if (!r)
		r = cpio_list_dir(initramfs_data, initramfs_size, f->path, dents_child, &d);
	if (r < 0 && !d.err)
		d.err = r;
	if (d.done)
		f->pos = d.index;
	mutex_unlock(&f->pos_lock);
	return d.done ? (long)d.done : d.err;
}

static const struct file_ops dir_ops = {
    .read = dir_read,
    .lseek = dir_lseek,
    .getdents64 = dir_getdents64,
    .stat = initramfs_fstat,
};

struct file *initramfs_file_open(const struct lookup *lk, unsigned flags)
{
	struct file *f = file_alloc(S_ISDIR(lk->e.mode) ? &dir_ops : &reg_ops, flags);
	if (!f)
		return NULL;
	f->data = lk->e.data;
	f->size = lk->e.size;
	f->mode = lk->e.mode;
	f->ino = entry_ino(&lk->e, lk->npath);
	strlcpy(f->path, lk->npath, sizeof(f->path));
	return f;
}

bool file_is_dir(const struct file *f)
{
	return f->ops == &dir_ops || S_ISDIR(f->mode); /* initramfs and /proc directories */
}
bool file_is_regular(const struct file *f)
{
	return f->ops == &reg_ops;
}

/* ---- /dev/null ---- */

static long null_read(struct file *f, char __user *buf, size_t n)
{
	return 0;
}
static long null_write(struct file *f, const char __user *buf, size_t n)
{
	return (long)n;
}
static long null_lseek(struct file *f, int64_t off, int whence)
{
	return 0;
}
static void null_stat(struct file *f, struct kstat *st)
{
	initramfs_dev_stat(DEV_NULL, st);
}

static const struct file_ops null_ops = {
    .read = null_read,
    .write = null_write,
    .lseek = null_lseek,
    .stat = null_stat,
};

void initramfs_dev_stat(int dev, struct kstat *st)
{
	if (dev == DEV_CONSOLE) {
		tty_fill_stat(st);
		return;
	}
	memset(st, 0, sizeof(*st));
	st->st_dev = 5;
	st->st_ino = 4;
	st->st_nlink = 1;
	st->st_mode = S_IFCHR | 0666;
	st->st_rdev = 1 << 8 | 3; /* makedev(1, 3) */
	st->st_blksize = 4096;
}

struct file *initramfs_dev_open(int dev, unsigned flags)
{
	return dev == DEV_CONSOLE ? tty_open_file(flags) : file_alloc(&null_ops, flags);
}

/* pread/pwrite after the syscall's checks (readable/writable, seekable). */
long file_pread(struct file *f, char __user *buf, size_t n, uint64_t off)
{
	if (f->ops->read == reg_read) /* initramfs files, /proc files: bytes at f->data */
		return reg_read_at(f, buf, n, off);
	if (f->ops == &null_ops)
		return 0;
	return f->ops == &dir_ops ? -EISDIR : -ESPIPE;
}

long file_pwrite(struct file *f, const char __user *buf, size_t n, uint64_t off)
{
	return f->ops == &null_ops ? (long)n : -ESPIPE;
}
