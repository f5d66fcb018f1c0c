/* fbshot.c - host tool of the screen-console test (tests/run.sh, "screen"):
 *
 *   fbshot monitor SOCKET COMMAND   send one command to QEMU's human monitor
 *                                   on a unix socket and wait until it is done
 *                                   (the next "(qemu)" prompt); prints its reply
 *   fbshot render STREAM W H OUT    what the screen console must show after
 *                                   the bytes in file STREAM, on a W x H
 *                                   screen, as a PPM (P6) image
 *   fbshot compare WANT GOT         exit 0 if the two PPM images are equal
 *                                   pixel for pixel, else say where they differ
 *
 * render replays STREAM through the kernel's own kernel/tty/vt.c (so the test
 * checks the drawing, not only the parser) but paints the pixels with its
 * own code, from the same font (build/gen/font_data.c) and vt_palette: the
 * text grid at the top left, glyph cells of font_console.width x height,
 * the cursor (when visible) as its cell with colours swapped, the rest
 * black. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include "kernel/tty/font.h"
#include "kernel/tty/vt.h"

static void die(const char *fmt, const char *arg)
{
	fprintf(stderr, "fbshot: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n");
	exit(2);
}

static int monitor(const char *path, const char *cmd)
{
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	if (fd < 0 || strlen(path) >= sizeof(a.sun_path))
		die("bad socket %s", path);
	strcpy(a.sun_path, path);
	alarm(30); /* a monitor that never answers */
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		die("cannot connect to %s", path);
	static char buf[1 << 16];
	size_t len = 0;
	int prompts = 0;
	bool sent = false;
	while (prompts < 2) {
		ssize_t n = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (n <= 0)
			die("the monitor closed the connection (%s)", n < 0 ? strerror(errno) : "EOF");
		len += (size_t)n;
		buf[len] = 0;
		prompts = 0;
		for (char *p = buf; (p = strstr(p, "(qemu)")); p += 6)
			prompts++;
		if (prompts >= 1 && !sent) {
			dprintf(fd, "%s\n", cmd);
			sent = true;
		}
		if (len == sizeof(buf) - 1)
			len = 0; /* a flood: keep reading for the prompt */
	}
	fputs(buf, stdout);
	close(fd);
	return 0;
}

struct image {
	unsigned w, h;
	unsigned char *rgb; /* w * h * 3 */
};

static void read_ppm(const char *path, struct image *im)
{
	FILE *f = fopen(path, "rb");
	unsigned maxval;
	if (!f || fscanf(f, "P6 %u %u %u", &im->w, &im->h, &maxval) != 3 || maxval != 255 || fgetc(f) == EOF ||
	    !im->w || !im->h || im->w > 16384 || im->h > 16384)
		die("%s: not a P6 PPM image of maxval 255", path);
	size_t n = (size_t)im->w * im->h * 3;
	im->rgb = malloc(n);
	if (!im->rgb || fread(im->rgb, 1, n, f) != n)
		die("%s: truncated", path);
	fclose(f);
}

static int render(const char *stream_path, unsigned w, unsigned h, const char *out)
{
	const struct font_desc *font = &font_console;
	FILE *f = fopen(stream_path, "rb");
	if (!f)
		die("cannot read %s", stream_path);
	static char stream[1 << 20];
	size_t n = fread(stream, 1, sizeof(stream), f);
	fclose(f);
	unsigned cols = w / font->width, rows = h / font->height;
	if (!cols || !rows)
		die("screen too small (%s)", "for one glyph");
	uint16_t *cells = calloc((size_t)cols * rows, sizeof(*cells));
	struct vt vt;
	vt_setup(&vt, cells, cols, rows);
	vt_write(&vt, stream, n);
	struct image im = { w, h, calloc((size_t)w * h, 3) };
	for (unsigned r = 0; r < rows; r++)
		for (unsigned c = 0; c < cols; c++) {
			uint16_t cell = vt_cell(&vt, c, r);
			uint32_t fg = vt_palette[VT_FG(cell)], bg = vt_palette[VT_BG(cell)];
			if (vt.cursor_visible && c == vt.x && r == vt.y) {
				uint32_t t = fg;
				fg = bg;
				bg = t;
			}
			const uint8_t *g = font->glyphs + (size_t)VT_CH(cell) * font->height * font->stride;
			for (unsigned y = 0; y < font->height; y++)
				for (unsigned x = 0; x < font->width; x++) {
					bool on = g[y * font->stride + x / 8] & (0x80 >> (x % 8));
					uint32_t rgb = on ? fg : bg;
					unsigned char *p = im.rgb + (((size_t)r * font->height + y) * w + c * font->width + x) * 3;
					p[0] = rgb >> 16, p[1] = rgb >> 8 & 0xff, p[2] = rgb & 0xff;
				}
		}
	FILE *o = fopen(out, "wb");
	if (!o)
		die("cannot write %s", out);
	fprintf(o, "P6\n%u %u\n255\n", w, h);
	fwrite(im.rgb, 3, (size_t)w * h, o);
	fclose(o);
	return 0;
}

static int compare(const char *want_path, const char *got_path)
{
	const struct font_desc *font = &font_console;
	struct image a, b;
	read_ppm(want_path, &a);
	read_ppm(got_path, &b);
	if (a.w != b.w || a.h != b.h) {
		printf("size differs: want %ux%u, got %ux%u\n", a.w, a.h, b.w, b.h);
		return 1;
	}
	size_t bad = 0, first = 0;
	for (size_t i = 0; i < (size_t)a.w * a.h; i++)
		if (memcmp(a.rgb + 3 * i, b.rgb + 3 * i, 3) && !bad++)
			first = i;
	if (!bad) {
		printf("%ux%u: all %zu pixels equal\n", a.w, a.h, (size_t)a.w * a.h);
		return 0;
	}
	unsigned x = first % a.w, y = first / a.w;
	const unsigned char *p = a.rgb + 3 * first, *q = b.rgb + 3 * first;
	printf("%zu of %zu pixels differ; the first at (%u,%u), cell column %u row %u: want #%02x%02x%02x, got "
	       "#%02x%02x%02x\n", bad, (size_t)a.w * a.h, x, y, x / font->width, y / font->height, p[0], p[1], p[2],
	       q[0], q[1], q[2]);
	return 1;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "monitor"))
		return monitor(argv[2], argv[3]);
	if (argc == 6 && !strcmp(argv[1], "render"))
		return render(argv[2], (unsigned)atoi(argv[3]), (unsigned)atoi(argv[4]), argv[5]);
	if (argc == 4 && !strcmp(argv[1], "compare"))
		return compare(argv[2], argv[3]);
	fprintf(stderr, "usage: fbshot monitor SOCKET COMMAND | render STREAM W H OUT.ppm | compare WANT.ppm GOT.ppm\n");
	return 2;
}
