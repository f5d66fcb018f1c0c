/* frame.c - physical frames: early bump allocator, buddy, per-CPU caches.
 *
 * Locking:
 *   zone_lock (irq-saving spinlock) protects `buddy` (the buddy allocator
 *   is not locked itself).  Each CPU's cache (cpu->pcp_list, pcp_count) is
 *   touched only by its own CPU with interrupts disabled, so it needs no
 *   lock; frame_drain_all() asks each CPU to drain its own by IPI.
 * Lock order: zone_lock is a leaf (nothing is taken inside it). */
#include "mm/frame.h"
#include "arch/x86_64/bootinfo.h"
#include "arch/x86_64/mmu.h"
#include "arch/x86_64/x86.h"
#include "kernel/assert.h"
#include "kernel/percpu.h"
#include "kernel/printk.h"
#include "kernel/smp.h"
#include "kernel/spinlock.h"
#include "kernel/lib/string.h"
#include "mm/buddy.h"

extern char _kernel_start[], _kernel_end[];

static struct spinlock zone_lock = SPINLOCK_INIT("zone");
static struct buddy buddy;        /* protected by zone_lock */
static struct page *frame_pages;  /* struct page for every PFN in [0, max_pfn) */
static pfn_t max_pfn;
static uint64_t total_frames;

/* Early bump allocator: [early_start, early_cur) inside one available region
 * below 4 GiB (reachable through the boot page tables). */
static phys_addr_t early_start, early_cur, early_limit;
static bool early_done;

static bool overlaps(phys_addr_t a, phys_addr_t b, phys_addr_t c, phys_addr_t d) { return a < d && c < b; }

/* Is [a, b) free of the kernel image, the boot modules and the low 1 MiB? */
static bool range_is_free_at_boot(phys_addr_t a, phys_addr_t b)
{
	if (a < 0x100000)
		return false;
	if (overlaps(a, b, virt_to_phys(_kernel_start), virt_to_phys(_kernel_end)))
		return false;
	for (unsigned i = 0; i < boot_info.nmodules; i++)
		if (overlaps(a, b, ALIGN_DOWN(boot_info.modules[i].start, PAGE_SIZE),
			     ALIGN_UP(boot_info.modules[i].end, PAGE_SIZE)))
			return false;
	return true;
}

void frame_early_init(void)
{
	/* Find the largest available stretch below 4 GiB that avoids the
	 * kernel and modules: chop each region at those boundaries. */
	phys_addr_t best = 0, best_len = 0;
	for (unsigned i = 0; i < boot_info.nregions; i++) {
		const struct mem_region *r = &boot_info.regions[i];
		if (r->type != MEM_AVAILABLE)
			continue;
		phys_addr_t a = ALIGN_UP(MAX(r->base, 0x100000ul), PAGE_SIZE);
		phys_addr_t end = ALIGN_DOWN(MIN(r->base + r->len, 1ul << 32), PAGE_SIZE);
		while (a < end) {
			phys_addr_t b = a;
			while (b < end && range_is_free_at_boot(b, b + PAGE_SIZE))
				b += PAGE_SIZE;
			if (b - a > best_len) {
				best = a;
				best_len = b - a;
			}
			a = b + PAGE_SIZE;
		}
	}
	if (best_len < (4ul << 20))
		panic("not enough memory: the largest free region below 4 GiB is %llu KiB; faultline needs at least 32 MiB of RAM",
		      (unsigned long long)(best_len >> 10));
	early_start = early_cur = best;
	early_limit = best + best_len;
}

phys_addr_t early_alloc_page(void)
{
	BUG_ON(early_done);
	if (early_cur + PAGE_SIZE > early_limit)
		panic("out of memory during early boot");
	phys_addr_t pa = early_cur;
	early_cur += PAGE_SIZE;
	memset(phys_to_virt(pa), 0, PAGE_SIZE);
	return pa;
}

void frame_init(void)
{
	uint64_t usable = 0;
	for (unsigned i = 0; i < boot_info.nregions; i++) {
		const struct mem_region *r = &boot_info.regions[i];
		if (r->type == MEM_AVAILABLE) {
			max_pfn = MAX(max_pfn, (r->base + r->len) >> PAGE_SHIFT);
			usable += r->len;
		}
	}
	if (usable < (32ul << 20))
		panic("not enough memory: %llu MiB usable; faultline needs at least 32 MiB of RAM",
		      (unsigned long long)(usable >> 20));
	/* struct page array from the early allocator (contiguous pages). */
	uint64_t bytes = ALIGN_UP(max_pfn * sizeof(struct page), PAGE_SIZE);
	if (early_cur + bytes > early_limit)
		panic("not enough memory for %llu frame descriptors", (unsigned long long)max_pfn);
	frame_pages = phys_to_virt(early_cur);
	memset(frame_pages, 0, bytes);
	early_cur += bytes;
	early_done = true;

	buddy_init(&buddy, frame_pages, 0, max_pfn);
	for (unsigned i = 0; i < boot_info.nregions; i++) {
		const struct mem_region *r = &boot_info.regions[i];
		if (r->type != MEM_AVAILABLE)
			continue;
		phys_addr_t a = ALIGN_UP(r->base, PAGE_SIZE), end = ALIGN_DOWN(r->base + r->len, PAGE_SIZE);
		while (a < end) {
			/* Free the longest run of free pages starting at a. */
			phys_addr_t b = a;
			while (b < end && range_is_free_at_boot(b, b + PAGE_SIZE) &&
			       !overlaps(b, b + PAGE_SIZE, early_start, early_cur))
				b += PAGE_SIZE;
			if (b > a) {
				buddy_free_range(&buddy, a >> PAGE_SHIFT, (b - a) >> PAGE_SHIFT);
				total_frames += (b - a) >> PAGE_SHIFT;
				a = b;
			} else {
				a += PAGE_SIZE;
			}
		}
	}
	for (unsigned i = 0; i < MAX_CPUS; i++)
		list_init(&cpus[i].pcp_list);
	pr_info("mm: %llu MiB usable, %llu frames free (%llu KiB for frame descriptors, %llu KiB early page tables)\n",
		(unsigned long long)(usable >> 20), (unsigned long long)total_frames, (unsigned long long)(bytes >> 10),
		(unsigned long long)((early_cur - early_start - bytes) >> 10));
}

