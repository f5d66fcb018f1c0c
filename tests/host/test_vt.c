/* test_vt.c - host unit tests of the screen console's terminal emulator
 * (kernel/tty/vt.c): every control character and escape sequence it claims,
 * deferred wrap at the last column, scrolling at the last row, unknown and
 * malformed sequences, and sequences split across writes. */
#include <string.h>
#include "kernel/tty/vt.h"
#include "tests/host/check.h"

#define COLS 10
#define ROWS 4
static uint16_t cells[COLS * ROWS];
static struct vt vt;

static void start(void) { vt_setup(&vt, cells, COLS, ROWS); }
static void out(const char *s) { vt_write(&vt, s, strlen(s)); }

/* Screen row r as text (trailing spaces kept). */
static const char *row(unsigned r)
{
	static char buf[COLS + 1];
	for (unsigned c = 0; c < COLS; c++)
		buf[c] = (char)VT_CH(vt_cell(&vt, c, r));
	buf[COLS] = 0;
	return buf;
}

#define CHECK_ROW(r, s)                                                                               \
	do {                                                                                          \
		if (strcmp(row(r), s)) {                                                              \
			printf("    # %s:%d: row %d is \"%s\", expected \"%s\"\n", __FILE__, __LINE__, r, \
			       row(r), s);                                                            \
			check_case_failed = 1;                                                        \
		}                                                                                     \
	} while (0)
#define CHECK_CURSOR(cx, cy)          \
	do {                          \
		CHECK_EQ(vt.x, cx);   \
		CHECK_EQ(vt.y, cy);   \
	} while (0)

TEST(text_cr_lf_bs_tab)
{
	start();
	CHECK_ROW(0, "          ");
	CHECK_CURSOR(0, 0);
	out("ab\rX");
	CHECK_ROW(0, "Xb        ");
	out("\nline2");
	CHECK_ROW(1, "line2     ");
	CHECK_CURSOR(5, 1); /* LF returns the carriage */
	out("\b\bZ");
	CHECK_ROW(1, "linZ2     ");
	out("\r\b"); /* BS at column 0 stays */
	CHECK_CURSOR(0, 1);
	out("\tT");
	CHECK_ROW(1, "linZ2   T ");
	out("\t\t\tE"); /* TAB stops at the last column */
	CHECK_ROW(1, "linZ2   TE");
	out("\a\001\x7f"); /* BEL, other controls, DEL: nothing */
	CHECK_ROW(1, "linZ2   TE");
	CHECK(vt.wrap_pending);
}

TEST(cursor_moves)
{
	start();
	out("\033[2;3HA");
	CHECK_ROW(1, "  A       ");
	out("\033[BB\033[2AC\033[3DD\033[CE");
	CHECK_ROW(0, "  D E     ");
	CHECK_ROW(2, "   B      ");
	out("\033[99;99HF"); /* clamped to the bottom right */
	CHECK_ROW(3, "         F");
	out("\033[HG\033[4;2fH\033[99AI\033[99DJ\033[99BK\033[99CL");
	CHECK_ROW(0, "J I E     ");
	CHECK_ROW(3, " K       L");
	out("\033[3GM\033[2dN"); /* CHA, VPA */
	CHECK_ROW(1, "  AN      ");
	CHECK_ROW(3, " KM      L");
	out("\033[;5HO"); /* empty row parameter: row 1 */
	CHECK_ROW(0, "J I O     ");
}

TEST(erase_display)
{
	static const char *fill = "0123456789abcdefghijklmnopqrstuvwxyzABCD";
	start();
	vt_write(&vt, fill, 39);
	out("\033[2;5H\033[J");
	CHECK_ROW(0, "0123456789");
	CHECK_ROW(1, "abcd      ");
	CHECK_ROW(3, "          ");
	start();
	vt_write(&vt, fill, 39);
	out("\033[3;5H\033[1J");
	CHECK_ROW(1, "          ");
	CHECK_ROW(2, "     pqrst");
	CHECK_ROW(3, "uvwxyzABC ");
	start();
	vt_write(&vt, fill, 39);
	out("\033[3;5H\033[0J");
	CHECK_ROW(2, "klmn      ");
	out("\033[2J");
	for (unsigned r = 0; r < ROWS; r++)
		CHECK_ROW(r, "          ");
	CHECK_CURSOR(4, 2); /* ED does not move the cursor */
}

