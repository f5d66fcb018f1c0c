/* file_internal.h - what the files layer shares between its own files
 * (file.c, tty.c, pipe.c, initramfs.c, sys_file.c, sys_path.c, poll.c and
 * file_test.c).  The rest of the kernel uses kernel/fs/file.h only.
 *
 * - struct uio: a user buffer list (read/readv) walked by pipes and the tty,
 *   so a readv/writev is one operation there (PIPE_BUF atomicity, no
 *   blocking on a second segment once the first got data).
 * - fd-table helpers behind the syscalls (file.c).
 * - the pure, unit-tested cores: the tty line discipline and the pipe ring.
 * - file_poll_wq: every event a poll() may wait for wakes it. */
#pragma once
#include "kernel/compiler.h"
#include "kernel/panic.h" /* spinlock.h's assert_held needs panic() */
#include "kernel/fs/file.h"
#include "kernel/lib/cpio.h"

#define PATH_LEN     256	  /* faultline's path limit incl. NUL (Linux's PATH_MAX is 4096) */
#define MAX_RW_COUNT 0x7ffff000ul /* Linux: INT_MAX & PAGE_MASK, the most one read/write moves */
#define UIO_MAXIOV   1024
#define PIPE_BUF     4096  /* writes up to this size are atomic */
#define PIPE_SIZE    65536 /* a pipe's capacity (Linux's default) */

#define S_IFCHR	   0020000
#define S_IFIFO	   0010000
#define S_ISREG(m) (((m)&S_IFMT) == S_IFREG)
#define S_ISLNK(m) (((m)&S_IFMT) == S_IFLNK)

#define DT_UNKNOWN 0
#define DT_FIFO	   1
#define DT_CHR	   2
#define DT_DIR	   4
#define DT_REG	   8
#define DT_LNK	   10

#define POLLIN	   0x001
#define POLLPRI	   0x002
#define POLLOUT	   0x004
#define POLLERR	   0x008
#define POLLHUP	   0x010
#define POLLNVAL   0x020
#define POLLRDNORM 0x040
#define POLLWRNORM 0x100

/* open(2)'s access mode as Linux's f_mode: O_RDONLY reads, O_WRONLY
 * writes, O_RDWR both, 3 neither. */
static inline bool file_readable(const struct file *f)
{
	return (f->flags + 1) & 1;
}
static inline bool file_writable(const struct file *f)
{
	return (f->flags + 1) & 2;
}

/* ---- user buffer lists (file.c) ---- */
struct iovec {
	void __user *iov_base;
	size_t iov_len;
};
struct uio {
	const struct iovec *iov; /* kernel copy; iov[0] is the current segment */
	unsigned long nr;	 /* segments left, from iov */
	size_t off;		 /* bytes of iov[0] already done */
	size_t resid;		 /* bytes left in all */
};
void uio_init(struct uio *u, const struct iovec *iov, unsigned long nr, size_t total);
/* A plain read/write of one buffer through a uio-based operation. */
long uio_single(long (*op)(struct file *, struct uio *), struct file *f, const void __user *buf, size_t n);
/* Move n <= resid bytes to / from the user buffers and advance: 0 or
 * -EFAULT (the position is then undefined: stop using the uio). */
int uio_copy_out(struct uio *u, const void *src, size_t n);
int uio_copy_in(struct uio *u, void *dst, size_t n);

/* ---- the current process's fd table (file.c) ---- */
int fd_install(struct file *f, int minfd, bool cloexec); /* takes the caller's ref; fd or -EMFILE */
int fd_close(int fd);					 /* 0 or -EBADF */
int fd_dup_to(int oldfd, int newfd, bool cloexec);	 /* dup2/dup3 core: newfd or -EBADF */
int fd_cloexec_get(int fd);				 /* 0/1 or -EBADF */
int fd_cloexec_set(int fd, bool on);			 /* 0 or -EBADF */
extern struct wait_queue file_poll_wq;

/* ---- the tty (tty.c) ---- */
#define TTY_BUF_SIZE 1024 /* a power of two */
#define TTY_EOF_CHAR 0x04 /* ^D; in the buffer it ends a line and is never read */
/* Canonical-mode input: buf[read_tail, canon_head) holds completed lines
 * (each ended by '\n' or ^D), buf[canon_head, edit_head) the line being
 * edited.  Indices run freely; their difference is at most TTY_BUF_SIZE. */
struct tty_ldisc {
	char buf[TTY_BUF_SIZE];
	uint32_t read_tail, canon_head, edit_head;
};
typedef void (*tty_echo_fn)(void *arg, const char *s, size_t n);
/* One received character: edit, echo through echo(arg, ...), complete
 * lines.  True when a line (or an EOF) became readable. */
bool tty_process_char(struct tty_ldisc *ld, char c, tty_echo_fn echo, void *arg);
/* The first readable line at read_tail (canon_head != read_tail): how many
 * bytes a read delivers (its '\n' included, a ^D not), and whether a ^D
 * follows them. */