phys_addr_t page_to_phys(const struct page *p) { return (phys_addr_t)(p - frame_pages) << PAGE_SHIFT; }
struct page *phys_to_page(phys_addr_t pa)
{
	BUG_ON((pa >> PAGE_SHIFT) >= max_pfn);
	return &frame_pages[pa >> PAGE_SHIFT];
}
void *page_to_virt(const struct page *p) { return phys_to_virt(page_to_phys(p)); }

static struct page *buddy_alloc_locked(unsigned order)
{
	unsigned long f = spin_lock_irqsave(&zone_lock);
	struct page *p = buddy_alloc(&buddy, order);
	spin_unlock_irqrestore(&zone_lock, f);
	return p;
}

/* Move up to PCP_BATCH pages from the buddy to this CPU's cache.
 * Interrupts are off (the cache is this CPU's alone). */
static void pcp_refill(struct cpu *c)
{
	spin_lock(&zone_lock);
	for (int i = 0; i < PCP_BATCH; i++) {
		struct page *p = buddy_alloc(&buddy, 0);
		if (!p)
			break;
		p->flags |= PG_pcp;
		list_add(&p->lru, &c->pcp_list);
		c->pcp_count++;
	}
	c->pcp_refills++;
	spin_unlock(&zone_lock);
}

static void pcp_drain(struct cpu *c, unsigned n)
{
	spin_lock(&zone_lock);
	while (n-- && !list_empty(&c->pcp_list)) {
		struct page *p = list_first_entry(&c->pcp_list, struct page, lru);
		list_del(&p->lru);
		c->pcp_count--;
		p->flags &= ~PG_pcp;
		buddy_free(&buddy, p, 0);
	}
	c->pcp_drains++;
	spin_unlock(&zone_lock);
}

static struct page *pcp_alloc(void)
{
	unsigned long f = irq_save();
	struct cpu *c = this_cpu();
	if (list_empty(&c->pcp_list))
		pcp_refill(c);
	struct page *p = NULL;
	if (!list_empty(&c->pcp_list)) {
		p = list_first_entry(&c->pcp_list, struct page, lru);
		list_del(&p->lru);
		c->pcp_count--;
		p->flags &= ~PG_pcp;
	}
	irq_restore(f);
	return p;
}

struct page *frame_alloc(unsigned order)
{
	struct page *p = order == 0 ? pcp_alloc() : buddy_alloc_locked(order);
	if (!p && irqs_enabled()) {
		/* Free pages may sit in other CPUs' caches: pull them back and retry. */
		frame_drain_all();
		p = order == 0 ? pcp_alloc() : buddy_alloc_locked(order);
	}
	return p;
}

void frame_free(struct page *p, unsigned order)
{
	if (order) {
		unsigned long f = spin_lock_irqsave(&zone_lock);
		buddy_free(&buddy, p, order);
		spin_unlock_irqrestore(&zone_lock, f);
		return;
	}
	if (p->flags & PG_pcp)
		panic("frame_free: double free of page %#llx", (unsigned long long)page_to_phys(p));
	BUG_ON(!(p->flags & PG_head)); /* not a page frame_alloc() handed out */
	unsigned long f = irq_save();
	struct cpu *c = this_cpu();
	p->flags |= PG_pcp;
	list_add(&p->lru, &c->pcp_list);
	if (++c->pcp_count > PCP_HIGH)
		pcp_drain(c, PCP_BATCH);
	irq_restore(f);
}

void *page_alloc(unsigned order, bool zero)
{
	struct page *p = frame_alloc(order);
	if (!p)
		return NULL;
	void *va = page_to_virt(p);
	if (zero)
		for (unsigned i = 0; i < (1u << order); i++)
			clear_page((char *)va + i * PAGE_SIZE);
	return va;
}

void page_free(void *va, unsigned order) { frame_free(phys_to_page(virt_to_phys(va)), order); }

uint64_t frames_free(void)
{
	uint64_t n = 0;
	for (unsigned i = 0; i < MAX_CPUS; i++)
		n += READ_ONCE(cpus[i].pcp_count);
	unsigned long f = spin_lock_irqsave(&zone_lock);
	n += buddy_nr_free(&buddy);
	spin_unlock_irqrestore(&zone_lock, f);
	return n;
}

uint64_t frames_total(void) { return total_frames; }

void frame_drain_this_cpu(void)
{
	unsigned long f = irq_save();
	struct cpu *c = this_cpu();
	pcp_drain(c, c->pcp_count);
	irq_restore(f);
}

static void drain_ipi(void *arg) { frame_drain_this_cpu(); }

void frame_drain_all(void) { smp_call_function_all(drain_ipi, NULL, true); }

/* The slab allocator's page source (mm/slab.c). */
void *slab_page_alloc(unsigned order) { return page_alloc(order, false); }
void slab_page_free(void *va, unsigned order) { page_free(va, order); }
