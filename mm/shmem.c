/* shmem.c - shared anonymous memory objects (see shmem.h).
 *
 * The page index is a small radix tree of 512-entry nodes (a frame each),
 * deep enough for npages; leaves hold physical addresses. */
#include "mm/shmem.h"
#include "arch/x86_64/paging.h"
#include "kernel/atomic.h"
#include "kernel/errno.h"
#include "mm/frame.h"
#include "mm/mmstat.h"
#include "mm/page.h"
#include "mm/slab.h"

#define FANOUT 512

struct shmem {
	int refs;            /* atomic */
	struct spinlock lock; /* the index below */
	uint64_t npages;
	int depth;           /* levels of index nodes: 1 covers 512 pages */
	uint64_t *root;      /* an index node (a zeroed page): pointers (direct-map) or, at the last level, phys | 1 */
};

struct shmem *shmem_create(uint64_t npages)
{
	struct shmem *s = kzalloc(sizeof(*s));
	if (!s)
		return NULL;
	s->refs = 1;
	s->npages = npages;
	s->depth = 1;
	for (uint64_t cover = FANOUT; cover < npages; cover *= FANOUT)
		s->depth++;
	spin_init(&s->lock, "shmem");
	return s;
}

void shmem_get(struct shmem *s) { fetch_add(&s->refs, 1); }

static void free_level(uint64_t *node, int level)
{
	for (int i = 0; i < FANOUT; i++) {
		if (!node[i])
			continue;
		if (level == 1) {
			struct page *pg = phys_to_page(node[i] & ~1ul);
			if (fetch_sub(&pg->mapcount, 1) == 1)
				frame_free(pg, 0);
		} else {
			free_level((uint64_t *)node[i], level - 1);
		}
	}
	page_free(node, 0);
}

void shmem_put(struct shmem *s)
{
	if (fetch_sub(&s->refs, 1) != 1)
		return;
	if (s->root)
		free_level(s->root, s->depth);
	kfree(s);
}

/* The leaf entry for idx if its index nodes exist; under lock. */
static uint64_t lookup(struct shmem *s, uint64_t idx)
{
	uint64_t *node = s->root;
	for (int level = s->depth; level > 1 && node; level--)
		node = (uint64_t *)node[(idx >> (9ul * (uint64_t)(level - 1))) & (FANOUT - 1)];
	return node ? node[idx & (FANOUT - 1)] : 0;
}

int shmem_page(struct shmem *s, uint64_t idx, phys_addr_t *pa)
{
	if (idx >= s->npages)
		return -ERANGE;
	spin_lock(&s->lock);
	uint64_t e = lookup(s, idx);
	if (e) {
		*pa = e & ~1ul;
		fetch_add(&phys_to_page(*pa)->mapcount, 1);
	}
	spin_unlock(&s->lock);
	if (e)
		return 0;
	/* Allocate outside the lock what we may need: a zeroed page and one
	 * index node per level; spares go back afterwards. */
	void *spare[8] = { 0 };
	void *data = page_alloc(0, true);
	for (int i = 0; i < s->depth && data; i++)
		if (!(spare[i] = page_alloc(0, true)))
			break;
	spin_lock(&s->lock);
	int r = -ENOMEM, used = 0;
	uint64_t **slot = &s->root;
	for (int level = s->depth; level >= 1; level--) {
		if (!*slot) {
			if (used >= s->depth || !spare[used])
				goto out;
			*slot = spare[used];
			spare[used++] = NULL;
		}
		uint64_t shift = 9ul * (uint64_t)(level - 1);
		slot = (uint64_t **)&(*slot)[(idx >> shift) & (FANOUT - 1)];
	}
	uint64_t *leaf = (uint64_t *)slot;
	if (!*leaf) {
		if (!data)
			goto out;
		phys_to_page(virt_to_phys(data))->mapcount = 1; /* the object's reference */
		*leaf = virt_to_phys(data) | 1;
		data = NULL;
		mmstat_inc(MMSTAT_PAGE_ZEROED);
	}
	*pa = *leaf & ~1ul;
	fetch_add(&phys_to_page(*pa)->mapcount, 1); /* the caller's PTE */
	r = 0;
out:
	spin_unlock(&s->lock);
	if (data)
		page_free(data, 0);
	for (int i = 0; i < 8; i++)
		if (spare[i])
			page_free(spare[i], 0);
	return r;
}

