/* test_elf.c - elf_parse() (kernel/lib/elf.c) on static binaries built here with
 * musl (checked against readelf), on hand-made ELF files each breaking one
 * rule, on every truncation and on random header mutations (ASan sees each
 * file in a heap block of exactly its size). */
#include <string.h>
#include "kernel/compiler.h"
#include "kernel/lib/elf.h"
#include "kernel/errno.h"
#include "tests/host/check.h"

#define USER_TOP     0x00007ffffffff000ull
#define PT_LOAD	     1
#define PT_INTERP    3
#define PT_PHDR	     6
#define PT_GNU_STACK 0x6474e551
#define RX	     5 /* PF_R | PF_X */
#define RW	     6 /* PF_R | PF_W */
#define R	     4

/* Case skipping: a case sets skip_reason; the line becomes "ok N name # SKIP reason". */
static const char *skip_reason;
#define RUN_OR_SKIP(name)                                                                                              \
	do {                                                                                                           \
		skip_reason = NULL;                                                                                    \
		check_case_failed = 0;                                                                                 \
		name();                                                                                                \
		check_ncases++;                                                                                        \
		check_nfailed += check_case_failed;                                                                    \
		if (skip_reason && !check_case_failed)                                                                 \
			printf("ok %d %s # SKIP %s\n", check_ncases, #name, skip_reason);                              \
		else                                                                                                   \
			printf("%sok %d %s\n", check_case_failed ? "not " : "", check_ncases, #name);                  \
		fflush(stdout);                                                                                        \
	} while (0)

/* ---- hand-made files: an ELF header, phdrs at 64, 16 KiB in all ---- */

struct t_ehdr {
	unsigned char ident[16];
	uint16_t type, machine;
	uint32_t version;
	uint64_t entry, phoff, shoff;
	uint32_t flags;
	uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct t_phdr {
	uint32_t type, flags;
	uint64_t offset, vaddr, paddr, filesz, memsz, align;
};

struct t_elf {
	struct t_ehdr h;
	struct t_phdr ph[70];
	char rest[16384 - 64 - 70 * 56];
};

static struct t_elf t;

/* Start a file: ET_EXEC with a text segment [0x401000, 0x402000) at file
 * offset 0x1000 and the entry in it. */
static void t_reset(void)
{
	memset(&t, 0, sizeof(t));
	memcpy(t.h.ident, "\177ELF\2\1\1", 7);
	t.h.type = 2;
	t.h.machine = 62;
	t.h.version = 1;
	t.h.entry = 0x401010;
	t.h.phoff = 64;
	t.h.ehsize = 64;
	t.h.phentsize = 56;
}

static struct t_phdr *t_add(uint32_t type, uint32_t flags, uint64_t offset, uint64_t vaddr, uint64_t filesz,
			    uint64_t memsz)
{
	struct t_phdr *p = &t.ph[t.h.phnum++];
	*p = (struct t_phdr){type, flags, offset, vaddr, vaddr, filesz, memsz, 0x1000};
	return p;
}

static void t_basic(void)
{
	t_reset();
	t_add(PT_LOAD, R, 0, 0x400000, 0x200, 0x200);
	t_add(PT_LOAD, RX, 0x1000, 0x401000, 0x1000, 0x1000);
}

static int parse_n(const void *p, size_t n, struct elf_image *img)
{
	char *c = malloc(n ? n : 1);
	memcpy(c, p, n);
	int r = elf_parse(c, n, USER_TOP, img);
	free(c);
	return r;
}

static int t_parse(struct elf_image *img)
{
	return parse_n(&t, sizeof(t), img);
}

TEST(handmade_valid)
{
	struct elf_image img;

	t_basic();
	t_add(PT_LOAD, RW, 0x2800, 0x402800, 0x100, 0x3000); /* shares no page */
	t_add(PT_GNU_STACK, RW, 0, 0, 0, 0);
	CHECK_EQ(t_parse(&img), 0);
	CHECK(img.entry == 0x401010 && img.phnum == 4 && img.phentsize == 56 && !img.pie && img.nseg == 3);
	CHECK(img.min_vaddr == 0x400000 && img.max_vaddr == 0x406000);
	CHECK(img.phdr_vaddr == 0x400040); /* inside the first PT_LOAD */
	CHECK(img.seg[1].vaddr == 0x401000 && img.seg[1].memsz == 0x1000 && img.seg[1].offset == 0x1000 &&
	      img.seg[1].filesz == 0x1000 && img.seg[1].prot == (PROT_READ | PROT_EXEC));
	CHECK(img.seg[2].prot == (PROT_READ | PROT_WRITE) && img.seg[2].filesz == 0x100);
	CHECK_EQ(img.stack_prot, PROT_READ | PROT_WRITE);
	t.ph[3].flags = RW | 1;
	CHECK(t_parse(&img) == 0 && img.stack_prot == (PROT_READ | PROT_WRITE | PROT_EXEC));
	t_add(PT_PHDR, R, 64, 0x400040, 5 * 56, 5 * 56);
	t.ph[4].vaddr = 0x400080; /* PT_PHDR wins */
	CHECK(t_parse(&img) == 0 && img.phdr_vaddr == 0x400080);
	t_basic();
	t.ph[0].offset = 0x1000; /* phdrs loaded nowhere */
	CHECK(t_parse(&img) == 0 && img.phdr_vaddr == 0);
	t_basic();
	t.h.type = 3; /* static PIE at 0 */
	t.ph[0].vaddr = 0;
	t.ph[1].vaddr = 0x1000;
	t.h.entry = 0x1000;
	CHECK(t_parse(&img) == 0 && img.pie && img.min_vaddr == 0 && img.max_vaddr == 0x2000 && img.phdr_vaddr == 64);
}

TEST(handmade_layout_rules)
{
	struct elf_image img;

	/* GNU ld style: the next segment starts in the page where one ends. */
	t_basic();
	t.ph[1].memsz = t.ph[1].filesz = 0xf00;
	t_add(PT_LOAD, RW, 0x1f00, 0x401f00, 0x80, 0x1000);
	t_add(PT_LOAD, RW, 0x1f00, 0x402f00, 0x100, 0x100);
	CHECK(t_parse(&img) == 0 && img.nseg == 4 && img.max_vaddr == 0x403000);
	t_basic();
	t_add(PT_LOAD, RW, 0x1f00, 0x401f00, 0x100, 0x100); /* overlaps the text by 0x100 bytes */
	CHECK_EQ(t_parse(&img), -ENOEXEC);
	t_basic();
	t_add(PT_LOAD, RW, 0x1000, 0x400000 - 0x1000, 0x100, 0x100); /* descending */
	CHECK_EQ(t_parse(&img), -ENOEXEC);
	t_basic();
	t.ph[0].filesz = 0x201; /* filesz > memsz */
	CHECK_EQ(t_parse(&img), -ENOEXEC);
	t_basic();
	t.ph[1].vaddr = 0x401800; /* vaddr and offset not congruent */
	t.h.entry = 0x401810;
	CHECK_EQ(t_parse(&img), -ENOEXEC);
	t_basic();
	t.ph[1].align = 0x1800;
	CHECK_EQ(t_parse(&img), -ENOEXEC);
	t.ph[1].align = 0;
	CHECK_EQ(t_parse(&img), 0);
	t.ph[1].align = 1;
	CHECK_EQ(t_parse(&img), 0);
	t_basic();
	t.ph[1].filesz = sizeof(t); /* beyond the file */
	t.ph[1].memsz = sizeof(t);
	CHECK_EQ(t_parse(&img), -ENOEXEC);
	t.ph[1].offset = 0xfffffffffffff000ull; /* offset + filesz wraps */
	t.ph[1].vaddr = 0x7ffffffff000ull;
	CHECK_EQ(t_parse(&img), -ENOEXEC);
}

TEST(handmade_address_limits)
{
	struct elf_image img;

	t_basic();
	t_add(PT_LOAD, RW, 0x2000, USER_TOP - 0x1000, 0x10, 0x1000); /* ends at user_top: fine */
	CHECK_EQ(t_parse(&img), 0);
	t.ph[2].memsz = 0x1001;
	CHECK_EQ(t_parse(&img), -ENOEXEC);
	t.ph[2].vaddr = 0xfffffffffffff000ull;
	t.ph[2].memsz = 0x1000; /* vaddr + memsz wraps to 0 */
	CHECK_EQ(t_parse(&img), -ENOEXEC);
	t.ph[2].vaddr = 0xffffffff80000000ull; /* a kernel address */
	CHECK_EQ(t_parse(&img), -ENOEXEC);
	t.h.type = 3; /* a PIE this big could not be placed anywhere */
	CHECK_EQ(t_parse(&img), -ENOEXEC);
	t.ph[2].vaddr = USER_TOP + 0x400000;
	t.ph[2].memsz = 0x1000; /* span USER_TOP + 0x1000 */
	CHECK_EQ(t_parse(&img), -ENOEXEC);
	t.ph[2].vaddr = USER_TOP; /* a PIE just needs to fit: the loader moves it down */
	CHECK_EQ(t_parse(&img), 0);
	t.h.type = 2;
	CHECK_EQ(t_parse(&img), -ENOEXEC);
}

TEST(handmade_entry_and_counts)
{
	struct elf_image img;

	t_basic();
	t.h.entry = 0x400010; /* in the read-only segment */
	CHECK_EQ(t_parse(&img), -ENOEXEC);
	t.h.entry = 0x402000; /* one past the text */
	CHECK_EQ(t_parse(&img), -ENOEXEC);
	t.h.entry = 0x401fff;
	CHECK_EQ(t_parse(&img), 0);
	t_basic();
	t_add(PT_INTERP, R, 0x100, 0x400100, 0x10, 0x10);
	CHECK_EQ(t_parse(&img), -ENOEXEC);
	t_reset();
	t_add(PT_GNU_STACK, RW, 0, 0, 0, 0); /* no PT_LOAD */
	CHECK_EQ(t_parse(&img), -ENOEXEC);
	t_basic();
	t.h.entry = 0x400010;
	t.ph[0].flags = RX;
	for (int i = 2; i < ELF_MAX_SEGMENTS; i++)
		t_add(PT_LOAD, R, 0, 0x400000 + 0x1000 * (uint64_t)i, 0x10, 0x10);
	CHECK(t_parse(&img) == 0 && img.nseg == ELF_MAX_SEGMENTS);
	t_add(PT_LOAD, R, 0, 0x400000 + 0x1000 * ELF_MAX_SEGMENTS, 0x10, 0x10);
	CHECK_EQ(t_parse(&img), -ENOEXEC);
	t_basic();
	for (int i = 2; i < 64; i++)
		t_add(PT_GNU_STACK, RW, 0, 0, 0, 0);
	CHECK_EQ(t_parse(&img), 0);
	t_add(PT_GNU_STACK, RW, 0, 0, 0, 0); /* 65 program headers */
	CHECK_EQ(t_parse(&img), -ENOEXEC);
}

TEST(handmade_bad_headers)
{
	struct elf_image img;
	struct {
		size_t off;
		unsigned char val;
	} bad[] = {{0, 0x7e},
		   {3, 'G'},
		   {4, 1 /* ELFCLASS32 */},
		   {5, 2 /* big-endian */},
		   {6, 2},
		   {16, 1 /* ET_REL */},
		   {16, 4 /* ET_CORE */},
		   {18, 3 /* EM_386 */},
		   {18, 0x3e + 1},
		   {20, 2 /* e_version */},
		   {54, 32 /* e_phentsize */},
		   {56, 0 /* e_phnum */}};

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		t_basic();
		((unsigned char *)&t)[bad[i].off] = bad[i].val;
		if (t_parse(&img) != -ENOEXEC)
			printf("    # byte %zu = %d accepted\n", bad[i].off, bad[i].val);
		CHECK_EQ(t_parse(&img), -ENOEXEC);
	}
	t_basic();
	t.h.phoff = sizeof(t) - 56; /* phdrs cut by the end of the file */
	CHECK_EQ(t_parse(&img), -ENOEXEC);
	t.h.phoff = ~0ull - 8;
	CHECK_EQ(t_parse(&img), -ENOEXEC);
	t_basic();
	for (size_t n = 0; n < 0x1200; n++) /* the text's file bytes end at 0x2000 */
		CHECK_EQ(parse_n(&t, n, &img), -ENOEXEC);
	CHECK_EQ(parse_n(&t, 0x2000, &img), 0);
}

/* ---- real binaries ---- */

static char dir[] = "/tmp/test_elf.XXXXXX";
static char exe_path[2][300];  /* [0] static, [1] static-pie */
static const char *exe_how[2]; /* how each was built, NULL if it could not be */

static int sh(const char *fmt, const char *a, const char *b)
{
	char cmd[2048];
	snprintf(cmd, sizeof(cmd), fmt, a, b);
	return system(cmd);
}

/* Build both test programs with the first command that works (and runs). */
static void build_programs(void)
{
	static const char *const how[2][3] = {
	    {"musl-gcc -static -O2 -o %s %s", "gcc -static -O2 -o %s %s", NULL},
	    /* musl-gcc's specs lack static-pie; rcrt1.o self-relocates. */
	    {"musl-gcc -fPIE -nostartfiles /usr/lib/x86_64-linux-musl/rcrt1.o /usr/lib/x86_64-linux-musl/crti.o "
	     "-o %s %s /usr/lib/x86_64-linux-musl/crtn.o -Wl,-static,-pie,--no-dynamic-linker,-z,text",
	     "gcc -static-pie -O2 -o %s %s", NULL},
	};
	char src[300];

	if (!mkdtemp(dir))
		return;
	snprintf(src, sizeof(src), "%s/prog.c", dir);
	FILE *f = fopen(src, "w");
	if (!f)
		return;
	fputs("#include <stdio.h>\nint big[5000] = {1};\nint main(void) { puts(\"hi\"); return big[1]; }\n", f);
	fclose(f);
	for (int k = 0; k < 2; k++) {
		snprintf(exe_path[k], sizeof(exe_path[k]), "%s/prog%d", dir, k);
		for (int i = 0; how[k][i] && !exe_how[k]; i++) {
			char cmd[1024];
			snprintf(cmd, sizeof(cmd), how[k][i], exe_path[k], src);
			if (sh("%s >/dev/null 2>&1 && %s >/dev/null", cmd, exe_path[k]) == 0)
				exe_how[k] = how[k][i];
		}
	}
}

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

/* What readelf -lW says about a file. */
struct readelf {
	uint64_t entry, phoff, phdr_vaddr, stack_x;
	unsigned phnum, nload;
	struct elf_segment load[ELF_MAX_SEGMENTS];
	int dyn;
};

static unsigned flags_prot(const char *s)
{
	unsigned prot = 0;
	for (; *s && *s != '0'; s++)
		prot |= *s == 'R' ? PROT_READ : *s == 'W' ? PROT_WRITE : *s == 'E' ? PROT_EXEC : 0;
	return prot;
}

static int run_readelf(const char *path, struct readelf *re)
{
	char cmd[400], line[512];
	uint64_t off, va, pa, fs, ms;
	int n;

	memset(re, 0, sizeof(*re));
	snprintf(cmd, sizeof(cmd), "readelf -lW %s 2>/dev/null", path);
	FILE *p = popen(cmd, "r");
	if (!p)
		return -1;
	while (fgets(line, sizeof(line), p)) {
		sscanf(line, "Entry point 0x%" SCNx64, &re->entry);
		sscanf(line, "There are %u program headers, starting at offset %" SCNu64, &re->phnum, &re->phoff);
		re->dyn |= strstr(line, "Elf file type is DYN") != NULL;
		if (sscanf(line, " %*s 0x%" SCNx64 " 0x%" SCNx64 " 0x%" SCNx64 " 0x%" SCNx64 " 0x%" SCNx64 " %n", &off,
			   &va, &pa, &fs, &ms, &n) != 5)
			continue;
		if (!strncmp(line, "  LOAD ", 7) && re->nload < ELF_MAX_SEGMENTS)
			re->load[re->nload++] = (struct elf_segment){va, ms, off, fs, flags_prot(line + n)};
		if (!strncmp(line, "  PHDR ", 7))
			re->phdr_vaddr = va;
		if (!strncmp(line, "  GNU_STACK ", 12))
			re->stack_x = (flags_prot(line + n) & PROT_EXEC) != 0;
	}
	return pclose(p) == 0 && re->phnum > 0 ? 0 : -1;
}

static void check_against_readelf(int k)
{
	struct readelf re;
	struct elf_image img;
	size_t len;

	if (!exe_how[k]) {
		skip_reason = "no compiler could build it";
		return;
	}
	printf("    # built with %.*s\n", (int)strcspn(exe_how[k], " "), exe_how[k]);
	char *file = slurp(exe_path[k], &len);
	CHECK(file != NULL);
	CHECK_EQ(run_readelf(exe_path[k], &re), 0);
	if (!file)
		return;
	CHECK_EQ(elf_parse(file, len, USER_TOP, &img), 0);
	CHECK_EQ(img.entry, re.entry);
	CHECK_EQ(img.phnum, re.phnum);
	CHECK_EQ(img.pie, re.dyn);
	CHECK_EQ(img.pie, k == 1);
	CHECK_EQ(img.nseg, re.nload);
	for (unsigned i = 0; i < img.nseg && i < re.nload; i++) {
		const struct elf_segment *a = &img.seg[i], *b = &re.load[i];
		CHECK(a->vaddr == b->vaddr && a->memsz == b->memsz && a->offset == b->offset &&
		      a->filesz == b->filesz && a->prot == b->prot);
	}
	CHECK_EQ(img.min_vaddr, re.load[0].vaddr & ~0xfffull);
	CHECK_EQ(img.max_vaddr, (re.load[re.nload - 1].vaddr + re.load[re.nload - 1].memsz + 0xfff) & ~0xfffull);
	uint64_t phdr = re.phdr_vaddr;
	if (!phdr) /* no PT_PHDR: the first segment maps the file's start */
		phdr = re.load[0].offset == 0 ? re.load[0].vaddr + re.phoff : 0;
	CHECK_EQ(img.phdr_vaddr, phdr);
	CHECK_EQ(img.stack_prot, PROT_READ | PROT_WRITE | (re.stack_x ? PROT_EXEC : 0));
	free(file);
}

TEST(static_binary)
{
	check_against_readelf(0);
}
TEST(static_pie_binary)
{
	check_against_readelf(1);
}

TEST(rejects_dynamic_binaries)
{
	size_t len;
	struct elf_image img;
	char *file = slurp("/bin/ls", &len);

	if (!file) {
		skip_reason = "no /bin/ls";
		return;
	}
	CHECK_EQ(elf_parse(file, len, USER_TOP, &img), -ENOEXEC); /* PT_INTERP */
	free(file);
}

TEST(rejects_32bit_binaries)
{
	char path[300];
	size_t len;
	struct elf_image img;
	char cmd[1024];

	snprintf(path, sizeof(path), "%s/prog32", dir);
	snprintf(cmd, sizeof(cmd),
		 "printf '.globl _start\\n_start: hlt\\n' | as --32 -o %s.o 2>/dev/null && ld -m elf_i386 -o %s %s.o",
		 path, path, path);
	if (system(cmd) != 0)
		path[0] = '\0';
	char *file = slurp(path, &len);
	if (!file) {
		skip_reason = "as --32 / ld -m elf_i386 unavailable";
		return;
	}
	CHECK_EQ(elf_parse(file, len, USER_TOP, &img), -ENOEXEC); /* ELFCLASS32 */
	free(file);
}

/* Every cut of the static binary up to its program headers and beyond. */
TEST(every_truncation)
{
	size_t len;
	struct elf_image img;
	char *file = exe_how[0] ? slurp(exe_path[0], &len) : NULL;

	if (!file) {
		skip_reason = "no static binary";
		return;
	}
	CHECK_EQ(elf_parse(file, len, USER_TOP, &img), 0);
	uint64_t need = 0;
	for (unsigned i = 0; i < img.nseg; i++)
		need = MAX(need, img.seg[i].offset + img.seg[i].filesz);
	for (size_t n = 0; n <= len; n += n < 8192 || n + 64 >= need ? 1 : 61)
		if (parse_n(file, n, &img) != (n >= need ? 0 : -ENOEXEC)) {
			CHECK(!"truncated at the right places");
			printf("    # cut at %zu of %zu (%" PRIu64 " needed)\n", n, len, need);
			break;
		}
	free(file);
}

static uint64_t rng = 88172645463325252ull;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16) % n;
}

