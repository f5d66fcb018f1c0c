/* objpool.c - per-CPU pools of recycled objects (see objpool.h). */
#include "mm/objpool.h"
#include "mm/slab.h"

/* Every pool, in the order created; pools are never destroyed.  Not taken
 * from interrupt context; outside every pool's per-CPU locks. */
static LIST_HEAD(pools);
static struct spinlock pools_lock = SPINLOCK_INIT("objpools");

void objpool_init(struct objpool *p, const char *name, size_t size)
{
	p->name = name;
	p->size = size;
	p->baseline = 0;
	for (unsigned i = 0; i < MAX_CPUS; i++) {
		spin_init(&p->cpu[i].lock, name);
		p->cpu[i].head = NULL;
		p->cpu[i].n = 0;
		p->cpu[i].out = 0;
	}
	spin_lock(&pools_lock);
	list_add_tail(&p->node, &pools);
	spin_unlock(&pools_lock);
}

void *objpool_get(struct objpool *p)
{
	struct objpool_cpu *c = &p->cpu[cpu_id()];
	spin_lock(&c->lock);
	void *obj = c->head;
	if (obj) {
		c->head = *(void **)obj;
		c->n--;
	}
	c->out++; /* counted before the kmalloc; undone below if it fails */
	spin_unlock(&c->lock);
	if (!obj && !(obj = kmalloc(p->size))) {
		spin_lock(&c->lock);
		c->out--;
		spin_unlock(&c->lock);
	}
	return obj;
}

void objpool_put(struct objpool *p, void *obj)
{
	struct objpool_cpu *c = &p->cpu[cpu_id()];
	spin_lock(&c->lock);
	bool keep = c->n < OBJPOOL_MAX;
	c->out--;
	if (keep) {
		*(void **)obj = c->head;
		c->head = obj;
		c->n++;
	}
	spin_unlock(&c->lock);
	if (!keep)
		kfree(obj);
}

void objpool_drain(struct objpool *p)
{
	for (unsigned i = 0; i < MAX_CPUS; i++) {
		struct objpool_cpu *c = &p->cpu[i];
		spin_lock(&c->lock);
		void *list = c->head;
		c->head = NULL;
		c->n = 0;
		spin_unlock(&c->lock);
		while (list) {
			void *next = *(void **)list;
			kfree(list);
			list = next;
		}
	}
}

/* Objects in use (handed out) and pooled, summed over the CPUs. */
static void pool_counts(struct objpool *p, uint64_t *out, uint64_t *pooled)
{
	int64_t o = 0;
	uint64_t n = 0;
	for (unsigned i = 0; i < MAX_CPUS; i++) {
		struct objpool_cpu *c = &p->cpu[i];
		spin_lock(&c->lock);
		o += c->out;
		n += c->n;
		spin_unlock(&c->lock);
	}
	*out = o < 0 ? 0 : (uint64_t)o; /* a sum racing with a get here and a put there */
	*pooled = n;
}

void objpool_for_each(kmem_stats_fn *fn, void *arg)
{
	struct list_head *pos;
	spin_lock(&pools_lock);
	list_for_each(pos, &pools) {
		struct objpool *p = list_entry(pos, struct objpool, node);
		uint64_t out, pooled;
		pool_counts(p, &out, &pooled);
		struct kmem_stats s = { .name = p->name, .active_objs = out, .num_objs = out + pooled,
					.objsize = p->size, .baseline = p->baseline, .not_a_cache = true };
		fn(&s, arg);
	}
	spin_unlock(&pools_lock);
}

void objpool_mark_baseline(void)
{
	struct list_head *pos;
	spin_lock(&pools_lock);
	list_for_each(pos, &pools) {
		struct objpool *p = list_entry(pos, struct objpool, node);
		uint64_t pooled;
		pool_counts(p, &p->baseline, &pooled);
	}
	spin_unlock(&pools_lock);
}
