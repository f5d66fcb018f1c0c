/* efault.c - system calls given bad user pointers must fail with EFAULT, not
 * crash and not touch kernel memory: NULL-page, kernel-half, non-canonical
 * and half-mapped buffers for write/read, bad output pointers for
 * clock_gettime, uname, fstat and pipe2, and path strings that run into an
 * unmapped page.  Raw syscall() is used where libc would check first or use
 * the vDSO.  Pipes are used for read/write because their behaviour is exact
 * on Linux: a buffer that is only partly mapped gives EFAULT and moves no
 * data.  (A regular file gives a short count instead - Linux writes 8 of 16
 * bytes of such a buffer - so files are not used.)
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

#define KERNEL_DIRECT_MAP 0xffff888000000000UL
#define KERNEL_IMAGE	  0xffffffff80000000UL
#define NON_CANONICAL	  0x0000800000000000UL

/* Run a syscall and check it fails with EFAULT. */
#define CHECK_EFAULT(desc, ...)                                                                                        \
	do {                                                                                                           \
		errno = 0;                                                                                             \
		long r_ = syscall(__VA_ARGS__);                                                                        \
		check_errno(r_, errno, EFAULT, desc);                                                                  \
	} while (0)

static int fds[2]; /* a pipe */

/* The pipe must hold exactly the bytes want[0..len). */
static bool pipe_holds(const char *want, size_t len)
{
	char buf[64];

	write(fds[1], "#", 1); /* an end marker, so read() never blocks */
	ssize_t n = read(fds[0], buf, sizeof(buf));
	return n == (ssize_t)len + 1 && memcmp(buf, want, len) == 0 && buf[len] == '#';
}

static void check_write_read(char *edge)
{
	struct stat st;

	if (fstat(1, &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3))
		check_skip("write(1, 0x10, 5) fails with EFAULT", "stdout is /dev/null, which reads nothing");
	else
		CHECK_EFAULT("write(1, 0x10, 5) fails with EFAULT", SYS_write, 1, 0x10, 5);

	CHECK_EFAULT("write from address 0x10 fails with EFAULT", SYS_write, fds[1], 0x10, 5);
	CHECK_EFAULT("write from the kernel direct map fails with EFAULT", SYS_write, fds[1], KERNEL_DIRECT_MAP, 5);
	CHECK_EFAULT("write from the kernel image fails with EFAULT", SYS_write, fds[1], KERNEL_IMAGE, 5);
	CHECK_EFAULT("write from a non-canonical address fails with EFAULT", SYS_write, fds[1], NON_CANONICAL, 5);
	CHECK_EFAULT("write running past the top of user space fails with EFAULT", SYS_write, fds[1], NON_CANONICAL - 8,
		     16);
	CHECK_EFAULT("write of a buffer running into a PROT_NONE page fails with EFAULT", SYS_write, fds[1], edge - 8,
		     16);
	check(pipe_holds("", 0), "the failed writes put nothing into the pipe", "the pipe held data");

	write(fds[1], "0123456789", 10);
	CHECK_EFAULT("read into NULL fails with EFAULT", SYS_read, fds[0], 0, 5);
	CHECK_EFAULT("read into the kernel direct map fails with EFAULT", SYS_read, fds[0], KERNEL_DIRECT_MAP, 5);
	CHECK_EFAULT("read into the kernel image fails with EFAULT", SYS_read, fds[0], KERNEL_IMAGE, 5);
	CHECK_EFAULT("read into a buffer running into a PROT_NONE page fails with EFAULT", SYS_read, fds[0], edge - 4,
		     10);
	check(pipe_holds("0123456789", 10), "the failed reads consumed nothing from the pipe", "data was lost");
}

static void check_out_pointers(char *edge)
{
	int before, after;

	CHECK_EFAULT("clock_gettime into address 1 fails with EFAULT", SYS_clock_gettime, CLOCK_MONOTONIC, 1);
	CHECK_EFAULT("clock_gettime into the kernel direct map fails with EFAULT", SYS_clock_gettime, CLOCK_MONOTONIC,
		     KERNEL_DIRECT_MAP);
	CHECK_EFAULT("clock_gettime into a half-mapped timespec fails with EFAULT", SYS_clock_gettime, CLOCK_MONOTONIC,
		     edge - 8);
	CHECK_EFAULT("uname(NULL) fails with EFAULT", SYS_uname, 0);
	CHECK_EFAULT("uname into the kernel image fails with EFAULT", SYS_uname, KERNEL_IMAGE);
	CHECK_EFAULT("fstat into address 0x10 fails with EFAULT", SYS_fstat, fds[0], 0x10);

	before = dup(fds[0]);
	close(before);
	CHECK_EFAULT("pipe2 into address 0x10 fails with EFAULT", SYS_pipe2, 0x10, 0);
	CHECK_EFAULT("pipe2 into a half-mapped int[2] fails with EFAULT", SYS_pipe2, edge - 4, 0);
	after = dup(fds[0]);
	close(after);
	check_eq(after, before, "the failed pipe2 calls leaked no descriptors");
}

static void check_paths(char *edge)
{
	CHECK_EFAULT("open of a path at address 0x10 fails with EFAULT", SYS_open, 0x10, O_RDONLY);
	CHECK_EFAULT("open of a path in the kernel image fails with EFAULT", SYS_open, KERNEL_IMAGE, O_RDONLY);
	memcpy(edge - 4, "/nox", 4);
	CHECK_EFAULT("open of a path running into a PROT_NONE page fails with EFAULT", SYS_open, edge - 4, O_RDONLY);
	memcpy(edge - 4, "/no", 4); /* the NUL is the page's last byte */
	errno = 0;
	long r = syscall(SYS_open, edge - 4, O_RDONLY);
	check_errno(r, errno, ENOENT, "open of a path ending at the page's last byte fails with ENOENT");
}

int main(void)
{
	/* Two pages: the first read-write, the second PROT_NONE; edge is the
	 * boundary between them. */
	char *map = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!check(map != MAP_FAILED, "mmap two pages", "%s", strerror(errno)) ||
	    !check(mprotect(map + 4096, 4096, PROT_NONE) == 0, "mprotect the second PROT_NONE", "%s",
		   strerror(errno)) ||
	    !check(pipe2(fds, O_CLOEXEC) == 0, "create a pipe", "%s", strerror(errno)))
		return check_done();
	memset(map, 'x', 4096);

	check_write_read(map + 4096);
	check_out_pointers(map + 4096);
	check_paths(map + 4096);

	/* Unmapped instead of PROT_NONE must behave the same. */
	munmap(map + 4096, 4096);
	CHECK_EFAULT("write of a buffer running into an unmapped page fails with EFAULT", SYS_write, fds[1],
		     map + 4096 - 8, 16);
	check(pipe_holds("", 0), "that write put nothing into the pipe", "the pipe held data");
	return check_done();
}
