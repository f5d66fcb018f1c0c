/* cmdline.h - the kernel command line, parsed the Linux way.
 *
 * The boot code hands the multiboot2 command line to cmdline_parse() once,
 * on the boot CPU, before other CPUs start; afterwards the getters are
 * read-only and may be called from anywhere without locking.
 *
 * Syntax (as Linux's Documentation/admin-guide/kernel-parameters.rst):
 *   - words are separated by blanks (space, tab, newline);
 *   - a word is `key=value` or a bare `key` (value "");
 *   - double quotes group blanks into a word and are removed:
 *     init="/bin/sh -x"  ->  key "init", value "/bin/sh -x";
 *   - keys may contain dots (mm.lock=vma);
 *   - everything after a standalone `--` word is handed to init as argv[1..]
 *     and is not parsed as kernel parameters;
 *   - if a key appears more than once, the last occurrence wins.
 *
 * Known parameters: a built-in table in cmdline.c lists the parameters the
 * kernel understands; a subsystem may add its own with cmdline_register()
 * before cmdline_parse().  A registered name ending in '.' is a prefix: "ktest."
 * accepts "ktest.filter", "ktest.repeat", ...  Unknown keys are kept (they can
 * still be read) but produce the warning "cmdline: unknown parameter 'foo'".
 */
#pragma once
#include "kernel/types.h"

#define CMDLINE_MAX_LEN 1024     /* bytes kept, including the final NUL */
#define CMDLINE_MAX_PARAMS 128   /* key[=value] words kept */
#define CMDLINE_MAX_INIT_ARGS 32 /* words after "--" kept */
#define CMDLINE_MAX_REGISTERED 32 /* extra known keys from cmdline_register() */

/* Declare an extra known key (or prefix, if it ends in '.').  The string must
 * stay valid forever (a literal).  Call before cmdline_parse().  Returns 0, or
 * -ENOSPC when the registration table is full. */
int cmdline_register(const char *key);

/* Copy and parse the command line (NULL is taken as "").  Warns about unknown
 * keys, a line longer than CMDLINE_MAX_LEN - 1 (truncated), too many words and
 * an unterminated quote.  May be called again: each call replaces the previous
 * result (host tests do this).  Returns 0. */
int cmdline_parse(const char *cmdline);

/* The value of the last occurrence of key: "" for a bare key, NULL if absent. */
const char *cmdline_get(const char *key);
bool cmdline_has(const char *key);

/* The value as a number: decimal or 0x hexadecimal (a leading 0 does NOT mean
 * octal: "loglevel=08" is 8), optional sign, optional K/M/G/T suffix (binary
 * multiples, either case: "64K" is 65536).
 * Returns def if the key is absent, and def with a warning if the value is
 * empty, malformed or overflows a long. */
long cmdline_get_int(const char *key, long def);

/* The words after "--", for init's argv[1..]. */
int cmdline_init_argc(void);
const char *cmdline_init_arg(int i); /* NULL if i is out of range */

/* The command line as given (after truncation), for /proc/cmdline. */
const char *cmdline_raw(void);

/* Whether key is in the built-in or registered table. */
bool cmdline_is_known(const char *key);

/* Number of warnings printed by the last cmdline_parse() and the getters since
 * (lets tests and ktests check that a line was clean). */
unsigned cmdline_warnings(void);

/* Iterate over the parsed parameters in command-line order: returns false when
 * i is past the end, else sets *key and *value ("" for a bare key). */
bool cmdline_param(int i, const char **key, const char **value);
