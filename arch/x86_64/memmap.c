/* memmap.c - turn a firmware memory map (unsorted, possibly overlapping,
 * as BIOS E820 and UEFI maps can be) into sorted, disjoint regions.
 *
 * Method: every region edge is a boundary; between two neighbouring
 * boundaries the type is the largest type of the regions covering that
 * stretch (none: a hole).  n is at most BOOT_MAX_REGIONS, so the quadratic
 * sweep is cheap and obviously correct. */
#include "arch/x86_64/memmap.h"
#include "kernel/printk.h"

#define MAX_EDGES (2 * BOOT_MAX_REGIONS)

static void sort_u64(uint64_t *v, unsigned n)
{
	for (unsigned i = 1; i < n; i++) { /* insertion sort: n is small */
		uint64_t x = v[i];
		unsigned j = i;
		for (; j > 0 && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

unsigned memmap_sanitize(struct mem_region *r, unsigned n, unsigned max)
{
	static uint64_t edge[MAX_EDGES];
	static struct mem_region out[MAX_EDGES];
	struct mem_region in[BOOT_MAX_REGIONS];
	unsigned nin = 0, nedge = 0;

	if (n > BOOT_MAX_REGIONS)
		n = BOOT_MAX_REGIONS;
	for (unsigned i = 0; i < n; i++) {
		uint64_t end = r[i].base + r[i].len;
		if (r[i].len == 0)
			continue;
		if (end < r[i].base) /* wraps past 2^64: clip */
			end = ~0ull;
		in[nin] = (struct mem_region){ r[i].base, end - r[i].base, r[i].type };
		edge[nedge++] = r[i].base;
		edge[nedge++] = end;
		nin++;
	}
	sort_u64(edge, nedge);

	unsigned nout = 0;
	for (unsigned e = 0; e + 1 < nedge; e++) {
		uint64_t a = edge[e], b = edge[e + 1];
		if (a == b)
			continue;
		uint32_t type = 0;
		for (unsigned i = 0; i < nin; i++)
			if (in[i].base <= a && b <= in[i].base + in[i].len && in[i].type > type)
				type = in[i].type;
		if (!type)
			continue; /* a hole */
		if (nout && out[nout - 1].type == type && out[nout - 1].base + out[nout - 1].len == a)
			out[nout - 1].len += b - a;
		else
			out[nout++] = (struct mem_region){ a, b - a, type };
	}
	if (nout > max) {
		printk(KERN_WARNING "memmap: %u regions after clean-up, only %u kept\n", nout, max);
		nout = max;
	}
	for (unsigned i = 0; i < nout; i++)
		r[i] = out[i];
	return nout;
}
