/* mmstat.h - memory-manager event counters, per CPU, summed on read
 * (/proc/mmstat).
 *
 * Each CPU adds to its own slot of each counter (no shared cache lines on
 * the fault path); a reader sums the slots, so a sum taken while counters
 * move is a snapshot of no single instant - fine for statistics.  The
 * names in mmstat_names[] are the /proc/mmstat keys, in enum order;
 * /proc/mmstat_cpu shows the same counters per online CPU (one column
 * each, as Linux's /proc/softirqs), for faulttop.  A counter is counted on
 * the CPU where its event happens. */
#pragma once
#include "kernel/types.h"

enum mmstat_item {
	MMSTAT_FAULT,              /* user page faults handled (any outcome) */
	MMSTAT_FAULT_GLOBAL,       /* ... resolved under mmap_lock (read) in mm.lock=global */
	MMSTAT_FAULT_VMA,          /* ... resolved under the VMA's read lock, no mmap_lock (mm.lock=vma) */
	MMSTAT_FAULT_FALLBACK,     /* ... that fell back to mmap_lock in mm.lock=vma */
	MMSTAT_FAULT_STACK_GROW,   /* ... that grew a stack (VM_GROWSDOWN) downwards */
	MMSTAT_VMA_LOCK_SUCCESS,   /* lock_vma_under_epoch: got the VMA's read lock */
	MMSTAT_VMA_LOCK_ABORT,     /* ... VMA write-locked, changed under us, or access not allowed: fall back */
	MMSTAT_VMA_LOCK_RETRY,     /* ... found a detached VMA (removed meanwhile): looked again */
	MMSTAT_VMA_LOCK_MISS,      /* ... no VMA at the address: fall back (SIGSEGV or stack growth) */
	MMSTAT_VMA_WRITE_WAIT,     /* vma_start_write had to wait for readers to leave */
	MMSTAT_FAULT_ANON,         /* ... that installed a zeroed page */
	MMSTAT_FAULT_FILE,         /* ... that installed a copy of file bytes */
	MMSTAT_FAULT_RACE,         /* ... that found the PTE installed by another CPU (spare page freed) */
	MMSTAT_FAULT_SPURIOUS,     /* ... on a present PTE (stale TLB entry after a rights upgrade) */
	MMSTAT_FAULT_SEGV_MAPERR,  /* ... outside any VMA */
	MMSTAT_FAULT_SEGV_ACCERR,  /* ... the VMA does not allow the access */
	MMSTAT_FAULT_OOM,          /* ... out of memory */
	MMSTAT_MMAP_READ_LOCK,     /* mmap_lock read acquisitions */
	MMSTAT_MMAP_WRITE_LOCK,    /* mmap_lock write acquisitions */
	MMSTAT_MMAP_READ_WAIT,     /* read acquisitions that had to sleep */
	MMSTAT_MMAP_WRITE_WAIT,    /* write acquisitions that had to sleep */
	MMSTAT_MMAP_WAIT_CYCLES,   /* TSC cycles slept for mmap_lock, both kinds */
	MMSTAT_TLB_SHOOTDOWN_SENT, /* shootdown rounds that sent IPIs */
	MMSTAT_TLB_IPI_SENT,       /* IPIs sent for shootdowns (one per target CPU) */
	MMSTAT_TLB_IPI_RECEIVED,   /* shootdown IPIs handled */
	MMSTAT_TLB_FLUSH_PAGE,     /* single-page invlpg flushes (local and remote) */
	MMSTAT_TLB_FLUSH_FULL,     /* full flushes (CR3 reload) */
	MMSTAT_PAGE_ZEROED,        /* pages zeroed for user memory and page tables */
	MMSTAT_PT_PAGE_ALLOC,      /* page-table pages allocated */
	MMSTAT_PT_PAGE_FREE,       /* page-table pages freed (emptied by munmap: counted when unlinked and
				    * shot down, the frame back a grace period later; or at exit) */
	MMSTAT_VMA_ALLOC,          /* VMAs created */
	MMSTAT_VMA_FREE,           /* VMAs freed */
	MMSTAT_VMA_MERGE,          /* VMAs merged into a neighbour (mmap, mprotect, mremap, brk) */
	MMSTAT_VMA_SPLIT,          /* VMAs split (munmap, mprotect, mremap) */
	MMSTAT_OOM_KILL,           /* processes killed for running out of memory in a fault */
	MMSTAT_COW_FAULT,          /* write faults on a read-only PTE of a writable private VMA (mm/cow.c) */
	MMSTAT_COW_COPY,           /* ... that copied the page (another mm still maps it) */
	MMSTAT_COW_REUSE,          /* ... that made the page writable again (this mm was its only user) */
	MMSTAT_EPOCH_GP_ENDED,     /* epoch grace periods ended, on the CPU whose report ended one (sum: epoch_gp) */
	MMSTAT_EPOCH_CB_INVOKED,   /* epoch callbacks run, on the CPU that ran them (sum: epoch_cb_run) */
	MMSTAT_FAULT_SPF,          /* faults taken in mm.lock=spf (any outcome) */
	MMSTAT_SPF_SUCCESS,        /* ... installed speculatively: no VMA lock, no mmap_lock */
	MMSTAT_SPF_RETRY,          /* ... speculation discarded (VMA changed, table gone) and tried again */
	MMSTAT_SPF_FALLBACK_SEQ,   /* fell back to mmap_lock: the VMA kept changing (write-locked, detached) */
	MMSTAT_SPF_FALLBACK_TABLE, /* ... no last-level table yet (spf never allocates one), or it kept going */
	MMSTAT_SPF_FALLBACK_NOVMA, /* ... no VMA at the address (SIGSEGV or a growing stack: decided locked) */
	MMSTAT_SPF_FALLBACK_ACCESS, /* ... the VMA forbids the access (SIGSEGV decided locked) */
	MMSTAT_SPF_FALLBACK_OTHER, /* ... a PTE there already (COW, stale TLB), shared object, out of memory */
	MMSTAT_FAULT_RANGE,        /* faults taken in mm.lock=range (any outcome) */
	MMSTAT_RANGE_SUCCESS,      /* ... resolved under the page's range lock alone: no mmap_lock, no VMA lock */
	MMSTAT_RANGE_TRYLOCK_FAIL, /* ... whose range_read_trylock failed: took the sleeping range_read_lock */
	MMSTAT_RANGE_FAULT_WAIT,   /* ... that then had to wait for a conflicting range (a writer over the page) */
	MMSTAT_RANGE_WRITER_WAIT,  /* writers (mmap, munmap, ...) that waited for their range lock */
	MMSTAT_RANGE_SNAP_RETRY,   /* range faults that re-read the VMA: vm_seq odd or moved, or a split's gap */
	MMSTAT_RANGE_FALLBACK,     /* range faults that fell back to mmap_lock (no VMA: SIGSEGV / stack; retries out) */
	MMSTAT_RANGE_CONTAGION,    /* writers that rewrote a VMA reaching outside their locked range (split,
				    * merge, growth): covered by vm_seq, never by widening the lock */
	MMSTAT_RANGE_GAP_RECHECK,  /* mmap/mremap: the gap found, then range-locked, was taken meanwhile: retried */
	MMSTAT_RANGE_PT_KEPT,      /* munmaps that left page tables at their ends for later (the range lock did
				    * not cover the tables' span and could not be widened to) */
	MMSTAT_NR
};

extern const char *const mmstat_names[MMSTAT_NR];

/* Add n to item on this CPU.  Any context (IRQs on or off). */
void mmstat_add(enum mmstat_item item, uint64_t n);
static inline void mmstat_inc(enum mmstat_item item) { mmstat_add(item, 1); }
/* The sum over every CPU. */
uint64_t mmstat_read(enum mmstat_item item);
/* CPU cpu's count alone (cpu < MAX_CPUS; 0 for a CPU that never ran). */
uint64_t mmstat_read_cpu(enum mmstat_item item, unsigned cpu);
