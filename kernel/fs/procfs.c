/* procfs.c - a small read-only /proc: what the kernel knows about memory,
 * in the formats Linux programs and people already read.
 *
 *   /proc                 directory: meminfo, mmstat, self, one entry per pid
 *   /proc/self, /proc/N   directory: maps
 *   /proc/N/maps          the VMAs of process N (Linux's show_map_vma format)
 *   /proc/meminfo         MemTotal, MemFree, MemAvailable (Linux's format)
 *   /proc/mmstat          the memory-manager counters (mm/mmstat.h), "name value"
 *   /proc/mmstat_cpu      the same counters per online CPU, in the shape of
 *                         Linux's /proc/softirqs: a header of CPU columns,
 *                         then "name: v0 v1 ..." (faulttop reads it)
 *   /proc/mm_lock         the page-fault lock mode; writable (switches it)
 *   /proc/lockstat        where CPUs waited, per lock class (kernel/lockstat.h);
 *                         writing "0" clears it
 *   /proc/slabinfo        objects per kmem_cache (Linux's slabinfo 2.1 format)
 *
 * A file's text is generated when it is opened (a snapshot, as a seq_file
 * gives when read in one go) into a kmalloc'd buffer that reads, lseeks
 * and fstat serve like an initramfs file's bytes; release frees it.
 * Paths arrive normalised and relative to the root ("proc/self/maps"),
 * from the initramfs path operations (initramfs.c), which hand everything
 * under "proc" here. */
#include "kernel/fs/file_internal.h"
#include "kernel/cpumask.h"
#include "kernel/errno.h"
#include "kernel/lockstat.h"
#include "kernel/printk.h"
#include "kernel/proc.h"
#include "kernel/lib/string.h"
#include "mm/frame.h"
#include "mm/maps_read.h"
#include "mm/mmap_lock.h"
#include "mm/mmstat.h"
#include "kernel/epoch.h"
#include "mm/slab.h"

#define PROC_DEV 0x16   /* st_dev of /proc files (Linux's procfs: 0:22) */
#define MAPS_NAME_COL 72 /* 25 + 6 * sizeof(void *) - 1: where a maps line's name is padded to */

/* A growing text buffer. */
struct text {
	char *buf;
	size_t len, cap;
	bool oom;
};

static void __printf(2, 3) text_printf(struct text *t, const char *fmt, ...)
{
	for (;;) {
		va_list ap;
		va_start(ap, fmt);
		int n = vsnprintf(t->buf ? t->buf + t->len : NULL, t->buf ? t->cap - t->len : 0, fmt, ap);
		va_end(ap);
		if (t->buf && t->len + (size_t)n < t->cap) {
			t->len += (size_t)n;
			return;
		}
		size_t cap = MAX(t->cap * 2, t->len + (size_t)n + 256);
		char *nb = kmalloc(cap);
		if (!nb) {
			t->oom = true;
			return;
		}
		if (t->buf)
			memcpy(nb, t->buf, t->len);
		kfree(t->buf);
		t->buf = nb;
		t->cap = cap;
	}
}

/* ---- what the files say ---- */

/* /proc/PID/maps.  The VMAs are copied first (mm/maps_read.c), then
 * formatted here with no lock and outside any epoch section, so the
 * formatting may allocate and take its time.
 *
 * What a reader gets (maps_read.c has the argument): in mm.lock=vma the
 * copy is taken without mmap_lock - an atomic snapshot when no writer is
 * in (mm_lock_seq even and unchanged across the walk), else, while a
 * writer holds mmap_lock, every VMA under its per-VMA read lock from one
 * version of the tree, and after a few failed tries under mmap_read_lock.
 * Either way lines are sorted and disjoint, and a VMA that changes while
 * the file is opened shows its old form or its new one, never a gap or
 * overlap that existed neither before nor after (the one exception, a
 * MAP_FIXED/MREMAP_FIXED replacement of a whole VMA, is described there).
 * mm.lock=global takes mmap_read_lock for the copy, as before.  The text
 * is made once, at open: reads in any size and preads serve that one
 * snapshot, so they cannot tear it either. */
