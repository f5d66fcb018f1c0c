/* mm.h - address spaces: struct mm, struct vma, and the operations on them.
 *
 * struct mm is a process's address space: its page-table root (the kernel
 * half shared with every other mm), its VMAs, and mmap_lock, a sleeping
 * reader-writer semaphore.  Lock rules (Documentation/mm/process_addrs.rst
 * in Linux; docs/locking.md here):
 *   - the VMA set and every VMA's fields change only under mmap_lock held
 *     for write AND the VMA's write lock (mmap, munmap, mprotect, mremap,
 *     brk, fork, stack growth, exec; vma_lock.h);
 *   - page faults take mmap_lock for read (mm.lock=global), or only the
 *     faulting VMA's read lock, found under an epoch (mm.lock=vma), or no
 *     lock but the PTE's split lock, validating the VMA's vm_lock_seq
 *     under it (mm.lock=spf, fault.c), or the read range lock of the
 *     faulting page alone, reading the VMA as a vm_seq reader
 *     (mm.lock=range, range_fault.c);
 *   - madvise(DONTNEED) clears PTEs under mmap_lock for read: it changes
 *     no VMA;
 *   - page-table entries of user pages are installed and cleared under the
 *     split lock of their page-table page (pgtable.h) - a fault holds it
 *     only for the install, never while allocating or zeroing a page;
 *     pt_lock covers installing upper-level tables;
 *   - cpus: bit i set while CPU i may hold translations of this mm (set when
 *     it switches to the mm, cleared when it switches away); TLB
 *     shootdowns go to those CPUs only.
 * Lock order: range lock (range_locks) -> mmap_lock -> VMA write locks -> (a fault: one VMA read lock)
 * -> pt_lock -> PTE split lock -> frame allocator -> run queues. */
#pragma once
#include "kernel/cpumask.h"
#include "kernel/epoch.h"
#include "kernel/lib/list.h"
#include "kernel/spinlock.h"
#include "kernel/wait.h"
#include "mm/range_lock.h"
#include "mm/vma_tree.h"

/* prot and flags, with Linux's values (mmap(2)). */
#define PROT_NONE 0
#define PROT_READ 1
#define PROT_WRITE 2
#define PROT_EXEC 4
#define MAP_SHARED 0x01
#define MAP_PRIVATE 0x02
#define MAP_SHARED_VALIDATE 0x03
#define MAP_TYPE 0x0f
#define MAP_FIXED 0x10
#define MAP_ANONYMOUS 0x20
#define MAP_GROWSDOWN 0x0100
#define MAP_DENYWRITE 0x0800
#define MAP_EXECUTABLE 0x1000
#define MAP_LOCKED 0x2000
#define MAP_NORESERVE 0x4000
#define MAP_POPULATE 0x8000
#define MAP_NONBLOCK 0x10000
#define MAP_STACK 0x20000
#define MAP_HUGETLB 0x40000
#define MAP_FIXED_NOREPLACE 0x100000

/* vma->flags */
#define VM_SHARED 0x1   /* MAP_SHARED */
#define VM_STACK 0x2    /* the initial stack */
#define VM_HEAP 0x4     /* the brk area */
#define VM_FILE 0x8     /* private copy-on-fault of a file's bytes */
#define VM_GROWSDOWN 0x10 /* MAP_GROWSDOWN, and the initial stack: grows down on a fault below it */
#define VM_NOWRITE 0x20   /* may never become writable (MAP_SHARED of a read-only file) */

struct shmem;
struct mm_range;

struct vma {
	uint64_t start, end;   /* [start, end), page aligned */
	unsigned prot;         /* PROT_* */
	unsigned flags;        /* VM_* */
	struct mm *mm;
	struct list_head node; /* free for the writer holding mmap_lock (e.g. munmap's list of removed VMAs) */
	/* VM_FILE: the bytes at start (in the initramfs, never freed): file_size
	 * of them, zeros after */
	const uint8_t *file_data;
	uint64_t file_size;
	/* VM_FILE, for /proc/PID/maps: the file's path (kmalloc'd, owned by
	 * this VMA), inode number, and the offset of start in the file in
	 * pages (Linux's vm_pgoff; kept right across splits and moves) */
	char *file_path;
	uint64_t file_ino;
	uint64_t pgoff;
	/* VM_SHARED anonymous memory: the object holding its pages (shmem.h);
	 * page i of the VMA is the object's page pgoff + i */
	struct shmem *shm;

