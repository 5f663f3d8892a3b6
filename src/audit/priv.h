/* SPDX-License-Identifier: GPL-2.0-only */
/* What the audit trail's writer and verifier share: the chain's first prev,
 * the line digest and the scan for bytes a JSON string cannot hold as they
 * are. Inline: both use them once per line or per word. */
#ifndef IMAGUARD_AUDIT_PRIV_H
#define IMAGUARD_AUDIT_PRIV_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

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

/* Whether any of 8 bytes is special: long runs of plain text (paths,
 * digests) then cost one test per word instead of one per byte. A byte
 * below 0x20 borrows in w - 0x20..; a zero after xor is '"' or '\\'. */
static inline bool word_special(uint64_t w)
{
	uint64_t q = w ^ ('"' * ONES), b = w ^ ('\\' * ONES);
	uint64_t hit = ((w - 0x20 * ONES) & ~w) | ((q - ONES) & ~q) | ((b - ONES) & ~b) | w;

	return hit & 0x8080808080808080ULL;
}

#endif
