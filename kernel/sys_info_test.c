/* sys_info_test.c - self-tests of the wall clock (rtc.c), the random
 * generator (random.c) and the argument checks of the system calls in
 * sys_info.c that fail before touching user memory or the caller's process
 * (ktests run in a kernel task: there is no user address space to copy to,
 * and kernel addresses must be refused with -EFAULT). */
#include "arch/x86_64/rtc.h"
#include "kernel/errno.h"
#include "kernel/ktest.h"
#include "kernel/random.h"
#include "kernel/lib/string.h"
#include "kernel/time.h"

/* Linux's struct new_utsname (the uname(2) ABI), as sys_info.c fills it. */
struct new_utsname {
	char sysname[65], nodename[65], release[65], version[65], machine[65], domainname[65];
};
void utsname_fill(struct new_utsname *u);
long sys_uname(struct new_utsname *name);
long sys_set_id(uint32_t id);
struct kernel_timespec;
struct kernel_timeval;
struct kernel_timezone;
struct rlimit64;
long sys_clock_gettime(int which, struct kernel_timespec *tp);
long sys_clock_getres(int which, struct kernel_timespec *tp);
long sys_gettimeofday(struct kernel_timeval *tv, struct kernel_timezone *tz);
long sys_getrlimit(unsigned resource, struct rlimit64 *rlim);
long sys_prlimit64(int pid, unsigned resource, const struct rlimit64 *new_rlim, struct rlimit64 *old_rlim);
long sys_getrandom(char *buf, size_t count, unsigned flags);
long sys_reboot(int magic1, int magic2, unsigned cmd, const char *arg);

#define REBOOT_MAGIC1 ((int)0xfee1dead)
#define REBOOT_MAGIC2 672274793

KTEST(rtc, days_from_civil)
{
	KEXPECT_EQ(t, days_from_civil(1970, 1, 1), 0);
	KEXPECT_EQ(t, days_from_civil(1969, 12, 31), -1);
	KEXPECT_EQ(t, days_from_civil(2000, 3, 1), 11017); /* after a 400-year leap day */
	KEXPECT_EQ(t, days_from_civil(2024, 2, 29), 19782);
	KEXPECT_EQ(t, days_from_civil(2024, 3, 1), 19783);
	KEXPECT_EQ(t, days_from_civil(2100, 3, 1), 47541); /* 2100 has no Feb 29 */
	KEXPECT_EQ(t, days_from_civil(2100, 2, 28), 47540);
	KEXPECT_EQ(t, days_from_civil(1600, 3, 1), -135080);
}

#define RTC_BCD_24H 0x02
#define RTC_BCD_12H 0x00
#define RTC_BIN_24H 0x06
#define RTC_BIN_12H 0x04

static bool rtc_is(const struct rtc_regs *r, unsigned y, unsigned mo, unsigned d, unsigned h, unsigned mi, unsigned s)
{
	struct rtc_time t;

	return rtc_decode(r, &t) && t.year == y && t.mon == mo && t.day == d && t.hour == h && t.min == mi &&
	       t.sec == s;
}

