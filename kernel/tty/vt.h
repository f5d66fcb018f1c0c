/* vt.h - a VT100/ANSI terminal's text grid and escape-sequence parser
 * (kernel/tty/vt.c), with no hardware access: kernel/tty/fbcon.c paints the grid on
 * a framebuffer, tests/host/test_vt.c tests it, and the screen test's host
 * renderer (tests/host/fbshot.c) replays a program's output through it.
 *
 * The grid is a ring of rows: screen row r is stored at ring row
 * (top + r) % rows, so scrolling one line moves `top` and clears one row
 * (O(cols)), never the whole grid.  A cell is one uint16_t: a Latin-1
 * character in bits 0-7, the foreground palette index (0-15) in 8-11, the
 * background in 12-15 - the colours as they are to be drawn (bold and
 * reverse video already applied).
 *
 * Locking: none here; the caller serialises vt_write() (console_lock in
 * kernel/tty/console.c).  vt_cell() may be read by a painter without that lock
 * (a torn read is repainted at the next flush; see fbcon.c). */
#pragma once
#include "kernel/types.h"

#define VT_CELL(ch, fg, bg) ((uint16_t)((ch) | (fg) << 8 | (bg) << 12))
#define VT_CH(c) ((c) & 0xff)
#define VT_FG(c) (((c) >> 8) & 15)
#define VT_BG(c) (((c) >> 12) & 15)
#define VT_DEFAULT_FG 7 /* light grey on black, as Linux's console */
#define VT_DEFAULT_BG 0
#define VT_MAX_PARAMS 8

/* The 16 colours as 0xRRGGBB: the 8 ANSI colours, then their bright forms
 * (the VGA palette Linux's console uses). */
extern const uint32_t vt_palette[16];

struct vt_attr {
	uint8_t fg, bg; /* palette indices 0-7 (or 8-15 for the bright 90-97/100-107) */
	bool bold, reverse;
};

struct vt {
	unsigned cols, rows;
	uint16_t *cells;     /* rows * cols, a ring of rows (see above) */
	unsigned top;        /* ring row of screen row 0 */
	unsigned x, y;       /* cursor: column < cols, row < rows */
	bool wrap_pending;   /* a character went into the last column: the next one wraps first */
	bool cursor_visible; /* ESC[?25h / ESC[?25l */
	struct vt_attr attr;
	struct { /* ESC 7 / ESC[s */
		unsigned x, y;
		struct vt_attr attr;
	} saved;
	/* parser state */
	uint8_t state;
	bool private_mode; /* CSI ? ... */
	unsigned nparams;
	unsigned params[VT_MAX_PARAMS];
	uint32_t utf8_cp;  /* UTF-8 sequence being decoded */
	uint8_t utf8_left; /* continuation bytes still expected */
	uint64_t scrolls;  /* lines scrolled since vt_setup (statistics, tests) */
};

/* Use cells (cols * rows of them) as a blank grid, cursor at the top left. */
void vt_setup(struct vt *vt, uint16_t *cells, unsigned cols, unsigned rows);
/* Interpret n bytes of output: printable text (UTF-8; code points above
 * 0xff show as '?'), control characters and escape sequences.  A sequence
 * may be split across calls.  LF also returns the carriage (the console has
 * no termios output processing; the serial driver does the same). */
void vt_write(struct vt *vt, const char *s, size_t n);

/* The cell at screen column col, row row. */
static inline uint16_t vt_cell(const struct vt *vt, unsigned col, unsigned row)
{
	unsigned r = vt->top + row;
	if (r >= vt->rows)
		r -= vt->rows;
	return vt->cells[r * vt->cols + col];
}
