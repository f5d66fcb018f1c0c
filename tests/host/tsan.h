/* tsan.h - force-included into the ThreadSanitizer builds of host tests
 * (host.mk's *_tsan binaries).
 *
 * READ_ONCE/WRITE_ONCE are volatile accesses: the kernel's marked accesses,
 * which may race by design (a lockless peek at a flag another CPU sets under
 * a lock).  TSan does not know volatile and would report every such pair; as
 * relaxed atomics they mean to TSan what they mean to the kernel's memory
 * model (and to KCSAN), so TSan reports only races involving a plain access.
 * TSan does not model standalone fences (smp_mb): the happens-before edges it
 * sees are locks, acquire/release and RMWs, so a race it reports that only a
 * fence would order must be looked at by hand. */
#pragma once
#include "kernel/compiler.h"
#undef READ_ONCE
#undef WRITE_ONCE
#define READ_ONCE(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)
#define WRITE_ONCE(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELAXED)
