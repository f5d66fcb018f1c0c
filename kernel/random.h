/* random.h - the kernel's random bytes (random.c): AT_RANDOM, getrandom. */
#pragma once
#include "kernel/types.h"

/* Seed the generator from RDSEED/RDRAND (when the CPU has them), the TSC
 * and the wall clock.  Call once at boot, after rtc_init(); calling it
 * again mixes in fresh seed.  get_random_bytes() seeds on first use if
 * this was never called. */
void random_init(void);

/* Fill buf with n random bytes.  Any context, any CPU; does not sleep. */
void get_random_bytes(void *buf, size_t n);

/* The ChaCha20 block function of RFC 8439 (2.3): 64 bytes of key stream
 * for a 256-bit key, a 32-bit block counter and a 96-bit nonce.  Exposed
 * for the self-test against the RFC's vector. */
void chacha20_block(const uint32_t key[8], uint32_t counter, const uint32_t nonce[3], uint8_t out[64]);