KTEST(rtc, decode_registers)
{
	struct rtc_regs r = {0x12, 0x11, 0x10, 0x22, 0x11, 0x26, 0, RTC_BCD_24H};

	KEXPECT(t, rtc_is(&r, 2026, 11, 22, 10, 11, 12));
	r.status_b = RTC_BCD_12H; /* 12-hour: bit 7 is PM, 12 AM is midnight */
	r.hour = 0x80 | 0x12;
	KEXPECT(t, rtc_is(&r, 2026, 11, 22, 12, 11, 12));
	r.hour = 0x80 | 0x01;
	KEXPECT(t, rtc_is(&r, 2026, 11, 22, 13, 11, 12));
	r.hour = 0x12;
	KEXPECT(t, rtc_is(&r, 2026, 11, 22, 0, 11, 12));
	r = (struct rtc_regs){59, 59, 23, 31, 12, 99, 19, RTC_BIN_24H}; /* binary; century 19, binary too */
	KEXPECT(t, rtc_is(&r, 1999, 12, 31, 23, 59, 59));
	r = (struct rtc_regs){0x59, 0x59, 0x23, 0x31, 0x12, 0x99, 0x19, RTC_BCD_24H}; /* century register, BCD */
	KEXPECT(t, rtc_is(&r, 1999, 12, 31, 23, 59, 59));
	r = (struct rtc_regs){0, 0, 0x80 | 11, 1, 1, 0, 0, RTC_BIN_12H};
	KEXPECT(t, rtc_is(&r, 2000, 1, 1, 23, 0, 0));

	r = (struct rtc_regs){0x1a, 0, 0, 1, 1, 0, 0, RTC_BCD_24H}; /* not BCD */
	KEXPECT(t, !rtc_decode(&r, &(struct rtc_time){0}));
	r = (struct rtc_regs){0, 0, 0, 1, 0x13, 0, 0, RTC_BCD_24H}; /* month 13 */
	KEXPECT(t, !rtc_decode(&r, &(struct rtc_time){0}));
	r = (struct rtc_regs){0, 0, 0, 1, 1, 0x69, 0x19, RTC_BCD_24H}; /* 1969 */
	KEXPECT(t, !rtc_decode(&r, &(struct rtc_time){0}));
	r = (struct rtc_regs){0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0xff}; /* no CMOS at all */
	KEXPECT(t, !rtc_decode(&r, &(struct rtc_time){0}));
}

KTEST(rtc, realtime_after_2020)
{
	uint64_t t2020 = (uint64_t)days_from_civil(2020, 1, 1) * 86400 * NSEC_PER_SEC;
	uint64_t a = realtime_ns(), b;

	KEXPECT(t, a > t2020);
	mdelay(2);
	b = realtime_ns();
	KEXPECT(t, b > a + 1000000 && b < a + NSEC_PER_SEC);
}

/* RFC 8439 2.3.2: key 00 01 .. 1f, nonce 00 00 00 09 00 00 00 4a 00 00 00 00, counter 1. */
KTEST(random, chacha20_rfc8439_block)
{
	static const uint8_t expect[64] = {
	    0x10, 0xf1, 0xe7, 0xe4, 0xd1, 0x3b, 0x59, 0x15, 0x50, 0x0f, 0xdd, 0x1f, 0xa3, 0x20, 0x71, 0xc4,
	    0xc7, 0xd1, 0xf4, 0xc7, 0x33, 0xc0, 0x68, 0x03, 0x04, 0x22, 0xaa, 0x9a, 0xc3, 0xd4, 0x6c, 0x4e,
	    0xd2, 0x82, 0x64, 0x46, 0x07, 0x9f, 0xaa, 0x09, 0x14, 0xc2, 0xd7, 0x05, 0xd9, 0x8b, 0x02, 0xa2,
	    0xb5, 0x12, 0x9c, 0xd1, 0xde, 0x16, 0x4e, 0xb9, 0xcb, 0xd0, 0x83, 0xe8, 0xa2, 0x50, 0x3c, 0x4e,
	};
	const uint32_t nonce[3] = {0x09000000, 0x4a000000, 0};
	uint32_t key[8];
	uint8_t out[64];

	for (unsigned i = 0; i < 8; i++) /* bytes 4i..4i+3, little-endian */
		key[i] = (4 * i) | (4 * i + 1) << 8 | (4 * i + 2) << 16 | (4 * i + 3) << 24;
	chacha20_block(key, 1, nonce, out);
	KEXPECT(t, memcmp(out, expect, sizeof(out)) == 0);
}

