/* acpi_tables.h - ACPI table layouts (RSDP, RSDT/XSDT, MADT, FADT, HPET) and
 * the summary the kernel keeps of them (struct acpi_info).
 *
 * Layouts follow the ACPI 6.5 specification, chapter 5.2.  Every struct is
 * packed and its size checked below, so a table in firmware memory can be read
 * through a pointer.  The parser (acpi_parse.c) touches no hardware: physical
 * addresses are turned into pointers by a caller-supplied mapper, which is the
 * direct map in the kernel and a canned buffer in host tests.
 */
#pragma once
#include "kernel/compiler.h"

/* ---- Root System Description Pointer (5.2.5) ---- */

#define ACPI_RSDP_SIG "RSD PTR " /* 8 bytes, no NUL */

struct acpi_rsdp_v1 {
	char signature[8];
	uint8_t checksum; /* bytes 0..19 sum to 0 */
	char oem_id[6];
	uint8_t revision; /* 0: ACPI 1.0 (RSDT only); >= 2: the fields below exist */
	uint32_t rsdt_address;
} __packed;

struct acpi_rsdp_v2 {
	struct acpi_rsdp_v1 v1;
	uint32_t length;   /* of the whole RSDP, 36 */
	uint64_t xsdt_address;
	uint8_t extended_checksum; /* bytes 0..length-1 sum to 0 */
	uint8_t reserved[3];
} __packed;

/* ---- System Description Table header (5.2.6) ---- */

struct acpi_sdt_header {
	char signature[4]; /* "APIC", "FACP", "HPET", "RSDT", "XSDT", ... */
	uint32_t length;   /* of the whole table, header included */
	uint8_t revision;
	uint8_t checksum;  /* the whole table sums to 0 */
	char oem_id[6];
	char oem_table_id[8];
	uint32_t oem_revision;
	uint32_t creator_id;
	uint32_t creator_revision;
} __packed;

/* RSDT: 32-bit physical addresses of the other tables; XSDT: 64-bit ones.
 * XSDT entries are only 4-byte aligned; read them with memcpy. */
struct acpi_rsdt {
	struct acpi_sdt_header header;
	uint32_t entry[];
} __packed;

struct acpi_xsdt {
	struct acpi_sdt_header header;
	uint64_t entry[];
} __packed;

/* ---- Generic Address Structure (5.2.3.2) ---- */

#define ACPI_GAS_SYSTEM_MEMORY 0
#define ACPI_GAS_SYSTEM_IO 1

struct acpi_gas {
	uint8_t space_id; /* ACPI_GAS_* */
	uint8_t bit_width;
	uint8_t bit_offset;
	uint8_t access_size;
	uint64_t address;
} __packed;

/* ---- Multiple APIC Description Table, signature "APIC" (5.2.12) ---- */

#define ACPI_MADT_PCAT_COMPAT (1u << 0) /* dual 8259s present: mask them */

struct acpi_madt {
	struct acpi_sdt_header header;
	uint32_t lapic_address; /* 32-bit local APIC base (see type 5) */
	uint32_t flags;         /* ACPI_MADT_PCAT_COMPAT */
	/* variable-length entries follow, each starting with acpi_madt_entry */
} __packed;

enum acpi_madt_type {
	ACPI_MADT_LAPIC = 0,
	ACPI_MADT_IOAPIC = 1,
	ACPI_MADT_ISO = 2,
	ACPI_MADT_NMI_SOURCE = 3,
	ACPI_MADT_LAPIC_NMI = 4,
	ACPI_MADT_LAPIC_OVERRIDE = 5,
	ACPI_MADT_X2APIC = 9,
	ACPI_MADT_X2APIC_NMI = 0xa,
};

struct acpi_madt_entry {
	uint8_t type;
	uint8_t length; /* of the whole entry, this header included */
} __packed;

