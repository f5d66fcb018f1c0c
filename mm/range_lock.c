/* range_lock.c - reader-writer range locks with FIFO fairness (range_lock.h
 * explains the scheme and why a list).
 *
 * Invariants, all under t->lock (range_lock_check() asserts them when
 * range_lock_debug is set; the cheap ones are BUG_ONs on every call):
 *  I1. t->ranges holds every queued request (granted or waiting) once, in
 *      the order they were queued; nr_ranges is its length.
 *  I2. For every request r in the list, r->blocking == the number of
 *      requests *before* r in the list that conflict with r.
 *  I3. Hence two granted requests (blocking == 0) never conflict: of two
 *      conflicting requests the later one counts the earlier (I2).
 * FIFO follows from I2: a request is granted only when every earlier
 * conflicting request has left the list, and a later request never counts
 * toward an earlier one's blocking - it cannot get in first.
 *
 * Who changes blocking: queueing sets it (I2); removing r (unlock, or a
 * killed waiter giving up) decrements it for the later requests that
 * conflict with r; narrowing r decrements it for the later requests that
 * conflicted with r and no longer do; widening r increments it for the
 * later (waiting) requests that newly conflict.  The store that takes it to
 * 0 is a release and is followed by the wake-up, both under t->lock; the
 * waiter reads it with acquire, so the previous holder's writes happen
 * before the new holder's section.
 *
 * Lifetime: a request's memory belongs to its owner, who may free it as
 * soon as range_unlock() or a failed lock returns.  Both take t->lock, and
 * every wake-up of a request happens under t->lock, so no waker touches a
 * request after its owner is done with it. */
#include "mm/range_lock.h"
#include "kernel/assert.h"
#include "kernel/atomic.h"
#include "kernel/errno.h"

bool range_lock_debug;

void range_lock_tree_init(struct range_lock_tree *t, const char *name)
{
	spin_init(&t->lock, name);
	list_init(&t->ranges);
	t->nr_ranges = 0;
	t->waits = t->wait_cycles = t->widenings = t->widen_fails = t->try_fails = 0;
	t->name = name;
}

static bool overlaps(const struct range_lock *r, uint64_t start, uint64_t end)
{
	return r->start < end && start < r->end;
}

/* Would r conflict with a request for [start, end) of kind writer? */
static bool conflicts(const struct range_lock *r, uint64_t start, uint64_t end, bool writer)
{
	return (r->writer || writer) && overlaps(r, start, end);
}

static struct range_lock *next_range(struct range_lock_tree *t, struct range_lock *r)
{
	return r->node.next == &t->ranges ? NULL : list_entry(r->node.next, struct range_lock, node);
}

#define for_each_range(pos, t) \
	for (pos = list_empty(&(t)->ranges) ? NULL : list_first_entry(&(t)->ranges, struct range_lock, node); \
	     pos; pos = next_range(t, pos))
/* The requests queued after r. */
#define for_each_later(pos, r, t) for (pos = next_range(t, r); pos; pos = next_range(t, pos))

/* I1-I3, O(n^2); with t->lock held. */
static void range_lock_check(struct range_lock_tree *t)
{
	struct range_lock *r, *e;
	unsigned long n = 0;

	assert_held(&t->lock);
	if (!range_lock_debug)
		return;
	for_each_range(r, t) {
		unsigned blocking = 0;
		BUG_ON(r->tree != t || r->start >= r->end);
		for_each_range(e, t) {
			if (e == r)
				break;
			blocking += conflicts(e, r->start, r->end, r->writer);
		}
		BUG_ON(blocking != r->blocking); /* I2 */
		n++;
	}
	BUG_ON(n != t->nr_ranges); /* I1 */
}

/* One fewer earlier request blocks r; wake its owner at 0. */
static void range_put(struct range_lock *r)
{
	BUG_ON(r->blocking == 0); /* a granted request counts nobody */
	if (r->blocking == 1) {
		smp_store_release(&r->blocking, 0);
		wake_up_all(&r->wq);
	} else {
		WRITE_ONCE(r->blocking, r->blocking - 1);
	}
}

