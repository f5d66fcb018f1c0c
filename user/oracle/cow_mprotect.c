/* cow_mprotect.c - mprotect on memory fork shares copy-on-write: made
 * read-only before fork and writable again in the child; made read-only
 * and writable again in the parent after fork (the PTE must stay
 * read-only while the child shares the page, or the parent's write would
 * land in the child's memory); PROT_NONE and back; and the faults a
 * read-only page still gives.  Prints page contents and signals only. */
#define _GNU_SOURCE
#include <stdint.h>
#include <sys/mman.h>
#include "oracle.h"

#define NPAGES 4
#define PG 4096
#define RW (PROT_READ | PROT_WRITE)

static void show(const char *who, const char *p) { show_pages(who, p, NPAGES); }

static void fill(char *p, int page, char c) { fill_page(p, page, c); }

static char *region(char c)
{
	char *p = mmap(NULL, NPAGES * PG, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		printf("mmap: %s\n", ename(errno));
		exit(1);
	}
	for (int i = 0; i < NPAGES; i++)
		fill(p, i, c);
	return p;
}

/* Read-only before fork; the child makes it writable and writes. */
static void before_fork(void)
{
	char *p = region('r');
	SHOW(mprotect(p, NPAGES * PG, PROT_READ));
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		probe("before: child writes the read-only page", p, 1);
		SHOW(mprotect(p, NPAGES * PG, RW));
		fill(p, 0, 'c');
		fill(p, 2, 'c');
		show("before: child wrote", p);
		_exit(0);
	}
	printf("before: child exited %d\n", wait_status(pid));
	show("before: parent", p);
	probe("before: parent writes the read-only page", p, 1);
	SHOW(mprotect(p, 2 * PG, RW));
	fill(p, 1, 'P');
	show("before: parent wrote", p);
	probe("before: parent writes page 3, still read-only", p + 3 * PG, 1);
}

/* Writable at fork; the parent makes it read-only and writable again while
 * the child still shares it, and writes. */
static void after_fork(void)
{
	char *p = region('a');
	int go[2], back[2];
	if (pipe(go) || pipe(back))
		exit(1);
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		char c;
		if (read(go[0], &c, 1) != 1)
			_exit(1);
		show("after: child sees", p);
		fill(p, 3, 'c');
		SHOW(mprotect(p, PG, PROT_READ));
		SHOW(mprotect(p, PG, RW));
		fill(p, 0, 'C');
		show("after: child wrote", p);
		if (write(back[1], "x", 1) != 1)
			_exit(1);
		_exit(0);
	}
	SHOW(mprotect(p, NPAGES * PG, PROT_READ));
	SHOW(mprotect(p, NPAGES * PG, RW));
	fill(p, 0, 'P');
	fill(p, 1, 'P');
	SHOW(mprotect(p + 2 * PG, PG, PROT_NONE));
	SHOW(mprotect(p + 2 * PG, PG, RW));
	fill(p, 2, 'P');
	show("after: parent wrote", p);
	char c;
	if (write(go[1], "x", 1) != 1 || read(back[0], &c, 1) != 1)
		exit(1);
	printf("after: child exited %d\n", wait_status(pid));
	show("after: parent", p);
	fill(p, 3, 'Q');
	show("after: parent wrote page 3", p);
}

/* PROT_NONE at fork; both make it accessible again. */
static void none_at_fork(void)
{
	char *p = region('n');
	SHOW(mprotect(p, NPAGES * PG, PROT_NONE));
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		probe("none: child reads", p, 0);
		SHOW(mprotect(p, NPAGES * PG, RW));
		fill(p, 1, 'c');
		show("none: child", p);
		_exit(0);
	}
	printf("none: child exited %d\n", wait_status(pid));
	SHOW(mprotect(p, NPAGES * PG, PROT_READ));
	show("none: parent", p);
	SHOW(mprotect(p, NPAGES * PG, RW));
	fill(p, 2, 'P');
	show("none: parent wrote", p);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	before_fork();
	after_fork();
	none_at_fork();
	return 0;
}
