/* apic.c - the local APIC: enable it in xAPIC or x2APIC mode (see
 * choose_x2apic), calibrate the TSC and the LAPIC timer against the ACPI PM
 * timer (or the PIT when there is none), run a periodic tick at HZ on every
 * CPU, send IPIs.
 *
 * One code path for both modes: everything goes through lapic_read,
 * lapic_write and send_icr, and only those three look at the mode - MSR
 * 0x800 + reg/16 in x2APIC mode, the MMIO page otherwise - so the xAPIC
 * boots exercise all of it except the MSR accessors themselves.  The ICR
 * is written with interrupts disabled so that the two-register xAPIC write
 * is not torn by an interrupt handler that sends an IPI itself; in x2APIC
 * mode it is one 64-bit MSR write with a 32-bit destination and no
 * delivery status to poll. */
#include "arch/x86_64/apic.h"
#include "arch/x86_64/acpi.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/trap.h"
#include "arch/x86_64/x86.h"
#include "kernel/lib/cmdline.h"
#include "kernel/tty/console.h"
#include "kernel/percpu.h"
#include "kernel/sched.h"
#include "kernel/printk.h"
#include "kernel/lib/string.h"
#include "kernel/time.h"

#define LAPIC_ID 0x20
#define LAPIC_VERSION 0x30
#define LAPIC_TPR 0x80
#define LAPIC_EOI 0xb0
#define LAPIC_SVR 0xf0
#define LAPIC_ESR 0x280
#define LAPIC_ICR_LO 0x300
#define LAPIC_ICR_HI 0x310
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_LVT_LINT0 0x350
#define LAPIC_LVT_LINT1 0x360
#define LAPIC_LVT_ERROR 0x370
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_CUR 0x390
#define LAPIC_TIMER_DIV 0x3e0

#define ICR_FIXED 0x000
#define ICR_NMI 0x400
#define ICR_INIT 0x500
#define ICR_STARTUP 0x600
#define ICR_PENDING (1u << 12)
#define ICR_ASSERT (1u << 14)
#define ICR_LEVEL (1u << 15)
#define ICR_ALL_BUT_SELF (3u << 18)
#define LVT_MASKED (1u << 16)
#define APIC_BASE_EXTD (1u << 10) /* IA32_APIC_BASE: x2APIC mode */
#define APIC_BASE_EN (1u << 11)   /* IA32_APIC_BASE: APIC globally enabled */
#define LVT_PERIODIC (1u << 17)

bool apic_x2apic, apic_ready;
uint32_t lapic_timer_hz;
static volatile uint32_t *lapic_mmio;
uint64_t tsc_hz;
static uint64_t tsc_at_calibration;
/* ns = cycles * 10^9 / tsc_hz, as a multiply by a 32.32 fixed-point factor
 * computed once (no 128-bit division in the kernel). */
static uint64_t ns_per_cycle_32; /* 10^9 / tsc_hz, scaled by 2^32 */

static uint32_t lapic_read(uint32_t reg)
{
	if (apic_x2apic)
		return (uint32_t)rdmsr(0x800 + (reg >> 4));
	return lapic_mmio[reg / 4];
}

static void lapic_write(uint32_t reg, uint32_t v)
{
	if (apic_x2apic)
		wrmsr(0x800 + (reg >> 4), v);
	else
		lapic_mmio[reg / 4] = v;
}

/* 32 bits in x2APIC mode (MSR 0x802), 8 in the xAPIC register's top byte. */
uint32_t apic_id(void)
{
	uint32_t v = lapic_read(LAPIC_ID);
	return apic_x2apic ? v : v >> 24;
}

void lapic_eoi(void) { lapic_write(LAPIC_EOI, 0); }

bool apic_ipi_wait_idle(void)
{
	if (apic_x2apic)
		return true; /* x2APIC ICR writes have no delivery status to wait for */
	for (int i = 0; i < 1000000; i++) {
		if (!(lapic_read(LAPIC_ICR_LO) & ICR_PENDING))
			return true;
		cpu_relax();
	}
	return false;
}

static void send_icr(uint32_t dest, uint32_t lo)
{
	unsigned long f = irq_save();
	if (apic_x2apic) {
		wrmsr(0x830, ((uint64_t)dest << 32) | lo);
	} else {
		apic_ipi_wait_idle();
		lapic_write(LAPIC_ICR_HI, dest << 24);
		lapic_write(LAPIC_ICR_LO, lo);
	}
	irq_restore(f);
}

