/* echo.c - print the arguments separated by blanks and ended by a newline;
 * with -n as the first argument, leave the newline out.  The whole line goes
 * out in one write(2).
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	bool newline = true;
	size_t len = 1, pos = 0;
	int first = 1;
	char *buf;

	if (argc > 1 && strcmp(argv[1], "-n") == 0) {
		newline = false;
		first = 2;
	}
	for (int i = first; i < argc; i++)
		len += strlen(argv[i]) + 1;
	buf = malloc(len);
	if (!buf)
		return 1;
	for (int i = first; i < argc; i++) {
		if (i > first)
			buf[pos++] = ' ';
		memcpy(buf + pos, argv[i], strlen(argv[i]));
		pos += strlen(argv[i]);
	}
	if (newline)
		buf[pos++] = '\n';
	for (size_t off = 0; off < pos;) {
		ssize_t n = write(1, buf + off, pos - off);
		if (n <= 0)
			return 1;
		off += n;
	}
	return 0;
}
