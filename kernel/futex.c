/* futex.c - fast user-space locking: FUTEX_WAIT/WAKE (and the BITSET and
 * REQUEUE forms musl uses), private and shared, with timeouts.
 *
 * A waiter is keyed by (mm, user address) and queued in one of 64 hash
 * buckets; the bucket's spinlock orders "read the futex word, compare,
 * queue" against "change the word, wake": a waker that changed the word
 * before we read it makes us return -EAGAIN; one that changes it after we
 * queued finds us.  The word is read with page faults disabled (we hold the
 * bucket lock); if that fails the page is faulted in without the lock and
 * the whole step retried, as Linux does.
 * A shared (non-private) operation on a MAP_SHARED page is keyed by the
 * page's physical address instead, so processes that share the page after
 * fork meet on it (Linux keys such futexes by page too).
 * q->bucket may change (requeue) only under the old and new bucket locks;
 * q->woken is set under the bucket lock by the waker. */
#include "kernel/errno.h"
#include "kernel/proc.h"
#include "kernel/syscall.h"
#include "kernel/time.h"
#include "kernel/uaccess.h"
#include "arch/x86_64/rtc.h"
#include "mm/mm.h"

#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_REQUEUE 3
#define FUTEX_CMP_REQUEUE 4
#define FUTEX_WAIT_BITSET 9
#define FUTEX_WAKE_BITSET 10
#define FUTEX_PRIVATE_FLAG 128
#define FUTEX_CLOCK_REALTIME 256
#define FUTEX_BITSET_MATCH_ANY 0xffffffffu

struct futex_bucket {
	struct spinlock lock;
	struct list_head waiters; /* struct futex_q */
};

/* (mm, user address), or (NULL, physical address) for a shared page. */
struct futex_key {
	struct mm *mm;
	uint64_t addr;
};

struct futex_q {
	struct list_head node;
	struct task *task;
	struct futex_key key;
	uint32_t bitset;
	struct futex_bucket *bucket;
	bool woken;
};

#define NBUCKETS 64
static struct futex_bucket buckets[NBUCKETS];

static struct futex_bucket *bucket_of(const struct futex_key *k)
{
	uint64_t h = (k->addr >> 2) ^ ((uint64_t)k->mm >> 6);
	h ^= h >> 17;
	return &buckets[(h * 0x9e3779b97f4a7c15ull) >> 58];
}

static bool key_eq(const struct futex_key *a, const struct futex_key *b)
{
	return a->mm == b->mm && a->addr == b->addr;
}

/* The key of uaddr in mm for a private or shared operation; -EFAULT. */
static int futex_key(struct mm *mm, uint64_t uaddr, bool shared, struct futex_key *k)
{
	k->mm = mm;
	k->addr = uaddr;
	if (!shared)
		return 0;
	phys_addr_t pa;
	int r = mm_shared_page(mm, uaddr, &pa);
	if (r < 0)
		return r;
	if (r) {
		k->mm = NULL;
		k->addr = pa;
	}
	return 0;
}

void futex_init(void)
{
	for (int i = 0; i < NBUCKETS; i++) {
		spin_init(&buckets[i].lock, "futex_bucket");
		list_init(&buckets[i].waiters);
	}
}

/* Wake up to n waiters on key whose bitset meets bitset. */
static long futex_wake_bits(const struct futex_key *key, int n, uint32_t bitset)
{
	struct futex_bucket *b = bucket_of(key);
	long woken = 0;
	unsigned long f = spin_lock_irqsave(&b->lock);
	struct list_head *pos, *tmp;
	list_for_each_safe(pos, tmp, &b->waiters) {
		if (woken >= n)
			break;
		struct futex_q *q = list_entry(pos, struct futex_q, node);
		if (!key_eq(&q->key, key) || !(q->bitset & bitset))
			continue;
		list_del(&q->node);
		struct task *t = q->task;
		smp_store_release(&q->woken, true); /* q is on t's stack: not touched after this */
		wake_task(t);
		woken++;
	}
	spin_unlock_irqrestore(&b->lock, f);
	return woken;
}

