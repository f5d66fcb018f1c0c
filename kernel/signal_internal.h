/* signal_internal.h - what signal.c and signal_frame.c share. */
#pragma once
#include "arch/x86_64/trap.h"
#include "kernel/proc.h"

#define SA_NOCLDSTOP 0x00000001
#define SA_SIGINFO 0x00000004
#define SA_ONSTACK 0x08000000
#define SA_RESTART 0x10000000
#define SA_NODEFER 0x40000000
#define SA_RESETHAND 0x80000000
#define SA_RESTORER 0x04000000

#define SS_ONSTACK 1
#define SS_DISABLE 2
#define SS_AUTODISARM (1u << 31)
#define MINSIGSTKSZ 2048

#define SIGBIT(s) (1ull << ((s) - 1))
#define UNBLOCKABLE (SIGBIT(SIGKILL) | SIGBIT(SIGSTOP))

/* si_code values */
#define SI_USER 0
#define SI_KERNEL 0x80
#define SI_TKILL (-6)

/* Linux's siginfo_t for x86_64, the members faultline fills. */
struct ksiginfo {
	int32_t signo, errno_, code, pad;
	union {
		struct {
			int32_t pid;
			uint32_t uid;
		};
		uint64_t addr; /* SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP */
	};
	uint8_t rest[128 - 24];
};

/* Push a handler frame for sig (signal_frame.c): 0, or -EFAULT when the
 * frame cannot be written (the caller kills the process). */
int setup_rt_frame(struct trap_frame *tf, int sig, const struct k_sigaction *ka, const struct ksiginfo *info);
