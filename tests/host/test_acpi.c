/* test_acpi.c - host unit tests of the ACPI table parser (arch/x86_64/acpi_parse.c)
 * on canned tables, built in a fake physical region (partly above 4 GiB, for
 * XSDT entries).  The mapper hands out a fresh heap copy of exactly the length
 * asked for, so any read past what the parser mapped is a heap overflow that
 * ASan reports; addresses outside the region map to NULL.
 * Sources: tests/host/test_acpi.c arch/x86_64/acpi_parse.c tests/host/shim.c */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>
#include "arch/x86_64/acpi_tables.h"
#include "tests/host/check.h"

/* One fake physical region straddling 4 GiB: "low" tables below, "high" above. */
#define REGION_BASE (0x100000000ull - REGION_SIZE / 2)
#define REGION_SIZE 0x40000u
static uint8_t region_mem[REGION_SIZE];
static uint64_t region_next[2]; /* low, high */
static void *maps[4096];        /* live mappings, freed after each parse */
static size_t nmaps;
static struct acpi_info info;

static uint8_t *fw_ptr(uint64_t phys, size_t len)
{
	uint64_t off = phys - REGION_BASE;

	if (phys < REGION_BASE || off > REGION_SIZE || len > REGION_SIZE - off)
		return NULL;
	return region_mem + off;
}

static void *test_map(uint64_t phys, size_t len)
{
	uint8_t *src = fw_ptr(phys, len), *copy;

	if (!src)
		return NULL;
	if (nmaps == ARRAY_SIZE(maps))
		abort();
	copy = maps[nmaps++] = malloc(len ? len : 1);
	return memcpy(copy, src, len);
}

static void unmap_all(void)
{
	while (nmaps)
		free(maps[--nmaps]);
}

static void fw_reset(void)
{
	unmap_all();
	memset(region_mem, 0, sizeof(region_mem));
	region_next[0] = REGION_BASE;
	region_next[1] = 0x100000000ull;
}

static uint64_t fw_alloc(size_t n, bool high)
{
	uint64_t phys = region_next[high];

	region_next[high] = ALIGN_UP(phys + n, 16);
	if (!fw_ptr(phys, n) || (!high && region_next[high] > 0x100000000ull))
		abort(); /* fake firmware memory exhausted */
	return phys;
}

/* ---- table builder: one table at a time in tb ---- */

static struct {
	uint8_t b[8192];
	uint32_t len;
} tb;

/* Append little-endian fields: each letter of fmt is b (8 bits), w (16),
 * d (32) or q (64, pass a uint64_t). */
static void put(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	for (; *fmt; fmt++) {
		uint64_t v = *fmt == 'q' ? va_arg(ap, uint64_t) : va_arg(ap, unsigned);
		size_t n = *fmt == 'b' ? 1 : *fmt == 'w' ? 2 : *fmt == 'd' ? 4 : 8;

		if (tb.len + n > sizeof(tb.b))
			abort();
		memcpy(tb.b + tb.len, &v, n); /* x86 hosts are little-endian too */
		tb.len += n;
	}
	va_end(ap);
}

static void tbl_init(const char *sig, uint8_t rev)
{
	memset(&tb, 0, sizeof(tb));
	memcpy(tb.b, sig, 4);
	tb.b[8] = rev;
	memcpy(tb.b + 10, "FLTLNETESTTBL ", 14); /* OEM id and table id */
	tb.len = sizeof(struct acpi_sdt_header);  /* length, checksum: tbl_place_len() */
}

static void fix_checksum(uint8_t *t, uint32_t len)
{
	t[9] = 0;
	t[9] = (uint8_t)-acpi_checksum(t, len);
}

/* Copy tb into fake memory with the given length field; the checksum covers
 * min(len_field, bytes built) so that a short length still checksums. */
static uint64_t tbl_place_len(bool high, uint32_t len_field)
{
	uint64_t phys = fw_alloc(tb.len, high);

	memcpy(tb.b + 4, &len_field, 4);
	fix_checksum(tb.b, len_field >= 10 && len_field < tb.len ? len_field : tb.len);
	memcpy(fw_ptr(phys, tb.len), tb.b, tb.len);
	return phys;
}
static uint64_t tbl_place(bool high) { return tbl_place_len(high, tb.len); }

#define madt_init(rev, lapic, flags) (tbl_init("APIC", rev), put("dd", lapic, flags))
#define madt_lapic(uid, id, fl) put("bbbbd", 0, 8, uid, id, fl)
#define madt_ioapic(id, addr, gsi) put("bbbbdd", 1, 12, id, 0, addr, gsi)
#define madt_iso(bus, src, gsi, fl) put("bbbbdw", 2, 10, bus, src, gsi, fl)
#define madt_nmi(uid, fl, lint) put("bbbwb", 4, 6, uid, fl, lint)
#define madt_override(addr) put("bbwq", 5, 12, 0, (uint64_t)(addr))
#define madt_x2apic(id, fl, uid) put("bbwddd", 9, 16, 0, id, fl, uid)
#define madt_x2nmi(uid, fl, lint) put("bbwdbbw", 0xa, 12, fl, uid, lint, 0, 0)

/* A FADT of the given length (116 = ACPI 1.0, 244 = 2.0+). */
static uint64_t place_fadt(uint32_t len, uint32_t pm_tmr_blk, uint8_t pm_tmr_len, uint32_t flags,
			   uint8_t xspace, uint64_t xaddr)
{
	struct acpi_fadt f = {
		.sci_int = 9, .pm_tmr_blk = pm_tmr_blk, .pm_tmr_len = pm_tmr_len,
		.iapc_boot_arch = ACPI_BOOT_8042, .flags = flags,
		.reset_reg = { .space_id = ACPI_GAS_SYSTEM_IO, .address = 0xcf9 }, .reset_value = 6,
		.x_pm_tmr_blk = { .space_id = xspace, .bit_width = 32, .address = xaddr },
	};

	tbl_init("FACP", len >= 244 ? 3 : 1);
	memcpy(tb.b + 36, (uint8_t *)&f + 36, len - 36);
	tb.len = len;
	return tbl_place(false);
}