/* Local APIC flags (types 0 and 9). */
#define ACPI_MADT_ENABLED (1u << 0)        /* usable now */
#define ACPI_MADT_ONLINE_CAPABLE (1u << 1) /* may be enabled later; MADT revision >= 5 only */

struct acpi_madt_lapic { /* type 0 */
	struct acpi_madt_entry h;
	uint8_t uid; /* ACPI processor UID */
	uint8_t apic_id;
	uint32_t flags;
} __packed;

struct acpi_madt_ioapic { /* type 1 */
	struct acpi_madt_entry h;
	uint8_t id;
	uint8_t reserved;
	uint32_t address;
	uint32_t gsi_base; /* first global system interrupt of this IO APIC */
} __packed;

/* MPS INTI flags (interrupt source overrides and NMIs). */
#define ACPI_MPS_POLARITY_MASK 0x3
#define ACPI_MPS_POLARITY_CONFORMS 0x0
#define ACPI_MPS_POLARITY_HIGH 0x1
#define ACPI_MPS_POLARITY_LOW 0x3
#define ACPI_MPS_TRIGGER_MASK 0xc
#define ACPI_MPS_TRIGGER_CONFORMS 0x0
#define ACPI_MPS_TRIGGER_EDGE 0x4
#define ACPI_MPS_TRIGGER_LEVEL 0xc

struct acpi_madt_iso { /* type 2: ISA IRQ `source` is wired to GSI `gsi` */
	struct acpi_madt_entry h;
	uint8_t bus; /* 0 = ISA */
	uint8_t source;
	uint32_t gsi;
	uint16_t flags; /* ACPI_MPS_* */
} __packed;

#define ACPI_UID_ALL_CPUS_LEGACY 0xff
#define ACPI_UID_ALL_CPUS 0xffffffffu

struct acpi_madt_lapic_nmi { /* type 4 */
	struct acpi_madt_entry h;
	uint8_t uid; /* 0xff: all processors */
	uint16_t flags;
	uint8_t lint; /* LINT0 or LINT1 */
} __packed;

struct acpi_madt_lapic_override { /* type 5 */
	struct acpi_madt_entry h;
	uint16_t reserved;
	uint64_t address; /* 64-bit local APIC base, replaces madt->lapic_address */
} __packed;

struct acpi_madt_x2apic { /* type 9 */
	struct acpi_madt_entry h;
	uint16_t reserved;
	uint32_t x2apic_id;
	uint32_t flags;
	uint32_t uid;
} __packed;

struct acpi_madt_x2apic_nmi { /* type 0xa */
	struct acpi_madt_entry h;
	uint16_t flags;
	uint32_t uid; /* 0xffffffff: all processors */
	uint8_t lint;
	uint8_t reserved[3];
} __packed;

/* ---- Fixed ACPI Description Table, signature "FACP" (5.2.9) ---- */

#define ACPI_FADT_TMR_VAL_EXT (1u << 8)     /* PM timer is 32 bits, else 24 */
#define ACPI_FADT_RESET_REG_SUP (1u << 10)  /* reset_reg/reset_value are valid */
#define ACPI_FADT_HW_REDUCED (1u << 20)     /* no fixed hardware, hence no PM timer */

/* IA-PC boot architecture flags (iapc_boot_arch, FADT revision >= 2). */
#define ACPI_BOOT_LEGACY_DEVICES (1u << 0)
#define ACPI_BOOT_8042 (1u << 1)
#define ACPI_BOOT_NO_VGA (1u << 2)
#define ACPI_BOOT_NO_MSI (1u << 3)
#define ACPI_BOOT_NO_CMOS_RTC (1u << 5)

/* Fields up to `flags` exist in every FADT (ACPI 1.0: length 116); the rest
 * only if header.length covers them. */
