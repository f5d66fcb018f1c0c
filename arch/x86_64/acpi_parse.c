/* acpi_parse.c - find and decode the ACPI tables the kernel needs (MADT for
 * CPUs and interrupt routing, FADT for the PM timer, HPET for its base).
 *
 * Pure parsing: no port or MMIO access, no allocation.  Physical addresses go
 * through the caller's map(phys, len), and nothing is read outside a range it
 * returned: every length taken from firmware is checked before use.  Firmware
 * tables are input, not trusted: a bad checksum skips the table, a broken MADT
 * entry stops the walk, and each problem is printed once and counted in
 * acpi_info.warnings.  Runs once on the boot CPU; no locking.
 *
 * Walk: RSDP -> XSDT (revision >= 2 and address != 0; on failure fall back
 * to the RSDT) or RSDT -> for each entry, peek at the 36-byte header and only
 * map, checksum and decode the whole table if its signature is one we use.
 * The first valid table of each kind wins.  Last, the DSDT named by the
 * FADT is mapped and scanned for the \_S5 package (sleep types for soft-off).
 */
#include "arch/x86_64/acpi_tables.h"
#include "kernel/printk.h"

#ifndef EINVAL
#include "kernel/errno.h"
#endif
#ifndef ENOENT
#define ENOENT 2
#endif

/* Bigger than any MADT/FADT/HPET/root table we expect (a 4096-CPU x2APIC
 * MADT is 64 KiB); a larger length is taken as corruption. */
#define ACPI_MAX_TABLE_LEN (1u << 20)

#define acpi_warn(out, ...)                 \
	do {                                \
		pr_warn(__VA_ARGS__);       \
		(out)->warnings++;          \
	} while (0)

struct acpi_walk {
	void *(*map)(uint64_t phys, size_t len);
	struct acpi_info *out;
	bool have_madt, have_fadt, have_hpet;
};

uint8_t acpi_checksum(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint8_t sum = 0;

	while (len--)
		sum += *b++;
	return sum;
}

static bool sig_eq(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (a[i] != b[i])
			return false;
	return true;
}

/* A printable, NUL-terminated copy of a 4-byte signature. */
static void sig_str(char dst[5], const char *sig)
{
	for (int i = 0; i < 4; i++)
		dst[i] = sig[i] >= 0x20 && sig[i] < 0x7f ? sig[i] : '?';
	dst[4] = '\0';
}

/*
 * Map the whole table at phys and validate its length and checksum.  The
 * length is read once, from the header mapping, and is the only one used
 * afterwards.  Returns NULL (after a warning) if the table is unusable.
 */
static const void *map_table(struct acpi_walk *w, uint64_t phys, const char *what, uint32_t *lenp, uint32_t max_len)
{
	const struct acpi_sdt_header *h = w->map(phys, sizeof(*h));
	const void *t;
	uint32_t len;
	char sig[5];

	if (!h) {
		acpi_warn(w->out, "acpi: %s at 0x%llx cannot be mapped, ignored\n", what,
			  (unsigned long long)phys);
		return NULL;
	}
	sig_str(sig, h->signature);
	len = h->length;
	if (len < sizeof(*h) || len > max_len) {
		acpi_warn(w->out, "acpi: %s at 0x%llx has a bad length %u, ignored\n", sig,
			  (unsigned long long)phys, len);
		return NULL;
	}
	t = w->map(phys, len);
	if (!t) {
		acpi_warn(w->out, "acpi: %s at 0x%llx (%u bytes) cannot be mapped, ignored\n", sig,
			  (unsigned long long)phys, len);
		return NULL;
	}
	if (acpi_checksum(t, len)) {
		acpi_warn(w->out, "acpi: %s at 0x%llx has a bad checksum, ignored\n", sig,
			  (unsigned long long)phys);
		return NULL;
	}
	*lenp = len;
	return t;
}

/* ---- MADT ---- */

/*
 * Step to the entry at *off, or return NULL at the end of the table or at a
 * malformed entry (warned about only if warn is set: the MADT is walked more
 * than once).
 */
