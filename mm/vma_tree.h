/* vma_tree.h - an ordered map of disjoint ranges [start, end) to items
 * (struct vma *), for an address space's VMAs.
 *
 * What it answers in O(log n): which entry contains an address (every page
 * fault), the next / previous entry, and - through augmentation - where
 * the highest free gap of a given length lies below a limit
 * (get_unmapped_area).  Each node keeps, for its subtree, the lowest
 * start, the highest end and the largest gap between neighbouring entries,
 * so a gap search skips every subtree that cannot hold the request.
 *
 * Balance: AVL (heights differ by at most one), so height <= 1.44 log2 n.
 *
 * Built for lockless readers (the epoch issue): one writer at a time (the
 * caller holds mmap_lock for write) changes the tree by PATH COPYING.
 * A published node is never written again: an insert, remove or update
 * copies the nodes on the path from the root to the change (and the few a
 * rotation touches), links the copies, and publishes the new root with one
 * release store.  A reader that loaded the old root keeps reading a
 * complete old tree.  The replaced nodes go to the retire hook after the
 * publish; the tree never frees a published node itself.
 *
 * Memory: node copies come from a small cache of spare nodes filled by
 * t->alloc before each change, so a change either fails up front with
 * -ENOMEM (tree unchanged) or cannot fail.  Portable: host-tested under
 * ASan against a reference model (tests/host/test_vma_tree.c). */
#pragma once
#include "kernel/types.h"

struct vt_node; /* private to vma_tree.c */

struct vma_tree {
	struct vt_node *root;        /* published with a release store; read with acquire loads */
	uint64_t count;              /* entries; writer side */
	struct vt_node *spare;       /* never-published nodes for the next change; writer side */
	unsigned nspare;
	void *(*alloc)(size_t size); /* node memory; NULL when out of memory */
	void (*free)(void *node);    /* a node that was never published */
	void (*retire)(void *node);  /* a published node that was replaced: free it when no reader can see it */
};

/* Node memory is t->alloc(vt_node_size).  A node's first 16 bytes are the
 * owner's: a retired node may be linked through them (the kernel queues it
 * on an epoch callback list there) while readers still read the rest. */
extern const size_t vt_node_size;

void vt_init(struct vma_tree *t, void *(*alloc)(size_t), void (*free_fn)(void *), void (*retire)(void *));
/* Make the next n changes unable to fail for want of memory: 0 or -ENOMEM. */
int vt_reserve(struct vma_tree *t, unsigned n);
/* 0, -ENOMEM, -EEXIST (overlaps an entry), -EINVAL (start >= end). */
int vt_insert(struct vma_tree *t, uint64_t start, uint64_t end, void *item);
/* Remove the entry starting at start: 0, -ENOENT, -ENOMEM. */
int vt_remove(struct vma_tree *t, uint64_t start);
/* Give the entry starting at old_start a new range and item; the new
 * range must overlap no other entry: 0, -ENOENT, -EEXIST, -EINVAL, -ENOMEM. */
int vt_update(struct vma_tree *t, uint64_t old_start, uint64_t new_start, uint64_t new_end, void *item);

/* Readers: safe against one concurrent writer (acquire loads throughout). */
void *vt_find(const struct vma_tree *t, uint64_t addr); /* the entry containing addr, or NULL */
/* The first entry with end > addr (containing addr, or the next above). */
void *vt_find_next(const struct vma_tree *t, uint64_t addr, uint64_t *start, uint64_t *end);
/* The last entry with start < addr. */
void *vt_find_prev(const struct vma_tree *t, uint64_t addr, uint64_t *start, uint64_t *end);
/* The highest a with low <= a, a + len <= high and [a, a + len) free:
 * 0 and *addr, or -ENOMEM. */
int vt_gap_topdown(const struct vma_tree *t, uint64_t len, uint64_t low, uint64_t high, uint64_t *addr);

/* Give the spare-node cache back (t->free). */
void vt_shrink(struct vma_tree *t);
/* A dead tree: every node to t->free (no readers left), each item to
 * item_fn if given; the tree is then empty. */
void vt_destroy(struct vma_tree *t, void (*item_fn)(void *item));
/* Debug: every invariant (order, disjointness, AVL balance, heights,
 * augmented fields, count).  0, or a negative code naming the broken one. */
int vt_check(const struct vma_tree *t);
