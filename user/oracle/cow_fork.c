/* cow_fork.c - what fork's copy-on-write must look like from user space:
 * after fork, parent and child each see their own writes to private memory
 * and never the other's - through three generations, with threads of the
 * parent writing while a child lives, after MADV_DONTNEED in the child
 * (zero-fill there, the parent's data intact), across vfork + execve - and
 * MAP_SHARED memory stays shared.  Prints page contents only. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <sys/mman.h>
#include "oracle.h"

#define NPAGES 6
#define PG 4096
#define RW (PROT_READ | PROT_WRITE)

/* One letter per page ('0' for a zero page, '?' for a page not all the
 * same byte). */
static void show(const char *who, const char *p) { show_pages(who, p, NPAGES); }

static void fill(char *p, int page, char c) { fill_page(p, page, c); }

static char *region(int flags)
{
	char *p = mmap(NULL, NPAGES * PG, RW, flags | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		printf("mmap: %s\n", ename(errno));
		exit(1);
	}
	return p;
}

/* Generation gen writes its letter into pages gen.. and forks the next;
 * each checks after its child exits that nothing of its own changed. */
static void generation(char *p, int gen)
{
	char name[32];
	snprintf(name, sizeof(name), "generation %d before", gen);
	show(name, p);
	for (int i = gen; i < NPAGES; i++)
		fill(p, i, (char)('A' + gen));
	snprintf(name, sizeof(name), "generation %d wrote", gen);
	show(name, p);
	if (gen < 3) {
		pid_t pid = fork();
		if (pid == 0) {
			generation(p, gen + 1);
			_exit(10 + gen + 1);
		}
		printf("generation %d: child exited %d\n", gen, wait_status(pid));
		snprintf(name, sizeof(name), "generation %d after", gen);
		show(name, p);
		fill(p, NPAGES - 1, (char)('a' + gen)); /* the page now only this one maps: reused */
		snprintf(name, sizeof(name), "generation %d again", gen);
		show(name, p);
	}
}

/* A thread of the parent writes while the child lives; the child must see
 * the memory as it was at fork. */
static char *tp;
static int go[2], done[2];
static void *writer(void *arg)
{
	(void)arg;
	char c;
	if (read(go[0], &c, 1) != 1)
		return NULL;
	fill(tp, 0, 'T');
	fill(tp, 3, 'T');
	if (write(done[1], "x", 1) != 1)
		return NULL;
	return NULL;
}

static void threads(void)
{
	tp = region(MAP_PRIVATE);
	for (int i = 0; i < NPAGES; i++)
		fill(tp, i, 'p');
	if (pipe(go) || pipe(done))
		exit(1);
	pthread_t th;
	pthread_create(&th, NULL, writer, NULL);
	int child_go[2];
	if (pipe(child_go))
		exit(1);
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		char c;
		if (read(child_go[0], &c, 1) != 1)
			_exit(1);
		show("threads: child sees", tp); /* after the parent's thread wrote */
		fill(tp, 1, 'c');
		show("threads: child wrote", tp);
		_exit(0);
	}
	char c;
	if (write(go[1], "x", 1) != 1 || read(done[0], &c, 1) != 1)
		exit(1);
	pthread_join(th, NULL);
	show("threads: parent's thread wrote", tp);
	if (write(child_go[1], "x", 1) != 1)
		exit(1);
	printf("threads: child exited %d\n", wait_status(pid));
	show("threads: parent after", tp);
}

static void shared(void)
{
	char *s = region(MAP_SHARED), *p = region(MAP_PRIVATE);
	for (int i = 0; i < NPAGES; i++) {
		fill(s, i, 's');
		fill(p, i, 'p');
	}
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		fill(s, 2, 'C');
		fill(p, 2, 'C');
		_exit(0);
	}
	printf("shared: child exited %d\n", wait_status(pid));
	show("shared: MAP_SHARED in the parent", s);
	show("shared: MAP_PRIVATE in the parent", p);
	fill(s, 4, 'P');
	pid = fork();
	if (pid == 0) {
		show("shared: MAP_SHARED in a second child", s);
		_exit(0);
	}
	printf("shared: second child exited %d\n", wait_status(pid));
}

static void dontneed(void)
{
	char *p = region(MAP_PRIVATE);
	for (int i = 0; i < NPAGES; i++)
		fill(p, i, 'd');
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		fill(p, 1, 'c'); /* a page the child copied */
		printf("dontneed: madvise = %d\n", madvise(p, 3 * PG, MADV_DONTNEED));
		show("dontneed: child after MADV_DONTNEED of pages 0-2", p);
		fill(p, 0, 'z');
		show("dontneed: child wrote page 0", p);
		_exit(0);
	}
	printf("dontneed: child exited %d\n", wait_status(pid));
	show("dontneed: parent", p);
	printf("dontneed: parent madvise = %d\n", madvise(p + 4 * PG, PG, MADV_DONTNEED));
	show("dontneed: parent after MADV_DONTNEED of page 4", p);
}

static void vfork_exec(const char *self)
{
	char *p = region(MAP_PRIVATE);
	for (int i = 0; i < NPAGES; i++)
		fill(p, i, 'v');
	static volatile int seen_by_parent;
	fflush(stdout);
	pid_t pid = vfork();
	if (pid == 0) {
		seen_by_parent = 42; /* vfork: the parent's memory itself */
		char *argv[] = { (char *)self, "exec-child", NULL };
		execve(self, argv, (char *[]){ NULL });
		_exit(127);
	}
	int st = wait_status(pid); /* (the exec'd child prints: wait before printing) */
	printf("vfork: child's write seen by the parent: %d\n", seen_by_parent);
	printf("vfork: child exited %d\n", st);
	show("vfork: parent's memory", p);
	fill(p, 0, 'w');
	show("vfork: parent wrote", p);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 1 && !strcmp(argv[1], "exec-child")) {
		char *p = region(MAP_PRIVATE);
		show("exec-child: fresh memory", p);
		return 7;
	}
	char *p = region(MAP_PRIVATE);
	for (int i = 0; i < NPAGES; i++)
		fill(p, i, 'o');
	generation(p, 0);
	threads();
	shared();
	dontneed();
	vfork_exec(argv[0]);
	return 0;
}
