/* vma.c - the set of VMAs of an mm, and the VMA objects themselves
 * (creating, copying, splitting, merging, freeing).
 *
 * The set is the augmented, path-copying VMA tree (mm/vma_tree.c) keyed
 * by address, each entry pointing at its struct vma.  Lookups run under
 * mmap_lock (read or write) or, in the fault path of mm.lock=vma, under
 * an epoch with no lock at all; every change runs under mmap_lock held for
 * write (asserted) and write-locks the VMAs it changes first, and a change
 * to the fields of a VMA in the tree is a vm_seq write section (range
 * faults read them with no lock: vma_set_range, vma_grow_down, merges).  Replaced
 * tree nodes and removed VMAs are freed through call_epoch(), a grace
 * period later (readers may still be looking at them), into per-CPU pools
 * that the next allocations take from (objpool.h).  A change that needs tree
 * nodes reserves them first (vma_prepare), so a multi-step operation
 * (split = shrink + insert, merge = remove + grow) either fails before it
 * starts or cannot fail half way. */
#include "mm/mm.h"
#include "kernel/assert.h"
#include "kernel/panic.h"
#include "kernel/errno.h"
#include "kernel/epoch.h"
#include "kernel/lib/string.h"
#include "mm/mmap_lock.h"
#include "mm/mmap_internal.h"
#include "mm/mmstat.h"
#include "mm/objpool.h"
#include "mm/range_mode.h"
#include "mm/vma_lock.h"
#include "mm/shmem.h"
#include "mm/slab.h"

/* ---- the set ---- */

static struct objpool node_pool, vma_pool;

void vma_pools_init(void)
{
	objpool_init(&node_pool, "vt_node", vt_node_size);
	objpool_init(&vma_pool, "vma", sizeof(struct vma));
}

void vma_pools_drain(void)
{
	objpool_drain(&node_pool);
	objpool_drain(&vma_pool);
}

static void *node_alloc(size_t size)
{
	BUG_ON(size != node_pool.size);
	return objpool_get(&node_pool);
}
static void node_free(void *node) { objpool_put(&node_pool, node); }
/* The node's first bytes are its epoch_head (vma_tree.h). */
static void node_reclaim(struct epoch_head *h) { node_free(h); }
static void node_retire(void *node) { call_epoch(node, node_reclaim); }
_Static_assert(sizeof(struct epoch_head) <= 2 * sizeof(void *), "vt_node's retire_link holds an epoch_head");

void vma_set_init(struct mm *mm) { vt_init(&mm->vmas, node_alloc, node_free, node_retire); }

struct vma *vma_find(struct mm *mm, uint64_t addr) { return vt_find(&mm->vmas, addr); }
struct vma *vma_find_next(struct mm *mm, uint64_t addr) { return vt_find_next(&mm->vmas, addr, NULL, NULL); }
struct vma *vma_find_prev(struct mm *mm, uint64_t addr) { return vt_find_prev(&mm->vmas, addr, NULL, NULL); }
struct vma *vma_next(struct mm *mm, struct vma *v) { return vma_find_next(mm, v->end); }
struct vma *vma_prev(struct mm *mm, struct vma *v) { return vma_find_prev(mm, v->start); }

int vma_prepare(struct mm *mm, unsigned changes)
{
	mmap_assert_write_locked(mm);
	return vt_reserve(&mm->vmas, changes);
}

int vma_insert(struct mm *mm, struct vma *v)
{
	mmap_assert_write_locked(mm);
	BUG_ON(v->start >= v->end);
	v->mm = mm;
	vma_mark_attached(v); /* write-locked before a reader can find it */
	int r = vt_insert(&mm->vmas, v->start, v->end, v);
	BUG_ON(r == -EEXIST || r == -EINVAL); /* callers make room first */
	if (r) {
		v->vm_refcnt = 0; /* never published */
		return r;
	}
	mm->nvmas++;
	return 0;
}

void vma_remove(struct mm *mm, struct vma *v)
{
	mmap_assert_write_locked(mm);
	vma_start_write(v);
	int r = vt_remove(&mm->vmas, v->start);
	BUG_ON(r); /* -ENOMEM cannot happen after vma_prepare(); -ENOENT is a bug */
	vma_mark_detached(v); /* a reader that found it before the removal looks again */
	mm->nvmas--;
}

