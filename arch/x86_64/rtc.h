/* rtc.h - the wall clock: the CMOS real-time clock read once at boot,
 * carried forward by the TSC (rtc.c). */
#pragma once
#include "kernel/types.h"

#define NSEC_PER_SEC 1000000000ull

/* Read the CMOS RTC (taken as UTC) and set the wall clock from it; logs
 * "rtc: YYYY-MM-DD hh:mm:ss UTC".  Call once, on the boot CPU, after
 * acpi_init() (for the century register) and after the TSC is calibrated
 * (time_ns() must already count).  If the RTC is absent or reads nonsense,
 * the wall clock starts at the epoch and a warning says so. */
void rtc_init(void);

/* Nanoseconds since 1970-01-01 00:00:00 UTC: the RTC's time at boot plus
 * time_ns().  Before rtc_init() this is just time_ns(). */
uint64_t realtime_ns(void);

/* Days from 1970-01-01 to the given proleptic Gregorian date (negative
 * before it); month 1..12, day 1..31.  Howard Hinnant's days_from_civil. */
int64_t days_from_civil(int64_t year, unsigned month, unsigned day);

/* The CMOS registers as read (century: 0 if there is no century register). */
struct rtc_regs {
	uint8_t sec, min, hour, day, mon, year, century, status_b;
};

/* The decoded date and time. */
struct rtc_time {
	unsigned year, mon, day, hour, min, sec;
};

/* Decode BCD or binary, 12- or 24-hour registers per status B; false if
 * they do not make a valid time (exposed for the self-tests). */
bool rtc_decode(const struct rtc_regs *r, struct rtc_time *t);