void apic_send_ipi(uint32_t id, uint8_t vector) { send_icr(id, ICR_FIXED | ICR_ASSERT | vector); }
void apic_send_ipi_all_but_self(uint8_t vector) { send_icr(0, ICR_FIXED | ICR_ASSERT | ICR_ALL_BUT_SELF | vector); }
void apic_send_init(uint32_t id) { send_icr(id, ICR_INIT | ICR_ASSERT | ICR_LEVEL); }
void apic_send_sipi(uint32_t id, uint8_t page) { send_icr(id, ICR_STARTUP | ICR_ASSERT | page); }

void apic_stop_other_cpus(void)
{
	if (apic_ready && ncpus_online > 1)
		send_icr(0, ICR_NMI | ICR_ASSERT | ICR_ALL_BUT_SELF);
}

static void timer_tick(struct trap_frame *tf)
{
	this_cpu()->ticks++;
	sched_tick();
	console_tick(); /* the screen console repaints from CPU 0's tick */
}

/* Enable this CPU's LAPIC: software enable with the spurious vector, accept
 * all priorities, LINT0 masked (the 8259s are masked; devices come through
 * the IOAPIC), LINT1 as NMI, errors cleared. */
static void lapic_enable(void)
{
	/* Disabled -> xAPIC -> x2APIC: going from disabled straight to x2APIC
	 * is an invalid transition (#GP; SDM vol. 3A, "x2APIC state
	 * transitions"). */
	uint64_t base = rdmsr(MSR_APIC_BASE);
	if (!(base & APIC_BASE_EN))
		wrmsr(MSR_APIC_BASE, base |= APIC_BASE_EN);
	if (apic_x2apic && !(base & APIC_BASE_EXTD))
		wrmsr(MSR_APIC_BASE, base | APIC_BASE_EXTD);
	lapic_write(LAPIC_SVR, 0x100 | VEC_SPURIOUS);
	lapic_write(LAPIC_TPR, 0);
	lapic_write(LAPIC_LVT_LINT0, LVT_MASKED);
	lapic_write(LAPIC_LVT_LINT1, ICR_NMI);
	lapic_write(LAPIC_LVT_ERROR, LVT_MASKED);
	lapic_write(LAPIC_ESR, 0);
	lapic_write(LAPIC_ESR, 0);
	lapic_eoi();
}

static void lapic_timer_start(void)
{
	lapic_write(LAPIC_TIMER_DIV, 0x3); /* divide by 16 */
	lapic_write(LAPIC_LVT_TIMER, LVT_PERIODIC | VEC_TIMER);
	lapic_write(LAPIC_TIMER_INIT, lapic_timer_hz / HZ);
}

/* ---- calibration ----
 *
 * The TSC and LAPIC timer rates are measured against a reference clock of
 * known frequency: the ACPI PM timer (3.579545 MHz, 24 or 32 bits) when the
 * FADT has one, else PIT channel 2 (1.193182 MHz, counting down).  A
 * measurement is two samples of (TSC, LAPIC count, reference count) taken
 * CALIB_MS apart; the elapsed reference ticks are accumulated by polling, so
 * a vCPU descheduled in the middle (TCG on a loaded host) costs nothing.
 * Each sample brackets the reference read between two TSC reads and keeps
 * the tightest of a few tries, so a stall *inside* a sample is rejected
 * too.  Three measurements are taken and the median kept. */

#define PM_TIMER_HZ 3579545u
#define PIT_HZ 1193182u
#define CALIB_MS 50

struct calib_sample {
	uint64_t tsc;
	uint32_t lapic;
	uint32_t ref;
};

/* The reference clock: read() returns a counter that increases by `hz`
 * per second, modulo 2^bits. */
struct ref_clock {
	const char *name;
	uint32_t hz;
	unsigned bits;
	uint32_t (*read)(void);
};

static uint16_t pm_port;
static uint32_t pm_read(void) { return inl(pm_port); }

/* PIT channel 2 counts down from 0xffff; report it as counting up. */
static uint32_t pit_read(void)
{
	outb(0x43, 0x80); /* latch channel 2 */
	uint8_t lo = inb(0x42);
	uint8_t hi = inb(0x42);
	return 0xffffu - ((uint32_t)hi << 8 | lo);
}

