/* boot_test.c - ktests of what boot set up: kernel section permissions,
 * the direct map, the symbol table, the command line, time. */
#include "arch/x86_64/bootinfo.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/x86.h"
#include "kernel/lib/cmdline.h"
#include "kernel/ksyms.h"
#include "kernel/ktest.h"
#include "kernel/lib/string.h"
#include "kernel/time.h"
#include "mm/frame.h"

extern char _kernel_start[], _etext[], _rodata[], _erodata[], _data[], _ebss[];
void kmain(uint32_t magic, uint32_t info);

KTEST(boot, kernel_section_permissions)
{
	uint64_t text = kernel_pte_flags((uint64_t)kmain);
	uint64_t rodata = kernel_pte_flags((uint64_t)_rodata);
	uint64_t data = kernel_pte_flags((uint64_t)_data);
	uint64_t nx = cpu_has_nx ? PTE_NX : 0;
	KEXPECT(t, text & PTE_P);
	KEXPECT(t, !(text & PTE_W));
	KEXPECT(t, !(text & PTE_NX));
	KEXPECT(t, rodata & PTE_P);
	KEXPECT(t, !(rodata & PTE_W));
	KEXPECT_EQ(t, rodata & PTE_NX, nx);
	KEXPECT(t, data & PTE_W);
	KEXPECT_EQ(t, data & PTE_NX, nx);
	KEXPECT(t, !(data & PTE_U) && !(text & PTE_U));
	/* Low memory (the boot identity map) is gone: NULL faults. */
	KEXPECT_EQ(t, kernel_pte_flags(0), 0);
	KEXPECT_EQ(t, kernel_pte_flags(0x8000), 0);
	KEXPECT(t, read_cr0() & CR0_WP);
	if (cpu_has_smep)
		KEXPECT(t, read_cr4() & CR4_SMEP);
	if (cpu_has_smap)
		KEXPECT(t, read_cr4() & CR4_SMAP);
	if (cpu_has_nx)
		KEXPECT(t, rdmsr(MSR_EFER) & EFER_NXE);
}

KTEST(boot, direct_map_covers_ram)
{
	uint64_t nx = cpu_has_nx ? PTE_NX : 0;
	unsigned checked = 0;
	for (unsigned i = 0; i < boot_info.nregions; i++) {
		const struct mem_region *r = &boot_info.regions[i];
		if (r->type != MEM_AVAILABLE || r->len < PAGE_SIZE)
			continue;
		uint64_t first = DIRECT_MAP_BASE + ALIGN_UP(r->base, PAGE_SIZE);
		uint64_t last = DIRECT_MAP_BASE + ALIGN_DOWN(r->base + r->len - 1, PAGE_SIZE);
		uint64_t f1 = kernel_pte_flags(first), f2 = kernel_pte_flags(last);
		KEXPECT(t, (f1 & PTE_P) && (f1 & PTE_W));
		KEXPECT(t, (f2 & PTE_P) && (f2 & PTE_W));
		KEXPECT_EQ(t, f1 & PTE_NX, nx);
		checked++;
	}
	KEXPECT(t, checked > 0);
	KEXPECT(t, frames_total() > 0);
	KEXPECT(t, frames_free() <= frames_total());
}

KTEST(boot, symbol_lookup)
{
	uint64_t off = 99, size = 0;
	const char *name = ksym_lookup((uint64_t)kmain, &off, &size);
	KEXPECT(t, name && strcmp(name, "kmain") == 0);
	KEXPECT_EQ(t, off, 0);
	KEXPECT(t, size > 0);
	name = ksym_lookup((uint64_t)kmain + 5, &off, NULL);
	KEXPECT(t, name && strcmp(name, "kmain") == 0);
	KEXPECT_EQ(t, off, 5);
	KEXPECT_EQ(t, ksym_address("kmain"), (uint64_t)kmain);
	KEXPECT(t, ksym_lookup((uint64_t)_rodata, NULL, NULL) == NULL);
}

/* What GRUB hands over for a quoted word and for init arguments: booted by
 * tests/run.sh (cmdline-quoting) with
 *   quoted.test="a b" -- arg1 "arg two"
 * GRUB re-quotes the word as "quoted.test=a b"; the parser must give the
 * same result as Linux would. */
KTEST(boot, cmdline_quoting_through_grub)
{
	if (!cmdline_has("quoted.test"))
		KSKIP(t, "boot without quoted.test=");
	const char *v = cmdline_get("quoted.test");
	KEXPECT(t, v && strcmp(v, "a b") == 0);
	KEXPECT_EQ(t, cmdline_init_argc(), 2);
	KEXPECT(t, cmdline_init_arg(0) && strcmp(cmdline_init_arg(0), "arg1") == 0);
	KEXPECT(t, cmdline_init_arg(1) && strcmp(cmdline_init_arg(1), "arg two") == 0);
}

KTEST(boot, cmdline_and_time)
{
	KEXPECT(t, cmdline_has("ktest"));
	KEXPECT(t, !cmdline_has("definitely-not-given"));
	KEXPECT(t, tsc_hz > 1000000);
	uint64_t a = time_ns();
	udelay(2000);
	uint64_t b = time_ns();
	KEXPECT(t, b - a >= 2000000);
}