TEST(erase_line)
{
	start();
	out("0123456789\033[1;4H\033[K");
	CHECK_ROW(0, "012       ");
	out("\r0123456789\033[1;4H\033[1K");
	CHECK_ROW(0, "    456789");
	out("\033[2K");
	CHECK_ROW(0, "          ");
	out("\033[42m\033[1;8H\033[0K"); /* erase with the current background */
	CHECK_EQ(vt_cell(&vt, 9, 0), VT_CELL(' ', VT_DEFAULT_FG, 2));
	CHECK_EQ(vt_cell(&vt, 6, 0), VT_CELL(' ', VT_DEFAULT_FG, 0));
}

TEST(colours_and_attributes)
{
	start();
	out("a\033[31mb\033[44mc\033[1md\033[7me\033[27;22mf\033[39mg\033[49mh\033[0;93;101mi\033[mj");
	CHECK_EQ(vt_cell(&vt, 0, 0), VT_CELL('a', 7, 0));
	CHECK_EQ(vt_cell(&vt, 1, 0), VT_CELL('b', 1, 0));
	CHECK_EQ(vt_cell(&vt, 2, 0), VT_CELL('c', 1, 4));
	CHECK_EQ(vt_cell(&vt, 3, 0), VT_CELL('d', 9, 4));  /* bold: bright */
	CHECK_EQ(vt_cell(&vt, 4, 0), VT_CELL('e', 4, 9));  /* reverse */
	CHECK_EQ(vt_cell(&vt, 5, 0), VT_CELL('f', 1, 4));
	CHECK_EQ(vt_cell(&vt, 6, 0), VT_CELL('g', 7, 4));
	CHECK_EQ(vt_cell(&vt, 7, 0), VT_CELL('h', 7, 0));
	CHECK_EQ(vt_cell(&vt, 8, 0), VT_CELL('i', 11, 9));
	CHECK_EQ(vt_cell(&vt, 9, 0), VT_CELL('j', 7, 0));
	out("\033[37;40;1m\033[97;107mk\033[38;5;1mx"); /* 38;5;N: ignored with its arguments */
	CHECK_EQ(vt_cell(&vt, 0, 1), VT_CELL('k', 15, 15));
	CHECK_EQ(vt_cell(&vt, 1, 1), VT_CELL('x', 15, 15));
}

TEST(save_restore_cursor)
{
	start();
	out("\033[2;3H\033[31m\0337\033[H\033[0mA\0338B");
	CHECK_ROW(0, "A         ");
	CHECK_EQ(vt_cell(&vt, 2, 1), VT_CELL('B', 1, 0)); /* attributes restored too */
	out("\033[4;1H\033[s\033[1;10H\033[uC");
	CHECK_ROW(3, "C         ");
}

TEST(cursor_visibility)
{
	start();
	CHECK(vt.cursor_visible);
	out("\033[?25l");
	CHECK(!vt.cursor_visible);
	out("\033[?1049h\033[?25h"); /* another private mode: ignored */
	CHECK(vt.cursor_visible);
	CHECK_ROW(0, "          ");
	CHECK_CURSOR(0, 0);
}

TEST(wrap_at_last_column)
{
	start();
	out("0123456789");
	CHECK_CURSOR(9, 0); /* deferred: still on the last column */
	CHECK(vt.wrap_pending);
	out("A");
	CHECK_ROW(0, "0123456789");
	CHECK_ROW(1, "A         ");
	out("\033[1;1H0123456789\r"); /* CR cancels the pending wrap */
	out("X");
	CHECK_ROW(0, "X123456789");
	CHECK_ROW(1, "A         ");
	out("\033[1;10HY\033[DZ"); /* so does a cursor move */
	CHECK_ROW(0, "X1234567ZY");
}

TEST(scroll_at_last_row)
{
	start();
	out("one\ntwo\nthree\nfour");
	CHECK_EQ(vt.scrolls, 0);
	out("\nfive");
	CHECK_EQ(vt.scrolls, 1);
	CHECK_ROW(0, "two       ");
	CHECK_ROW(2, "four      ");
	CHECK_ROW(3, "five      ");
	CHECK_CURSOR(4, 3);
	out("\033[41m\n"); /* the new row takes the current background */
	CHECK_ROW(3, "          ");
	CHECK_EQ(vt_cell(&vt, 0, 3), VT_CELL(' ', VT_DEFAULT_FG, 1));
	out("\033[4;1H0123456789W"); /* wrapping on the last row scrolls too */
	CHECK_EQ(vt.scrolls, 3);
	CHECK_ROW(2, "0123456789");
	CHECK_ROW(3, "W         ");
	for (int i = 0; i < 10; i++) /* many times round the ring */
		out("\nx");
	CHECK_ROW(0, "x         ");
	CHECK_ROW(3, "x         ");
}

