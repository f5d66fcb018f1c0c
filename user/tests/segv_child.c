/* segv_child.c - a bad memory access kills only the process that made it.
 * The test runs copies of itself (argv[0] must be its path): one writes to
 * address 0, one writes to a page mapped PROT_READ, one jumps to address 0.
 * Each must end by SIGSEGV, seen by the parent through wait4, and the parent
 * must live on.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

/* The child side: argv[1] says which bad access to make. */
static int child_main(const char *what)
{
	no_core_dumps();
	if (strcmp(what, "child-null") == 0) {
		/* *(volatile int *)0 = 1, through a pointer the compiler cannot
		 * see is NULL (else GCC may emit a trap instruction after it). */
		volatile int *volatile null = NULL;
		*null = 1;
	} else if (strcmp(what, "child-rdonly") == 0) {
		volatile int *p = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			return 2;
		*p = 1;
	} else if (strcmp(what, "child-jump") == 0) {
		void (*volatile fn)(void) = NULL;
		fn();
	}
	return 3; /* still alive: wrong */
}

static void check_segv(const char *self, const char *what, const char *desc)
{
	int status = 0;
	char got[64];
	pid_t pid = spawn_self(self, (char *[]){(char *)what, NULL}), r;

	if (pid < 0) {
		check(false, desc, "posix_spawn: %s", strerror(errno));
		return;
	}
	r = wait_child(pid, &status);
	check(r == pid && WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV, desc, "wait4 returned %d, %s", r,
	      status_str(status, got, sizeof(got)));
}

int main(int argc, char **argv)
{
	if (argc > 1)
		return child_main(argv[1]);
	check_segv(argv[0], "child-null", "child writing to NULL dies by SIGSEGV");
	check_segv(argv[0], "child-rdonly", "child writing to a PROT_READ page dies by SIGSEGV");
	check_segv(argv[0], "child-jump", "child jumping to address 0 dies by SIGSEGV");
	check(true, "the parent lives on", NULL);
	return check_done();
}
