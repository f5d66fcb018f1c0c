/* smp.c - start the application processors, all at once.
 *
 * Number the CPUs the MADT lists (the boot CPU is 0, the others in MADT
 * order), give each AP a kernel stack (with guard page) and its interrupt
 * stacks, fill the trampoline's parameter block once (the table of APIC
 * ids and stacks each AP looks itself up in: boot/trampoline.asm), then
 * send INIT to every AP, wait 10 ms, send SIPI to every AP, wait 200 us,
 * send a second SIPI to those that have not started (Intel SDM vol. 3, "MP
 * initialization"), and wait up to AP_TIMEOUT_MS for all of them together.
 * The 10 ms INIT wait is paid once, not once per CPU.  A CPU that does not
 * answer is reported and skipped.  cpu_online_mask and ncpus_online are
 * updated by each AP itself (atomically); nr_cpu_ids is set before any AP
 * runs. */
#include "kernel/epoch.h"
#include "kernel/smp.h"
#include "kernel/atomic.h"
#include "arch/x86_64/acpi.h"
#include "arch/x86_64/apic.h"
#include "arch/x86_64/bootinfo.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/trap.h"
#include "arch/x86_64/x86.h"
#include "kernel/assert.h"
#include "kernel/lib/cmdline.h"
#include "kernel/printk.h"
#include "kernel/lib/string.h"
#include "kernel/time.h"
#include "mm/vmap.h"

#define TRAMPOLINE_PHYS 0x8000 /* matches boot/trampoline.asm */
#define AP_TIMEOUT_MS 2000     /* generous: TCG on a loaded host is slow */
_Static_assert(ACPI_MAX_CPUS == MAX_CPUS, "the MADT parser keeps as many CPUs as the kernel has slots for");

struct tramp_params { /* boot/trampoline.asm's parameter block */
	uint64_t cr3, efer, entry;
	uint64_t apic_ids; /* ap_apic_ids */
	uint64_t stacks;   /* ap_stacks */
	uint64_t ncpus;
};

/* What the trampoline reads, by logical id (written before the IPIs). */
static uint32_t ap_apic_ids[MAX_CPUS];
static uint64_t ap_stacks[MAX_CPUS]; /* 0: not being started */

extern const char trampoline_base[], trampoline_params[], trampoline_end[];
struct cpumask cpu_online_mask;
unsigned ncpus_online;
unsigned ncpus;
void cpu_init_this(unsigned id); /* main.c: per-CPU setup common to all CPUs */
__noreturn void ap_idle(void);   /* main.c */

/* Who owns an AP's start: it moves WAITING -> RUNNING itself when it reaches
 * C, or the boot CPU moves it WAITING -> ABANDONED when it gave up waiting.
 * Exactly one compare-and-swap wins, so a CPU that wakes after the timeout
 * parks at once without touching shared state, and a CPU that is running
 * is never reset under the boot CPU's feet. */
enum { AP_WAITING, AP_RUNNING, AP_ABANDONED };
static int ap_state[MAX_CPUS];

static __noreturn void ap_entry(uint64_t id)
{
	int expected = AP_WAITING;
	if (!try_cmpxchg(&ap_state[id], &expected, AP_RUNNING))
		for (;;) { /* too late: the boot CPU has given up on us */
			irq_disable();
			hlt();
		}
	percpu_init_this((unsigned)id);
	cpu_init_this((unsigned)id);
	apic_init_ap();
	struct cpu *c = this_cpu();
	/* Published last, once this CPU can take IPIs. */
	add_return(&ncpus_online, 1);
	epoch_cpu_online(c->id); /* before anyone may queue a callback on it */
	cpumask_set(&cpu_online_mask, c->id);
	WRITE_ONCE(c->online, true);
	ap_idle();
}

/* The trampoline overwrites one page below 1 MiB (never handed to the frame
 * allocator); firmware should have left it as ordinary RAM. */
static bool trampoline_page_is_ram(void)
{
	for (unsigned i = 0; i < boot_info.nregions; i++) {
		const struct mem_region *r = &boot_info.regions[i];
		if (r->type == MEM_AVAILABLE && r->base <= TRAMPOLINE_PHYS && TRAMPOLINE_PHYS + PAGE_SIZE <= r->base + r->len)
			return true;
	}
	return false;
}

/* Stacks for AP id; false when out of memory (it is then not started). */
static bool prepare_ap(unsigned id)
{
	void *stack = vmap_stack_alloc(KSTACK_PAGES);
	/* The AP's interrupt stacks are made here, so it need not allocate
	 * before its TSS and IDT are loaded. */
	if (!stack || !gdt_alloc_stacks(id)) {
		pr_err("smp: out of memory for cpu%u's stacks\n", id);
		return false;
	}
	cpus[id].kstack_top = stack;
	ap_state[id] = AP_WAITING;
	ap_stacks[id] = (uint64_t)stack;
	return true;
}

static bool ap_waiting(unsigned id) { return ap_stacks[id] && READ_ONCE(ap_state[id]) == AP_WAITING; }

