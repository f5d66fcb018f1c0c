/* file.h - open files and file tables.
 *
 * A struct file is one open file description (Linux's struct file): its
 * operations, flags, offset and a reference count; file descriptors in a
 * struct files (a process's table) point at them.  Kinds: the serial
 * console (tty.c), initramfs files and directories (initramfs.c), pipes
 * (pipe.c).  Read and write operations take *user* buffers and copy with
 * copy_to_user/copy_from_user themselves, holding no spinlock while they
 * copy (a copy may fault and sleep). */
#pragma once
#include "kernel/spinlock.h"
#include "kernel/types.h"
#include "kernel/uaccess.h"
#include "kernel/wait.h"

/* open(2) flags, Linux's values. */
#define O_ACCMODE 03
#define O_RDONLY 00
#define O_WRONLY 01
#define O_RDWR 02
#define O_CREAT 0100
#define O_EXCL 0200
#define O_NOCTTY 0400
#define O_TRUNC 01000
#define O_APPEND 02000
#define O_NONBLOCK 04000
#define O_DIRECTORY 0200000
#define O_NOFOLLOW 0400000
#define O_CLOEXEC 02000000
#define O_LARGEFILE 0100000
#define O_PATH 010000000

#define AT_FDCWD -100
#define AT_EMPTY_PATH 0x1000
#define AT_SYMLINK_NOFOLLOW 0x100

/* Linux x86_64 struct stat (newfstatat/fstat). */
struct kstat {
	uint64_t st_dev, st_ino, st_nlink;
	uint32_t st_mode, st_uid, st_gid, __pad0;
	uint64_t st_rdev;
	int64_t st_size, st_blksize, st_blocks;
	uint64_t st_atime, st_atime_nsec, st_mtime, st_mtime_nsec, st_ctime, st_ctime_nsec;
	int64_t __reserved[3];
};

struct file;
struct vm_file;
struct file_ops {
	long (*read)(struct file *f, char __user *buf, size_t n);
	long (*write)(struct file *f, const char __user *buf, size_t n);
	long (*lseek)(struct file *f, int64_t off, int whence); /* NULL: -ESPIPE */
	long (*ioctl)(struct file *f, unsigned cmd, uint64_t arg); /* NULL: -ENOTTY */
	long (*getdents64)(struct file *f, char __user *buf, size_t n); /* NULL: -ENOTDIR */
	void (*stat)(struct file *f, struct kstat *st);
	void (*release)(struct file *f); /* last reference dropped */
	/* mmap: describe the bytes to map (vf->data, size, path, ino); NULL:
	 * the file cannot be mapped (-ENODEV) */
	void (*mmap)(struct file *f, struct vm_file *vf);
};

struct file {
	int refs;                   /* atomic */
	const struct file_ops *ops;
	unsigned flags;             /* O_* given to open (access mode, O_APPEND, O_NONBLOCK) */
	struct mutex pos_lock;      /* serialises read/write/lseek/getdents64 on pos */
	uint64_t pos;
	/* initramfs files */
	const uint8_t *data;
	uint64_t size;
	uint32_t mode;
	uint64_t ino;
	char path[256];             /* normalised path inside the archive ("" = root) */
	void *priv;                 /* pipes: the pipe */
};

struct file *file_alloc(const struct file_ops *ops, unsigned flags);
void file_get(struct file *f);
void file_put(struct file *f);

#define NR_OPEN 256
/* A file table.  lock protects fd[] and cloexec. */
struct files {
	struct spinlock lock;
	int refs;                   /* atomic: processes sharing it (CLONE_FILES without CLONE_THREAD) */
	struct file *fd[NR_OPEN];
	uint64_t cloexec[NR_OPEN / 64];
};
struct files *files_alloc_console(void);     /* fds 0, 1, 2 on the console; NULL when out of memory */
struct files *files_copy(struct files *src);  /* clone without CLONE_FILES */
void files_get(struct files *fs);
void files_put(struct files *fs);            /* closes everything on the last put */
void files_close_on_exec(struct files *fs);
struct file *fd_get(int fd);                 /* a reference to current's fd, or NULL */

/* The initramfs (initramfs.c).  Paths are resolved against the current
 * process's cwd.  For exec: the bytes of a regular file, or -ENOENT,
 * -ENOTDIR, -EACCES (not a regular file / no execute bit), -ENAMETOOLONG. */
void initramfs_init(const void *archive, size_t size);
int initramfs_exec_lookup(const char *path, const uint8_t **data, size_t *size);
/* Resolve path (relative to cwd) to a normalised absolute path (leading
 * "/"); -ENAMETOOLONG.  For chdir and exec's AT_EXECFN. */
int path_resolve(const char *cwd, const char *path, char *out, size_t outsz);
/* Does the (normalised) directory exist?  0, -ENOENT, -ENOTDIR. */
int initramfs_dir_check(const char *abs_path);

/* The console (tty.c): serial line discipline. */
void tty_init(void);
void tty_input_irq(void); /* the serial receive interrupt: characters arrived */
/* Input typed on any device, from any context (interrupts included): n
 * bytes through the line discipline, in order; dropped before tty_init(). */
void tty_receive(const char *buf, size_t n);