/* The tree and v's range, inside the caller's vm_seq section. */
static int set_range_seq(struct mm *mm, struct vma *v, uint64_t start, uint64_t end)
{
	range_note_contagion(mm, v, start, end);
	int r = vt_update(&mm->vmas, v->start, start, end, v);
	BUG_ON(r == -EEXIST || r == -EINVAL || r == -ENOENT);
	if (!r) {
		WRITE_ONCE(v->start, start);
		WRITE_ONCE(v->end, end);
	}
	return r;
}

int vma_set_range(struct mm *mm, struct vma *v, uint64_t start, uint64_t end)
{
	mmap_assert_write_locked(mm);
	vma_start_write(v);
	vma_seq_begin(v);
	int r = set_range_seq(mm, v, start, end);
	vma_seq_end(v);
	return r;
}

int vma_grow_down(struct mm *mm, struct vma *v, uint64_t start)
{
	mmap_assert_write_locked(mm);
	vma_start_write(v);
	vma_seq_begin(v); /* pgoff and start in one section: a range fault never sees one without the other */
	uint64_t pgoff = v->pgoff;
	WRITE_ONCE(v->pgoff, pgoff - ((v->start - start) >> PAGE_SHIFT)); /* anonymous pgoff moves with the start (Linux) */
	int r = set_range_seq(mm, v, start, v->end);
	if (r)
		WRITE_ONCE(v->pgoff, pgoff);
	vma_seq_end(v);
	return r;
}

uint64_t vma_find_gap(struct mm *mm, uint64_t len, uint64_t low, uint64_t high)
{
	uint64_t a;
	return vt_gap_topdown(&mm->vmas, len, low, high, &a) ? 0 : a;
}

void vma_check(struct mm *mm)
{
	int r = vt_check(&mm->vmas);
	if (r)
		panic("mm.debug: VMA tree broken (vt_check %d)", r);
	unsigned n = 0;
	uint64_t last_end = 0;
	for (struct vma *v = vma_find_next(mm, 0); v; v = vma_next(mm, v), n++) {
		if (v->start >= v->end || v->start < last_end || v->mm != mm || vma_find(mm, v->start) != v ||
		    vma_find(mm, v->end - 1) != v || (v->start | v->end) & (PAGE_SIZE - 1))
			panic("mm.debug: VMA %llx-%llx disagrees with the tree", (unsigned long long)v->start,
			      (unsigned long long)v->end);
		last_end = v->end;
	}
	if (n != mm->nvmas || n != mm->vmas.count)
		panic("mm.debug: %u VMAs in the tree, nvmas %u, count %llu", n, mm->nvmas,
		      (unsigned long long)mm->vmas.count);
}

static void vma_free_now(void *obj);
void vma_destroy_all(struct mm *mm)
{
	vt_destroy(&mm->vmas, vma_free_now);
	mm->nvmas = 0;
}

/* ---- the objects ---- */

char *kstrdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = kmalloc(n);
	if (d)
		memcpy(d, s, n);
	return d;
}

char *kstrdup_abs(const char *path)
{
	if (path[0] == '/')
		return kstrdup(path);
	size_t n = strlen(path) + 1;
	char *d = kmalloc(n + 1);
	if (d) {
		d[0] = '/';
		memcpy(d + 1, path, n);
	}
	return d;
}

/* A fresh object: detached, never write-locked. */
static struct vma *vma_alloc(void)
{
	struct vma *v = objpool_get(&vma_pool);
	if (v) {
		memset(v, 0, sizeof(*v));
		v->vm_lock_seq = UINT64_MAX;
		list_init(&v->node);
	}
	return v;
}

struct vma *vma_new(uint64_t start, uint64_t end, unsigned prot, unsigned flags)
{
	struct vma *v = vma_alloc();
	if (v) {
		v->start = start;
		v->end = end;
		v->prot = prot;
		v->flags = flags;
		v->pgoff = start >> PAGE_SHIFT;
		list_init(&v->node);
		mmstat_inc(MMSTAT_VMA_ALLOC);
	}
	return v;
}

struct vma *vma_dup(const struct vma *v)
{
	struct vma *n = vma_alloc();
	if (!n)
		return NULL;
	*n = *v;
	list_init(&n->node);
	n->mm = NULL;
	n->vm_refcnt = 0;
	n->vm_lock_seq = UINT64_MAX;
	n->vm_seq = 0;
	if (v->file_path && !(n->file_path = kstrdup(v->file_path))) {
		objpool_put(&vma_pool, n);
		return NULL;
	}
	if (n->shm)
		shmem_get(n->shm);
	mmstat_inc(MMSTAT_VMA_ALLOC);
	return n;
}

