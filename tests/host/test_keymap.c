/* test_keymap.c - host unit tests of the set 1 keymap (kernel/tty/keymap.c):
 * scancode sequences in, the bytes Linux's console would send out. */
#include <string.h>
#include "kernel/tty/keymap.h"
#include "tests/host/check.h"

/* Scancodes (set 1 make codes; a key's break code is make | 0x80). */
enum {
	K_ESC = 0x01, K_2 = 0x03, K_6 = 0x07, K_MINUS = 0x0c, K_BKSP = 0x0e, K_TAB = 0x0f, K_Q = 0x10,
	K_E = 0x12, K_O = 0x18, K_LBRACKET = 0x1a, K_ENTER = 0x1c, K_CTRL = 0x1d, K_A = 0x1e, K_H = 0x23,
	K_L = 0x26, K_SEMI = 0x27, K_LSHIFT = 0x2a, K_BSLASH = 0x2b, K_Z = 0x2c, K_C = 0x2e, K_SLASH = 0x35,
	K_RSHIFT = 0x36, K_ALT = 0x38, K_SPACE = 0x39, K_CAPS = 0x3a, K_F1 = 0x3b, K_F6 = 0x40,
	K_NUMLOCK = 0x45, K_KP7 = 0x47, K_KP8 = 0x48, K_KP5 = 0x4c, K_KPDOT = 0x53, K_F12 = 0x58,
	E0 = 0xe0, UP = 0x80,
};

/* Feed codes[0..n) to st; the bytes typed, concatenated, go to got. */
static size_t feed(struct keymap_state *st, const uint8_t *codes, size_t n, char *got)
{
	size_t len = 0;
	for (size_t i = 0; i < n; i++) {
		size_t k = keymap_feed(st, codes[i], got + len);
		CHECK(k <= KEYMAP_MAX_BYTES);
		len += k;
	}
	return len;
}

/* With a fresh keyboard, codes must type exactly want (want_len bytes). */
#define EXPECT_TYPES(want, ...)                                                              \
	do {                                                                                 \
		static const uint8_t codes[] = {__VA_ARGS__};                                \
		struct keymap_state st;                                                      \
		char got[sizeof(codes) * KEYMAP_MAX_BYTES + 1];                              \
		keymap_init(&st);                                                            \
		size_t len = feed(&st, codes, sizeof(codes), got);                           \
		if (len != sizeof(want) - 1 || memcmp(got, want, len)) {                     \
			printf("    # %s:%d: typed %zu bytes:", __FILE__, __LINE__, len);      \
			for (size_t i = 0; i < len; i++)                                     \
				printf(" %02x", (unsigned char)got[i]);                      \
			printf(", want %zu bytes\n", sizeof(want) - 1);                      \
			check_case_failed = 1;                                               \
		}                                                                            \
	} while (0)

TEST(letters_digits_and_releases)
{
	EXPECT_TYPES("hello", K_H, K_H | UP, K_E, K_E | UP, K_L, K_L | UP, K_L, K_L | UP, K_O, K_O | UP);
	EXPECT_TYPES("aaa", K_A, K_A, K_A, K_A | UP); /* typematic repeats are makes */
	EXPECT_TYPES("2-;/\\ ", K_2, K_MINUS, K_SEMI, K_SLASH, K_BSLASH, K_SPACE);
	EXPECT_TYPES("", K_A | UP, 0x00, 0x7a, 0x5a); /* releases and codes no key has */
}

TEST(enter_backspace_tab_escape)
{
	EXPECT_TYPES("\r\x7f\t\x1b", K_ENTER, K_BKSP, K_TAB, K_ESC);
}

TEST(shift_left_and_right)
{
	EXPECT_TYPES("Hi@", K_LSHIFT, K_H, K_LSHIFT | UP, 0x17, K_RSHIFT, K_2, K_RSHIFT | UP);
	/* Releasing one shift while the other is held keeps the shift. */
	EXPECT_TYPES("AAa", K_LSHIFT, K_RSHIFT, K_A, K_LSHIFT | UP, K_A, K_RSHIFT | UP, K_A);
	EXPECT_TYPES("{^_", K_LSHIFT, K_LBRACKET, K_6, K_MINUS);
}

