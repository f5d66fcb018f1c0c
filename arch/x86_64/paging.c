/* paging.c - build the kernel's own 4-level page tables.
 *
 * boot.asm's tables map 0..4 GiB with 2 MiB pages, writable and executable,
 * everywhere.  paging_init() replaces them with:
 *   - a direct map of every available/ACPI region at DIRECT_MAP_BASE, NX,
 *     global, 2 MiB pages where aligned (4 KiB at the edges);
 *   - the kernel image at KERNEL_VMA with 4 KiB pages: text RX, rodata
 *     R+NX, data/bss/ksyms RW+NX;
 *   - a pre-made PML4 slot for the vmap area (kernel stacks), so that every
 *     future address space, which copies the kernel half of kernel_pml4,
 *     sees later vmap mappings too;
 *   - temporarily, the boot identity map of low memory for the AP trampoline.
 * kmap_page()/kunmap_page() change kernel mappings after boot; they are
 * serialised by kmap_lock, which takes zone_lock inside it (through
 * page_alloc) when a new page-table page is needed.  The upper-half PML4 entries never change after
 * paging_init(), which is what lets address spaces share them. */
#include "arch/x86_64/paging.h"
#include "arch/x86_64/bootinfo.h"
#include "arch/x86_64/x86.h"
#include "kernel/assert.h"
#include "kernel/printk.h"
#include "kernel/spinlock.h"
#include "kernel/lib/string.h"
#include "mm/frame.h"

uint64_t kernel_pml4[512] __aligned(4096);
extern uint64_t boot_pml4[512];
extern char _kernel_start[], _etext[], _rodata[], _erodata[], _data[], _kernel_end[];
bool cpu_has_nx, cpu_has_smep, cpu_has_smap, cpu_has_pge, cpu_has_1g;

static struct spinlock kmap_lock = SPINLOCK_INIT("kmap");
static bool frames_ready; /* page tables come from frame_alloc, not early_alloc */

static uint64_t pte_flags(const uint64_t *pml4, uint64_t va);

static phys_addr_t alloc_table(void)
{
	if (!frames_ready)
		return early_alloc_page();
	void *va = page_alloc(0, true);
	return va ? virt_to_phys(va) : 0;
}

/* Return the entry for va at `level` (3 = PDPT, 2 = PD, 1 = PT), creating
 * the tables above it.  NULL if a table cannot be allocated. */
static uint64_t *walk(uint64_t *pml4, uint64_t va, int level, bool create)
{
	uint64_t *table = pml4;
	static const int shifts[] = { 0, 12, 21, 30, 39 };
	for (int l = 4; l > level; l--) {
		uint64_t *e = &table[(va >> shifts[l]) & 511];
		if (!(*e & PTE_P)) {
			if (!create)
				return NULL;
			phys_addr_t t = alloc_table();
			if (!t)
				return NULL;
			*e = t | PTE_P | PTE_W;
		}
		BUG_ON(*e & PTE_PS); /* a large page where a table was expected */
		table = phys_to_virt(*e & PTE_ADDR_MASK);
	}
	return &table[(va >> shifts[level]) & 511];
}

static void map_range(uint64_t va, phys_addr_t pa, uint64_t len, uint64_t flags)
{
	uint64_t end = va + len;
	while (va < end) {
		if (IS_ALIGNED(va, 1ul << 21) && IS_ALIGNED(pa, 1ul << 21) && end - va >= (1ul << 21)) {
			uint64_t *e = walk(kernel_pml4, va, 2, true);
			*e = pa | flags | PTE_P | PTE_PS;
			va += 1ul << 21;
			pa += 1ul << 21;
		} else {
			uint64_t *e = walk(kernel_pml4, va, 1, true);
			*e = pa | flags | PTE_P;
			va += PAGE_SIZE;
			pa += PAGE_SIZE;
		}
	}
}

static void detect_features(void)
{
	uint32_t a, b, c, d;
	cpuid(0x80000001, 0, &a, &b, &c, &d);
	cpu_has_nx = d & (1u << 20);
	cpu_has_1g = d & (1u << 26);
	cpuid(1, 0, &a, &b, &c, &d);
	cpu_has_pge = d & (1u << 13);
	cpuid(0, 0, &a, &b, &c, &d);
	if (a >= 7) {
		cpuid(7, 0, &a, &b, &c, &d);
		cpu_has_smep = b & (1u << 7);
		cpu_has_smap = b & (1u << 20);
	}
}

