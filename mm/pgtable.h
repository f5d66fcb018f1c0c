/* pgtable.h - the user half of an mm's page tables (mm/pgtable.c).
 *
 * Locks (docs/locking.md):
 *   - mm->pt_lock (Linux's page_table_lock) serialises installing an entry
 *     in an upper-level table (PML4, PDPT, PD): a new table page is
 *     allocated and zeroed first, then installed under pt_lock unless
 *     another CPU installed one meanwhile (the spare is freed).
 *   - every last-level table (PT) has its own split lock (the "ptl", its
 *     struct page points at it): a PTE is installed, changed or cleared
 *     only under the ptl of its table, so faults on different 2 MiB
 *     regions never contend.
 *   - page-table pages are unlinked only under mmap_lock held for write
 *     (munmap's free_pgtables, a dead mm), only when no VMA lies in their
 *     span, and freed after the TLB shootdown and a grace period; so a
 *     walker holding mmap_lock (read) or the read lock of a VMA in the
 *     span (mm.lock=vma) may read upper-level entries without a lock: an
 *     entry, once present, stays valid while it walks.
 *   - and only when the unmapping writer's range lock covers the table's
 *     whole span (range_clamp_pgtables, range_mode.h): a fault in
 *     mm.lock=range walks and allocates tables holding only its page's
 *     range lock, no mmap_lock; a table whose span the writer cannot lock
 *     without waiting is left linked, for a later munmap or exit;
 *   - a last-level table is unlinked with its split lock held (and pt_lock
 *     inside it), its split lock freed a grace period later (ptl_retire):
 *     a speculative fault (mm.lock=spf), which holds no VMA lock, walks
 *     under an epoch, takes the split lock of the table it found and, under
 *     it, checks that the table is still linked before installing a PTE.
 * Lock order: mmap_lock -> VMA lock -> pt_lock -> ptl -> frame allocator. */
#pragma once
#include "kernel/types.h"

struct mm;
struct spinlock;

uint64_t prot_to_pte(unsigned prot); /* PTE bits for PROT_* (0: PROT_NONE, not present) */
/* The last-level table covering va, allocating missing levels if alloc:
 * its direct-map address, or NULL (absent; out of memory).  Caller holds
 * mmap_lock or the read lock of the VMA containing va. */
uint64_t *pt_table(struct mm *mm, uint64_t va, bool alloc);
/* The PTE of va with its table's split lock held (*ptl), or NULL. */
uint64_t *pte_offset_lock(struct mm *mm, uint64_t va, bool alloc, struct spinlock **ptl);
void pte_unlock(struct spinlock *ptl);
/* A PTE of a PROT_NONE page that keeps its frame: not present (any access
 * faults), with a software bit saying the address bits are a frame. */
#define PTE_PROTNONE (1ul << 10)
/* Does this PTE hold a frame (present or PROT_NONE)? */
static inline bool pte_has_frame(uint64_t pte) { return pte & (1ul /* PTE_P */ | PTE_PROTNONE); }
/* Drop one mapping of a user page: true when it was the last (free it). */
bool user_page_unmap(phys_addr_t pa);
void pgtable_free_all(struct mm *mm); /* a dead mm: every page and table */
/* Free an unlinked, shot-down table page after a grace period (its split
 * lock retired already: ptl_retire). */
struct page;
void pgtable_retire(struct page *pg);
/* Free the split lock of a table just unlinked, after a grace period: a
 * speculative fault that found the table under an epoch may still take it
 * (and then sees the table unlinked; docs/locking.md "spf"). */
void ptl_retire(struct spinlock *ptl);
/* The split lock of the last-level table table, which the caller's lock
 * (mmap_lock, a VMA lock in its span) keeps linked. */
struct spinlock *pt_table_ptl(uint64_t *table);
/* The same for a table found by a walk with no lock but an epoch (spf):
 * NULL if it is no longer va's table.  Once unlinked, a table's struct
 * page reuses ptl's word (its lru), so the pointer is only trusted when
 * the table is seen linked after reading it; the lock itself then stays
 * allocated until the caller leaves its epoch read section (ptl_retire). */
struct spinlock *pt_table_ptl_lockless(struct mm *mm, uint64_t va, uint64_t *table);
