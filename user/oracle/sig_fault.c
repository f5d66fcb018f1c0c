/* sig_fault.c - memory faults become SIGSEGV with Linux's si_code and
 * si_addr; a handler can siglongjmp out (again and again), or fix the
 * mapping and return so the access is retried. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include "oracle.h"

#define BASE ((char *)0x210000000)

static char *fix_page;
static volatile int fixed;
static void fix_handler(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	(void)sig;
	fixed = (char *)si->si_addr == fix_page + 9 && si->si_code == SEGV_ACCERR;
	mprotect(fix_page, 4096, PROT_READ | PROT_WRITE);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	char *ro = mmap(BASE, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	char *none = mmap(BASE + 0x10000, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	char *rw = mmap(BASE + 0x20000, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	probe("read PROT_READ", ro + 100, 0);
	probe("write PROT_READ", ro + 100, 1);
	probe("read PROT_NONE", none + 7, 0);
	probe("write PROT_NONE", none + 7, 1);
	probe("read unmapped", BASE + 0x30000 + 5, 0);
	probe("write unmapped", BASE + 0x30000 + 5, 1);
	probe("write PROT_READ|PROT_WRITE", rw + 4095, 1);
	munmap(rw, 4096);
	probe("read after munmap", rw, 0);

	/* Execute a page without PROT_EXEC: a "ret" written there. */
	char *code = mmap(BASE + 0x40000, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	code[0] = (char)0xc3;
	probe_install();
	if (sigsetjmp(probe_jb, 1) == 0) {
		((void (*)(void))code)();
		printf("exec without PROT_EXEC: ran\n");
	} else {
		printf("exec without PROT_EXEC: %s %s, si_addr %s\n", probe_sig == SIGSEGV ? "SIGSEGV" : "?",
		       code_name(probe_sig, probe_code), probe_addr == code ? "exact" : "WRONG");
	}
	mprotect(code, 4096, PROT_READ | PROT_EXEC);
	((void (*)(void))code)();
	printf("exec after mprotect PROT_EXEC: ran\n");

	/* siglongjmp out of the handler 100 times: the mask comes back each time. */
	volatile int caught = 0;
	for (volatile int i = 0; i < 100; i++) {
		if (sigsetjmp(probe_jb, 1) == 0)
			*(volatile char *)(ro + i) = 1;
		else
			caught += probe_sig == SIGSEGV && probe_addr == ro + i;
	}
	sigset_t cur;
	sigprocmask(SIG_BLOCK, NULL, &cur);
	printf("100 faults caught: %d, SIGSEGV blocked afterwards: %s\n", caught, sigismember(&cur, SIGSEGV) ? "yes" : "no");

	/* Fix the cause in the handler and return: the write is retried. */
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = fix_handler;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSEGV, &sa, NULL);
	fix_page = ro;
	*(volatile char *)(ro + 9) = 42;
	printf("handler fixed it: %s, value %d\n", fixed ? "yes" : "no", ro[9]);

	/* Unhandled: a child dies of SIGSEGV, its parent sees the status. */
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		signal(SIGSEGV, SIG_DFL);
		*(volatile char *)(BASE + 0x50000) = 1;
		_exit(0);
	}
	int st;
	waitpid(pid, &st, 0);
	printf("child: signaled %d, signal %d\n", WIFSIGNALED(st), WIFSIGNALED(st) ? WTERMSIG(st) : 0);

	/* A blocked SIGSEGV from a fault kills anyway. */
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		sigset_t s;
		sigemptyset(&s);
		sigaddset(&s, SIGSEGV);
		sigprocmask(SIG_BLOCK, &s, NULL);
		*(volatile char *)(BASE + 0x50000) = 1;
		_exit(0);
	}
	waitpid(pid, &st, 0);
	printf("child with SIGSEGV blocked: signaled %d, signal %d\n", WIFSIGNALED(st), WIFSIGNALED(st) ? WTERMSIG(st) : 0);
	return 0;
}
