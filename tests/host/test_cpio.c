/* test_cpio.c - the newc cpio reader (kernel/lib/cpio.c) on archives written here
 * and by GNU cpio, on every truncation of a valid archive, on hand-made
 * malformed headers and on random mutations (under ASan, every archive is
 * handed over in a heap block of exactly its size). */
#include <string.h>
#include "kernel/compiler.h"
#include "kernel/lib/cpio.h"
#include "kernel/errno.h"
#include "tests/host/check.h"

/* ---- a small newc writer ---- */

struct ar {
	char buf[1 << 16];
	size_t len;
	size_t start[32], data_end[32]; /* per entry: header offset, end of data before padding */
	int n;
};

static void ar_pad(struct ar *a)
{
	while (a->len % 4)
		a->buf[a->len++] = '\0';
}

static void ar_add(struct ar *a, const char *name, uint32_t mode, const void *data, size_t size)
{
	char hdr[200];
	size_t nsz = strlen(name) + 1;

	a->start[a->n] = a->len;
	snprintf(hdr, sizeof(hdr), "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X", 100 + a->n, mode, 0, 0,
		 1, 1700000000 + a->n, (uint32_t)size, 0, 0, 0, 0, (uint32_t)nsz, 0);
	memcpy(a->buf + a->len, hdr, 110);
	memcpy(a->buf + a->len + 110, name, nsz);
	a->len += 110 + nsz;
	ar_pad(a);
	memcpy(a->buf + a->len, data, size);
	a->len += size;
	a->data_end[a->n++] = a->len;
	ar_pad(a);
}

static void ar_file(struct ar *a, const char *name, const char *text)
{
	ar_add(a, name, S_IFREG | 0644, text, strlen(text));
}

static void ar_dir(struct ar *a, const char *name, uint32_t perm)
{
	ar_add(a, name, S_IFDIR | perm, "", 0);
}

/* The sample archive: explicit and implicit directories, names with "./",
 * "/" and ".." in them, a symlink, an empty file. */
static void sample(struct ar *a)
{
	a->len = 0;
	a->n = 0;
	ar_dir(a, ".", 0755);
	ar_file(a, "bin/sh", "#!shell");
	ar_dir(a, "etc", 0750);
	ar_file(a, "etc/motd", "hello\n");
	ar_file(a, "./usr/lib/libx.a", "!<arch>\n");
	ar_add(a, "/sbin/init", S_IFLNK | 0777, "../bin/sh", 9);
	ar_file(a, "empty", "");
	ar_file(a, "bin/ls", "ls!");
	ar_file(a, "x/../etc/issue", "issue");
	ar_add(a, "TRAILER!!!", 0, "", 0);
}

/* A heap copy of exactly n bytes, so ASan sees any read past the end. */
static char *exact(const void *p, size_t n)
{
	char *c = malloc(n ? n : 1);
	memcpy(c, p, n);
	return c;
}

/* ---- listing helpers ---- */

struct listing {
	char names[512];
	uint32_t modes[32];
	int n, stop_after;
	const char *lo, *hi; /* the archive: names must point into it */
};

static int collect(void *arg, const char *name, size_t namelen, uint32_t mode)
{
	struct listing *l = arg;

	CHECK(name >= l->lo && name + namelen <= l->hi && namelen > 0);
	if (l->n < 32)
		l->modes[l->n] = mode;
	l->n++;
	snprintf(l->names + strlen(l->names), sizeof(l->names) - strlen(l->names), "%s%.*s", l->n > 1 ? " " : "",
		 (int)namelen, name);
	return l->stop_after && l->n == l->stop_after ? 7 : 0;
}

static int list(const char *a, size_t len, const char *dir, struct listing *l)
{
	memset(l, 0, sizeof(*l));
	l->lo = a;
	l->hi = a + len;
	return cpio_list_dir(a, len, dir, collect, l);
}

static struct ar ar; /* 64 KiB: not on the stack */

