/* gdt.c - per-CPU GDT and TSS.
 *
 * Each CPU has its own GDT (the TSS descriptor's busy bit is per CPU) and
 * TSS.  The TSS gives the interrupt stacks used regardless of the current
 * stack: IST1 for #DF, IST2 for NMI, IST3 for #MC, so a kernel stack
 * overflow (a #PF on the guard page that cannot push its frame) still
 * reaches die() with a usable stack.  rsp0 (the kernel stack for traps from
 * user mode) is set by the scheduler at every switch (tss_set_rsp0).
 * Layout (fixed by SYSCALL/SYSRET, see trap.h): null, kernel code, kernel
 * data, user code32, user data, user code64, TSS (two slots). */
#include "arch/x86_64/trap.h"
#include "arch/x86_64/x86.h"
#include "kernel/assert.h"
#include "kernel/percpu.h"
#include "kernel/lib/string.h"
#include "mm/vmap.h"

struct __packed tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
};

#define IST_DF 1
#define IST_NMI 2
#define IST_MC 3

struct cpu_tables {
	uint64_t gdt[8];
	struct tss tss;
	uint64_t ist_top[3]; /* tops of the IST1..3 stacks */
};
static struct cpu_tables tables[MAX_CPUS] __aligned(64);

/* The interrupt stacks (IST) and the emergency stack of CPU id; called by
 * the boot CPU, for itself and for each AP before starting it.  Returns
 * false when out of memory. */
bool gdt_alloc_stacks(unsigned id)
{
	struct cpu_tables *t = &tables[id];
	struct cpu *c = &cpus[id];
	for (int i = IST_DF; i <= IST_MC; i++) {
		if (!t->ist_top[i - 1])
			t->ist_top[i - 1] = (uint64_t)vmap_stack_alloc(KSTACK_PAGES);
		if (!t->ist_top[i - 1])
			return false;
	}
	if (!c->emergency_stack)
		c->emergency_stack = vmap_stack_alloc(KSTACK_PAGES);
	return c->emergency_stack != NULL;
}

/* Build and load this CPU's GDT and TSS.  Allocates nothing: it runs on an
 * AP before that AP has an IDT. */
void gdt_init_cpu(unsigned id)
{
	struct cpu_tables *t = &tables[id];
	BUG_ON(!t->ist_top[0] || !cpus[id].emergency_stack);
	memset(t->gdt, 0, sizeof(t->gdt));
	memset(&t->tss, 0, sizeof(t->tss));
	t->gdt[1] = 0x00af9a000000ffff; /* kernel code: L, P, DPL0, exec/read */
	t->gdt[2] = 0x00cf92000000ffff; /* kernel data */
	t->gdt[3] = 0x00cffa000000ffff; /* user code 32 (unused; SYSRET layout) */
	t->gdt[4] = 0x00cff2000000ffff; /* user data, DPL3 */
	t->gdt[5] = 0x00affa000000ffff; /* user code 64, DPL3 */
	uint64_t base = (uint64_t)&t->tss;
	uint64_t limit = sizeof(t->tss) - 1;
	t->gdt[6] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ul << 40) | (((limit >> 16) & 0xf) << 48) |
		    (((base >> 24) & 0xff) << 56);
	t->gdt[7] = base >> 32;
	t->tss.iomap_base = sizeof(t->tss); /* no I/O bitmap */
	for (int i = IST_DF; i <= IST_MC; i++)
		t->tss.ist[i - 1] = t->ist_top[i - 1];
	struct cpu *c = &cpus[id];
	c->tss = &t->tss;
	c->gdt = t->gdt;

	struct desc_ptr p = { sizeof(t->gdt) - 1, (uint64_t)t->gdt };
	lgdt(&p);
	/* Reload CS with a far return and the data segments; FS and GS are
	 * left alone so their MSR bases (the per-CPU pointer) survive. */
	__asm__ volatile("pushq %0\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\n\t"
			 "movw %w1, %%ax\n\t"
			 "movw %%ax, %%ds\n\t"
			 "movw %%ax, %%es\n\t"
			 "movw %%ax, %%ss\n\t" ::"i"(GDT_KERNEL_CS),
			 "i"(GDT_KERNEL_DS)
			 : "rax", "memory");
	ltr(GDT_TSS);
}

/* The IST index each exception vector uses (0: the current stack). */
unsigned gdt_ist_for_vector(unsigned v)
{
	switch (v) {
	case 2:
		return IST_NMI;
	case 8:
		return IST_DF;
	case 18:
		return IST_MC;
	default:
		return 0;
	}
}

void tss_set_rsp0(unsigned id, uint64_t rsp0) { tables[id].tss.rsp[0] = rsp0; }