static const char *maps_vma_name(const struct maps_snapshot *s, const struct maps_vma *e)
{
	switch (e->name) {
	case MAPS_NAME_FILE:
		return maps_vma_path(s, e);
	case MAPS_NAME_SHM:
		return "/dev/zero (deleted)";
	case MAPS_NAME_HEAP:
		return "[heap]";
	case MAPS_NAME_STACK:
		return "[stack]";
	}
	return NULL;
}

static int show_maps(struct text *t, struct mm *mm)
{
	struct maps_snapshot s = { 0 };
	int r = maps_snapshot_take(mm, &s);
	for (unsigned i = 0; !r && i < s.n; i++) {
		const struct maps_vma *e = &s.vmas[i];
		bool file = e->file || e->shm;
		const char *name = maps_vma_name(&s, e);
		size_t start = t->len;
		text_printf(t, "%08llx-%08llx %c%c%c%c %08llx %02x:%02x %llu ", (unsigned long long)e->start,
			    (unsigned long long)e->end, e->prot & PROT_READ ? 'r' : '-', e->prot & PROT_WRITE ? 'w' : '-',
			    e->prot & PROT_EXEC ? 'x' : '-', e->flags & VM_SHARED ? 's' : 'p',
			    (unsigned long long)(file ? e->pgoff << PAGE_SHIFT : 0), 0, file ? 1 : 0,
			    (unsigned long long)e->ino);
		if (name) {
			size_t used = t->len - start;
			text_printf(t, "%*s%s", (int)(used < MAPS_NAME_COL ? MAPS_NAME_COL - used + 1 : 1), "", name);
		}
		text_printf(t, "\n");
	}
	maps_snapshot_free(&s);
	return r;
}

static void show_meminfo(struct text *t)
{
	uint64_t total = frames_total() * (PAGE_SIZE / 1024), free = frames_free() * (PAGE_SIZE / 1024);
	static const char *const zero[] = { "Buffers", "Cached", "SwapCached", "SwapTotal", "SwapFree" };
	text_printf(t, "MemTotal:       %8llu kB\n", (unsigned long long)total);
	text_printf(t, "MemFree:        %8llu kB\n", (unsigned long long)free);
	text_printf(t, "MemAvailable:   %8llu kB\n", (unsigned long long)free);
	for (size_t i = 0; i < ARRAY_SIZE(zero); i++)
		text_printf(t, "%s:%*s%8u kB\n", zero[i], (int)(15 - strlen(zero[i])), "", 0u);
}

static void show_mmstat(struct text *t)
{
	for (int i = 0; i < MMSTAT_NR; i++)
		text_printf(t, "%s %llu\n", mmstat_names[i], (unsigned long long)mmstat_read((enum mmstat_item)i));
	struct epoch_stats e;
	epoch_stats(&e);
	text_printf(t, "epoch_gp %llu\nepoch_gp_longest_ns %llu\nepoch_cb_queued %llu\nepoch_cb_run %llu\n"
		       "epoch_cb_pending %llu\n",
		    (unsigned long long)e.gp_completed, (unsigned long long)e.gp_longest_ns,
		    (unsigned long long)e.cb_queued, (unsigned long long)e.cb_run, (unsigned long long)e.cb_pending);
}

/* /proc/mmstat_cpu: a column per online CPU (named by its logical id),
 * a row per mmstat counter.  Each value is read once, so a row sums to
 * what /proc/mmstat would have said at some instant of the formatting
 * (offline CPUs count nothing: they never run).  Names right-aligned to
 * the longest, values in columns wide enough for 10^10 - then wider. */
static void show_mmstat_cpu(struct text *t)
{
	int w = 0;
	for (int i = 0; i < MMSTAT_NR; i++)
		w = MAX(w, (int)strlen(mmstat_names[i]));
	text_printf(t, "%*s", w + 1, "");
	for_each_cpu(c, &cpu_online_mask) {
		char name[16];
		snprintf(name, sizeof(name), "CPU%u", c);
		text_printf(t, " %11s", name);
	}
	text_printf(t, "\n");
	for (int i = 0; i < MMSTAT_NR; i++) {
		text_printf(t, "%*s:", w, mmstat_names[i]);
		for_each_cpu(c, &cpu_online_mask)
			text_printf(t, " %11llu", (unsigned long long)mmstat_read_cpu((enum mmstat_item)i, c));
		text_printf(t, "\n");
	}
}

