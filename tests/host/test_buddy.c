/* test_buddy.c - host unit tests of the buddy allocator (mm/buddy.c).
 *
 * Build: gcc -std=gnu11 -g -O1 -DHOST_TEST -fsanitize=address,undefined -I. \
 *        tests/host/test_buddy.c mm/buddy.c tests/host/shim.c
 *
 * Every test drives a struct buddy next to a reference model: one state byte
 * per PFN (hole / free / allocated).  After every operation the allocator's
 * free count must equal the model's; an allocated block must be in the
 * span, naturally aligned and entirely free in the model; and from time to
 * time the free lists must be exactly the maximal aligned decomposition of
 * the model's free pages (what a perfect buddy allocator would hold).
 * Misuse (double free, wrong order, ...) must BUG: checked in forked
 * children.  SEED=n in the environment changes the random sequences.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "mm/buddy.h"
#include "tests/host/check.h"

enum { HOLE, FREE, USED };

struct model {
	struct buddy b;
	struct page *pages;
	uint8_t *state; /* per PFN of the span */
	pfn_t base;
	uint64_t n, nfree, given; /* span size, free pages, pages given at init */
};

static uint64_t rng_state;
static uint64_t rnd(void) /* xorshift64* */
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ull;
}
static uint64_t rnd_below(uint64_t n) { return rnd() % n; }

static void model_init(struct model *m, pfn_t base, uint64_t n)
{
	m->pages = calloc(n ? n : 1, sizeof(struct page));
	m->state = calloc(n ? n : 1, 1);
	m->base = base;
	m->n = n;
	m->nfree = m->given = 0;
	buddy_init(&m->b, m->pages, base, n);
}

static void model_give(struct model *m, pfn_t pfn, uint64_t count)
{
	buddy_free_range(&m->b, pfn, count);
	for (uint64_t i = 0; i < count; i++)
		m->state[pfn - m->base + i] = FREE;
	m->nfree += count;
	m->given += count;
}

static void model_fini(struct model *m)
{
	free(m->pages);
	free(m->state);
}

static bool all_in_state(struct model *m, pfn_t pfn, uint64_t count, int st)
{
	if (pfn < m->base || pfn + count > m->base + m->n)
		return false;
	for (uint64_t i = 0; i < count; i++)
		if (m->state[pfn - m->base + i] != st)
			return false;
	return true;
}

/* Allocate in both; returns the PFN or -1 (NULL).  Checks the block. */
static int64_t model_alloc(struct model *m, unsigned order)
{
	struct page *p = buddy_alloc(&m->b, order);
	if (!p)
		return -1;
	pfn_t pfn = buddy_page_to_pfn(&m->b, p);
	uint64_t cnt = 1ul << order;
	CHECK(p >= m->pages && p < m->pages + m->n);
	CHECK(pfn % cnt == 0);
	CHECK(all_in_state(m, pfn, cnt, FREE)); /* in the span, no overlap, no hole */
	CHECK(p->flags & PG_head);
	for (uint64_t i = 0; i < cnt; i++)
		m->state[pfn - m->base + i] = USED;
	m->nfree -= cnt;
	return (int64_t)pfn;
}

static void model_free(struct model *m, pfn_t pfn, unsigned order)
{
	CHECK(all_in_state(m, pfn, 1ul << order, USED));
	buddy_free(&m->b, buddy_pfn_to_page(&m->b, pfn), order);
	for (uint64_t i = 0; i < (1ul << order); i++)
		m->state[pfn - m->base + i] = FREE;
	m->nfree += 1ul << order;
}

/* Is there a naturally aligned, entirely free block of this order? */
static bool model_has_free_block(struct model *m, unsigned order)
{
	uint64_t cnt = 1ul << order;
	for (pfn_t pfn = ALIGN_UP(m->base, cnt); pfn + cnt <= m->base + m->n; pfn += cnt)
		if (all_in_state(m, pfn, cnt, FREE))
			return true;
	return false;
}

/* expect[i] = order + 1 of the maximal free block starting at base + i, or 0. */
static void canon(struct model *m, uint8_t *expect, pfn_t pfn, unsigned order)
{
	uint64_t cnt = 1ul << order;
	if (pfn + cnt <= m->base || pfn >= m->base + m->n)
		return;
	if (all_in_state(m, pfn, cnt, FREE)) {
		expect[pfn - m->base] = (uint8_t)(order + 1);
		return;
	}
	if (order == 0)
		return;
	canon(m, expect, pfn, order - 1);
	canon(m, expect, pfn + cnt / 2, order - 1);
}

