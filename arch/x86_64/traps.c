/* traps.c - exception and interrupt dispatch, and the oops report.
 *
 * trap_dispatch() is called by entry.asm for every vector.  Exceptions in
 * kernel mode first try the exception table (a fault at a registered
 * instruction resumes at its fixup, how user copies return -EFAULT); any
 * other kernel exception is fatal: die() prints the vector, error code, CR2,
 * the registers and a symbolised frame-pointer backtrace, then stops every
 * CPU.  Device and IPI vectors go to the handler registered for them. */
#include "arch/x86_64/trap.h"
#include "arch/x86_64/apic.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/serial.h"
#include "arch/x86_64/x86.h"
#include "kernel/ksyms.h"
#include "kernel/panic.h"
#include "kernel/percpu.h"
#include "kernel/printk.h"
#include "kernel/errno.h"
#include "kernel/proc.h"
#include "kernel/uaccess.h"
#include "mm/mm.h"
#include "mm/mmstat.h"
#include "mm/vmap.h"

extern irq_handler_t irq_handlers[256];

static const char *const exception_names[32] = {
	"#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow", "#BR bound range exceeded",
	"#UD invalid opcode", "#NM device not available", "#DF double fault", "coprocessor segment overrun",
	"#TS invalid TSS", "#NP segment not present", "#SS stack-segment fault", "#GP general protection fault",
	"#PF page fault", "reserved 15", "#MF x87 floating-point error", "#AC alignment check", "#MC machine check",
	"#XM SIMD floating-point exception", "#VE virtualization exception", "#CP control protection",
	"reserved 22", "reserved 23", "reserved 24", "reserved 25", "reserved 26", "reserved 27",
	"#HV hypervisor injection", "#VC VMM communication", "#SX security exception", "reserved 31",
};

/* Exception table: pairs (faulting instruction, fixup), emitted by the
 * uaccess macros into section .ex_table. */
struct ex_entry {
	uint64_t insn, fixup;
};
extern const struct ex_entry __ex_table_start[], __ex_table_end[];

static uint64_t extable_fixup(uint64_t rip)
{
	for (const struct ex_entry *e = __ex_table_start; e < __ex_table_end; e++)
		if (e->insn == rip)
			return e->fixup;
	return 0;
}

static void print_symbol(const char *prefix, uint64_t addr)
{
	uint64_t off, size;
	const char *name = ksym_lookup(addr, &off, &size);
	if (name)
		printk(KERN_EMERG "%s[<%016llx>] %s+0x%llx/0x%llx\n", prefix, (unsigned long long)addr, name,
		       (unsigned long long)off, (unsigned long long)size);
	else
		printk(KERN_EMERG "%s[<%016llx>] ?\n", prefix, (unsigned long long)addr);
}

/* Walk the frame-pointer chain (every kernel function keeps rbp: built with
 * -fno-omit-frame-pointer).  Each frame is [saved rbp][return address];
 * every pointer is checked to be mapped before it is read, so a corrupt
 * chain ends the trace instead of faulting again. */
void print_backtrace(uint64_t rbp, uint64_t rip)
{
	printk(KERN_EMERG "Call Trace:\n");
	if (rip)
		print_symbol("  ", rip);
	for (int depth = 0; depth < 32 && rbp; depth++) {
		if ((rbp & 7) || rbp < KERNEL_HALF_START || !kernel_addr_mapped(rbp) ||
		    !kernel_addr_mapped(rbp + 15))
			break;
		uint64_t next = ((uint64_t *)rbp)[0];
		uint64_t ret = ((uint64_t *)rbp)[1];
		if (!ret)
			break;
		print_symbol("  ", ret);
		if (next <= rbp && next) /* stacks grow down: callers' frames are above */
			break;
		rbp = next;
	}
}

void dump_stack(void)
{
	print_backtrace((uint64_t)__builtin_frame_address(0), 0);
}

