/* syscall.c - the system-call table and dispatcher, and the way back to
 * user mode.
 *
 * The table is built at boot from the SYSCALL() entries each subsystem
 * places in the .syscalls section (a number registered twice is a build
 * error caught at boot).  syscall_dispatch() runs with interrupts on, on
 * the task's kernel stack, with the user registers in *tf. */
#include "kernel/epoch.h"
#include "kernel/syscall.h"
#include "arch/x86_64/x86.h"
#include "kernel/assert.h"
#include "kernel/errno.h"
#include "kernel/panic.h"
#include "kernel/percpu.h"
#include "kernel/printk.h"
#include "kernel/proc.h"

extern const struct syscall_entry __syscalls_start[], __syscalls_end[];
static syscall_fn table[NR_SYSCALLS];
static const char *names[NR_SYSCALLS];
static uint64_t unknown_logged[NR_SYSCALLS / 64 + 1]; /* numbers already reported */

void syscall_entry(void); /* entry.asm */

void syscall_table_init(void)
{
	unsigned n = 0;
	for (const struct syscall_entry *e = __syscalls_start; e < __syscalls_end; e++, n++) {
		if (e->nr >= NR_SYSCALLS || table[e->nr])
			panic("syscall %s (%u) registered twice or out of range", e->name, e->nr);
		table[e->nr] = e->fn;
		names[e->nr] = e->name;
	}
	pr_info("syscall: %u system calls\n", n);
}

const char *syscall_name(unsigned nr) { return nr < NR_SYSCALLS ? names[nr] : NULL; }

void syscall_init_cpu(void)
{
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
	/* SYSCALL loads CS = STAR[47:32], SS = +8; SYSRET (64-bit) loads
	 * CS = STAR[63:48] + 16, SS = STAR[63:48] + 8, both with RPL 3. */
	wrmsr(MSR_STAR, ((uint64_t)GDT_USER_CS32 << 48) | ((uint64_t)GDT_KERNEL_CS << 32));
	wrmsr(MSR_LSTAR, (uint64_t)syscall_entry);
	/* Cleared on entry: IF (entered with interrupts off until the stack
	 * is switched), TF, DF, AC (SMAP stays armed), NT. */
	wrmsr(MSR_SFMASK, RFLAGS_IF | (1u << 8) | (1u << 10) | RFLAGS_AC | (1u << 14));
}

void syscall_dispatch(struct trap_frame *tf)
{
	uint64_t nr = tf->rax;
	tf->error = nr; /* for a restart after a signal (signal_syscall_restart) */
	syscall_fn fn = nr < NR_SYSCALLS ? table[nr] : NULL;
	if (!fn) {
		if (nr < NR_SYSCALLS && !(fetch_or(&unknown_logged[nr / 64], 1ull << (nr % 64)) & (1ull << (nr % 64))))
			printk(KERN_WARNING "faultline: unknown system call %llu from pid %d (%s): -ENOSYS\n",
			       (unsigned long long)nr, current->proc->pid, current->proc->name);
		tf->rax = (uint64_t)-ENOSYS;
		return;
	}
	tf->rax = (uint64_t)fn(tf->rdi, tf->rsi, tf->rdx, tf->r10, tf->r8, tf->r9);
}

/* On every return to user mode (interrupt or syscall): reschedule when
 * the slice is over, leave when the process is being killed, handle
 * signals.  Returns with interrupts off, ready for iretq/sysret. */
void exit_to_user(struct trap_frame *tf)
{
	for (;;) {
		irq_disable();
		struct cpu *c = this_cpu();
		BUG_ON(c->preempt_count);
		if (c->need_resched) {
			irq_enable();
			schedule();
			continue;
		}
		if (fatal_signal_pending()) { /* exit_group, a fatal signal, or another thread's execve */
			irq_enable();
			do_exit_thread(0);
		}
		enum jobctl j = READ_ONCE(current->proc->jobctl);
		if (j == JOB_STOPPING || j == JOB_STOPPED) { /* SIGSTOP & co.: park till SIGCONT */
			irq_enable();
			do_signal_stop();
			continue;
		}
		if (current->sigpending || current->proc->sigpending || current->restore_sigmask) {
			irq_enable();
			handle_signals(tf);
			irq_disable();
		}
		/* interrupted with no handler to run: the call again */
		signal_syscall_restart(tf, NULL);
		/* Leaving the kernel: no epoch reference survives this (a
		 * quiescent state), and a good moment for due callbacks. */
		epoch_quiescent_run(EPOCH_RUN_BATCH);
		return;
	}
}