/* The allocator's free blocks are exactly the maximal decomposition of the
 * model's free pages, and all its internal invariants hold. */
static bool model_verify(struct model *m)
{
	uint64_t big = 1ul << BUDDY_MAX_ORDER;
	uint8_t *expect = calloc(m->n ? m->n : 1, 1);
	bool ok = buddy_check(&m->b);

	CHECK(ok);
	for (pfn_t pfn = ALIGN_DOWN(m->base, big); pfn < m->base + m->n; pfn += big)
		canon(m, expect, pfn, BUDDY_MAX_ORDER);
	for (uint64_t i = 0; i < m->n && ok; i++) {
		const struct page *p = &m->pages[i];
		int got = (p->flags & PG_buddy) ? p->order + 1 : 0;
		if (got != expect[i]) {
			printf("    # pfn %#llx: free block order+1 %d, expected %d\n",
			       (unsigned long long)(m->base + i), got, expect[i]);
			ok = false;
		}
	}
	CHECK(ok);
	CHECK_EQ(buddy_nr_free(&m->b), m->nfree);
	free(expect);
	return ok && buddy_nr_free(&m->b) == m->nfree;
}

TEST(one_big_block)
{
	struct model m;

	model_init(&m, 0, 1024);
	CHECK_EQ(buddy_nr_free(&m.b), 0);
	CHECK(buddy_alloc(&m.b, 0) == NULL); /* everything starts reserved */
	model_give(&m, 0, 1024);
	CHECK_EQ(m.b.free_area[BUDDY_MAX_ORDER].nr_free, 1);
	CHECK(model_verify(&m));
	/* Allocate every page singly; then exhaustion; then all back. */
	int64_t pfns[1024];
	for (int i = 0; i < 1024; i++) {
		pfns[i] = model_alloc(&m, 0);
		CHECK(pfns[i] >= 0);
	}
	CHECK_EQ(buddy_nr_free(&m.b), 0);
	for (unsigned o = 0; o <= BUDDY_MAX_ORDER + 1; o++)
		CHECK(buddy_alloc(&m.b, o) == NULL);
	CHECK(model_verify(&m));
	for (pfn_t pfn = 0; pfn < 1024; pfn += 2) /* even PFNs first: no buddies among them */
		model_free(&m, pfn, 0);
	CHECK_EQ(buddy_nr_free(&m.b), 512);
	CHECK(buddy_alloc(&m.b, 1) == NULL); /* 512 free pages, but no two adjacent */
	CHECK(model_verify(&m));
	for (pfn_t pfn = 1; pfn < 1024; pfn += 2)
		model_free(&m, pfn, 0);
	CHECK(model_verify(&m));
	CHECK_EQ(m.b.free_area[BUDDY_MAX_ORDER].nr_free, 1);
	CHECK_EQ(buddy_nr_free(&m.b), 1024);
	model_fini(&m);
}

TEST(every_order_exhausts)
{
	struct model m;

	model_init(&m, 4096, 8192);
	model_give(&m, 4096, 8192);
	for (unsigned o = 0; o <= BUDDY_MAX_ORDER; o++) {
		static int64_t pfns[8192 + 1];
		uint64_t n = 0, want = 8192 >> o;
		while (n <= want && (pfns[n] = model_alloc(&m, o)) >= 0)
			n++;
		CHECK_EQ(n, want);
		CHECK_EQ(buddy_nr_free(&m.b), 0);
		CHECK(model_verify(&m));
		for (uint64_t i = 0; i < n; i++) /* free in a scrambled order */
			model_free(&m, pfns[(i * 7919) % n], o);
		CHECK(model_verify(&m));
		CHECK_EQ(m.b.free_area[BUDDY_MAX_ORDER].nr_free, 8);
	}
	CHECK(buddy_alloc(&m.b, BUDDY_MAX_ORDER + 1) == NULL);
	CHECK(buddy_alloc(&m.b, 64) == NULL);
	model_fini(&m);
}

