/* uaccess.h - copying to and from user memory.
 *
 * Every access to a user pointer goes through these functions.  They check
 * that the whole range lies in the user half (below USER_TOP), open SMAP's
 * window (stac/clac) around the copy, and take page faults like user code
 * does: a not-yet-touched page is faulted in; an address with no mapping,
 * or one the access is not allowed on, makes the copy return -EFAULT
 * through an exception-table fixup (arch/x86_64/uaccess.asm) - never a
 * kernel oops.  They may sleep (the fault handler takes mmap_lock), so call
 * them with no spinlock held, except the _nofault variants, which fail with
 * -EFAULT instead of faulting pages in. */
#pragma once
#include "kernel/types.h"

#define USER_TOP 0x00007ffffffff000ul /* Linux's TASK_SIZE: the last page is never mapped */
#define __user

static inline bool user_range_ok(uint64_t addr, uint64_t n)
{
	return addr <= USER_TOP && n <= USER_TOP - addr;
}

int copy_from_user(void *dst, const void __user *src, size_t n);   /* 0 or -EFAULT */
int copy_to_user(void __user *dst, const void *src, size_t n);     /* 0 or -EFAULT */
int clear_user(void __user *dst, size_t n);                        /* 0 or -EFAULT */
/* Copy a NUL-terminated string of at most n bytes (incl. the NUL): its
 * length, n if there is no NUL in the first n bytes (dst then holds n bytes,
 * unterminated, as Linux's), or -EFAULT. */
long strncpy_from_user(char *dst, const char __user *src, long n);
int copy_from_user_nofault(void *dst, const void __user *src, size_t n);
/* Atomically: if *uaddr == old, store new; the old value in *cur.  0 or -EFAULT. */
int futex_cmpxchg_user(uint32_t __user *uaddr, uint32_t old, uint32_t new, uint32_t *cur);

#define get_user(x, uptr) copy_from_user(&(x), (uptr), sizeof(x))
#define put_user(x, uptr)                                      \
	({                                                     \
		__typeof__(*(uptr)) __v = (x);                 \
		copy_to_user((uptr), &__v, sizeof(__v));       \
	})
/* Read a string argument (a path) into a kernel buffer of size n:
 * -ENAMETOOLONG if it does not fit, -EFAULT on a bad pointer. */
long strncpy_from_user_checked(char *dst, const char __user *src, long n);
