/* maps_read.h - a copy of an address space's VMAs for /proc/PID/maps,
 * taken without mmap_lock in the common case (mm/maps_read.c says how and
 * what it guarantees).
 *
 * The copy holds what a maps line shows, nothing that points into the mm:
 * procfs formats it after the lockless section, where it may take its time
 * (and allocate). */
#pragma once
#include "kernel/types.h"

struct mm;
struct vma;

/* What a maps line's last column says. */
enum maps_name {
	MAPS_NAME_NONE,
	MAPS_NAME_FILE,  /* the file's path: names + name_off */
	MAPS_NAME_SHM,   /* "/dev/zero (deleted)" */
	MAPS_NAME_HEAP,  /* "[heap]" */
	MAPS_NAME_STACK, /* "[stack]" */
};

/* One VMA as a maps line shows it. */
struct maps_vma {
	uint64_t start, end;
	uint64_t pgoff;    /* in pages */
	uint64_t ino;      /* the file's inode, or the shared object's identity */
	unsigned prot, flags;
	bool file, shm;
	uint8_t name;      /* enum maps_name */
	uint32_t name_off; /* MAPS_NAME_FILE: the path's offset in names */
};

/* How a copy was taken (for the curious: tests count mmap_lock instead). */
enum maps_how {
	MAPS_HOW_SEQ,    /* lockless, no writer anywhere near: an atomic snapshot */
	MAPS_HOW_WRITER, /* lockless while a writer held mmap_lock (per-VMA read locks) */
	MAPS_HOW_LOCKED, /* under mmap_read_lock (retries ran out, or mm.lock=global) */
};

struct maps_snapshot {
	struct maps_vma *vmas;
	unsigned n, cap;
	char *names; /* NUL-terminated paths, one after another */
	size_t names_len, names_cap;
	enum maps_how how;
};

/* Copy mm's VMAs into s (zeroed by the caller): mm.lock=vma reads them
 * locklessly and falls back to mmap_read_lock; mm.lock=global takes
 * mmap_read_lock.  0 or -ENOMEM.  Sleeps (allocates). */
int maps_snapshot_take(struct mm *mm, struct maps_snapshot *s);
void maps_snapshot_free(struct maps_snapshot *s);
static inline const char *maps_vma_path(const struct maps_snapshot *s, const struct maps_vma *e)
{
	return s->names + e->name_off;
}