TEST(unknown_and_malformed_sequences)
{
	start();
	out("a\033[5zb\033(Bc\033]0;title\ad\033]2;t\033\\e\033Qf\033[1;2;3;4;5;6;7;8;9;10;11mg\033[0m");
	CHECK_ROW(0, "abcdefg   ");
	out("\033[12\033[31mh"); /* ESC inside CSI: a new sequence */
	CHECK_EQ(vt_cell(&vt, 7, 0), VT_CELL('h', 1, 0));
	out("\033[99999999999999A");
	CHECK_CURSOR(8, 0);
	out("\r\033[1;2 qi\033[\x01" "2Cj"); /* intermediates, a control inside: ignored */
	CHECK_ROW(0, "ibcjefgh  ");
	out("\033[4;1H\xc3\xa9\xe2\x82\xac\xff\xc3Z"); /* é, €, a bad byte, a cut sequence */
	CHECK_ROW(3, "\xe9???Z     ");
}

/* Feeding a stream one byte per call ends in the same state as at once. */
TEST(sequences_split_across_writes)
{
	static const char stream[] = "\033[2J\033[H\033[1;31mred\033[0m \033[7mrev\033[27m\n\033[3;4Hx\033[s"
				     "\033[?25l\033[1Ay\033[u\033]0;t\a\xc3\xa9z\0337\033[Hq\0338\033[K";
	static uint16_t whole[COLS * ROWS];
	start();
	vt_write(&vt, stream, sizeof(stream) - 1);
	for (unsigned r = 0; r < ROWS; r++)
		for (unsigned c = 0; c < COLS; c++)
			whole[r * COLS + c] = vt_cell(&vt, c, r);
	unsigned wx = vt.x, wy = vt.y;
	for (size_t split = 1; split < sizeof(stream) - 1; split++) {
		start();
		vt_write(&vt, stream, split);
		vt_write(&vt, stream + split, sizeof(stream) - 1 - split);
		for (unsigned r = 0; r < ROWS; r++)
			for (unsigned c = 0; c < COLS; c++)
				if (vt_cell(&vt, c, r) != whole[r * COLS + c]) {
					printf("    # split at %zu: cell %u,%u differs\n", split, c, r);
					check_case_failed = 1;
					return;
				}
		CHECK_CURSOR(wx, wy);
	}
	start();
	for (size_t i = 0; i < sizeof(stream) - 1; i++)
		vt_write(&vt, stream + i, 1);
	CHECK_ROW(0, "qed rev   ");
	CHECK_ROW(1, "    y     ");
	CHECK_ROW(2, "   x\xe9z    ");
	CHECK(!vt.cursor_visible);
	CHECK_CURSOR(6, 2);
	CHECK_EQ(vt_cell(&vt, 0, 0), VT_CELL('q', 7, 0));
	CHECK_EQ(vt_cell(&vt, 1, 0), VT_CELL('e', 9, 0));
	CHECK_EQ(vt_cell(&vt, 4, 0), VT_CELL('r', 0, 7));
}

TEST(reset)
{
	start();
	out("\033[31mabc\033[?25l\033c");
	CHECK_ROW(0, "          ");
	CHECK_CURSOR(0, 0);
	CHECK(vt.cursor_visible);
	out("d");
	CHECK_EQ(vt_cell(&vt, 0, 0), VT_CELL('d', 7, 0));
}

int main(void)
{
	RUN(text_cr_lf_bs_tab);
	RUN(cursor_moves);
	RUN(erase_display);
	RUN(erase_line);
	RUN(colours_and_attributes);
	RUN(save_restore_cursor);
	RUN(cursor_visibility);
	RUN(wrap_at_last_column);
	RUN(scroll_at_last_row);
	RUN(unknown_and_malformed_sequences);
	RUN(sequences_split_across_writes);
	RUN(reset);
	return check_done();
}
