// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>

#include "util/digest.h"
#include "util/hex.h"

void digest_to_hex(const uint8_t digest[SHA256_LEN], char hex[SHA256_HEX_LEN + 1])
{
	hex_encode(digest, SHA256_LEN, hex);
}

int digest_from_hex(const char *hex, size_t len, uint8_t digest[SHA256_LEN])
{
	return len == SHA256_HEX_LEN ? hex_decode(hex, len, digest) : -EINVAL;
}
