/* keymap.h - PC scancode set 1 to the bytes a terminal sends (US layout).
 *
 * Portable (no hardware access), so it is unit-tested on the host
 * (tests/host/test_keymap.c).  The i8042 driver turns on the controller's
 * translation, so every PS/2 keyboard arrives here as set 1: a key's make
 * code 0x01..0x58 (0xe0-prefixed for the extended keys), its break code
 * the same | 0x80.
 *
 * The bytes are those Linux's console sends with its default US map:
 * printable ASCII, Enter as CR, Backspace as DEL (0x7f), ctrl-letter as
 * 0x01..0x1a, Alt-key as ESC key, and the cursor and editing keys as VT100
 * sequences (Up ESC [ A, Home ESC [ 1 ~, Delete ESC [ 3 ~, F1 ESC [ [ A ...).
 *
 * A struct keymap_state belongs to one keyboard; its user serialises the
 * calls (the i8042 driver calls it from its interrupt handler only). */
#pragma once
#include "kernel/types.h"

#define KEYMAP_MAX_BYTES 8 /* the most keymap_feed() produces for one scancode */

/* Modifier bits of keymap_state.mods; left and right keys count apart, so
 * releasing one shift while the other is held keeps the shift. */
#define KM_LSHIFT (1u << 0)
#define KM_RSHIFT (1u << 1)
#define KM_LCTRL  (1u << 2)
#define KM_RCTRL  (1u << 3)
#define KM_LALT	  (1u << 4)
#define KM_RALT	  (1u << 5)
#define KM_SHIFT  (KM_LSHIFT | KM_RSHIFT)
#define KM_CTRL	  (KM_LCTRL | KM_RCTRL)
#define KM_ALT	  (KM_LALT | KM_RALT)

struct keymap_state {
	unsigned mods;	  /* KM_* keys held down */
	bool caps_lock;	  /* toggled by Caps Lock; letters only */
	bool num_lock;	  /* toggled by Num Lock; keypad digits, else cursor keys */
	bool caps_held;	  /* Caps Lock is down (its repeats do not toggle again) */
	bool num_held;	  /* Num Lock is down */
	bool e0;	  /* the previous byte was the 0xe0 prefix */
	uint8_t e1_skip;  /* bytes of a Pause sequence (0xe1 ..) still to ignore */
};

/* A keyboard as it is after reset: nothing held, Caps Lock off, Num Lock
 * on (the keypad types digits). */
void keymap_init(struct keymap_state *st);

/* Take one byte from the keyboard; store the bytes it types in out (at most
 * KEYMAP_MAX_BYTES) and return how many (0 for a release, a modifier, a
 * prefix or a code no key has). */
size_t keymap_feed(struct keymap_state *st, uint8_t code, char *out);