static void pit_start(void)
{
	outb(0x61, (inb(0x61) & ~0x02) | 0x01); /* gate on, speaker off */
	outb(0x43, 0xb0);                        /* channel 2, lo/hi, mode 0 */
	outb(0x42, 0xff);
	outb(0x42, 0xff);
	uint8_t v = inb(0x61) & ~0x01;
	outb(0x61, v); /* restart the count */
	outb(0x61, v | 1);
}

static struct calib_sample take_sample(const struct ref_clock *rc)
{
	struct calib_sample best = { 0 };
	uint64_t best_width = ~0ull;
	for (int i = 0; i < 5; i++) {
		uint64_t t1 = rdtsc();
		uint32_t ref = rc->read();
		uint32_t lapic = lapic_read(LAPIC_TIMER_CUR);
		uint64_t t2 = rdtsc();
		if (t2 - t1 < best_width) {
			best_width = t2 - t1;
			best = (struct calib_sample){ t1 + (t2 - t1) / 2, lapic, ref };
		}
	}
	return best;
}

/* One measurement; false if the reference clock does not advance.  With
 * lapic_hz_out NULL the LAPIC timer is left alone (it may be running). */
static bool measure(const struct ref_clock *rc, uint64_t *tsc_hz_out, uint32_t *lapic_hz_out)
{
	uint32_t mask = rc->bits == 32 ? 0xffffffffu : (1u << rc->bits) - 1;
	uint64_t need = (uint64_t)rc->hz * CALIB_MS / 1000;
	if (lapic_hz_out)
		lapic_write(LAPIC_TIMER_INIT, 0xffffffff);
	struct calib_sample a = take_sample(rc), b;
	uint64_t elapsed = 0;
	uint32_t last = a.ref;
	for (;;) {
		b = take_sample(rc);
		elapsed += (b.ref - last) & mask;
		last = b.ref;
		if (elapsed >= need)
			break;
		/* The TSC rate is unknown yet: 2*10^10 cycles is 2 s at 10 GHz,
		 * plenty for a 50 ms window on any CPU; a dead clock fails. */
		if (b.tsc - a.tsc > 20000000000ull)
			return false;
	}
	*tsc_hz_out = (b.tsc - a.tsc) * rc->hz / elapsed;
	if (lapic_hz_out)
		*lapic_hz_out = (uint32_t)((uint64_t)(a.lapic - b.lapic) * rc->hz / elapsed);
	return true;
}

static void sort3(uint64_t *v)
{
	for (int i = 0; i < 2; i++)
		for (int j = 0; j < 2 - i; j++)
			if (v[j] > v[j + 1]) {
				uint64_t t = v[j];
				v[j] = v[j + 1];
				v[j + 1] = t;
			}
}

static void calibrate(void)
{
	/* `apic.calibrate=pit` skips the PM timer (to test the PIT path). */
	const char *forced = cmdline_get("apic.calibrate");
	pm_port = forced && !strcmp(forced, "pit") ? 0 : acpi_info.pm_tmr_port;
	struct ref_clock pm = { "ACPI PM timer", PM_TIMER_HZ, acpi_info.pm_tmr_32bit ? 32 : 24, pm_read };
	struct ref_clock pit = { "PIT", PIT_HZ, 16, pit_read };
	const struct ref_clock *rc = pm_port ? &pm : &pit;
	lapic_write(LAPIC_TIMER_DIV, 0x3); /* divide by 16 */
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED);
	uint64_t tsc[3], lapic[3];
	for (int i = 0; i < 3; i++) {
		uint32_t l;
		if (rc == &pit)
			pit_start();
		bool ok = measure(rc, &tsc[i], &l);
		if (!ok && rc == &pm) { /* a PM timer that does not tick: try the PIT */
			rc = &pit;
			i--;
			continue;
		}
		if (!ok)
			panic("apic: no working timer (ACPI PM timer or PIT) to calibrate against");
		lapic[i] = l;
	}
	lapic_write(LAPIC_TIMER_INIT, 0);
	sort3(tsc);
	sort3(lapic);
	tsc_hz = tsc[1];
	lapic_timer_hz = (uint32_t)lapic[1];
	tsc_at_calibration = rdtsc();
	ns_per_cycle_32 = (1000000000ull << 32) / tsc_hz;
	pr_info("apic: calibrated against the %s: TSC %llu.%03llu MHz, LAPIC timer %u.%03u MHz (/16)\n", rc->name,
		(unsigned long long)(tsc_hz / 1000000), (unsigned long long)(tsc_hz / 1000 % 1000),
		lapic_timer_hz / 1000000, lapic_timer_hz / 1000 % 1000);
}

