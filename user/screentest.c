/* screentest.c - output for the screen-console test (tests/run.sh,
 * "screen-*"): clears the screen, scrolls it with numbered lines in every
 * colour, then exercises wrapping, attributes, reverse video, cursor moves
 * that overwrite text, erasing, save/restore and cursor hiding; prints
 * "SCREENTEST READY" and sleeps so the test can take a screendump and
 * compare it with what tests/host/fbshot.c renders from the same bytes.
 * `screentest host` writes the same bytes without sleeping (the test runs
 * it on the host to get them). */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void out(const char *s)
{
	for (size_t n = strlen(s), k; n; n -= k, s += k) {
		ssize_t r = write(1, s, n);
		if (r <= 0)
			_exit(1);
		k = (size_t)r;
	}
}

static void outf_line(int i)
{
	/* "line NN: ..." in foreground 1 + i % 7, bright on odd lines, and a
	 * background from the bright set every fifth line */
	char buf[96], *p = buf;
	p += sprintf(p, "\033[%d%sm", 31 + i % 7, i % 2 ? ";1" : "");
	if (i % 5 == 0)
		p += sprintf(p, "\033[%dm", 100 + i / 5 % 8);
	sprintf(p, "line %02d: the quick brown fox jumps over the lazy dog\033[0m\n", i);
	out(buf);
}

int main(int argc, char **argv)
{
	out("\033[2J\033[H");
	for (int i = 0; i < 80; i++) /* more rows than any screen here: scrolls */
		outf_line(i);
	/* A line longer than any screen is wide: wraps at the last column. */
	for (int i = 0; i < 30; i++)
		out(i % 2 ? "\033[96m0123456789abcdefghij\033[0m" : "ABCDEFGHIJ0123456789");
	out("\n");
	out("plain \033[1mbold\033[22m \033[7mreverse\033[27m \033[4;91;44mred on blue\033[0m \033[93;105m"
	    "bright\033[39;49m default\n");
	out("tabs:\tone\ttwo\tthree\b\bTT\n");
	out("overwrite: XXXXXXXXXX\033[6Dabc\033[2Ddef\033[1A\033[5C^\033[1B\r\n");
	out("erase: 0123456789\033[5D\033[K|\n");
	out("left-erase: 0123456789\033[8D\033[1K\n");
	out("\033[?25lhidden cursor \033[?25h\033]0;a title, ignored\a\033[5z\033(Bunknown sequences ignored\n");
	out("latin-1: caf\xc3\xa9 na\xc3\xafve \xc2\xa3 \xc2\xb0 \xc3\x9f\n");
	out("\0337\033[3;20H\033[30;47m SAVED AND MOVED \0338\033[0m restored\n");
	out("\033[s\033[5;30H\033[42m csi s/u \033[u\033[0mback\n");
	out("SCREENTEST READY\n");
	if (argc > 1 && !strcmp(argv[1], "host"))
		return 0;
	sleep(60); /* the test quits QEMU once it has its screendump */
	return 0;
}
