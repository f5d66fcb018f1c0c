/* signal_frame.c - running a user signal handler and returning from it,
 * laid out exactly as Linux x86_64 does, so musl's (and glibc's) handlers,
 * siglongjmp and ucontext users work unmodified.
 *
 * Delivery (setup_rt_frame) writes onto the user stack - or the alternate
 * signal stack for SA_ONSTACK handlers - from high to low addresses:
 *
 *     [ the interrupted stack ... ]
 *     128-byte red zone (not on the alternate stack)
 *     fpstate (64-byte aligned): with xsave, the whole xsave image (x87,
 *              SSE, AVX...) with Linux's software bytes in its bytes
 *              464..511 (FP_XSTATE_MAGIC1, sizes, features) and
 *              FP_XSTATE_MAGIC2 just after it, uc_flags UC_FP_XSTATE -
 *              what glibc and programs reading uc_mcontext.fpregs check;
 *              without xsave, the 512-byte fxsave image
 *     struct rt_sigframe:  pretcode   = sa_restorer (musl's __restore_rt,
 *                                       which calls rt_sigreturn)
 *                          uc         = struct ucontext: flags, link,
 *                                       uc_stack, uc_mcontext (every
 *                                       register, rip, eflags, cs, err,
 *                                       trapno, oldmask, cr2, &fpstate),
 *                                       uc_sigmask (the mask to restore)
 *                          info       = siginfo_t (128 bytes)
 *     <- rsp at handler entry; rsp + 8 is 16-byte aligned (as after a call)
 *
 * and enters the handler with rdi = sig, rsi = &info, rdx = &uc, rax = 0.
 * When the handler returns it "returns" to pretcode; rt_sigreturn reads
 * the ucontext back (rsp then points just above pretcode) and resumes the
 * interrupted context with the saved mask - or whatever the handler wrote
 * into uc_mcontext.  Everything restored is checked: segment selectors are
 * forced to the user ones, only the arithmetic/direction/trap/AC flags of
 * rflags come from user memory, a non-canonical rip is a bad frame, MXCSR
 * reserved bits are cleared.  A frame that cannot be written or read back
 * kills the process with SIGSEGV, as on Linux. */
#include "kernel/proc.h"
#include "arch/x86_64/fpu.h"
#include "arch/x86_64/trap.h"
#include "kernel/errno.h"
#include "kernel/printk.h"
#include "kernel/signal_internal.h"
#include "kernel/lib/string.h"
#include "kernel/syscall.h"
#include "kernel/uaccess.h"
#include "mm/slab.h"

struct sigcontext {
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags;
	uint16_t cs, gs, fs, ss;
	uint64_t err, trapno, oldmask, cr2;
	uint64_t fpstate; /* user address of the fxsave image, or 0 */
	uint64_t reserved1[8];
};

struct user_stack {
	uint64_t ss_sp;
	int32_t ss_flags;
	int32_t pad;
	uint64_t ss_size;
};

struct ucontext {
	uint64_t uc_flags;
	uint64_t uc_link;
	struct user_stack uc_stack;
	struct sigcontext uc_mcontext;
	uint64_t uc_sigmask;
};

struct rt_sigframe {
	uint64_t pretcode;
	struct ucontext uc;
	struct ksiginfo info;
};

_Static_assert(sizeof(struct sigcontext) == 256, "sigcontext layout");
_Static_assert(sizeof(struct ucontext) == 304, "ucontext layout");
_Static_assert(sizeof(struct ksiginfo) == 128, "siginfo layout");

#define UC_FP_XSTATE 0x1
#define UC_SIGCONTEXT_SS 0x2
#define UC_STRICT_RESTORE_SS 0x4
#define FPSTATE_SIZE 512 /* the fxsave image (the legacy part of an xsave one) */
#define FP_XSTATE_MAGIC1 0x46505853u
#define FP_XSTATE_MAGIC2 0x46505845u

/* Linux's struct _fpx_sw_bytes, in the fxsave image's bytes 464..511. */
struct fpx_sw_bytes {
	uint32_t magic1;
	uint32_t extended_size; /* xstate_size + the 4 bytes of magic2 */
	uint64_t xfeatures;
	uint32_t xstate_size;
	uint32_t padding[7];
};
_Static_assert(sizeof(struct fpx_sw_bytes) == 48, "fpx_sw_bytes layout");
#define FPX_SW_OFFSET 464
/* The rflags bits user code may set through sigreturn (Linux's FIX_EFLAGS). */
#define FIX_EFLAGS 0x50dd5ul /* AC RF OF DF TF SF ZF AF PF CF */
#define RFLAGS_TF 0x100ul
#define RFLAGS_DF 0x400ul
#define RFLAGS_RF 0x10000ul

/* ---- the alternate stack ---- */

static bool on_sig_stack(const struct task *t, uint64_t sp)
{
	return t->sas_ss_size && sp > t->sas_ss_sp && sp - t->sas_ss_sp <= t->sas_ss_size;
}

