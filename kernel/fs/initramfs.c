/* initramfs.c - the read-only root file system: a newc cpio archive (a
 * boot module, in the direct map) looked up in place through cpio.h.
 *
 * Path lookup (walk) goes component by component like Linux's namei: "."
 * and ".." move within the path walked so far, a component that is a
 * regular file with more path after it (or a trailing '/') gives
 * -ENOTDIR, a symbolic link is followed (its target replaces it; at most
 * MAX_SYMLINKS, then -ELOOP) except as the last component of an lstat or
 * O_NOFOLLOW lookup.  Paths are limited to PATH_LEN (256) bytes.
 * "/dev/null", "/dev/console" and "/dev/tty" exist even though they are
 * not in the archive.  Open files of the archive are in initramfs_file.c.
 *
 * Locking: none needed.  The archive never changes after initramfs_init()
 * (boot, before any process); a process's cwd is read under its p->lock. */
#include "kernel/fs/file_internal.h"
#include "kernel/lib/cpio.h"
#include "kernel/errno.h"
#include "kernel/printk.h"
#include "kernel/proc.h"
#include "kernel/lib/string.h"

#define MAX_SYMLINKS 40 /* Linux's MAXSYMLINKS */
#define R_OK	     4
#define W_OK	     2
#define X_OK	     1

const void *initramfs_data;
size_t initramfs_size;

void initramfs_init(const void *archive, size_t size)
{
	struct cpio_entry e;
	size_t pos = 0, n = 0;
	int r;
	initramfs_data = archive;
	initramfs_size = size;
	while ((r = cpio_next(archive, size, &pos, &e)) == 1)
		n++;
	if (r < 0)
		pr_err("initramfs: malformed archive after %zu entries\n", n);
	pr_info("initramfs: %zu files, %zu KiB\n", n, DIV_ROUND_UP(size, 1024));
}

void initramfs_archive(const void **archive, size_t *size)
{
	*archive = initramfs_data;
	*size = initramfs_size;
}

int initramfs_find(const char *npath, struct cpio_entry *e)
{
	if (!initramfs_data)
		return -ENOENT;
	return cpio_find(initramfs_data, initramfs_size, npath, e);
}

void current_cwd(char *buf, size_t n)
{
	struct process *p = current->proc;
	if (!p) { /* a kernel thread (starting init): the root */
		strlcpy(buf, "", n);
		return;
	}
	unsigned long fl = spin_lock_irqsave(&p->lock);
	strlcpy(buf, p->cwd[0] == '/' ? p->cwd + 1 : p->cwd, n);
	spin_unlock_irqrestore(&p->lock, fl);
}

/* ---- lexical paths ---- */

/* base + "/" + path (path alone if absolute), normalised into out. */
static int join_normalize(const char *base, const char *path, char *out, size_t outsz)
{
	char tmp[2 * PATH_LEN + 2];
	if (path[0] == '/')
		return cpio_path_normalize(path, out, outsz);
	size_t bl = strlen(base), pl = strlen(path);
	if (bl + pl + 2 > sizeof(tmp))
		return -ENAMETOOLONG;
	memcpy(tmp, base, bl);
	tmp[bl] = '/';
	memcpy(tmp + bl + 1, path, pl + 1);
	return cpio_path_normalize(tmp, out, outsz);
}

int path_resolve(const char *cwd, const char *path, char *out, size_t outsz)
{
	if (outsz < 2)
		return -ENAMETOOLONG;
	int r = join_normalize(cwd, path, out + 1, outsz - 1);
	if (r < 0)
		return r;
	out[0] = '/';
	return r + 1;
}

void npath_pop(char *p)
{
	size_t n = strlen(p);
	while (n && p[n - 1] != '/')
		n--;
	p[n ? n - 1 : 0] = '\0';
}

static int npath_push(char *p, const char *comp, size_t len)
{
	size_t n = strlen(p);
	if (n + (n != 0) + len + 1 > PATH_LEN)
		return -ENAMETOOLONG;
	if (n)
		p[n++] = '/';
	memcpy(p + n, comp, len);
	p[n + len] = '\0';
	return 0;
}

