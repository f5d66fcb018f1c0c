/* test_vsnprintf.c - the kernel's vsnprintf against the host C library's
 * snprintf on the same formats and values. */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include "tests/host/check.h"

int k_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int k_snprintf(char *buf, size_t size, const char *fmt, ...);

/* Format with both implementations; they must agree on text and length. */
static int same(const char *fmt, ...)
{
	char a[256], b[256];
	va_list ap, aq;
	va_start(ap, fmt);
	va_copy(aq, ap);
	int na = k_vsnprintf(a, sizeof(a), fmt, ap);
	int nb = vsnprintf(b, sizeof(b), fmt, aq);
	va_end(aq);
	va_end(ap);
	if (na != nb || strcmp(a, b)) {
		printf("    # format \"%s\": kernel \"%s\" (%d), libc \"%s\" (%d)\n", fmt, a, na, b, nb);
		return 0;
	}
	return 1;
}

TEST(integers)
{
	CHECK(same("%d %i %u", -42, 17, 4000000000u));
	CHECK(same("%ld %lu %lld %llu", -1L, 2UL, -9223372036854775807LL - 1, 18446744073709551615ULL));
	CHECK(same("%x %X %#x %#X %o %#o", 0xdeadbeef, 0xabc, 255, 255, 8, 8));
	CHECK(same("%hd %hhu %hx", (short)-3, (unsigned char)250, (unsigned short)0xffff));
	CHECK(same("%zu %zx %td", (size_t)123456789, (size_t)0xfff, (ptrdiff_t)-5));
	CHECK(same("%d %u %x", 0, 0u, 0u));
}

TEST(width_precision_flags)
{
	CHECK(same("[%5d] [%-5d] [%05d] [%+d] [% d]", 42, 42, 42, 42, 42));
	CHECK(same("[%08x] [%-8x] [%#010x]", 0x1234, 0x1234, 0x1234));
	CHECK(same("[%.3d] [%8.3d] [%-8.3d] [%.0d]", 7, 7, 7, 0));
	CHECK(same("[%*d] [%-*d] [%.*d]", 6, 1, 6, 1, 4, 1));
	CHECK(same("[%016llx]", 0xffffffff80200000ULL));
	CHECK(same("[%5llu.%06llu]", 12ULL, 345ULL));
}

TEST(strings_chars_pointers)
{
	CHECK(same("[%s] [%10s] [%-10s] [%.2s] [%.*s]", "abc", "abc", "abc", "abc", 1, "xyz"));
	CHECK(same("[%c] [%3c] [%-3c] [%%]", 'a', 'b', 'c'));
	CHECK(same("%p", (void *)0xffff888000001000ULL));
	char buf[8];
	CHECK_EQ(k_snprintf(buf, sizeof(buf), "%s", (const char *)NULL), 6);
	CHECK(strcmp(buf, "(null)") == 0);
}

TEST(truncation)
{
	char buf[8];
	memset(buf, 'x', sizeof(buf));
	CHECK_EQ(k_snprintf(buf, 5, "hello world"), 11);
	CHECK(strcmp(buf, "hell") == 0);
	CHECK_EQ(buf[5], 'x'); /* nothing written past size */
	CHECK_EQ(k_snprintf(buf, 0, "abc"), 3);
	CHECK_EQ(buf[0], 'h');
	CHECK_EQ(k_snprintf(buf, 1, "abc"), 3);
	CHECK_EQ(buf[0], 0);
}

int main(void)
{
	RUN(integers);
	RUN(width_precision_flags);
	RUN(strings_chars_pointers);
	RUN(truncation);
	return check_done();
}
