/* vma_tree.c - the VMA tree: a path-copying AVL tree of disjoint ranges,
 * augmented with gap sizes (see vma_tree.h for the design). */
#include "mm/vma_tree.h"

#define ENOENT 2
#define ENOMEM 12
#define EEXIST 17
#define EINVAL 22
#define MAX_HEIGHT 64 /* an AVL tree of 2^44 entries is shorter */

struct vt_node {
	/* the owner's deferred-free record (a struct epoch_head in the
	 * kernel): first, so the record's address is the node's; the tree
	 * never touches it, readers never read it */
	void *retire_link[2];
	uint64_t start, end;
	void *item;
	struct vt_node *left, *right;
	/* over this subtree: the lowest start, the highest end, the largest
	 * gap between two neighbouring entries (0 with fewer than two) */
	uint64_t min_start, max_end, max_gap;
	int height;
	bool fresh; /* created by the change under way: not published, may be written */
};

const size_t vt_node_size = sizeof(struct vt_node);

#define LOAD(p) __atomic_load_n(&(p), __ATOMIC_ACQUIRE)
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#define MIN(a, b) ((a) < (b) ? (a) : (b))

/* ---- one change ---- */

/* Nodes a change replaced (retired after the publish) and created. */
struct op {
	struct vma_tree *t;
	struct vt_node *old[3 * MAX_HEIGHT + 8];
	unsigned nold;
};

static int height(const struct vt_node *n) { return n ? n->height : 0; }

/* Fill the spare cache with n nodes: the change then cannot fail. */
static int reserve(struct vma_tree *t, unsigned n)
{
	while (t->nspare < n) {
		struct vt_node *x = t->alloc(sizeof(*x));
		if (!x)
			return -ENOMEM;
		x->left = t->spare;
		t->spare = x;
		t->nspare++;
	}
	return 0;
}

static unsigned reserve_for_change(const struct vma_tree *t)
{
	return 3 * ((unsigned)height(t->root) + 2); /* the path, rotations, a new leaf */
}

int vt_reserve(struct vma_tree *t, unsigned n)
{
	/* each change may also grow the tree by one level */
	return reserve(t, n * (3 * ((unsigned)height(t->root) + 3) + 1));
}

static struct vt_node *take_spare(struct op *op)
{
	struct vt_node *x = op->t->spare;
	op->t->spare = x->left;
	op->t->nspare--;
	return x;
}

/* A writable version of n: n itself if this change created it, else a copy
 * (n is retired once the change is published). */
static struct vt_node *mut(struct op *op, struct vt_node *n)
{
	if (n->fresh)
		return n;
	struct vt_node *c = take_spare(op);
	*c = *n;
	c->fresh = true;
	op->old[op->nold++] = n;
	return c;
}

/* Recompute n's height and augmented fields from its children. */
static void fix(struct vt_node *n)
{
	const struct vt_node *l = n->left, *r = n->right;
	n->height = 1 + MAX(height(l), height(r));
	n->min_start = l ? l->min_start : n->start;
	n->max_end = r ? r->max_end : n->end;
	uint64_t g = 0;
	if (l)
		g = MAX(MAX(g, l->max_gap), n->start - l->max_end);
	if (r)
		g = MAX(MAX(g, r->max_gap), r->min_start - n->end);
	n->max_gap = g;
}

static struct vt_node *rot_right(struct op *op, struct vt_node *c)
{
	struct vt_node *l = mut(op, c->left);
	c->left = l->right;
	fix(c);
	l->right = c;
	fix(l);
	return l;
}

static struct vt_node *rot_left(struct op *op, struct vt_node *c)
{
	struct vt_node *r = mut(op, c->right);
	c->right = r->left;
	fix(c);
	r->left = c;
	fix(r);
	return r;
}

/* c is fresh; its subtrees are balanced and differ in height by <= 2. */
static struct vt_node *balance(struct op *op, struct vt_node *c)
{
	fix(c);
	int bf = height(c->left) - height(c->right);
	if (bf > 1) {
		if (height(c->left->left) < height(c->left->right)) {
			c->left = mut(op, c->left);
			c->left = rot_left(op, c->left);
		}
		return rot_right(op, c);
	}
	if (bf < -1) {
		if (height(c->right->right) < height(c->right->left)) {
			c->right = mut(op, c->right);
			c->right = rot_right(op, c->right);
		}
		return rot_left(op, c);
	}
	return c;
}

static struct vt_node *insert(struct op *op, struct vt_node *n, struct vt_node *leaf)
{
	if (!n)
		return leaf;
	struct vt_node *c = mut(op, n);
	if (leaf->start < c->start)
		c->left = insert(op, c->left, leaf);
	else
		c->right = insert(op, c->right, leaf);
	return balance(op, c);
}