static void print_regs(const struct trap_frame *tf)
{
	printk(KERN_EMERG "RIP: %04llx:%016llx RFLAGS: %08llx\n", (unsigned long long)tf->cs,
	       (unsigned long long)tf->rip, (unsigned long long)tf->rflags);
	print_symbol("RIP is at ", tf->rip);
	printk(KERN_EMERG "RSP: %04llx:%016llx CR2: %016llx CR3: %016llx\n", (unsigned long long)tf->ss,
	       (unsigned long long)tf->rsp, (unsigned long long)read_cr2(), (unsigned long long)read_cr3());
	printk(KERN_EMERG "RAX: %016llx RBX: %016llx RCX: %016llx\n", (unsigned long long)tf->rax,
	       (unsigned long long)tf->rbx, (unsigned long long)tf->rcx);
	printk(KERN_EMERG "RDX: %016llx RSI: %016llx RDI: %016llx\n", (unsigned long long)tf->rdx,
	       (unsigned long long)tf->rsi, (unsigned long long)tf->rdi);
	printk(KERN_EMERG "RBP: %016llx R08: %016llx R09: %016llx\n", (unsigned long long)tf->rbp,
	       (unsigned long long)tf->r8, (unsigned long long)tf->r9);
	printk(KERN_EMERG "R10: %016llx R11: %016llx R12: %016llx\n", (unsigned long long)tf->r10,
	       (unsigned long long)tf->r11, (unsigned long long)tf->r12);
	printk(KERN_EMERG "R13: %016llx R14: %016llx R15: %016llx\n", (unsigned long long)tf->r13,
	       (unsigned long long)tf->r14, (unsigned long long)tf->r15);
}

__noreturn void die(struct trap_frame *tf, const char *why)
{
	panic_enter();
	printk(KERN_EMERG "faultline: kernel oops: %s (vector %llu) on cpu%u, error code 0x%llx\n", why,
	       (unsigned long long)tf->vector, cpu_id(), (unsigned long long)tf->error);
	if (tf->vector == 14) {
		uint64_t e = tf->error;
		printk(KERN_EMERG "page fault at address %016llx: %s, %s, %s mode%s\n", (unsigned long long)read_cr2(),
		       e & 1 ? "protection violation" : "page not present", e & 2 ? "write" : e & 16 ? "instruction fetch" : "read",
		       e & 4 ? "user" : "kernel", e & 8 ? ", reserved bit set" : "");
	}
	if ((tf->vector == 14 || tf->vector == 8) && vmap_is_guard(read_cr2()))
		printk(KERN_EMERG "kernel stack overflow: %016llx is a stack guard page\n",
		       (unsigned long long)read_cr2());
	print_regs(tf);
	print_backtrace(tf->rbp, 0);
	panic_finish();
}

void call_on_stack(void *arg, void (*fn)(void *), void *stack_top);

static void die_stack_overflow(void *tf) { die(tf, exception_names[14]); }

/* NMIs arrive even with interrupts off, so this handler takes no lock (it
 * could be one this CPU already holds): it reports through the raw serial
 * port. */
static void nmi(struct trap_frame *tf)
{
	if (panicking) {
		panic_stopped_ack(); /* stopped by the CPU that panicked */
		halt_forever();
	}
	char buf[96];
	int n = snprintf(buf, sizeof(buf), "NMI on cpu%u at %016llx (ignored)\n", cpu_id(),
			 (unsigned long long)tf->rip);
	serial_write(buf, (size_t)MIN(n, (int)sizeof(buf) - 1));
}

/* The signal for an exception in user mode, with Linux's si_code and
 * si_addr; the thread's handler runs, or the process dies with a report. */