static const struct acpi_madt_entry *madt_entry(const uint8_t *base, uint32_t len, uint32_t *off,
						bool warn, struct acpi_info *out)
{
	const struct acpi_madt_entry *e;

	if (*off >= len)
		return NULL;
	if (len - *off < sizeof(*e)) {
		if (warn)
			acpi_warn(out, "acpi: MADT: %u stray bytes at the end, ignored\n", len - *off);
		return NULL;
	}
	e = (const void *)(base + *off);
	if (e->length < sizeof(*e) || e->length > len - *off) {
		if (warn)
			acpi_warn(out, "acpi: MADT: entry type %u at offset %u has a bad length %u, "
				  "rest of the table ignored\n", e->type, *off, e->length);
		return NULL;
	}
	*off += e->length;
	return e;
}

/* Entries may be longer than we know (later ACPI revisions append fields)
 * but not shorter. */
static bool madt_entry_fits(const struct acpi_madt_entry *e, size_t need, struct acpi_info *out)
{
	if (e->length >= need)
		return true;
	acpi_warn(out, "acpi: MADT: entry type %u too short (%u < %u bytes), ignored\n", e->type,
		  e->length, (unsigned)need);
	return false;
}

/* Does the MADT hold a legacy (type 0) entry for this APIC id? */
static bool madt_has_lapic(const uint8_t *base, uint32_t len, uint32_t apic_id)
{
	const struct acpi_madt_entry *e;
	uint32_t off = sizeof(struct acpi_madt);

	while ((e = madt_entry(base, len, &off, false, NULL))) {
		const struct acpi_madt_lapic *l = (const void *)e;

		if (e->type == ACPI_MADT_LAPIC && e->length >= sizeof(*l) && l->apic_id == apic_id)
			return true;
	}
	return false;
}

static void add_cpu(struct acpi_info *out, uint32_t apic_id, uint32_t uid, uint32_t flags,
		    bool x2apic, bool online_capable_valid)
{
	bool enabled = flags & ACPI_MADT_ENABLED;
	struct acpi_cpu *c;

	if (!enabled && !(online_capable_valid && (flags & ACPI_MADT_ONLINE_CAPABLE)))
		return; /* not present */
	if (apic_id == (x2apic ? 0xffffffffu : 0xffu)) {
		acpi_warn(out, "acpi: MADT: CPU uid %u has the broadcast APIC id, ignored\n", uid);
		return;
	}
	for (unsigned i = 0; i < out->ncpus; i++) {
		if (out->cpus[i].apic_id == apic_id) {
			acpi_warn(out, "acpi: MADT: APIC id %u listed twice, ignored\n", apic_id);
			return;
		}
	}
	if (out->ncpus == ACPI_MAX_CPUS) {
		out->cpus_ignored++;
		return;
	}
	c = &out->cpus[out->ncpus++];
	c->apic_id = apic_id;
	c->uid = uid;
	c->x2apic = x2apic;
	c->enabled = enabled;
}

static void add_nmi(struct acpi_info *out, uint32_t uid, uint16_t flags, uint8_t lint)
{
	struct acpi_nmi *n;

	if (out->nnmis == ACPI_MAX_NMIS) {
		acpi_warn(out, "acpi: MADT: more than %d local APIC NMIs, ignored\n", ACPI_MAX_NMIS);
		return;
	}
	n = &out->nmis[out->nnmis++];
	n->uid = uid;
	n->flags = flags;
	n->lint = lint;
}

