/* acpi.c - find and parse the ACPI tables at boot.  The RSDP comes from
 * the multiboot2 ACPI tag (GRUB copies it from the firmware, BIOS or UEFI);
 * tables are read through the direct map, or through an uncached mapping
 * when the firmware put them outside RAM the direct map covers.  The DSDT
 * is mapped too, for the \_S5 sleep types power_off() needs. */
#include "arch/x86_64/acpi.h"
#include "arch/x86_64/bootinfo.h"
#include "arch/x86_64/paging.h"
#include "kernel/printk.h"

struct acpi_info acpi_info;

static void *acpi_map(uint64_t phys, size_t len)
{
	if (!len)
		return NULL;
	for (uint64_t p = ALIGN_DOWN(phys, PAGE_SIZE); p < phys + len; p += PAGE_SIZE)
		if (!kernel_addr_mapped(DIRECT_MAP_BASE + p))
			ioremap(p, PAGE_SIZE);
	return phys_to_virt(phys);
}

void acpi_init(void)
{
	if (!boot_info.rsdp_len)
		panic("acpi: the boot loader passed no ACPI RSDP; faultline needs ACPI to find the CPUs");
	int err = acpi_parse_rsdp(boot_info.rsdp, boot_info.rsdp_len, acpi_map, &acpi_info);
	if (err)
		panic("acpi: cannot parse the ACPI tables (error %d); no MADT, no CPUs", err);
	pr_info("acpi: %u CPUs, %u IOAPICs, %u interrupt overrides, LAPIC at 0x%llx%s\n", acpi_info.ncpus,
		acpi_info.nioapics, acpi_info.nisos, (unsigned long long)acpi_info.lapic_phys,
		acpi_info.pcat_compat ? ", legacy PICs present" : "");
	if (acpi_info.has_s5)
		pr_info("acpi: S5 sleep type a=%u b=%u, PM1a_CNT 0x%x, PM1b_CNT 0x%x\n", acpi_info.s5_slp_typa,
			acpi_info.s5_slp_typb, acpi_info.pm1a_cnt_port, acpi_info.pm1b_cnt_port);
}