/* Queue r at the tail, counting the requests it must wait for (I2). */
static void range_queue(struct range_lock_tree *t, struct range_lock *r)
{
	struct range_lock *e;
	unsigned blocking = 0;

	assert_held(&t->lock);
	for_each_range(e, t)
		blocking += conflicts(e, r->start, r->end, r->writer);
	WRITE_ONCE(r->blocking, blocking);
	r->tree = t;
	list_add_tail(&r->node, &t->ranges);
	t->nr_ranges++;
}

/* Take r out of the list; the later requests it blocked stop counting it. */
static void range_dequeue(struct range_lock_tree *t, struct range_lock *r)
{
	struct range_lock *e;

	assert_held(&t->lock);
	for_each_later(e, r, t)
		if (conflicts(e, r->start, r->end, r->writer))
			range_put(e);
	list_del(&r->node);
	t->nr_ranges--;
	r->tree = NULL;
}

static void range_init(struct range_lock *r, uint64_t start, uint64_t end, bool writer)
{
	BUG_ON(start >= end);
	r->start = start;
	r->end = end;
	r->writer = writer;
	r->blocking = 0;
	r->tree = NULL;
	wait_queue_init(&r->wq, "range_lock");
}

/* Wait until r is granted: 0, or -EINTR if killable and the process is
 * being killed first (r still queued).  Spin briefly, then sleep on r's
 * own wait queue: range_put() wakes it at blocking == 0. */
static int range_wait(struct range_lock *r, bool killable)
{
	if (range_lock_spin(&r->blocking))
		return 0;
	struct waiter w = { .task = NULL };
	int ret = 0;
	for (;;) {
		prepare_to_wait(&r->wq, &w);
		if (smp_load_acquire(&r->blocking) == 0)
			break;
		if (range_lock_sleep(killable)) {
			ret = -EINTR;
			break;
		}
	}
	finish_wait(&r->wq, &w);
	return ret;
}

/* Queue r and wait until it is granted: 0 at once, 1 after waiting, or
 * -EINTR (r dequeued) if killable and the process is being killed first. */
static int range_lock_common(struct range_lock_tree *t, struct range_lock *r, uint64_t start, uint64_t end,
			     bool writer, bool killable)
{
	range_init(r, start, end, writer);
	spin_lock(&t->lock);
	range_queue(t, r);
	range_lock_check(t);
	bool granted = r->blocking == 0;
	spin_unlock(&t->lock);
	if (granted)
		return 0;

	uint64_t t0 = range_lock_cycles();
	int ret = range_wait(r, killable);
	spin_lock(&t->lock);
	if (ret && r->blocking == 0)
		ret = 0; /* granted after all: keep it */
	if (ret)
		range_dequeue(t, r); /* as if unlocked: later requests stop waiting for us */
	else
		ret = 1;
	t->waits++;
	t->wait_cycles += range_lock_cycles() - t0;
	range_lock_check(t);
	spin_unlock(&t->lock);
	return ret;
}

bool range_read_lock(struct range_lock_tree *t, struct range_lock *r, uint64_t start, uint64_t end)
{
	return range_lock_common(t, r, start, end, false, false) > 0;
}

bool range_write_lock(struct range_lock_tree *t, struct range_lock *r, uint64_t start, uint64_t end)
{
	return range_lock_common(t, r, start, end, true, false) > 0;
}

int range_write_lock_killable(struct range_lock_tree *t, struct range_lock *r, uint64_t start, uint64_t end)
{
	int ret = range_lock_common(t, r, start, end, true, true);
	return ret > 0 ? 0 : ret;
}

