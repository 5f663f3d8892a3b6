// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "digest.h"

#define READ_CHUNK (256 * 1024)

int sha256_fd(int fd, uint8_t out[SHA256_LEN], uint64_t *bytes)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	uint64_t total = 0;
	unsigned char *buf = malloc(READ_CHUNK);
	int err = 0;

	if (!ctx || !buf || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL)) {
		err = -ENOMEM;
		goto cleanup;
	}
	for (;;) {
		ssize_t n = read(fd, buf, READ_CHUNK);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			goto cleanup;
		}
		if (n == 0)
			break;
		if (!EVP_DigestUpdate(ctx, buf, n)) {
			err = -EIO;
			goto cleanup;
		}
		total += n;
	}
	if (!EVP_DigestFinal_ex(ctx, out, NULL)) {
		err = -EIO;
		goto cleanup;
	}
	if (bytes)
		*bytes = total;
cleanup:
	free(buf);
	EVP_MD_CTX_free(ctx);
	return err;
}

int sha256_buf(const void *data, size_t len, uint8_t out[SHA256_LEN])
{
	return EVP_Digest(data, len, out, NULL, EVP_sha256(), NULL) ? 0 : -EIO;
}

void digest_to_hex(const uint8_t digest[SHA256_LEN], char hex[SHA256_HEX_LEN + 1])
{
	static const char xd[] = "0123456789abcdef";

	for (int i = 0; i < SHA256_LEN; i++) {
		hex[2 * i] = xd[digest[i] >> 4];
		hex[2 * i + 1] = xd[digest[i] & 15];
	}
	hex[SHA256_HEX_LEN] = '\0';
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int digest_from_hex(const char *hex, size_t len, uint8_t digest[SHA256_LEN])
{
	if (len != SHA256_HEX_LEN)
		return -EINVAL;
	for (int i = 0; i < SHA256_LEN; i++) {
		int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		digest[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}
