/* file_test.c - ktests of the file layer's parts that need no user mode:
 * path_resolve, the tty line discipline (tty_process_char), the pipe ring
 * around its wrap, and initramfs lookups (walk, symlinks, the errors of
 * open/stat/access) on a small archive built here.  The initramfs tests
 * swap the archive in use for theirs and back, so they must not run while
 * user programs do (ktests run instead of init). */
#include "kernel/fs/file_internal.h"
#include "kernel/errno.h"
#include "kernel/ktest.h"
#include "kernel/lib/string.h"

/* ---- path_resolve ---- */

static bool resolves(const char *cwd, const char *path, const char *want)
{
	char out[PATH_LEN];
	int r = path_resolve(cwd, path, out, sizeof(out));
	return r == (int)strlen(want) && !strcmp(out, want);
}

KTEST(file, path_resolve)
{
	KEXPECT(t, resolves("/", "a/../b", "/b"));
	KEXPECT(t, resolves("/tests", "x", "/tests/x"));
	KEXPECT(t, resolves("/tests", "/y//z/", "/y/z"));
	KEXPECT(t, resolves("/tests", "./x/./y/..", "/tests/x"));
	KEXPECT(t, resolves("/a", "..", "/"));
	KEXPECT(t, resolves("/", "../..", "/"));
	KEXPECT(t, resolves("/a/b", "", "/a/b"));
	char out[8];
	KEXPECT_EQ(t, path_resolve("/", "abcdefghij", out, sizeof(out)), -ENAMETOOLONG);
}

/* ---- the line discipline ---- */

struct echo_buf {
	char s[256];
	size_t n;
};

static void echo_cb(void *arg, const char *s, size_t n)
{
	struct echo_buf *e = arg;
	for (size_t i = 0; i < n && e->n < sizeof(e->s) - 1; i++)
		e->s[e->n++] = s[i];
	e->s[e->n] = '\0';
}

/* Feed s; how many calls reported a completed line. */
static int feed(struct tty_ldisc *ld, struct echo_buf *e, const char *s)
{
	int lines = 0;
	e->n = 0;
	e->s[0] = '\0';
	for (; *s; s++)
		lines += tty_process_char(ld, *s, echo_cb, e);
	return lines;
}

/* Read the next line as tty_take_line does; its bytes in out. */
static size_t take(struct tty_ldisc *ld, char *out, bool *eof)
{
	size_t n = tty_ldisc_line(ld, ld->canon_head, eof);
	for (size_t i = 0; i < n; i++)
		out[i] = ld->buf[(ld->read_tail + i) % TTY_BUF_SIZE];
	out[n] = '\0';
	ld->read_tail += (uint32_t)n + *eof;
	return n;
}

static struct tty_ldisc ld;

KTEST(tty, edit_and_complete)
{
	struct echo_buf e;
	char line[TTY_BUF_SIZE + 1];
	bool eof;
	memset(&ld, 0, sizeof(ld));
	KEXPECT_EQ(t,
		   feed(&ld, &e,
			"ab\x7f"
			"c\bd"),
		   0);
	KEXPECT(t, !strcmp(e.s, "ab\b \bc\b \bd"));
	KEXPECT_EQ(t, ld.canon_head, ld.read_tail); /* nothing readable yet */
	KEXPECT_EQ(t, feed(&ld, &e, "\r"), 1);
	KEXPECT(t, !strcmp(e.s, "\n"));
	KEXPECT_EQ(t, take(&ld, line, &eof), 3);
	KEXPECT(t, !strcmp(line, "ad\n") && !eof);
	/* ^U kills the line; erasing an empty line echoes nothing */
	KEXPECT_EQ(t, feed(&ld, &e, "xyz\x15"), 0);
	KEXPECT(t, !strcmp(e.s, "xyz\b \b\b \b\b \b"));
	KEXPECT_EQ(t, feed(&ld, &e, "\x7f"), 0);
	KEXPECT_EQ(t, e.n, 0);
	KEXPECT_EQ(t, ld.edit_head, ld.canon_head);
}