#define SEGV_MAPERR 1
#define SEGV_ACCERR 2
#define ILL_ILLOPN 2
#define FPE_INTDIV 1
#define FPE_FLTINV 7
#define BUS_ADRALN 1
#define BUS_ADRERR 2
#define TRAP_BRKPT 1
#define SI_KERNEL_CODE 0x80
static void user_exception(struct trap_frame *tf)
{
	unsigned v = tf->vector;
	irq_enable();
	if (v == 14) {
		uint64_t addr = read_cr2(), e = tf->error;
		unsigned access = e & 2 ? FAULT_WRITE : e & 16 ? FAULT_EXEC : FAULT_READ;
		int r = addr < USER_TOP ? mm_fault(current->proc->mm, addr, access) : -EFAULT;
		if (r == 0)
			return;
		if (r == -ENOMEM) { /* out of memory: this process goes, the kernel and the others live on */
			mmstat_inc(MMSTAT_OOM_KILL);
			user_fault_kill(SIGKILL, addr, "out of memory in a page fault", tf);
		}
		if (r == -ERANGE) { /* beyond the end of the object it maps */
			force_sig_fault(SIGBUS, BUS_ADRERR, addr, "access beyond the end of a shared mapping", tf);
			return;
		}
		const char *why = r == -EACCES ? (e & 2 ? "write to a page without PROT_WRITE (SEGV_ACCERR)"
						  : e & 16 ? "execute in a page without PROT_EXEC (SEGV_ACCERR)"
							   : "read of a PROT_NONE page (SEGV_ACCERR)")
					       : (e & 2 ? "write to an unmapped address (SEGV_MAPERR)"
						  : e & 16 ? "execute at an unmapped address (SEGV_MAPERR)"
							   : "read of an unmapped address (SEGV_MAPERR)");
		force_sig_fault(SIGSEGV, r == -EACCES ? SEGV_ACCERR : SEGV_MAPERR, addr, why, tf);
		return;
	}
	switch (v) {
	case 0: force_sig_fault(SIGFPE, FPE_INTDIV, tf->rip, exception_names[v], tf); break;
	case 16: case 19: force_sig_fault(SIGFPE, FPE_FLTINV, tf->rip, exception_names[v], tf); break;
	case 1: force_sig_fault(SIGTRAP, TRAP_BRKPT, tf->rip, exception_names[v], tf); break;
	case 3: force_sig_fault(SIGTRAP, SI_KERNEL_CODE, 0, exception_names[v], tf); break;
	case 6: force_sig_fault(SIGILL, ILL_ILLOPN, tf->rip, exception_names[v], tf); break;
	case 17: force_sig_fault(SIGBUS, BUS_ADRALN, 0, exception_names[v], tf); break;
	default: force_sig_fault(SIGSEGV, SI_KERNEL_CODE, 0, exception_names[v], tf); break;
	}
}

/* A page fault in the kernel at a user-copy instruction: fault the user
 * page in like a user access would (the copy then resumes), unless the
 * copy must not sleep.  False: let the exception table fix it up. */
static bool uaccess_fault(struct trap_frame *tf)
{
	uint64_t addr = read_cr2();
	struct task *t = current;
	if (addr >= USER_TOP || !t->proc || !t->proc->mm || t->uaccess_nofault || this_cpu()->preempt_count ||
	    !(tf->rflags & RFLAGS_IF))
		return false;
	irq_enable();
	int r = mm_fault(t->proc->mm, addr, tf->error & 2 ? FAULT_WRITE : FAULT_READ);
	irq_disable();
	return r == 0;
}

void trap_dispatch(struct trap_frame *tf)
{
	unsigned v = tf->vector;
	if (v == 2)
		return nmi(tf);
	if (v < 32 && (tf->cs & 3))
		return user_exception(tf);
	if (v < 32) {
		/* A kernel stack ran into its guard page: whatever stack is left
		 * is too little to print a report on, so move to this CPU's
		 * emergency stack first. */
		if (v == 14 && !(tf->cs & 3) && vmap_is_guard(read_cr2()))
			call_on_stack(tf, die_stack_overflow, this_cpu()->emergency_stack);
		uint64_t fix = extable_fixup(tf->rip);
		if (fix) {
			if (v == 14 && uaccess_fault(tf))
				return; /* retry the copy */
			tf->rip = fix;
			return;
		}
		die(tf, exception_names[v]);
	}
	struct cpu *c = this_cpu();
	c->irq_depth++;
	irq_handler_t h = irq_handlers[v];
	if (h)
		h(tf);
	else if (v != VEC_SPURIOUS)
		printk(KERN_WARNING "unexpected interrupt vector 0x%x on cpu%u\n", v, c->id);
	if (v != VEC_SPURIOUS)
		lapic_eoi();
	c->irq_depth--;
}
