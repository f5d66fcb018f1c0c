/* fbcon.c - the screen console's pixels: kernel/tty/vt.c's text grid painted
 * on a linear 32 bpp direct-RGB framebuffer with the console font
 * (kernel/tty/font.h), one glyph cell of font_console.width x height per grid
 * cell, the grid at the top left and the remainder of the screen black.
 *
 * Drawing is lazy.  Writers (under console_lock) only update the grid -
 * a scroll moves the ring origin and clears one row - and set `dirty`.
 * CPU 0's timer interrupt (fbcon_tick), at most FBCON_FLUSH_HZ times a
 * second and only if dirty, compares every cell with `drawn` (what the
 * screen shows) and paints the cells that differ.  (Not a kernel thread:
 * one would take a pid before init, which must be pid 1.)  The cursor is the cell under it drawn
 * with foreground and background swapped.
 *
 * Worst-case cost: one flush paints at most cols * rows cells, i.e. the
 * whole text area once (width * height * 4 bytes: 3 MiB at 1024x768), so
 * output at any rate costs at most FBCON_FLUSH_HZ full repaints a second
 * (about 60 MiB/s of framebuffer stores at 1024x768), and a write costs
 * O(bytes + cols per line scrolled) under console_lock.  Nothing is
 * painted while nothing changes.  panic() paints synchronously
 * (fbcon_flush_sync), so its report reaches the screen.
 *
 * The framebuffer is mapped uncached (ioremap: PCD|PWT) - the stores are
 * sequential and never read back; write-combining through the PAT would be
 * faster on real hardware, but needs every CPU's PAT MSR reprogrammed.
 *
 * Locking: the grid (fb.vt) is written only under console_lock.  The
 * painter reads it without that lock: `dirty` is cleared (xchg) before the
 * cells are read and set after they are written, so a cell read torn or
 * stale is repainted at the next flush.  `drawn` is the painter's own:
 * only CPU 0's timer interrupt paints (interrupts off, so never nested),
 * except panic, when every other CPU is stopped. */
#include "kernel/tty/fbcon.h"
#include "arch/x86_64/paging.h"
#include "kernel/atomic.h"
#include "kernel/tty/font.h"
#include "kernel/printk.h"
#include "kernel/percpu.h"
#include "kernel/lib/string.h"
#include "kernel/time.h"
#include "kernel/tty/vt.h"
#include "mm/slab.h"

#define FBCON_FLUSH_HZ 20

static struct {
	uint8_t *base;          /* the framebuffer, mapped uncached */
	uint32_t pitch;         /* bytes per scan line */
	uint32_t palette[16];   /* vt_palette as pixel values */
	struct vt vt;           /* under console_lock */
	uint16_t *drawn;        /* the cell each grid position shows, in screen order; painter's own */
	bool ready;
	int dirty;              /* set by writers after a change; cleared by the painter before it reads */
	uint64_t last_paint;    /* time_ns() of the last paint; painter's own */
} fb;

static uint32_t pixel(const struct boot_fb *f, uint32_t rgb)
{
	uint32_t r = rgb >> 16 & 0xff, g = rgb >> 8 & 0xff, b = rgb & 0xff;
	return (r >> (8 - f->red_size)) << f->red_pos | (g >> (8 - f->green_size)) << f->green_pos |
	       (b >> (8 - f->blue_size)) << f->blue_pos;
}

static bool field_ok(uint8_t pos, uint8_t size) { return size >= 1 && size <= 8 && pos + size <= 32; }