static uint64_t place_hpet(uint8_t space, uint64_t addr)
{
	tbl_init("HPET", 1);
	put("dbbbbqbwb", 0x8086a201, space, 64, 0, 0, addr, 0, 0x80, 0);
	return tbl_place(false);
}

static uint64_t place_root(const char *sig, int n, const uint64_t *entries)
{
	bool x = sig[0] == 'X';

	tbl_init(sig, 1);
	for (int i = 0; i < n; i++)
		x ? put("q", entries[i]) : put("d", (uint32_t)entries[i]);
	return tbl_place(x); /* the XSDT lives above 4 GiB */
}

static void make_rsdp(struct acpi_rsdp_v2 *r, uint8_t rev, uint64_t rsdt, uint64_t xsdt)
{
	*r = (struct acpi_rsdp_v2){ .v1 = { .revision = rev, .rsdt_address = (uint32_t)rsdt },
				    .length = sizeof(*r), .xsdt_address = xsdt };
	memcpy(r->v1.signature, ACPI_RSDP_SIG, 8);
	r->v1.checksum = (uint8_t)-acpi_checksum(r, sizeof(r->v1));
	r->extended_checksum = (uint8_t)-acpi_checksum(r, sizeof(*r));
}

/* Parse from an exact-size heap copy of the RSDP. */
static int parse(const void *rsdp, size_t len)
{
	void *copy = memcpy(malloc(len ? len : 1), rsdp, len);
	int ret;

	ret = acpi_parse_rsdp(copy, len, test_map, &info);
	free(copy);
	unmap_all();
	return ret;
}

/* Build an RSDP (len 20: v1 copy, 36: v2 copy) and parse from it. */
static int parse_from(uint8_t rev, uint64_t rsdt, uint64_t xsdt, size_t len)
{
	struct acpi_rsdp_v2 r;

	make_rsdp(&r, rev, rsdt, xsdt);
	return parse(&r, len);
}
#define parse_rsdt(n, t) parse_from(0, place_root("RSDT", n, t), 0, 20)

/* Place the table in tb (with length field len) and parse it as the only table. */
#define parse_tb_len(len) ({ uint64_t __t = tbl_place_len(false, len); parse_rsdt(1, &__t); })
#define parse_tb() parse_tb_len(tb.len)

/* Start a MADT holding CPU 0. */
#define madt_one_cpu() (madt_init(3, 0xfee00000, 0), madt_lapic(0, 0, 1))

/* Place a minimal valid MADT with CPUs 0 and 1. */
#define place_small_madt() (madt_one_cpu(), madt_lapic(1, 1, 1), tbl_place(false))

/* Return value, warnings printed, CPUs kept. */
#define EXPECT(call, ret, nwarn, ncpu) \
	do { CHECK_EQ(call, ret); CHECK_EQ(info.warnings, nwarn); CHECK_EQ(info.ncpus, ncpu); } while (0)
#define CHECK_CPU(i, id, uid_, x2, en)                                                     \
	CHECK(info.cpus[i].apic_id == (id) && info.cpus[i].uid == (uid_) &&                \
	      info.cpus[i].x2apic == (x2) && info.cpus[i].enabled == (en))

/* ---- tests ---- */

TEST(qemu_like)
{
	uint64_t t[4];

	fw_reset();
	t[0] = place_fadt(116, 0x608, 4, 0, 0, 0);
	madt_init(1, 0xfee00000, ACPI_MADT_PCAT_COMPAT);
	for (int i = 0; i < 4; i++)
		madt_lapic(i, i, ACPI_MADT_ENABLED);
	madt_ioapic(0, 0xfec00000, 0);
	madt_iso(0, 0, 2, 0);
	madt_iso(0, 9, 9, ACPI_MPS_POLARITY_HIGH | ACPI_MPS_TRIGGER_LEVEL);
	madt_nmi(0xff, 0, 1);
	t[1] = tbl_place(false);
	t[2] = place_hpet(ACPI_GAS_SYSTEM_MEMORY, 0xfed00000);
	tbl_init("WAET", 1); /* a table we do not use */
	t[3] = tbl_place(false);

	EXPECT(parse_rsdt(4, t), 0, 0, 4);
	CHECK(info.rsdp_revision == 0 && !info.used_xsdt && info.cpus_ignored == 0);
	CHECK(info.lapic_phys == 0xfee00000 && info.pcat_compat);
	for (unsigned i = 0; i < 4; i++)
		CHECK_CPU(i, i, i, false, true);
	CHECK(info.nioapics == 1 && info.ioapics[0].phys == 0xfec00000 && info.nisos == 2);
	CHECK(info.isos[0].bus_irq == 0 && info.isos[0].gsi == 2 && info.isos[0].flags == 0);
	CHECK(info.isos[1].bus_irq == 9 && info.isos[1].gsi == 9 && info.isos[1].flags == 0xd);
	CHECK(info.nnmis == 1 && info.nmis[0].uid == ACPI_UID_ALL_CPUS && info.nmis[0].lint == 1);
	CHECK(info.has_fadt && !info.hw_reduced && info.sci_irq == 9 && !info.pm_tmr_32bit &&
	      info.pm_tmr_port == 0x608 && !info.x_pm_tmr_blk); /* 116 bytes: no X_ fields */
	CHECK(info.hpet_phys == 0xfed00000 && info.hpet_min_tick == 0x80);
}

