/* cmdline.c - the kernel command-line parser (see cmdline.h for the syntax).
 *
 * The line is copied twice into static buffers: `raw` keeps it as given (for
 * /proc/cmdline) and `words` is cut in place into NUL-terminated keys, values
 * and init arguments, with the quotes squeezed out.  The tables below point
 * into `words`.  Nothing is allocated, so this runs before the memory manager
 * and compiles unchanged for host unit tests.
 *
 * Locking: none.  cmdline_register() and cmdline_parse() run on the boot CPU
 * before SMP bring-up; after that everything here is read-only.
 */
#include "kernel/lib/cmdline.h"
#include "kernel/printk.h"

#ifndef ENOSPC
#define ENOSPC 28
#endif

struct cmdline_kv {
	const char *key;
	const char *value; /* "" for a bare key */
};

static char raw[CMDLINE_MAX_LEN];
static char words[CMDLINE_MAX_LEN];
static struct cmdline_kv params[CMDLINE_MAX_PARAMS];
static int nparams;
static const char *init_args[CMDLINE_MAX_INIT_ARGS];
static int ninit_args;
static unsigned nparams_dropped, ninit_args_dropped; /* beyond the tables, warned once */
static unsigned nwarnings;

/* Parameters the kernel understands.  A name ending in '.' is a prefix. */
static const char *const builtin_keys[] = {
	"console",             /* console=ttyS0[,115200]: accepted (COM1 is always the console) */
	"quiet",               /* only warnings and worse on the console */
	"loglevel",            /* console log level 0..8 */
	"init",                /* path of the first user program */
	"init.batch",          /* DIR:NAME,...: run each as init in turn (tests/run.sh) */
	"ktest",               /* run the in-kernel self-tests, then exit QEMU */
	"crash",               /* deliberately crash (tests the oops path) */
	"panic",               /* panic=exit: leave QEMU after a panic (else halt) */
	"mm.lock",             /* page-fault lock mode: global, vma, ... */
	"mm.debug",            /* check the VMA tree at every mmap_write_unlock */
	"clear_page",          /* clear_page=NAME: how pages are zeroed (mm/clear_page.c) */
	"epoch.torture_seconds", /* the epoch ktest suite's length (make torture) */
	"nosmp",               /* do not start the other CPUs */
	"maxcpus",             /* start at most this many CPUs */
	"nox2apic",            /* stay in xAPIC mode (apic=xapic) */
	"apic",                /* apic=xapic|x2apic: force the local APIC mode */
	"apic.calibrate",      /* apic.calibrate=pit: skip the ACPI PM timer */
	"spinlock.timeout_ms", /* report a lock waited for this long as stuck */
	"spinlock",            /* spinlock=ticket|tas: force the spinlock kind (default: by CPU) */
	"lockstat.",           /* lockstat.print: the lock wait table when init exits */
	"smp.phantom_apic",    /* test knob: a CPU in the list that never answers */
	"bench.",              /* boot-time benchmarks: bench.zero (mm/zero_bench.c) */
};

static const char *registered[CMDLINE_MAX_REGISTERED];
static int nregistered;

