/* atomic.h - atomics and memory barriers, in one place.
 *
 * Atomic read-modify-writes on plain integer variables (GCC __atomic
 * builtins; on x86 each is one locked instruction and a full barrier), loads
 * and stores with acquire/release ordering, and the barriers.  Names follow
 * Linux where they can (smp_load_acquire, try_cmpxchg, smp_mb); the
 * fetch_*() family avoids the atomic_ prefix, which C11's <stdatomic.h>
 * owns in host builds.
 *
 * Ordering in one sentence: a release store publishes every write before it
 * to whoever reads that value with an acquire load; seq_cst RMWs (the
 * default here) order everything.  On x86 (TSO) only store->load
 * reordering can happen in hardware, which smp_mb() forbids. */
#pragma once
#include "kernel/compiler.h"

/* Loads and stores. */
#define load_relaxed(p) __atomic_load_n(p, __ATOMIC_RELAXED)
#define smp_load_acquire(p) __atomic_load_n(p, __ATOMIC_ACQUIRE)
#define smp_store_release(p, v) __atomic_store_n(p, v, __ATOMIC_RELEASE)

/* Read-modify-write, returning the old value (fetch_*) or the new one
 * (*_return).  Sequentially consistent unless the name says otherwise. */
#define fetch_add(p, v) __atomic_fetch_add(p, v, __ATOMIC_SEQ_CST)
#define fetch_sub(p, v) __atomic_fetch_sub(p, v, __ATOMIC_SEQ_CST)
#define fetch_or(p, v) __atomic_fetch_or(p, v, __ATOMIC_SEQ_CST)
#define fetch_and(p, v) __atomic_fetch_and(p, v, __ATOMIC_SEQ_CST)
#define add_return(p, v) __atomic_add_fetch(p, v, __ATOMIC_SEQ_CST)
#define fetch_add_relaxed(p, v) __atomic_fetch_add(p, v, __ATOMIC_RELAXED)
#define fetch_sub_relaxed(p, v) __atomic_fetch_sub(p, v, __ATOMIC_RELAXED)
#define fetch_sub_release(p, v) __atomic_fetch_sub(p, v, __ATOMIC_RELEASE)
#define xchg(p, v) __atomic_exchange_n(p, v, __ATOMIC_SEQ_CST)

/* If *p == *oldp, store n and return true; else copy *p to *oldp and return
 * false (Linux's try_cmpxchg). */
#define try_cmpxchg(p, oldp, n) __atomic_compare_exchange_n(p, oldp, n, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)
#define try_cmpxchg_acquire(p, oldp, n) \
	__atomic_compare_exchange_n(p, oldp, n, false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)

/* Barriers.  barrier() (compiler.h) stops only the compiler. */
#if defined(__x86_64__) && !defined(HOST_TEST)
#define mb() __asm__ volatile("mfence" ::: "memory") /* also orders non-temporal / device accesses */
#define smp_mb() __asm__ volatile("lock; addl $0,-4(%%rsp)" ::: "memory", "cc")
#define smp_rmb() barrier() /* TSO: loads are not reordered with loads */
#define smp_wmb() barrier() /* TSO: stores are not reordered with stores */
#else
#define mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define smp_mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define smp_rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define smp_wmb() __atomic_thread_fence(__ATOMIC_RELEASE)
#endif
