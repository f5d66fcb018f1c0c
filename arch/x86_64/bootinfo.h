/* bootinfo.h - what the boot loader told us, copied out of the multiboot2
 * information structure (multiboot2.c) so its memory can be reused. */
#pragma once
#include "kernel/types.h"

#define BOOT_MAX_REGIONS 128
#define BOOT_MAX_MODULES 8

/* Memory map types, as multiboot2 / E820 number them. */
#define MEM_AVAILABLE 1
#define MEM_RESERVED 2
#define MEM_ACPI_RECLAIMABLE 3
#define MEM_ACPI_NVS 4
#define MEM_BAD 5

struct mem_region {
	phys_addr_t base;
	uint64_t len;
	uint32_t type;
};

struct boot_module {
	phys_addr_t start, end; /* [start, end) */
	char cmdline[64];
};

/* The framebuffer GRUB set up (multiboot2 tag 8), if any. */
#define FB_TYPE_INDEXED 0 /* palette: not drawn by the console */
#define FB_TYPE_RGB 1     /* direct colour: red/green/blue field positions and sizes */
#define FB_TYPE_EGA_TEXT 2 /* 80x25 text mode (width/height in characters): not drawn */
struct boot_fb {
	bool present;
	uint8_t type, bpp;
	phys_addr_t addr;
	uint32_t pitch, width, height; /* bytes per line; pixels (characters for EGA text) */
	uint8_t red_pos, red_size, green_pos, green_size, blue_pos, blue_size; /* FB_TYPE_RGB */
};

struct boot_info {
	char cmdline[1024];
	char loader[64];
	unsigned nregions;
	struct mem_region regions[BOOT_MAX_REGIONS];
	unsigned nmodules;
	struct boot_module modules[BOOT_MAX_MODULES];
	uint8_t rsdp[64]; /* copy of the RSDP (v1: 20 bytes, v2: 36) */
	size_t rsdp_len;
	bool efi;         /* booted through UEFI (an EFI system table tag was present) */
	struct boot_fb fb;
};

extern struct boot_info boot_info;
/* Parse the multiboot2 information at physical address info (reachable
 * through the boot direct map).  Returns false if magic is wrong. */
bool multiboot2_parse(uint32_t magic, phys_addr_t info);