TEST(v2_xsdt)
{
	uint64_t low_madt, high[3], rsdt, xsdt;

	fw_reset();
	low_madt = place_small_madt();
	madt_init(4, 0xfee00000, 0);
	for (int i = 0; i < 3; i++)
		madt_lapic(i, 2 * i, ACPI_MADT_ENABLED);
	high[0] = tbl_place(true); /* above 4 GiB: only the XSDT can point here */
	high[1] = place_fadt(244, 0x608, 4, ACPI_FADT_TMR_VAL_EXT | ACPI_FADT_RESET_REG_SUP,
			     ACPI_GAS_SYSTEM_IO, 0xb008);
	high[2] = 0; /* null entries are skipped */
	rsdt = place_root("RSDT", 1, &low_madt), xsdt = place_root("XSDT", 3, high);

	EXPECT(parse_from(2, rsdt, xsdt, 36), 0, 0, 3);
	CHECK(info.rsdp_revision == 2 && info.used_xsdt && info.cpus[2].apic_id == 4);
	CHECK(info.pm_tmr_blk == 0x608 && info.x_pm_tmr_blk == 0xb008 &&
	      info.x_pm_tmr_space == ACPI_GAS_SYSTEM_IO);
	CHECK_EQ(info.pm_tmr_port, 0xb008); /* X_PM_TMR_BLK wins */
	CHECK(info.pm_tmr_32bit && info.has_reset_reg && info.reset_reg.address == 0xcf9);
	CHECK(info.reset_value == 6 && info.iapc_boot_arch == ACPI_BOOT_8042 && !info.hpet_phys);
	CHECK_EQ(info.fadt_revision, 3); /* i8042.c trusts iapc_boot_arch from 2 on */

	/* The same RSDP handed over as a 20-byte copy is used as v1: RSDT. */
	EXPECT(parse_from(2, rsdt, xsdt, 20), 0, 0, 2);
	CHECK(!info.used_xsdt && !info.has_fadt);
	EXPECT(parse_from(2, rsdt, 0, 36), 0, 0, 2); /* revision 2, no XSDT: RSDT */

	/* A bad XSDT falls back to the RSDT: bad checksum, or wrong signature. */
	xsdt = place_root("XSDT", 1, &low_madt);
	fw_ptr(xsdt, 36)[20] ^= 0x55;
	EXPECT(parse_from(2, rsdt, xsdt, 36), 0, 2, 2); /* the error, the fallback */
	CHECK(!info.used_xsdt);
	EXPECT(parse_from(2, rsdt, rsdt, 36), 0, 2, 2);
	EXPECT(parse_from(2, 0, xsdt, 36), -ENOENT, 3, 0); /* and no RSDT */
}

TEST(many_and_disabled_cpus)
{
	fw_reset();
	madt_init(3, 0xfee00000, 0);
	CHECK_EQ(ACPI_MAX_CPUS, 256);
	/* More than 64 (the old limit): all kept, no warning. */
	for (int i = 0; i < 100; i++)
		madt_lapic(i, i, ACPI_MADT_ENABLED);
	madt_lapic(100, 100, 0); /* disabled: not counted at all */
	EXPECT(parse_tb(), 0, 0, 100);
	CHECK(info.cpus_ignored == 0 && info.cpus[64].apic_id == 64 && info.cpus[99].apic_id == 99);

	/* More than the limit: 255 xAPIC entries (ids 0..254) and 45 x2APIC
	 * ones (ids 255..299, as firmware lists CPUs an 8-bit id cannot
	 * name).  The first 256 are kept, the rest ignored with one warning. */
	madt_init(3, 0xfee00000, 0);
	for (int i = 0; i < 255; i++)
		madt_lapic(i, i, ACPI_MADT_ENABLED);
	for (int i = 255; i < 300; i++)
		madt_x2apic(i, ACPI_MADT_ENABLED, i);
	EXPECT(parse_tb(), 0, 1, ACPI_MAX_CPUS); /* one warning line, not 44 */
	CHECK_EQ(info.cpus_ignored, 44);
	CHECK_CPU(0, 0, 0, false, true);
	CHECK_CPU(254, 254, 254, false, true);
	CHECK_CPU(255, 255, 255, true, true); /* the first x2APIC entry */

	for (int rev = 3; rev <= 5; rev += 2) {
		madt_init(rev, 0xfee00000, 0);
		madt_lapic(0, 0, ACPI_MADT_ENABLED);
		madt_lapic(1, 1, 0);
		madt_lapic(2, 2, ACPI_MADT_ONLINE_CAPABLE);
		madt_lapic(3, 3, ACPI_MADT_ENABLED | ACPI_MADT_ONLINE_CAPABLE);
		madt_x2apic(300, 0, 7);
		madt_x2apic(301, ACPI_MADT_ONLINE_CAPABLE, 8);
		if (rev == 3) { /* online-capable is a reserved bit before MADT revision 5 */
			EXPECT(parse_tb(), 0, 0, 2);
			CHECK_CPU(0, 0, 0, false, true);
			CHECK_CPU(1, 3, 3, false, true);
		} else {
			EXPECT(parse_tb(), 0, 0, 4);
			CHECK_CPU(1, 2, 2, false, false);
			CHECK_CPU(2, 3, 3, false, true);
			CHECK_CPU(3, 301, 8, true, false);
		}
	}
}

