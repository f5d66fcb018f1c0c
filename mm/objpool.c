/* objpool.c - per-CPU pools of recycled objects (see objpool.h). */
#include "mm/objpool.h"
#include "mm/slab.h"

void objpool_init(struct objpool *p, const char *name, size_t size)
{
	p->name = name;
	p->size = size;
	for (unsigned i = 0; i < MAX_CPUS; i++) {
		spin_init(&p->cpu[i].lock, name);
		p->cpu[i].head = NULL;
		p->cpu[i].n = 0;
	}
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
	spin_unlock(&c->lock);
	return obj ? obj : kmalloc(p->size);
}

void objpool_put(struct objpool *p, void *obj)
{
	struct objpool_cpu *c = &p->cpu[cpu_id()];
	spin_lock(&c->lock);
	bool keep = c->n < OBJPOOL_MAX;
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
