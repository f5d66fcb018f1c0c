/* maps_read.c - /proc/PID/maps without mmap_lock (mm.lock=vma), as Linux
 * 6.17 reads it under per-VMA locks: a monitor reading a process's maps no
 * longer waits behind that process's munmap, nor makes its mmap wait.
 *
 * procfs generates a maps file's whole text when it is opened (a snapshot:
 * every later read, pread and lseek serves those bytes), so what matters is
 * that ONE COPY of the VMA set is coherent.  It is taken here, in up to
 * three ways, the first that succeeds:
 *
 *  1. SEQ (no writer): read mm_lock_seq (acquire); even, so no writer holds
 *     mmap_lock.  Under epoch_enter() walk the tree and copy every VMA's
 *     fields (and file path) into preallocated arrays - no allocation, no
 *     sleeping, no shared write.  Re-read mm_lock_seq after the walk
 *     (smp_rmb): unchanged means no writer entered meanwhile, so every
 *     field copied is the value it had at the first read: the copy is an
 *     ATOMIC SNAPSHOT of the address space (a seqcount read).  The epoch
 *     keeps every node and VMA the walk touches allocated even if a writer
 *     does come in; what it copied then is thrown away.
 *
 *  2. WRITER (mm_lock_seq odd: a writer holds mmap_lock, perhaps for a long
 *     munmap): the same walk, but each VMA is read only under its per-VMA
 *     read lock (vma_start_read; one that is write-locked fails it), and
 *     the copy is kept only if the tree's root pointer is the same after
 *     the walk as before it and mm_lock_seq has not moved.  Then:
 *       - the walk read ONE version of the tree: the tree is path-copied
 *         (vma_tree.h), every change publishes a new root, and no old root
 *         can be freed and reused while we are in the epoch section;
 *       - every VMA in it was not write-locked in this write section when
 *         we read it.  A writer write-locks a VMA before changing any of its
 *         fields, a new VMA is write-locked before it is inserted, and a
 *         write lock lasts until mmap_write_unlock (which would move the
 *         seq).  So each VMA shown has exactly the form it had when the
 *         writer took mmap_lock;
 *     so the copy is the address space as it was before this write section
 *     minus the VMAs the writer has removed so far.  Any VMA the writer is
 *     splitting, merging, growing, shrinking or moving is write-locked for
 *     the whole section and makes the attempt fail.
 *
 *  3. LOCKED: after MAPS_TRIES failed attempts (a writer keeps the VMAs
 *     write-locked, or keeps changing the tree), mmap_read_lock: it waits
 *     for the writer, as mm.lock=global always does.  Progress is certain.
 *     Between two attempts the reader yields the CPU: a writer sharing it
 *     finishes its section instead of being blocked by our mmap_read_lock
 *     (user/tests/maps_concurrent: 2313 writer steps in 3 s against 346
 *     without the yield, 111 in mm.lock=global, on 2 CPUs).
 *
 * THE GUARANTEE: every VMA appears exactly as it was before or as it is
 * after a concurrent change, lines are sorted and never overlap, and
 * - for 1 and 3 - the whole text is one state the address space was in.
 * A VMA being split/merged/moved/mprotected shows its old shape or its new
 * one, never a half-changed mix, never a gap or overlap that existed
 * neither before nor after.
 * 2's "minus the VMAs removed so far" would let a write section that
 * removes a whole VMA and then puts a NEW one in its place (mmap MAP_FIXED
 * or mremap MREMAP_FIXED exactly over an existing VMA: do_munmap, then
 * vma_insert) be caught between the two with the range empty - a state it
 * is in neither before nor after.  Linux avoids that window by storing the
 * new VMA over the old ones in one tree store; this tree's remove + insert
 * cannot, so such a writer says so (vma_replace_begin sets
 * mm->vma_replacing until mmap_write_unlock) and path 2 refuses its
 * snapshots.  A plain munmap's gap IS its after-state: no wait for it.
 *
 * Only mm.lock=vma takes paths 1 and 2; mm.lock=global always takes 3, so
 * the two can be compared. */
#include "mm/maps_read.h"
#include "kernel/atomic.h"
#include "kernel/epoch.h"
#include "kernel/errno.h"
#include "kernel/sched.h"
#include "kernel/lib/string.h"
#include "mm/mm.h"
#include "mm/mmap_lock.h"
#include "mm/slab.h"
#include "mm/vma_lock.h"

/* Lockless attempts before mmap_read_lock; between two, the CPU is
 * offered to others (the writer, if it shares this CPU, can finish). */
#define MAPS_TRIES 8
/* A VMA's path is at most a file's path (256) plus a leading '/'. */
#define MAPS_PATH_MAX 512

/* Room for about n VMAs (and their paths): 0 or -ENOMEM.  Old contents go. */
static int snap_reserve(struct maps_snapshot *s, unsigned n, size_t names)
{
	if (n > s->cap) {
		kfree(s->vmas);
		s->cap = 0;
		if (!(s->vmas = kmalloc(n * sizeof(*s->vmas))))
			return -ENOMEM;
		s->cap = n;
	}
	if (names > s->names_cap) {
		kfree(s->names);
		s->names_cap = 0;
		if (!(s->names = kmalloc(names)))
			return -ENOMEM;
		s->names_cap = names;
	}
	return 0;
}

/* Copy what a maps line shows of v; -ENOSPC when s is full.  The caller
 * makes v's fields stable or validates them afterwards. */