/* Everything except x2APIC processor entries (pass 1 of acpi_parse_madt). */
static void madt_entry_pass1(const struct acpi_madt_entry *e, bool oc_valid, struct acpi_info *out)
{
	switch (e->type) {
	case ACPI_MADT_LAPIC: {
		const struct acpi_madt_lapic *l = (const void *)e;

		if (madt_entry_fits(e, sizeof(*l), out))
			add_cpu(out, l->apic_id, l->uid, l->flags, false, oc_valid);
		break;
	}
	case ACPI_MADT_IOAPIC: {
		const struct acpi_madt_ioapic *io = (const void *)e;
		struct acpi_ioapic *d;

		if (!madt_entry_fits(e, sizeof(*io), out))
			break;
		if (out->nioapics == ACPI_MAX_IOAPICS) {
			acpi_warn(out, "acpi: MADT: more than %d IO APICs, id %u ignored\n",
				  ACPI_MAX_IOAPICS, io->id);
			break;
		}
		d = &out->ioapics[out->nioapics++];
		d->id = io->id;
		d->phys = io->address;
		d->gsi_base = io->gsi_base;
		break;
	}
	case ACPI_MADT_ISO: {
		const struct acpi_madt_iso *iso = (const void *)e;
		struct acpi_iso *d;

		if (!madt_entry_fits(e, sizeof(*iso), out))
			break;
		if (iso->bus != 0) {
			acpi_warn(out, "acpi: MADT: override for bus %u (not ISA), ignored\n", iso->bus);
			break;
		}
		if (out->nisos == ACPI_MAX_ISOS) {
			acpi_warn(out, "acpi: MADT: more than %d interrupt overrides, IRQ %u ignored\n",
				  ACPI_MAX_ISOS, iso->source);
			break;
		}
		d = &out->isos[out->nisos++];
		d->bus_irq = iso->source;
		d->gsi = iso->gsi;
		d->flags = iso->flags;
		break;
	}
	case ACPI_MADT_LAPIC_NMI: {
		const struct acpi_madt_lapic_nmi *n = (const void *)e;

		if (madt_entry_fits(e, sizeof(*n), out))
			add_nmi(out, n->uid == ACPI_UID_ALL_CPUS_LEGACY ? ACPI_UID_ALL_CPUS : n->uid,
				n->flags, n->lint);
		break;
	}
	case ACPI_MADT_LAPIC_OVERRIDE: {
		const struct acpi_madt_lapic_override *o = (const void *)e;

		if (madt_entry_fits(e, sizeof(*o), out))
			out->lapic_phys = o->address;
		break;
	}
	case ACPI_MADT_X2APIC_NMI: {
		const struct acpi_madt_x2apic_nmi *n = (const void *)e;

		if (madt_entry_fits(e, sizeof(*n), out))
			add_nmi(out, n->uid, n->flags, n->lint);
		break;
	}
	default:
		break; /* x2APIC CPUs in pass 2; other types (NMI sources, GIC, ...) unused */
	}
}

/*
 * Two passes so the result does not depend on entry order: pass 1 takes the
 * legacy CPUs and everything else, pass 2 the x2APIC CPUs, skipping those
 * whose id a legacy entry already describes (firmware often lists both).
 * The online-capable flag is only honoured in MADT revision >= 5, where it
 * was defined (Linux does the same); before that the bit is reserved.
 */
int acpi_parse_madt(const struct acpi_madt *madt, uint32_t len, struct acpi_info *out)
{
	const uint8_t *base = (const uint8_t *)madt;
	bool oc_valid = madt->header.revision >= 5;
	const struct acpi_madt_entry *e;
	uint32_t off;

	if (len < sizeof(*madt)) {
		acpi_warn(out, "acpi: MADT too short (%u bytes), ignored\n", len);
		return -EINVAL;
	}
	out->lapic_phys = madt->lapic_address;
	out->pcat_compat = madt->flags & ACPI_MADT_PCAT_COMPAT;

	off = sizeof(*madt);
	while ((e = madt_entry(base, len, &off, true, out)))
		madt_entry_pass1(e, oc_valid, out);

	off = sizeof(*madt);
	while ((e = madt_entry(base, len, &off, false, out))) {
		const struct acpi_madt_x2apic *x = (const void *)e;

		if (e->type != ACPI_MADT_X2APIC || !madt_entry_fits(e, sizeof(*x), out))
			continue;
		if (madt_has_lapic(base, len, x->x2apic_id))
			continue;
		add_cpu(out, x->x2apic_id, x->uid, x->flags, true, oc_valid);
	}

	if (out->cpus_ignored)
		acpi_warn(out, "acpi: %u CPUs beyond the %d supported are ignored\n",
			  out->cpus_ignored, ACPI_MAX_CPUS);
	return 0;
}