/* ---- the walk ---- */

/* rest = a symlink's target followed by the unwalked tail ("" or "/..."). */
static int splice_link(char *rest, const struct cpio_entry *e, const char *tail)
{
	char tmp[PATH_LEN];
	size_t tl = strlen(tail);
	if (!e->size)
		return -ENOENT;
	if (e->size + tl + 1 > sizeof(tmp))
		return -ENAMETOOLONG;
	memcpy(tmp, e->data, e->size);
	memcpy(tmp + e->size, tail, tl + 1);
	memcpy(rest, tmp, e->size + tl + 1);
	return 0;
}

static bool only_slashes(const char *s)
{
	while (*s == '/')
		s++;
	return !*s;
}

int initramfs_walk(const char *base, const char *path, bool follow, struct lookup *lk)
{
	char rest[PATH_LEN], *cur = lk->npath;
	int links = 0;
	lk->last_missing = false;
	if (strlcpy(rest, path, sizeof(rest)) >= sizeof(rest) ||
	    strlcpy(cur, rest[0] == '/' ? "" : base, PATH_LEN) >= PATH_LEN)
		return -ENAMETOOLONG;
	const char *p = rest;
	for (;;) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		const char *end = p;
		while (*end && *end != '/')
			end++;
		size_t len = (size_t)(end - p), saved = strlen(cur);
		bool more = *end == '/'; /* more components or a trailing '/': must be a directory */
		if (len == 1 && p[0] == '.') {
			p = end;
			continue;
		}
		if (len == 2 && p[0] == '.' && p[1] == '.') {
			npath_pop(cur);
			p = end;
			continue;
		}
		int r = npath_push(cur, p, len);
		if (!r)
			r = initramfs_find(cur, &lk->e);
		if (r) {
			lk->last_missing = r == -ENOENT && only_slashes(end);
			return r;
		}
		if (S_ISLNK(lk->e.mode) && (more || follow)) {
			if (++links > MAX_SYMLINKS)
				return -ELOOP;
			cur[saved] = '\0';
			if ((r = splice_link(rest, &lk->e, end)))
				return r;
			if (rest[0] == '/')
				cur[0] = '\0';
			p = rest;
			continue;
		}
		if (more && !S_ISDIR(lk->e.mode))
			return -ENOTDIR;
		p = end;
	}
	return initramfs_find(cur, &lk->e);
}

/* ---- devices ---- */

int initramfs_dev(const char *base, const char *path)
{
	char n[PATH_LEN];
	if (join_normalize(base, path, n, sizeof(n)) < 0)
		return DEV_NONE;
	if (!strcmp(n, "dev/null"))
		return DEV_NULL;
	if (!strcmp(n, "dev/console") || !strcmp(n, "dev/tty"))
		return DEV_CONSOLE;
	return DEV_NONE;
}

/* ---- the operations on paths ---- */

int initramfs_exec_lookup(const char *path, const uint8_t **data, size_t *size)
{
	char cwd[PATH_LEN];
	struct lookup lk;
	if (!path[0])
		return -ENOENT;
	current_cwd(cwd, sizeof(cwd));
	int r = initramfs_walk(cwd, path, true, &lk);
	if (r)
		return r;
	if (!S_ISREG(lk.e.mode) || !(lk.e.mode & 0111))
		return -EACCES;
	*data = lk.e.data;
	*size = lk.e.size;
	return 0;
}

int initramfs_dir_check(const char *abs_path)
{
	struct lookup lk;
	int r = initramfs_walk("", abs_path, true, &lk);
	if (r)
		return r;
	return S_ISDIR(lk.e.mode) ? 0 : -ENOTDIR;
}

int initramfs_chdir_path(const char *base, const char *path, char *out, size_t outsz)
{
	struct lookup lk;
	int r = initramfs_walk(base, path, true, &lk);
	if (r)
		return r;
	if (!S_ISDIR(lk.e.mode))
		return -ENOTDIR;
	if (strlen(lk.npath) + 2 > outsz)
		return -ENAMETOOLONG;
	out[0] = '/';
	strlcpy(out + 1, lk.npath, outsz - 1);
	return 0;
}