TEST(madt_entries)
{
	fw_reset();
	madt_init(4, 0xfee00000, 0);
	madt_x2apic(1, ACPI_MADT_ENABLED, 101); /* duplicate of a later legacy entry */
	madt_lapic(0, 0, ACPI_MADT_ENABLED);
	madt_lapic(1, 1, ACPI_MADT_ENABLED);
	madt_x2apic(0, ACPI_MADT_ENABLED, 100); /* duplicate */
	madt_x2apic(300, ACPI_MADT_ENABLED, 2);
	madt_x2apic(301, 0, 3);                        /* disabled */
	madt_x2apic(0x1000, ACPI_MADT_ENABLED, 4);
	madt_x2apic(0xffffffff, ACPI_MADT_ENABLED, 5); /* broadcast id: warned */
	madt_x2nmi(ACPI_UID_ALL_CPUS, ACPI_MPS_POLARITY_HIGH | ACPI_MPS_TRIGGER_EDGE, 1);
	EXPECT(parse_tb(), 0, 1, 4);
	CHECK_CPU(0, 0, 0, false, true);
	CHECK_CPU(1, 1, 1, false, true);
	CHECK_CPU(2, 300, 2, true, true);
	CHECK_CPU(3, 0x1000, 4, true, true);
	CHECK(info.nnmis == 1 && info.nmis[0].uid == ~0u && info.nmis[0].flags == 5 && info.nmis[0].lint);

	madt_init(3, 0xfee00000, 0);
	madt_lapic(0, 0, ACPI_MADT_ENABLED);
	madt_lapic(1, 0, ACPI_MADT_ENABLED);    /* same APIC id: warned */
	madt_lapic(2, 0xff, ACPI_MADT_ENABLED); /* broadcast: warned */
	madt_lapic(3, 0xff, 0);                 /* disabled: silently skipped */
	EXPECT(parse_tb(), 0, 2, 1);

	madt_init(3, 0xfee00000, 0);
	madt_override(0x1fee00000ull); /* anywhere in the table */
	madt_lapic(0, 0, 1);
	madt_lapic(1, 1, 1);
	EXPECT(parse_tb(), 0, 0, 2);
	CHECK_EQ(info.lapic_phys, 0x1fee00000ull);

	/* One too many of each fixed-size table, and a non-ISA override. */
	madt_one_cpu();
	for (int i = 0; i < ACPI_MAX_IOAPICS + 1; i++)
		madt_ioapic(i, 0xfec00000 + 0x1000 * i, 24 * i);
	for (int i = 0; i < ACPI_MAX_ISOS + 1; i++)
		madt_iso(0, i, i + 100, 0);
	madt_iso(1, 3, 3, 0);
	for (int i = 0; i < ACPI_MAX_NMIS + 1; i++)
		madt_nmi(i, 0, 1);
	EXPECT(parse_tb(), 0, 4, 1);
	CHECK(info.nioapics == ACPI_MAX_IOAPICS && info.ioapics[7].gsi_base == 24 * 7);
	CHECK(info.nisos == ACPI_MAX_ISOS && info.isos[15].gsi == 115);
	CHECK(info.nnmis == ACPI_MAX_NMIS && info.nmis[3].uid == 3);
}

TEST(bad_rsdp)
{
	uint64_t madt;
	struct acpi_rsdp_v2 r, bad;

	fw_reset();
	madt = place_small_madt();
	make_rsdp(&r, 2, place_root("RSDT", 1, &madt), 0);
	EXPECT(parse(&r, sizeof(r)), 0, 0, 2);
	bad = r;
	bad.v1.checksum ^= 1;
	EXPECT(parse(&bad, sizeof(bad)), -EINVAL, 1, 0);
	EXPECT(parse(&bad, sizeof(bad.v1)), -EINVAL, 1, 0);
	bad = r;
	bad.v1.signature[7] = '!';
	EXPECT(parse(&bad, sizeof(bad)), -EINVAL, 1, 0);
	EXPECT(parse(&r, sizeof(r.v1) - 1), -EINVAL, 1, 0);
	CHECK_EQ(acpi_parse_rsdp(NULL, 36, test_map, &info), -EINVAL);
	bad = r;
	bad.extended_checksum ^= 1;
	EXPECT(parse(&bad, sizeof(bad)), -EINVAL, 1, 0);
	bad = r; /* length beyond the copy we were given (checksum kept right) */
	bad.length = 100;
	bad.extended_checksum -= 64;
	EXPECT(parse(&bad, sizeof(bad)), -EINVAL, 1, 0);
	bad = r; /* length too small for a v2 RSDP */
	bad.length = 20;
	bad.extended_checksum += 16;
	EXPECT(parse(&bad, sizeof(bad)), -EINVAL, 1, 0);
}

