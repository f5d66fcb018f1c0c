/* elf.c - validate a static ELF64 x86-64 executable for the loader (elf.h).
 *
 * The file is untrusted: headers are copied out with memcpy (the file may sit
 * unaligned inside the initramfs) after checking they lie inside it, every
 * sum is checked for overflow, and anything the loader could not map safely
 * is refused with -ENOEXEC.  Checks, in order:
 *  - ELF header: magic, ELFCLASS64, little-endian, EV_CURRENT (in e_ident and
 *    e_version), EM_X86_64, ET_EXEC or ET_DYN, e_phentsize 56, 1..64
 *    program headers lying inside the file;
 *  - no PT_INTERP (only static programs run), 1..ELF_MAX_SEGMENTS PT_LOAD;
 *  - each PT_LOAD: filesz <= memsz, file bytes inside the file, p_align 0 or
 *    a power of two, vaddr and offset congruent modulo the page size, the end
 *    not overflowing (page-rounded) and, for ET_EXEC, not above user_top;
 *  - PT_LOADs in ascending vaddr order without overlapping bytes (as in GNU
 *    ld output, the last page of one may be the first page of the next);
 *  - for ET_DYN the whole image span fits below user_top;
 *  - e_entry inside an executable PT_LOAD.
 */
#include "kernel/lib/elf.h"
#include "kernel/compiler.h"
#include "kernel/errno.h"
#include "kernel/lib/string.h"

#define EI_NIDENT     16
#define ELFCLASS64    2
#define ELFDATA2LSB   1
#define EV_CURRENT    1
#define ET_EXEC	      2
#define ET_DYN	      3
#define EM_X86_64     62
#define PT_LOAD	      1
#define PT_INTERP     3
#define PT_PHDR	      6
#define PT_GNU_STACK  0x6474e551
#define PF_X	      1
#define PF_W	      2
#define PF_R	      4
#define ELF_MAX_PHNUM 64

struct elf64_ehdr {
	unsigned char e_ident[EI_NIDENT];
	uint16_t e_type, e_machine;
	uint32_t e_version;
	uint64_t e_entry, e_phoff, e_shoff;
	uint32_t e_flags;
	uint16_t e_ehsize, e_phentsize, e_phnum, e_shentsize, e_shnum, e_shstrndx;
};

struct elf64_phdr {
	uint32_t p_type, p_flags;
	uint64_t p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_align;
};

_Static_assert(sizeof(struct elf64_ehdr) == 64, "ELF64 header layout");
_Static_assert(sizeof(struct elf64_phdr) == 56, "ELF64 program header layout");

static int check_ehdr(const struct elf64_ehdr *h, size_t size)
{
	const unsigned char *id = h->e_ident;

	if (id[0] != 0x7f || id[1] != 'E' || id[2] != 'L' || id[3] != 'F')
		return -ENOEXEC;
	if (id[4] != ELFCLASS64 || id[5] != ELFDATA2LSB || id[6] != EV_CURRENT || h->e_version != EV_CURRENT)
		return -ENOEXEC;
	if (h->e_machine != EM_X86_64 || (h->e_type != ET_EXEC && h->e_type != ET_DYN))
		return -ENOEXEC;
	if (h->e_phentsize != sizeof(struct elf64_phdr) || h->e_phnum == 0 || h->e_phnum > ELF_MAX_PHNUM)
		return -ENOEXEC;
	if (h->e_phoff > size || (uint64_t)h->e_phnum * h->e_phentsize > size - h->e_phoff)
		return -ENOEXEC;
	return 0;
}

static unsigned flags_to_prot(uint32_t flags)
{
	return (flags & PF_R ? PROT_READ : 0) | (flags & PF_W ? PROT_WRITE : 0) | (flags & PF_X ? PROT_EXEC : 0);
}

