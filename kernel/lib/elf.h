/* elf.h - validation of static ELF64 x86-64 executables (ET_EXEC and
 * static-PIE ET_DYN) for the program loader: elf_parse() checks an untrusted
 * file and describes what to map; it maps nothing itself (kernel/lib/elf.c). */
#pragma once
#include "kernel/types.h"

#define ELF_MAX_SEGMENTS 16

/* Page protections: Linux's values, spelt as in mm/mm.h so that either header may come first. */
#ifndef PROT_READ
#define PROT_READ  1
#define PROT_WRITE 2
#define PROT_EXEC  4
#endif

struct elf_segment {
	uint64_t vaddr, memsz, offset, filesz;
	unsigned prot; /* PROT_* from p_flags */
};

struct elf_image {
	uint64_t entry;		       /* e_entry (unrelocated: the load bias is not added) */
	uint64_t phdr_vaddr;	       /* program headers in memory (unrelocated), 0 if not loaded */
	uint16_t phnum, phentsize;     /* for AT_PHNUM, AT_PHENT */
	bool pie;		       /* ET_DYN (static-PIE): the loader chooses a load bias */
	uint64_t min_vaddr, max_vaddr; /* page-aligned bounds of all PT_LOAD segments (unrelocated) */
	unsigned nseg;		       /* PT_LOAD segments, in ascending vaddr order, not overlapping */
	struct elf_segment seg[ELF_MAX_SEGMENTS];
	uint64_t stack_prot; /* PROT_READ|PROT_WRITE, |PROT_EXEC if PT_GNU_STACK asks for it */
};

/* Validate the executable file[0, size) and describe it in *img: 0, or
 * -ENOEXEC if it is not a well-formed static x86-64 ELF64 executable whose
 * segments (for ET_EXEC) lie below user_top.  See elf.c for the checks. */
int elf_parse(const void *file, size_t size, uint64_t user_top, struct elf_image *img);