TEST(bad_tables)
{
	uint64_t t[4], phys;

	fw_reset();
	t[0] = place_small_madt();
	fw_ptr(t[0], 36)[12] ^= 1; /* corrupt the first MADT */
	t[1] = place_fadt(116, 0x608, 4, 0, 0, 0);
	EXPECT(parse_rsdt(2, t), -ENOENT, 2, 0); /* bad checksum, no MADT */
	CHECK(info.has_fadt && info.pm_tmr_port == 0x608); /* the rest is still reported */

	madt_init(3, 0xfee00000, 0); /* a good MADT later in the list is used */
	madt_lapic(0, 7, ACPI_MADT_ENABLED);
	t[2] = tbl_place(false);
	EXPECT(parse_rsdt(3, t), 0, 1, 1);
	CHECK_EQ(info.cpus[0].apic_id, 7);

	fw_reset(); /* a bad FADT is skipped, the MADT still parsed */
	t[0] = place_fadt(116, 0x608, 4, 0, 0, 0);
	fw_ptr(t[0], 116)[100] ^= 0x80;
	t[1] = place_small_madt();
	EXPECT(parse_rsdt(2, t), 0, 1, 2);
	CHECK(!info.has_fadt && info.pm_tmr_port == 0);

	t[1] = place_root("RSDT", 2, t); /* a bad RSDT: nothing found */
	fw_ptr(t[1], 40)[36] ^= 1;
	EXPECT(parse_from(0, t[1], 0, 20), -ENOENT, 2, 0);
	EXPECT(parse_rsdt(0, NULL), -ENOENT, 1, 0); /* an empty RSDT */

	fw_reset();
	madt_one_cpu(); /* zero-length entry: stop, keep what came before */
	madt_lapic(1, 1, 1);
	put("bbbbd", 0, 0, 0, 0, 1);
	madt_lapic(2, 2, 1);
	EXPECT(parse_tb(), 0, 1, 2);

	madt_one_cpu(); /* length 1 */
	put("bbw", 1, 1, 0);
	madt_lapic(2, 2, 1);
	EXPECT(parse_tb(), 0, 1, 1);

	madt_one_cpu(); /* last entry runs one byte past the table end */
	madt_x2apic(500, 1, 9);
	EXPECT(parse_tb_len(tb.len - 1), 0, 1, 1);

	madt_one_cpu(); /* one stray byte at the end */
	put("b", 0);
	EXPECT(parse_tb(), 0, 1, 1);

	/* Known types that are too short are skipped; the walk goes on. */
	madt_init(3, 0xfee00000, 0);
	put("bbbb", 0, 4, 0, 0);     /* lapic, 4 < 8 */
	put("bbbbw", 1, 6, 0, 0, 0); /* ioapic, 6 < 12 */
	put("bbwd", 9, 8, 0, 77);    /* x2apic, 8 < 16 */
	put("bbw", 5, 4, 0);         /* override, 4 < 12 */
	put("bbb", 0x7f, 3, 0);      /* unknown type: fine */
	madt_lapic(5, 5, 1);
	put("bbbbdd", 0, 12, 6, 6, 1, 0); /* longer than we know: fine */
	EXPECT(parse_tb(), 0, 4, 2);
	CHECK(info.cpus[0].apic_id == 5 && info.cpus[1].apic_id == 6);
	CHECK(info.nioapics == 0 && info.lapic_phys == 0xfee00000);

	madt_init(3, 0xfee00000, 0); /* shorter than its own fixed part: not a MADT */
	EXPECT(parse_tb_len(40), -ENOENT, 2, 0);
	madt_init(3, 0xfee00000, 0); /* empty: valid, no CPUs (the kernel will notice) */
	EXPECT(parse_tb(), 0, 0, 0);

	/* SDT length < header, absurdly large, or past the end of memory; an
	 * entry pointing to nothing. */
	fw_reset();
	madt_one_cpu();
	t[0] = tbl_place_len(false, 20);
	t[1] = tbl_place_len(false, 0xfffffff0);
	t[2] = tbl_place_len(false, 2 * REGION_SIZE);
	t[3] = 0xdead0000;
	EXPECT(parse_rsdt(4, t), -ENOENT, 4 + 1, 0);
	EXPECT(parse_from(0, 0xdead0000, 0, 20), -ENOENT, 2, 0); /* RSDT unmappable */
	EXPECT(parse_from(0, 0, 0, 20), -ENOENT, 2, 0);          /* no RSDT */

	/* RSDT length field (10) less than its header, checksum right for 10 bytes. */
	tbl_init("RSDT", 1);
	put("d", (uint32_t)t[0]);
	EXPECT(parse_from(0, tbl_place_len(false, 10), 0, 20), -ENOENT, 2, 0);

	/* An RSDT whose length is not a multiple of 4: the extra bytes are ignored. */
	phys = place_small_madt();
	tbl_init("RSDT", 1);
	put("dbbb", (uint32_t)phys, 0xee, 0xee, 0xee);
	EXPECT(parse_from(0, tbl_place(false), 0, 20), 0, 0, 2);
}

TEST(fadt_and_hpet_variants)
{
	uint64_t t[6];

	fw_reset();
	t[0] = place_small_madt();
	t[1] = place_fadt(116, 0x608, 0, 0, 0, 0); /* PM_TMR_LEN 0: port not trusted */
	EXPECT(parse_rsdt(2, t), 0, 1, 2);
	CHECK(info.has_fadt && info.pm_tmr_blk == 0x608 && info.pm_tmr_port == 0);

	t[1] = place_fadt(244, 0, 0, ACPI_FADT_HW_REDUCED, 0, 0); /* no PM timer, no warning */
	EXPECT(parse_rsdt(2, t), 0, 0, 2);
	CHECK(info.hw_reduced && info.pm_tmr_port == 0);

	/* X_PM_TMR_BLK in memory space: fall back to the legacy port. */
	t[1] = place_fadt(244, 0x408, 4, 0, ACPI_GAS_SYSTEM_MEMORY, 0xfed80000);
	EXPECT(parse_rsdt(2, t), 0, 0, 2);
	CHECK(info.x_pm_tmr_space == ACPI_GAS_SYSTEM_MEMORY && info.pm_tmr_port == 0x408);

	/* An ACPI 2.0 FADT cut short in the middle of the X_ fields. */
	t[1] = place_fadt(200, 0x608, 4, ACPI_FADT_RESET_REG_SUP, ACPI_GAS_SYSTEM_IO, 0xb008);
	EXPECT(parse_rsdt(2, t), 0, 0, 2);
	CHECK(info.x_pm_tmr_blk == 0 && info.pm_tmr_port == 0x608 && info.has_reset_reg);

	/* Too short to be a FADT, an HPET not memory-mapped, a short HPET,
	 * then two good ones: the first valid one wins. */
	t[0] = place_fadt(100, 0x608, 4, 0, 0, 0);
	t[1] = place_hpet(ACPI_GAS_SYSTEM_IO, 0x1234);
	tbl_init("HPET", 1);
	t[2] = tbl_place(false);
	t[3] = place_hpet(ACPI_GAS_SYSTEM_MEMORY, 0xfed00000);
	t[4] = place_hpet(ACPI_GAS_SYSTEM_MEMORY, 0xfed01000);
	t[5] = place_small_madt();
	EXPECT(parse_rsdt(6, t), 0, 3, 2);
	CHECK(!info.has_fadt && info.hpet_phys == 0xfed00000);
}

