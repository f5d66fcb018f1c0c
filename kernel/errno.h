/* errno.h - Linux's errno values (asm-generic/errno-base.h and errno.h).
 * Kernel functions return them negated (-ENOMEM); the syscall layer hands
 * them to user space unchanged in rax, as Linux does. */
#pragma once

#define EPERM 1
#define ENOENT 2
#define ESRCH 3
#define EINTR 4
#define EIO 5
#define ENXIO 6
#define E2BIG 7
#define ENOEXEC 8
#define EBADF 9
#define ECHILD 10
#define EAGAIN 11
#define ENOMEM 12
#define EACCES 13
#define EFAULT 14
#define EBUSY 16
#define EEXIST 17
#define EXDEV 18
#define ENODEV 19
#define ENOTDIR 20
#define EISDIR 21
#define EINVAL 22
#define ENFILE 23
#define EMFILE 24
#define ENOTTY 25
#define EFBIG 27
#define ENOSPC 28
#define ESPIPE 29
#define EROFS 30
#define EMLINK 31
#define EPIPE 32
#define EDOM 33
#define ERANGE 34
#define EDEADLK 35
#define ENAMETOOLONG 36
#define ENOSYS 38
#define ENOTEMPTY 39
#define ELOOP 40
#define EOVERFLOW 75
#define ENOTSUP 95
#define EOPNOTSUPP 95
#define ETIMEDOUT 110

/* Never seen by user programs: a system call interrupted by a signal
 * returns one of these, and the way back to user mode (signal.c,
 * signal_syscall_restart) turns it into -EINTR or runs the call again -
 * Linux's values and rules. */
#define ERESTARTSYS 512    /* restart unless a handler without SA_RESTART runs */
#define ERESTARTNOINTR 513 /* always restart */
#define ERESTARTNOHAND 514 /* restart unless a handler runs (pause, sigsuspend) */