struct acpi_fadt {
	struct acpi_sdt_header header;
	uint32_t firmware_ctrl;
	uint32_t dsdt;
	uint8_t reserved0;
	uint8_t preferred_pm_profile;
	uint16_t sci_int;
	uint32_t smi_cmd;
	uint8_t acpi_enable;
	uint8_t acpi_disable;
	uint8_t s4bios_req;
	uint8_t pstate_cnt;
	uint32_t pm1a_evt_blk;
	uint32_t pm1b_evt_blk;
	uint32_t pm1a_cnt_blk;
	uint32_t pm1b_cnt_blk;
	uint32_t pm2_cnt_blk;
	uint32_t pm_tmr_blk; /* I/O port of the 3.579545 MHz ACPI PM timer */
	uint32_t gpe0_blk;
	uint32_t gpe1_blk;
	uint8_t pm1_evt_len;
	uint8_t pm1_cnt_len;
	uint8_t pm2_cnt_len;
	uint8_t pm_tmr_len; /* 4 if the PM timer exists */
	uint8_t gpe0_blk_len;
	uint8_t gpe1_blk_len;
	uint8_t gpe1_base;
	uint8_t cst_cnt;
	uint16_t p_lvl2_lat;
	uint16_t p_lvl3_lat;
	uint16_t flush_size;
	uint16_t flush_stride;
	uint8_t duty_offset;
	uint8_t duty_width;
	uint8_t day_alrm;
	uint8_t mon_alrm;
	uint8_t century;
	uint16_t iapc_boot_arch; /* ACPI_BOOT_* */
	uint8_t reserved1;
	uint32_t flags; /* ACPI_FADT_* */
	/* ACPI 2.0+ */
	struct acpi_gas reset_reg;
	uint8_t reset_value;
	uint16_t arm_boot_arch;
	uint8_t minor_version;
	uint64_t x_firmware_ctrl;
	uint64_t x_dsdt;
	struct acpi_gas x_pm1a_evt_blk;
	struct acpi_gas x_pm1b_evt_blk;
	struct acpi_gas x_pm1a_cnt_blk;
	struct acpi_gas x_pm1b_cnt_blk;
	struct acpi_gas x_pm2_cnt_blk;
	struct acpi_gas x_pm_tmr_blk; /* if address != 0, overrides pm_tmr_blk */
	struct acpi_gas x_gpe0_blk;
	struct acpi_gas x_gpe1_blk;
} __packed;

#define ACPI_FADT_V1_LEN 116 /* up to and including flags */

/* ---- High Precision Event Timer table, signature "HPET" (IA-PC HPET spec 3.2.4) ---- */

struct acpi_hpet {
	struct acpi_sdt_header header;
	uint32_t event_timer_block_id;
	struct acpi_gas base_address; /* memory-mapped registers */
	uint8_t hpet_number;
	uint16_t min_tick; /* minimum clock ticks for periodic mode */
	uint8_t page_protection;
} __packed;

_Static_assert(sizeof(struct acpi_rsdp_v1) == 20, "RSDP v1 layout");
_Static_assert(sizeof(struct acpi_rsdp_v2) == 36, "RSDP v2 layout");
_Static_assert(sizeof(struct acpi_sdt_header) == 36, "SDT header layout");
_Static_assert(sizeof(struct acpi_gas) == 12, "GAS layout");
_Static_assert(sizeof(struct acpi_madt) == 44, "MADT layout");
_Static_assert(sizeof(struct acpi_madt_lapic) == 8, "MADT type 0 layout");
_Static_assert(sizeof(struct acpi_madt_ioapic) == 12, "MADT type 1 layout");
_Static_assert(sizeof(struct acpi_madt_iso) == 10, "MADT type 2 layout");
_Static_assert(sizeof(struct acpi_madt_lapic_nmi) == 6, "MADT type 4 layout");
_Static_assert(sizeof(struct acpi_madt_lapic_override) == 12, "MADT type 5 layout");
_Static_assert(sizeof(struct acpi_madt_x2apic) == 16, "MADT type 9 layout");
_Static_assert(sizeof(struct acpi_madt_x2apic_nmi) == 12, "MADT type 0xa layout");
_Static_assert(offsetof(struct acpi_fadt, pm_tmr_blk) == 76, "FADT layout");
_Static_assert(offsetof(struct acpi_fadt, pm_tmr_len) == 91, "FADT layout");
_Static_assert(offsetof(struct acpi_fadt, iapc_boot_arch) == 109, "FADT layout");
_Static_assert(offsetof(struct acpi_fadt, flags) == 112, "FADT layout");
_Static_assert(offsetof(struct acpi_fadt, century) == 108, "FADT layout");
_Static_assert(offsetof(struct acpi_fadt, reset_reg) == ACPI_FADT_V1_LEN, "FADT layout");
_Static_assert(offsetof(struct acpi_fadt, x_dsdt) == 140, "FADT layout");
_Static_assert(offsetof(struct acpi_fadt, x_pm1a_cnt_blk) == 172, "FADT layout");
_Static_assert(offsetof(struct acpi_fadt, x_pm_tmr_blk) == 208, "FADT layout");
_Static_assert(sizeof(struct acpi_fadt) == 244, "FADT layout");
_Static_assert(sizeof(struct acpi_hpet) == 56, "HPET layout");

