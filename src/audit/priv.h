/* SPDX-License-Identifier: GPL-2.0-only */
/* What the audit trail's writer and verifier share: the chain's first prev,
 * the line digest and the scan for bytes a JSON string cannot hold as they
 * are. Inline: both use them once per line or per word. */
#ifndef IMAGUARD_AUDIT_PRIV_H
#define IMAGUARD_AUDIT_PRIV_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <openssl/evp.h>

#include "util/digest.h"

#define ZERO_HASH "0000000000000000000000000000000000000000000000000000000000000000"

static inline int hash_hex(EVP_MD_CTX *ctx, const EVP_MD *md, const void *p, size_t n,
			   char hex[SHA256_HEX_LEN + 1])
{
	unsigned char d[SHA256_LEN];

	if (!EVP_DigestInit_ex(ctx, md, NULL) || !EVP_DigestUpdate(ctx, p, n) ||
	    !EVP_DigestFinal_ex(ctx, d, NULL))
		return -EIO;
	digest_to_hex(d, hex);
	return 0;
}

#define ONES 0x0101010101010101ULL

/* Which of 8 bytes are special, as the top bit of each: long runs of plain
 * text (paths, digests) then cost one test per word instead of one per
 * byte. A byte below 0x20 borrows in w - 0x20..; a zero after xor is '"'
 * or '\\'. A borrow can mark a byte above a special one falsely, never
 * one below it: the lowest mark is always a special byte. */
static inline uint64_t word_special_mask(uint64_t w)
{
	uint64_t q = w ^ ('"' * ONES), b = w ^ ('\\' * ONES);
	uint64_t hit = ((w - 0x20 * ONES) & ~w) | ((q - ONES) & ~q) | ((b - ONES) & ~b) | w;

	return hit & 0x8080808080808080ULL;
}

static inline bool word_special(uint64_t w)
{
	return word_special_mask(w);
}

/* 8 bytes as a little-endian word: its lowest byte is the first in memory,
 * so the lowest mark of word_special_mask is the first special byte. */
static inline uint64_t word_load(const unsigned char *p)
{
	uint64_t w;

	memcpy(&w, p, 8);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	w = __builtin_bswap64(w);
#endif
	return w;
}

/* The index (0-7) of the byte a non-zero mask marks first. */
static inline unsigned int word_first(uint64_t mask)
{
	return __builtin_ctzll(mask) >> 3;
}

#endif
