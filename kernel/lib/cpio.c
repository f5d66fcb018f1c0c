/* cpio.c - a reader for newc cpio archives (the initramfs), see cpio.h.
 *
 * An entry is a 110-byte ASCII header ("070701" and 13 eight-digit hex
 * fields), the name with its NUL padded so header+name is a multiple of 4,
 * then the data padded to 4; "TRAILER!!!" ends the archive.  The archive is
 * untrusted: every offset is checked against len before it is used, and each
 * entry advances the position by at least 112 bytes, so iteration ends.
 *
 * Paths are compared after lexical normalisation, done without a buffer by
 * walking components from the end: there each ".." simply cancels the
 * nearest surviving component before it (comp_prev).  No allocation and no
 * static state, so this runs anywhere and compiles for host unit tests.
 */
#include "kernel/lib/cpio.h"
#include "kernel/compiler.h"
#include "kernel/errno.h"
#include "kernel/lib/string.h"

#define CPIO_HDR_LEN 110
#define CPIO_TRAILER "TRAILER!!!"

enum {
	F_INO,
	F_MODE,
	F_UID,
	F_GID,
	F_NLINK,
	F_MTIME,
	F_FILESIZE,
	F_DEVMAJOR,
	F_DEVMINOR,
	F_RDEVMAJOR,
	F_RDEVMINOR,
	F_NAMESIZE,
	F_CHECK,
	F_NFIELDS
};