KTEST(random, bytes_differ)
{
	uint8_t a[64], b[64], odd[7] = {0};
	unsigned ones = 0;

	get_random_bytes(a, sizeof(a));
	get_random_bytes(b, sizeof(b));
	KEXPECT(t, memcmp(a, b, sizeof(a)) != 0);
	for (unsigned i = 0; i < sizeof(a); i++)
		for (uint8_t v = a[i]; v; v &= v - 1) /* no popcnt in freestanding -O2 */
			ones++;
	KEXPECT(t, ones > 160 && ones < 352); /* 256 expected: > 10 sigma either side */
	get_random_bytes(odd, sizeof(odd));   /* a size that is not a whole block */
	get_random_bytes(NULL, 0);
	KEXPECT(t, memcmp(odd, "\0\0\0\0\0\0\0", 7) != 0);
}

KTEST(sys_info, uname_strings)
{
	struct new_utsname u;

	utsname_fill(&u);
	KEXPECT(t, strcmp(u.sysname, "faultline") == 0);
	KEXPECT(t, strcmp(u.nodename, "faultline") == 0);
	KEXPECT(t, strcmp(u.release, "0.3.0") == 0);
	KEXPECT(t, strcmp(u.version, "#1 SMP") == 0);
	KEXPECT(t, strcmp(u.machine, "x86_64") == 0);
	KEXPECT(t, strcmp(u.domainname, "(none)") == 0);
	KEXPECT_EQ(t, sizeof(u), 390);
	KEXPECT_EQ(t, sys_uname(&u), -EFAULT); /* a kernel address */
}

/* Argument checks that come before any user access. */
KTEST(sys_info, argument_checks)
{
	char kbuf[16];
	struct kernel_timespec *ts = (void *)kbuf; /* kernel addresses: refused */
	struct rlimit64 *rl = (void *)kbuf;

	KEXPECT_EQ(t, sys_clock_gettime(12, NULL), -EINVAL);
	KEXPECT_EQ(t, sys_clock_gettime(-1, NULL), -EINVAL);
	KEXPECT_EQ(t, sys_clock_gettime(1, ts), -EFAULT);
	KEXPECT_EQ(t, sys_clock_getres(6, NULL), 0);
	KEXPECT_EQ(t, sys_clock_getres(8, NULL), -EINVAL);
	KEXPECT_EQ(t, sys_gettimeofday(NULL, NULL), 0);
	KEXPECT_EQ(t, sys_gettimeofday((struct kernel_timeval *)kbuf, NULL), -EFAULT);
	KEXPECT_EQ(t, sys_getrlimit(16, rl), -EINVAL);
	KEXPECT_EQ(t, sys_getrlimit(3, rl), -EFAULT);
	KEXPECT_EQ(t, sys_prlimit64(0, 3, rl, NULL), -EFAULT);
	KEXPECT_EQ(t, sys_getrandom(NULL, 0, 0), 0);
	KEXPECT_EQ(t, sys_getrandom(kbuf, 16, 8), -EINVAL);
	KEXPECT_EQ(t, sys_getrandom(kbuf, 16, 6), -EINVAL); /* INSECURE | RANDOM */
	KEXPECT_EQ(t, sys_getrandom(kbuf, 16, 1), -EFAULT);
	KEXPECT_EQ(t, sys_set_id(0), 0);
	KEXPECT_EQ(t, sys_set_id(1000), -EPERM);
	KEXPECT_EQ(t, sys_set_id(~0u), -EINVAL);
	KEXPECT_EQ(t, sys_reboot(0, REBOOT_MAGIC2, 0x4321fedc, NULL), -EINVAL);
	KEXPECT_EQ(t, sys_reboot(REBOOT_MAGIC1, 1, 0x4321fedc, NULL), -EINVAL);
	KEXPECT_EQ(t, sys_reboot(REBOOT_MAGIC1, REBOOT_MAGIC2, 0x12345678, NULL), -EINVAL);
	KEXPECT_EQ(t, sys_reboot(REBOOT_MAGIC1, 85072278, 0x89abcdef, NULL), 0); /* CAD_ON */
	KEXPECT_EQ(t, sys_reboot(REBOOT_MAGIC1, REBOOT_MAGIC2, 0xa1b2c3d4, kbuf), -EFAULT);
}
