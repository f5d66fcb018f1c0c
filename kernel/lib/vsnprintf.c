/* vsnprintf.c - formatted output for printk and friends.  Portable (host
 * tested).  Supports %d %i %u %x %X %o %p %s %c %% with flags '-', '0', '#',
 * '+', ' ', a width and precision (also '*'), and length modifiers hh h l ll
 * z t j.  Output is always NUL-terminated when size > 0; the return value is
 * the length the full output would have had, as in C. */
#include <stdarg.h>
#include "kernel/printk.h"

struct out {
	char *buf;
	size_t size, len;
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void put_repeat(struct out *o, char c, int n)
{
	while (n-- > 0)
		put(o, c);
}

enum { F_LEFT = 1, F_ZERO = 2, F_ALT = 4, F_PLUS = 8, F_SPACE = 16 };

static void put_number(struct out *o, unsigned long long v, bool neg, unsigned base, bool upper,
		       int flags, int width, int prec)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0;
	while (v) {
		tmp[n++] = digits[v % base];
		v /= base;
	}
	if (prec < 0 && n == 0)
		tmp[n++] = '0';
	char sign = neg ? '-' : (flags & F_PLUS) ? '+' : (flags & F_SPACE) ? ' ' : 0;
	const char *prefix = (flags & F_ALT) && base == 16 ? (upper ? "0X" : "0x") : (flags & F_ALT) && base == 8 ? "0" : "";
	int plen = (sign ? 1 : 0) + (int)__builtin_strlen(prefix);
	int zeros = prec > n ? prec - n : 0;
	int pad = width - plen - zeros - n;
	if ((flags & F_ZERO) && !(flags & F_LEFT) && prec < 0) {
		zeros += pad > 0 ? pad : 0;
		pad = 0;
	}
	if (!(flags & F_LEFT))
		put_repeat(o, ' ', pad);
	if (sign)
		put(o, sign);
	for (; *prefix; prefix++)
		put(o, *prefix);
	put_repeat(o, '0', zeros);
	while (n)
		put(o, tmp[--n]);
	if (flags & F_LEFT)
		put_repeat(o, ' ', pad);
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };
	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			put(&o, *fmt);
			continue;
		}
		int flags = 0, width = 0, prec = -1, len = 0;
		for (;;) {
			char c = *++fmt;
			if (c == '-')
				flags |= F_LEFT;
			else if (c == '0')
				flags |= F_ZERO;
			else if (c == '#')
				flags |= F_ALT;
			else if (c == '+')
				flags |= F_PLUS;
			else if (c == ' ')
				flags |= F_SPACE;
			else
				break;
		}
		if (*fmt == '*') {
			width = va_arg(ap, int);
			if (width < 0) {
				flags |= F_LEFT;
				width = -width;
			}
			fmt++;
		} else {
			while (*fmt >= '0' && *fmt <= '9')
				width = width * 10 + (*fmt++ - '0');
		}
		if (*fmt == '.') {
			fmt++;
			prec = 0;
			if (*fmt == '*') {
				prec = va_arg(ap, int);
				fmt++;
			} else {
				while (*fmt >= '0' && *fmt <= '9')
					prec = prec * 10 + (*fmt++ - '0');
			}
		}
		/* len: 0 int, 1 long, 2 long long, -1 short, -2 char */
		for (;; fmt++) {
			if (*fmt == 'l')
				len++;
			else if (*fmt == 'h')
				len--;
			else if (*fmt == 'z' || *fmt == 't' || *fmt == 'j')
				len = 2;
			else
				break;
		}
		char c = *fmt;
		if (!c)
			break;
		unsigned long long u;
		long long s;
		switch (c) {
		case 'd':
		case 'i':
			s = len >= 2 ? va_arg(ap, long long) : len == 1 ? va_arg(ap, long) : va_arg(ap, int);
			if (len == -1)
				s = (short)s;
			else if (len <= -2)
				s = (signed char)s;
			u = s < 0 ? -(unsigned long long)s : (unsigned long long)s;
			put_number(&o, u, s < 0, 10, false, flags, width, prec);
			break;
		case 'u':
		case 'x':
		case 'X':
		case 'o':
			u = len >= 2 ? va_arg(ap, unsigned long long)
			    : len == 1 ? va_arg(ap, unsigned long) : va_arg(ap, unsigned int);
			if (len == -1)
				u = (unsigned short)u;
			else if (len <= -2)
				u = (unsigned char)u;
			put_number(&o, u, false, c == 'u' ? 10 : c == 'o' ? 8 : 16, c == 'X', flags, width, prec);
			break;
		case 'p':
			put_number(&o, (unsigned long)va_arg(ap, void *), false, 16, false, flags | F_ALT, width, prec);
			break;
		case 'c':
			if (!(flags & F_LEFT))
				put_repeat(&o, ' ', width - 1);
			put(&o, (char)va_arg(ap, int));
			if (flags & F_LEFT)
				put_repeat(&o, ' ', width - 1);
			break;
		case 's': {
			const char *str = va_arg(ap, const char *);
			if (!str)
				str = "(null)";
			int n = 0;
			while (str[n] && (prec < 0 || n < prec))
				n++;
			if (!(flags & F_LEFT))
				put_repeat(&o, ' ', width - n);
			for (int i = 0; i < n; i++)
				put(&o, str[i]);
			if (flags & F_LEFT)
				put_repeat(&o, ' ', width - n);
			break;
		}
		case '%':
			put(&o, '%');
			break;
		default: /* unknown conversion: print it as is */
			put(&o, '%');
			put(&o, c);
			break;
		}
	}
	if (size)
		buf[o.len < size ? o.len : size - 1] = 0;
	return (int)o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
