// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "util/digest.h"

/*
 * Between 64 KiB and 1 MiB the size made no measurable difference to
 * throughput; 128 KiB amortises the read() calls and stays within a 1 MiB L2
 * with room for the hashing state.
 */
#define READ_CHUNK (128 * 1024)

struct sha256_reader {
	EVP_MD *md;
	EVP_MD_CTX *ctx;
	unsigned char *buf;
};

struct sha256_reader *sha256_reader_new(void)
{
	struct sha256_reader *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	/* An explicit fetch once: EVP_sha256() makes every init look the
	 * algorithm up in the provider store again, under a lock that all
	 * hashing threads would share. */
	r->md = EVP_MD_fetch(NULL, "SHA256", NULL);
	r->ctx = EVP_MD_CTX_new();
	r->buf = malloc(READ_CHUNK);
	if (!r->md || !r->ctx || !r->buf) {
		sha256_reader_free(r);
		return NULL;
	}
	return r;
}

void sha256_reader_free(struct sha256_reader *r)
{
	if (!r)
		return;
	free(r->buf);
	EVP_MD_CTX_free(r->ctx);
	EVP_MD_free(r->md);
	free(r);
}

int sha256_reader_fd(struct sha256_reader *r, int fd, const void *head, size_t headlen,
		     uint8_t out[SHA256_LEN], uint64_t *bytes)
{
	uint64_t total = headlen;

	if (!EVP_DigestInit_ex2(r->ctx, r->md, NULL))
		return -EIO;
	if (headlen && !EVP_DigestUpdate(r->ctx, head, headlen))
		return -EIO;
	for (;;) {
		ssize_t n = read(fd, r->buf, READ_CHUNK);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		if (!EVP_DigestUpdate(r->ctx, r->buf, n))
			return -EIO;
		total += n;
	}
	if (!EVP_DigestFinal_ex(r->ctx, out, NULL))
		return -EIO;
	if (bytes)
		*bytes = total;
	return 0;
}

int sha256_fd(int fd, uint8_t out[SHA256_LEN], uint64_t *bytes)
{
	struct sha256_reader *r = sha256_reader_new();
	int err;

	if (!r)
		return -ENOMEM;
	err = sha256_reader_fd(r, fd, NULL, 0, out, bytes);
	sha256_reader_free(r);
	return err;
}

int sha256_buf(const void *data, size_t len, uint8_t out[SHA256_LEN])
{
	return EVP_Digest(data, len, out, NULL, EVP_sha256(), NULL) ? 0 : -EIO;
}