TEST(odd_base_and_holes)
{
	struct model m;

	/* Span at an odd PFN; ranges given in pieces, some adjacent (they must
	 * merge across the calls), some with holes between them. */
	model_init(&m, 1001, 5000);
	model_give(&m, 1001, 23);   /* 1001..1023: 1+2+4+16 */
	model_give(&m, 1024, 1024); /* adjacent: 1024..2047 is one order-10 block */
	model_give(&m, 2050, 1000); /* hole at 2048, 2049 */
	model_give(&m, 3050, 1);    /* adjacent single page */
	model_give(&m, 3100, 2901); /* up to the end of the span (6001) */
	CHECK(model_verify(&m));
	CHECK_EQ(buddy_nr_free(&m.b), 23 + 1024 + 1000 + 1 + 2901);
	CHECK(m.pages[2048 - 1001].flags & PG_reserved);

	/* The biggest blocks are aligned by absolute PFN. */
	int64_t a = model_alloc(&m, BUDDY_MAX_ORDER);
	int64_t b = model_alloc(&m, BUDDY_MAX_ORDER);
	CHECK(MIN(a, b) == 1024 && MAX(a, b) == 4096);
	CHECK(model_verify(&m));
	/* Only one order-10 block fits 3100..6000 (4096..5119); 1024..2047 and
	 * that are taken, so a third fails. */
	CHECK_EQ(model_alloc(&m, BUDDY_MAX_ORDER), -1);
	CHECK(!model_has_free_block(&m, BUDDY_MAX_ORDER));
	if (a >= 0)
		model_free(&m, a, BUDDY_MAX_ORDER);
	if (b >= 0)
		model_free(&m, b, BUDDY_MAX_ORDER);
	CHECK(model_verify(&m));

	/* Empty span and empty range are fine. */
	struct model e;
	model_init(&e, 7, 0);
	model_give(&e, 7, 0);
	CHECK(buddy_alloc(&e.b, 0) == NULL);
	CHECK(model_verify(&e));
	model_fini(&e);
	model_fini(&m);
}

static unsigned random_order(void)
{
	static const uint8_t cdf[BUDDY_MAX_ORDER + 1] = { 40, 60, 72, 80, 86, 90, 93, 95, 97, 98, 100 };
	unsigned r = rnd_below(100), o = 0;
	while (r >= cdf[o])
		o++;
	return o;
}

/* Long random sequences against the model, on a span with holes. */
static void stress(pfn_t base, uint64_t n, unsigned ops, bool verbose)
{
	struct model m;
	struct blk {
		pfn_t pfn;
		unsigned order;
	} *out = malloc(n * sizeof(*out));
	uint64_t nout = 0, nulls = 0, null_checks = 0;
	static const unsigned alloc_bias[] = { 55, 80, 97, 30, 60, 100, 20, 50 };

	model_init(&m, base, n);
	for (pfn_t pfn = base; pfn < base + n;) {
		uint64_t run = 1 + rnd_below(3000), hole = rnd_below(4) ? rnd_below(40) : 0;
		run = MIN(run, base + n - pfn);
		model_give(&m, pfn, run);
		pfn += run + hole;
	}
	uint8_t *initial = malloc(n);
	for (uint64_t i = 0; i < n; i++)
		initial[i] = (m.pages[i].flags & PG_buddy) ? m.pages[i].order + 1 : 0;
	CHECK(model_verify(&m));

	for (unsigned i = 0; i < ops && !check_case_failed; i++) {
		unsigned bias = alloc_bias[(i / 10000) % ARRAY_SIZE(alloc_bias)];
		if (nout == 0 || rnd_below(100) < bias) {
			unsigned o = random_order();
			int64_t pfn = model_alloc(&m, o);
			if (pfn >= 0) {
				out[nout].pfn = pfn;
				out[nout++].order = o;
			} else if (++nulls % 4 == 1 && null_checks < 20000) {
				null_checks++;
				CHECK(!model_has_free_block(&m, o)); /* NULL only when truly none */
			}
		} else {
			uint64_t k = rnd_below(nout);
			model_free(&m, out[k].pfn, out[k].order);
			out[k] = out[--nout];
		}
		CHECK_EQ(buddy_nr_free(&m.b), m.nfree);
		if (i % 5000 == 4999)
			CHECK(model_verify(&m));
	}
	CHECK(nulls > 0); /* the schedule does reach exhaustion */
	while (nout) {
		uint64_t k = rnd_below(nout);
		model_free(&m, out[k].pfn, out[k].order);
		out[k] = out[--nout];
	}
	CHECK(model_verify(&m));
	CHECK_EQ(buddy_nr_free(&m.b), m.given);
	/* Everything merged back into exactly the blocks we started with. */
	for (uint64_t i = 0; i < n; i++)
		if (initial[i] != ((m.pages[i].flags & PG_buddy) ? m.pages[i].order + 1 : 0)) {
			CHECK(!"free blocks differ from the initial ones");
			break;
		}
	if (verbose)
		printf("    # span %#llx+%llu: %u ops, %llu NULL allocations (%llu checked)\n", (unsigned long long)base,
	       (unsigned long long)n, ops, (unsigned long long)nulls, (unsigned long long)null_checks);
	free(initial);
	free(out);
	model_fini(&m);
}

