/* spf.c - speculative page faults (mm.lock=spf): a fault that takes no
 * lock on its VMA and no mmap_lock, only the split lock of the PTE it
 * installs (docs/locking.md "spf"; Laurent Dufour's series, never merged).
 *
 * Under one epoch read section, from the lookup to the install:
 *   1. find the VMA in the epoch-protected tree and snapshot what the
 *      fault needs (range, prot, flags, file bytes, pgoff) together with
 *      its vm_lock_seq, as a seqcount reader: not write-locked now, not
 *      detached, and vm_lock_seq the same after the copy;
 *   2. check the access against the snapshot; find the last-level table
 *      with a lockless walk (spf never allocates a table: a missing one
 *      falls back, as Dufour's did);
 *   3. the slow part, with no lock: allocate and zero the page, or copy
 *      the file's bytes (initramfs data, never freed);
 *   4. read the table's split-lock pointer, trusted only if the table is
 *      still linked after the read (an unlinked table's struct page reuses
 *      that word: pt_table_ptl_lockless), take the lock and re-validate:
 *      the table is still
 *      linked, vm_lock_seq is unchanged, the VMA still attached, the PTE
 *      still empty; then install.  Otherwise discard the page and retry
 *      (SPF_RETRIES times), then fall back to mmap_lock (fault_locked).
 * A PTE there already (COW break, stale TLB, PROT_NONE frame), a MAP_SHARED
 * object, no VMA, a forbidden access or no memory: straight to the locked
 * path, which decides (spf only ever handles the plain first touch).
 *
 * Which sequence count: per VMA (Dufour), not per mm (Lespinasse).  The
 * per-VMA write lock already is one: vma_start_write() sets vm_lock_seq to
 * the write section's mm_lock_seq (odd, new each section), and nothing
 * about a VMA changes except after that; so "vm_lock_seq still equals my
 * snapshot" means "no write section has touched this VMA since".  A
 * per-mm count would fail every speculative fault in the mm whenever any
 * writer runs anywhere (mmap of an unrelated region, a thread's stack):
 * cheap for writers (one counter) but it turns exactly the mixed workload
 * SPF is for into fallbacks.  Per VMA costs the writer nothing more than
 * it already pays for mm.lock=vma.
 *
 * Memory ordering (the argument; docs/locking.md repeats it):
 *   Writer: vma_start_write stores vm_lock_seq = S, then smp_mb, then
 *   changes the VMA's fields, and only after that (program order) zaps or
 *   changes the PTEs of its range, each table under its split lock; it
 *   unlinks a table only holding that table's split lock.
 *   Reader, at the snapshot: acquire-load vm_lock_seq, then mm_lock_seq
 *   (equal: write-locked now, go away) and vm_refcnt (0: detached), copy
 *   the fields, smp_rmb, load vm_lock_seq again: a copy that saw any
 *   field store of section S sees vm_lock_seq = S (seqlock read side).
 *   Reader, at the install, holding the table's split lock T:
 *   - if the writer's PTE pass over our address took T before us, its
 *     unlock of T happens-before our lock of T, and its store of S before
 *     that: we read vm_lock_seq = S != snapshot and back off;
 *   - if it takes T after us, it sees the PTE we installed and zaps or
 *     changes it like any other: we were simply a fault that came first;
 *   - if its PTE pass found no table there and skipped our address, the
 *     table we found was linked later, by a fault in a neighbouring VMA:
 *     the writer's store of S, its smp_mb, its read of the empty entry;
 *     the neighbour's store linking the table; our read of that entry,
 *     smp_rmb, our read of vm_lock_seq - S is visible to us (the writer's
 *     full barrier is cumulative: a store it ordered before a read that
 *     did not see the link is visible to whoever did see it), so we back
 *     off;
 *   - if the table was unlinked meanwhile, its upper entry was cleared
 *     under T: after our lock we see it cleared (the re-walk) and back
 *     off; the table and T are freed only a grace period after the
 *     unlink, and we are inside an epoch, so neither is freed under us.
 *   So no PTE is installed into a table after its emptiness check, and
 *   none for a VMA whose write section has begun its PTE work.  What the
 *   epoch alone does not give (why RCU is not enough): it keeps the table
 *   MEMORY alive, not the table LINKED - only the split lock held across
 *   "still linked?" and the install closes that window. */
#include "arch/x86_64/paging.h"
#include "kernel/atomic.h"
#include "mm/fault_internal.h"
#include "mm/mmstat.h"

/* How often a fault whose speculation was invalidated tries again before
 * it takes mmap_lock. */
#define SPF_RETRIES 3

/* Why one speculative attempt did not install (0: it did, or another CPU
 * installed the same PTE). */
enum spf_fail {
	SPF_OK,
	SPF_AGAIN_SEQ,   /* the VMA changed / is write-locked: worth another try */
	SPF_AGAIN_TABLE, /* the table was unlinked under us: worth another try */
	SPF_NO_TABLE,    /* no last-level table: the locked path allocates it */
	SPF_NO_VMA,
	SPF_NO_ACCESS,
	SPF_OTHER,
};

/* Step 1: copy v's fields into snap as a seqcount reader; *seq is the
 * vm_lock_seq they belong to.  Caller in an epoch read section. */
