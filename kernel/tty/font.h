/* font.h - the screen console's bitmap font: 256 glyphs in Latin-1 order,
 * generated at build time from a Linux console font (PSF) by
 * scripts/psf2c.c into build/gen/font_data.c (never committed).  The
 * default is Terminus (Uni2-Terminus16, Debian's console-setup-linux),
 * Copyright (c) 2010 Dimitar Toshkov Zhekov, under the SIL Open Font
 * License 1.1 (docs/boot.md "The screen console"). */
#pragma once
#include "kernel/types.h"

struct font_desc {
	unsigned width, height; /* pixels */
	unsigned stride;        /* bytes per glyph row: (width + 7) / 8, most significant bit leftmost */
	const uint8_t *glyphs;  /* 256 glyphs of height * stride bytes, glyph i for code point i */
};

extern const struct font_desc font_console;
