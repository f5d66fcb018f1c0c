/* uaccess.c - range checks around the user-copy primitives (uaccess.asm).
 * A range must lie wholly below USER_TOP; the primitives then fault pages
 * in or fail with -EFAULT (see kernel/uaccess.h and traps.c). */
#include "kernel/uaccess.h"
#include "kernel/errno.h"
#include "kernel/sched.h"

long __copy_user(void *dst, const void *src, size_t n);
long __clear_user(void *dst, size_t n);
long __strncpy_user(char *dst, const char *src, long n);
long __futex_cmpxchg_user(uint32_t *uaddr, uint32_t old, uint32_t new, uint32_t *cur);

int copy_from_user(void *dst, const void __user *src, size_t n)
{
	if (!user_range_ok((uint64_t)src, n))
		return -EFAULT;
	return n ? (int)__copy_user(dst, src, n) : 0;
}

int copy_to_user(void __user *dst, const void *src, size_t n)
{
	if (!user_range_ok((uint64_t)dst, n))
		return -EFAULT;
	return n ? (int)__copy_user(dst, src, n) : 0;
}

int clear_user(void __user *dst, size_t n)
{
	if (!user_range_ok((uint64_t)dst, n))
		return -EFAULT;
	return n ? (int)__clear_user(dst, n) : 0;
}

long strncpy_from_user(char *dst, const char __user *src, long n)
{
	if (n <= 0)
		return 0;
	uint64_t a = (uint64_t)src;
	if (a >= USER_TOP)
		return -EFAULT;
	bool clamped = (uint64_t)n > USER_TOP - a;
	long r = __strncpy_user(dst, src, clamped ? (long)(USER_TOP - a) : n);
	if (clamped && r == (long)(USER_TOP - a))
		return -EFAULT; /* the string runs into the kernel half */
	return r;
}

long strncpy_from_user_checked(char *dst, const char __user *src, long n)
{
	long r = strncpy_from_user(dst, src, n);
	if (r < 0)
		return r;
	if (r >= n)
		return -ENAMETOOLONG;
	return r;
}

int copy_from_user_nofault(void *dst, const void __user *src, size_t n)
{
	struct task *t = current;
	bool old = t->uaccess_nofault;
	t->uaccess_nofault = true;
	int r = copy_from_user(dst, src, n);
	t->uaccess_nofault = old;
	return r;
}

int futex_cmpxchg_user(uint32_t __user *uaddr, uint32_t old, uint32_t new, uint32_t *cur)
{
	if (!user_range_ok((uint64_t)uaddr, 4) || ((uint64_t)uaddr & 3))
		return -EFAULT;
	return (int)__futex_cmpxchg_user(uaddr, old, new, cur);
}