static bool str_eq(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

static size_t str_len(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

/* Does table entry `name` accept `key`?  Exact match, or prefix if name ends in '.'. */
static bool key_matches(const char *name, const char *key)
{
	size_t n = str_len(name);

	if (n && name[n - 1] == '.') {
		for (size_t i = 0; i < n; i++)
			if (key[i] != name[i])
				return false;
		return true;
	}
	return str_eq(name, key);
}

bool cmdline_is_known(const char *key)
{
	for (size_t i = 0; i < ARRAY_SIZE(builtin_keys); i++)
		if (key_matches(builtin_keys[i], key))
			return true;
	for (int i = 0; i < nregistered; i++)
		if (key_matches(registered[i], key))
			return true;
	return false;
}

int cmdline_register(const char *key)
{
	if (cmdline_is_known(key))
		return 0; /* built in, registered before, or covered by a prefix */
	if (nregistered == CMDLINE_MAX_REGISTERED) {
		pr_warn("cmdline: too many registered parameters, '%s' not registered\n", key);
		return -ENOSPC;
	}
	registered[nregistered++] = key;
	return 0;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/*
 * Cut the next word out of *cursor, in place: skip leading blanks, then take
 * characters up to an unquoted blank, dropping the double quotes.  Returns the
 * NUL-terminated word, or NULL at the end of the line.  *quoted tells whether
 * the word contained a quote (so "--" in quotes is not the separator).
 */
static char *next_word(char **cursor, bool *quoted)
{
	char *s = *cursor, *start, *out;
	bool in_quote = false;

	while (is_blank(*s))
		s++;
	if (!*s) {
		*cursor = s;
		return NULL;
	}
	*quoted = false;
	start = out = s;
	for (; *s; s++) {
		if (*s == '"') {
			in_quote = !in_quote;
			*quoted = true;
			continue;
		}
		if (is_blank(*s) && !in_quote)
			break;
		*out++ = *s;
	}
	*cursor = *s ? s + 1 : s; /* computed before *out may overwrite the blank */
	*out = '\0';
	if (in_quote) {
		pr_warn("cmdline: unterminated quote in '%s'\n", start);
		nwarnings++;
	}
	return start;
}

static void add_param(char *word)
{
	char *value = word;

	while (*value && *value != '=')
		value++;
	if (*value == '=')
		*value++ = '\0'; /* the key ends at the first '='; the value follows */
	if (!*word) {
		pr_warn("cmdline: parameter without a name ('=%s') ignored\n", value);
		nwarnings++;
		return;
	}
	if (!cmdline_is_known(word)) {
		pr_warn("cmdline: unknown parameter '%s'\n", word);
		nwarnings++;
	}
	if (nparams == CMDLINE_MAX_PARAMS) {
		if (!nparams_dropped++) {
			pr_warn("cmdline: more than %d parameters, '%s' and later ignored\n",
				CMDLINE_MAX_PARAMS, word);
			nwarnings++;
		}
		return;
	}
	params[nparams].key = word;
	params[nparams].value = value;
	nparams++;
}

static void add_init_arg(const char *word)
{
	if (ninit_args == CMDLINE_MAX_INIT_ARGS) {
		if (!ninit_args_dropped++) {
			pr_warn("cmdline: more than %d init arguments, '%s' and later ignored\n",
				CMDLINE_MAX_INIT_ARGS, word);
			nwarnings++;
		}
		return;
	}
	init_args[ninit_args++] = word;
}

int cmdline_parse(const char *cmdline)
{
	size_t len = 0;
	bool after_dashes = false, quoted;
	char *cursor, *word;

	nparams = 0;
	ninit_args = 0;
	nparams_dropped = 0;
	ninit_args_dropped = 0;
	nwarnings = 0;
	if (!cmdline)
		cmdline = "";
	while (cmdline[len] && len < CMDLINE_MAX_LEN - 1) {
		raw[len] = words[len] = cmdline[len];
		len++;
	}
	raw[len] = words[len] = '\0';
	if (cmdline[len]) {
		pr_warn("cmdline: command line longer than %d bytes, truncated\n",
			CMDLINE_MAX_LEN - 1);
		nwarnings++;
	}

	cursor = words;
	while ((word = next_word(&cursor, &quoted))) {
		if (after_dashes)
			add_init_arg(word);
		else if (!quoted && str_eq(word, "--"))
			after_dashes = true;
		else
			add_param(word);
	}
	return 0;
}

const char *cmdline_get(const char *key)
{
	for (int i = nparams - 1; i >= 0; i--)
		if (str_eq(params[i].key, key))
			return params[i].value;
	return NULL;
}

bool cmdline_has(const char *key)
{
	return cmdline_get(key) != NULL;
}

/* Parse a whole string as a number (see cmdline_get_int).  False if malformed. */
static bool parse_long(const char *s, long *res)
{
	unsigned long v = 0, base = 10, limit;
	unsigned shift = 0;
	bool neg = false;
	int ndigits = 0;

	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	for (;; s++, ndigits++) {
		unsigned long d;

		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else
			break;
		if (v > (~0ul - d) / base)
			return false; /* overflow */
		v = v * base + d;
	}
	if (!ndigits)
		return false;
	switch (*s) {
	case 'k': case 'K': shift = 10; s++; break;
	case 'm': case 'M': shift = 20; s++; break;
	case 'g': case 'G': shift = 30; s++; break;
	case 't': case 'T': shift = 40; s++; break;
	}
	if (*s)
		return false; /* trailing garbage */
	if (v > (~0ul >> shift))
		return false;
	v <<= shift;
	limit = (unsigned long)__LONG_MAX__ + neg; /* |LONG_MIN| = LONG_MAX + 1 */
	if (v > limit)
		return false;
	*res = neg ? (long)(0ul - v) : (long)v;
	return true;
}

long cmdline_get_int(const char *key, long def)
{
	const char *value = cmdline_get(key);
	long res;

	if (!value)
		return def;
	if (!parse_long(value, &res)) {
		pr_warn("cmdline: %s='%s' is not a number, using %ld\n", key, value, def);
		nwarnings++;
		return def;
	}
	return res;
}

int cmdline_init_argc(void)
{
	return ninit_args;
}

const char *cmdline_init_arg(int i)
{
	if (i < 0 || i >= ninit_args)
		return NULL;
	return init_args[i];
}

const char *cmdline_raw(void)
{
	return raw;
}

unsigned cmdline_warnings(void)
{
	return nwarnings;
}

bool cmdline_param(int i, const char **key, const char **value)
{
	if (i < 0 || i >= nparams)
		return false;
	*key = params[i].key;
	*value = params[i].value;
	return true;
}
