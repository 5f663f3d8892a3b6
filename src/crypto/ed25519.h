/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The last step of pure Ed25519 verification, for a caller that streams the
 * message through SHA-512 itself. OpenSSL 3.0 verifies Ed25519 only over a
 * message held whole in memory, and an allowlist may be large; with this the
 * file is hashed as it is read and never held.
 */
#ifndef IMAGUARD_ED25519_H
#define IMAGUARD_ED25519_H

#include <stdbool.h>
#include <stdint.h>

#define ED25519_KEY_LEN 32
#define ED25519_SIG_LEN 64

/*
 * RFC 8032 5.1.7 verification of a pure Ed25519 signature whose
 * h = SHA-512(R || A || M) the caller has computed (the message streamed):
 * R is sig[0..31] and A is pub, both hashed exactly as given. true only when
 * sig is valid for pub; every failure is false. Accepts and rejects exactly
 * what OpenSSL 3.0's EVP_DigestVerify() does for the same key, signature and
 * message.
 */
bool ed25519_verify_hashed(const uint8_t pub[ED25519_KEY_LEN], const uint8_t sig[ED25519_SIG_LEN],
			   const uint8_t h[64]);

#endif