/* ---- \_S5 in AML, and the FADT/DSDT fields power_off() uses ---- */

/* acpi_find_s5 on an exact-size heap copy (ASan catches any overread). */
static int find_s5(const uint8_t *aml, size_t len, uint8_t *a, uint8_t *b)
{
	uint8_t *copy = malloc(len ? len : 1);
	int ret;

	if (len)
		memcpy(copy, aml, len);
	*a = *b = 0xee;
	ret = acpi_find_s5(aml ? copy : NULL, len, a, b);
	free(copy);
	return ret;
}
#define S5(...) ((const uint8_t[]){__VA_ARGS__}), sizeof((const uint8_t[]){__VA_ARGS__})
#define ARR(x)	x, sizeof(x)
#define NAME_S5 0x08, '_', 'S', '5', '_'
#define CHECK_S5(aml_len, ret, ea, eb)                                                                                 \
	do {                                                                                                           \
		uint8_t s5a, s5b;                                                                                      \
		CHECK_EQ(find_s5(aml_len, &s5a, &s5b), ret);                                                           \
		if ((ret) == 0)                                                                                        \
			CHECK(s5a == (ea) && s5b == (eb));                                                             \
	} while (0)

/* QEMU's DSDT: Name (_S5, Package (0x04) { Zero, Zero, Zero, Zero }) inside
 * a scope, after an \_S3 and a method whose name contains "_S5_". */
static const uint8_t qemu_s5[] = {
    0x10, 0x20, '\\',	 '_',  'S',  'B',  '_',		     /* Scope (\_SB) { ... */
    0x14, 0x08, 'X',	 '_',  'S',  '5',  0x00, 0xa4, 0x00, /* Method (X_S5) { Return (0) } */
    0x08, '_',	'S',	 '3',  '_',  0x12, 0x06, 0x04, 0x01, 0x01,
    0x00, 0x00, NAME_S5, 0x12, 0x06, 0x04, 0x00, 0x00, 0x00, 0x00,
};

TEST(find_s5_forms)
{
	uint8_t a, b;

	CHECK_S5(ARR(qemu_s5), 0, 0, 0);
	CHECK_S5(S5(NAME_S5, 0x12, 0x08, 0x04, 0x0a, 0x05, 0x0a, 0x06, 0x00, 0x00), 0, 5, 6);	 /* BytePrefix */
	CHECK_S5(S5(0x08, '\\', '_', 'S', '5', '_', 0x12, 0x04, 0x02, 0x07, 0x01), 0, 7, 1);	 /* \_S5, raw 7 */
	CHECK_S5(S5(NAME_S5, 0x12, 0x05, 0x02, 0x01, 0x0a, 0x03), 0, 1, 3);			 /* OneOp */
	CHECK_S5(S5(NAME_S5, 0x12, 0x0a, 0x02, 0x0b, 0x05, 0x00, 0x0c, 0x02, 0, 0, 0), 0, 5, 2); /* Word, DWord */
	CHECK_S5(S5(NAME_S5, 0x12, 0x05, 0x01, 0x0b, 0x05, 0x07), 0, 5, 7);	  /* one element: a | b << 8 */
	CHECK_S5(S5(NAME_S5, 0x12, 0x40, 0x00, 0x02, 0x05, 0x06), -EINVAL, 0, 0); /* 2-byte PkgLength of 0 */
	CHECK_S5(S5(NAME_S5, 0x12, 0x45, 0x00, 0x02, 0x05, 0x06), 0, 5, 6);	  /* 2-byte PkgLength 5 */
	CHECK_S5(S5(NAME_S5, 0x12, 0x56, 0x00, 0x02, 0x05, 0x06), -EINVAL, 0, 0); /* reserved bits set */

	/* "_S5_" that is not Name(_S5, Package): skipped, the real one found. */
	CHECK_S5(S5('A', '_', 'S', '5', '_', 0x12, 0x04, 0x02, 0x03, 0x03, /* inside a longer name */
		    0x14, '_', 'S', '5', '_', 0x12,			   /* not after NameOp */
		    NAME_S5, 0x0a, 0x05,				   /* Name(_S5, 5): no package */
		    NAME_S5, 0x12, 0x04, 0x02, 0x05, 0x05),
		 0, 5, 5);
	CHECK_S5(S5('_', 'S', '5', '_', 0x12, 0x04, 0x02, 0x03, 0x03), -ENOENT, 0, 0); /* nothing before it */
	CHECK_S5(S5(0x08, '_', 'S', '3', '_', 0x12, 0x04, 0x02, 0x01, 0x01), -ENOENT, 0, 0);
	CHECK_EQ(find_s5(NULL, 0, &a, &b), -ENOENT);

	/* Packages that do not hold two sleep types. */
	CHECK_S5(S5(NAME_S5, 0x12, 0x02, 0x00), -EINVAL, 0, 0);				  /* no elements */
	CHECK_S5(S5(NAME_S5, 0x12, 0x06, 0x02, 0x0a, 0x08, 0x00, 0x00), -EINVAL, 0, 0);	  /* 8 > 3 bits */
	CHECK_S5(S5(NAME_S5, 0x12, 0x07, 0x02, 'F', 'O', 'O', '_', 0x00), -EINVAL, 0, 0); /* a name */
	CHECK_S5(S5(NAME_S5, 0x12, 0x03, 0x02, 0x05, 0x05), -EINVAL, 0, 0); /* second element outside the package */
	CHECK_S5(S5(NAME_S5, 0x12, 0x09, 0x02, 0x05, 0x05), -EINVAL, 0, 0); /* package longer than the buffer */
	CHECK_S5(S5(NAME_S5, 0x12, 0x05, 0x02, 0x0a, 0x05, 0x0a), -EINVAL, 0, 0); /* BytePrefix, no byte */
}