bool fbcon_init(const struct boot_fb *f)
{
	const struct font_desc *font = &font_console;
	if (!f->present)
		return false; /* no framebuffer: serial only, as always */
	if (f->type == FB_TYPE_EGA_TEXT) {
		pr_warn("fbcon: the boot loader left EGA text mode (%ux%u characters), not a framebuffer; "
			"screen console off, serial only\n", f->width, f->height);
		return false;
	}
	if (f->type != FB_TYPE_RGB || f->bpp != 32 || !field_ok(f->red_pos, f->red_size) ||
	    !field_ok(f->green_pos, f->green_size) || !field_ok(f->blue_pos, f->blue_size) || !f->addr ||
	    f->width < font->width || f->height < font->height || f->pitch / 4 < f->width) {
		pr_warn("fbcon: cannot draw a %ux%u framebuffer of type %u, %u bpp (pitch %u; need 32 bpp direct RGB); "
			"screen console off, serial only\n", f->width, f->height, f->type, f->bpp, f->pitch);
		return false;
	}
	unsigned cols = f->width / font->width, rows = f->height / font->height;
	uint16_t *cells = kmalloc(cols * rows * sizeof(uint16_t));
	uint16_t *drawn = kmalloc(cols * rows * sizeof(uint16_t));
	if (!cells || !drawn) {
		kfree(cells);
		kfree(drawn);
		pr_warn("fbcon: out of memory for a %ux%u grid; screen console off, serial only\n", cols, rows);
		return false;
	}
	fb.base = ioremap(f->addr, (size_t)f->pitch * f->height);
	fb.pitch = f->pitch;
	for (int i = 0; i < 16; i++)
		fb.palette[i] = pixel(f, vt_palette[i]);
	vt_setup(&fb.vt, cells, cols, rows);
	fb.drawn = drawn;
	/* The screen starts black: drawn says so for a blank-on-black cell
	 * only if a space is blank, which any console font's is. */
	for (uint32_t y = 0; y < f->height; y++)
		memset(fb.base + (size_t)y * fb.pitch, 0, (size_t)f->width * 4);
	for (unsigned i = 0; i < cols * rows; i++)
		drawn[i] = VT_CELL(' ', VT_DEFAULT_FG, 0);
	fb.ready = true;
	pr_info("fbcon: %ux%u, 32 bpp, pitch %u at %#llx (uncached), %ux%u cells of %ux%u\n", f->width, f->height,
		f->pitch, (unsigned long long)f->addr, cols, rows, font->width, font->height);
	return true;
}

void fbcon_write(const char *s, size_t n)
{
	if (!fb.ready)
		return;
	vt_write(&fb.vt, s, n);
	WRITE_ONCE(fb.dirty, 1);
}

static void paint_cell(unsigned col, unsigned row, uint16_t cell)
{
	const struct font_desc *font = &font_console;
	uint32_t fg = fb.palette[VT_FG(cell)], bg = fb.palette[VT_BG(cell)];
	const uint8_t *g = font->glyphs + (size_t)VT_CH(cell) * font->height * font->stride;
	uint8_t *line = fb.base + (size_t)row * font->height * fb.pitch + (size_t)col * font->width * 4;
	for (unsigned y = 0; y < font->height; y++, line += fb.pitch, g += font->stride) {
		uint32_t *px = (uint32_t *)line;
		for (unsigned x = 0; x < font->width; x++)
			px[x] = g[x >> 3] << (x & 7) & 0x80 ? fg : bg;
	}
}

/* Paint the cells that differ from drawn (all of them if all). */
static void paint(bool all)
{
	const struct vt *vt = &fb.vt;
	unsigned cols = vt->cols, rows = vt->rows;
	unsigned cx = READ_ONCE(vt->x), cy = READ_ONCE(vt->y);
	bool cursor = READ_ONCE(vt->cursor_visible);
	for (unsigned r = 0; r < rows; r++)
		for (unsigned c = 0; c < cols; c++) {
			uint16_t want = vt_cell(vt, c, r);
			if (cursor && c == cx && r == cy)
				want = VT_CELL(VT_CH(want), VT_BG(want), VT_FG(want));
			if (!all && fb.drawn[r * cols + c] == want)
				continue;
			paint_cell(c, r, want);
			fb.drawn[r * cols + c] = want;
		}
}

void fbcon_tick(void)
{
	if (!fb.ready || cpu_id() != 0 || !READ_ONCE(fb.dirty))
		return;
	uint64_t now = time_ns();
	if (now - fb.last_paint < 1000000000ull / FBCON_FLUSH_HZ)
		return;
	fb.last_paint = now;
	xchg(&fb.dirty, 0);
	paint(false);
}

void fbcon_flush_sync(void)
{
	if (fb.ready)
		paint(true);
}