/* What a successful parse promises the loader. */
static int image_sane(const struct elf_image *img, size_t len)
{
	if (img->nseg == 0 || img->nseg > ELF_MAX_SEGMENTS)
		return 0;
	for (unsigned i = 0; i < img->nseg; i++) {
		const struct elf_segment *s = &img->seg[i];
		if (s->filesz > s->memsz || s->offset > len || s->filesz > len - s->offset)
			return 0;
		if (i && s->vaddr < img->seg[i - 1].vaddr + img->seg[i - 1].memsz)
			return 0;
	}
	int entry_ok = 0;
	for (unsigned i = 0; i < img->nseg; i++)
		entry_ok |= (img->seg[i].prot & PROT_EXEC) && img->entry >= img->seg[i].vaddr &&
			    img->entry - img->seg[i].vaddr < img->seg[i].memsz;
	return entry_ok && img->min_vaddr <= img->seg[0].vaddr && img->max_vaddr > img->min_vaddr &&
	       (img->pie || img->max_vaddr <= USER_TOP);
}

TEST(random_header_mutations)
{
	size_t len;
	struct elf_image img;
	char *orig = exe_how[0] ? slurp(exe_path[0], &len) : NULL;
	int ok = 0;

	if (!orig) {
		skip_reason = "no static binary";
		return;
	}
	CHECK_EQ(elf_parse(orig, len, USER_TOP, &img), 0);
	size_t hdr = 64 + (size_t)img.phnum * 56;
	char *file = malloc(len);
	for (int iter = 0; iter < 20000; iter++) {
		memcpy(file, orig, len);
		for (int m = 1 + (int)rnd(6); m > 0; m--) {
			static const uint64_t words[] = {0, ~0ull, USER_TOP, 0x400000, 1ull << 63, 0x1000, 56};
			size_t at = rnd(4) ? rnd((uint32_t)hdr) : rnd(4096); /* mostly the headers */
			uint64_t w = rnd(2) ? words[rnd(ARRAY_SIZE(words))] : rng;
			if (rnd(2))
				file[at] = (char)w;
			else
				memcpy(file + (at & ~7ul), &w, 8);
		}
		int r = elf_parse(file, len, USER_TOP, &img);
		CHECK(r == 0 || r == -ENOEXEC);
		if (r == 0 && !image_sane(&img, len))
			CHECK(!"a parsed image keeps the promises");
		ok += r == 0;
		if (check_case_failed)
			break;
	}
	printf("    # %d of 20000 mutants accepted\n", ok);
	free(file);
	free(orig);
}

int main(void)
{
	build_programs();
	RUN(handmade_valid);
	RUN(handmade_layout_rules);
	RUN(handmade_address_limits);
	RUN(handmade_entry_and_counts);
	RUN(handmade_bad_headers);
	RUN_OR_SKIP(static_binary);
	RUN_OR_SKIP(static_pie_binary);
	RUN_OR_SKIP(rejects_dynamic_binaries);
	RUN_OR_SKIP(rejects_32bit_binaries);
	RUN_OR_SKIP(every_truncation);
	RUN_OR_SKIP(random_header_mutations);
	if (dir[sizeof(dir) - 2] != 'X')
		sh("rm -rf %s%s", dir, "");
	return check_done();
}
