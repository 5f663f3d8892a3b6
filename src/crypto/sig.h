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
 * -EBADMSG when none does, -ENOKEY for an empty keyring. Reports
 * nothing: the caller knows what was being verified. Every key is checked by
 * OpenSSL's own verify: an Ed25519 key with the one-shot EVP_DigestVerify
 * over all of data (one pass of SHA-512 over it for each Ed25519 key tried),
 * an ECDSA or RSA key with EVP_PKEY_verify over data's SHA-256.
 */
int sig_keyring_verify(const struct sig_keyring *kr, const void *data, size_t len,
		       const uint8_t *sigfile, size_t sigfile_len, const char **which);

/*
 * The same for a caller that takes data's SHA-256 (what the ECDSA and RSA
 * keys verify) itself, needing it anyway, perhaps on another thread while
 * the Ed25519 keys read data: sha256(arg) is called once, when the first
 * ECDSA or RSA key is tried (never if there is none), and returns the
 * digest, or NULL when it could not be taken (those keys then fail).
 */
int sig_keyring_verify_hashed(const struct sig_keyring *kr, const void *data, size_t len,
			      const uint8_t *(*sha256)(void *arg), void *arg,
			      const uint8_t *sigfile, size_t sigfile_len, const char **which);

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