/* Is the path under /proc?  Then its normalised form is in n. */
static bool in_proc(const char *base, const char *path, char *n, size_t nsz)
{
	return join_normalize(base, path, n, nsz) >= 0 && procfs_path(n);
}

int initramfs_stat(const char *base, const char *path, bool follow, struct kstat *st)
{
	char n[PATH_LEN];
	if (in_proc(base, path, n, sizeof(n)))
		return procfs_stat(n, st);
	int dev = initramfs_dev(base, path);
	if (dev) {
		initramfs_dev_stat(dev, st);
		return 0;
	}
	struct lookup lk;
	int r = initramfs_walk(base, path, follow, &lk);
	if (!r)
		initramfs_entry_stat(&lk.e, lk.npath, st);
	return r;
}

int initramfs_access(const char *base, const char *path, int mode, bool follow)
{
	char n[PATH_LEN];
	struct kstat st;
	if (in_proc(base, path, n, sizeof(n))) {
		/* root, as Linux's DAC override: read and write pass the
		 * permission check (opening a read-only file for writing
		 * still fails, as on Linux); execute needs a directory */
		int r = procfs_stat(n, &st);
		return r ? r : (mode & X_OK) && !S_ISDIR(st.st_mode) ? -EACCES : 0;
	}
	if (initramfs_dev(base, path))
		return 0; /* root may read and write the devices */
	struct lookup lk;
	int r = initramfs_walk(base, path, follow, &lk);
	if (r)
		return r;
	uint32_t type = lk.e.mode & S_IFMT;
	if ((mode & W_OK) && (type == S_IFREG || type == S_IFDIR || type == S_IFLNK))
		return -EROFS;
	/* root: reading is always allowed, executing needs a directory or an x bit */
	if ((mode & X_OK) && type != S_IFDIR && !(lk.e.mode & 0111))
		return -EACCES;
	return 0;
}

/* The checks of Linux's do_open / may_open, in its order. */
static int open_check(const struct lookup *lk, unsigned flags)
{
	uint32_t mode = lk->e.mode;
	bool wr = (flags & O_ACCMODE) != O_RDONLY;
	if ((flags & O_CREAT) && (flags & O_EXCL))
		return -EEXIST;
	if (S_ISLNK(mode))
		return -ELOOP; /* O_NOFOLLOW */
	if ((flags & O_CREAT) && S_ISDIR(mode))
		return -EISDIR;
	if ((flags & O_DIRECTORY) && !S_ISDIR(mode))
		return -ENOTDIR;
	if (S_ISREG(mode) && (flags & O_TRUNC))
		return -EROFS;
	if (S_ISDIR(mode) && wr)
		return -EISDIR;
	if (wr)
		return -EROFS;
	if (!S_ISREG(mode) && !S_ISDIR(mode))
		return -ENXIO; /* device nodes and fifos of the archive: no driver */
	return 0;
}

int initramfs_open(const char *base, const char *path, unsigned flags, struct file **out)
{
	unsigned keep = flags & ~(O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_CLOEXEC);
	char n[PATH_LEN];
	if (in_proc(base, path, n, sizeof(n)))
		return procfs_open(n, flags, out);
	int dev = initramfs_dev(base, path);
	if (dev) {
		if ((flags & O_CREAT) && (flags & O_EXCL))
			return -EEXIST;
		if (flags & O_DIRECTORY)
			return -ENOTDIR;
		*out = initramfs_dev_open(dev, keep);
		return *out ? 0 : -ENOMEM;
	}
	struct lookup lk;
	bool follow = !(flags & O_NOFOLLOW) && (flags & (O_CREAT | O_EXCL)) != (O_CREAT | O_EXCL);
	int r = initramfs_walk(base, path, follow, &lk);
	if (r == -ENOENT && lk.last_missing && (flags & O_CREAT))
		return -EROFS;
	if (!r)
		r = open_check(&lk, flags);
	if (r)
		return r;
	*out = initramfs_file_open(&lk, keep);
	return *out ? 0 : -ENOMEM;
}