/* ---- FADT and HPET ---- */

/* Does a FADT of len bytes hold the whole field? (A table cut short in the
 * middle of a field must not yield half an address.) */
#define FADT_HAS(len, field) ((len) >= offsetof(struct acpi_fadt, field) + sizeof(((struct acpi_fadt *)0)->field))

/*
 * A PM1 control block port: the X_ GAS wins when the table holds it, it is
 * nonzero and an I/O port; else the 32-bit field.  A memory-space X_ block
 * is not supported (power_off() only does port I/O).
 */
static uint16_t pm1_cnt_port(const struct acpi_gas *x, bool have_x, uint32_t legacy, const char *name,
			     struct acpi_info *out)
{
	if (have_x && x->address) {
		if (x->space_id == ACPI_GAS_SYSTEM_IO && x->address <= 0xffff)
			return (uint16_t)x->address;
		acpi_warn(out, "acpi: FADT: X_%s_CNT_BLK 0x%llx in space %u not usable, using 0x%x\n", name,
			  (unsigned long long)x->address, x->space_id, legacy);
	}
	return legacy <= 0xffff ? (uint16_t)legacy : 0;
}

/* What power_off() and the RTC need: PM1 control ports, the way to switch
 * ACPI mode on, the DSDT, the CMOS century register. */
static void parse_fadt_power(const struct acpi_fadt *f, uint32_t len, struct acpi_info *out)
{
	out->century_reg = f->century;
	out->smi_cmd = f->smi_cmd <= 0xffff ? (uint16_t)f->smi_cmd : 0;
	out->acpi_enable_value = f->acpi_enable;
	out->pm1a_cnt_port =
	    pm1_cnt_port(&f->x_pm1a_cnt_blk, FADT_HAS(len, x_pm1a_cnt_blk), f->pm1a_cnt_blk, "PM1a", out);
	out->pm1b_cnt_port =
	    pm1_cnt_port(&f->x_pm1b_cnt_blk, FADT_HAS(len, x_pm1b_cnt_blk), f->pm1b_cnt_blk, "PM1b", out);
	out->dsdt_phys = FADT_HAS(len, x_dsdt) && f->x_dsdt ? f->x_dsdt : f->dsdt;
}

static bool parse_fadt(const void *table, uint32_t len, struct acpi_info *out)
{
	const uint8_t *src = table;
	uint8_t *dst;
	struct acpi_fadt f;

	if (len < ACPI_FADT_V1_LEN) {
		acpi_warn(out, "acpi: FADT too short (%u bytes), ignored\n", len);
		return false;
	}
	/* Work on a zeroed copy, so fields beyond the table's length read as 0
	 * (as ACPICA does with old, short FADTs). */
	__builtin_memset(&f, 0, sizeof(f));
	dst = (uint8_t *)&f;
	for (size_t i = 0; i < MIN((size_t)len, sizeof(f)); i++)
		dst[i] = src[i];

	out->has_fadt = true;
	out->fadt_revision = f.header.revision;
	out->hw_reduced = f.flags & ACPI_FADT_HW_REDUCED;
	out->sci_irq = f.sci_int;
	out->iapc_boot_arch = f.iapc_boot_arch;
	out->pm_tmr_blk = f.pm_tmr_blk;
	if (FADT_HAS(len, x_pm_tmr_blk)) {
		out->x_pm_tmr_blk = f.x_pm_tmr_blk.address;
		out->x_pm_tmr_space = f.x_pm_tmr_blk.space_id;
	}
	out->pm_tmr_32bit = f.flags & ACPI_FADT_TMR_VAL_EXT;
	parse_fadt_power(&f, len, out);
	if ((f.flags & ACPI_FADT_RESET_REG_SUP) && FADT_HAS(len, reset_value)) {
		out->has_reset_reg = true;
		out->reset_reg = f.reset_reg;
		out->reset_value = f.reset_value;
	}

	/* The PM timer port: X_PM_TMR_BLK wins when usable (an I/O port),
	 * else PM_TMR_BLK, which is only valid with PM_TMR_LEN == 4. */
	out->pm_tmr_port = 0;
	if (out->hw_reduced)
		return true;
	if (out->x_pm_tmr_blk && out->x_pm_tmr_space == ACPI_GAS_SYSTEM_IO && out->x_pm_tmr_blk <= 0xffff)
		out->pm_tmr_port = out->x_pm_tmr_blk;
	else if (f.pm_tmr_blk && f.pm_tmr_len == 4 && f.pm_tmr_blk <= 0xffff)
		out->pm_tmr_port = f.pm_tmr_blk;
	else if (f.pm_tmr_blk || out->x_pm_tmr_blk)
		acpi_warn(out, "acpi: FADT: unusable PM timer (port 0x%x len %u, X 0x%llx space %u)\n", f.pm_tmr_blk,
			  f.pm_tmr_len, (unsigned long long)out->x_pm_tmr_blk, out->x_pm_tmr_space);
	return true;
}