TEST(iterates_entries)
{
	sample(&ar);
	char *a = exact(ar.buf, ar.len);
	struct cpio_entry e;
	size_t pos = 0;
	int n = 0;

	while (cpio_next(a, ar.len, &pos, &e) == 1) {
		CHECK_EQ(e.namelen, strlen(e.name));
		CHECK_EQ(e.ino, 100 + n);
		CHECK_EQ(e.mtime, 1700000000 + n);
		CHECK_EQ(e.nlink, 1);
		if (n == 1)
			CHECK(!strcmp(e.name, "bin/sh") && e.size == 7 && !memcmp(e.data, "#!shell", 7) &&
			      e.mode == (S_IFREG | 0644));
		if (n == 5)
			CHECK(!strcmp(e.name, "/sbin/init") && e.mode == (S_IFLNK | 0777) && e.size == 9);
		if (n == 6)
			CHECK(!strcmp(e.name, "empty") && e.size == 0);
		n++;
	}
	CHECK_EQ(n, 9);
	CHECK_EQ(cpio_next(a, ar.len, &pos, &e), 0); /* stays at the trailer */
	CHECK_EQ(cpio_next(a, 0, &(size_t){0}, &e), 0);
	CHECK_EQ(cpio_next(a, ar.len, &(size_t){ar.len + 1}, &e), -EINVAL);
	free(a);
}

static int norm_is(const char *in, const char *want)
{
	char out[64];
	int r = cpio_path_normalize(in, out, sizeof(out));
	if (r != (int)strlen(want) || strcmp(out, want)) {
		printf("    # normalize(\"%s\") = %d \"%s\", want \"%s\"\n", in, r, r >= 0 ? out : "", want);
		return 0;
	}
	return 1;
}

TEST(normalizes_paths)
{
	CHECK(norm_is("/bin//sh", "bin/sh"));
	CHECK(norm_is("./bin/./sh", "bin/sh"));
	CHECK(norm_is("/../bin/sh", "bin/sh"));
	CHECK(norm_is("bin/../etc/motd", "etc/motd"));
	CHECK(norm_is("bin/", "bin"));
	CHECK(norm_is("bin/sh/", "bin/sh"));
	CHECK(norm_is("", ""));
	CHECK(norm_is("/", ""));
	CHECK(norm_is("./", ""));
	CHECK(norm_is("..", ""));
	CHECK(norm_is("a/b/../../../..", ""));
	CHECK(norm_is("a/./b/.", "a/b"));
	CHECK(norm_is("a/b/../c/../../d", "d"));
	CHECK(norm_is("...", "..."));
	CHECK(norm_is(".a/..b/.", ".a/..b"));
	char out[4];
	CHECK_EQ(cpio_path_normalize("abc", out, 4), 3);
	CHECK_EQ(cpio_path_normalize("abcd", out, 4), -ENAMETOOLONG);
	CHECK_EQ(cpio_path_normalize("ab/c", out, 4), -ENAMETOOLONG);
	CHECK_EQ(cpio_path_normalize("ab/cd/../..", out, 4), -ENAMETOOLONG); /* too long on the way */
	CHECK_EQ(cpio_path_normalize("/", out, 1), 0);
	CHECK_EQ(cpio_path_normalize("a", out, 1), -ENAMETOOLONG);
	CHECK_EQ(cpio_path_normalize("", out, 0), -ENAMETOOLONG);
}