/* /proc/slabinfo: Linux's version 2.1 (mm/slab_common.c), one line per
 * cache.  There are no per-CPU arrays to tune, so the tunables are 0, and
 * every slab the cache holds is active (a kept empty one too), as SLUB
 * reports it.  Big kmallocs and the object pools are no caches: they are
 * counted for the leak check (kernel/main.c), not listed here. */
static void slabinfo_line(const struct kmem_stats *s, void *arg)
{
	if (s->not_a_cache)
		return;
	text_printf(arg, "%-17s %6llu %6llu %6llu %4llu %4llu : tunables %4u %4u %4u : slabdata %6llu %6llu %6u\n",
		    s->name, (unsigned long long)s->active_objs, (unsigned long long)s->num_objs,
		    (unsigned long long)s->objsize, (unsigned long long)s->objperslab,
		    (unsigned long long)s->pagesperslab, 0u, 0u, 0u, (unsigned long long)s->num_slabs,
		    (unsigned long long)s->num_slabs, 0u);
}

static void show_slabinfo(struct text *t)
{
	text_printf(t, "slabinfo - version: 2.1\n# name            <active_objs> <num_objs> <objsize> <objperslab> "
		       "<pagesperslab> : tunables <limit> <batchcount> <sharedfactor> : slabdata <active_slabs> "
		       "<num_slabs> <sharedavail>\n");
	slab_for_each_cache(slabinfo_line, t);
}

/* ---- the tree of names ---- */

enum pnode { P_NONE, P_NOTDIR, P_ROOT, P_PID_DIR, P_MAPS, P_MEMINFO, P_MMSTAT, P_MMSTAT_CPU, P_MM_LOCK, P_LOCKSTAT, P_SLABINFO };

/* Does path s name file (exactly), or something below it ("file/x")? */
static enum pnode file_node(const char *s, const char *file, enum pnode n)
{
	size_t l = strlen(file);
	if (strncmp(s, file, l))
		return P_NONE;
	return !s[l] ? n : s[l] == '/' ? P_NOTDIR : P_NONE;
}

/* What npath names; *pid for the per-process entries (0: none such). */
static enum pnode lookup(const char *npath, int *pid)
{
	const char *s = npath + 4; /* after "proc" */
	*pid = 0;
	if (!*s)
		return P_ROOT;
	s++; /* the '/' */
	enum pnode f = file_node(s, "meminfo", P_MEMINFO);
	if (f == P_NONE)
		f = file_node(s, "mmstat", P_MMSTAT);
	if (f == P_NONE)
		f = file_node(s, "mmstat_cpu", P_MMSTAT_CPU);
	if (f == P_NONE)
		f = file_node(s, "mm_lock", P_MM_LOCK);
	if (f == P_NONE)
		f = file_node(s, "lockstat", P_LOCKSTAT);
	if (f == P_NONE)
		f = file_node(s, "slabinfo", P_SLABINFO);
	if (f != P_NONE)
		return f;
	if (!strncmp(s, "self", 4) && (s[4] == '/' || !s[4])) {
		*pid = current->proc->pid;
		s += 4;
	} else {
		int n = 0;
		while (*s >= '0' && *s <= '9' && n < 10000000)
			n = n * 10 + (*s++ - '0');
		if (!n || (*s && *s != '/'))
			return P_NONE;
		unsigned long f = spin_lock_irqsave(&proc_tree_lock);
		struct process *p = process_find(n);
		bool alive = p && p->state == PROC_ALIVE;
		spin_unlock_irqrestore(&proc_tree_lock, f);
		if (!alive)
			return P_NONE;
		*pid = n;
	}
	if (!*s)
		return P_PID_DIR;
	return file_node(s, "/maps", P_MAPS);
}

bool procfs_path(const char *npath)
{
	return !strncmp(npath, "proc", 4) && (npath[4] == '/' || !npath[4]);
}

/* The files a write goes to: the lock mode and lockstat's reset. */
static bool node_writable(enum pnode n) { return n == P_MM_LOCK || n == P_LOCKSTAT; }