	/* The per-VMA lock (mm/vma_lock.h; mm.lock=vma).  Every field above
	 * changes only under mmap_lock held for write AND this VMA's write
	 * lock, so a fault holding the VMA's read lock sees them stable.
	 *   vm_refcnt: 0 detached (not in the tree), 1 attached, +1 for each
	 *     reader holding it, +VMA_LOCK_OFFSET while a writer drains readers.
	 *     Atomic.
	 *   vm_lock_seq: equal to mm->mm_lock_seq (odd while mmap_lock is held
	 *     for write) iff the VMA is write-locked; written by the writer
	 *     holding mmap_lock for write, read by anyone. */
	int vm_refcnt;
	uint64_t vm_lock_seq;
	/* A seqcount over the fields above (mm.lock=range): odd while a writer
	 * changes them (vma_seq_begin/end, vma_lock.h), each change being
	 * short - a few stores, not a whole write section as vm_lock_seq's.
	 * A range fault copies the fields between two even, equal reads. */
	unsigned vm_seq;
	uint64_t dbg_sum;              /* mm.debug: the fields' hash when mmap_lock was taken for write */
	struct epoch_head eh;          /* freed after a grace period (vma_free) */
};

/* What vm_mmap maps from a file: its bytes (size of them), where it is in
 * the file (pgoff, in pages), and its name for /proc/PID/maps. */
struct vm_file {
	const uint8_t *data;
	uint64_t size;
	uint64_t pgoff;
	const char *path;
	uint64_t ino;
	bool readable; /* opened for reading (any file mapping needs it) */
	bool writable; /* opened for writing (MAP_SHARED + PROT_WRITE needs it) */
	bool can_mmap; /* the file supports mmap at all (else -ENODEV) */
};

struct mm {
	uint64_t *pgd;              /* PML4 (direct-map address); fixed */
	phys_addr_t pgd_phys;
	struct rwsem mmap_lock;     /* take it with mmap_read_lock() etc. (mmap_lock.h) */
	uint64_t mm_lock_seq;       /* a sequence count: odd while mmap_lock is held for write;
				     * bumped by mmap_write_lock() and (release) mmap_write_unlock() */
	struct vma_tree vmas;       /* the VMA tree (vma.c); changed under mmap_lock for write */
	unsigned nvmas;
	bool vma_replacing;         /* under mmap_lock (write): this write section removed VMAs to put
				     * new ones in their place (MAP_FIXED, MREMAP_FIXED): a lockless
				     * reader must not show the gap in between (maps_read.c); cleared
				     * by mmap_write_unlock() */
	/* mm.lock=range (range_mm.h): every writer of the address space
	 * write-locks the range it changes here BEFORE mmap_lock, in every
	 * mode; a fault in mm.lock=range read-locks its page and needs no
	 * other lock to read the VMA that maps it. */
	struct range_lock_tree range_locks;
	struct mm_range *range_writer;   /* under mmap_lock (write): the ranges the writer holding it locked,
					  * or NULL (a writer with no range: exec's fresh mm) */
	struct spinlock pt_lock;    /* installing upper-level page-table entries (pgtable.h);
				     * each last-level table has its own split lock for its PTEs */
	uint64_t brk_start, brk;    /* under mmap_lock */
	uint64_t mmap_base;         /* top-down search for free space starts here */
	uint64_t stack_top;
	struct cpumask cpus;        /* see above */
	int users;                  /* atomic: tasks and vfork children sharing it */
	/* counters (atomic) */
	uint64_t rss_pages, pt_pages, faults, shootdowns;
};


/* How page faults synchronise with mmap/munmap (mm.lock= on the command
 * line, printed at boot).  global: every fault takes mmap_lock for read,
 * every writer takes it for write (Linux before 6.4). */
enum mm_lock_mode {
	MM_LOCK_GLOBAL, /* every fault takes mmap_lock for read (Linux before 6.4) */
	MM_LOCK_VMA,    /* faults take the VMA's read lock under an epoch, mmap_lock only to fall back (6.4+) */
	MM_LOCK_SPF,    /* speculative: no VMA lock at all, a per-VMA sequence count validated under the
			 * PTE lock before the install (Dufour's SPF series; never merged) */
	MM_LOCK_RANGE,  /* faults read-lock their page in a range lock, writers write-lock the range they
			 * change; no mmap_lock, no VMA lock on the fault path (never merged) */
};
extern enum mm_lock_mode mm_lock_mode;
void mm_init(void); /* boot: parse mm.lock= and say which mode runs */
const char *mm_lock_mode_name(void);
/* Switch the mode at run time (/proc/mm_lock): 0, or -EINVAL for no such
 * mode. */
int mm_set_lock_mode(const char *name);
/* mm.debug on the command line: check every invariant of the VMA set when
 * a writer unlocks (vma_check), and that no VMA changed without its write
 * lock, panicking on the first broken one. */
extern bool mm_debug;

struct mm *mm_create(void);             /* empty: kernel half only; NULL if out of memory */
/* fork: a copy of parent (private pages shared copy-on-write, shared ones
 * shared; mm/fork.c, mm/cow.c); NULL when out of memory. */
struct mm *mm_copy(struct mm *parent);
void mm_get(struct mm *mm);
void mm_put(struct mm *mm);             /* the last put frees every page, page table and VMA */
void mm_switch(struct mm *next);        /* load next's page tables on this CPU (NULL: kernel only) */