static int sas_ss_flags(const struct task *t, uint64_t sp)
{
	if (!t->sas_ss_size)
		return SS_DISABLE;
	return on_sig_stack(t, sp) ? SS_ONSTACK : 0;
}

static void save_altstack(const struct task *t, struct user_stack *us, uint64_t sp)
{
	us->ss_sp = t->sas_ss_sp;
	us->ss_flags = sas_ss_flags(t, sp) | (int)t->sas_ss_flags;
	us->pad = 0;
	us->ss_size = t->sas_ss_size;
}

/* Linux's do_sigaltstack(); sp is the user stack pointer of the caller. */
static int do_sigaltstack(const struct user_stack *ss, struct user_stack *oss, uint64_t sp)
{
	struct task *t = current;
	if (oss)
		save_altstack(t, oss, sp);
	if (ss) {
		if (on_sig_stack(t, sp))
			return -EPERM;
		int mode = ss->ss_flags & ~SS_AUTODISARM;
		if (mode != SS_DISABLE && mode != SS_ONSTACK && mode != 0)
			return -EINVAL;
		if (mode == SS_DISABLE) {
			t->sas_ss_sp = t->sas_ss_size = 0;
			t->sas_ss_flags = 0;
		} else {
			if (ss->ss_size < MINSIGSTKSZ)
				return -ENOMEM;
			t->sas_ss_sp = ss->ss_sp;
			t->sas_ss_size = ss->ss_size;
			t->sas_ss_flags = (unsigned)ss->ss_flags & SS_AUTODISARM;
		}
	}
	return 0;
}

static long sys_sigaltstack(const struct user_stack __user *uss, struct user_stack __user *uoss)
{
	struct user_stack ss, oss;
	if (uss && copy_from_user(&ss, uss, sizeof(ss)))
		return -EFAULT;
	int r = do_sigaltstack(uss ? &ss : NULL, &oss, current->user_tf->rsp);
	if (!r && uoss && copy_to_user(uoss, &oss, sizeof(oss)))
		r = -EFAULT;
	return r;
}

/* ---- delivery ---- */

int setup_rt_frame(struct trap_frame *tf, int sig, const struct k_sigaction *ka, const struct ksiginfo *info)
{
	struct task *t = current;
	uint64_t sp = tf->rsp - 128; /* the red zone */
	if ((ka->flags & SA_ONSTACK) && sas_ss_flags(t, tf->rsp) == 0) {
		sp = t->sas_ss_sp + t->sas_ss_size;
	}
	if (!(ka->flags & SA_RESTORER))
		return -EFAULT; /* x86_64 has no default trampoline */
	uint32_t xsize = fpu_xstate_size();
	uint64_t fp = ALIGN_DOWN(sp - (xsize ? xsize + 4 : FPSTATE_SIZE), 64);
	uint64_t frame_addr = ALIGN_DOWN(fp - sizeof(struct rt_sigframe), 16) - 8;

	struct rt_sigframe f;
	memset(&f, 0, sizeof(f));
	f.pretcode = ka->restorer;
	f.uc.uc_flags = UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS | (xsize ? UC_FP_XSTATE : 0);
	save_altstack(t, &f.uc.uc_stack, tf->rsp);
	struct sigcontext *sc = &f.uc.uc_mcontext;
	sc->r8 = tf->r8, sc->r9 = tf->r9, sc->r10 = tf->r10, sc->r11 = tf->r11;
	sc->r12 = tf->r12, sc->r13 = tf->r13, sc->r14 = tf->r14, sc->r15 = tf->r15;
	sc->rdi = tf->rdi, sc->rsi = tf->rsi, sc->rbp = tf->rbp, sc->rbx = tf->rbx;
	sc->rdx = tf->rdx, sc->rax = tf->rax, sc->rcx = tf->rcx, sc->rsp = tf->rsp;
	sc->rip = tf->rip, sc->eflags = tf->rflags;
	sc->cs = (uint16_t)tf->cs, sc->ss = (uint16_t)tf->ss;
	sc->trapno = tf->vector < 32 ? tf->vector : 0;
	sc->err = tf->vector < 32 ? tf->error : 0;
	sc->cr2 = info->addr;
	/* the mask rt_sigreturn restores: rt_sigsuspend's caller's, not the
	 * one it waited with */
	uint64_t mask = t->restore_sigmask ? t->saved_sigmask : t->sigmask;
	sc->oldmask = mask;
	sc->fpstate = fp;
	f.uc.uc_sigmask = mask;
	f.info = *info;

	fpu_save(t->fpu); /* the user's registers: the kernel never touches them */
	struct fpx_sw_bytes sw = { .magic1 = FP_XSTATE_MAGIC1, .extended_size = xsize + 4,
				   .xfeatures = fpu_xfeatures(), .xstate_size = xsize };
	uint32_t magic2 = FP_XSTATE_MAGIC2;
	if (copy_to_user((void __user *)fp, t->fpu, xsize ? xsize : FPSTATE_SIZE) ||
	    (xsize && (copy_to_user((void __user *)(fp + FPX_SW_OFFSET), &sw, sizeof(sw)) ||
		       copy_to_user((void __user *)(fp + xsize), &magic2, 4))) ||
	    copy_to_user((void __user *)frame_addr, &f, sizeof(f)))
		return -EFAULT;
	if (t->sas_ss_flags & SS_AUTODISARM) {
		t->sas_ss_sp = t->sas_ss_size = 0;
		t->sas_ss_flags = 0;
	}

	tf->rsp = frame_addr;
	tf->rip = ka->handler;
	tf->rdi = (uint64_t)sig;
	tf->rsi = frame_addr + offsetof(struct rt_sigframe, info);
	tf->rdx = frame_addr + offsetof(struct rt_sigframe, uc);
	tf->rax = 0;
	tf->rflags &= ~(RFLAGS_TF | RFLAGS_DF | RFLAGS_RF);
	tf->cs = GDT_USER_CS | 3;
	tf->ss = GDT_USER_DS | 3;
	/* the handler starts with a clean FPU control state, as on Linux */
	uint64_t blocked = ka->mask | ((ka->flags & SA_NODEFER) ? 0 : SIGBIT(sig));
	t->sigmask = (mask | blocked) & ~UNBLOCKABLE;
	t->restore_sigmask = false;
	return 0;
}

