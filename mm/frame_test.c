/* frame_test.c - ktests of the frame allocator: every free frame can be
 * allocated (including the ones parked in other CPUs' per-CPU caches), each
 * is real, distinct, writable memory, and freeing them all restores the
 * exact free count. */
#include "arch/x86_64/mmu.h"
#include "kernel/ktest.h"
#include "kernel/percpu.h"
#include "kernel/smp.h"
#include "mm/frame.h"

/* Leave some pages in every CPU's per-CPU cache, so a later alloc-all must
 * drain remote caches to reach every page. */
static void fill_pcp(void *arg)
{
	struct page *p[PCP_BATCH];
	for (int i = 0; i < PCP_BATCH; i++)
		p[i] = frame_alloc(0);
	for (int i = 0; i < PCP_BATCH; i++)
		if (p[i])
			frame_free(p[i], 0);
}

/* Allocate order-`order` blocks until none is left, chaining them through
 * their first word and stamping each page with its own physical address.
 * Returns the number of pages taken; *head is the chain. */
static uint64_t take_all(unsigned order, uint64_t **head, bool *aligned)
{
	uint64_t pages = 0;
	struct page *p;
	while ((p = frame_alloc(order))) {
		uint64_t *va = page_to_virt(p);
		phys_addr_t pa = page_to_phys(p);
		if (pa & ((PAGE_SIZE << order) - 1))
			*aligned = false;
		for (unsigned i = 0; i < (1u << order); i++)
			va[i * (PAGE_SIZE / 8) + 1] = pa + i * PAGE_SIZE;
		va[0] = (uint64_t)*head;
		va[2] = order;
		*head = va;
		pages += 1u << order;
	}
	return pages;
}

/* Check every stamp, then free the chain; returns the pages whose stamp was
 * wrong (two owners of one frame, or memory that does not hold a write). */
static uint64_t check_and_free(uint64_t *head)
{
	uint64_t bad = 0;
	while (head) {
		uint64_t *next = (uint64_t *)head[0];
		unsigned order = (unsigned)head[2];
		phys_addr_t pa = virt_to_phys(head);
		for (unsigned i = 0; i < (1u << order); i++)
			bad += head[i * (PAGE_SIZE / 8) + 1] != pa + i * PAGE_SIZE;
		frame_free(phys_to_page(pa), order);
		head = next;
	}
	return bad;
}

KTEST(frame, alloc_all_single_pages)
{
	smp_call_function_all(fill_pcp, NULL, true);
	uint64_t before = frames_free();
	uint64_t *head = NULL;
	bool aligned = true;
	uint64_t got = take_all(0, &head, &aligned);
	KEXPECT_EQ(t, got, before);
	KEXPECT_EQ(t, frames_free(), 0);
	KEXPECT_EQ(t, check_and_free(head), 0);
	KEXPECT_EQ(t, frames_free(), before);
}

KTEST(frame, alloc_all_mixed_orders)
{
	uint64_t before = frames_free();
	uint64_t *head = NULL;
	bool aligned = true;
	/* Big blocks first, then ever smaller ones into what is left. */
	uint64_t got = 0;
	for (int order = 10; order >= 0; order -= 3)
		got += take_all((unsigned)order, &head, &aligned);
	got += take_all(0, &head, &aligned);
	KEXPECT_EQ(t, got, before);
	KEXPECT(t, aligned);
	KEXPECT_EQ(t, check_and_free(head), 0);
	KEXPECT_EQ(t, frames_free(), before);
	/* Freed blocks coalesced: a maximal block is available again. */
	struct page *big = frame_alloc(10);
	KEXPECT(t, big != NULL);
	if (big)
		frame_free(big, 10);
	KEXPECT_EQ(t, frames_free(), before);
}

static int alloc_free_errors[MAX_CPUS];

/* Every CPU at once: allocate and free pages through its own cache. */
static void churn(void *arg)
{
	struct page *p[64];
	for (int round = 0; round < 200; round++) {
		for (int i = 0; i < 64; i++) {
			p[i] = frame_alloc(0);
			if (p[i])
				*(uint64_t *)page_to_virt(p[i]) = (uint64_t)&p[i];
		}
		for (int i = 0; i < 64; i++) {
			if (!p[i])
				continue;
			if (*(uint64_t *)page_to_virt(p[i]) != (uint64_t)&p[i])
				alloc_free_errors[cpu_id()]++;
			frame_free(p[i], 0);
		}
	}
}

KTEST(frame, concurrent_churn_all_cpus)
{
	uint64_t before = frames_free();
	smp_call_function_all(churn, NULL, true);
	int errors = 0;
	for (unsigned i = 0; i < MAX_CPUS; i++)
		errors += alloc_free_errors[i];
	KEXPECT_EQ(t, errors, 0);
	KEXPECT_EQ(t, frames_free(), before);
}
