/* cpio.h - read-only access to a newc ("070701") cpio archive in memory,
 * the initramfs format: iterate entries, normalise paths, look a path up,
 * list a directory.  Portable (no allocation, no static state); the archive
 * is untrusted and every function bounds-checks it (kernel/lib/cpio.c). */
#pragma once
#include "kernel/types.h"

/* st_mode file types (Linux values); guarded so a libc header may come first. */
#ifndef S_IFMT
#define S_IFMT	0170000
#define S_IFDIR 0040000
#define S_IFREG 0100000
#define S_IFLNK 0120000
#endif
#ifndef S_ISDIR
#define S_ISDIR(m) (((m)&S_IFMT) == S_IFDIR)
#endif

struct cpio_entry {
	const char *name; /* as stored, NUL-terminated inside the archive; NULL for an implicit directory */
	size_t namelen;	  /* without the NUL; 0 for an implicit directory */
	const void *data; /* NULL for an implicit directory */
	size_t size;
	uint32_t mode; /* st_mode: S_IFREG, S_IFDIR, S_IFLNK ... | permissions */
	uint32_t ino, nlink, mtime;
};

/* Iterate: *pos starts at 0.  Returns 1 and fills *e for each entry, 0 at
 * "TRAILER!!!" or at a clean end of the buffer (including trailing zero
 * padding), -EINVAL on a malformed entry (bad magic, non-hex digit, name
 * without its NUL or with an embedded one, sizes past the end). */
int cpio_next(const void *archive, size_t len, size_t *pos, struct cpio_entry *e);

/* Normalise a path for lookup: collapse "//" and "/./", resolve ".."
 * lexically (never above the root), strip leading "/" and "./" and any
 * trailing "/".  Writes at most outsz bytes including the NUL; returns the
 * length or -ENAMETOOLONG.  "" and "/" normalise to "" (the root). */
int cpio_path_normalize(const char *path, char *out, size_t outsz);

/* Find the first entry whose normalised name equals npath: 0 and *e filled,
 * -ENOENT, or -EINVAL if the archive is malformed before the entry is found.
 * A directory may be implicit (only "npath/..." entries exist): then 0 with
 * e->name NULL, namelen 0, data NULL, size 0, mode S_IFDIR|0755.  The root ""
 * is always a directory. */
int cpio_find(const void *archive, size_t len, const char *npath, struct cpio_entry *e);

/* Call fn(arg, name, namelen, mode) once per direct child of directory npath,
 * in archive order of first appearance (children may be implicit directories:
 * "bin/sh" makes "bin" a child of "").  name points into the archive and is
 * NOT NUL-terminated.  The mode is that of the first explicit entry for the
 * child, else S_IFDIR|0755.  Stops at the first non-zero return of fn and
 * returns it; else 0, or -EINVAL, -ENOENT, -ENOTDIR.  O(n^2), no allocation. */
int cpio_list_dir(const void *archive, size_t len, const char *npath,
		  int (*fn)(void *arg, const char *name, size_t namelen, uint32_t mode), void *arg);