static struct vt_node *remove_min(struct op *op, struct vt_node *n, struct vt_node **min)
{
	if (!n->left) {
		*min = n;
		return n->right;
	}
	struct vt_node *c = mut(op, n);
	c->left = remove_min(op, c->left, min);
	return balance(op, c);
}

static struct vt_node *remove(struct op *op, struct vt_node *n, uint64_t start)
{
	if (n->start == start) {
		op->old[op->nold++] = n; /* leaves the tree */
		if (!n->left || !n->right)
			return n->left ? n->left : n->right;
		struct vt_node *m;
		struct vt_node *right = remove_min(op, n->right, &m);
		struct vt_node *c = mut(op, m); /* the successor takes n's place */
		c->left = n->left;
		c->right = right;
		return balance(op, c);
	}
	struct vt_node *c = mut(op, n);
	if (start < c->start)
		c->left = remove(op, c->left, start);
	else
		c->right = remove(op, c->right, start);
	return balance(op, c);
}

static struct vt_node *update(struct op *op, struct vt_node *n, uint64_t old_start, uint64_t s, uint64_t e,
			      void *item)
{
	struct vt_node *c = mut(op, n);
	if (old_start == c->start) {
		c->start = s;
		c->end = e;
		c->item = item;
	} else if (old_start < c->start) {
		c->left = update(op, c->left, old_start, s, e, item);
	} else {
		c->right = update(op, c->right, old_start, s, e, item);
	}
	fix(c);
	return c;
}

/* Publish the new root, then retire what it replaced. */
static void publish(struct op *op, struct vt_node *root)
{
	__atomic_store_n(&op->t->root, root, __ATOMIC_RELEASE);
	for (unsigned i = 0; i < op->nold; i++)
		op->t->retire(op->old[i]);
}

/* Clear the fresh marks of the new nodes (those reachable from root that
 * are fresh: they all lie on paths the change walked). */
static void seal(struct vt_node *n)
{
	if (!n || !n->fresh)
		return;
	n->fresh = false;
	seal(n->left);
	seal(n->right);
}

static struct vt_node *lookup_node(const struct vma_tree *t, uint64_t addr)
{
	struct vt_node *n = LOAD(t->root);
	while (n) {
		if (addr < n->start)
			n = LOAD(n->left);
		else if (addr >= n->end)
			n = LOAD(n->right);
		else
			return n;
	}
	return NULL;
}

/* ---- the API ---- */

void vt_init(struct vma_tree *t, void *(*alloc)(size_t), void (*free_fn)(void *), void (*retire)(void *))
{
	t->root = NULL;
	t->count = 0;
	t->spare = NULL;
	t->nspare = 0;
	t->alloc = alloc;
	t->free = free_fn;
	t->retire = retire;
}

int vt_insert(struct vma_tree *t, uint64_t start, uint64_t end, void *item)
{
	if (start >= end)
		return -EINVAL;
	uint64_t ns, ne;
	if (vt_find_next(t, start, &ns, &ne) && ns < end)
		return -EEXIST;
	if (reserve(t, reserve_for_change(t) + 1))
		return -ENOMEM;
	struct op op = { .t = t };
	struct vt_node *leaf = take_spare(&op);
	*leaf = (struct vt_node){ .start = start, .end = end, .item = item, .fresh = true };
	fix(leaf);
	struct vt_node *root = insert(&op, t->root, leaf);
	seal(root);
	publish(&op, root);
	t->count++;
	return 0;
}

int vt_remove(struct vma_tree *t, uint64_t start)
{
	struct vt_node *n = lookup_node(t, start);
	if (!n || n->start != start)
		return -ENOENT;
	if (reserve(t, reserve_for_change(t)))
		return -ENOMEM;
	struct op op = { .t = t };
	struct vt_node *root = remove(&op, t->root, start);
	seal(root);
	publish(&op, root);
	t->count--;
	return 0;
}

int vt_update(struct vma_tree *t, uint64_t old_start, uint64_t new_start, uint64_t new_end, void *item)
{
	if (new_start >= new_end)
		return -EINVAL;
	struct vt_node *n = lookup_node(t, old_start);
	if (!n || n->start != old_start)
		return -ENOENT;
	uint64_t ps, pe, ns, ne;
	if (vt_find_prev(t, old_start, &ps, &pe) && pe > new_start)
		return -EEXIST;
	if (vt_find_next(t, n->end, &ns, &ne) && ns < new_end)
		return -EEXIST;
	if (reserve(t, reserve_for_change(t)))
		return -ENOMEM;
	struct op op = { .t = t };
	struct vt_node *root = update(&op, t->root, old_start, new_start, new_end, item);
	seal(root);
	publish(&op, root);
	return 0;
}

