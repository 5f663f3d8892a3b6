/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Detached signatures over allowlists. A trusted public key fixes the
 * algorithm: Ed25519 (pure, no pre-hash), ECDSA on P-256 with SHA-256, or RSA
 * of at least 2048 bits with SHA-256 under PKCS#1 v1.5 or PSS (both are tried:
 * the openssl command line makes either). Nothing in a signature file chooses
 * the algorithm. A signature file holds the signature base64-encoded on one
 * line, or the raw bytes as `openssl pkeyutl`/`openssl dgst` write them.
 */
#ifndef IMAGUARD_SIG_H
#define IMAGUARD_SIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sig_keyring;

struct sig_keyring *sig_keyring_new(void);
void sig_keyring_free(struct sig_keyring *kr);

/* Add the PEM public key in path. Keys of another type, RSA below 2048 bits
 * and curves other than P-256 are refused with a message. 0 or -errno. */
int sig_keyring_add_file(struct sig_keyring *kr, const char *path);
/* The same from PEM text in memory; name is used in messages. */
int sig_keyring_add_pem(struct sig_keyring *kr, const void *pem, size_t len, const char *name);
size_t sig_keyring_count(const struct sig_keyring *kr);

/*
 * 0 when the contents of a signature file (base64 line or raw bytes) verify
 * data under any one of the keys; *which (may be NULL) names that key.
 * -EBADMSG when none does, -ENOKEY for an empty keyring. Reports nothing:
 * the caller knows what was being verified.
 */
int sig_keyring_verify(const struct sig_keyring *kr, const void *data, size_t len,
		       const uint8_t *sigfile, size_t sigfile_len, const char **which);

/*
 * The same verdict for data that arrives in pieces, so that it need not be
 * in memory at once. begin decodes the signature file; update hashes each
 * piece in order, for the Ed25519 keys (needed only when wants_data); end
 * takes the data's SHA-256, which the caller computes anyway, for the keys
 * that sign that (ECDSA, RSA; NULL: those keys fail). end is called once.
 * begin: 0, -ENOKEY for an empty keyring or -ENOMEM; end: 0 or -EBADMSG.
 */
struct sig_stream;

int sig_stream_begin(const struct sig_keyring *kr, const uint8_t *sigfile, size_t sigfile_len,
		     struct sig_stream **out);
bool sig_stream_wants_data(const struct sig_stream *s);
void sig_stream_update(struct sig_stream *s, const void *data, size_t len);
int sig_stream_end(struct sig_stream *s, const uint8_t *sha256, const char **which);
void sig_stream_free(struct sig_stream *s);

/*
 * Sign data with the PEM private key in path: Ed25519, ECDSA P-256 + SHA-256
 * (DER, as `openssl dgst -sha256 -sign` writes) or RSA + SHA-256 with
 * PKCS#1 v1.5 (PSS for an RSA-PSS key). *sig is malloc'ed. Reports errors.
 */
int sig_sign_file(const char *keypath, const void *data, size_t len, uint8_t **sig,
		  size_t *siglen);

/* Standard base64 with padding, no line breaks; malloc'ed, NULL on ENOMEM. */
char *sig_base64_encode(const uint8_t *data, size_t len);
/* Strict inverse: the standard alphabet, padding required; only blanks
 * (newlines, '\r', spaces, tabs) may follow. 0 or -EINVAL. *out is malloc'ed. */
int sig_base64_decode(const char *s, size_t len, uint8_t **out, size_t *outlen);

#endif