static enum spf_fail spf_snapshot(struct mm *mm, uint64_t addr, struct vma **vp, struct vma *snap, uint64_t *seq)
{
	struct vma *v = vma_find(mm, addr);
	if (!v)
		return SPF_NO_VMA;
	uint64_t s = smp_load_acquire(&v->vm_lock_seq);
	if (s == smp_load_acquire(&mm->mm_lock_seq) || !smp_load_acquire(&v->vm_refcnt))
		return SPF_AGAIN_SEQ; /* write-locked now, or removed from the tree after our lookup */
	fault_copy_vma(snap, v);
	smp_rmb(); /* the copy before the re-read (read_seqcount_retry) */
	if (READ_ONCE(v->vm_lock_seq) != s || addr < snap->start || addr >= snap->end)
		return SPF_AGAIN_SEQ;
	*vp = v;
	*seq = s;
	return SPF_OK;
}

/* Step 4: install pa at va in table, if nothing changed since the
 * snapshot (v, seq).  On failure the caller still owns pa. */
static enum spf_fail spf_install(struct mm *mm, struct vma *v, uint64_t seq, const struct vma *snap, uint64_t *table,
				 uint64_t va, phys_addr_t pa)
{
	struct spinlock *ptl = pt_table_ptl_lockless(mm, va, table); /* allocated while we are in the epoch */
	if (!ptl)
		return SPF_AGAIN_TABLE;
	spin_lock(ptl);
	enum spf_fail f = SPF_OK;
	uint64_t *pte = &table[PT_INDEX(va)];
	bool linked = pt_table(mm, va, false) == table;
	smp_rmb(); /* the table's link read before vm_lock_seq (see the argument above) */
	if (!linked)
		f = SPF_AGAIN_TABLE; /* unlinked (under ptl) since our walk */
	else if (READ_ONCE(v->vm_lock_seq) != seq || !load_relaxed(&v->vm_refcnt))
		f = SPF_AGAIN_SEQ;   /* a write section began on the VMA */
	else if (pte_has_frame(*pte))
		f = SPF_OTHER;       /* another CPU installed it first: the caller frees pa */
	else
		WRITE_ONCE(*pte, pa | prot_to_pte(snap->prot));
	spin_unlock(ptl);
	return f;
}

/* One speculative attempt, inside an epoch read section. */
static enum spf_fail spf_try(struct mm *mm, uint64_t addr, unsigned access)
{
	struct vma snap, *v;
	uint64_t seq, va = ALIGN_DOWN(addr, PAGE_SIZE);
	enum spf_fail f = spf_snapshot(mm, addr, &v, &snap, &seq);
	if (f)
		return f;
	if (!fault_access_ok(&snap, access))
		return SPF_NO_ACCESS;
	if (snap.shm)
		return SPF_OTHER; /* the shared object's page: refcounted, looked up under a lock */
	uint64_t *table = pt_table(mm, va, false);
	if (!table)
		return SPF_NO_TABLE;
	if (pte_has_frame(READ_ONCE(table[PT_INDEX(va)])))
		return SPF_OTHER; /* COW, stale TLB, PROT_NONE frame: the locked path's cases */
	phys_addr_t pa;
	if (fault_get_page(&snap, va, &pa))
		return SPF_OTHER; /* out of memory: the locked path tries again and reports it */
	f = spf_install(mm, v, seq, &snap, table, va, pa);
	if (f == SPF_OTHER) { /* lost the race to another CPU: its page serves */
		fault_put_page(pa);
		mmstat_inc(MMSTAT_FAULT_RACE);
		return SPF_OK;
	}
	if (f) {
		fault_put_page(pa);
		return f;
	}
	fetch_add_relaxed(&mm->rss_pages, 1);
	mmstat_inc(snap.flags & VM_FILE ? MMSTAT_FAULT_FILE : MMSTAT_FAULT_ANON);
	mmstat_inc(MMSTAT_SPF_SUCCESS);
	return SPF_OK;
}

bool spf_fault(struct mm *mm, uint64_t addr, unsigned access)
{
	enum spf_fail f;
	for (int tries = 0;; tries++) {
		epoch_enter(); /* the tree, the VMA, the tables and their split locks stay allocated */
		f = spf_try(mm, addr, access);
		epoch_exit();
		if (f == SPF_OK)
			return true;
		if ((f != SPF_AGAIN_SEQ && f != SPF_AGAIN_TABLE) || tries == SPF_RETRIES)
			break;
		mmstat_inc(MMSTAT_SPF_RETRY);
	}
	static const enum mmstat_item why[] = {
		[SPF_AGAIN_SEQ] = MMSTAT_SPF_FALLBACK_SEQ,     [SPF_AGAIN_TABLE] = MMSTAT_SPF_FALLBACK_TABLE,
		[SPF_NO_TABLE] = MMSTAT_SPF_FALLBACK_TABLE,    [SPF_NO_VMA] = MMSTAT_SPF_FALLBACK_NOVMA,
		[SPF_NO_ACCESS] = MMSTAT_SPF_FALLBACK_ACCESS, [SPF_OTHER] = MMSTAT_SPF_FALLBACK_OTHER,
	};
	mmstat_inc(why[f]);
	mmstat_inc(MMSTAT_FAULT_FALLBACK);
	return false;
}