static bool parse_hpet(const struct acpi_hpet *h, uint32_t len, struct acpi_info *out)
{
	if (len < sizeof(*h)) {
		acpi_warn(out, "acpi: HPET table too short (%u bytes), ignored\n", len);
		return false;
	}
	if (h->base_address.space_id != ACPI_GAS_SYSTEM_MEMORY || !h->base_address.address) {
		acpi_warn(out, "acpi: HPET not memory-mapped (space %u), ignored\n",
			  h->base_address.space_id);
		return false;
	}
	out->hpet_phys = h->base_address.address;
	out->hpet_min_tick = h->min_tick;
	return true;
}

/* ---- DSDT: the \_S5 package ---- */

#define AML_ZERO_OP	  0x00
#define AML_ONE_OP	  0x01
#define AML_NAME_OP	  0x08
#define AML_BYTE_PREFIX	  0x0a
#define AML_WORD_PREFIX	  0x0b
#define AML_DWORD_PREFIX  0x0c
#define AML_PACKAGE_OP	  0x12
#define AML_ROOT_CHAR	  '\\'
#define ACPI_MAX_DSDT_LEN (16u << 20) /* DSDTs of a few hundred KiB exist */

/* Decode a PkgLength at p[0..avail): its value (counted from its own first
 * byte) and its encoded size, or 0 if truncated or malformed. */
static size_t aml_pkg_length(const uint8_t *p, size_t avail, size_t *value)
{
	size_t n = (p[0] >> 6) + 1;

	if (n > avail || (n > 1 && (p[0] & 0x30)))
		return 0;
	*value = n == 1 ? p[0] & 0x3f : p[0] & 0x0f;
	for (size_t i = 1; i < n; i++)
		*value |= (size_t)p[i] << (4 + 8 * (i - 1));
	return n;
}

/* Decode one small integer data object at p[0..avail): bytes used, or 0. */
static size_t aml_small_int(const uint8_t *p, size_t avail, uint32_t *v)
{
	size_t n;

	if (!avail)
		return 0;
	switch (p[0]) {
	case AML_ZERO_OP:
	case AML_ONE_OP:
		*v = p[0];
		return 1;
	case AML_BYTE_PREFIX:
		n = 1;
		break;
	case AML_WORD_PREFIX:
		n = 2;
		break;
	case AML_DWORD_PREFIX:
		n = 4;
		break;
	default:
		if (p[0] > 7)
			return 0; /* not an integer (a name, a method call, ...) */
		*v = p[0];	  /* a raw small value: invalid AML, but it is out there */
		return 1;
	}
	if (avail < n + 1)
		return 0;
	*v = 0;
	for (size_t i = 0; i < n; i++)
		*v |= (uint32_t)p[1 + i] << (8 * i);
	return n + 1;
}

