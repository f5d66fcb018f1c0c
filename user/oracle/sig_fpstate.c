/* sig_fpstate.c - the FPU state in a signal frame is Linux's: with xsave,
 * uc_flags has UC_FP_XSTATE, the fxsave part's software bytes start with
 * FP_XSTATE_MAGIC1 and give the xsave size, FP_XSTATE_MAGIC2 follows the
 * image; the handler sees the interrupted xmm0 in uc_mcontext.fpregs, and
 * what it writes there is what the interrupted code gets back. */
#define _GNU_SOURCE
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <ucontext.h>
#include "oracle.h"

#define UC_FP_XSTATE 0x1
#define MAGIC1 0x46505853u
#define MAGIC2 0x46505845u
#define XMM0 160 /* offset of xmm0 in the fxsave image */

static const uint64_t before[2] = { 0x1122334455667788ull, 0x99aabbccddeeff00ull };
static const uint64_t after[2] = { 0x0123456789abcdefull, 0xfedcba9876543210ull };
static volatile int xstate_flag, magic1_ok, size_ok, magic2_ok, saw_xmm0;

static void handler(int sig, siginfo_t *si, void *ucv)
{
	(void)sig;
	(void)si;
	ucontext_t *uc = ucv;
	uint8_t *fp = (uint8_t *)uc->uc_mcontext.fpregs;
	xstate_flag = (uc->uc_flags & UC_FP_XSTATE) != 0;
	uint32_t m1, ext, xsize, m2;
	memcpy(&m1, fp + 464, 4);
	memcpy(&ext, fp + 468, 4);
	memcpy(&xsize, fp + 480, 4);
	magic1_ok = m1 == MAGIC1;
	size_ok = xsize >= 576 && ext == xsize + 4;
	if (magic1_ok && size_ok) {
		memcpy(&m2, fp + xsize, 4);
		magic2_ok = m2 == MAGIC2;
	}
	saw_xmm0 = !memcmp(fp + XMM0, before, 16);
	memcpy(fp + XMM0, after, 16);
}

/* Sets a feature bit no CPU has in the frame's XSTATE_BV: the xrstor of
 * rt_sigreturn would fault, which must end the process, not the kernel. */
static void bad_handler(int sig, siginfo_t *si, void *ucv)
{
	(void)sig;
	(void)si;
	uint8_t *fp = (uint8_t *)((ucontext_t *)ucv)->uc_mcontext.fpregs;
	fp[512 + 7] |= 0x40; /* XSTATE_BV bit 62 */
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	struct sigaction sa = { .sa_sigaction = handler, .sa_flags = SA_SIGINFO };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	uint64_t out[2];
	long pid = getpid(), tid = syscall(SYS_gettid);
	long nr = SYS_tgkill, ret;
	/* xmm0 = before; tgkill(self) - the handler runs on the way out of
	 * this very syscall; then read xmm0 back. */
	__asm__ volatile("movdqu (%[in]), %%xmm0\n\t"
			 "syscall\n\t"
			 "movdqu %%xmm0, (%[out])"
			 : "=a"(ret)
			 : "a"(nr), "D"(pid), "S"(tid), "d"((long)SIGUSR1), [in] "r"(before), [out] "r"(out)
			 : "rcx", "r11", "xmm0", "memory");
	printf("tgkill: %ld\n", ret);
	printf("uc_flags has UC_FP_XSTATE: %s\n", xstate_flag ? "yes" : "no");
	printf("FP_XSTATE_MAGIC1 in the software bytes: %s\n", magic1_ok ? "yes" : "no");
	printf("xstate_size > 512 and extended_size = xstate_size + 4: %s\n", size_ok ? "yes" : "no");
	printf("FP_XSTATE_MAGIC2 after the image: %s\n", magic2_ok ? "yes" : "no");
	printf("the handler saw the interrupted xmm0: %s\n", saw_xmm0 ? "yes" : "no");
	printf("xmm0 after the handler is what it wrote in the frame: %s\n", !memcmp(out, after, 16) ? "yes" : "no");

	pid_t c = fork();
	if (c == 0) {
		sa.sa_sigaction = bad_handler;
		sigaction(SIGUSR1, &sa, NULL);
		raise(SIGUSR1);
		_exit(0);
	}
	int st;
	waitpid(c, &st, 0);
	printf("a frame whose XSTATE_BV has a bit the CPU lacks: child %s %d\n",
	       WIFSIGNALED(st) ? "killed by signal" : "exited", WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
	return 0;
}
