/* SPDX-License-Identifier: GPL-2.0-only */
/* SHA-256 of files and buffers (sha256.c), and the hex form every format uses (digest.c). */
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

/*
 * For hashing many files: one reader per thread keeps its buffer and the
 * fetched algorithm, so a file costs no allocation. sha256_reader_fd hashes
 * head[0..headlen) (bytes the caller already read from fd) followed by the
 * rest of fd; *bytes (may be NULL) gets the total. 0 or a negative errno.
 */
struct sha256_reader;
struct sha256_reader *sha256_reader_new(void);
void sha256_reader_free(struct sha256_reader *r);
int sha256_reader_fd(struct sha256_reader *r, int fd, const void *head, size_t headlen,
		     uint8_t out[SHA256_LEN], uint64_t *bytes);

/* Lowercase hex, NUL-terminated: hex needs SHA256_HEX_LEN + 1 bytes. */
void digest_to_hex(const uint8_t digest[SHA256_LEN], char hex[SHA256_HEX_LEN + 1]);
/* Exactly 64 hex digits, either case; 0 or -EINVAL. */
int digest_from_hex(const char *hex, size_t len, uint8_t digest[SHA256_LEN]);

#endif