/* Measure the TSC rate against the ACPI PM timer now (for the ktest that
 * checks the calibration); false if there is no working PM timer. */
bool tsc_hz_against_pm_timer(uint64_t *hz)
{
	if (!acpi_info.pm_tmr_port)
		return false;
	uint16_t saved = pm_port;
	pm_port = acpi_info.pm_tmr_port;
	struct ref_clock pm = { "ACPI PM timer", PM_TIMER_HZ, acpi_info.pm_tmr_32bit ? 32 : 24, pm_read };
	bool ok = measure(&pm, hz, NULL);
	pm_port = saved;
	return ok;
}

/* x2APIC mode when the CPU has it (CPUID.1:ECX bit 21) and it is needed:
 * the firmware left it on (IA32_APIC_BASE.EXTD; leaving it would need a
 * full APIC disable), or some CPU in the MADT has an APIC id above 254,
 * which an 8-bit xAPIC destination cannot name.  `apic=xapic|x2apic`
 * (`nox2apic` = `apic=xapic`) forces a mode, within those limits. */
static bool choose_x2apic(void)
{
	uint32_t a, b, c, d;
	cpuid(1, 0, &a, &b, &c, &d);
	bool has = c & (1u << 21), firmware = rdmsr(MSR_APIC_BASE) & APIC_BASE_EXTD, big_id = false;
	for (unsigned i = 0; i < acpi_info.ncpus; i++)
		big_id |= acpi_info.cpus[i].apic_id > 254;
	const char *want = cmdline_has("nox2apic") ? "xapic" : cmdline_get("apic");
	if (want && strcmp(want, "xapic") && strcmp(want, "x2apic")) {
		pr_warn("apic: apic=%s is not a mode (xapic, x2apic); choosing by itself\n", want);
		want = NULL;
	}
	if (want && !strcmp(want, "x2apic") && !has)
		pr_warn("apic: apic=x2apic, but this CPU has no x2APIC; using xAPIC\n");
	if (want && !strcmp(want, "xapic") && firmware)
		pr_warn("apic: the firmware enabled x2APIC mode; ignoring apic=xapic\n");
	if (firmware)
		return true;
	if (want)
		return has && !strcmp(want, "x2apic");
	return has && big_id;
}

void apic_init_bsp(uint64_t lapic_phys)
{
	apic_x2apic = choose_x2apic();
	if (!apic_x2apic)
		lapic_mmio = ioremap(lapic_phys, PAGE_SIZE);
	/* Mask the legacy 8259 PICs: interrupts come through the IOAPIC. */
	outb(0x21, 0xff);
	outb(0xa1, 0xff);
	lapic_enable();
	apic_ready = true;
	pr_info("apic: %s mode, boot CPU APIC id %u, version 0x%x\n", apic_x2apic ? "x2APIC" : "xAPIC", apic_id(),
		lapic_read(LAPIC_VERSION) & 0xff);
	calibrate();
	irq_register(VEC_TIMER, timer_tick);
	lapic_timer_start();
}

void apic_init_ap(void)
{
	lapic_enable();
	lapic_timer_start();
}

/* ---- time (kernel/time.h) ---- */

uint64_t tsc_to_ns(uint64_t cycles)
{
	return (uint64_t)(((__uint128_t)cycles * ns_per_cycle_32) >> 32);
}

uint64_t time_ns(void) { return tsc_hz ? tsc_to_ns(rdtsc() - tsc_at_calibration) : 0; }

void udelay(uint64_t us)
{
	if (!tsc_hz) { /* before calibration: a rough, generous spin */
		for (uint64_t i = 0; i < us * 1000; i++)
			cpu_relax();
		return;
	}
	uint64_t end = rdtsc() + tsc_hz / 1000000 * us;
	while (rdtsc() < end)
		cpu_relax();
}

void mdelay(uint64_t ms) { udelay(ms * 1000); }