/* ---- What the kernel keeps ---- */

#define ACPI_MAX_CPUS 256 /* = MAX_CPUS (kernel/percpu.h; smp.c checks) */
#define ACPI_MAX_IOAPICS 8
#define ACPI_MAX_ISOS 16
#define ACPI_MAX_NMIS 16

struct acpi_cpu {
	uint32_t apic_id;
	uint32_t uid;   /* ACPI processor UID (matches NMI entries) */
	bool x2apic;    /* described by a type-9 entry (id may be > 254) */
	bool enabled;   /* false: online-capable only, not running at boot */
};

struct acpi_ioapic {
	uint8_t id;
	uint32_t phys;
	uint32_t gsi_base;
};

struct acpi_iso {
	uint8_t bus_irq; /* ISA IRQ */
	uint32_t gsi;
	uint16_t flags;  /* ACPI_MPS_POLARITY_* | ACPI_MPS_TRIGGER_* */
};

struct acpi_nmi {
	uint32_t uid;   /* ACPI_UID_ALL_CPUS for every CPU (legacy 0xff is widened) */
	uint16_t flags; /* ACPI_MPS_* */
	uint8_t lint;   /* 0 or 1 */
};

struct acpi_info {
	uint8_t rsdp_revision;
	bool used_xsdt;              /* tables were found through the XSDT */

	/* MADT */
	uint64_t lapic_phys;         /* after any type-5 override */
	bool pcat_compat;            /* legacy 8259s present: mask them */
	unsigned ncpus;              /* usable (enabled or online-capable), at most ACPI_MAX_CPUS */
	unsigned cpus_ignored;       /* usable CPUs beyond ACPI_MAX_CPUS */
	struct acpi_cpu cpus[ACPI_MAX_CPUS];
	unsigned nioapics;
	struct acpi_ioapic ioapics[ACPI_MAX_IOAPICS];
	unsigned nisos;
	struct acpi_iso isos[ACPI_MAX_ISOS];
	unsigned nnmis;
	struct acpi_nmi nmis[ACPI_MAX_NMIS];