static bool range_trylock(struct range_lock_tree *t, struct range_lock *r, uint64_t start, uint64_t end,
			  bool writer)
{
	struct range_lock *e;
	bool ok = true;

	range_init(r, start, end, writer);
	spin_lock(&t->lock);
	for_each_range(e, t) {
		if (conflicts(e, start, end, writer)) {
			ok = false; /* granted or waiting: either way we would wait */
			break;
		}
	}
	if (ok)
		range_queue(t, r); /* blocking 0 */
	else
		t->try_fails++;
	range_lock_check(t);
	spin_unlock(&t->lock);
	return ok;
}

bool range_read_trylock(struct range_lock_tree *t, struct range_lock *r, uint64_t start, uint64_t end)
{
	return range_trylock(t, r, start, end, false);
}

bool range_write_trylock(struct range_lock_tree *t, struct range_lock *r, uint64_t start, uint64_t end)
{
	return range_trylock(t, r, start, end, true);
}

void range_unlock(struct range_lock_tree *t, struct range_lock *r)
{
	spin_lock(&t->lock);
	BUG_ON(r->tree != t || r->blocking != 0); /* unlocking a range not held */
	range_dequeue(t, r);
	range_lock_check(t);
	spin_unlock(&t->lock);
}

void range_lock_narrow(struct range_lock_tree *t, struct range_lock *r, uint64_t start, uint64_t end)
{
	struct range_lock *e;

	spin_lock(&t->lock);
	BUG_ON(r->tree != t || r->blocking != 0);
	BUG_ON(start >= end || start < r->start || end > r->end); /* not inside the held range */
	/* Only later requests can count r (I2); those that overlapped the
	 * dropped part only are released from it. */
	for_each_later(e, r, t)
		if (conflicts(e, r->start, r->end, r->writer) && !conflicts(e, start, end, r->writer))
			range_put(e);
	r->start = start;
	r->end = end;
	range_lock_check(t);
	spin_unlock(&t->lock);
}

/* Widening in place never waits, so it adds no wait-for edge from r: the
 * added part may only conflict with *later, waiting* requests, which then
 * count r too (a wait-for edge from later to earlier, as queueing makes).
 * A conflict with a granted request would make r's owner wait while it
 * holds r - and that request's owner may be about to widen into r (two
 * neighbours both crossing their shared boundary): deadlock.  A conflict
 * with an earlier waiting request would break FIFO (it does not count r
 * and would be granted over r's new part).  Both mean -EAGAIN: the caller
 * releases everything, and waiting for the bigger range while holding
 * nothing is an ordinary queued request. */
int range_lock_widen(struct range_lock_tree *t, struct range_lock *r, uint64_t start, uint64_t end)
{
	struct range_lock *e;
	bool later = false;

	spin_lock(&t->lock);
	BUG_ON(r->tree != t || r->blocking != 0);
	BUG_ON(start >= end || start > r->start || end < r->end); /* does not contain the held range */
	for_each_range(e, t) {
		if (e == r) {
			later = true;
			continue;
		}
		if (conflicts(e, start, end, r->writer) && (!later || e->blocking == 0)) {
			t->widen_fails++;
			spin_unlock(&t->lock);
			return -EAGAIN;
		}
	}
	for_each_later(e, r, t)
		if (conflicts(e, start, end, r->writer) && !conflicts(e, r->start, r->end, r->writer))
			WRITE_ONCE(e->blocking, e->blocking + 1); /* > 0 already: it stays a waiter */
	r->start = start;
	r->end = end;
	t->widenings++;
	range_lock_check(t);
	spin_unlock(&t->lock);
	return 0;
}

void range_lock_stats(struct range_lock_tree *t, struct range_lock_stats *s)
{
	spin_lock(&t->lock);
	s->waits = t->waits;
	s->wait_cycles = t->wait_cycles;
	s->widenings = t->widenings;
	s->widen_fails = t->widen_fails;
	s->try_fails = t->try_fails;
	s->nr_ranges = t->nr_ranges;
	spin_unlock(&t->lock);
}

/* Only the owner asks, and only its own calls set r->tree. */
bool range_lock_held(struct range_lock_tree *t, struct range_lock *r)
{
	return r->tree == t && smp_load_acquire(&r->blocking) == 0;
}
