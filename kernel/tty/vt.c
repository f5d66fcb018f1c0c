/* vt.c - the terminal emulator behind the screen console: a text grid and
 * the VT100/ANSI (ECMA-48) sequences a terminal program needs.  Portable: no
 * hardware access, so tests/host/test_vt.c runs it on the host.  vt.h
 * describes the grid; the sequences understood are:
 *
 *   CR, LF (also returns the carriage), BS, TAB (to the next multiple of 8),
 *   BEL and other C0 controls ignored;
 *   ESC 7 / ESC 8 save / restore cursor and attributes, ESC c reset,
 *   ESC ( X and ESC ) X (character sets) swallowed, ESC ] ... (OSC,
 *   to BEL or ESC \) swallowed;
 *   CSI n A/B/C/D (cursor up/down/right/left), CSI r;c H and f (position,
 *   1-based, clamped), CSI n G (column), CSI n d (row), CSI n J (erase
 *   below / above / all), CSI n K (erase right / left / line), CSI s / u
 *   (save / restore), CSI ... m (0 reset, 1 bold, 22 normal, 7 reverse,
 *   27 not reversed, 30-37 / 40-47 colours, 90-97 / 100-107 bright, 39 / 49
 *   default), CSI ? 25 l / h (hide / show the cursor).
 * Anything else - an unknown final byte, a private mode other than 25,
 * intermediate bytes - is consumed and ignored, never printed.
 *
 * Wrapping is deferred as on a VT100: a character written into the last
 * column leaves the cursor there with wrap_pending set; the next printable
 * character first moves to the start of the next line (scrolling at the
 * bottom), and any cursor movement cancels the pending wrap.  Erasing
 * fills with spaces in the default foreground on the current background. */
#include "kernel/tty/vt.h"

const uint32_t vt_palette[16] = {
	0x000000, 0xaa0000, 0x00aa00, 0xaa5500, 0x0000aa, 0xaa00aa, 0x00aaaa, 0xaaaaaa,
	0x555555, 0xff5555, 0x55ff55, 0xffff55, 0x5555ff, 0xff55ff, 0x55ffff, 0xffffff,
};

enum { S_NORMAL, S_ESC, S_CSI, S_CHARSET, S_OSC, S_OSC_ESC };

static uint16_t *row_ptr(struct vt *vt, unsigned row)
{
	unsigned r = vt->top + row;
	if (r >= vt->rows)
		r -= vt->rows;
	return &vt->cells[r * vt->cols];
}

static uint16_t blank(const struct vt *vt)
{
	uint8_t bg = vt->attr.reverse ? vt->attr.fg : vt->attr.bg;
	return VT_CELL(' ', VT_DEFAULT_FG, bg);
}

static void fill(struct vt *vt, unsigned row, unsigned from, unsigned to)
{
	uint16_t *p = row_ptr(vt, row), b = blank(vt);
	for (unsigned c = from; c < to && c < vt->cols; c++)
		p[c] = b;
}

static void reset_attr(struct vt_attr *a) { *a = (struct vt_attr){ VT_DEFAULT_FG, VT_DEFAULT_BG, false, false }; }

void vt_setup(struct vt *vt, uint16_t *cells, unsigned cols, unsigned rows)
{
	*vt = (struct vt){ .cols = cols, .rows = rows, .cells = cells, .cursor_visible = true };
	reset_attr(&vt->attr);
	vt->saved.attr = vt->attr;
	for (unsigned r = 0; r < rows; r++)
		fill(vt, r, 0, cols);
}

/* Move down one line, scrolling the grid up at the bottom row. */
static void line_feed(struct vt *vt)
{
	if (vt->y + 1 < vt->rows) {
		vt->y++;
		return;
	}
	vt->top = vt->top + 1 == vt->rows ? 0 : vt->top + 1;
	fill(vt, vt->rows - 1, 0, vt->cols);
	vt->scrolls++;
}

static void move_to(struct vt *vt, long x, long y)
{
	vt->x = x < 0 ? 0 : x >= (long)vt->cols ? vt->cols - 1 : (unsigned)x;
	vt->y = y < 0 ? 0 : y >= (long)vt->rows ? vt->rows - 1 : (unsigned)y;
	vt->wrap_pending = false;
}

