/* vmap_test.c - ktests of guarded kernel stacks: each stack is mapped and
 * writable, the page below it is an unmapped guard, and freeing returns
 * every frame (after the cross-CPU TLB shootdown). */
#include "arch/x86_64/paging.h"
#include "kernel/ktest.h"
#include "kernel/lib/string.h"
#include "mm/frame.h"
#include "mm/vmap.h"

#define NSTACKS 40

KTEST(vmap, stacks_guarded_and_freed)
{
	/* Warm up: the first stacks may allocate page-table pages that stay. */
	void *warm[NSTACKS];
	for (int i = 0; i < NSTACKS; i++)
		warm[i] = vmap_stack_alloc(KSTACK_PAGES);
	for (int i = 0; i < NSTACKS; i++)
		if (warm[i])
			vmap_stack_free(warm[i], KSTACK_PAGES);

	uint64_t before = frames_free();
	void *top[NSTACKS];
	unsigned bad = 0;
	for (int i = 0; i < NSTACKS; i++) {
		top[i] = vmap_stack_alloc(KSTACK_PAGES);
		KEXPECT(t, top[i] != NULL);
		if (!top[i])
			continue;
		uint64_t base = (uint64_t)top[i] - KSTACK_PAGES * PAGE_SIZE;
		memset((void *)base, 0x5a, KSTACK_PAGES * PAGE_SIZE); /* all of it writable */
		uint64_t f = kernel_pte_flags(base);
		bad += !(f & PTE_W) || (cpu_has_nx && !(f & PTE_NX));
		bad += kernel_pte_flags(base - PAGE_SIZE) != 0; /* the guard */
		bad += !vmap_is_guard(base - PAGE_SIZE) || vmap_is_guard(base);
	}
	KEXPECT_EQ(t, bad, 0);
	KEXPECT_EQ(t, frames_free(), before - NSTACKS * KSTACK_PAGES);
	for (int i = 0; i < NSTACKS; i++)
		if (top[i])
			vmap_stack_free(top[i], KSTACK_PAGES);
	KEXPECT_EQ(t, frames_free(), before);
	for (int i = 0; i < NSTACKS; i++)
		if (top[i])
			KEXPECT_EQ(t, kernel_pte_flags((uint64_t)top[i] - PAGE_SIZE), 0);
}
