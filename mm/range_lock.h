/* range_lock.h - sleeping reader-writer locks over address ranges of one
 * mm, the primitive of mm.lock=range (issue 13; docs/locking.md, "Range
 * locks").
 *
 * A caller locks [start, end) for read or write with a struct range_lock it
 * owns (usually on its stack) until range_unlock.  Two ranges *conflict*
 * when they overlap and at least one is a writer: conflicting ranges
 * exclude each other; disjoint ranges, and overlapping readers, proceed in
 * parallel.
 *
 * Fairness (Jan Kara's and Davidlohr Bueso's proposed Linux range_lock,
 * rewritten here): every request, granted or waiting, sits in one list per
 * tree in arrival order.  A new request counts the conflicting requests
 * already in the list (`blocking`) and is granted when that count is 0;
 * removing a request decrements the count of every *later* conflicting
 * one.  So a request waits for exactly the earlier conflicting requests -
 * FIFO among conflicting requests; a reader never passes a writer that
 * waits for the same page, and no writer starves.  Deadlock-free: a
 * request only ever waits for earlier ones, so the wait-for graph has no
 * cycle, provided no task waits for a range while it holds another range
 * of the same tree (trylock and widen never wait, so they are allowed).
 *
 * Why a list in arrival order, not an interval tree: with n requests in the
 * list, lock is O(n) (one scan to count conflicts) and unlock is O(n - i)
 * for the i-th request (only later ones can count it), both under the
 * tree's spinlock; an augmented rb interval tree gives O(log n + k) but
 * needs an arrival number in each node, a stabbing walk per operation and
 * ~300 lines of rebalancing.  Faults lock one page each, so n is the number
 * of threads of one mm inside a range-locked section at once - at most a
 * few per CPU, tens on the machines faultline boots; at those sizes the
 * list is a few cache lines and beats the tree's constant factors.  An
 * uncontended lock/unlock (empty list) is O(1).  The API hides the choice:
 * past ~64 concurrent ranges an interval tree keyed by start, with the
 * arrival ticket to keep FIFO, is the upgrade.
 *
 * The cases the range-lock designs raise, as calls:
 *  - range unknown until the VMAs are looked up: lock a larger range, then
 *    range_lock_narrow() to the VMAs' span (waiters that no longer conflict
 *    are woken);
 *  - "lock contagion" (a VMA merge or split crosses the locked boundary):
 *    range_lock_widen() grows the held range in place if nothing granted
 *    or earlier conflicts with the extra part, else returns -EAGAIN and the
 *    caller must range_unlock and lock the bigger range afresh (holding on
 *    while waiting could deadlock: see range_lock.c);
 *  - operations whose range is unknown (exec, exit, fork): range_lock_all(),
 *    a write lock of [0, RANGE_LOCK_END), which covers all of user space.
 *
 * Sleeping: a waiter sleeps on the wait queue in its own range_lock
 * (kernel/wait.h); the tree's spinlock is never held while sleeping.  The
 * sleep itself and the cycle clock come from the environment
 * (mm/range_lock_sleep.c in the kernel, the test in host tests), so this
 * file and range_lock.c compile for host unit tests as they are.
 *
 * Lock order (proposed, docs/locking.md section 14): a range lock is a
 * sleeping lock taken *outside* mmap_lock - never wait for a range while
 * holding mmap_lock (trylock is fine).  The tree's spinlock is an internal
 * lock that takes wait-queue locks inside it (it wakes under it). */
#pragma once
#include "kernel/lib/list.h"
#include "kernel/spinlock.h"
#include "kernel/types.h"
#include "kernel/wait.h"

/* End of range_lock_all(): every user address (USER_TOP) and beyond. */
#define RANGE_LOCK_END (~0ul)

struct range_lock_tree {
	struct spinlock lock;    /* protects everything below, and every queued range's
	                          * start, end, blocking and node */
	struct list_head ranges; /* every granted or waiting range, oldest first */
	unsigned long nr_ranges; /* length of ranges */
	/* statistics, under lock (range_lock_stats reads them) */
	uint64_t waits;        /* lock calls that had to sleep */
	uint64_t wait_cycles;  /* range_lock_cycles() spent waiting, summed */
	uint64_t widenings;    /* range_lock_widen() that grew a range in place */
	uint64_t widen_fails;  /* ... that returned -EAGAIN (the caller relocks) */
	uint64_t try_fails;    /* trylocks refused (the fault falls back) */
	const char *name;
};

