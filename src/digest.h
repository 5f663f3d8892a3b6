/* SPDX-License-Identifier: GPL-2.0-only */
/* SHA-256 of files and buffers, and the hex form every format uses. */
#ifndef IMAGUARD_DIGEST_H
#define IMAGUARD_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_LEN 32
#define SHA256_HEX_LEN 64

/* SHA-256 of everything readable from fd (from its current offset).
 * *bytes (may be NULL) gets the length hashed. 0 or a negative errno. */
int sha256_fd(int fd, uint8_t out[SHA256_LEN], uint64_t *bytes);
int sha256_buf(const void *data, size_t len, uint8_t out[SHA256_LEN]);

/* Lowercase hex, NUL-terminated: hex needs SHA256_HEX_LEN + 1 bytes. */
void digest_to_hex(const uint8_t digest[SHA256_LEN], char hex[SHA256_HEX_LEN + 1]);
/* Exactly 64 hex digits, either case; 0 or -EINVAL. */
int digest_from_hex(const char *hex, size_t len, uint8_t digest[SHA256_LEN]);

#endif