	/* FADT (all 0 if absent) */
	bool has_fadt;
	uint8_t fadt_revision;       /* iapc_boot_arch means something from 2 on */
	bool hw_reduced;             /* HW_REDUCED_ACPI: no PM timer, no fixed hardware */
	uint16_t sci_irq;
	uint16_t iapc_boot_arch;     /* ACPI_BOOT_*; 0 if the FADT is too old to say */
	uint32_t pm_tmr_blk;         /* the FADT's legacy PM_TMR_BLK field as is */
	uint64_t x_pm_tmr_blk;       /* X_PM_TMR_BLK address as is, 0 if absent */
	uint8_t x_pm_tmr_space;      /* its ACPI_GAS_* space */
	uint16_t pm_tmr_port;        /* the I/O port to read the PM timer from, 0 if none */
	bool pm_tmr_32bit;           /* TMR_VAL_EXT: the counter has 32 bits, else 24 */
	bool has_reset_reg;          /* reset_reg/reset_value valid (for reboot) */
	struct acpi_gas reset_reg;
	uint8_t reset_value;
	uint8_t century_reg;         /* CMOS index of the RTC century, 0 if none */
	uint16_t smi_cmd;            /* port to write acpi_enable_value to; 0: always in ACPI mode */
	uint8_t acpi_enable_value;
	uint16_t pm1a_cnt_port;      /* PM1a_CNT: X_ block if an I/O port, else the 32-bit one; 0 if none */
	uint16_t pm1b_cnt_port;      /* PM1b_CNT, 0 if none */
	uint64_t dsdt_phys;          /* X_DSDT if present and nonzero, else DSDT; 0 if none */

	/* DSDT: the \_S5 (soft-off) package, for power_off() */
	bool has_s5;
	uint8_t s5_slp_typa;         /* SLP_TYP for PM1a_CNT / PM1b_CNT (3 bits each) */
	uint8_t s5_slp_typb;

	/* HPET (0 if absent or not memory-mapped) */
	uint64_t hpet_phys;
	uint16_t hpet_min_tick;

	unsigned warnings;           /* problems reported with printk while parsing */
};

/*
 * Parse the ACPI tables reachable from an RSDP copy (the multiboot2 "old"
 * tag: 20 bytes, v1; "new" tag: 36 bytes, v2) and fill *out.
 *
 * map(phys, len) must return a pointer to len readable bytes at physical
 * address phys, or NULL; the parser never reads outside what it mapped.
 *
 * The DSDT the FADT points to is mapped too and searched for the \_S5
 * package (acpi_find_s5); a DSDT with a bad checksum is still searched,
 * with a warning, as Linux does.
 *
 * Returns 0, -EINVAL if the RSDP is bad (short, wrong signature or checksum),
 * or -ENOENT if no valid MADT was found (*out still holds whatever else was
 * found, e.g. the FADT).  Tables with a bad checksum are reported and skipped.
 */
int acpi_parse_rsdp(const void *rsdp, size_t len, void *(*map)(uint64_t phys, size_t len),
		    struct acpi_info *out);

/* Add the contents of one MADT whose checksum was checked, len bytes long, to
 * *out.  Returns 0, or -EINVAL if len cannot even hold the MADT header.
 * acpi_parse_rsdp() calls it; exposed for tests and for a caller that found
 * the MADT some other way. */
int acpi_parse_madt(const struct acpi_madt *madt, uint32_t len, struct acpi_info *out);

/*
 * Find the sleep type values of the S5 (soft-off) state in AML: the first
 * `NameOp "_S5_"` (optionally `\_S5_`) whose object is a Package, whose first
 * two elements are small integers (ZeroOp, OneOp, BytePrefix/WordPrefix/
 * DWordPrefix + value, or a raw byte 2..7, as some firmware writes).  A
 * one-element package holds both values (a = bits 0-7, b = bits 8-15), as
 * ACPICA accepts.  An "_S5_" not preceded by NameOp or not followed by a
 * PackageOp is skipped.  This is the OSDev shortcut, not an AML
 * interpreter: an _S5 computed by a method is not found.
 * aml is the DSDT's body (after the 36-byte header); nothing outside
 * [aml, aml + len) is read.  Returns 0, -ENOENT if there is no such name,
 * -EINVAL if the package is truncated or its values are not sleep types.
 */
int acpi_find_s5(const uint8_t *aml, size_t len, uint8_t *slp_typa, uint8_t *slp_typb);

/* Sum of len bytes modulo 256: 0 for a valid table. */
uint8_t acpi_checksum(const void *p, size_t len);