TEST(finds_entries)
{
	sample(&ar);
	char *a = exact(ar.buf, ar.len);
	struct cpio_entry e;

	CHECK(cpio_find(a, ar.len, "bin/sh", &e) == 0 && e.size == 7 && !memcmp(e.data, "#!shell", 7));
	CHECK(cpio_find(a, ar.len, "etc", &e) == 0 && !strcmp(e.name, "etc") && e.mode == (S_IFDIR | 0750));
	CHECK(cpio_find(a, ar.len, "bin", &e) == 0 && !e.name && !e.namelen && !e.data && !e.size &&
	      e.mode == (S_IFDIR | 0755)); /* implicit */
	CHECK(cpio_find(a, ar.len, "usr/lib", &e) == 0 && !e.name && e.mode == (S_IFDIR | 0755));
	CHECK(cpio_find(a, ar.len, "usr/lib/libx.a", &e) == 0 && !strcmp(e.name, "./usr/lib/libx.a"));
	CHECK(cpio_find(a, ar.len, "sbin/init", &e) == 0 && e.mode == (S_IFLNK | 0777) &&
	      !memcmp(e.data, "../bin/sh", 9));
	CHECK(cpio_find(a, ar.len, "etc/issue", &e) == 0 && !strcmp(e.name, "x/../etc/issue"));
	CHECK(cpio_find(a, ar.len, "", &e) == 0 && !strcmp(e.name, ".") && e.mode == (S_IFDIR | 0755));
	CHECK(cpio_find(a, ar.len, "empty", &e) == 0 && e.size == 0);
	CHECK_EQ(cpio_find(a, ar.len, "nope", &e), -ENOENT);
	CHECK_EQ(cpio_find(a, ar.len, "bi", &e), -ENOENT);
	CHECK_EQ(cpio_find(a, ar.len, "bin/sh/x", &e), -ENOENT);
	CHECK_EQ(cpio_find(a, ar.len, "x", &e), -ENOENT); /* "x/.." is gone */
	CHECK_EQ(cpio_find(a, ar.len, "TRAILER!!!", &e), -ENOENT);
	CHECK(cpio_find(a, 0, "", &e) == 0 && e.mode == (S_IFDIR | 0755)); /* the root of nothing */
	free(a);
}

TEST(lists_directories)
{
	sample(&ar);
	char *a = exact(ar.buf, ar.len);
	struct listing l;

	CHECK_EQ(list(a, ar.len, "", &l), 0);
	CHECK(!strcmp(l.names, "bin etc usr sbin empty"));
	CHECK(l.modes[0] == (S_IFDIR | 0755) && l.modes[1] == (S_IFDIR | 0750) && l.modes[4] == (S_IFREG | 0644));
	CHECK_EQ(list(a, ar.len, "bin", &l), 0);
	CHECK(!strcmp(l.names, "sh ls"));
	CHECK_EQ(list(a, ar.len, "etc", &l), 0);
	CHECK(!strcmp(l.names, "motd issue"));
	CHECK_EQ(list(a, ar.len, "usr", &l), 0);
	CHECK(!strcmp(l.names, "lib"));
	CHECK_EQ(list(a, ar.len, "bin/sh", &l), -ENOTDIR);
	CHECK_EQ(list(a, ar.len, "sbin/init", &l), -ENOTDIR);
	CHECK_EQ(list(a, ar.len, "nope", &l), -ENOENT);
	memset(&l, 0, sizeof(l));
	l.lo = a, l.hi = a + ar.len, l.stop_after = 2;
	CHECK_EQ(cpio_list_dir(a, ar.len, "", collect, &l), 7);
	CHECK_EQ(l.n, 2);
	free(a);
}

/* Read a whole file into an exact heap block. */
static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	*len = (size_t)ftell(f);
	rewind(f);
	char *p = malloc(*len ? *len : 1);
	if (fread(p, 1, *len, f) != *len) {
		free(p);
		p = NULL;
	}
	fclose(f);
	return p;
}

