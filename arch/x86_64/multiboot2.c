/* multiboot2.c - read the multiboot2 boot information GRUB leaves us:
 * command line, memory map, modules (the initramfs), ACPI RSDP, boot loader
 * name, framebuffer.  Everything is copied into boot_info. */
#include "arch/x86_64/bootinfo.h"
#include "arch/x86_64/memmap.h"
#include "arch/x86_64/mmu.h"
#include "kernel/printk.h"
#include "kernel/lib/string.h"

#define MB2_BOOTLOADER_MAGIC 0x36d76289
#define TAG_END 0
#define TAG_CMDLINE 1
#define TAG_LOADER 2
#define TAG_MODULE 3
#define TAG_MMAP 6
#define TAG_FRAMEBUFFER 8
#define TAG_EFI32 11
#define TAG_EFI64 12
#define TAG_ACPI_OLD 14
#define TAG_ACPI_NEW 15

struct boot_info boot_info;

struct mb2_tag {
	uint32_t type, size;
};
struct mb2_mmap_entry {
	uint64_t base, len;
	uint32_t type, reserved;
};

/* Framebuffer info: u64 address, u32 pitch, width, height, u8 bpp, type,
 * u16 reserved, then for direct RGB six u8: red position, size, green...
 * A tag too short for its type is ignored (no framebuffer). */
static void multiboot2_parse_fb(struct boot_fb *fb, const uint8_t *body, uint32_t blen)
{
	if (blen < 22)
		return;
	*fb = (struct boot_fb){ .present = true };
	memcpy(&fb->addr, body, 8);
	memcpy(&fb->pitch, body + 8, 4);
	memcpy(&fb->width, body + 12, 4);
	memcpy(&fb->height, body + 16, 4);
	fb->bpp = body[20];
	fb->type = body[21];
	if (fb->type == FB_TYPE_RGB) {
		if (blen < 30) {
			fb->present = false;
			return;
		}
		fb->red_pos = body[24], fb->red_size = body[25];
		fb->green_pos = body[26], fb->green_size = body[27];
		fb->blue_pos = body[28], fb->blue_size = body[29];
	}
}

bool multiboot2_parse(uint32_t magic, phys_addr_t info)
{
	if (magic != MB2_BOOTLOADER_MAGIC)
		return false;
	const uint8_t *base = phys_to_virt(info);
	uint32_t total = *(const uint32_t *)base;
	struct boot_info *bi = &boot_info;
	for (uint32_t off = 8; off + 8 <= total;) {
		const struct mb2_tag *tag = (const void *)(base + off);
		const uint8_t *body = (const uint8_t *)(tag + 1);
		uint32_t blen = tag->size - 8;
		if (tag->type == TAG_END || tag->size < 8)
			break;
		switch (tag->type) {
		case TAG_CMDLINE:
			strlcpy(bi->cmdline, (const char *)body, MIN((size_t)blen + 1, sizeof(bi->cmdline)));
			break;
		case TAG_LOADER:
			strlcpy(bi->loader, (const char *)body, MIN((size_t)blen + 1, sizeof(bi->loader)));
			break;
		case TAG_MODULE:
			if (bi->nmodules < BOOT_MAX_MODULES) {
				struct boot_module *m = &bi->modules[bi->nmodules++];
				m->start = ((const uint32_t *)body)[0];
				m->end = ((const uint32_t *)body)[1];
				strlcpy(m->cmdline, (const char *)body + 8, sizeof(m->cmdline));
			}
			break;
		case TAG_MMAP: {
			uint32_t esize = ((const uint32_t *)body)[0];
			for (uint32_t o = 8; esize && o + esize <= blen; o += esize) {
				const struct mb2_mmap_entry *e = (const void *)(body + o);
				if (bi->nregions == BOOT_MAX_REGIONS) {
					pr_warn("multiboot2: memory map has more than %d entries; rest ignored\n",
						BOOT_MAX_REGIONS);
					break;
				}
				bi->regions[bi->nregions++] = (struct mem_region){ e->base, e->len, e->type };
			}
			break;
		}
		case TAG_FRAMEBUFFER:
			multiboot2_parse_fb(&bi->fb, body, blen);
			break;
		case TAG_EFI32:
		case TAG_EFI64:
			bi->efi = true;
			break;
		case TAG_ACPI_OLD:
		case TAG_ACPI_NEW:
			/* Prefer the new (v2) RSDP when both are given. */
			if (tag->type == TAG_ACPI_NEW || bi->rsdp_len == 0) {
				bi->rsdp_len = MIN((size_t)blen, sizeof(bi->rsdp));
				memcpy(bi->rsdp, body, bi->rsdp_len);
			}
			break;
		}
		off += ALIGN_UP(tag->size, 8);
	}
	bi->nregions = memmap_sanitize(bi->regions, bi->nregions, BOOT_MAX_REGIONS);
	return true;
}