/* Access bits for mm_fault(). */
#define FAULT_READ 0
#define FAULT_WRITE 1
#define FAULT_EXEC 2
/* Resolve a user page fault at addr: 0 when the page is now mapped,
 * -EFAULT when addr is in no VMA (SEGV_MAPERR), -EACCES when the VMA does
 * not allow the access (SEGV_ACCERR), -ENOMEM when out of memory, -ERANGE
 * beyond the end of the shared object a VMA maps (SIGBUS). */
int mm_fault(struct mm *mm, uint64_t addr, unsigned access);
/* Is addr in a MAP_SHARED mapping?  Then 1 and its physical address (the
 * page faulted in if needed) in *pa; 0 if not; -EFAULT if unmapped.  For
 * futex keys that processes sharing the page agree on. */
int mm_shared_page(struct mm *mm, uint64_t addr, phys_addr_t *pa);

/* The system calls' work, for an mm (all take mmap_lock themselves).
 * Return values as the syscalls: an address or -errno. */
/* file: what to map (NULL: anonymous memory). */
long vm_mmap(struct mm *mm, uint64_t addr, uint64_t len, unsigned prot, unsigned flags, const struct vm_file *file);
/* Copy n bytes into mm at addr (faulting pages in): exec builds a new
 * program's stack with it.  0 or -EFAULT/-ENOMEM. */
int mm_write(struct mm *mm, uint64_t addr, const void *src, size_t n);
long vm_munmap(struct mm *mm, uint64_t addr, uint64_t len);
long vm_mprotect(struct mm *mm, uint64_t addr, uint64_t len, unsigned prot);
long vm_brk(struct mm *mm, uint64_t brk);
long vm_madvise(struct mm *mm, uint64_t addr, uint64_t len, int advice);
long vm_mremap(struct mm *mm, uint64_t addr, uint64_t old_len, uint64_t new_len, unsigned flags, uint64_t new_addr);
/* exec: the stack VMA and brk base. */
void vm_set_brk_base(struct mm *mm, uint64_t base);
void vm_mark_stack(struct mm *mm, uint64_t addr); /* the VMA at addr is the initial stack */
/* RLIMIT_STACK, fixed (getrlimit reports it): how far a stack may grow. */
#define STACK_RLIMIT (8ul << 20)
/* Grow the grows-down VMA above addr down to cover it (Linux's stack
 * guard gap and RLIMIT_STACK apply), taking mmap_lock for write: 0, or
 * -ENOMEM when it may not grow that far. */
int vm_expand_stack(struct mm *mm, uint64_t addr);

/* VMA set (mm/vma.c): lookups under mmap_lock, changes under it for write. */
struct vma *vma_find(struct mm *mm, uint64_t addr);        /* the VMA containing addr, or NULL */
struct vma *vma_find_next(struct mm *mm, uint64_t addr);   /* the first VMA with end > addr */
struct vma *vma_find_prev(struct mm *mm, uint64_t addr);   /* the last VMA with start < addr */
struct vma *vma_next(struct mm *mm, struct vma *v);        /* neighbours in address order, or NULL */
struct vma *vma_prev(struct mm *mm, struct vma *v);
void vma_set_init(struct mm *mm);                          /* an empty set (mm_create) */
void vma_pools_init(void);  /* boot: the per-CPU pools of recycled VMAs and tree nodes */
void vma_pools_drain(void); /* give the pools' objects back (before counting free frames) */
/* Reserve tree nodes for the next n changes (insert, remove, set_range):
 * they cannot then fail.  0 or -ENOMEM. */
int vma_prepare(struct mm *mm, unsigned n);
int vma_insert(struct mm *mm, struct vma *v);              /* 0 or -ENOMEM; must not overlap */
void vma_remove(struct mm *mm, struct vma *v);            /* after vma_prepare() */
int vma_set_range(struct mm *mm, struct vma *v, uint64_t start, uint64_t end); /* 0 or -ENOMEM */
/* Move a grows-down v's start down to start, its pgoff with it (stack
 * growth): 0 or -ENOMEM. */
int vma_grow_down(struct mm *mm, struct vma *v, uint64_t start);
uint64_t vma_find_gap(struct mm *mm, uint64_t len, uint64_t low, uint64_t high); /* top-down; 0 if none */
void vma_destroy_all(struct mm *mm);                       /* a dead mm: free every VMA */
void vma_check(struct mm *mm); /* the tree's invariants and every VMA agreeing with it; BUG otherwise */
/* VMA objects (mm/vma.c). */
struct vma *vma_new(uint64_t start, uint64_t end, unsigned prot, unsigned flags); /* NULL: no memory */
struct vma *vma_dup(const struct vma *v);                  /* a copy, not in any set */
void vma_free(struct vma *v);                              /* after a grace period (call_epoch) */
/* Split v at addr (start < addr < end): v keeps [start, addr), the new VMA
 * (returned, inserted) gets [addr, end).  NULL when out of memory. */
struct vma *vma_split(struct mm *mm, struct vma *v, uint64_t addr);
/* Merge v with its neighbours where Linux would; returns the VMA now
 * holding v's range. */
struct vma *vma_merge_neighbours(struct mm *mm, struct vma *v);

#include "mm/pgtable.h"