/* CLONE_CHILD_CLEARTID's wake at thread exit (a shared wake, as Linux's). */
long futex_wake(struct mm *mm, uint64_t uaddr, int n)
{
	struct futex_key key;
	if (futex_key(mm, uaddr, true, &key))
		return -EFAULT;
	return futex_wake_bits(&key, n, FUTEX_BITSET_MATCH_ANY);
}

/* Lock q's current bucket (requeue may move it meanwhile). */
static struct futex_bucket *lock_q_bucket(struct futex_q *q, unsigned long *f)
{
	for (;;) {
		struct futex_bucket *b = READ_ONCE(q->bucket);
		*f = spin_lock_irqsave(&b->lock);
		if (b == READ_ONCE(q->bucket))
			return b;
		spin_unlock_irqrestore(&b->lock, *f);
	}
}

static long futex_wait(const struct futex_key *key, uint64_t uaddr, uint32_t val, uint64_t deadline,
		       uint32_t bitset)
{
	struct futex_q q = { .task = current, .key = *key, .bitset = bitset };
	struct futex_bucket *b = bucket_of(key);
	unsigned long f;
	for (;;) {
		uint32_t cur;
		f = spin_lock_irqsave(&b->lock);
		int r = copy_from_user_nofault(&cur, (const void *)uaddr, 4);
		if (r == 0) {
			if (cur != val) {
				spin_unlock_irqrestore(&b->lock, f);
				return -EAGAIN;
			}
			break;
		}
		spin_unlock_irqrestore(&b->lock, f);
		if (copy_from_user(&cur, (const void *)uaddr, 4)) /* fault it in, or fail */
			return -EFAULT;
	}
	q.bucket = b;
	list_add_tail(&q.node, &b->waiters);
	WRITE_ONCE(current->state, TASK_SLEEPING);
	spin_unlock_irqrestore(&b->lock, f);

	long r = 0;
	while (!smp_load_acquire(&q.woken)) {
		r = wait_sleep_intr(deadline);
		if (r == -EINTR && !deadline)
			r = -ERESTARTSYS; /* restarted under SA_RESTART, as Linux's FUTEX_WAIT */
		if (r)
			break;
		WRITE_ONCE(current->state, TASK_SLEEPING);
		smp_mb();
	}
	WRITE_ONCE(current->state, TASK_RUNNING);
	if (!smp_load_acquire(&q.woken)) {
		b = lock_q_bucket(&q, &f);
		if (!q.woken)
			list_del(&q.node);
		else
			r = 0; /* woken after all */
		spin_unlock_irqrestore(&b->lock, f);
	} else {
		r = 0;
	}
	return r == -ETIMEDOUT || r == -ERESTARTSYS ? r : r ? -EINTR : 0;
}

static long futex_requeue(const struct futex_key *k1, uint64_t uaddr, int nwake, int nmove,
			  const struct futex_key *k2, bool cmp, uint32_t val)
{
	struct futex_bucket *b1 = bucket_of(k1), *b2 = bucket_of(k2);
	struct futex_bucket *first = b1 < b2 ? b1 : b2, *second = b1 < b2 ? b2 : b1;
	unsigned long f;
	for (;;) {
		f = spin_lock_irqsave(&first->lock);
		if (second != first)
			spin_lock(&second->lock);
		if (!cmp)
			break;
		uint32_t cur;
		int r = copy_from_user_nofault(&cur, (const void *)uaddr, 4);
		if (r == 0 && cur != val) {
			r = -EAGAIN;
		} else if (r == 0) {
			break;
		}
		if (second != first)
			spin_unlock(&second->lock);
		spin_unlock_irqrestore(&first->lock, f);
		if (r == -EAGAIN)
			return r;
		if (copy_from_user(&cur, (const void *)uaddr, 4))
			return -EFAULT;
	}
	long done = 0, moved = 0;
	struct list_head *pos, *tmp;
	list_for_each_safe(pos, tmp, &b1->waiters) {
		struct futex_q *q = list_entry(pos, struct futex_q, node);
		if (!key_eq(&q->key, k1))
			continue;
		if (done < nwake) {
			list_del(&q->node);
			struct task *t = q->task;
			smp_store_release(&q->woken, true); /* q is on t's stack */
			wake_task(t);
			done++;
		} else if (moved < nmove && key_eq(k1, k2)) {
			moved++; /* requeued onto itself: it stays where it is */
		} else if (moved < nmove) {
			list_del(&q->node);
			q->key = *k2;
			WRITE_ONCE(q->bucket, b2);
			list_add_tail(&q->node, &b2->waiters);
			moved++;
		} else {
			break;
		}
	}
	if (second != first)
		spin_unlock(&second->lock);
	spin_unlock_irqrestore(&first->lock, f);
	return done + moved;
}