static void stat_node(enum pnode n, int pid, struct kstat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_dev = PROC_DEV;
	st->st_ino = (uint64_t)n << 32 | (uint32_t)pid;
	bool dir = n == P_ROOT || n == P_PID_DIR;
	st->st_mode = dir ? S_IFDIR | 0555 : node_writable(n) ? S_IFREG | 0644 : S_IFREG | 0444;
	st->st_nlink = dir ? 2 : 1;
	st->st_blksize = 1024;
}

int procfs_stat(const char *npath, struct kstat *st)
{
	int pid;
	enum pnode n = lookup(npath, &pid);
	if (n == P_NONE || n == P_NOTDIR)
		return n == P_NONE ? -ENOENT : -ENOTDIR;
	stat_node(n, pid, st);
	return 0;
}

/* ---- open files ---- */

static void procfs_fstat(struct file *f, struct kstat *st)
{
	stat_node((enum pnode)(f->ino >> 32), (int)(uint32_t)f->ino, st);
}

static void procfs_release(struct file *f) { kfree((void *)f->data); }

static const struct file_ops text_ops = {
    .read = reg_read,
    .lseek = reg_lseek,
    .stat = procfs_fstat,
    .release = procfs_release,
};

static long pdir_read(struct file *f, char __user *buf, size_t n) { return -EISDIR; }

static long pdir_getdents64(struct file *f, char __user *buf, size_t n)
{
	mutex_lock(&f->pos_lock);
	struct dents d = {.ubuf = buf, .n = n, .pos = f->pos, .dir = f->path};
	enum pnode node = (enum pnode)(f->ino >> 32);
	int r = dents_emit(&d, ".", 1, S_IFDIR, f->ino) || dents_emit(&d, "..", 2, S_IFDIR, 1);
	if (!r && node == P_PID_DIR) {
		r = dents_emit(&d, "maps", 4, S_IFREG, (uint64_t)P_MAPS << 32 | (uint32_t)f->ino);
	} else if (!r) {
		r = dents_emit(&d, "meminfo", 7, S_IFREG, (uint64_t)P_MEMINFO << 32) ||
		    dents_emit(&d, "mmstat", 6, S_IFREG, (uint64_t)P_MMSTAT << 32) ||
		    dents_emit(&d, "mmstat_cpu", 10, S_IFREG, (uint64_t)P_MMSTAT_CPU << 32) ||
		    dents_emit(&d, "mm_lock", 7, S_IFREG, (uint64_t)P_MM_LOCK << 32) ||
		    dents_emit(&d, "lockstat", 8, S_IFREG, (uint64_t)P_LOCKSTAT << 32) ||
		    dents_emit(&d, "slabinfo", 8, S_IFREG, (uint64_t)P_SLABINFO << 32) ||
		    dents_emit(&d, "self", 4, S_IFDIR, (uint64_t)P_PID_DIR << 32);
		int pids[64], n_pids, from = 0;
		while (!r && (n_pids = process_pids(pids, ARRAY_SIZE(pids), from)) > 0) {
			for (int i = 0; i < n_pids && !r; i++) {
				char name[12];
				int len = snprintf(name, sizeof(name), "%d", pids[i]);
				r = dents_emit(&d, name, (size_t)len, S_IFDIR, (uint64_t)P_PID_DIR << 32 | (uint32_t)pids[i]);
			}
			from = pids[n_pids - 1] + 1;
		}
	}
	if (d.done)
		f->pos = d.index;
	mutex_unlock(&f->pos_lock);
	return d.done ? (long)d.done : d.err;
}

/* /proc/mm_lock: the page-fault lock mode; writing a mode's name switches
 * to it at once (mm_set_lock_mode), so a benchmark can compare the modes in
 * one boot.  Reading gives the mode at open. */
static long mm_lock_write(struct file *f, const char __user *buf, size_t n)
{
	char name[16];
	if (n == 0 || n >= sizeof(name))
		return -EINVAL;
	if (copy_from_user(name, buf, n))
		return -EFAULT;
	name[n] = 0;
	if (name[n - 1] == '\n')
		name[n - 1] = 0;
	int r = mm_set_lock_mode(name);
	return r ? r : (long)n;
}