KTEST(tty, eof_and_control)
{
	struct echo_buf e;
	char line[TTY_BUF_SIZE + 1];
	bool eof;
	memset(&ld, 0, sizeof(ld));
	/* ^D at the start of a line: a read of 0 */
	KEXPECT_EQ(t, feed(&ld, &e, "\x04"), 1);
	KEXPECT_EQ(t, take(&ld, line, &eof), 0);
	KEXPECT(t, eof);
	KEXPECT_EQ(t, ld.read_tail, ld.canon_head);
	/* ^D in the middle pushes the line without itself */
	KEXPECT_EQ(t, feed(&ld, &e, "ab\x04"), 1);
	KEXPECT_EQ(t, take(&ld, line, &eof), 2);
	KEXPECT(t, !strcmp(line, "ab") && eof);
	/* control characters echo as ^X and erase as two columns */
	KEXPECT_EQ(t, feed(&ld, &e, "\x01\x7f"), 0);
	KEXPECT(t, !strcmp(e.s, "^A\b \b\b \b"));
	/* a UTF-8 character is erased whole */
	KEXPECT_EQ(t, feed(&ld, &e, "\xc3\xa9\x7f\n"), 1);
	KEXPECT_EQ(t, take(&ld, line, &eof), 1);
	KEXPECT(t, !strcmp(line, "\n"));
}

KTEST(tty, full_buffer_and_partial_reads)
{
	struct echo_buf e = {.n = 0};
	static char line[TTY_BUF_SIZE + 1];
	bool eof;
	memset(&ld, 0, sizeof(ld));
	for (int i = 0; i < TTY_BUF_SIZE - 1; i++)
		tty_process_char(&ld, 'x', echo_cb, &e);
	KEXPECT_EQ(t, feed(&ld, &e, "y"), 0);
	KEXPECT(t, !strcmp(e.s, "\a"));	       /* dropped */
	KEXPECT_EQ(t, feed(&ld, &e, "\n"), 1); /* the delimiter still fits */
	KEXPECT_EQ(t, tty_ldisc_line(&ld, ld.canon_head, &eof), TTY_BUF_SIZE);
	KEXPECT_EQ(t, feed(&ld, &e, "z"), 0);
	KEXPECT(t, !strcmp(e.s, "\a"));
	/* a reader takes part of the line; the rest stays */
	ld.read_tail += 1000;
	KEXPECT_EQ(t, take(&ld, line, &eof), TTY_BUF_SIZE - 1000);
	KEXPECT_EQ(t, line[TTY_BUF_SIZE - 1000 - 1], '\n');
	/* the indices wrap around the buffer */
	KEXPECT_EQ(t, feed(&ld, &e, "hello\n"), 1);
	KEXPECT_EQ(t, take(&ld, line, &eof), 6);
	KEXPECT(t, !strcmp(line, "hello\n"));
}

/* ---- the pipe ring ---- */

struct cursor {
	char *p;
	bool fail;
};
static int put_cb(void *arg, void *dst, size_t n)
{
	struct cursor *c = arg;
	if (c->fail)
		return -EFAULT;
	memcpy(dst, c->p, n);
	c->p += n;
	return 0;
}
static int get_cb(void *arg, const void *src, size_t n)
{
	struct cursor *c = arg;
	memcpy(c->p, src, n);
	c->p += n;
	return 0;
}

KTEST(pipe, ring_wraps)
{
	char mem[16], in[] = "0123456789abcdefghijklmnop", out[32] = {0};
	struct pipe_ring r = {mem, sizeof(mem), 0xfffffff5u, 0xfffffff5u}; /* the indices overflow too */
	struct cursor ci = {in, false}, co = {out, false};
	KEXPECT_EQ(t, pipe_ring_put(&r, 10, put_cb, &ci), 0);
	KEXPECT_EQ(t, pipe_ring_used(&r), 10);
	KEXPECT_EQ(t, pipe_ring_get(&r, 10, get_cb, &co), 0);
	KEXPECT_EQ(t, pipe_ring_put(&r, 16, put_cb, &ci), 0); /* wraps, fills it */
	KEXPECT_EQ(t, pipe_ring_free(&r), 0);
	KEXPECT_EQ(t, pipe_ring_get(&r, 16, get_cb, &co), 0);
	KEXPECT(t, !memcmp(out, in, 26));
	ci.fail = true;
	KEXPECT_EQ(t, pipe_ring_put(&r, 4, put_cb, &ci), -EFAULT);
	KEXPECT_EQ(t, pipe_ring_used(&r), 0); /* a failed copy commits nothing */
}

/* ---- initramfs lookups ---- */

static char arch[1024];

static size_t cpio_add(size_t pos, const char *name, uint32_t mode, const char *data)
{
	size_t nl = strlen(name) + 1, dl = data ? strlen(data) : 0;
	pos += (size_t)snprintf(arch + pos, sizeof(arch) - pos,
				"070701%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x", (unsigned)pos + 1, mode,
				0, 0, 1, 0, (unsigned)dl, 0, 0, 0, 0, (unsigned)nl, 0);
	memcpy(arch + pos, name, nl);
	pos = ALIGN_UP(pos + nl, 4);
	if (dl)
		memcpy(arch + pos, data, dl);
	return ALIGN_UP(pos + dl, 4);
}

