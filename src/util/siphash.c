// SPDX-License-Identifier: GPL-2.0-only
/* SipHash, keyed per table: lookups whose keys an attacker names (paths)
 * cannot be aimed at one slot without the key. */
#include <endian.h>
#include <string.h>

#include "util/siphash.h"

#define ROTL(x, b) (((x) << (b)) | ((x) >> (64 - (b))))

static inline void sip_round(uint64_t v[4])
{
	v[0] += v[1];
	v[1] = ROTL(v[1], 13);
	v[1] ^= v[0];
	v[0] = ROTL(v[0], 32);
	v[2] += v[3];
	v[3] = ROTL(v[3], 16);
	v[3] ^= v[2];
	v[0] += v[3];
	v[3] = ROTL(v[3], 21);
	v[3] ^= v[0];
	v[2] += v[1];
	v[1] = ROTL(v[1], 17);
	v[1] ^= v[2];
	v[2] = ROTL(v[2], 32);
}

static inline uint64_t le64(const uint8_t *p)
{
	uint64_t w;

	memcpy(&w, p, sizeof(w));
	return le64toh(w);
}

/* Inlined into each form, so that the round counts are constants. */
static inline __attribute__((always_inline)) uint64_t
siphash(const uint8_t key[16], const void *data, size_t len, int c, int d)
{
	const uint8_t *p = data, *end = p + (len & ~(size_t)7);
	uint64_t k0 = le64(key), k1 = le64(key + 8), m, b = (uint64_t)len << 56;
	uint64_t v[4] = {
		k0 ^ 0x736f6d6570736575ULL, k1 ^ 0x646f72616e646f6dULL,
		k0 ^ 0x6c7967656e657261ULL, k1 ^ 0x7465646279746573ULL,
	};

	for (; p < end; p += 8) {
		m = le64(p);
		v[3] ^= m;
		for (int i = 0; i < c; i++)
			sip_round(v);
		v[0] ^= m;
	}
	for (size_t i = 0; i < (len & 7); i++)
		b |= (uint64_t)p[i] << (8 * i);
	v[3] ^= b;
	for (int i = 0; i < c; i++)
		sip_round(v);
	v[0] ^= b;
	v[2] ^= 0xff;
	for (int i = 0; i < d; i++)
		sip_round(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

uint64_t siphash_1_3(const uint8_t key[16], const void *data, size_t len)
{
	return siphash(key, data, len, 1, 3);
}

uint64_t siphash_2_4(const uint8_t key[16], const void *data, size_t len)
{
	return siphash(key, data, len, 2, 4);
}