TEST(reads_gnu_cpio_output)
{
	char dir[] = "/tmp/test_cpio.XXXXXX", cmd[1024], path[256];
	if (!mkdtemp(dir)) {
		CHECK(!"mkdtemp");
		return;
	}
	snprintf(
	    cmd, sizeof(cmd),
	    "cd %s && mkdir -p root/bin root/etc/empty root/usr/share && cd root && printf '#!/bin/sh\\necho hi\\n' > "
	    "bin/sh && chmod 755 bin/sh && ln -s ../bin/sh bin/ash && head -c 5001 /dev/zero | tr '\\0' 'z' > "
	    "usr/share/big && : > etc/empty_file && find . | cpio -o -H newc --quiet > ../a.cpio",
	    dir);
	CHECK_EQ(system(cmd), 0);
	snprintf(path, sizeof(path), "%s/a.cpio", dir);
	size_t len = 0;
	char *a = slurp(path, &len);
	CHECK(a != NULL);
	if (!a)
		return;
	struct cpio_entry e;
	CHECK(cpio_find(a, len, "bin/sh", &e) == 0 && e.mode == (S_IFREG | 0755) && e.size == 18 &&
	      !memcmp(e.data, "#!/bin/sh\necho hi\n", 18) && !strcmp(e.name, "bin/sh")); /* GNU cpio drops "./" */
	CHECK(cpio_find(a, len, "bin/ash", &e) == 0 && (e.mode & S_IFMT) == S_IFLNK && e.size == 9 &&
	      !memcmp(e.data, "../bin/sh", 9));
	CHECK(cpio_find(a, len, "usr/share/big", &e) == 0 && e.size == 5001 && ((const char *)e.data)[5000] == 'z');
	CHECK(cpio_find(a, len, "etc/empty", &e) == 0 && S_ISDIR(e.mode) && e.name); /* explicit */
	CHECK(cpio_find(a, len, "", &e) == 0 && !strcmp(e.name, "."));
	struct listing l;
	CHECK_EQ(list(a, len, "etc/empty", &l), 0);
	CHECK_EQ(l.n, 0);
	CHECK_EQ(list(a, len, "etc", &l), 0);
	CHECK_EQ(l.n, 2);
	CHECK(strstr(l.names, "empty_file") && strstr(l.names, "empty"));
	CHECK_EQ(list(a, len, "", &l), 0);
	CHECK_EQ(l.n, 3); /* bin etc usr, in find's order */
	size_t pos = 0;
	int n = 0, r;
	while ((r = cpio_next(a, len, &pos, &e)) == 1)
		n++;
	CHECK_EQ(r, 0);
	CHECK_EQ(n, 10); /* . bin bin/sh bin/ash etc etc/empty etc/empty_file usr usr/share usr/share/big */
	free(a);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	CHECK_EQ(system(cmd), 0);
}

/* Walk a whole archive, find a few paths and list two directories; return
 * the result of the walk.  Only the sanitizers judge the rest. */
static int exercise(const char *a, size_t len)
{
	struct cpio_entry e;
	struct listing l;
	size_t pos = 0;
	int r, n = 0;

	while ((r = cpio_next(a, len, &pos, &e)) == 1) {
		CHECK((const char *)e.data + e.size <= a + len && e.name + e.namelen < a + len && !e.name[e.namelen]);
		if (++n > 1000)
			CHECK(!"cpio_next loops");
		if (n > 1000)
			break;
	}
	const char *paths[] = {"", "bin", "bin/sh", "etc/issue", "usr/lib"};
	for (size_t i = 0; i < ARRAY_SIZE(paths); i++) {
		int f = cpio_find(a, len, paths[i], &e);
		CHECK(f == 0 || f == -ENOENT || f == -EINVAL);
	}
	int d = list(a, len, "", &l);
	CHECK(d == 0 || d == -EINVAL);
	d = list(a, len, "bin", &l);
	CHECK(d == 0 || d == -EINVAL || d == -ENOENT || d == -ENOTDIR);
	return r;
}

TEST(every_truncation)
{
	sample(&ar);
	size_t trailer = ar.start[ar.n - 1];

	for (size_t cut = 0; cut <= ar.len; cut++) {
		char *a = exact(ar.buf, cut);
		int clean = cut >= trailer + 110 + 11, complete = 0;
		for (int i = 0; i < ar.n - 1; i++) {
			clean |= cut == ar.start[i] || (cut >= ar.data_end[i] && cut <= ar.start[i + 1]);
			complete += cut >= ar.data_end[i];
		}
		int r = exercise(a, cut);
		if (r != (clean ? 0 : -EINVAL))
			printf("    # cut at %zu: %d\n", cut, r);
		CHECK_EQ(r, clean ? 0 : -EINVAL);
		struct cpio_entry e;
		size_t pos = 0;
		int n = 0;
		while (cpio_next(a, cut, &pos, &e) == 1)
			n++;
		CHECK_EQ(n, complete);
		free(a);
	}
}

/* Put an 8-digit field of the header of entry i. */
static void set_field(struct ar *a, int i, int field, const char *digits)
{
	memcpy(a->buf + a->start[i] + 6 + 8 * field, digits, 8);
}

static int walk(struct ar *a)
{
	char *c = exact(a->buf, a->len);
	int r = exercise(c, a->len);
	free(c);
	return r;
}