/* /proc/lockstat: "0" (Linux's /proc/lock_stat takes the same) clears it. */
static long lockstat_write(struct file *f, const char __user *buf, size_t n)
{
	char c;
	if (n == 0 || n > 2 || copy_from_user(&c, buf, 1))
		return n == 0 || n > 2 ? -EINVAL : -EFAULT;
	if (c != '0')
		return -EINVAL;
	lockstat_clear();
	return (long)n;
}

static const struct file_ops lockstat_ops = {
    .read = reg_read,
    .write = lockstat_write,
    .lseek = reg_lseek,
    .stat = procfs_fstat,
    .release = procfs_release,
};

static void show_lockstat(struct text *t)
{
	static struct lockstat_row rows[LOCKSTAT_CLASSES]; /* under lockstat_show_lock */
	static struct mutex lockstat_show_lock = MUTEX_INIT(lockstat_show_lock, "lockstat_show");
	char line[128];
	mutex_lock(&lockstat_show_lock);
	int n = lockstat_rows(rows, LOCKSTAT_CLASSES);
	lockstat_format(NULL, line, sizeof(line));
	text_printf(t, "%s", line);
	for (int i = 0; i < n; i++) {
		lockstat_format(&rows[i], line, sizeof(line));
		text_printf(t, "%s", line);
	}
	mutex_unlock(&lockstat_show_lock);
}

static const struct file_ops mm_lock_ops = {
    .read = reg_read,
    .write = mm_lock_write,
    .lseek = reg_lseek,
    .stat = procfs_fstat,
    .release = procfs_release,
};

static const struct file_ops dir_ops = {
    .read = pdir_read,
    .getdents64 = pdir_getdents64,
    .stat = procfs_fstat,
};

static int fill(enum pnode n, int pid, struct text *t)
{
	if (n == P_MEMINFO) {
		show_meminfo(t);
	} else if (n == P_MMSTAT) {
		show_mmstat(t);
	} else if (n == P_MMSTAT_CPU) {
		show_mmstat_cpu(t);
	} else if (n == P_MM_LOCK) {
		text_printf(t, "%s\n", mm_lock_mode_name());
	} else if (n == P_LOCKSTAT) {
		show_lockstat(t);
	} else if (n == P_SLABINFO) {
		show_slabinfo(t);
	} else {
		struct mm *mm = NULL;
		unsigned long f = spin_lock_irqsave(&proc_tree_lock);
		struct process *p = process_find(pid);
		if (p)
			mm = process_get_mm(p);
		spin_unlock_irqrestore(&proc_tree_lock, f);
		if (!p)
			return -ENOENT;
		int r = 0;
		if (mm) { /* a zombie's maps are empty */
			r = show_maps(t, mm);
			mm_put(mm);
		}
		if (r)
			return r;
	}
	return t->oom ? -ENOMEM : 0;
}

int procfs_open(const char *npath, unsigned flags, struct file **out)
{
	int pid;
	enum pnode n = lookup(npath, &pid);
	if (n == P_NOTDIR)
		return -ENOTDIR;
	if (n == P_NONE)
		return (flags & O_CREAT) ? -EACCES : -ENOENT;
	bool dir = n == P_ROOT || n == P_PID_DIR;
	bool writable = node_writable(n);
	if (((flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC)) && !writable)
		return dir ? -EISDIR : -EACCES;
	if ((flags & O_DIRECTORY) && !dir)
		return -ENOTDIR;
	struct text t = { 0 };
	int r = dir ? 0 : fill(n, pid, &t);
	const struct file_ops *ops = dir ? &dir_ops : n == P_MM_LOCK ? &mm_lock_ops : n == P_LOCKSTAT ? &lockstat_ops : &text_ops;
	struct file *f = r ? NULL : file_alloc(ops, flags & ~(O_CREAT | O_EXCL | O_CLOEXEC | O_TRUNC));
	if (!f) {
		kfree(t.buf);
		return r ? r : -ENOMEM;
	}
	f->data = (const uint8_t *)t.buf;
	f->size = t.len;
	struct kstat st;
	stat_node(n, pid, &st);
	f->mode = st.st_mode;
	f->ino = (uint64_t)n << 32 | (uint32_t)pid;
	strlcpy(f->path, npath, sizeof(f->path));
	*out = f;
	return 0;
}