/* Check one PT_LOAD on its own and append it to img after the previous one. */
static int add_load(struct elf_image *img, const struct elf64_phdr *p, size_t size, uint64_t user_top)
{
	if (img->nseg == ELF_MAX_SEGMENTS || p->p_filesz > p->p_memsz)
		return -ENOEXEC;
	if (p->p_offset > size || p->p_filesz > size - p->p_offset)
		return -ENOEXEC;
	if ((p->p_align & (p->p_align - 1)) || p->p_vaddr % PAGE_SIZE != p->p_offset % PAGE_SIZE)
		return -ENOEXEC;
	if (p->p_vaddr > UINT64_MAX - PAGE_SIZE || p->p_memsz > UINT64_MAX - PAGE_SIZE - p->p_vaddr)
		return -ENOEXEC;
	uint64_t end = p->p_vaddr + p->p_memsz; /* and its page-rounded end does not wrap */
	if (!img->pie && end > user_top)
		return -ENOEXEC;
	if (img->nseg > 0) {
		const struct elf_segment *prev = &img->seg[img->nseg - 1];
		if (p->p_vaddr < prev->vaddr + prev->memsz)
			return -ENOEXEC;
	}
	img->seg[img->nseg++] = (struct elf_segment){.vaddr = p->p_vaddr,
						     .memsz = p->p_memsz,
						     .offset = p->p_offset,
						     .filesz = p->p_filesz,
						     .prot = flags_to_prot(p->p_flags)};
	return 0;
}

/* Where the program headers [off, off + len) of the file are in memory: the
 * PT_LOAD whose file bytes contain them, translated; 0 if none does. */
static uint64_t phdr_in_load(const struct elf_image *img, uint64_t off, uint64_t len)
{
	for (unsigned i = 0; i < img->nseg; i++) {
		const struct elf_segment *s = &img->seg[i];
		if (off >= s->offset && len <= s->filesz && off - s->offset <= s->filesz - len)
			return s->vaddr + (off - s->offset);
	}
	return 0;
}

static bool entry_in_exec_load(const struct elf_image *img)
{
	for (unsigned i = 0; i < img->nseg; i++) {
		const struct elf_segment *s = &img->seg[i];
		if ((s->prot & PROT_EXEC) && img->entry >= s->vaddr && img->entry - s->vaddr < s->memsz)
			return true;
	}
	return false;
}

/* Walk the program headers into img; the ELF header is already checked. */
static int parse_phdrs(const char *file, size_t size, const struct elf64_ehdr *h, uint64_t user_top,
		       struct elf_image *img)
{
	bool have_phdr = false;

	for (unsigned i = 0; i < h->e_phnum; i++) {
		struct elf64_phdr p;
		memcpy(&p, file + h->e_phoff + (uint64_t)i * sizeof(p), sizeof(p));
		if (p.p_type == PT_INTERP)
			return -ENOEXEC;
		if (p.p_type == PT_LOAD && add_load(img, &p, size, user_top))
			return -ENOEXEC;
		if (p.p_type == PT_PHDR && !have_phdr) {
			img->phdr_vaddr = p.p_vaddr;
			have_phdr = true;
		}
		if (p.p_type == PT_GNU_STACK && (p.p_flags & PF_X))
			img->stack_prot |= PROT_EXEC;
	}
	if (!have_phdr)
		img->phdr_vaddr = phdr_in_load(img, h->e_phoff, (uint64_t)h->e_phnum * h->e_phentsize);
	return 0;
}

int elf_parse(const void *file, size_t size, uint64_t user_top, struct elf_image *img)
{
	struct elf64_ehdr h;

	if (size < sizeof(h))
		return -ENOEXEC;
	memcpy(&h, file, sizeof(h));
	if (check_ehdr(&h, size))
		return -ENOEXEC;
	*img = (struct elf_image){.entry = h.e_entry,
				  .phnum = h.e_phnum,
				  .phentsize = h.e_phentsize,
				  .pie = h.e_type == ET_DYN,
				  .stack_prot = PROT_READ | PROT_WRITE};
	if (parse_phdrs(file, size, &h, user_top, img) || img->nseg == 0)
		return -ENOEXEC;
	const struct elf_segment *last = &img->seg[img->nseg - 1];
	img->min_vaddr = ALIGN_DOWN(img->seg[0].vaddr, PAGE_SIZE);
	img->max_vaddr = ALIGN_UP(last->vaddr + last->memsz, PAGE_SIZE);
	if (img->pie && img->max_vaddr - img->min_vaddr > user_top)
		return -ENOEXEC;
	if (!entry_in_exec_load(img))
		return -ENOEXEC;
	return 0;
}