/* Every truncation of QEMU's AML: never a read past the end, never a wrong answer. */
TEST(find_s5_truncated)
{
	size_t s5_at = sizeof(qemu_s5) - 12; /* offset of NameOp _S5_ */
	uint8_t a, b;

	for (size_t len = 0; len < sizeof(qemu_s5); len++) {
		int ret = find_s5(qemu_s5, len, &a, &b);

		CHECK_EQ(ret, len <= s5_at + 5 ? -ENOENT : -EINVAL);
	}
	for (size_t start = 0; start <= s5_at + 1; start++) /* and every tail */
		CHECK_EQ(find_s5(qemu_s5 + start, sizeof(qemu_s5) - start, &a, &b), start <= s5_at ? 0 : -ENOENT);
}

/* A DSDT holding aml, at a low or high address. */
static uint64_t place_dsdt(const uint8_t *aml, size_t n, bool high)
{
	tbl_init("DSDT", 2);
	memcpy(tb.b + tb.len, aml, n);
	tb.len += n;
	return tbl_place(high);
}

/* A FADT with the power-off fields set (dsdt32 and PM1a/b as 32-bit ports,
 * optionally X_DSDT and an X_PM1a_CNT_BLK). */
static uint64_t place_fadt_power(uint32_t len, uint64_t dsdt32, uint64_t x_dsdt, uint8_t xspace, uint64_t xaddr)
{
	struct acpi_fadt f = {
	    .dsdt = (uint32_t)dsdt32,
	    .smi_cmd = 0xb2,
	    .acpi_enable = 0xf1,
	    .pm1a_cnt_blk = 0x604,
	    .pm1b_cnt_blk = 0,
	    .pm_tmr_blk = 0x608,
	    .pm_tmr_len = 4,
	    .century = 0x32,
	    .x_dsdt = x_dsdt,
	    .x_pm1a_cnt_blk = {.space_id = xspace, .bit_width = 16, .address = xaddr},
	    .x_pm1b_cnt_blk = {.space_id = ACPI_GAS_SYSTEM_IO, .bit_width = 16, .address = 0},
	};

	tbl_init("FACP", len >= 244 ? 3 : 1);
	memcpy(tb.b + 36, (uint8_t *)&f + 36, len - 36);
	tb.len = len;
	return tbl_place(false);
}

TEST(fadt_power_and_dsdt)
{
	static const uint8_t s5_35[] = {NAME_S5, 0x12, 0x08, 0x04, 0x0a, 0x03, 0x0a, 0x05, 0x00, 0x00};
	static const uint8_t no_s5[] = {0x08, '_', 'S', '3', '_', 0x12, 0x04, 0x02, 0x01, 0x01};
	uint64_t t[2], dsdt, dsdt_high;

	fw_reset();
	t[0] = place_small_madt();
	dsdt = place_dsdt(qemu_s5, sizeof(qemu_s5), false);
	t[1] = place_fadt_power(116, dsdt, 0, 0, 0); /* ACPI 1.0, as QEMU's pc machine */
	EXPECT(parse_rsdt(2, t), 0, 0, 2);
	CHECK(info.pm1a_cnt_port == 0x604 && info.pm1b_cnt_port == 0 && info.dsdt_phys == dsdt);
	CHECK(info.smi_cmd == 0xb2 && info.acpi_enable_value == 0xf1 && info.century_reg == 0x32);
	CHECK(info.has_s5 && info.s5_slp_typa == 0 && info.s5_slp_typb == 0);

	/* ACPI 2.0+: X_DSDT (above 4 GiB) and X_PM1a_CNT_BLK win over the 32-bit fields. */
	dsdt_high = place_dsdt(s5_35, sizeof(s5_35), true);
	t[1] = place_fadt_power(244, dsdt, dsdt_high, ACPI_GAS_SYSTEM_IO, 0xb004);
	EXPECT(parse_rsdt(2, t), 0, 0, 2);
	CHECK(info.pm1a_cnt_port == 0xb004 && info.dsdt_phys == dsdt_high);
	CHECK(info.has_s5 && info.s5_slp_typa == 3 && info.s5_slp_typb == 5);

	/* X_PM1a in memory space: warned, the I/O port used; X_DSDT 0: DSDT used. */
	t[1] = place_fadt_power(244, dsdt, 0, ACPI_GAS_SYSTEM_MEMORY, 0xfed80000);
	EXPECT(parse_rsdt(2, t), 0, 1, 2);
	CHECK(info.pm1a_cnt_port == 0x604 && info.dsdt_phys == dsdt && info.has_s5);

	/* A FADT ending inside X_PM1a_CNT_BLK: that field is not used. */
	t[1] = place_fadt_power(180, dsdt, dsdt_high, ACPI_GAS_SYSTEM_IO, 0xb004);
	EXPECT(parse_rsdt(2, t), 0, 0, 2);
	CHECK(info.pm1a_cnt_port == 0x604 && info.dsdt_phys == dsdt_high && info.s5_slp_typa == 3);

	/* A DSDT with a bad checksum is still searched (one warning). */
	fw_ptr(dsdt, 40)[37] ^= 0x40;
	t[1] = place_fadt_power(116, dsdt, 0, 0, 0);
	EXPECT(parse_rsdt(2, t), 0, 1, 2);
	CHECK(info.has_s5 && info.s5_slp_typa == 0);

	/* No _S5, a DSDT pointer to another table, to nothing: warned, no S5. */
	t[1] = place_fadt_power(116, place_dsdt(no_s5, sizeof(no_s5), false), 0, 0, 0);
	EXPECT(parse_rsdt(2, t), 0, 1, 2);
	CHECK(!info.has_s5 && info.pm1a_cnt_port == 0x604);
	t[1] = place_fadt_power(116, t[0], 0, 0, 0);
	EXPECT(parse_rsdt(2, t), 0, 1, 2);
	CHECK(!info.has_s5);
	t[1] = place_fadt_power(116, 0xdead0000, 0, 0, 0);
	EXPECT(parse_rsdt(2, t), 0, 1, 2);
	CHECK(!info.has_s5);
}

