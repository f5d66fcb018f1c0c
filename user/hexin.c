/* hexin.c - print in hex each chunk read(2) from standard input returns, as
 * "read N: 1b 5b 41 0a", until end of file ("hexin: end of file").  For
 * seeing the bytes a key sends (tests/run.sh types arrows and ctrl-letters
 * on the PS/2 keyboard with it); the console is canonical, so a chunk is
 * one line.
 */
#include <stdio.h>
#include <unistd.h>

int main(void)
{
	unsigned char buf[256];
	ssize_t n;

	while ((n = read(0, buf, sizeof(buf))) > 0) {
		printf("read %zd:", n);
		for (ssize_t i = 0; i < n; i++)
			printf(" %02x", buf[i]);
		printf("\n");
		fflush(stdout);
	}
	if (n < 0) {
		perror("hexin: read");
		return 1;
	}
	printf("hexin: end of file\n");
	return 0;
}
