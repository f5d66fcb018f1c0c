/* ksyms.c - look kernel addresses up in the symbol table that
 * scripts/ksyms.sh generates from the first link (section .ksyms). */
#include "kernel/ksyms.h"
#include "kernel/lib/string.h"

extern const uint64_t ksyms_count;
extern const uint64_t ksyms_addrs[];
extern const uint32_t ksyms_name_off[];
extern const char ksyms_names[];
extern const char _kernel_start[], _etext[];

const char *ksym_lookup(uint64_t addr, uint64_t *offset, uint64_t *size)
{
	if (addr < (uint64_t)_kernel_start || addr >= (uint64_t)_etext || ksyms_count == 0)
		return NULL;
	/* Last symbol with address <= addr. */
	uint64_t lo = 0, hi = ksyms_count;
	while (hi - lo > 1) {
		uint64_t mid = (lo + hi) / 2;
		if (ksyms_addrs[mid] <= addr)
			lo = mid;
		else
			hi = mid;
	}
	if (ksyms_addrs[lo] > addr)
		return NULL;
	if (offset)
		*offset = addr - ksyms_addrs[lo];
	if (size)
		*size = (lo + 1 < ksyms_count ? ksyms_addrs[lo + 1] : (uint64_t)_etext) - ksyms_addrs[lo];
	return ksyms_names + ksyms_name_off[lo];
}

uint64_t ksym_address(const char *name)
{
	for (uint64_t i = 0; i < ksyms_count; i++)
		if (strcmp(ksyms_names + ksyms_name_off[i], name) == 0)
			return ksyms_addrs[i];
	return 0;
}
