/* mm_unmap_protect.c - munmap of any range, mprotect splitting and
 * merging back (and stopping at holes), madvise, each with the errors
 * Linux gives and the /proc/self/maps lines of the region. */
#define _GNU_SOURCE
#include <stdint.h>
#include <sys/mman.h>
#include "oracle.h"

#define LO 0x240000000ul
#define HI 0x250000000ul
#define A(off) ((char *)(LO + (off)))
#define RW (PROT_READ | PROT_WRITE)
#define PA (MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED)
#define P 4096

static char *fill(unsigned long off, int pages, int prot, int value)
{
	char *p = mmap(A(off), (size_t)pages * P, prot | PROT_WRITE, PA, -1, 0);
	memset(p, value, (size_t)pages * P);
	if (!(prot & PROT_WRITE))
		mprotect(p, (size_t)pages * P, prot);
	return p;
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* munmap */
	char *p = fill(0, 3, RW, 7);
	SHOW(munmap(p + P, P));
	show_maps("munmap middle", LO, LO + 0x10000);
	printf("left %d right %d\n", p[0], p[2 * P]);
	probe("middle after munmap", p + P, 0);
	SHOW(munmap(p, P / 2)); /* length rounds up */
	probe("first after munmap of half a page", p, 0);
	SHOW(munmap(p + 2 * P, 0));
	SHOW(munmap(p + 1, P));
	SHOW(munmap((void *)0x800000000000ul, P));
	SHOW(munmap(p, (size_t)-P));
	fill(0x10000, 2, RW, 1);
	fill(0x13000, 2, PROT_READ, 2);
	fill(0x16000, 1, RW, 3);
	SHOW(munmap(A(0x11000), 0x5000)); /* over two VMAs and two holes */
	show_maps("munmap span", LO + 0x10000, LO + 0x20000);
	SHOW(munmap(A(0x30000), 0x10000)); /* nothing there */

	/* mprotect: split, merge back */
	p = fill(0x40000, 4, RW, 9);
	SHOW(mprotect(p + P, P, PROT_READ));
	show_maps("mprotect split", LO + 0x40000, LO + 0x50000);
	probe("write to the read-only page", p + P + 3, 1);
	probe("write to its neighbour", p + 2 * P, 1);
	SHOW(mprotect(p + P, P, RW));
	show_maps("mprotect merged", LO + 0x40000, LO + 0x50000);
	SHOW(mprotect(p, 4 * P, PROT_NONE));
	probe("read PROT_NONE", p, 0);
	SHOW(mprotect(p, 4 * P, RW));
	printf("contents kept through PROT_NONE: %d %d\n", p[0], p[3 * P]);
	SHOW(mprotect(p + 1, P, PROT_READ));
	SHOW(mprotect(p, P, 0x10));
	SHOW(mprotect(p, P, PROT_READ | PROT_GROWSDOWN | PROT_GROWSUP));
	SHOW(mprotect(p, 0, 0x10));
	SHOW(mprotect(p, (size_t)-P, 0x10));
	/* a hole in the range: the part before it is changed, then ENOMEM */
	fill(0x50000, 2, RW, 1);
	fill(0x53000, 1, RW, 1);
	SHOW(mprotect(A(0x50000), 4 * P, PROT_READ));
	show_maps("mprotect hole", LO + 0x50000, LO + 0x60000);
	SHOW(mprotect(A(0x58000), P, PROT_READ)); /* nothing mapped */
	SHOW(mprotect(A(0x4f000), 2 * P, PROT_READ)); /* starts in a hole */
	show_maps("mprotect starts in a hole", LO + 0x4f000, LO + 0x60000);
	/* three pieces that become identical merge into one */
	fill(0x60000, 1, PROT_READ, 4);
	fill(0x61000, 1, RW, 4);
	fill(0x62000, 1, PROT_READ, 4);
	SHOW(mprotect(A(0x61000), P, PROT_READ));
	show_maps("mprotect merges three", LO + 0x60000, LO + 0x70000);

	/* madvise */
	p = fill(0x70000, 2, RW, 5);
	SHOW(madvise(p, 2 * P, MADV_DONTNEED));
	printf("private after MADV_DONTNEED: %d %d\n", p[0], p[P]);
	char *s = mmap(A(0x80000), 2 * P, RW, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	memset(s, 6, 2 * P);
	SHOW(madvise(s, 2 * P, MADV_DONTNEED));
	printf("shared after MADV_DONTNEED: %d %d\n", s[0], s[P]);
	SHOW(madvise(p, P, MADV_NORMAL));
	SHOW(madvise(p, P, MADV_RANDOM));
	SHOW(madvise(p, P, MADV_SEQUENTIAL));
	SHOW(madvise(p, P, MADV_WILLNEED));
	SHOW(madvise(p, P, 12345));
	SHOW(madvise(p + 1, P, MADV_NORMAL));
	SHOW(madvise(p, 0, MADV_DONTNEED));
	SHOW(madvise(p, (size_t)-P, MADV_DONTNEED));
	p[0] = 8;
	SHOW(madvise(p, 3 * P, MADV_DONTNEED)); /* runs past the end: ENOMEM, the mapped part dropped */
	printf("mapped part dropped anyway: %d\n", p[0]);
	SHOW(madvise(A(0xa0000), P, MADV_NORMAL));
	return 0;
}