/* Decode the package starting at its PkgLength byte p[0..avail). */
static int s5_package(const uint8_t *p, size_t avail, uint8_t *slp_typa, uint8_t *slp_typb)
{
	size_t pkg_len, off = aml_pkg_length(p, avail, &pkg_len), used;
	uint32_t a, b;

	if (!off || pkg_len > avail || pkg_len <= off)
		return -EINVAL;
	avail = pkg_len; /* read nothing past the package */
	if (p[off] == 0)
		return -EINVAL; /* NumElements */
	bool one = p[off++] == 1;
	used = aml_small_int(p + off, avail - off, &a);
	if (!used)
		return -EINVAL;
	off += used;
	if (one) {
		b = (a >> 8) & 0xff;
		a &= 0xff;
	} else if (!aml_small_int(p + off, avail - off, &b)) {
		return -EINVAL;
	}
	if (a > 7 || b > 7)
		return -EINVAL; /* SLP_TYP has 3 bits */
	*slp_typa = (uint8_t)a;
	*slp_typb = (uint8_t)b;
	return 0;
}

int acpi_find_s5(const uint8_t *aml, size_t len, uint8_t *slp_typa, uint8_t *slp_typb)
{
	for (size_t i = 1; i + 5 <= len; i++) {
		if (aml[i] != '_' || aml[i + 1] != 'S' || aml[i + 2] != '5' || aml[i + 3] != '_')
			continue;
		bool named =
		    aml[i - 1] == AML_NAME_OP || (i >= 2 && aml[i - 1] == AML_ROOT_CHAR && aml[i - 2] == AML_NAME_OP);
		if (!named || aml[i + 4] != AML_PACKAGE_OP)
			continue; /* part of another name, a method, a reference */
		if (i + 5 == len)
			return -EINVAL;
		return s5_package(aml + i + 5, len - i - 5, slp_typa, slp_typb);
	}
	return -ENOENT;
}

/* Map the DSDT the FADT named and look for \_S5 in it. */
static void parse_dsdt(struct acpi_walk *w)
{
	const struct acpi_sdt_header *h = w->map(w->out->dsdt_phys, sizeof(*h));
	const uint8_t *t;
	uint32_t len;
	int err;

	if (!h || !sig_eq(h->signature, "DSDT", 4) || h->length < sizeof(*h) || h->length > ACPI_MAX_DSDT_LEN) {
		acpi_warn(w->out, "acpi: no valid DSDT at 0x%llx\n", (unsigned long long)w->out->dsdt_phys);
		return;
	}
	len = h->length;
	t = w->map(w->out->dsdt_phys, len);
	if (!t) {
		acpi_warn(w->out, "acpi: DSDT (%u bytes) cannot be mapped\n", len);
		return;
	}
	if (acpi_checksum(t, len))
		acpi_warn(w->out, "acpi: DSDT has a bad checksum, searched anyway\n");
	err = acpi_find_s5(t + sizeof(*h), len - sizeof(*h), &w->out->s5_slp_typa, &w->out->s5_slp_typb);
	w->out->has_s5 = err == 0;
	if (err)
		acpi_warn(w->out, "acpi: DSDT: %s \\_S5 package, no ACPI power-off\n",
			  err == -ENOENT ? "no" : "malformed");
}

/* ---- Root tables ---- */