static int copy_vma(struct maps_snapshot *s, const struct mm *mm, const struct vma *v)
{
	if (s->n == s->cap)
		return -ENOSPC;
	struct maps_vma *e = &s->vmas[s->n];
	e->start = READ_ONCE(v->start);
	e->end = READ_ONCE(v->end);
	e->prot = READ_ONCE(v->prot);
	e->flags = READ_ONCE(v->flags);
	e->pgoff = READ_ONCE(v->pgoff);
	const struct shmem *shm = READ_ONCE(v->shm);
	const char *path = READ_ONCE(v->file_path);
	e->file = e->flags & VM_FILE;
	e->shm = shm != NULL;
	e->ino = e->file ? READ_ONCE(v->file_ino) : shm ? ((uint64_t)(uintptr_t)shm >> 6) & 0xffffff : 0;
	e->name = MAPS_NAME_NONE;
	if (path) {
		/* The path is the VMA's (set before it was inserted, freed with
		 * it after a grace period): readable for the whole section. */
		size_t i = 0, room = s->names_cap - s->names_len;
		char *d = s->names + s->names_len;
		do {
			if (i == room || i == MAPS_PATH_MAX)
				return i == room ? -ENOSPC : -EINVAL;
			d[i] = READ_ONCE(path[i]);
		} while (d[i++]);
		e->name = MAPS_NAME_FILE;
		e->name_off = (uint32_t)s->names_len;
		s->names_len += i;
	} else if (shm) {
		e->name = MAPS_NAME_SHM;
	} else if ((e->flags & VM_HEAP) && e->start <= READ_ONCE(mm->brk) && e->end >= READ_ONCE(mm->brk_start)) {
		e->name = MAPS_NAME_HEAP;
	} else if (e->flags & VM_STACK) {
		e->name = MAPS_NAME_STACK;
	}
	/* Nonsense (only from fields changing under path 1) stops the walk. */
	if (e->start >= e->end || (s->n && e->start < s->vmas[s->n - 1].end))
		return -EINVAL;
	s->n++;
	return 0;
}

/* Walk the tree from address 0 and copy every VMA.  locked: mmap_lock is
 * held (path 3); per_vma: take each VMA's read lock around the copy
 * (path 2).  0, -ENOSPC (arrays full), -EBUSY (a VMA is write-locked),
 * -EAGAIN/-EINVAL (the tree changed under the walk). */
static int walk(struct mm *mm, struct maps_snapshot *s, bool per_vma)
{
	s->n = 0;
	s->names_len = 0;
	uint64_t addr = 0;
	struct vma *v;
	while ((v = vt_find_next(&mm->vmas, addr, NULL, NULL))) {
		int r;
		if (per_vma && (r = vma_start_read(mm, v)))
			return r;
		r = copy_vma(s, mm, v);
		if (per_vma)
			vma_end_read(v);
		if (r)
			return r;
		addr = s->vmas[s->n - 1].end;
	}
	return 0;
}

/* Paths 1 and 2: 0 when s holds a coherent copy, else why not. */
static int try_lockless(struct mm *mm, struct maps_snapshot *s)
{
	uint64_t seq = smp_load_acquire(&mm->mm_lock_seq);
	bool writer = seq & 1;
	epoch_enter(); /* no sleeping from here: s was allocated before */
	const struct vt_node *root = smp_load_acquire(&mm->vmas.root);
	int r = walk(mm, s, writer);
	const struct vt_node *root_after = smp_load_acquire(&mm->vmas.root);
	epoch_exit();
	/* A MAP_FIXED/MREMAP_FIXED replacement under way: its gap is no state
	 * the address space is in before or after.  The flag was set before
	 * the removal we might have seen was published (root_after's acquire
	 * orders this load after it).  It is read BEFORE the seq: the writer
	 * clears it only after moving the seq, so flag clear + seq unchanged
	 * means it was not cleared during our walk. */
	bool replacing = READ_ONCE(mm->vma_replacing);
	smp_rmb(); /* the copies and the flag above before the seq below */
	if (!r && (READ_ONCE(mm->mm_lock_seq) != seq || (writer && root != root_after)))
		r = -EAGAIN;
	if (!r && writer && replacing)
		r = -EAGAIN;
	if (!r)
		s->how = writer ? MAPS_HOW_WRITER : MAPS_HOW_SEQ;
	return r;
}

/* Room for what mm has now, with slack for a few more. */
static int snap_size(struct mm *mm, struct maps_snapshot *s, int grow)
{
	unsigned n = READ_ONCE(mm->nvmas) + 16;
	size_t names = 2048;
	if (grow) {
		n = MAX(n, s->cap * 2);
		names = MAX(names, s->names_cap * 2);
	}
	return snap_reserve(s, n, names);
}

int maps_snapshot_take(struct mm *mm, struct maps_snapshot *s)
{
	int r = snap_size(mm, s, 0);
	if (r)
		return r;
	if (mm_lock_mode == MM_LOCK_VMA) {
		for (int tries = 0; tries < MAPS_TRIES;) {
			r = try_lockless(mm, s);
			if (!r)
				return 0;
			if (r == -ENOSPC) { /* more VMAs than we made room for: not a failed try */
				if ((r = snap_size(mm, s, 1)))
					return r;
				continue;
			}
			if (++tries < MAPS_TRIES)
				sched_yield(); /* outside the epoch section */
		}
	}
	mmap_read_lock(mm);
	while ((r = walk(mm, s, false)) == -ENOSPC)
		if ((r = snap_size(mm, s, 1)))
			break;
	mmap_read_unlock(mm);
	s->how = MAPS_HOW_LOCKED;
	return r;
}

void maps_snapshot_free(struct maps_snapshot *s)
{
	kfree(s->vmas);
	kfree(s->names);
	s->vmas = NULL;
	s->names = NULL;
	s->n = s->cap = 0;
	s->names_len = s->names_cap = 0;
}