static int parse_hex8(const char *s, uint32_t *v)
{
	uint32_t x = 0;

	for (int i = 0; i < 8; i++) {
		char c = s[i];
		if (c >= '0' && c <= '9')
			x = x << 4 | (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			x = x << 4 | (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			x = x << 4 | (uint32_t)(c - 'A' + 10);
		else
			return -EINVAL;
	}
	*v = x;
	return 0;
}

static bool all_zero(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/* Parse the CPIO_HDR_LEN bytes of the header at h into f[]. */
static int parse_header(const char *h, uint32_t *f)
{
	/* "070702" is the same layout with a checksum, which is not verified. */
	if (memcmp(h, "07070", 5) || (h[5] != '1' && h[5] != '2'))
		return -EINVAL;
	for (int i = 0; i < F_NFIELDS; i++)
		if (parse_hex8(h + 6 + 8 * i, &f[i]))
			return -EINVAL;
	return 0;
}

int cpio_next(const void *archive, size_t len, size_t *pos, struct cpio_entry *e)
{
	const char *a = archive;
	size_t p = *pos;
	uint32_t f[F_NFIELDS];

	if (p > len)
		return -EINVAL;
	if (p == len || a[p] == '\0') /* the end, or zero padding up to it */
		return all_zero(a + p, len - p) ? 0 : -EINVAL;
	if (len - p < CPIO_HDR_LEN || parse_header(a + p, f))
		return -EINVAL;
	size_t name = p + CPIO_HDR_LEN, nsz = f[F_NAMESIZE];
	if (nsz < 2 || nsz > len - name || strnlen(a + name, nsz) != nsz - 1)
		return -EINVAL;
	if (nsz == sizeof(CPIO_TRAILER) && !memcmp(a + name, CPIO_TRAILER, nsz))
		return 0;
	size_t data = ALIGN_UP(name + nsz, 4), size = f[F_FILESIZE];
	if (data > len || size > len - data)
		return -EINVAL;
	*e = (struct cpio_entry){.name = a + name,
				 .namelen = nsz - 1,
				 .data = a + data,
				 .size = size,
				 .mode = f[F_MODE],
				 .ino = f[F_INO],
				 .nlink = f[F_NLINK],
				 .mtime = f[F_MTIME]};
	/* The last entry's data padding may be missing: end at len then. */
	*pos = MIN(ALIGN_UP(data + size, 4), len);
	return 1;
}

int cpio_path_normalize(const char *path, char *out, size_t outsz)
{
	size_t o = 0;

	if (outsz == 0)
		return -ENAMETOOLONG;
	for (const char *s = path; *s;) {
		const char *c = s;
		size_t n = 0;
		while (c[n] && c[n] != '/')
			n++;
		s = c + n + (c[n] == '/');
		if (n == 0 || (n == 1 && c[0] == '.'))
			continue;
		if (n == 2 && c[0] == '.' && c[1] == '.') { /* drop the last component and its '/' */
			while (o > 0 && out[o - 1] != '/')
				o--;
			o -= o > 0;
			continue;
		}
		size_t need = o + (o > 0) + n;
		if (need >= outsz || need > __INT_MAX__) {
			out[0] = '\0';
			return -ENAMETOOLONG;
		}
		if (o > 0)
			out[o++] = '/';
		memcpy(out + o, c, n);
		o += n;
	}
	out[o] = '\0';
	return (int)o;
}

/* Step back through s[0, *end) to the previous component that survives
 * normalisation: "a/b/../c/" yields "c", then "a", then false. */
static bool comp_prev(const char *s, size_t *end, const char **c, size_t *clen)
{
	size_t skip = 0; /* ".." seen and not yet matched with a component */

	while (*end > 0) {
		size_t e = *end, b = e;
		while (b > 0 && s[b - 1] != '/')
			b--;
		*end = b > 0 ? b - 1 : 0;
		size_t n = e - b;
		if (n == 0 || (n == 1 && s[b] == '.'))
			continue;
		if (n == 2 && s[b] == '.' && s[b + 1] == '.') {
			skip++;
		} else if (skip > 0) {
			skip--;
		} else {
			*c = s + b;
			*clen = n;
			return true;
		}
	}
	return false;
}

static size_t path_depth(const char *s, size_t len)
{
	const char *c;
	size_t n, depth = 0;

	while (comp_prev(s, &len, &c, &n))
		depth++;
	return depth;
}

enum { REL_NONE, REL_SELF, REL_CHILD, REL_DESC };

/* How the path name relates to the directory dir: the same, its direct child,
 * a deeper descendant (for both *child is the component just below dir) or
 * none.  Both are normalised on the fly. */
static int path_relation(const char *name, size_t nlen, const char *dir, const char **child, size_t *clen)
{
	size_t dlen = strlen(dir), nd = path_depth(name, nlen), dd = path_depth(dir, dlen);
	const char *c, *d;
	size_t cn, dn;

	if (nd < dd)
		return REL_NONE;
	for (size_t i = nd; i > dd; i--) /* the last one taken is the child */
		comp_prev(name, &nlen, child, clen);
	while (comp_prev(dir, &dlen, &d, &dn))
		if (!comp_prev(name, &nlen, &c, &cn) || cn != dn || memcmp(c, d, cn))
			return REL_NONE;
	return nd == dd ? REL_SELF : nd == dd + 1 ? REL_CHILD : REL_DESC;
}

int cpio_find(const void *archive, size_t len, const char *npath, struct cpio_entry *e)
{
	bool root = path_depth(npath, strlen(npath)) == 0, implicit = root;
	struct cpio_entry t;
	size_t pos = 0, cn;
	const char *c;
	int r;

	while ((r = cpio_next(archive, len, &pos, &t)) == 1) {
		int rel = path_relation(t.name, t.namelen, npath, &c, &cn);
		if (rel == REL_SELF && (!root || S_ISDIR(t.mode))) {
			*e = t;
			return 0;
		}
		implicit |= rel == REL_CHILD || rel == REL_DESC;
	}
	if (r < 0)
		return r;
	if (!implicit)
		return -ENOENT;
	*e = (struct cpio_entry){.mode = S_IFDIR | 0755};
	return 0;
}

/* The child of dir that entry t is (REL_CHILD) or lies below (REL_DESC). */
static int child_of(const struct cpio_entry *t, const char *dir, const char **c, size_t *cn)
{
	int rel = path_relation(t->name, t->namelen, dir, c, cn);
	return rel == REL_CHILD || rel == REL_DESC ? rel : REL_NONE;
}

/* Whether an entry starting before offset end already named child c of dir
 * (as itself with REL_CHILD, or as a prefix with REL_DESC); want is the
 * relation to look for, REL_NONE for either.  Gives t that entry. */
static bool child_seen(const void *archive, size_t end, const char *dir, const char *c, size_t cn, int want,
		       struct cpio_entry *t)
{
	size_t pos = 0, xn;
	const char *x;

	while (pos < end && cpio_next(archive, end, &pos, t) == 1) {
		int rel = child_of(t, dir, &x, &xn);
		if (rel != REL_NONE && (want == REL_NONE || rel == want) && xn == cn && !memcmp(x, c, cn))
			return true;
	}
	return false;
}

int cpio_list_dir(const void *archive, size_t len, const char *npath,
		  int (*fn)(void *arg, const char *name, size_t namelen, uint32_t mode), void *arg)
{
	struct cpio_entry t, u;
	size_t pos = 0, start, cn;
	const char *c;
	int r = cpio_find(archive, len, npath, &t);

	if (r < 0)
		return r;
	if (!S_ISDIR(t.mode))
		return -ENOTDIR;
	for (start = pos; (r = cpio_next(archive, len, &pos, &t)) == 1; start = pos) {
		if (child_of(&t, npath, &c, &cn) == REL_NONE || child_seen(archive, start, npath, c, cn, REL_NONE, &u))
			continue;
		uint32_t mode = S_IFDIR | 0755;
		if (child_seen(archive, len, npath, c, cn, REL_CHILD, &u))
			mode = u.mode;
		r = fn(arg, c, cn, mode);
		if (r)
			return r;
	}
	return r;
}