static void vma_free_now(void *obj)
{
	struct vma *v = obj;
	if (v->shm)
		shmem_put(v->shm);
	kfree(v->file_path);
	if (mm_debug)
		memset(v, 0x6b, sizeof(*v)); /* a use after free reads garbage at once */
	objpool_put(&vma_pool, v);
}

static void vma_reclaim(struct epoch_head *h) { vma_free_now(container_of(h, struct vma, eh)); }

/* Removed VMAs are GRACE-PERIOD DELAYED, not type-stable: the memory stays
 * a struct vma of the same mm until every reader that might have found it
 * has left its epoch section (docs/locking.md). */
void vma_free(struct vma *v)
{
	BUG_ON(v->vm_refcnt); /* detached (or never attached) */
	mmstat_inc(MMSTAT_VMA_FREE);
	call_epoch(&v->eh, vma_reclaim);
}

/* LAB(mmap) begin: split v at addr into [start, addr) and a new VMA [addr, end) with the offsets that follow; NULL when out of memory */
/* Move v's start to addr (file offset and bytes follow). */
static void vma_advance(struct vma *v, uint64_t addr)
{
	uint64_t off = addr - v->start;
	v->pgoff += off >> PAGE_SHIFT;
	if (v->flags & VM_FILE) {
		uint64_t skip = MIN(off, v->file_size);
		v->file_data += skip;
		v->file_size -= skip;
	}
}

struct vma *vma_split(struct mm *mm, struct vma *v, uint64_t addr)
{
	BUG_ON(addr <= v->start || addr >= v->end);
	if (vma_prepare(mm, 2))
		return NULL;
	vma_start_write(v);
	struct vma *n = vma_dup(v);
	if (!n)
		return NULL;
	vma_advance(n, addr);
	n->start = addr;
	vma_set_range(mm, v, v->start, addr);
	vma_insert(mm, n);
	mmstat_inc(MMSTAT_VMA_SPLIT);
	return n;
}
/* LAB(mmap) end */

/* LAB(mmap) begin: merge v with the neighbours it can be one VMA with (same rights, kind, contiguous offsets); return the VMA v is now part of */
/* Could b follow a directly in one VMA?  Linux's is_mergeable_vma +
 * can_vma_merge_before/after: same rights and kind, the same file or
 * shared object at contiguous offsets, and for private anonymous memory
 * contiguous pgoffs (anonymous VMAs are numbered by the address they were
 * created at, so one that moved does not merge back by accident). */
static bool vma_mergeable(const struct vma *a, const struct vma *b)
{
	if (a->end != b->start || a->prot != b->prot || a->flags != b->flags || a->shm != b->shm)
		return false;
	if (a->pgoff + ((a->end - a->start) >> PAGE_SHIFT) != b->pgoff)
		return false;
	if (a->flags & VM_FILE) {
		if (a->file_ino != b->file_ino)
			return false;
		/* the bytes must continue: b starts where a's would */
		uint64_t len = a->end - a->start;
		if (a->file_size > len ? b->file_data != a->file_data + len : b->file_size != 0)
			return false;
	}
	return true;
}

/* Absorb b (a's right neighbour) into a; b is removed and freed. */
static void vma_absorb(struct mm *mm, struct vma *a, struct vma *b)
{
	vma_start_write(a);
	uint64_t end = b->end;
	/* b leaves the tree first (it may not overlap a's new range): a range
	 * fault in b's pages that looks now finds no VMA while mm_lock_seq is
	 * odd and looks again (range_mode.c); one that copied b uses b's
	 * fields, which were right for its page and stay so. */
	vma_remove(mm, b);
	vma_seq_begin(a); /* file_size and end together */
	if ((a->flags & VM_FILE) && a->file_size <= a->end - a->start) {
		/* a's bytes ended inside a: b must have none (checked) */
	} else if (a->flags & VM_FILE) {
		WRITE_ONCE(a->file_size, (a->end - a->start) + b->file_size);
	}
	vma_free(b);
	set_range_seq(mm, a, a->start, end);
	vma_seq_end(a);
	mmstat_inc(MMSTAT_VMA_MERGE);
}

struct vma *vma_merge_neighbours(struct mm *mm, struct vma *v)
{
	if (vma_prepare(mm, 4))
		return v; /* merging is an optimisation: without memory, skip it */
	struct vma *next = vma_next(mm, v);
	if (next && vma_mergeable(v, next))
		vma_absorb(mm, v, next);
	struct vma *prev = vma_prev(mm, v);
	if (prev && vma_mergeable(prev, v)) {
		vma_absorb(mm, prev, v);
		v = prev;
	}
	return v;
}
/* LAB(mmap) end */
