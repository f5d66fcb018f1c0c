/* test_cmdline.c - host unit tests of the command-line parser (kernel/lib/cmdline.c).
 *
 * Build: gcc -std=gnu11 -g -O1 -DHOST_TEST -fsanitize=address,undefined -I. \
 *        tests/host/test_cmdline.c kernel/lib/cmdline.c tests/host/shim.c
 * Warnings the parser prints appear as "# cmdline: ..." lines; the tests check
 * how many were printed through cmdline_warnings().
 */
#include <string.h>
#include "kernel/lib/cmdline.h"
#include "tests/host/check.h"

#define CHECK_STR(a, b)                                                                   \
	do {                                                                              \
		const char *__a = (a), *__b = (b);                                        \
		if (!__a || !__b || strcmp(__a, __b)) {                                   \
			printf("    # %s:%d: CHECK_STR failed: %s == \"%s\", expected \"%s\"\n", \
			       __FILE__, __LINE__, #a, __a ? __a : "(null)", __b ? __b : "(null)"); \
			check_case_failed = 1;                                            \
		}                                                                         \
	} while (0)

static int count_params(void)
{
	const char *k, *v;
	int n = 0;

	while (cmdline_param(n, &k, &v))
		n++;
	return n;
}

TEST(plain_words)
{
	CHECK_EQ(cmdline_parse("quiet nosmp debug"), 0);
	CHECK_EQ(cmdline_warnings(), 0);
	CHECK(cmdline_has("quiet"));
	CHECK(cmdline_has("nosmp"));
	CHECK(cmdline_has("debug"));
	CHECK_STR(cmdline_get("quiet"), "");
	CHECK(!cmdline_has("x2apic"));
	CHECK(cmdline_get("x2apic") == NULL);
	CHECK(!cmdline_has("quie"));  /* no prefix matching on lookup */
	CHECK(!cmdline_has("quiet2"));
	CHECK_EQ(count_params(), 3);
	CHECK_EQ(cmdline_init_argc(), 0);
}

TEST(key_value)
{
	const char *k, *v;

	cmdline_parse("console=ttyS0,115200 loglevel=7 init=/bin/init panic=0 maxcpus=");
	CHECK_EQ(cmdline_warnings(), 0);
	CHECK_STR(cmdline_get("console"), "ttyS0,115200");
	CHECK_STR(cmdline_get("loglevel"), "7");
	CHECK_STR(cmdline_get("init"), "/bin/init");
	CHECK_STR(cmdline_get("panic"), "0");
	CHECK_STR(cmdline_get("maxcpus"), ""); /* key= is an empty value */
	CHECK(cmdline_param(0, &k, &v));
	CHECK_STR(k, "console");
	CHECK_STR(v, "ttyS0,115200");
	CHECK(cmdline_param(4, &k, &v));
	CHECK_STR(k, "maxcpus");
	CHECK(!cmdline_param(5, &k, &v));
	CHECK(!cmdline_param(-1, &k, &v));
}

TEST(value_with_equals)
{
	cmdline_parse("init=/bin/env=x console==");
	CHECK_STR(cmdline_get("init"), "/bin/env=x");
	CHECK_STR(cmdline_get("console"), "=");
}

TEST(quoted_values)
{
	cmdline_parse("init=\"/bin/x y\" console=\"ttyS0\" debug");
	CHECK_EQ(cmdline_warnings(), 0);
	CHECK_STR(cmdline_get("init"), "/bin/x y");
	CHECK_STR(cmdline_get("console"), "ttyS0");
	CHECK(cmdline_has("debug"));
	CHECK_EQ(count_params(), 3);

	/* Linux also accepts the quote around the whole word, or in the middle. */
	cmdline_parse("\"init=/bin/sh -c\" loglevel=\"1\"2 \"quiet\"");
	CHECK_STR(cmdline_get("init"), "/bin/sh -c");
	CHECK_STR(cmdline_get("loglevel"), "12");
	CHECK(cmdline_has("quiet"));

	/* Empty quoted value, and a tab inside quotes. */
	cmdline_parse("init=\"\" console=\"a\tb\"");
	CHECK_STR(cmdline_get("init"), "");
	CHECK_STR(cmdline_get("console"), "a\tb");
}

TEST(unterminated_quote)
{
	cmdline_parse("init=\"/bin/sh -x quiet");
	CHECK_EQ(cmdline_warnings(), 1);
	CHECK_STR(cmdline_get("init"), "/bin/sh -x quiet"); /* runs to the end */
	CHECK(!cmdline_has("quiet"));
}

TEST(dotted_keys)
{
	cmdline_parse("mm.lock=vma ktest.filter=vma_* ktest");
	CHECK_EQ(cmdline_warnings(), 0); /* mm.lock exact, ktest.filter via "ktest." prefix */
	CHECK_STR(cmdline_get("mm.lock"), "vma");
	CHECK_STR(cmdline_get("ktest.filter"), "vma_*");
	CHECK(cmdline_has("ktest"));
	CHECK(!cmdline_has("mm"));
	CHECK(cmdline_is_known("mm.lock"));
	CHECK(!cmdline_is_known("mm.lockx"));
	CHECK(!cmdline_is_known("mm."));
	CHECK(cmdline_is_known("ktest.anything"));
}

TEST(unknown_key_warns)
{
	CHECK_EQ(cmdline_parse("foo=1 quiet bar mm.locks=x"), 0);
	CHECK_EQ(cmdline_warnings(), 3);
	/* unknown keys are still recorded and readable */
	CHECK_STR(cmdline_get("foo"), "1");
	CHECK(cmdline_has("bar"));
	CHECK(cmdline_has("quiet"));
	CHECK_STR(cmdline_get("mm.locks"), "x");
}

TEST(empty_key_ignored)
{
	cmdline_parse("=x quiet \"\"");
	CHECK_EQ(cmdline_warnings(), 2);
	CHECK_EQ(count_params(), 1);
	CHECK(cmdline_has("quiet"));
	CHECK(!cmdline_has(""));
}

TEST(register_keys)
{
	cmdline_parse("sched.slice=3 myfeature");
	CHECK_EQ(cmdline_warnings(), 2);
	CHECK_EQ(cmdline_register("sched."), 0);
	CHECK_EQ(cmdline_register("myfeature"), 0);
	CHECK_EQ(cmdline_register("myfeature"), 0); /* duplicates are fine */
	CHECK_EQ(cmdline_register("quiet"), 0);     /* so are built-in keys */
	cmdline_parse("sched.slice=3 myfeature sched=1");
	CHECK_EQ(cmdline_warnings(), 1); /* "sched" alone does not match "sched." */
	CHECK_STR(cmdline_get("sched.slice"), "3");
	CHECK(cmdline_is_known("myfeature"));
}

TEST(register_overflow)
{
	static char names[CMDLINE_MAX_REGISTERED + 4][16];
	int ok = 0, full = 0;

	for (int i = 0; i < CMDLINE_MAX_REGISTERED + 4; i++) {
		snprintf(names[i], sizeof(names[i]), "reg%d", i);
		int r = cmdline_register(names[i]);
		if (r == 0)
			ok++;
		else if (r == -28)
			full++;
	}
	/* earlier cases may have used a few slots; the table fills, then refuses */
	CHECK_EQ(ok + full, CMDLINE_MAX_REGISTERED + 4);
	CHECK(full >= 4);
	CHECK_EQ(cmdline_register("one_more"), -28);
	CHECK(cmdline_is_known("reg0"));
	CHECK(!cmdline_is_known("one_more"));
}

TEST(dashes_split)
{
	cmdline_parse("init=/bin/sh quiet -- -c \"echo hi\" loglevel=3 -- x");
	CHECK_EQ(cmdline_warnings(), 0);
	CHECK_STR(cmdline_get("init"), "/bin/sh");
	CHECK(cmdline_has("quiet"));
	CHECK(!cmdline_has("loglevel")); /* after --: for init, not the kernel */
	CHECK_EQ(cmdline_init_argc(), 5);
	CHECK_STR(cmdline_init_arg(0), "-c");
	CHECK_STR(cmdline_init_arg(1), "echo hi");
	CHECK_STR(cmdline_init_arg(2), "loglevel=3");
	CHECK_STR(cmdline_init_arg(3), "--"); /* only the first -- splits */
	CHECK_STR(cmdline_init_arg(4), "x");
	CHECK(cmdline_init_arg(5) == NULL);
	CHECK(cmdline_init_arg(-1) == NULL);
}

TEST(dashes_edge_cases)
{
	cmdline_parse("quiet --");
	CHECK(cmdline_has("quiet"));
	CHECK_EQ(cmdline_init_argc(), 0);
	CHECK(!cmdline_has("--"));

	cmdline_parse("-- a b");
	CHECK_EQ(count_params(), 0);
	CHECK_EQ(cmdline_init_argc(), 2);
	CHECK_STR(cmdline_init_arg(1), "b");

	/* "--" glued to something, or quoted, is not the separator */
	cmdline_parse("--x quiet \"--\" debug");
	CHECK_EQ(cmdline_init_argc(), 0);
	CHECK(cmdline_has("--x"));
	CHECK(cmdline_has("--"));
	CHECK(cmdline_has("debug"));
}

TEST(blanks)
{
	cmdline_parse("   quiet    loglevel=4\t\tdebug  \n ");
	CHECK_EQ(cmdline_warnings(), 0);
	CHECK_EQ(count_params(), 3);
	CHECK_STR(cmdline_get("loglevel"), "4");
	CHECK(cmdline_has("debug"));
	CHECK_STR(cmdline_raw(), "   quiet    loglevel=4\t\tdebug  \n ");
}

TEST(empty_line)
{
	cmdline_parse("quiet");
	cmdline_parse("");
	CHECK_EQ(cmdline_warnings(), 0);
	CHECK_EQ(count_params(), 0);
	CHECK(!cmdline_has("quiet")); /* a new parse forgets the old line */
	CHECK_EQ(cmdline_init_argc(), 0);
	CHECK_STR(cmdline_raw(), "");

	cmdline_parse(NULL);
	CHECK_EQ(count_params(), 0);

	cmdline_parse("   \t ");
	CHECK_EQ(count_params(), 0);
}

TEST(overlong_line)
{
	static char line[4096];
	size_t n;

	n = sprintf(line, "quiet console=");
	memset(line + n, 'x', 1100);
	strcpy(line + n + 1100, " loglevel=9");
	cmdline_parse(line);
	CHECK_EQ(cmdline_warnings(), 1);
	CHECK_EQ(strlen(cmdline_raw()), CMDLINE_MAX_LEN - 1);
	CHECK(!strncmp(cmdline_raw(), line, CMDLINE_MAX_LEN - 1));
	CHECK(cmdline_has("quiet"));
	CHECK_EQ(strlen(cmdline_get("console")), CMDLINE_MAX_LEN - 1 - n); /* cut short */
	CHECK(!cmdline_has("loglevel")); /* beyond the cut */

	/* exactly the maximum is not truncated */
	memset(line, 'a', CMDLINE_MAX_LEN - 1);
	line[CMDLINE_MAX_LEN - 1] = '\0';
	memcpy(line, "init=", 5);
	cmdline_parse(line);
	CHECK_EQ(cmdline_warnings(), 0);
	CHECK_EQ(strlen(cmdline_get("init")), CMDLINE_MAX_LEN - 1 - 5);

	/* one more byte is */
	line[CMDLINE_MAX_LEN - 1] = 'b';
	line[CMDLINE_MAX_LEN] = '\0';
	cmdline_parse(line);
	CHECK_EQ(cmdline_warnings(), 1);
	CHECK_EQ(strlen(cmdline_get("init")), CMDLINE_MAX_LEN - 1 - 5);
}

TEST(too_many_params)
{
	static char line[4096];
	size_t n = 0;

	for (int i = 0; i < CMDLINE_MAX_PARAMS + 10; i++)
		n += sprintf(line + n, "%s ", i & 1 ? "quiet" : "debug");
	n += sprintf(line + n, "-- ");
	for (int i = 0; i < CMDLINE_MAX_INIT_ARGS + 3; i++)
		n += sprintf(line + n, "a ");
	CHECK(n < CMDLINE_MAX_LEN);
	cmdline_parse(line);
	CHECK_EQ(count_params(), CMDLINE_MAX_PARAMS);
	CHECK_EQ(cmdline_init_argc(), CMDLINE_MAX_INIT_ARGS);
	CHECK_EQ(cmdline_warnings(), 2); /* one per table, not one per word */
}

TEST(get_int)
{
	cmdline_parse("loglevel=7 maxcpus=0x10 panic=-5 a=64K b=2m c=1G d=0xffK e=0 f=08 "
		      "g=+3 h=1T i=0X1f");
	CHECK_EQ(cmdline_get_int("loglevel", -1), 7);
	CHECK_EQ(cmdline_get_int("maxcpus", -1), 16);
	CHECK_EQ(cmdline_get_int("panic", -1), -5);
	CHECK_EQ(cmdline_get_int("a", -1), 65536);
	CHECK_EQ(cmdline_get_int("b", -1), 2l << 20);
	CHECK_EQ(cmdline_get_int("c", -1), 1l << 30);
	CHECK_EQ(cmdline_get_int("d", -1), 0xffl << 10);
	CHECK_EQ(cmdline_get_int("e", -1), 0);
	CHECK_EQ(cmdline_get_int("f", -1), 8); /* not octal */
	CHECK_EQ(cmdline_get_int("g", -1), 3);
	CHECK_EQ(cmdline_get_int("h", -1), 1l << 40);
	CHECK_EQ(cmdline_get_int("i", -1), 31);
	CHECK_EQ(cmdline_get_int("absent", 42), 42);
	CHECK_EQ(cmdline_warnings(), 9); /* the unknown keys a..i, not the lookups */
}

TEST(get_int_malformed)
{
	cmdline_parse("quiet loglevel=abc maxcpus=12x panic=0x init=- debug=K console=1KK "
		      "ktest.a=99999999999999999999 ktest.b=16E ktest.c=0x8000000000000000 "
		      "ktest.d=-0x8000000000000000 ktest.e=0x7fffffffffffffff ktest.f=8589934592G "
		      "ktest.g=-9223372036854775809 ktest.h=1 2");
	CHECK_EQ(cmdline_warnings(), 1); /* the unknown "2" */
	CHECK_EQ(cmdline_get_int("quiet", 5), 5); /* bare key: no number */
	CHECK_EQ(cmdline_get_int("loglevel", 5), 5);
	CHECK_EQ(cmdline_get_int("maxcpus", 5), 5);
	CHECK_EQ(cmdline_get_int("panic", 5), 5);
	CHECK_EQ(cmdline_get_int("init", 5), 5);
	CHECK_EQ(cmdline_get_int("debug", 5), 5);
	CHECK_EQ(cmdline_get_int("console", 5), 5);
	CHECK_EQ(cmdline_get_int("ktest.a", 5), 5);
	CHECK_EQ(cmdline_get_int("ktest.b", 5), 5);
	CHECK_EQ(cmdline_get_int("ktest.c", 5), 5);       /* LONG_MAX + 1 */
	CHECK(cmdline_get_int("ktest.d", 5) == (-0x7fffffffffffffffl - 1)); /* LONG_MIN ok */
	CHECK(cmdline_get_int("ktest.e", 5) == 0x7fffffffffffffffl);       /* LONG_MAX ok */
	CHECK_EQ(cmdline_get_int("ktest.f", 5), 5);       /* 2^63 after the suffix */
	CHECK_EQ(cmdline_get_int("ktest.g", 5), 5);
	CHECK_EQ(cmdline_get_int("ktest.h", 5), 1);
	CHECK_EQ(cmdline_warnings(), 1 + 12); /* one per malformed lookup */
}

TEST(last_occurrence_wins)
{
	cmdline_parse("loglevel=3 console=tty0 loglevel=5 console=ttyS0 quiet loglevel=\"7\"");
	CHECK_STR(cmdline_get("console"), "ttyS0");
	CHECK_EQ(cmdline_get_int("loglevel", 0), 7);
	CHECK_EQ(count_params(), 6); /* all occurrences are kept for iteration */

	cmdline_parse("init=/a init");
	CHECK_STR(cmdline_get("init"), ""); /* a later bare key overrides the value */
}

TEST(raw_is_untouched)
{
	const char *line = "init=\"/bin/x y\" mm.lock=vma -- a \"b c\"";

	cmdline_parse(line);
	CHECK_STR(cmdline_raw(), line);
	CHECK_STR(cmdline_get("init"), "/bin/x y");
	CHECK_STR(cmdline_init_arg(1), "b c");
}

int main(void)
{
	/* Keys these cases use besides the kernel's own table: a plain key and
	 * a prefix, registered the way a subsystem would. */
	cmdline_register("debug");
	cmdline_register("ktest.");
	RUN(plain_words);
	RUN(key_value);
	RUN(value_with_equals);
	RUN(quoted_values);
	RUN(unterminated_quote);
	RUN(dotted_keys);
	RUN(unknown_key_warns);
	RUN(empty_key_ignored);
	RUN(register_keys);
	RUN(register_overflow);
	RUN(dashes_split);
	RUN(dashes_edge_cases);
	RUN(blanks);
	RUN(empty_line);
	RUN(overlong_line);
	RUN(too_many_params);
	RUN(get_int);
	RUN(get_int_malformed);
	RUN(last_occurrence_wins);
	RUN(raw_is_untouched);
	return check_done();
}
