/* rtc.c - the wall clock.  The CMOS real-time clock is read once at boot
 * (rtc_init) and taken as UTC, as Linux does on a PC unless told otherwise;
 * from then on the wall clock is that instant plus time_ns(), the
 * calibrated TSC.  Nothing writes the RTC and nothing steps the clock
 * (no settimeofday, no NTP).
 *
 * The RTC updates its registers once a second; while the update-in-progress
 * flag (status A bit 7) is set they may be half-changed.  We wait for the
 * flag to clear and read every register twice until two reads agree.  The
 * values are BCD unless status B bit 2 says binary, and the hour is 12-hour
 * with bit 7 = PM unless status B bit 1 says 24-hour.  The century comes
 * from the CMOS register the FADT names, else 20xx is assumed.
 *
 * Locking: the CMOS index/data port pair is used only by rtc_init(), once,
 * on the boot CPU.  boot_epoch_ns is written once there and read anywhere. */
#include "arch/x86_64/rtc.h"
#include "arch/x86_64/acpi.h"
#include "arch/x86_64/x86.h"
#include "kernel/printk.h"
#include "kernel/time.h"

#define CMOS_INDEX_PORT 0x70 /* bit 7 would mask NMIs: always written 0 */
#define CMOS_DATA_PORT	0x71

#define RTC_SECONDS	 0x00
#define RTC_MINUTES	 0x02
#define RTC_HOURS	 0x04
#define RTC_DAY_OF_MONTH 0x07
#define RTC_MONTH	 0x08
#define RTC_YEAR	 0x09
#define RTC_STATUS_A	 0x0a
#define RTC_STATUS_B	 0x0b
#define RTC_A_UIP	 0x80 /* update in progress */
#define RTC_B_24H	 0x02 /* hours 0..23, else 1..12 with RTC_HOUR_PM */
#define RTC_B_BINARY	 0x04 /* binary values, else BCD */
#define RTC_HOUR_PM	 0x80

#define RTC_UIP_SPINS  1000000 /* an update lasts at most ~2 ms */
#define RTC_READ_TRIES 10

static uint64_t boot_epoch_ns; /* wall-clock ns at time_ns() == 0 */

static uint8_t cmos_read(uint8_t reg)
{
	outb(CMOS_INDEX_PORT, reg);
	return inb(CMOS_DATA_PORT);
}

static void rtc_read_once(struct rtc_regs *r)
{
	for (int i = 0; i < RTC_UIP_SPINS && (cmos_read(RTC_STATUS_A) & RTC_A_UIP); i++)
		cpu_relax();
	r->sec = cmos_read(RTC_SECONDS);
	r->min = cmos_read(RTC_MINUTES);
	r->hour = cmos_read(RTC_HOURS);
	r->day = cmos_read(RTC_DAY_OF_MONTH);
	r->mon = cmos_read(RTC_MONTH);
	r->year = cmos_read(RTC_YEAR);
	r->century = acpi_info.century_reg ? cmos_read(acpi_info.century_reg) : 0;
	r->status_b = cmos_read(RTC_STATUS_B);
}

static bool rtc_regs_equal(const struct rtc_regs *a, const struct rtc_regs *b)
{
	return a->sec == b->sec && a->min == b->min && a->hour == b->hour && a->day == b->day && a->mon == b->mon &&
	       a->year == b->year && a->century == b->century && a->status_b == b->status_b;
}

/* Two equal reads in a row, or false if the clock never held still. */
static bool rtc_read_stable(struct rtc_regs *r)
{
	struct rtc_regs again;

	rtc_read_once(r);
	for (int i = 0; i < RTC_READ_TRIES; i++) {
		rtc_read_once(&again);
		if (rtc_regs_equal(r, &again))
			return true;
		*r = again;
	}
	return false;
}

/* A register value as a number; UINT32_MAX for a bad BCD digit. */
static unsigned rtc_value(uint8_t v, bool bcd)
{
	if (!bcd)
		return v;
	if ((v & 0x0f) > 9 || (v >> 4) > 9)
		return UINT32_MAX;
	return (v >> 4) * 10 + (v & 0x0f);
}

bool rtc_decode(const struct rtc_regs *r, struct rtc_time *t)
{
	bool bcd = !(r->status_b & RTC_B_BINARY);
	unsigned century = r->century ? rtc_value(r->century, bcd) : 20;

	t->sec = rtc_value(r->sec, bcd);
	t->min = rtc_value(r->min, bcd);
	t->hour = rtc_value(r->hour & ~RTC_HOUR_PM, bcd);
	t->day = rtc_value(r->day, bcd);
	t->mon = rtc_value(r->mon, bcd);
	t->year = rtc_value(r->year, bcd);
	if (!(r->status_b & RTC_B_24H) && t->hour >= 1 && t->hour <= 12) {
		t->hour %= 12; /* 12 AM is 0h, 12 PM is 12h */
		if (r->hour & RTC_HOUR_PM)
			t->hour += 12;
	}
	if (century < 19 || century > 99)
		century = 20; /* a century register that holds something else */
	if (t->year > 99)
		return false;
	t->year += century * 100;
	return r->status_b != 0xff && t->sec < 60 && t->min < 60 && t->hour < 24 && t->day >= 1 && t->day <= 31 &&
	       t->mon >= 1 && t->mon <= 12 && t->year >= 1970;
}

int64_t days_from_civil(int64_t year, unsigned month, unsigned day)
{
	int64_t y = year - (month <= 2);
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);				      /* [0, 399] */
	unsigned doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1; /* [0, 365] */
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;			      /* [0, 146096] */

	return era * 146097 + (int64_t)doe - 719468;
}

void rtc_init(void)
{
	struct rtc_regs r;
	struct rtc_time t;
	uint64_t secs, now;

	if (acpi_info.iapc_boot_arch & ACPI_BOOT_NO_CMOS_RTC) {
		pr_warn("rtc: the FADT says there is no CMOS RTC; the wall clock starts at 1970-01-01\n");
		return;
	}
	if (!rtc_read_stable(&r) || !rtc_decode(&r, &t)) {
		pr_warn("rtc: unreadable or invalid CMOS time (status B 0x%x); the wall clock starts at 1970-01-01\n",
			r.status_b);
		return;
	}
	now = time_ns();
	secs = (uint64_t)days_from_civil(t.year, t.mon, t.day) * 86400 + t.hour * 3600 + t.min * 60 + t.sec;
	WRITE_ONCE(boot_epoch_ns, secs * NSEC_PER_SEC > now ? secs * NSEC_PER_SEC - now : 0);
	pr_info("rtc: %04u-%02u-%02u %02u:%02u:%02u UTC\n", t.year, t.mon, t.day, t.hour, t.min, t.sec);
}

uint64_t realtime_ns(void)
{
	return READ_ONCE(boot_epoch_ns) + time_ns();
}