/* A timespec from user space: its value in ns, or -EINVAL/-EFAULT. */
long timespec_from_user(const void __user *uts, uint64_t *ns)
{
	struct {
		int64_t sec, nsec;
	} ts;
	if (copy_from_user(&ts, uts, sizeof(ts)))
		return -EFAULT;
	if (ts.sec < 0 || ts.nsec < 0 || ts.nsec >= 1000000000)
		return -EINVAL;
	const int64_t max_sec = 1ll << 32; /* ~136 years: "forever", without overflow */
	*ns = (uint64_t)MIN(ts.sec, max_sec) * 1000000000 + (uint64_t)ts.nsec;
	return 0;
}

static long sys_futex(uint32_t __user *uaddr, int op, uint32_t val, const void __user *utime, uint32_t __user *uaddr2,
		      uint32_t val3)
{
	int cmd = op & ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
	bool realtime = op & FUTEX_CLOCK_REALTIME;
	bool shared = !(op & FUTEX_PRIVATE_FLAG);
	if (realtime && cmd != FUTEX_WAIT_BITSET && cmd != FUTEX_WAIT)
		return -ENOSYS;
	if ((uint64_t)uaddr & 3)
		return -EINVAL;
	struct mm *mm = current->proc->mm;
	uint64_t ua = (uint64_t)uaddr;
	switch (cmd) {
	case FUTEX_WAIT:
	case FUTEX_WAIT_BITSET: {
		uint32_t bitset = cmd == FUTEX_WAIT ? FUTEX_BITSET_MATCH_ANY : val3;
		if (!bitset)
			return -EINVAL;
		uint64_t deadline = 0, ns;
		if (utime) {
			long r = timespec_from_user(utime, &ns);
			if (r)
				return r;
			if (cmd == FUTEX_WAIT) /* relative */
				deadline = time_ns() + ns;
			else if (realtime) /* absolute CLOCK_REALTIME */
				deadline = ns > realtime_ns() ? time_ns() + (ns - realtime_ns()) : 1;
			else /* absolute CLOCK_MONOTONIC */
				deadline = ns ? ns : 1;
		}
		struct futex_key key;
		if (!user_range_ok(ua, 4) || futex_key(mm, ua, shared, &key))
			return -EFAULT;
		return futex_wait(&key, ua, val, deadline, bitset);
	}
	case FUTEX_WAKE:
	case FUTEX_WAKE_BITSET: {
		uint32_t bitset = cmd == FUTEX_WAKE ? FUTEX_BITSET_MATCH_ANY : val3;
		if (!bitset)
			return -EINVAL;
		struct futex_key key;
		if (futex_key(mm, ua, shared, &key))
			return -EFAULT;
		return futex_wake_bits(&key, (int)MIN(val, (uint32_t)INT32_MAX), bitset);
	}
	case FUTEX_REQUEUE:
	case FUTEX_CMP_REQUEUE:
	{
		if ((int)val < 0 || (int64_t)(uint64_t)utime < 0 || ((uint64_t)uaddr2 & 3))
			return -EINVAL;
		struct futex_key k1, k2;
		if (futex_key(mm, ua, shared, &k1) || futex_key(mm, (uint64_t)uaddr2, shared, &k2))
			return -EFAULT;
		return futex_requeue(&k1, ua, (int)val, (int)MIN((uint64_t)utime, (uint64_t)INT32_MAX), &k2,
				     cmd == FUTEX_CMP_REQUEUE, val3);
	}
	default:
		return -ENOSYS;
	}
}

SYSCALL(futex, sys_futex);