size_t tty_ldisc_line(const struct tty_ldisc *ld, uint32_t head, bool *eof);
struct file *tty_open_file(unsigned flags); /* a new open file of the console */
bool file_is_tty(const struct file *f);
long tty_read_uio(struct file *f, struct uio *u);
long tty_write_uio(struct file *f, struct uio *u);
unsigned tty_poll(struct file *f);
void tty_fill_stat(struct kstat *st);

/* ---- pipes (pipe.c) ---- */
/* A byte ring of size (a power of two) bytes; head and tail run freely. */
struct pipe_ring {
	char *buf;
	uint32_t size, head, tail;
};
static inline uint32_t pipe_ring_used(const struct pipe_ring *r)
{
	return r->head - r->tail;
}
static inline uint32_t pipe_ring_free(const struct pipe_ring *r)
{
	return r->size - pipe_ring_used(r);
}
/* Fill n <= free bytes at head with copy(arg, dst, len) (once or twice,
 * around the wrap); head advances only if every copy succeeded. */
int pipe_ring_put(struct pipe_ring *r, size_t n, int (*copy)(void *arg, void *dst, size_t len), void *arg);
/* Drain n <= used bytes at tail through copy(arg, src, len); ditto. */
int pipe_ring_get(struct pipe_ring *r, size_t n, int (*copy)(void *arg, const void *src, size_t len), void *arg);
int pipe_create(unsigned flags, struct file **rd, struct file **wr); /* 0 or -ENOMEM */
bool file_is_pipe(const struct file *f);
long pipe_read_uio(struct file *f, struct uio *u);
long pipe_write_uio(struct file *f, struct uio *u);
unsigned pipe_poll(struct file *f);

/* ---- the initramfs (initramfs.c) ----
 * base: a normalised archive directory ("" = root, no leading '/') that
 * relative paths start from; path: as the user gave it, non-empty. */
int initramfs_open(const char *base, const char *path, unsigned flags, struct file **out);
int initramfs_stat(const char *base, const char *path, bool follow, struct kstat *st);
int initramfs_access(const char *base, const char *path, int mode, bool follow);
/* chdir: the new cwd ("/..." form) or -ENOENT, -ENOTDIR, -ELOOP, -ENAMETOOLONG. */
int initramfs_chdir_path(const char *base, const char *path, char *out, size_t outsz);
bool file_is_dir(const struct file *f);	    /* an initramfs directory: f->path is its name */
bool file_is_regular(const struct file *f); /* an initramfs regular file */
long file_pread(struct file *f, char __user *buf, size_t n, uint64_t off);
long file_pwrite(struct file *f, const char __user *buf, size_t n, uint64_t off);
void current_cwd(char *buf, size_t n);			    /* the archive form ("" = root) of current's cwd */
void initramfs_archive(const void **archive, size_t *size); /* for tests: the archive in use */

/* Inside the initramfs code (initramfs.c: lookup; initramfs_file.c: files). */
extern const void *initramfs_data;
extern size_t initramfs_size;
struct lookup {
	char npath[PATH_LEN]; /* the normalised archive path reached */
	struct cpio_entry e;  /* its entry */
	bool last_missing;    /* -ENOENT for the last component only (O_CREAT: -EROFS) */
};
int initramfs_find(const char *npath, struct cpio_entry *e);
/* Walk path from base; follow: a symlink as the last component too. */
int initramfs_walk(const char *base, const char *path, bool follow, struct lookup *lk);
void npath_pop(char *npath); /* drop the last component ("" stays "") */
enum { DEV_NONE, DEV_NULL, DEV_CONSOLE };
int initramfs_dev(const char *base, const char *path); /* which device path names, or DEV_NONE */
/* read and lseek of a file whose bytes are f->data[0, f->size) (initramfs
 * regular files, /proc files) */
long reg_read(struct file *f, char __user *buf, size_t n);
long reg_lseek(struct file *f, int64_t off, int whence);
/* A getdents64 listing in progress (initramfs_file.c). */
struct dents {
	char __user *ubuf;
	size_t n, done;	     /* buffer size, bytes written */
	uint64_t index, pos; /* entries passed, first to write */
	const char *dir;
	int err;
};
/* Write one linux_dirent64; 1 stops the listing (buffer full, fault). */
int dents_emit(struct dents *d, const char *name, size_t len, uint32_t mode, uint64_t ino);

/* /proc (procfs.c), for normalised archive-form paths ("proc/self/maps"). */
bool procfs_path(const char *npath); /* is it under /proc? */
int procfs_open(const char *npath, unsigned flags, struct file **out);
int procfs_stat(const char *npath, struct kstat *st);
void initramfs_dev_stat(int dev, struct kstat *st);
struct file *initramfs_dev_open(int dev, unsigned flags);
void initramfs_entry_stat(const struct cpio_entry *e, const char *npath, struct kstat *st);
struct file *initramfs_file_open(const struct lookup *lk, unsigned flags); /* NULL: no memory */
