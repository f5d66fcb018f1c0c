/* sh.c - a tiny shell.  It prints "$ ", reads one line (the console does the
 * line editing and echo, so a plain read(2) is enough), splits it into words
 * at blanks ("double quotes" group blanks into one word), and runs it: the
 * builtins exit [N], cd [DIR] and help, or a program.  A name without '/' is
 * looked up in /bin, then /tests; the program gets the path it was found at
 * as argv[0] (the tests re-run themselves through it).  Programs start with
 * posix_spawn (clone(CLONE_VM|CLONE_VFORK) in musl) and are waited for with
 * wait4; a non-zero exit or a fatal signal is reported.  EOF ends the shell.
 */
#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define LINE_MAX_LEN 1024
#define MAX_WORDS    32

extern char **environ;

static char line_buf[LINE_MAX_LEN];
static size_t line_len; /* bytes in line_buf, possibly several lines */

static void put_str(const char *s)
{
	write(1, s, strlen(s));
}

/* Read one line into line (NUL-terminated, no '\n'); returns false at EOF
 * with nothing left.  Input past the newline stays for the next call. */
static bool read_line(char *line)
{
	for (;;) {
		char *nl = memchr(line_buf, '\n', line_len);
		size_t n = nl ? (size_t)(nl - line_buf) : line_len;

		if (nl || line_len == sizeof(line_buf)) { /* a line, or a full buffer */
			memcpy(line, line_buf, n);
			line[n] = '\0';
			n += nl ? 1 : 0;
			memmove(line_buf, line_buf + n, line_len - n);
			line_len -= n;
			return true;
		}
		ssize_t r = read(0, line_buf + line_len, sizeof(line_buf) - line_len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) { /* EOF: run a last unterminated line, if any */
			if (line_len == 0)
				return false;
			memcpy(line, line_buf, line_len);
			line[line_len] = '\0';
			line_len = 0;
			return true;
		}
		line_len += r;
	}
}

/* Split line in place into words; returns the number of words. */
static int split_words(char *line, char **words)
{
	int n = 0;
	char *in = line, *out = line;

	while (n < MAX_WORDS) {
		while (*in == ' ' || *in == '\t' || *in == '\r')
			in++;
		if (!*in)
			break;
		words[n++] = out;
		for (bool quoted = false; *in && (quoted || (*in != ' ' && *in != '\t' && *in != '\r')); in++) {
			if (*in == '"')
				quoted = !quoted;
			else
				*out++ = *in;
		}
		if (*in)
			in++;
		*out++ = '\0';
	}
	words[n] = NULL;
	return n;
}

/* Find the program for name; returns false if there is none. */
static bool find_program(const char *name, char *path, size_t len)
{
	static const char *const dirs[] = {"/bin", "/tests"};
	struct stat st;

	if (strchr(name, '/')) {
		snprintf(path, len, "%s", name);
		return stat(path, &st) == 0;
	}
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(path, len, "%s/%s", dirs[i], name);
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
			return true;
	}
	return false;
}

/* Run a program and wait for it; returns its status in the shell's terms. */
static int run_program(char **words)
{
	char path[256], msg[320];
	pid_t pid, r;
	int err, status;

	if (!find_program(words[0], path, sizeof(path))) {
		snprintf(msg, sizeof(msg), "sh: %s: not found\n", words[0]);
		put_str(msg);
		return 127;
	}
	words[0] = path;
	err = posix_spawn(&pid, path, NULL, NULL, words, environ);
	if (err) {
		snprintf(msg, sizeof(msg), "sh: %s: %s\n", path, strerror(err));
		put_str(msg);
		return 126;
	}
	/* wait4(-1): when this shell is process 1, orphans are reaped too. */
	do
		r = wait4(-1, &status, 0, NULL);
	while ((r < 0 && errno == EINTR) || (r > 0 && r != pid));
	if (r < 0) {
		snprintf(msg, sizeof(msg), "sh: wait4: %s\n", strerror(errno));
		put_str(msg);
		return 1;
	}
	if (WIFSIGNALED(status)) {
		snprintf(msg, sizeof(msg), "[killed by signal %d (%s)]\n", WTERMSIG(status),
			 strsignal(WTERMSIG(status)));
		put_str(msg);
		return 128 + WTERMSIG(status);
	}
	if (WEXITSTATUS(status)) {
		snprintf(msg, sizeof(msg), "[exit %d]\n", WEXITSTATUS(status));
		put_str(msg);
	}
	return WEXITSTATUS(status);
}

/* Run one command line; returns its status. */
static int run_line(char *line)
{
	char *words[MAX_WORDS + 1];
	int n = split_words(line, words);

	if (n == 0)
		return 0;
	if (strcmp(words[0], "exit") == 0)
		exit(n > 1 ? atoi(words[1]) : 0);
	if (strcmp(words[0], "cd") == 0) {
		if (chdir(n > 1 ? words[1] : "/") == 0)
			return 0;
		char msg[320];
		snprintf(msg, sizeof(msg), "sh: cd: %s: %s\n", n > 1 ? words[1] : "/", strerror(errno));
		put_str(msg);
		return 1;
	}
	if (strcmp(words[0], "help") == 0) {
		put_str("builtins: exit [N] (leave the shell; at the top level this powers off), cd [DIR], help\n"
			"other words run a program from /bin or /tests (try: ls /bin /tests)\n");
		return 0;
	}
	return run_program(words);
}

int main(void)
{
	char line[LINE_MAX_LEN + 1];

	for (;;) {
		put_str("$ ");
		if (!read_line(line))
			break;
		run_line(line);
	}
	put_str("\n");
	return 0;
}