TEST(random_stress)
{
	stress(12345, 20000, 200000, true);
}

TEST(random_stress_small_spans)
{
	/* Tiny and odd spans make the edges (no buddy in the span) common. */
	for (unsigned i = 0; i < 40 && !check_case_failed; i++)
		stress(1 + rnd_below(5000), 1 + rnd_below(3000), 3000, false);
}

/* ---- misuse must BUG (abort) ---- */

static struct model dm; /* set up by death_setup(), inherited by the child */

static void death_setup(void)
{
	model_init(&dm, 64, 256);
	model_give(&dm, 64, 100); /* 64..163 free, 164..319 reserved */
}

/* Run fn in a child; true if it aborted (BUG_ON). */
static bool dies(void (*fn)(void))
{
	int s = check_child_status(fn);
	return s != -1 && WIFSIGNALED(s) && WTERMSIG(s) == SIGABRT;
}

static struct page *pg(pfn_t pfn) { return buddy_pfn_to_page(&dm.b, pfn); }

static void valid_use(void)
{
	struct page *p = buddy_alloc(&dm.b, 2);
	buddy_free(&dm.b, p, 2);
}
static void double_free(void)
{
	struct page *p = buddy_alloc(&dm.b, 0);
	buddy_free(&dm.b, p, 0);
	buddy_free(&dm.b, p, 0);
}
static void double_free_after_merge(void)
{
	struct page *p = buddy_alloc(&dm.b, 0), *q = buddy_alloc(&dm.b, 0);
	buddy_free(&dm.b, p, 0);
	buddy_free(&dm.b, q, 0); /* merges with p's block */
	buddy_free(&dm.b, q, 0);
}
static void wrong_order_smaller(void) { buddy_free(&dm.b, buddy_alloc(&dm.b, 3), 2); }
static void wrong_order_bigger(void) { buddy_free(&dm.b, buddy_alloc(&dm.b, 2), 3); }
static void misaligned(void)
{
	struct page *p = buddy_alloc(&dm.b, 2);
	buddy_free(&dm.b, p + 1, 1);
}
static void inner_page(void)
{
	struct page *p = buddy_alloc(&dm.b, 2);
	buddy_free(&dm.b, p + 1, 0);
}
static void reserved_page(void) { buddy_free(&dm.b, pg(200), 0); }
static void free_head(void) { buddy_free(&dm.b, pg(64), 0); }    /* heads free block 64..127 */
static void free_inside(void) { buddy_free(&dm.b, pg(65), 0); }  /* inside that block */
static void past_the_end(void) { buddy_free(&dm.b, dm.pages + dm.n, 0); }
static void before_the_start(void) { buddy_free(&dm.b, dm.pages - 1, 0); }
static void runs_off_the_span(void)
{
	/* Pretend reserved pfn 256 heads an (aligned) order-7 block: 256..383
	 * runs past the span's end at 320. */
	pg(256)->flags = PG_head;
	pg(256)->order = 7;
	buddy_free(&dm.b, pg(256), 7);
}
static void range_given_twice(void) { buddy_free_range(&dm.b, 150, 20); }
static void range_off_the_span(void) { buddy_free_range(&dm.b, 300, 21); }

TEST(misuse_bugs)
{
	death_setup();
	CHECK(!dies(valid_use));
	CHECK(dies(double_free));
	CHECK(dies(double_free_after_merge));
	CHECK(dies(wrong_order_smaller));
	CHECK(dies(wrong_order_bigger));
	CHECK(dies(misaligned));
	CHECK(dies(inner_page));
	CHECK(dies(reserved_page));
	CHECK(dies(free_head));
	CHECK(dies(free_inside));
	CHECK(dies(past_the_end));
	CHECK(dies(before_the_start));
	CHECK(dies(runs_off_the_span));
	CHECK(dies(range_given_twice));
	CHECK(dies(range_off_the_span));
	CHECK(model_verify(&dm)); /* the parent's copy is untouched */
	model_fini(&dm);
}

int main(void)
{
	const char *s = getenv("SEED");
	rng_state = s ? strtoull(s, NULL, 0) : 0x9e3779b97f4a7c15ull;
	if (!rng_state)
		rng_state = 1;
	printf("# test_buddy: SEED=%#llx\n", (unsigned long long)rng_state);
	RUN(one_big_block);
	RUN(every_order_exhausts);
	RUN(odd_base_and_holes);
	RUN(random_stress);
	RUN(random_stress_small_spans);
	RUN(misuse_bugs);
	return check_done();
}