TEST(malformed_headers)
{
	enum { MODE = 1, FILESIZE = 6, NAMESIZE = 11 };
	sample(&ar);
	CHECK_EQ(walk(&ar), 0);
	memcpy(ar.buf + ar.start[2], "070707", 6); /* the old portable format */
	CHECK_EQ(walk(&ar), -EINVAL);
	sample(&ar);
	set_field(&ar, 2, FILESIZE, "0000000g");
	CHECK_EQ(walk(&ar), -EINVAL);
	sample(&ar);
	set_field(&ar, 2, MODE, "-0000001");
	CHECK_EQ(walk(&ar), -EINVAL);
	sample(&ar);
	set_field(&ar, 3, FILESIZE, "ffffffff");
	CHECK_EQ(walk(&ar), -EINVAL);
	sample(&ar);
	set_field(&ar, 3, NAMESIZE, "FFFFFFFF");
	CHECK_EQ(walk(&ar), -EINVAL);
	sample(&ar);
	set_field(&ar, 3, NAMESIZE, "00000000");
	CHECK_EQ(walk(&ar), -EINVAL);
	sample(&ar);
	set_field(&ar, 3, NAMESIZE, "00000001"); /* an empty name */
	CHECK_EQ(walk(&ar), -EINVAL);
	sample(&ar);
	set_field(&ar, 3, NAMESIZE, "00000008"); /* "etc/motd" without its NUL */
	CHECK_EQ(walk(&ar), -EINVAL);
	sample(&ar);
	ar.buf[ar.start[3] + 113] = '\0'; /* "etc\0motd": an embedded NUL */
	CHECK_EQ(walk(&ar), -EINVAL);
	sample(&ar);
	ar.len -= 124; /* no trailer: a clean end */
	CHECK_EQ(walk(&ar), 0);
	memset(ar.buf + ar.len, 0, 512);
	ar.len += 512; /* zero padding */
	CHECK_EQ(walk(&ar), 0);
	ar.buf[ar.len - 1] = 'x'; /* garbage after the padding */
	CHECK_EQ(walk(&ar), -EINVAL);
	struct cpio_entry e;
	CHECK_EQ(cpio_find(ar.buf, ar.len, "nope", &e), -EINVAL);
	CHECK_EQ(cpio_find(ar.buf, ar.len, "bin/sh", &e), 0); /* found before the damage */
	struct listing l;
	CHECK_EQ(list(ar.buf, ar.len, "", &l), -EINVAL);
}

static uint64_t rng = 88172645463325252ull;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16) % n;
}

/* Damage the archive: random bytes, a header field set to a random or an
 * extreme value, or a random cut. */
static void mutate(struct ar *a)
{
	static const char *values[] = {"ffffffff", "7fffffff", "00000000", "00000001", "0000000b", "00010000"};
	char digits[9];

	switch (rnd(4)) {
	case 0:
		a->buf[rnd((uint32_t)a->len)] = (char)rnd(256);
		break;
	case 1:
		a->buf[rnd((uint32_t)a->len)] = "0123456789abcdef/.\0"[rnd(19)];
		break;
	case 2:
		snprintf(digits, sizeof(digits), "%08x", rnd(2) ? rnd(0x200) : (uint32_t)rng);
		set_field(a, (int)rnd((uint32_t)a->n), (int)rnd(13), rnd(2) ? digits : values[rnd(6)]);
		break;
	default:
		a->len = rnd((uint32_t)a->len + 1);
		break;
	}
}

TEST(random_mutations)
{
	int results[3] = {0};

	for (int iter = 0; iter < 20000; iter++) {
		sample(&ar);
		for (int m = 1 + (int)rnd(4); m > 0 && ar.len > 0; m--)
			mutate(&ar);
		int r = walk(&ar);
		CHECK(r == 0 || r == -EINVAL);
		results[r == 0]++;
		if (check_case_failed)
			return;
	}
	printf("    # %d clean, %d rejected\n", results[1], results[0]);
}

int main(void)
{
	RUN(iterates_entries);
	RUN(normalizes_paths);
	RUN(finds_entries);
	RUN(lists_directories);
	RUN(reads_gnu_cpio_output);
	RUN(every_truncation);
	RUN(malformed_headers);
	RUN(random_mutations);
	return check_done();
}
