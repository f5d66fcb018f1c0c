/* test_memmap.c - memmap_sanitize() against a page-by-page reference model
 * on hand-written and random memory maps. */
#include <string.h>
#include "arch/x86_64/memmap.h"
#include "tests/host/check.h"

static struct mem_region R(uint64_t base, uint64_t len, uint32_t type)
{
	return (struct mem_region){ base, len, type };
}

/* Output invariants: sorted, disjoint, non-empty, neighbours of the same
 * type not touching (they would have been merged). */
static int well_formed(const struct mem_region *r, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		if (r[i].len == 0)
			return 0;
		if (i && r[i - 1].base + r[i - 1].len > r[i].base)
			return 0;
		if (i && r[i - 1].base + r[i - 1].len == r[i].base && r[i - 1].type == r[i].type)
			return 0;
	}
	return 1;
}

TEST(sorts_and_merges)
{
	struct mem_region r[8] = { R(0x100000, 0x100000, 1), R(0, 0x9f000, 1), R(0x200000, 0x100000, 1),
				   R(0xf0000, 0x10000, 2) };
	unsigned n = memmap_sanitize(r, 4, 8);
	CHECK_EQ(n, 3);
	CHECK(well_formed(r, n));
	CHECK(r[0].base == 0 && r[0].len == 0x9f000 && r[0].type == 1);
	CHECK(r[1].base == 0xf0000 && r[1].len == 0x10000 && r[1].type == 2);
	CHECK(r[2].base == 0x100000 && r[2].len == 0x200000 && r[2].type == 1); /* two merged */
}

TEST(reserved_wins_over_ram)
{
	/* A reserved hole punched into the middle of RAM splits it. */
	struct mem_region r[8] = { R(0x100000, 0x1000000, 1), R(0x800000, 0x3000, 2) };
	unsigned n = memmap_sanitize(r, 2, 8);
	CHECK_EQ(n, 3);
	CHECK(r[0].base == 0x100000 && r[0].len == 0x700000 && r[0].type == 1);
	CHECK(r[1].base == 0x800000 && r[1].len == 0x3000 && r[1].type == 2);
	CHECK(r[2].base == 0x803000 && r[2].len == 0x1100000 - 0x803000 && r[2].type == 1);
}

TEST(overlapping_ram_once)
{
	struct mem_region r[8] = { R(0x100000, 0x300000, 1), R(0x200000, 0x300000, 1), R(0x100000, 0x10, 1) };
	unsigned n = memmap_sanitize(r, 3, 8);
	CHECK_EQ(n, 1);
	CHECK(r[0].base == 0x100000 && r[0].len == 0x400000);
}

TEST(empty_wrapping_and_capacity)
{
	struct mem_region r[8] = { R(0x1000, 0, 1), R(~0ull - 0xfff, 0x2000, 2), R(0, 0x1000, 1) };
	unsigned n = memmap_sanitize(r, 3, 8);
	CHECK_EQ(n, 2);
	CHECK(r[0].base == 0 && r[0].len == 0x1000);
	CHECK(r[1].base == ~0ull - 0xfff && r[1].len == 0xfff && r[1].type == 2); /* clipped at 2^64 - 1 */
	struct mem_region m[8];
	for (int i = 0; i < 6; i++)
		m[i] = R((uint64_t)i * 0x2000, 0x1000, 1); /* six separate regions */
	CHECK_EQ(memmap_sanitize(m, 6, 4), 4);
	CHECK_EQ(memmap_sanitize(m, 0, 4), 0);
}

/* Random maps on a 256-page space: the type of every page must be the
 * largest type of the input regions covering it. */
TEST(random_against_model)
{
	enum { PAGES = 256 };
	unsigned seed = 12345;
	for (int iter = 0; iter < 20000; iter++) {
		struct mem_region r[BOOT_MAX_REGIONS];
		uint32_t model[PAGES] = { 0 };
		unsigned n = 1 + (seed = seed * 1103515245 + 12345) % 12;
		for (unsigned i = 0; i < n; i++) {
			seed = seed * 1103515245 + 12345;
			uint64_t a = (seed >> 8) % PAGES, len = (seed >> 16) % 40;
			uint32_t type = 1 + (seed >> 24) % 5;
			if (a + len > PAGES)
				len = PAGES - a;
			r[i] = R(a * 4096, len * 4096, type);
			for (uint64_t p = a; p < a + len; p++)
				if (type > model[p])
					model[p] = type;
		}
		unsigned m = memmap_sanitize(r, n, BOOT_MAX_REGIONS);
		if (!well_formed(r, m)) {
			CHECK(!"well formed");
			return;
		}
		uint32_t got[PAGES] = { 0 };
		for (unsigned i = 0; i < m; i++)
			for (uint64_t p = r[i].base / 4096; p < (r[i].base + r[i].len) / 4096; p++)
				got[p] = r[i].type;
		if (memcmp(got, model, sizeof(model))) {
			CHECK(!"matches the model");
			return;
		}
	}
}

int main(void)
{
	RUN(sorts_and_merges);
	RUN(reserved_wins_over_ram);
	RUN(overlapping_ram_once);
	RUN(empty_wrapping_and_capacity);
	RUN(random_against_model);
	return check_done();
}
