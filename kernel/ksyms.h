/* ksyms.h - kernel symbol lookup for backtraces (table generated at link time). */
#pragma once
#include "kernel/types.h"

/* Name of the function containing addr, its offset in it and its size
 * (distance to the next symbol).  NULL if addr is not in kernel text. */
const char *ksym_lookup(uint64_t addr, uint64_t *offset, uint64_t *size);
/* Address of a function by name, 0 if unknown. */
uint64_t ksym_address(const char *name);
