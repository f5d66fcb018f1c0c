/* trap.h - the interrupt/exception frame and vector assignments. */
#pragma once
#include "kernel/compiler.h"

/* Pushed by entry.asm (general registers) and the CPU (error code .. ss). */
struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss;
};

/* Exceptions 0..31 are the CPU's; these are ours. */
#define VEC_IRQ_BASE 0x20    /* IOAPIC GSI n arrives at VEC_IRQ_BASE + n */
#define VEC_COM1 (VEC_IRQ_BASE + 4)
#define VEC_TIMER 0xe0       /* LAPIC timer */
#define VEC_CALL_FUNCTION 0xf0 /* smp_call_function IPI */
#define VEC_RESCHEDULE 0xf1
#define VEC_TEST 0xf2        /* used by ktests */
#define VEC_SPURIOUS 0xff
#define VEC_SYSCALL 0x100    /* trap_frame.vector of a syscall (entry.asm) */

#define GDT_KERNEL_CS 0x08
#define GDT_KERNEL_DS 0x10
#define GDT_USER_CS32 0x18
#define GDT_USER_DS 0x20
#define GDT_USER_CS 0x28
#define GDT_TSS 0x30

typedef void (*irq_handler_t)(struct trap_frame *tf);
void idt_init(void);          /* build the shared IDT (boot CPU) */
void idt_load(void);          /* load it (every CPU) */
void irq_register(unsigned vector, irq_handler_t fn);
bool gdt_alloc_stacks(unsigned cpu); /* IST + emergency stacks (boot CPU, before starting an AP) */
void gdt_init_cpu(unsigned cpu); /* per-CPU GDT + TSS with IST stacks; loads them */
void idt_enable_ist(void);
void tss_set_rsp0(unsigned cpu, uint64_t rsp0); /* kernel stack for traps from user mode */       /* once the boot CPU's TSS is loaded */
void trap_dispatch(struct trap_frame *tf);
__noreturn void die(struct trap_frame *tf, const char *why);
void dump_stack(void);
void print_backtrace(uint64_t rbp, uint64_t rip);
