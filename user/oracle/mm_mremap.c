/* mm_mremap.c - mremap: shrink, grow in place, blocked growth, moving
 * (MREMAP_MAYMOVE, MREMAP_FIXED), part of a VMA, and the errors. */
#define _GNU_SOURCE
#include <stdint.h>
#include <sys/mman.h>
#include "oracle.h"

#define LO 0x260000000ul
#define HI 0x270000000ul
#define A(off) ((char *)(LO + (off)))
#define RW (PROT_READ | PROT_WRITE)
#define PA (MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED)
#define P 4096

#define MR(want, ...)                                                              \
	do {                                                                       \
		errno = 0;                                                         \
		void *r_ = mremap(__VA_ARGS__);                                    \
		printf("mremap(%s) -> %s\n", #__VA_ARGS__, placed(r_, want));      \
	} while (0)

static void pattern(char *p, int pages, int base)
{
	for (int i = 0; i < pages; i++)
		p[(long)i * P] = (char)(base + i);
}

static void check(const char *what, char *p, int pages, int base)
{
	int good = 0;
	for (int i = 0; i < pages; i++)
		good += p[(long)i * P] == (char)(base + i);
	printf("%s: %d of %d pages hold their bytes\n", what, good, pages);
}

/* The maps lines in [lo, hi) without the device and inode (a shared
 * anonymous mapping's inode is the kernel's own number). */
static void show_ranges(const char *tag, unsigned long lo, unsigned long hi)
{
	static char buf[65536];
	if (!read_self_maps(buf, sizeof(buf)))
		return;
	for (char *l = strtok(buf, "\n"); l; l = strtok(NULL, "\n")) {
		unsigned long start = strtoul(l, NULL, 16);
		char range[64], perms[8], off[16];
		if (start >= lo && start < hi && sscanf(l, "%63s %7s %15s", range, perms, off) == 3)
			printf("%s: %s %s %s\n", tag, range, perms, off);
	}
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	char *p = mmap(A(0), 4 * P, RW, PA, -1, 0);
	pattern(p, 4, 10);
	MR(p, p, 4 * P, 2 * P, 0); /* shrink */
	show_maps("shrink", LO, LO + 0x10000);
	probe("the cut tail", p + 3 * P, 0);
	MR(p, p, 2 * P, 6 * P, 0); /* grow in place */
	check("grown in place", p, 2, 10);
	printf("the new part reads %d\n", p[5 * P]);
	show_maps("grow", LO, LO + 0x10000);
	mmap(A(0x8000), P, PROT_READ, PA, -1, 0);
	MR(NULL, p, 6 * P, 10 * P, 0); /* blocked by the page at 0x8000 */
	char *q = mremap(p, 6 * P, 10 * P, MREMAP_MAYMOVE);
	printf("MREMAP_MAYMOVE: %s\n", q == MAP_FAILED ? ename(errno) : q == p ? "same place" : "moved");
	check("moved", q, 2, 10);
	probe("the old place", p, 0);
	munmap(q, 10 * P);

	/* MREMAP_FIXED, replacing what is at the target */
	p = mmap(A(0x20000), 3 * P, RW, PA, -1, 0);
	pattern(p, 3, 20);
	char *t = mmap(A(0x30000), 5 * P, RW, PA, -1, 0);
	memset(t, 99, 5 * P);
	MR(A(0x30000), p, 3 * P, 3 * P, MREMAP_MAYMOVE | MREMAP_FIXED, A(0x30000));
	check("fixed move", A(0x30000), 3, 20);
	printf("rest of the old target: %d\n", A(0x30000)[4 * P]);
	show_maps("fixed", LO + 0x20000, LO + 0x40000);
	/* part of a VMA moves: the VMA is split */
	p = mmap(A(0x40000), 4 * P, RW, PA, -1, 0);
	pattern(p, 4, 30);
	MR(A(0x50000), p + P, 2 * P, 2 * P, MREMAP_MAYMOVE | MREMAP_FIXED, A(0x50000));
	show_maps("part", LO + 0x40000, LO + 0x60000);
	check("part moved", A(0x50000), 2, 31);
	check("left piece", p, 1, 30);
	check("right piece", p + 3 * P, 1, 33);
	/* moving next to an identical neighbour */
	char *n1 = mmap(A(0x60000), P, RW, PA, -1, 0);
	n1[0] = 1;
	char *n2 = mmap(A(0x70000), P, RW, PA, -1, 0);
	n2[0] = 2;
	MR(A(0x61000), n2, P, P, MREMAP_MAYMOVE | MREMAP_FIXED, A(0x61000));
	show_maps("next to a neighbour", LO + 0x60000, LO + 0x80000);

	/* errors */
	p = mmap(A(0x80000), 2 * P, RW, PA, -1, 0);
	MR(NULL, p, P, 2 * P, MREMAP_FIXED, A(0x90000));
	MR(NULL, p + 1, P, 2 * P, 0);
	MR(NULL, p, P, 0, 0);
	MR(NULL, A(0xa0000), P, 2 * P, 0);
	MR(NULL, p, P, P, 8);
	MR(NULL, p, 2 * P, 2 * P, MREMAP_MAYMOVE | MREMAP_FIXED, p + P);
	MR(NULL, p, 2 * P, 2 * P, MREMAP_MAYMOVE | MREMAP_FIXED, A(0x90001));
	mmap(A(0x82000), P, RW, PA, -1, 0);
	mprotect(A(0x82000), P, PROT_READ);
	MR(NULL, p, 3 * P, 3 * P, MREMAP_MAYMOVE | MREMAP_FIXED, A(0x90000)); /* spans two VMAs */
	MR(NULL, p, 3 * P, 4 * P, 0);
	MR(p, p, 2 * P, 2 * P, 0); /* same size: nothing to do */
	show_maps("errors", LO + 0x80000, LO + 0xa0000);
	/* several VMAs with a hole between them move together (Linux 6.17+) */
	char *g = mmap(A(0xb0000), P, RW, PA, -1, 0);
	g[0] = 41;
	mmap(A(0xb2000), P, PROT_READ, PA, -1, 0);
	MR(A(0xc0000), g, 3 * P, 3 * P, MREMAP_MAYMOVE | MREMAP_FIXED, A(0xc0000));
	MR(NULL, A(0xc0000), 3 * P, 4 * P, MREMAP_MAYMOVE | MREMAP_FIXED, A(0xd0000));
	MR(NULL, A(0xbf000), 2 * P, 2 * P, MREMAP_MAYMOVE | MREMAP_FIXED, A(0xd0000));
	show_maps("several", LO + 0xb0000, LO + 0xe0000);
	printf("moved bytes: %d\n", A(0xc0000)[0]);
	/* old_len 0: a second mapping of a shared object (MAYMOVE, or at a
	 * FIXED place), from inside the VMA; private mappings refuse */
	char *s = mmap(A(0xe0000), 4 * P, RW, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	pattern(s, 4, 50);
	MR(A(0xf0000), s + 2 * P, 0, 2 * P, MREMAP_MAYMOVE | MREMAP_FIXED, A(0xf0000));
	check("the duplicate sees the pages", A(0xf0000), 2, 52);
	A(0xf0000)[P] = 77;
	printf("a write through the duplicate shows in the original: %d\n", s[3 * P]);
	MR(A(0xf8000), s, 0, P, MREMAP_MAYMOVE | MREMAP_FIXED, A(0xf8000)); /* from the VMA's start */
	check("the duplicate of the first page", A(0xf8000), 1, 50);
	char *d = mremap(s + P, 0, P, MREMAP_MAYMOVE);
	printf("MREMAP_MAYMOVE of old_len 0: %s\n", d == MAP_FAILED ? ename(errno) : d[0] == 51 ? "a duplicate" : "wrong bytes");
	MR(s + 2 * P, s + P, 0, P, MREMAP_MAYMOVE | MREMAP_FIXED, s + 2 * P); /* over the next page of the same VMA */
	MR(NULL, A(0xc0000), 0, P, MREMAP_MAYMOVE | MREMAP_FIXED, A(0xfc000)); /* private */
	MR(NULL, A(0xc0000), 0, P, MREMAP_MAYMOVE); /* private */
	show_ranges("duplicates", LO + 0xe0000, LO + 0x100000);
	return 0;
}
