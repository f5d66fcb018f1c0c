/* sig_actions.c - sigaction flags (SA_SIGINFO, SA_RESETHAND, SA_NODEFER,
 * SA_ONSTACK), kill/tgkill siginfo, blocked signals staying pending,
 * sigaltstack, the ucontext a handler may change, and FP registers
 * surviving a handler. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <ucontext.h>
#include "oracle.h"

static volatile int got_sig, got_code, from_self, blocked_inside, nested;
static volatile uintptr_t handler_sp;

static void info_handler(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	got_sig = sig;
	got_code = si->si_code;
	from_self = si->si_pid == getpid();
	sigset_t cur;
	sigprocmask(SIG_BLOCK, NULL, &cur);
	blocked_inside = sigismember(&cur, sig);
	int local;
	handler_sp = (uintptr_t)&local;
}

static volatile int count;
static void count_handler(int sig) { (void)sig; count++; }

static void skip_handler(int sig, siginfo_t *si, void *ucv)
{
	(void)sig;
	(void)si;
	ucontext_t *uc = ucv;
	uc->uc_mcontext.gregs[REG_RIP] += 3; /* skip "movb $0, (%rax)" (c6 00 00) */
	uc->uc_mcontext.gregs[REG_RBX] = 4242;
}

static volatile double fp_result;
static void fp_handler(int sig)
{
	(void)sig;
	volatile double x = 3.0;
	for (int i = 0; i < 10; i++)
		x = x * 1.5 + 0.25;
	fp_result = x;
}

static void install(int sig, void (*h)(int, siginfo_t *, void *), int flags)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = h;
	sa.sa_flags = SA_SIGINFO | flags;
	sigaction(sig, &sa, NULL);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	install(SIGUSR1, info_handler, 0);
	kill(getpid(), SIGUSR1);
	printf("kill: sig %d, code %s, from self %d, blocked inside %d\n", got_sig, got_code == SI_USER ? "SI_USER" : "?",
	       from_self, blocked_inside);
	syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), SIGUSR1);
	printf("tgkill: sig %d, code %s, from self %d\n", got_sig, got_code == SI_TKILL ? "SI_TKILL" : "?", from_self);
	install(SIGUSR1, info_handler, SA_NODEFER);
	raise(SIGUSR1);
	printf("SA_NODEFER: blocked inside %d\n", blocked_inside);

	/* SA_RESETHAND: the first SIGUSR2 is caught, the second kills. */
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		struct sigaction sa;
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = count_handler;
		sa.sa_flags = SA_RESETHAND;
		sigaction(SIGUSR2, &sa, NULL);
		raise(SIGUSR2);
		printf("child: caught once (%d)\n", count);
		fflush(stdout);
		raise(SIGUSR2);
		printf("child: still alive\n");
		_exit(0);
	}
	int st;
	waitpid(pid, &st, 0);
	printf("SA_RESETHAND: child signaled %d, signal %d\n", WIFSIGNALED(st), WIFSIGNALED(st) ? WTERMSIG(st) : 0);

	/* A blocked signal stays pending until unblocked. */
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = count_handler;
	sigaction(SIGUSR2, &sa, NULL);
	count = 0;
	sigset_t s, pend;
	sigemptyset(&s);
	sigaddset(&s, SIGUSR2);
	sigprocmask(SIG_BLOCK, &s, NULL);
	raise(SIGUSR2);
	raise(SIGUSR2);
	sigpending(&pend);
	printf("blocked: count %d, pending %d\n", count, sigismember(&pend, SIGUSR2));
	sigprocmask(SIG_UNBLOCK, &s, NULL);
	sigpending(&pend);
	printf("unblocked: count %d (standard signals do not queue), pending %d\n", count, sigismember(&pend, SIGUSR2));

	/* sigaltstack */
	static char alt[65536];
	stack_t ss = { .ss_sp = alt, .ss_size = sizeof(alt), .ss_flags = 0 }, old;
	SHOW(sigaltstack(&ss, &old));
	printf("old: flags %s\n", old.ss_flags == SS_DISABLE ? "SS_DISABLE" : "?");
	install(SIGUSR1, info_handler, SA_ONSTACK);
	raise(SIGUSR1);
	printf("SA_ONSTACK handler on the alternate stack: %s\n",
	       handler_sp >= (uintptr_t)alt && handler_sp < (uintptr_t)alt + sizeof(alt) ? "yes" : "no");
	install(SIGUSR1, info_handler, 0);
	raise(SIGUSR1);
	printf("without SA_ONSTACK: %s\n",
	       handler_sp >= (uintptr_t)alt && handler_sp < (uintptr_t)alt + sizeof(alt) ? "alternate" : "normal stack");
	stack_t small = { .ss_sp = alt, .ss_size = 100, .ss_flags = 0 };
	SHOW(sigaltstack(&small, NULL));
	stack_t bad = { .ss_sp = alt, .ss_size = sizeof(alt), .ss_flags = 12345 };
	SHOW(sigaltstack(&bad, NULL));
	stack_t dis = { .ss_flags = SS_DISABLE };
	SHOW(sigaltstack(&dis, NULL));
	SHOW(sigaltstack(NULL, &old));
	printf("after SS_DISABLE: flags %s\n", old.ss_flags == SS_DISABLE ? "SS_DISABLE" : "?");

	/* The handler changes the interrupted context through its ucontext. */
	install(SIGSEGV, skip_handler, 0);
	long rbx = 0;
	__asm__ volatile("xor %%ebx, %%ebx\n\tmov $0x10, %%eax\n\t.byte 0xc6, 0x00, 0x00\n\tmov %%rbx, %0"
			 : "=r"(rbx)
			 :
			 : "rax", "rbx", "memory");
	printf("skipped the faulting instruction, rbx from the handler: %ld\n", rbx);

	/* FP registers survive a handler that computes in FP. */
	signal(SIGUSR1, fp_handler);
	volatile double a = 1.0 / 3.0;
	double b = a * 3.0;
	raise(SIGUSR1);
	printf("fp: %.6f %.6f, handler computed %.3f\n", a, b, fp_result);

	/* kill with signal 0, bad numbers */
	SHOW(kill(getpid(), 0));
	SHOW(kill(getpid(), 65));
	SHOW(kill(getpid(), -1));
	SHOW(syscall(SYS_rt_sigaction, 0, NULL, NULL, 8));
	SHOW(syscall(SYS_rt_sigaction, SIGKILL, &sa, NULL, 8));
	SHOW(syscall(SYS_rt_sigaction, SIGUSR1, NULL, NULL, 4));
	SHOW(syscall(SYS_rt_sigaction, SIGUSR1, (void *)8, NULL, 8));
	SHOW(syscall(SYS_tgkill, getpid(), 999999, SIGUSR1));
	SHOW(syscall(SYS_tgkill, 0, syscall(SYS_gettid), SIGUSR1));
	return 0;
}