static void put_char(struct vt *vt, unsigned ch)
{
	if (vt->wrap_pending) {
		vt->x = 0;
		line_feed(vt);
		vt->wrap_pending = false;
	}
	const struct vt_attr *a = &vt->attr;
	uint8_t fg = a->fg, bg = a->bg;
	if (a->bold && fg < 8)
		fg += 8; /* bold shows as the bright colour, as on Linux's console */
	if (a->reverse) {
		uint8_t t = fg;
		fg = bg;
		bg = t;
	}
	row_ptr(vt, vt->y)[vt->x] = VT_CELL(ch > 0xff ? '?' : ch, fg, bg);
	if (vt->x + 1 < vt->cols)
		vt->x++;
	else
		vt->wrap_pending = true;
}

static unsigned param(const struct vt *vt, unsigned i, unsigned dflt)
{
	return i < vt->nparams && vt->params[i] ? vt->params[i] : dflt;
}

static void save_cursor(struct vt *vt)
{
	vt->saved.x = vt->x;
	vt->saved.y = vt->y;
	vt->saved.attr = vt->attr;
}

static void restore_cursor(struct vt *vt)
{
	move_to(vt, vt->saved.x, vt->saved.y);
	vt->attr = vt->saved.attr;
}

static void select_graphic_rendition(struct vt *vt)
{
	if (vt->nparams == 0)
		vt->nparams = 1, vt->params[0] = 0; /* CSI m is CSI 0 m */
	for (unsigned i = 0; i < vt->nparams; i++) {
		unsigned p = vt->params[i];
		struct vt_attr *a = &vt->attr;
		if (p == 0)
			reset_attr(a);
		else if (p == 1)
			a->bold = true;
		else if (p == 22)
			a->bold = false;
		else if (p == 7)
			a->reverse = true;
		else if (p == 27)
			a->reverse = false;
		else if (p >= 30 && p <= 37)
			a->fg = p - 30;
		else if (p == 39)
			a->fg = VT_DEFAULT_FG;
		else if (p >= 40 && p <= 47)
			a->bg = p - 40;
		else if (p == 49)
			a->bg = VT_DEFAULT_BG;
		else if (p >= 90 && p <= 97)
			a->fg = p - 90 + 8;
		else if (p >= 100 && p <= 107)
			a->bg = p - 100 + 8;
		else if (p == 38 || p == 48)
			break; /* 256-colour / RGB forms: not supported, and their arguments are no attributes */
	}
}

static void erase_display(struct vt *vt, unsigned mode)
{
	if (mode == 0) { /* cursor to end */
		fill(vt, vt->y, vt->x, vt->cols);
		for (unsigned r = vt->y + 1; r < vt->rows; r++)
			fill(vt, r, 0, vt->cols);
	} else if (mode == 1) { /* start to cursor, inclusive */
		for (unsigned r = 0; r < vt->y; r++)
			fill(vt, r, 0, vt->cols);
		fill(vt, vt->y, 0, vt->x + 1);
	} else if (mode == 2 || mode == 3) {
		for (unsigned r = 0; r < vt->rows; r++)
			fill(vt, r, 0, vt->cols);
	}
}

static void erase_line(struct vt *vt, unsigned mode)
{
	if (mode == 0)
		fill(vt, vt->y, vt->x, vt->cols);
	else if (mode == 1)
		fill(vt, vt->y, 0, vt->x + 1);
	else if (mode == 2)
		fill(vt, vt->y, 0, vt->cols);
}

static void csi_dispatch(struct vt *vt, char final)
{
	long x = vt->x, y = vt->y, n = param(vt, 0, 1);
	if (vt->private_mode) {
		if (vt->nparams >= 1 && vt->params[0] == 25 && (final == 'h' || final == 'l'))
			vt->cursor_visible = final == 'h';
		return;
	}
	switch (final) {
	case 'A': move_to(vt, x, y - n); break;
	case 'B': move_to(vt, x, y + n); break;
	case 'C': move_to(vt, x + n, y); break;
	case 'D': move_to(vt, x - n, y); break;
	case 'G': move_to(vt, n - 1, y); break;
	case 'd': move_to(vt, x, n - 1); break;
	case 'H':
	case 'f': move_to(vt, (long)param(vt, 1, 1) - 1, n - 1); break;
	case 'J': erase_display(vt, vt->nparams ? vt->params[0] : 0); break;
	case 'K': erase_line(vt, vt->nparams ? vt->params[0] : 0); break;
	case 'm': select_graphic_rendition(vt); break;
	case 's': save_cursor(vt); break;
	case 'u': restore_cursor(vt); break;
	default: break; /* unknown: ignored */
	}
}

