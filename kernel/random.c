/* random.c - random bytes for user space (AT_RANDOM, getrandom) and the
 * kernel: a ChaCha20 generator with fast key erasure, in the manner of
 * Linux's crng (drivers/char/random.c) but with one global key.
 *
 * Seed: RDSEED and RDRAND when CPUID reports them (retried as Intel
 * advises), the TSC and the wall clock, XORed into a 12-word pool that
 * becomes the key, counter and nonce of one ChaCha20 block whose first 32
 * bytes are the key.  Without RDRAND/RDSEED the seed is only the TSC and
 * the RTC: unpredictable to a casual observer, not to an attacker; a
 * warning says so.  There is no reseeding after boot.
 *
 * Each request takes the lock just long enough to compute one block with
 * the global key: its first half replaces the key (so earlier output cannot
 * be recomputed from a later state), its second half keys the request's own
 * stream, generated outside the lock.
 *
 * Locking: crng.lock (irqsave, a leaf lock) protects crng.key and
 * crng.seeded. */
#include "kernel/random.h"
#include "arch/x86_64/rtc.h"
#include "arch/x86_64/x86.h"
#include "kernel/printk.h"
#include "kernel/spinlock.h"
#include "kernel/lib/string.h"
#include "kernel/time.h"

#define CHACHA_BLOCK_SIZE 64
#define CRNG_SEED_WORDS	  12	      /* key (8), counter (1), nonce (3) */
#define CRNG_REQUEST_MAX  (1ul << 20) /* bytes per request key: far below 2^32 blocks */
#define RDRAND_RETRIES	  10
#define RDSEED_RETRIES	  100
#define SEED_HW_WORDS	  8 /* 64-bit values from RDSEED/RDRAND */

static struct {
	struct spinlock lock;
	uint32_t key[8];
	bool seeded;
} crng = {.lock = SPINLOCK_INIT("crng")};

static const uint32_t zero_nonce[3];

/* Clear secrets so that the stores are not optimised away. */
static void wipe(void *p, size_t n)
{
	memset(p, 0, n);
	barrier();
}

/* ---- ChaCha20 (RFC 8439, 2.1-2.3) ---- */

static inline uint32_t rotl32(uint32_t v, int n)
{
	return v << n | v >> (32 - n);
}

static void quarter_round(uint32_t x[16], int a, int b, int c, int d)
{
	x[a] += x[b], x[d] = rotl32(x[d] ^ x[a], 16);
	x[c] += x[d], x[b] = rotl32(x[b] ^ x[c], 12);
	x[a] += x[b], x[d] = rotl32(x[d] ^ x[a], 8);
	x[c] += x[d], x[b] = rotl32(x[b] ^ x[c], 7);
}

void chacha20_block(const uint32_t key[8], uint32_t counter, const uint32_t nonce[3], uint8_t out[64])
{
	uint32_t s[16] = {0x61707865, 0x3320646e, 0x79622d32, 0x6b206574}; /* "expand 32-byte k" */
	uint32_t x[16];

	for (int i = 0; i < 8; i++)
		s[4 + i] = key[i];
	s[12] = counter;
	for (int i = 0; i < 3; i++)
		s[13 + i] = nonce[i];
	memcpy(x, s, sizeof(x));
	for (int i = 0; i < 10; i++) {
		quarter_round(x, 0, 4, 8, 12); /* columns */
		quarter_round(x, 1, 5, 9, 13);
		quarter_round(x, 2, 6, 10, 14);
		quarter_round(x, 3, 7, 11, 15);
		quarter_round(x, 0, 5, 10, 15); /* diagonals */
		quarter_round(x, 1, 6, 11, 12);
		quarter_round(x, 2, 7, 8, 13);
		quarter_round(x, 3, 4, 9, 14);
	}
	for (int i = 0; i < 16; i++) {
		uint32_t v = x[i] + s[i];

		out[4 * i] = (uint8_t)v; /* serialized little-endian */
		out[4 * i + 1] = (uint8_t)(v >> 8);
		out[4 * i + 2] = (uint8_t)(v >> 16);
		out[4 * i + 3] = (uint8_t)(v >> 24);
	}
	wipe(x, sizeof(x));
	wipe(s, sizeof(s));
}

/* ---- seeding ---- */

static bool cpu_has_rdrand(void)
{
	uint32_t a, b, c, d;

	cpuid(1, 0, &a, &b, &c, &d);
	return c & (1u << 30);
}