static uint32_t rnd(void)
{
	static uint32_t state = 12345;

	state = state * 1103515245u + 12345u;
	return state >> 8;
}

/* Random corruption of a MADT's entries (checksum kept valid): the parser may
 * reject entries but must never read outside the mapping (ASan), overfill its
 * tables or keep an APIC id twice.  Warnings go to /dev/null meanwhile. */
TEST(fuzz_madt)
{
	static __typeof__(tb) orig;
	uint64_t madt, rsdt;
	int iter, saved_stdout, devnull;

	fw_reset();
	madt_init(5, 0xfee00000, 1);
	for (int i = 0; i < 70; i++) /* x2APIC ids 0, 350, 700, ...: some duplicates */
		i % 7 ? madt_lapic(i, i, i % 3 ? 1 : 2) : madt_x2apic(i * 50, 1, 100 + i);
	madt_ioapic(0, 0xfec00000, 0);
	madt_iso(0, 0, 2, 0);
	madt_nmi(0xff, 0, 1);
	madt_x2nmi(3, 0, 0);
	madt_override(0xfee00000);
	madt = tbl_place(false);
	orig = tb;
	rsdt = place_root("RSDT", 1, &madt);

	fflush(stdout);
	saved_stdout = dup(1);
	devnull = open("/dev/null", O_WRONLY);
	dup2(devnull, 1);
	for (iter = 0; iter < 20000; iter++) {
		uint8_t *m = fw_ptr(madt, orig.len);
		uint32_t len = orig.len, nflips = 1 + rnd() % 8;
		bool ok;

		memcpy(m, orig.b, orig.len);
		for (uint32_t k = 0; k < nflips; k++) /* random bytes, or plausible types/lengths */
			m[44 + rnd() % (orig.len - 44)] = rnd() & 1 ? (uint8_t)rnd() : rnd() % 20;
		if (rnd() % 4 == 0)
			len = 44 + rnd() % (orig.len - 44);
		memcpy(m + 4, &len, 4);
		fix_checksum(m, len);
		ok = parse_from(0, rsdt, 0, 20) == 0 && info.ncpus <= ACPI_MAX_CPUS &&
		     info.nioapics <= ACPI_MAX_IOAPICS && info.nisos <= ACPI_MAX_ISOS &&
		     info.nnmis <= ACPI_MAX_NMIS;
		for (unsigned i = 0; ok && i < info.ncpus; i++)
			for (unsigned j = 0; j < i; j++)
				ok &= info.cpus[i].apic_id != info.cpus[j].apic_id;
		if (!ok)
			break;
	}
	fflush(stdout);
	dup2(saved_stdout, 1);
	close(saved_stdout);
	close(devnull);
	CHECK_EQ(iter, 20000);
	printf("    # fuzz: %d corrupted MADTs parsed\n", iter);
}

/* Random bytes around Name(_S5, Package ...): any answer but an overread
 * (ASan) or an out-of-range sleep type. */
TEST(fuzz_s5)
{
	uint8_t buf[32], a, b;
	int iter, found = 0;

	for (iter = 0; iter < 100000; iter++) {
		size_t len = rnd() % sizeof(buf), at = len > 8 ? rnd() % (len - 8) : 0;

		for (size_t i = 0; i < len; i++)
			buf[i] = rnd() & 1 ? (uint8_t)rnd() : rnd() % 16;
		if (len > 8)
			memcpy(buf + at, (const uint8_t[]){NAME_S5, 0x12}, 6);
		int ret = find_s5(buf, len, &a, &b);
		if (ret != 0 && ret != -EINVAL && ret != -ENOENT)
			break;
		if (ret == 0 && (a > 7 || b > 7))
			break;
		found += ret == 0;
	}
	CHECK_EQ(iter, 100000);
	printf("    # fuzz: %d random AML buffers, %d with a decodable _S5\n", iter, found);
}

int main(void)
{
	RUN(qemu_like);
	RUN(v2_xsdt);
	RUN(many_and_disabled_cpus);
	RUN(madt_entries);
	RUN(bad_rsdp);
	RUN(bad_tables);
	RUN(fadt_and_hpet_variants);
	RUN(find_s5_forms);
	RUN(find_s5_truncated);
	RUN(fadt_power_and_dsdt);
	RUN(fuzz_madt);
	RUN(fuzz_s5);
	unmap_all();
	return check_done();
}