static void csi_byte(struct vt *vt, char c)
{
	if (c >= '0' && c <= '9') {
		if (vt->nparams == 0)
			vt->nparams = 1;
		unsigned *p = &vt->params[vt->nparams - 1];
		if (*p < 10000) /* clamp: huge counts mean "as far as it goes" */
			*p = *p * 10 + (unsigned)(c - '0');
	} else if (c == ';' || c == ':') {
		if (vt->nparams == 0)
			vt->nparams = 1; /* ";5H": an empty first parameter */
		if (vt->nparams < VT_MAX_PARAMS)
			vt->params[vt->nparams++] = 0;
	} else if (c == '?' || c == '>' || c == '=' || c == '<') {
		vt->private_mode = true;
	} else if (c >= 0x40 && c <= 0x7e) {
		csi_dispatch(vt, c);
		vt->state = S_NORMAL;
	} else if ((unsigned char)c < 0x20 || c == 0x7f) {
		; /* a control character inside a sequence: ignored */
	} /* intermediates 0x20-0x2f: ignored; the final byte ends the sequence */
}

static void esc_byte(struct vt *vt, char c)
{
	vt->state = S_NORMAL;
	switch (c) {
	case '[':
		vt->state = S_CSI;
		vt->nparams = 0;
		vt->private_mode = false;
		for (unsigned i = 0; i < VT_MAX_PARAMS; i++)
			vt->params[i] = 0;
		break;
	case ']': vt->state = S_OSC; break;
	case '(':
	case ')':
	case '#': vt->state = S_CHARSET; break; /* one more byte to swallow */
	case '7': save_cursor(vt); break;
	case '8': restore_cursor(vt); break;
	case 'c': {
		uint16_t *cells = vt->cells;
		vt_setup(vt, cells, vt->cols, vt->rows);
		break;
	}
	case '\033': vt->state = S_ESC; break; /* ESC ESC: the second one starts over */
	default: break;                          /* unknown: ignored */
	}
}

static void control(struct vt *vt, char c)
{
	switch (c) {
	case '\r': vt->x = 0; vt->wrap_pending = false; break;
	case '\n':
	case '\v':
	case '\f':
		vt->x = 0;
		vt->wrap_pending = false;
		line_feed(vt);
		break;
	case '\b': move_to(vt, (long)vt->x - 1, vt->y); break;
	case '\t': move_to(vt, (long)(vt->x / 8 + 1) * 8, vt->y); break;
	case '\033': vt->state = S_ESC; break;
	default: break; /* BEL, NUL and the rest: nothing */
	}
}

/* A byte of text: decode UTF-8 (malformed bytes show as '?'). */
static void text_byte(struct vt *vt, unsigned char c)
{
	if (vt->utf8_left) {
		if ((c & 0xc0) == 0x80) {
			vt->utf8_cp = vt->utf8_cp << 6 | (c & 0x3f);
			if (--vt->utf8_left == 0)
				put_char(vt, vt->utf8_cp < 0x80 ? '?' : vt->utf8_cp); /* overlong: '?' */
			return;
		}
		vt->utf8_left = 0;
		put_char(vt, '?'); /* a truncated sequence; c starts afresh */
	}
	if (c < 0x80)
		put_char(vt, c);
	else if ((c & 0xe0) == 0xc0)
		vt->utf8_cp = c & 0x1f, vt->utf8_left = 1;
	else if ((c & 0xf0) == 0xe0)
		vt->utf8_cp = c & 0x0f, vt->utf8_left = 2;
	else if ((c & 0xf8) == 0xf0)
		vt->utf8_cp = c & 0x07, vt->utf8_left = 3;
	else
		put_char(vt, '?');
}

void vt_write(struct vt *vt, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		switch (vt->state) {
		case S_ESC: esc_byte(vt, c); continue;
		case S_CSI:
			if (c == '\033') { /* a new sequence abandons this one */
				vt->state = S_ESC;
				continue;
			}
			csi_byte(vt, c);
			continue;
		case S_CHARSET: vt->state = S_NORMAL; continue;
		case S_OSC:
			if (c == '\a')
				vt->state = S_NORMAL;
			else if (c == '\033')
				vt->state = S_OSC_ESC;
			continue;
		case S_OSC_ESC: vt->state = c == '\\' ? S_NORMAL : S_OSC; continue;
		}
		if ((unsigned char)c < 0x20 || c == 0x7f) {
			if (vt->utf8_left) {
				vt->utf8_left = 0;
				put_char(vt, '?');
			}
			control(vt, c);
		} else {
			text_byte(vt, (unsigned char)c);
		}
	}
}