/* Look at the table at phys; decode it if it is one we want and have not yet. */
static void visit_table(struct acpi_walk *w, uint64_t phys)
{
	const struct acpi_sdt_header *h;
	const void *t;
	uint32_t len;
	bool *have;

	if (!phys)
		return; /* null entries exist in the wild */
	h = w->map(phys, sizeof(*h));
	if (!h) {
		acpi_warn(w->out, "acpi: table at 0x%llx cannot be mapped, ignored\n",
			  (unsigned long long)phys);
		return;
	}
	if (sig_eq(h->signature, "APIC", 4))
		have = &w->have_madt;
	else if (sig_eq(h->signature, "FACP", 4))
		have = &w->have_fadt;
	else if (sig_eq(h->signature, "HPET", 4))
		have = &w->have_hpet;
	else
		return;
	if (*have)
		return;
	t = map_table(w, phys, "table", &len, ACPI_MAX_TABLE_LEN);
	if (!t)
		return;
	/* A table rejected as a whole leaves room for a later one. */
	if (have == &w->have_madt)
		*have = acpi_parse_madt(t, len, w->out) == 0;
	else if (have == &w->have_fadt)
		*have = parse_fadt(t, len, w->out);
	else
		*have = parse_hpet(t, len, w->out);
}

/* Walk the RSDT (entry size 4) or XSDT (8).  False if the root table itself
 * is unusable. */
static bool walk_root(struct acpi_walk *w, uint64_t phys, bool xsdt)
{
	const char *sig = xsdt ? "XSDT" : "RSDT";
	size_t esize = xsdt ? 8 : 4;
	const uint8_t *root;
	uint32_t len;

	root = map_table(w, phys, sig, &len, ACPI_MAX_TABLE_LEN);
	if (!root)
		return false;
	if (!sig_eq((const char *)root, sig, 4)) {
		char found[5];

		sig_str(found, (const char *)root);
		acpi_warn(w->out, "acpi: expected %s at 0x%llx, found '%s'\n", sig,
			  (unsigned long long)phys, found);
		return false;
	}
	for (size_t off = sizeof(struct acpi_sdt_header); off + esize <= len; off += esize) {
		uint64_t addr = 0;

		if (xsdt) {
			__builtin_memcpy(&addr, root + off, 8);
		} else {
			uint32_t a32;

			__builtin_memcpy(&a32, root + off, 4);
			addr = a32;
		}
		visit_table(w, addr);
	}
	return true;
}

int acpi_parse_rsdp(const void *rsdp, size_t len, void *(*map)(uint64_t phys, size_t len),
		    struct acpi_info *out)
{
	const struct acpi_rsdp_v1 *v1 = rsdp;
	const struct acpi_rsdp_v2 *v2 = rsdp;
	struct acpi_walk w = { .map = map, .out = out };
	uint64_t xsdt = 0;

	__builtin_memset(out, 0, sizeof(*out));
	if (!rsdp || len < sizeof(*v1) || !sig_eq(v1->signature, ACPI_RSDP_SIG, 8)) {
		acpi_warn(out, "acpi: no valid RSDP signature\n");
		return -EINVAL;
	}
	if (acpi_checksum(v1, sizeof(*v1))) {
		acpi_warn(out, "acpi: RSDP checksum is bad\n");
		return -EINVAL;
	}
	out->rsdp_revision = v1->revision;
	/* A revision >= 2 RSDP handed over as a 20-byte copy is used as v1. */
	if (v1->revision >= 2 && len >= sizeof(*v2)) {
		if (v2->length < sizeof(*v2) || v2->length > len) {
			acpi_warn(out, "acpi: RSDP length %u is bad (have %u bytes)\n", v2->length,
				  (unsigned)len);
			return -EINVAL;
		}
		if (acpi_checksum(v2, v2->length)) {
			acpi_warn(out, "acpi: RSDP extended checksum is bad\n");
			return -EINVAL;
		}
		xsdt = v2->xsdt_address;
	}

	if (xsdt && walk_root(&w, xsdt, true)) {
		out->used_xsdt = true;
	} else if (v1->rsdt_address) {
		if (xsdt)
			acpi_warn(out, "acpi: XSDT unusable, falling back to the RSDT\n");
		walk_root(&w, v1->rsdt_address, false);
	} else {
		acpi_warn(out, "acpi: RSDP points to no usable root table\n");
	}

	if (out->has_fadt && out->dsdt_phys)
		parse_dsdt(&w);
	if (!w.have_madt) {
		acpi_warn(out, "acpi: no valid MADT\n");
		return -ENOENT;
	}
	return 0;
}
