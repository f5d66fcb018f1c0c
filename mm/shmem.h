/* shmem.h - the memory object behind a MAP_SHARED anonymous mapping.
 *
 * Like Linux's shmem file for shared anonymous memory: the pages belong to
 * the object, not to page tables, so every mapping of it (threads, forked
 * children, after mremap) sees the same frames, and MADV_DONTNEED only
 * drops the mappings while the data stays.  A page's mapcount counts its
 * PTEs plus one for the object; whoever drops it to zero frees the frame.
 * The object is sized at mmap time; pages beyond that size do not exist
 * (an access there is SIGBUS, as on Linux after mremap grows such a
 * mapping).  refs: one per VMA using it (atomic).  lock protects the
 * page index. */
#pragma once
#include "kernel/spinlock.h"
#include "kernel/types.h"

struct shmem;
struct shmem *shmem_create(uint64_t npages); /* NULL when out of memory */
void shmem_get(struct shmem *s);
void shmem_put(struct shmem *s);             /* the last put frees the object and drops its page refs */
/* The frame of page idx, created zeroed on first use, with its mapcount
 * raised for the caller's new PTE: 0 and *pa; -ERANGE beyond the object;
 * -ENOMEM. */
int shmem_page(struct shmem *s, uint64_t idx, phys_addr_t *pa);
