/* lockstat.h - where CPUs wait: a per-lock-class contention table, in the
 * spirit of Linux's lockstat (/proc/lock_stat), shown as /proc/lockstat.
 *
 * A class is a lock's name and its kind (every spinlock named "ptl" is one
 * class, as lockdep groups locks by where they were initialised).  Only
 * waits are recorded - from the slow paths, never the uncontended fast
 * path - so the table costs nothing until CPUs contend: per class, the
 * number of waits, the total and the longest wait.  TLB shootdowns and
 * other cross-CPU calls that wait for acknowledgements are recorded too
 * (kind "ipi-wait"): to the waiter they are a lock held by every target.
 *
 * Writing "0" to /proc/lockstat clears the counters (the classes stay);
 * the boot parameter lockstat.print prints the table when init exits. */
#pragma once
#include "kernel/types.h"

enum lockstat_kind {
	LOCKSTAT_SPIN,        /* a ticket spinlock's slow path */
	LOCKSTAT_MUTEX,       /* a mutex waiter (spin, then sleep) */
	LOCKSTAT_RWSEM_READ,  /* an rwsem reader */
	LOCKSTAT_RWSEM_WRITE, /* an rwsem writer */
	LOCKSTAT_IPI_WAIT,    /* a cross-CPU call waiting for its targets */
	LOCKSTAT_VMA_DRAIN,   /* a VMA write lock waiting for readers to leave */
	LOCKSTAT_KINDS
};

/* Record one wait of `cycles` TSC cycles on class (name, kind).  name must
 * live forever (a string literal or a static name): it is the key. */
void lockstat_wait(const char *name, enum lockstat_kind kind, uint64_t cycles);

#define LOCKSTAT_CLASSES 128 /* more classes than this are counted as "(other)" */

struct lockstat_row {
	const char *name;
	enum lockstat_kind kind;
	uint64_t waits, wait_ns, max_ns;
};
/* The classes with waits, longest total wait first: how many were written. */
int lockstat_rows(struct lockstat_row *rows, int max);
/* One line of the table (the header when r is NULL), newline included. */
int lockstat_format(const struct lockstat_row *r, char *buf, size_t n);
void lockstat_clear(void);
/* lockstat.print: the table on the console (init_finish). */
void lockstat_print(void);