/* ---- return ---- */

/* The FPU state from a frame's fpstate at user address `fp`, whose first
 * 512 bytes are in fx: the whole xsave image when the software bytes and
 * magic2 say it is one of this CPU's size (as Linux checks), else the
 * legacy x87/SSE part.  0, or -1 for a bad frame. */
static int restore_fpstate(struct task *t, uint64_t fp, const uint8_t *fx)
{
	struct fpx_sw_bytes sw;
	uint32_t xsize = fpu_xstate_size(), magic2 = 0;
	memcpy(&sw, fx + FPX_SW_OFFSET, sizeof(sw));
	bool xstate = xsize && sw.magic1 == FP_XSTATE_MAGIC1 && sw.xstate_size == xsize &&
		      sw.extended_size == xsize + 4 && !copy_from_user(&magic2, (const void __user *)(fp + xsize), 4) &&
		      magic2 == FP_XSTATE_MAGIC2;
	fpu_save(t->fpu);
	if (!xstate) {
		fpu_set_legacy(t->fpu, fx);
	} else {
		uint8_t *img = kmalloc(xsize);
		int r = !img || copy_from_user(img, (const void __user *)fp, xsize) ? -1 : fpu_set_xstate(t->fpu, img);
		kfree(img);
		if (r)
			return -1;
	}
	fpu_restore(t->fpu);
	return 0;
}

static bool canonical(uint64_t a) { return a < (1ull << 47) || a >= 0xffff800000000000ull; }

static long sys_rt_sigreturn(void)
{
	struct task *t = current;
	struct trap_frame *tf = t->user_tf;
	uint64_t frame_addr = tf->rsp - 8; /* the handler's ret popped pretcode */
	struct ucontext uc;
	uint8_t fx[FPSTATE_SIZE] __aligned(16);
	if (copy_from_user(&uc, (const void __user *)(frame_addr + offsetof(struct rt_sigframe, uc)), sizeof(uc)))
		goto bad;
	const struct sigcontext *sc = &uc.uc_mcontext;
	if (!canonical(sc->rip) || sc->rip >= USER_TOP)
		goto bad;
	if (sc->fpstate && copy_from_user(fx, (const void __user *)sc->fpstate, sizeof(fx)))
		goto bad;
	tf->r8 = sc->r8, tf->r9 = sc->r9, tf->r10 = sc->r10, tf->r11 = sc->r11;
	tf->r12 = sc->r12, tf->r13 = sc->r13, tf->r14 = sc->r14, tf->r15 = sc->r15;
	tf->rdi = sc->rdi, tf->rsi = sc->rsi, tf->rbp = sc->rbp, tf->rbx = sc->rbx;
	tf->rdx = sc->rdx, tf->rax = sc->rax, tf->rcx = sc->rcx, tf->rsp = sc->rsp;
	tf->rip = sc->rip;
	tf->rflags = (tf->rflags & ~FIX_EFLAGS) | (sc->eflags & FIX_EFLAGS);
	tf->cs = GDT_USER_CS | 3;
	tf->ss = GDT_USER_DS | 3;
	tf->vector = VEC_SYSCALL;
	t->sigmask = uc.uc_sigmask & ~UNBLOCKABLE;
	if (sc->fpstate && restore_fpstate(t, sc->fpstate, fx))
		goto bad;
	do_sigaltstack(&uc.uc_stack, NULL, tf->rsp); /* errors other than faults are ignored, as on Linux */
	return (long)tf->rax; /* the syscall return path stores this into rax: keep the restored value */
bad:
	printk(KERN_WARNING "faultline: pid %d tid %d (%s): bad signal frame at %#llx\n", t->proc->pid, t->tid,
	       t->proc->name, (unsigned long long)frame_addr);
	do_exit_group(W_EXITCODE(0, SIGSEGV));
}

SYSCALL(rt_sigreturn, sys_rt_sigreturn);
SYSCALL(sigaltstack, sys_sigaltstack);
