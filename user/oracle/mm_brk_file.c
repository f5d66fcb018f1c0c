/* mm_brk_file.c - the raw brk system call, and read-only private mappings
 * of a file (this program's own binary, found through argv[0]). */
#define _GNU_SOURCE
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include "oracle.h"

#define P 4096

int main(int argc, char **argv)
{
	(void)argc;
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* brk: results relative to the initial break */
	uintptr_t b0 = (uintptr_t)syscall(SYS_brk, 0);
	uintptr_t b1 = (uintptr_t)syscall(SYS_brk, b0 + 65536);
	printf("grow by 64 KiB: +%ld\n", (long)(b1 - b0));
	char *heap = (char *)b0;
	int zero = 1;
	for (int i = 0; i < 65536; i += 512)
		zero &= heap[i] == 0;
	printf("new heap reads zeros: %d\n", zero);
	memset(heap, 3, 65536);
	printf("shrink: +%ld\n", (long)((uintptr_t)syscall(SYS_brk, b0 + 4096) - b0));
	printf("grow again: +%ld\n", (long)((uintptr_t)syscall(SYS_brk, b0 + 65536) - b0));
	printf("regrown pages read %d %d (the first page kept %d)\n", heap[8192], heap[65535], heap[100]);
	printf("below the start: +%ld\n", (long)((uintptr_t)syscall(SYS_brk, b0 - 65536) - b0));
	printf("unaligned: +%ld\n", (long)((uintptr_t)syscall(SYS_brk, b0 + 5000) - b0));
	printf("huge: +%ld\n", (long)((uintptr_t)syscall(SYS_brk, b0 + (1ul << 50)) - b0));
	/* a mapping just above the break stops it from growing into it */
	uintptr_t top = (b0 + 5000 + 0x100000 + P - 1) & ~(uintptr_t)(P - 1);
	mmap((void *)top, P, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	printf("grow into a mapping: +%ld\n", (long)((uintptr_t)syscall(SYS_brk, top + 8192) - b0));
	printf("grow to a page below it: +%ld\n", (long)((uintptr_t)syscall(SYS_brk, top - P) - b0));
	printf("grow to right below it: +%ld\n", (long)((uintptr_t)syscall(SYS_brk, top) - b0));

	/* file mappings */
	int fd = open(argv[0], O_RDONLY);
	off_t size = lseek(fd, 0, SEEK_END);
	char buf[2 * P];
	pread(fd, buf, sizeof(buf), 0);
	char *f = mmap(NULL, 2 * P, PROT_READ, MAP_PRIVATE, fd, 0);
	printf("offset 0: %s\n", f != MAP_FAILED && !memcmp(f, buf, 2 * P) ? "match" : "differ");
	pread(fd, buf, P, P);
	char *g = mmap(NULL, P, PROT_READ, MAP_PRIVATE, fd, P);
	printf("offset 4096: %s\n", g != MAP_FAILED && !memcmp(g, buf, P) ? "match" : "differ");
	off_t last = size & ~(off_t)(P - 1);
	char *t = mmap(NULL, P, PROT_READ, MAP_PRIVATE, fd, last);
	int tail_zero = 1;
	for (off_t i = size - last; i < P; i++)
		tail_zero &= t[i] == 0;
	printf("the last page past the end reads zeros: %d\n", tail_zero);
	probe("write to a PROT_READ file mapping", f + 10, 1);
	char *w = mmap(NULL, P, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	printf("MAP_PRIVATE + PROT_WRITE of a read-only fd: %s\n", w == MAP_FAILED ? ename(errno) : "allowed");
	if (w != MAP_FAILED) {
		char orig = w[0];
		w[0] = (char)(orig + 1);
		char now;
		pread(fd, &now, 1, 0);
		printf("the write stayed private: %d\n", now == orig);
	}
	SHOW(mmap(NULL, P, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
	char *sh = mmap(NULL, P, PROT_READ, MAP_SHARED, fd, 0);
	printf("MAP_SHARED + PROT_READ of a read-only fd: %s\n", sh == MAP_FAILED ? ename(errno) : "allowed");
	if (sh != MAP_FAILED)
		SHOW(mprotect(sh, P, PROT_READ | PROT_WRITE));
	SHOW(mprotect(f, P, PROT_READ | PROT_WRITE));
	SHOW(mmap(NULL, P, PROT_READ, MAP_PRIVATE, fd, 1));
	int dfd = open("/", O_RDONLY | O_DIRECTORY);
	SHOW(mmap(NULL, P, PROT_READ, MAP_PRIVATE, dfd, 0));
	int pfd[2];
	pipe(pfd);
	SHOW(mmap(NULL, P, PROT_READ, MAP_PRIVATE, pfd[0], 0));
	SHOW(mmap(NULL, P, PROT_READ, MAP_PRIVATE, pfd[1], 0));
	SHOW(mmap(NULL, 0, PROT_READ, MAP_PRIVATE, pfd[0], 0));
	close(fd);
	printf("the mapping outlives the fd: %s\n", !memcmp(f, "\177ELF", 4) ? "yes" : "no");
	return 0;
}
