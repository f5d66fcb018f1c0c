/* keymap.c - scancode set 1 to terminal bytes, US layout (see keymap.h).
 *
 * The key tables and escape sequences follow what Linux's console sends
 * with its default keymap (drivers/tty/vt/defkeymap.map): ESC [ A..D for
 * the arrows, ESC [ n ~ for the editing keys, ESC [ [ A..E for F1-F5.
 * The keys with no byte of their own (Print Screen, the Windows keys,
 * Scroll Lock, Pause) type nothing. */
#include "kernel/tty/keymap.h"

#define SC_LCTRL	 0x1d
#define SC_LSHIFT	 0x2a
#define SC_RSHIFT	 0x36
#define SC_LALT		 0x38
#define SC_CAPS		 0x3a
#define SC_F1		 0x3b
#define SC_F10		 0x44
#define SC_NUMLOCK	 0x45
#define SC_KP_FIRST	 0x47 /* keypad 7 / Home */
#define SC_KP_LAST	 0x53 /* keypad . / Delete */
#define SC_F11		 0x57
#define SC_F12		 0x58
#define SC_KP_ENTER_E0	 0x1c /* after 0xe0 */
#define SC_KP_SLASH_E0	 0x35 /* after 0xe0 */
#define SC_BREAK	 0x80
#define SC_PREFIX_E0	 0xe0
#define SC_PREFIX_E1	 0xe1 /* Pause: e1 1d 45 e1 9d c5 */
#define ESC		 "\x1b"

/* Codes 0x00..0x39 without and with shift; 0 where the key types nothing
 * (the modifiers).  Backspace types DEL and Enter CR, as on Linux. */
static const char plain[] = "\0" ESC "1234567890-=\x7f\t"
			    "qwertyuiop[]\r\0"
			    "asdfghjkl;'`\0\\"
			    "zxcvbnm,./\0*\0 ";
static const char shifted[] = "\0" ESC "!@#$%^&*()_+\x7f\t"
			      "QWERTYUIOP{}\r\0"
			      "ASDFGHJKL:\"~\0|"
			      "ZXCVBNM<>?\0*\0 ";
_Static_assert(sizeof(plain) == 0x3a + 1 && sizeof(shifted) == 0x3a + 1, "one byte per code 0x00..0x39");

/* The keypad 0x47..0x53 with Num Lock on, and its cursor-key meanings
 * (also those of the 0xe0-prefixed grey keys with the same codes). */
static const char keypad_digits[] = "789-456+1230.";
static const char *const keypad_cursor[SC_KP_LAST - SC_KP_FIRST + 1] = {
    ESC "[1~", ESC "[A", ESC "[5~", "-", ESC "[D", ESC "[G", ESC "[C",
    "+",       ESC "[4~", ESC "[B", ESC "[6~", ESC "[2~", ESC "[3~",
};
static const char *const fkeys[12] = {
    ESC "[[A",	ESC "[[B",  ESC "[[C",	ESC "[[D",  ESC "[[E",	ESC "[17~",
    ESC "[18~", ESC "[19~", ESC "[20~", ESC "[21~", ESC "[23~", ESC "[24~",
};

void keymap_init(struct keymap_state *st)
{
	*st = (struct keymap_state){.num_lock = true};
}

static size_t emit(char *out, const char *s)
{
	size_t n = 0;
	while (s[n] && n < KEYMAP_MAX_BYTES) {
		out[n] = s[n];
		n++;
	}
	return n;
}

static bool is_lower(char c) { return c >= 'a' && c <= 'z'; }
static bool is_letter(char c) { return is_lower(c) || (c >= 'A' && c <= 'Z'); }

/* The control character ctrl+c types (Linux's defaults: ctrl-2 and
 * ctrl-space NUL, ctrl-3 ESC ... ctrl-8 DEL), or c itself. */