TEST(caps_lock_letters_only)
{
	EXPECT_TYPES("A2a", K_CAPS, K_CAPS | UP, K_A, K_2, K_LSHIFT, K_A);
	/* Held down, Caps Lock repeats: it toggles once per press only. */
	EXPECT_TYPES("Aa", K_CAPS, K_CAPS, K_CAPS, K_CAPS | UP, K_A, K_CAPS, K_CAPS | UP, K_A);
}

TEST(ctrl_letters_and_symbols)
{
	EXPECT_TYPES("\x03\x01\x1a", K_CTRL, K_C, K_A, K_Z);
	/* Right ctrl (e0 1d) too, with shift or caps: the same codes. */
	EXPECT_TYPES("\x03\x03", E0, K_CTRL, K_C, K_LSHIFT, K_C);
	EXPECT_TYPES("\x03x", K_CAPS, K_CAPS | UP, K_CTRL, K_C, K_CTRL | UP, K_LSHIFT, 0x2d);
	EXPECT_TYPES("\x1b\x1c\x1e\x1f", K_CTRL, K_LBRACKET, K_BSLASH, K_6, K_MINUS);
	EXPECT_TYPES("\0\0", K_CTRL, K_SPACE, K_2);
	/* Released: plain letters again; a right-ctrl release ends the left one not. */
	EXPECT_TYPES("c\x03", K_CTRL, K_CTRL | UP, K_C, K_CTRL, E0, K_CTRL | UP, K_C);
}

TEST(alt_sends_escape_prefix)
{
	EXPECT_TYPES("\x1b" "a\x1b" "B", K_ALT, K_A, E0, K_ALT, K_LSHIFT, 0x30);
	EXPECT_TYPES("a", K_ALT, K_ALT | UP, K_A);
}

TEST(arrows_and_editing_keys)
{
	EXPECT_TYPES("\x1b[A\x1b[B\x1b[C\x1b[D", E0, 0x48, E0, 0x50, E0, 0x4d, E0, 0x4b);
	EXPECT_TYPES("\x1b[1~\x1b[4~\x1b[2~\x1b[3~\x1b[5~\x1b[6~", E0, 0x47, E0, 0x4f, E0, 0x52, E0, 0x53,
		     E0, 0x49, E0, 0x51);
	/* Releases (e0 c8) and fake shifts (e0 2a .. e0 aa) type nothing. */
	EXPECT_TYPES("\x1b[A", E0, 0x2a, E0, 0x48, E0, 0xc8, E0, 0xaa);
	/* A fake shift is not a shift. */
	EXPECT_TYPES("a", E0, 0x2a, K_A);
}

TEST(keypad_num_lock)
{
	EXPECT_TYPES("78*-+.", K_KP7, K_KP8, 0x37, 0x4a, 0x4e, K_KPDOT);
	EXPECT_TYPES("\x1b[1~\x1b[A\x1b[G\x1b[3~", K_NUMLOCK, K_NUMLOCK | UP, K_KP7, K_KP8, K_KP5, K_KPDOT);
	EXPECT_TYPES("\r/", E0, K_ENTER, E0, K_SLASH);
}

TEST(function_keys)
{
	EXPECT_TYPES("\x1b[[A\x1b[17~\x1b[24~", K_F1, K_F6, K_F12);
}

TEST(pause_and_noise_type_nothing)
{
	/* Pause is e1 1d 45 e1 9d c5: not a ctrl press, not Num Lock. */
	EXPECT_TYPES("7c", 0xe1, 0x1d, 0x45, 0xe1, 0x9d, 0xc5, K_KP7, K_C);
	/* Acknowledge, resend, overrun, echo: nothing; state kept. */
	EXPECT_TYPES("Q", K_LSHIFT, 0xfa, 0xfe, 0xff, 0xee, K_Q);
	/* Print Screen and the Windows keys. */
	EXPECT_TYPES("", E0, 0x37, E0, 0x5b, E0, 0x5c, E0, 0x5d, 0x46);
}

int main(void)
{
	RUN(letters_digits_and_releases);
	RUN(enter_backspace_tab_escape);
	RUN(shift_left_and_right);
	RUN(caps_lock_letters_only);
	RUN(ctrl_letters_and_symbols);
	RUN(alt_sends_escape_prefix);
	RUN(arrows_and_editing_keys);
	RUN(keypad_num_lock);
	RUN(function_keys);
	RUN(pause_and_noise_type_nothing);
	return check_done();
}
