/* atomic.h - atomics and barriers in one place (GCC __atomic builtins).
 * On x86 every locked RMW is a full barrier; plain aligned loads and stores
 * are atomic.  Use these rather than raw builtins so intent is visible. */
#pragma once
#include "kernel/compiler.h"

#define atomic_load(p) __atomic_load_n(p, __ATOMIC_RELAXED)
#define atomic_load_acquire(p) __atomic_load_n(p, __ATOMIC_ACQUIRE)
#define atomic_store(p, v) __atomic_store_n(p, v, __ATOMIC_RELAXED)
#define atomic_store_release(p, v) __atomic_store_n(p, v, __ATOMIC_RELEASE)
#define atomic_fetch_add(p, v) __atomic_fetch_add(p, v, __ATOMIC_SEQ_CST)
#define atomic_fetch_sub(p, v) __atomic_fetch_sub(p, v, __ATOMIC_SEQ_CST)
#define atomic_add(p, v) ((void)__atomic_fetch_add(p, v, __ATOMIC_SEQ_CST))
#define atomic_inc(p) atomic_add(p, 1)
#define atomic_dec_return(p) (__atomic_sub_fetch(p, 1, __ATOMIC_SEQ_CST))
#define atomic_xchg(p, v) __atomic_exchange_n(p, v, __ATOMIC_SEQ_CST)
/* Returns true and stores n if *p == o. */
#define atomic_cmpxchg(p, o, n)                                                          \
	({                                                                               \
		__typeof__(*(p)) __o = (o);                                              \
		__atomic_compare_exchange_n(p, &__o, n, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST); \
	})
#define atomic_or(p, v) ((void)__atomic_fetch_or(p, v, __ATOMIC_SEQ_CST))
#define atomic_and(p, v) ((void)__atomic_fetch_and(p, v, __ATOMIC_SEQ_CST))
#define smp_mb__full() __atomic_thread_fence(__ATOMIC_SEQ_CST)