static bool cpu_has_rdseed(void)
{
	uint32_t a, b, c, d;

	cpuid(0, 0, &a, &b, &c, &d);
	if (a < 7)
		return false;
	cpuid(7, 0, &a, &b, &c, &d);
	return b & (1u << 18);
}

static bool rdrand64(uint64_t *v)
{
	for (int i = 0; i < RDRAND_RETRIES; i++) {
		bool ok;

		__asm__ volatile("rdrand %0; setc %1" : "=r"(*v), "=qm"(ok)::"cc");
		if (ok)
			return true;
	}
	return false;
}

static bool rdseed64(uint64_t *v)
{
	for (int i = 0; i < RDSEED_RETRIES; i++) {
		bool ok;

		__asm__ volatile("rdseed %0; setc %1" : "=r"(*v), "=qm"(ok)::"cc");
		if (ok)
			return true;
		cpu_relax();
	}
	return false;
}

/* XOR a 64-bit value into the pool at the next two words (wrapping). */
static void pool_mix(uint32_t pool[CRNG_SEED_WORDS], unsigned *pos, uint64_t v)
{
	pool[*pos % CRNG_SEED_WORDS] ^= (uint32_t)v;
	pool[(*pos + 1) % CRNG_SEED_WORDS] ^= (uint32_t)(v >> 32);
	*pos += 2;
}

/* Fill the pool from the hardware generators; the number of values from each. */
static void pool_fill_hw(uint32_t pool[CRNG_SEED_WORDS], unsigned *pos, unsigned *nseed, unsigned *nrand)
{
	bool seed = cpu_has_rdseed(), rand = cpu_has_rdrand();
	uint64_t v;

	for (int i = 0; i < SEED_HW_WORDS; i++) {
		if (seed && rdseed64(&v))
			++*nseed;
		else if (rand && rdrand64(&v))
			++*nrand;
		else
			continue;
		pool_mix(pool, pos, v);
	}
}

void random_init(void)
{
	uint32_t pool[CRNG_SEED_WORDS] = {0};
	unsigned pos = 0, nseed = 0, nrand = 0;
	uint8_t blk[CHACHA_BLOCK_SIZE];
	unsigned long flags;

	pool_mix(pool, &pos, rdtsc());
	pool_fill_hw(pool, &pos, &nseed, &nrand);
	pool_mix(pool, &pos, realtime_ns());
	pool_mix(pool, &pos, rdtsc());

	flags = spin_lock_irqsave(&crng.lock);
	for (int i = 0; i < 8; i++)
		pool[i] ^= crng.key[i]; /* a second call adds to the first */
	chacha20_block(pool, pool[8], pool + 9, blk);
	memcpy(crng.key, blk, sizeof(crng.key));
	crng.seeded = true;
	spin_unlock_irqrestore(&crng.lock, flags);
	wipe(pool, sizeof(pool));
	wipe(blk, sizeof(blk));

	if (nseed + nrand)
		pr_info("random: ChaCha20 seeded from %u RDSEED and %u RDRAND values, the TSC and the RTC\n", nseed,
			nrand);
	else
		pr_warn("random: no RDSEED/RDRAND; seeded from the TSC and the RTC only (predictable)\n");
}

/* ---- output ---- */

/* One request of at most CRNG_REQUEST_MAX bytes (fast key erasure). */
static void crng_fill(uint8_t *p, size_t n)
{
	uint8_t blk[CHACHA_BLOCK_SIZE];
	uint32_t req_key[8];
	unsigned long flags;

	flags = spin_lock_irqsave(&crng.lock);
	chacha20_block(crng.key, 0, zero_nonce, blk);
	memcpy(crng.key, blk, sizeof(crng.key));
	spin_unlock_irqrestore(&crng.lock, flags);
	memcpy(req_key, blk + sizeof(crng.key), sizeof(req_key));

	for (uint32_t ctr = 0; n; ctr++) {
		size_t k = MIN(n, (size_t)CHACHA_BLOCK_SIZE);

		chacha20_block(req_key, ctr, zero_nonce, blk);
		memcpy(p, blk, k);
		p += k;
		n -= k;
	}
	wipe(blk, sizeof(blk));
	wipe(req_key, sizeof(req_key));
}

void get_random_bytes(void *buf, size_t n)
{
	uint8_t *p = buf;

	if (!READ_ONCE(crng.seeded))
		random_init();
	while (n) {
		size_t k = MIN(n, (size_t)CRNG_REQUEST_MAX);

		crng_fill(p, k);
		p += k;
		n -= k;
	}
}