void paging_init(void)
{
	detect_features();
	uint64_t nx = cpu_has_nx ? PTE_NX : 0;
	uint64_t g = cpu_has_pge ? PTE_G : 0;

	for (unsigned i = 0; i < boot_info.nregions; i++) {
		const struct mem_region *r = &boot_info.regions[i];
		if (r->type != MEM_AVAILABLE && r->type != MEM_ACPI_RECLAIMABLE && r->type != MEM_ACPI_NVS)
			continue;
		phys_addr_t a = ALIGN_DOWN(r->base, PAGE_SIZE), b = ALIGN_UP(r->base + r->len, PAGE_SIZE);
		/* Regions may share a page at their edges; skip pages already mapped. */
		for (; a < b && pte_flags(kernel_pml4, DIRECT_MAP_BASE + a); a += PAGE_SIZE)
			;
		if (a < b)
			map_range(DIRECT_MAP_BASE + a, a, b - a, PTE_W | nx | g);
	}
	/* Kernel image: text RX, rodata R+NX, the rest RW+NX. */
	uint64_t ks = (uint64_t)_kernel_start;
	map_range(ks, virt_to_phys(_kernel_start), (uint64_t)_etext - ks, g);
	map_range((uint64_t)_rodata, virt_to_phys(_rodata), (uint64_t)_erodata - (uint64_t)_rodata, nx | g);
	map_range((uint64_t)_erodata, virt_to_phys(_erodata), (uint64_t)_kernel_end - (uint64_t)_erodata,
		  PTE_W | nx | g);
	/* The vmap slot's PDPT exists from now on (see the header comment). */
	walk(kernel_pml4, VMAP_BASE, 3, true);
	/* Low identity map for the AP trampoline, borrowed from the boot tables. */
	kernel_pml4[0] = boot_pml4[0];

	uint64_t cr4 = read_cr4();
	if (cpu_has_pge)
		cr4 |= CR4_PGE;
	if (cpu_has_smep)
		cr4 |= CR4_SMEP;
	if (cpu_has_smap)
		cr4 |= CR4_SMAP;
	write_cr4(cr4);
	if (cpu_has_nx)
		wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NXE);
	write_cr0(read_cr0() | CR0_WP);
	write_cr3(virt_to_phys(kernel_pml4));
	pr_info("paging: NX %s, SMEP %s, SMAP %s, PGE %s\n", cpu_has_nx ? "on" : "absent",
		cpu_has_smep ? "on" : "absent", cpu_has_smap ? "on" : "absent", cpu_has_pge ? "on" : "absent");
}

/* Called once frame_init() has run: page tables come from frames now. */
void paging_frames_ready(void) { frames_ready = true; }

void paging_drop_identity(void)
{
	kernel_pml4[0] = 0; /* the caller flushes every CPU's TLB */
}

int kmap_page(uint64_t va, phys_addr_t pa, uint64_t flags)
{
	unsigned long f = spin_lock_irqsave(&kmap_lock);
	uint64_t *e = walk(kernel_pml4, va, 1, true);
	if (!cpu_has_nx)
		flags &= ~PTE_NX;
	if (e)
		*e = (pa & PTE_ADDR_MASK) | flags | PTE_P | (cpu_has_pge ? PTE_G : 0);
	spin_unlock_irqrestore(&kmap_lock, f);
	return e ? 0 : -12; /* -ENOMEM */
}

phys_addr_t kunmap_page(uint64_t va)
{
	unsigned long f = spin_lock_irqsave(&kmap_lock);
	uint64_t *e = walk(kernel_pml4, va, 1, false);
	phys_addr_t pa = 0;
	if (e && (*e & PTE_P)) {
		pa = *e & PTE_ADDR_MASK;
		*e = 0;
	}
	spin_unlock_irqrestore(&kmap_lock, f);
	invlpg(va);
	return pa;
}

void *ioremap(phys_addr_t pa, size_t len)
{
	uint64_t nx = cpu_has_nx ? PTE_NX : 0;
	for (phys_addr_t p = ALIGN_DOWN(pa, PAGE_SIZE); p < pa + len; p += PAGE_SIZE) {
		if (kernel_addr_mapped(DIRECT_MAP_BASE + p))
			continue; /* RAM-backed (ACPI tables) or mapped before */
		if (kmap_page(DIRECT_MAP_BASE + p, p, PTE_W | PTE_PCD | PTE_PWT | nx) < 0)
			panic("ioremap: out of memory");
		invlpg(DIRECT_MAP_BASE + p);
	}
	return phys_to_virt(pa);
}

static uint64_t pte_flags(const uint64_t *pml4, uint64_t va)
{
	const uint64_t *t = pml4;
	static const int shifts[] = { 0, 12, 21, 30, 39 };
	for (int l = 4; l >= 1; l--) {
		uint64_t e = t[(va >> shifts[l]) & 511];
		if (!(e & PTE_P))
			return 0;
		if (l == 1 || (l <= 3 && (e & PTE_PS)))
			return e & ~PTE_ADDR_MASK;
		t = phys_to_virt(e & PTE_ADDR_MASK);
	}
	return 0;
}

uint64_t kernel_pte_flags(uint64_t va) { return pte_flags(phys_to_virt(read_cr3() & PTE_ADDR_MASK), va); }

bool kernel_addr_mapped(uint64_t va) { return kernel_pte_flags(va) != 0; }
