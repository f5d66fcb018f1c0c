/* vma.c - the set of VMAs of an mm: a list sorted by address.
 *
 * Every function runs under mmap_lock (read for lookups, write for
 * changes).  This is the simple first version: lookups and gap searches
 * walk the list (O(n)).  The memory-manager issue replaces it with an
 * augmented balanced tree behind the same functions. */
#include "mm/mm.h"
#include "kernel/assert.h"

struct vma *vma_find_next(struct mm *mm, uint64_t addr)
{
	struct list_head *pos;
	list_for_each(pos, &mm->vmas) {
		struct vma *v = list_entry(pos, struct vma, node);
		if (v->end > addr)
			return v;
	}
	return NULL;
}

struct vma *vma_find(struct mm *mm, uint64_t addr)
{
	struct vma *v = vma_find_next(mm, addr);
	return v && v->start <= addr ? v : NULL;
}

void vma_insert(struct mm *mm, struct vma *v)
{
	BUG_ON(!rwsem_write_held(&mm->mmap_lock) || v->start >= v->end);
	struct vma *next = vma_find_next(mm, v->start);
	BUG_ON(next && next->start < v->end); /* overlap */
	list_add_tail(&v->node, next ? &next->node : &mm->vmas);
	v->mm = mm;
	mm->nvmas++;
}

void vma_remove(struct mm *mm, struct vma *v)
{
	BUG_ON(!rwsem_write_held(&mm->mmap_lock));
	list_del(&v->node);
	mm->nvmas--;
}

uint64_t vma_find_gap(struct mm *mm, uint64_t len, uint64_t low, uint64_t high)
{
	uint64_t top = high;
	struct list_head *pos;
	for (pos = mm->vmas.prev; pos != &mm->vmas; pos = pos->prev) {
		struct vma *v = list_entry(pos, struct vma, node);
		if (v->start >= top)
			continue;
		if (v->end <= top && top - v->end >= len)
			return top - len;
		top = MIN(top, v->start);
		if (top < low + len)
			return 0;
	}
	return top >= low + len ? top - len : 0;
}
