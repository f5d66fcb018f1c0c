/* retire.h - the retire hook: where objects that lockless readers might
 * still see go instead of being freed in place.
 *
 * The VMA tree's replaced nodes, removed VMAs and emptied page-table pages
 * are handed to retire(obj, free_fn) once they are unreachable (unlinked,
 * and for page tables after the TLB shootdown).  free_fn(obj) runs when no
 * reader can hold a reference any more.
 *
 * mm.lock=global: every reader of the VMA tree and of page tables holds
 * mmap_lock (or pt_lock), and retire() is called by a writer holding
 * mmap_lock for write after the object became unreachable - so nobody can
 * reach it, and free_fn runs at once.  The epoch issue makes this
 * epoch_defer(): free_fn then runs after a grace period. */
#pragma once

void retire(void *obj, void (*free_fn)(void *obj));
