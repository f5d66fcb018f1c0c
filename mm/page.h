/* page.h - struct page: the metadata kept for every physical frame.
 *
 * One struct page per frame, in an array indexed by PFN (mm/frame.c owns the
 * array; mm/buddy.c manages the free ones).  It only describes the frame: no
 * code here touches the frame's contents.  Portable (host tests use it).
 *
 * Who may touch a struct page: while a frame is free (PG_buddy head, or a
 * page inside a free block) it belongs to the buddy allocator and is
 * protected by the lock its caller holds around buddy calls (zone_lock in
 * mm/frame.c).  Once allocated it belongs to whoever allocated it, who may
 * use `lru` freely (per-CPU free lists, LRU lists, ...) but must leave
 * `flags & PG_BUDDY_MASK` and `order` alone, and must clear any flag bits of
 * its own on every page of the block before freeing it.
 * Keep the struct small: there is one for every 4 KiB of RAM.
 */
#pragma once
#include "kernel/lib/list.h"
#include "kernel/types.h"

struct spinlock;

struct page {
	union {
		struct list_head lru; /* PG_buddy: link in the buddy's free_area[order] list;
				       * allocated: free for the owner (per-CPU lists, ...) */
		struct spinlock *ptl; /* a last-level page table in use: the split lock of its
				       * PTEs (kmalloc'd; mm/pgtable.c) */
	};
	uint32_t flags;       /* PG_* bits below */
	uint8_t order;        /* PG_buddy: order of the free block this page heads;
			       * PG_head: order of the allocated block it heads;
			       * otherwise meaningless */
	uint16_t mapcount;    /* a user page: how many page tables map it, plus a shared
			       * object's reference (shmem.c) and a COW break's pin
			       * (cow.c); atomic.  > 1 for MAP_SHARED pages and for
			       * private pages fork shares copy-on-write (cow.h) */
};

/* Page flags.  At most one of PG_reserved, PG_buddy and PG_head is set, and
 * PG_buddy/PG_head only ever on the first page of a block. */
#define PG_reserved (1u << 0) /* never given to the allocator (hole, firmware, kernel image) */
#define PG_buddy (1u << 1)    /* first page of a free block on a buddy free list */
#define PG_head (1u << 2)     /* first page of a block buddy_alloc() handed out */
#define PG_BUDDY_MASK (PG_reserved | PG_buddy | PG_head) /* the bits the buddy owns */
/* Owned by mm/frame.c: the page sits free on a per-CPU cache list (it is
 * allocated as far as the buddy knows).  Lets frame_free() catch a double
 * free of a single page at once, not when the cache drains. */
#define PG_pcp (1u << 3)