/* INIT-SIPI-SIPI to every prepared AP in [1, n), then wait for them all. */
static void start_aps(unsigned n)
{
	struct tramp_params *p = phys_to_virt(TRAMPOLINE_PHYS + (trampoline_params - trampoline_base));
	p->cr3 = read_cr3();
	p->efer = EFER_LME | (rdmsr(MSR_EFER) & EFER_NXE);
	p->entry = (uint64_t)ap_entry;
	p->apic_ids = (uint64_t)ap_apic_ids;
	p->stacks = (uint64_t)ap_stacks;
	p->ncpus = n;
	smp_mb();

	for (unsigned id = 1; id < n; id++)
		if (ap_stacks[id]) {
			apic_send_init(cpus[id].apic_id);
			apic_ipi_wait_idle();
		}
	mdelay(10);
	for (int sipi = 0; sipi < 2; sipi++) {
		for (unsigned id = 1; id < n; id++)
			if (ap_waiting(id)) {
				apic_send_sipi(cpus[id].apic_id, TRAMPOLINE_PHYS >> 12);
				apic_ipi_wait_idle();
			}
		udelay(200);
	}
	uint64_t deadline = time_ns() + AP_TIMEOUT_MS * 1000000ull;
	for (unsigned id = 1; id < n; id++)
		while (ap_waiting(id) && time_ns() < deadline)
			cpu_relax();
	for (unsigned id = 1; id < n; id++) {
		struct cpu *c = &cpus[id];
		if (!ap_stacks[id])
			continue;
		int expected = AP_WAITING;
		if (try_cmpxchg(&ap_state[id], &expected, AP_ABANDONED)) {
			/* It never reached C.  Put it back into wait-for-SIPI, so
			 * that it cannot run once the trampoline is gone. */
			apic_send_init(c->apic_id);
			apic_ipi_wait_idle();
			pr_warn("smp: cpu%u (APIC id %u) did not answer INIT-SIPI-SIPI; skipped\n", id, c->apic_id);
			continue;
		}
		/* It is running: its setup is short and cannot fail, so wait for it. */
		while (!READ_ONCE(c->online))
			cpu_relax();
		pr_info("smp: cpu%u online (APIC id %u)\n", id, c->apic_id);
	}
}

void smp_boot_aps(void)
{
	uint32_t me = apic_id();
	/* Logical ids: the boot CPU is 0, the others in MADT order. */
	unsigned n = 1, unreachable = 0;
	bool found_me = false;
	for (unsigned i = 0; i < acpi_info.ncpus; i++) {
		if (acpi_info.cpus[i].apic_id == me) {
			found_me = true;
			continue;
		}
		if (!acpi_info.cpus[i].enabled)
			continue; /* online-capable: for hot-plug, not started at boot */
		if (!apic_x2apic && acpi_info.cpus[i].apic_id > 254) {
			unreachable++; /* an 8-bit xAPIC destination cannot name it */
			continue;
		}
		if (n == MAX_CPUS)
			break;
		cpus[n++].apic_id = acpi_info.cpus[i].apic_id;
	}
	if (!found_me)
		pr_warn("smp: the boot CPU (APIC id %u) is not in the MADT\n", me);
	if (unreachable)
		pr_warn("smp: %u CPUs have APIC ids above 254, which xAPIC mode cannot reach; not started\n",
			unreachable);
	/* Test knob: smp.phantom_apic=ID adds a CPU that does not exist, to
	 * exercise the "did not answer" path (tests/run.sh). */
	long phantom = cmdline_get_int("smp.phantom_apic", -1);
	if (phantom >= 0 && n < MAX_CPUS)
		cpus[n++].apic_id = (uint32_t)phantom;
	cpus[0].apic_id = me;
	ncpus = n;
	for (unsigned id = 0; id < n; id++)
		ap_apic_ids[id] = cpus[id].apic_id;
	WRITE_ONCE(nr_cpu_ids, n); /* before any AP runs, and never again */

	uint64_t t0 = time_ns();
	if (ncpus > 1) {
		if (!trampoline_page_is_ram())
			pr_warn("smp: the memory map does not list 0x%x as free RAM; using it for the AP trampoline anyway\n",
				TRAMPOLINE_PHYS);
		BUG_ON(trampoline_end - trampoline_base > (long)PAGE_SIZE);
		/* Not RAM by the memory map: not in the direct map either. */
		if (!kernel_addr_mapped((uint64_t)phys_to_virt(TRAMPOLINE_PHYS)) &&
		    kmap_page((uint64_t)phys_to_virt(TRAMPOLINE_PHYS), TRAMPOLINE_PHYS, PTE_W | PTE_NX) < 0)
			panic("smp: cannot map the AP trampoline page");
		memcpy(phys_to_virt(TRAMPOLINE_PHYS), trampoline_base, trampoline_end - trampoline_base);
	}
	long maxcpus = cmdline_get_int("maxcpus", MAX_CPUS);
	if (cmdline_has("nosmp"))
		maxcpus = 1;
	for (unsigned id = 1; id < ncpus; id++) {
		if ((long)id >= maxcpus)
			pr_info("smp: cpu%u (APIC id %u) not started (maxcpus=%ld)\n", id, cpus[id].apic_id, maxcpus);
		else
			prepare_ap(id);
	}
	if (ncpus > 1)
		start_aps(ncpus);
	/* The identity map was only for the trampoline: drop it on every CPU,
	 * so a stray low-address access faults everywhere. */
	paging_drop_identity();
	flush_tlb_kernel_range(0, 1ul << 30);
	uint64_t t1 = time_ns();
	pr_info("smp: %u of %u CPUs online (APs started in %llu ms)\n", READ_ONCE(ncpus_online), ncpus,
		(unsigned long long)((t1 - t0) / 1000000));
}