/* One request.  Owned by the caller from range_*_lock() until range_unlock()
 * returns; it must not move or be freed in between.
 * "Granted" means blocking == 0: the caller holds [start, end).  Once the
 * request is queued, blocking only decreases, except that a widening range
 * ahead of it may increase it while it is still > 0 (a waiter stays a
 * waiter). */
struct range_lock {
	uint64_t start, end;   /* [start, end), start < end; under tree->lock once queued */
	bool writer;           /* fixed while queued */
	unsigned blocking;     /* earlier conflicting requests still queued; written under
	                        * tree->lock (release when it reaches 0), read by the waiter */
	struct list_head node; /* in tree->ranges, under tree->lock */
	struct wait_queue wq;  /* the owner sleeps here; woken under tree->lock */
	struct range_lock_tree *tree; /* while queued, for assertions */
};

struct range_lock_stats {
	uint64_t waits, wait_cycles, widenings, widen_fails, try_fails;
	unsigned long nr_ranges;
};

void range_lock_tree_init(struct range_lock_tree *t, const char *name);

/* Sleep (uninterruptibly) until [start, end) is ours: true if it had to
 * wait for a conflicting request (callers count contention), false if it
 * was granted at once. */
bool range_read_lock(struct range_lock_tree *t, struct range_lock *r, uint64_t start, uint64_t end);
bool range_write_lock(struct range_lock_tree *t, struct range_lock *r, uint64_t start, uint64_t end);
/* The same, or -EINTR (r not held, nothing to undo) if the process is
 * killed while waiting; 0 once held. */
int range_write_lock_killable(struct range_lock_tree *t, struct range_lock *r, uint64_t start, uint64_t end);
/* Never sleeps: true and held if no request, granted or waiting, conflicts
 * with [start, end) (so a trylock never passes a waiter); else false, and
 * the caller falls back. */
bool range_read_trylock(struct range_lock_tree *t, struct range_lock *r, uint64_t start, uint64_t end);
bool range_write_trylock(struct range_lock_tree *t, struct range_lock *r, uint64_t start, uint64_t end);
/* A write lock of every address: exec, exit, fork. */
static inline void range_lock_all(struct range_lock_tree *t, struct range_lock *r)
{
	range_write_lock(t, r, 0, RANGE_LOCK_END);
}
/* Release a held range (either kind); wakes the requests this unblocks. */
void range_unlock(struct range_lock_tree *t, struct range_lock *r);

/* Shrink a held range to [start, end), which must lie inside it; waiters
 * that no longer conflict with it stop waiting for it. */
void range_lock_narrow(struct range_lock_tree *t, struct range_lock *r, uint64_t start, uint64_t end);
/* Grow a held range to [start, end), which must contain it, without
 * dropping it: 0 if done, -EAGAIN if a granted request, or an earlier
 * waiting one, conflicts with the added part.  On -EAGAIN r is still held
 * as it was; the caller must range_unlock it before it waits for the
 * bigger range (and revalidate what it learned under the smaller one). */
int range_lock_widen(struct range_lock_tree *t, struct range_lock *r, uint64_t start, uint64_t end);

void range_lock_stats(struct range_lock_tree *t, struct range_lock_stats *s);
/* r is held (granted) in t: for assertions. */
bool range_lock_held(struct range_lock_tree *t, struct range_lock *r);
#define assert_range_held(t, r) BUG_ON(!range_lock_held(t, r))

/* Check every invariant of t (O(n^2), under t->lock) after each change
 * when set; host tests and the ktests turn it on. */
extern bool range_lock_debug;

/* ---- provided by the environment (kernel: mm/range_lock_sleep.c) ---- */
/* Sleep after prepare_to_wait(): 0 when woken (or spuriously); with
 * killable, -EINTR without sleeping if the process is being killed. */
int range_lock_sleep(bool killable);
/* Before sleeping, wait a little for *blocking to reach 0 (acquire): true
 * if it did.  The kernel spins briefly when another CPU is online, as
 * mutexes and rwsems do (wait.c's lock_wait says why). */
bool range_lock_spin(const unsigned *blocking);
uint64_t range_lock_cycles(void); /* a cycle counter for wait times (TSC) */