static char ctrl_char(char c)
{
	if (is_letter(c))
		return (char)(c & 0x1f);
	switch (c) {
	case ' ': case '2': case '@':
		return 0x00;
	case '[': case '3':
		return 0x1b;
	case '\\': case '4':
		return 0x1c;
	case ']': case '5':
		return 0x1d;
	case '^': case '6':
		return 0x1e;
	case '_': case '-': case '/': case '7':
		return 0x1f;
	case '?': case '8':
		return 0x7f;
	default:
		return c;
	}
}

/* The modifier bit of a key, 0 if it is none. */
static unsigned modifier(uint8_t key, bool e0)
{
	switch (key) {
	case SC_LSHIFT:
		return KM_LSHIFT;
	case SC_RSHIFT:
		return KM_RSHIFT;
	case SC_LCTRL:
		return e0 ? KM_RCTRL : KM_LCTRL;
	case SC_LALT:
		return e0 ? KM_RALT : KM_LALT;
	default:
		return 0;
	}
}

/* A key of the main block: one byte, after shift, caps, ctrl and alt. */
static size_t main_key(const struct keymap_state *st, uint8_t key, char *out)
{
	bool shift = st->mods & KM_SHIFT;
	char c = shift ? shifted[key] : plain[key];
	if (!c)
		return 0;
	if (st->caps_lock && is_letter(c))
		c = shift ? plain[key] : shifted[key];
	if (st->mods & KM_CTRL)
		c = ctrl_char(c);
	size_t n = 0;
	if (st->mods & KM_ALT)
		out[n++] = 0x1b; /* meta sends an ESC prefix */
	out[n++] = c;
	return n;
}

size_t keymap_feed(struct keymap_state *st, uint8_t code, char *out)
{
	if (st->e1_skip) {
		st->e1_skip--;
		return 0;
	}
	if (code == SC_PREFIX_E0) {
		st->e0 = true;
		return 0;
	}
	if (code == SC_PREFIX_E1) {
		st->e0 = false;
		st->e1_skip = 2;
		return 0;
	}
	bool e0 = st->e0, up = code & SC_BREAK;
	uint8_t key = code & ~SC_BREAK;
	st->e0 = false;
	/* e0 2a / e0 36: the "fake shifts" some keys wrap themselves in. */
	if (e0 && (key == SC_LSHIFT || key == SC_RSHIFT))
		return 0;
	unsigned mod = modifier(key, e0);
	if (mod) {
		st->mods = up ? st->mods & ~mod : st->mods | mod;
		return 0;
	}
	/* A lock key toggles when pressed, not again on each repeat. */
	if (!e0 && (key == SC_CAPS || key == SC_NUMLOCK)) {
		bool *held = key == SC_CAPS ? &st->caps_held : &st->num_held;
		bool *lock = key == SC_CAPS ? &st->caps_lock : &st->num_lock;
		if (!up && !*held)
			*lock = !*lock;
		*held = !up;
		return 0;
	}
	if (up)
		return 0;
	if (e0) {
		if (key == SC_KP_ENTER_E0)
			return emit(out, "\r");
		if (key == SC_KP_SLASH_E0)
			return emit(out, "/");
		if (key >= SC_KP_FIRST && key <= SC_KP_LAST && key != 0x4a && key != 0x4c && key != 0x4e)
			return emit(out, keypad_cursor[key - SC_KP_FIRST]);
		return 0;
	}
	if (key < SC_CAPS)
		return main_key(st, key, out);
	if (key >= SC_F1 && key <= SC_F10)
		return emit(out, fkeys[key - SC_F1]);
	if (key == SC_F11 || key == SC_F12)
		return emit(out, fkeys[10 + key - SC_F11]);
	if (key >= SC_KP_FIRST && key <= SC_KP_LAST) {
		char d[2] = {keypad_digits[key - SC_KP_FIRST], 0};
		return emit(out, st->num_lock ? d : keypad_cursor[key - SC_KP_FIRST]);
	}
	return 0;
}