static size_t build_archive(void)
{
	memset(arch, 0, sizeof(arch));
	size_t p = cpio_add(0, "bin", 040755, NULL);
	p = cpio_add(p, "bin/sh", 0100755, "\177ELF");
	p = cpio_add(p, "etc/motd", 0100644, "hello\n");
	p = cpio_add(p, "lnk", 0120777, "etc/motd");
	p = cpio_add(p, "abs", 0120777, "/bin");
	p = cpio_add(p, "loop", 0120777, "loop");
	return cpio_add(p, "TRAILER!!!", 0, NULL);
}

static int stat_mode(const char *base, const char *path, bool follow)
{
	struct kstat st;
	int r = initramfs_stat(base, path, follow, &st);
	return r ? r : (int)st.st_mode;
}

static int open_err(const char *path, unsigned flags)
{
	struct file *f = NULL;
	int r = initramfs_open("", path, flags, &f);
	file_put(r ? NULL : f);
	return r;
}

KTEST(initramfs, lookups)
{
	const void *old;
	size_t oldn;
	initramfs_archive(&old, &oldn);
	initramfs_data = arch;
	initramfs_size = build_archive();
	KEXPECT_EQ(t, stat_mode("", "bin/sh", true), 0100755);
	KEXPECT_EQ(t, stat_mode("", "/etc", true), 040755); /* implicit directory */
	KEXPECT_EQ(t, stat_mode("", "etc/motd/x", true), -ENOTDIR);
	KEXPECT_EQ(t, stat_mode("", "etc/motd/", true), -ENOTDIR);
	KEXPECT_EQ(t, stat_mode("", "nope/x", true), -ENOENT);
	KEXPECT_EQ(t, stat_mode("", "lnk", true), 0100644);
	KEXPECT_EQ(t, stat_mode("", "lnk", false), 0120777);
	KEXPECT_EQ(t, stat_mode("etc", "../abs/./sh", true), 0100755);
	KEXPECT_EQ(t, stat_mode("", "loop", true), -ELOOP);
	KEXPECT_EQ(t, stat_mode("bin", "../dev/null", true), 020666);
	KEXPECT_EQ(t, initramfs_access("", "bin/sh", 1, true), 0);
	KEXPECT_EQ(t, initramfs_access("", "etc/motd", 1, true), -EACCES);
	KEXPECT_EQ(t, initramfs_access("", "etc/motd", 3, true), -EROFS);
	KEXPECT_EQ(t, initramfs_access("", "etc", 1, true), 0);
	KEXPECT_EQ(t, open_err("etc/motd", O_RDONLY), 0);
	KEXPECT_EQ(t, open_err("etc/motd", O_WRONLY), -EROFS);
	KEXPECT_EQ(t, open_err("etc", O_RDWR), -EISDIR);
	KEXPECT_EQ(t, open_err("etc/new", O_CREAT | O_WRONLY), -EROFS);
	KEXPECT_EQ(t, open_err("nodir/new", O_CREAT | O_WRONLY), -ENOENT);
	KEXPECT_EQ(t, open_err("etc/motd", O_DIRECTORY), -ENOTDIR);
	KEXPECT_EQ(t, open_err("etc/motd", O_CREAT | O_EXCL), -EEXIST);
	KEXPECT_EQ(t, open_err("lnk", O_NOFOLLOW), -ELOOP);
	struct file *f = NULL;
	KEXPECT_EQ(t, initramfs_open("", "abs", O_RDONLY, &f), 0);
	KEXPECT(t, f && file_is_dir(f) && !strcmp(f->path, "bin"));
	file_put(f);
	KEXPECT_EQ(t, initramfs_open("bin", "sh", O_RDONLY, &f), 0);
	KEXPECT(t, f && file_is_regular(f) && f->size == 4);
	file_put(f);
	char cwd[PATH_LEN];
	KEXPECT_EQ(t, initramfs_chdir_path("", "abs", cwd, sizeof(cwd)), 0);
	KEXPECT(t, !strcmp(cwd, "/bin"));
	KEXPECT_EQ(t, initramfs_chdir_path("", "lnk", cwd, sizeof(cwd)), -ENOTDIR);
	KEXPECT_EQ(t, initramfs_dir_check("/etc"), 0);
	initramfs_data = old;
	initramfs_size = oldn;
}
