/* vmap.h - kernel stacks in the vmap area, each below an unmapped guard page. */
#pragma once
#include "kernel/types.h"

#define KSTACK_PAGES 4 /* 16 KiB kernel stacks */

/* Map `pages` fresh frames with an unmapped guard page below them; returns
 * the stack top (highest address + 1), or NULL when out of memory. */
void *vmap_stack_alloc(unsigned pages);
void vmap_stack_free(void *top, unsigned pages);
bool vmap_is_guard(uint64_t va); /* va in the guard page of some stack */