void *vt_find(const struct vma_tree *t, uint64_t addr)
{
	struct vt_node *n = lookup_node(t, addr);
	return n ? n->item : NULL;
}

/* best's item, and its range in start and end when asked. */
static void *report(const struct vt_node *best, uint64_t *start, uint64_t *end)
{
	if (!best)
		return NULL;
	if (start)
		*start = best->start;
	if (end)
		*end = best->end;
	return best->item;
}

void *vt_find_next(const struct vma_tree *t, uint64_t addr, uint64_t *start, uint64_t *end)
{
	struct vt_node *n = LOAD(t->root), *best = NULL;
	while (n) {
		if (n->end > addr) {
			best = n;
			n = LOAD(n->left);
		} else {
			n = LOAD(n->right);
		}
	}
	return report(best, start, end);
}

void *vt_find_prev(const struct vma_tree *t, uint64_t addr, uint64_t *start, uint64_t *end)
{
	struct vt_node *n = LOAD(t->root), *best = NULL;
	while (n) {
		if (n->start < addr) {
			best = n;
			n = LOAD(n->right);
		} else {
			n = LOAD(n->left);
		}
	}
	return report(best, start, end);
}

/* The subtree n covers the free space [pred_end, succ_start) minus its
 * entries: find the highest fit inside [low, high). */
static bool gap_search(const struct vt_node *n, uint64_t pred_end, uint64_t succ_start, uint64_t len, uint64_t low,
		       uint64_t high, uint64_t *addr)
{
	uint64_t lo = MAX(pred_end, low), hi = MIN(succ_start, high);
	if (hi <= lo || hi - lo < len)
		return false;
	if (!n) {
		*addr = hi - len;
		return true;
	}
	/* the largest free run in this region, unclipped: too small, skip */
	uint64_t best = MAX(n->max_gap, MAX(n->min_start - pred_end, succ_start - n->max_end));
	if (best < len)
		return false;
	const struct vt_node *l = LOAD(n->left), *r = LOAD(n->right);
	return gap_search(r, n->end, succ_start, len, low, high, addr) ||
	       gap_search(l, pred_end, n->start, len, low, high, addr);
}

int vt_gap_topdown(const struct vma_tree *t, uint64_t len, uint64_t low, uint64_t high, uint64_t *addr)
{
	if (!len || high < low || high - low < len)
		return -ENOMEM;
	return gap_search(LOAD(t->root), 0, UINT64_MAX, len, low, high, addr) ? 0 : -ENOMEM;
}

static void destroy(struct vma_tree *t, struct vt_node *n, void (*item_fn)(void *))
{
	if (!n)
		return;
	destroy(t, n->left, item_fn);
	destroy(t, n->right, item_fn);
	if (item_fn)
		item_fn(n->item);
	t->free(n);
}

void vt_shrink(struct vma_tree *t)
{
	while (t->spare) {
		struct vt_node *x = t->spare;
		t->spare = x->left;
		t->free(x);
	}
	t->nspare = 0;
}

void vt_destroy(struct vma_tree *t, void (*item_fn)(void *item))
{
	destroy(t, t->root, item_fn);
	t->root = NULL;
	t->count = 0;
	vt_shrink(t);
}

/* Check n's subtree within (lo, hi); the number of entries in *count. */
static int check(const struct vt_node *n, uint64_t lo, uint64_t hi, uint64_t *count)
{
	if (!n)
		return 0;
	if (n->start >= n->end)
		return -1;
	if (n->start < lo || n->end > hi)
		return -2; /* order or overlap */
	if (n->fresh)
		return -3;
	int r = check(n->left, lo, n->start, count);
	if (!r)
		r = check(n->right, n->end, hi, count);
	if (r)
		return r;
	int hl = height(n->left), hr = height(n->right);
	if (hl - hr > 1 || hr - hl > 1)
		return -4;
	struct vt_node copy = *n;
	fix(&copy);
	if (copy.height != n->height)
		return -5;
	if (copy.min_start != n->min_start || copy.max_end != n->max_end || copy.max_gap != n->max_gap)
		return -6;
	(*count)++;
	return 0;
}

int vt_check(const struct vma_tree *t)
{
	uint64_t count = 0;
	int r = check(t->root, 0, UINT64_MAX, &count);
	if (!r && count != t->count)
		r = -7;
	return r;
}
