/* vmap.c - kernel stacks with guard pages.
 *
 * The vmap area is carved into slots of (KSTACK_PAGES + 1) pages: the
 * lowest page of a slot is never mapped, so running off the bottom of a
 * stack faults (a #PF that escalates to #DF, handled on its own IST stack
 * with a report naming the guard page) instead of corrupting memory.
 * vmap_lock protects next_slot and the free-slot list. */
#include "mm/vmap.h"
#include "arch/x86_64/paging.h"
#include "kernel/assert.h"
#include "kernel/spinlock.h"
#include "kernel/smp.h"
#include "mm/frame.h"

#define SLOT_SIZE ((KSTACK_PAGES + 1) * PAGE_SIZE)
#define MAX_FREE_SLOTS 256

static struct spinlock vmap_lock = SPINLOCK_INIT("vmap");
static uint64_t next_slot = VMAP_BASE;      /* protected by vmap_lock */
static uint64_t free_slots[MAX_FREE_SLOTS]; /* protected by vmap_lock */
static unsigned nfree;

void *vmap_stack_alloc(unsigned pages)
{
	BUG_ON(pages != KSTACK_PAGES); /* one slot size for now */
	unsigned long f = spin_lock_irqsave(&vmap_lock);
	uint64_t slot;
	if (nfree) {
		slot = free_slots[--nfree];
	} else {
		slot = next_slot;
		next_slot += SLOT_SIZE;
		BUG_ON(next_slot > VMAP_BASE + VMAP_SIZE);
	}
	spin_unlock_irqrestore(&vmap_lock, f);

	uint64_t base = slot + PAGE_SIZE; /* above the guard page */
	for (unsigned i = 0; i < pages; i++) {
		void *page = page_alloc(0, true);
		if (!page || kmap_page(base + i * PAGE_SIZE, virt_to_phys(page), PTE_W | PTE_NX) < 0) {
			if (page)
				page_free(page, 0);
			vmap_stack_free((void *)(base + i * PAGE_SIZE), i);
			return NULL;
		}
	}
	return (void *)(base + pages * PAGE_SIZE);
}

void vmap_stack_free(void *top, unsigned pages)
{
	uint64_t base = (uint64_t)top - pages * PAGE_SIZE;
	phys_addr_t pa[KSTACK_PAGES];
	for (unsigned i = 0; i < pages; i++)
		pa[i] = kunmap_page(base + i * PAGE_SIZE);
	/* Other CPUs may hold (global) translations of this stack: flush them
	 * before the frames or the slot can be reused. */
	flush_tlb_kernel_range(base, base + pages * PAGE_SIZE);
	for (unsigned i = 0; i < pages; i++)
		if (pa[i])
			page_free(phys_to_virt(pa[i]), 0);
	unsigned long f = spin_lock_irqsave(&vmap_lock);
	if (nfree < MAX_FREE_SLOTS)
		free_slots[nfree++] = base - PAGE_SIZE;
	spin_unlock_irqrestore(&vmap_lock, f);
}

bool vmap_is_guard(uint64_t va)
{
	return va >= VMAP_BASE && va < READ_ONCE(next_slot) && (va - VMAP_BASE) % SLOT_SIZE < PAGE_SIZE;
}
