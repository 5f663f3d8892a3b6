// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "util/digest.h"
#include "util/fileio.h"
#include "util/log.h"
#include "crypto/sig.h"

#define KEY_MAX_SIZE (64u << 10)
#define RSA_MIN_BITS 2048
#define ED25519_SIG_LEN 64

enum sig_alg { SIG_ED25519, SIG_ECDSA_P256, SIG_RSA, SIG_RSA_PSS_ONLY };

struct sig_key {
	EVP_PKEY *pkey;
	enum sig_alg alg;
	char *name;
};

struct sig_keyring {
	struct sig_key *keys;
	size_t n;
};

/* OpenSSL queues its reasons; take the last one and leave the queue empty so
 * the next operation starts clean. */
static const char *ossl_reason(void)
{
	unsigned long e = ERR_peek_last_error();
	const char *r = e ? ERR_reason_error_string(e) : NULL;

	ERR_clear_error();
	return r ? r : "unknown OpenSSL error";
}

/* Decide what a key may do, from the key alone. */
static int key_alg(EVP_PKEY *pk, const char *name, enum sig_alg *alg)
{
	switch (EVP_PKEY_get_base_id(pk)) {
	case EVP_PKEY_ED25519:
		*alg = SIG_ED25519;
		return 0;
	case EVP_PKEY_EC: {
		char group[64] = "";
		size_t glen = 0;

		if (!EVP_PKEY_get_utf8_string_param(pk, OSSL_PKEY_PARAM_GROUP_NAME, group,
						    sizeof(group), &glen) ||
		    strcmp(group, "prime256v1")) {
			pr_err("cannot use key '%s': EC curve '%s' is not supported (want P-256)",
			       name, group[0] ? group : "explicit parameters");
			return -EINVAL;
		}
		*alg = SIG_ECDSA_P256;
		return 0;
	}
	case EVP_PKEY_RSA:
	case EVP_PKEY_RSA_PSS:
		if (EVP_PKEY_get_bits(pk) < RSA_MIN_BITS) {
			pr_err("cannot use key '%s': RSA key of %d bits is too short (want at "
			       "least %d)",
			       name, EVP_PKEY_get_bits(pk), RSA_MIN_BITS);
			return -EINVAL;
		}
		*alg = EVP_PKEY_get_base_id(pk) == EVP_PKEY_RSA ? SIG_RSA : SIG_RSA_PSS_ONLY;
		return 0;
	default:
		pr_err("cannot use key '%s': key type '%s' is not supported (want Ed25519, "
		       "ECDSA P-256 or RSA)",
		       name, OBJ_nid2sn(EVP_PKEY_get_base_id(pk)));
		return -EINVAL;
	}
}

struct sig_keyring *sig_keyring_new(void)
{
	return calloc(1, sizeof(struct sig_keyring));
}

void sig_keyring_free(struct sig_keyring *kr)
{
	if (!kr)
		return;
	for (size_t i = 0; i < kr->n; i++) {
		EVP_PKEY_free(kr->keys[i].pkey);
		free(kr->keys[i].name);
	}
	free(kr->keys);
	free(kr);
}

size_t sig_keyring_count(const struct sig_keyring *kr)
{
	return kr ? kr->n : 0;
}

int sig_keyring_add_pem(struct sig_keyring *kr, const void *pem, size_t len, const char *name)
{
	BIO *bio = NULL;
	EVP_PKEY *pk = NULL;
	struct sig_key *keys;
	enum sig_alg alg;
	char *copy = NULL;
	int err = 0;

	if (len > INT32_MAX)
		return -EFBIG;
	bio = BIO_new_mem_buf(pem, (int)len);
	if (!bio) {
		err = -ENOMEM;
		goto cleanup;
	}
	pk = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
	if (!pk) {
		ERR_clear_error();
		pr_err("cannot use key '%s': not a PEM public key", name);
		err = -EINVAL;
		goto cleanup;
	}
	err = key_alg(pk, name, &alg);
	if (err)
		goto cleanup;
	copy = strdup(name);
	keys = realloc(kr->keys, (kr->n + 1) * sizeof(*keys));
	if (!copy || !keys) {
		if (keys)
			kr->keys = keys;
		err = -ENOMEM;
		goto cleanup;
	}
	kr->keys = keys;
	kr->keys[kr->n++] = (struct sig_key){ .pkey = pk, .alg = alg, .name = copy };
	pk = NULL;
	copy = NULL;
cleanup:
	if (err == -ENOMEM)
		pr_err("cannot use key '%s': %s", name, strerror(ENOMEM));
	free(copy);
	EVP_PKEY_free(pk);
	BIO_free(bio);
	return err;
}

int sig_keyring_add_file(struct sig_keyring *kr, const char *path)
{
	uint8_t *buf = NULL;
	size_t len;
	int err;

	err = fileio_read_once(path, KEY_MAX_SIZE, &buf, &len);
	if (err)
		return err;
	err = sig_keyring_add_pem(kr, buf, len, path);
	free(buf);
	return err;
}

/* One verification with one padding over the SHA-256 of the data, for the
 * keys that sign that (ECDSA, RSA): EVP_DigestVerify would hash and then do
 * exactly this, so the verdict is the same, and trying several keys and
 * paddings costs one hash. Only a result of exactly 1 counts: OpenSSL also
 * returns 0 and negative values, and some paths -2. */
static bool verify_one_sha256(const struct sig_key *k, int rsa_pad,
			      const uint8_t sha[SHA256_LEN], const uint8_t *sig, size_t siglen)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, k->pkey, NULL);
	bool ok = false;

	if (!ctx || EVP_PKEY_verify_init(ctx) != 1)
		goto cleanup;
	if (rsa_pad) {
		if (EVP_PKEY_CTX_set_rsa_padding(ctx, rsa_pad) <= 0)
			goto cleanup;
		/* AUTO recovers the salt length from the signature: the openssl
		 * command line signs with the maximum by default, others with the
		 * digest length. MGF1 uses SHA-256 like the message digest. */
		if (rsa_pad == RSA_PKCS1_PSS_PADDING &&
		    (EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, RSA_PSS_SALTLEN_AUTO) <= 0 ||
		     EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, EVP_sha256()) <= 0))
			goto cleanup;
	}
	if (EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256()) <= 0)
		goto cleanup;
	ok = EVP_PKEY_verify(ctx, sig, siglen, sha, SHA256_LEN) == 1;
cleanup:
	ERR_clear_error();
	EVP_PKEY_CTX_free(ctx);
	return ok;
}

static bool verify_sha256_key(const struct sig_key *k, const uint8_t sha[SHA256_LEN],
			      const uint8_t *sig, size_t siglen)
{
	switch (k->alg) {
	case SIG_ECDSA_P256:
		return verify_one_sha256(k, 0, sha, sig, siglen);
	case SIG_RSA:
		return verify_one_sha256(k, RSA_PKCS1_PADDING, sha, sig, siglen) ||
		       verify_one_sha256(k, RSA_PKCS1_PSS_PADDING, sha, sig, siglen);
	case SIG_RSA_PSS_ONLY:
		return verify_one_sha256(k, RSA_PKCS1_PSS_PADDING, sha, sig, siglen);
	case SIG_ED25519:
		break;
	}
	return false;
}

/*
 * Pure Ed25519 through OpenSSL's one-shot verify over the whole message: it
 * hashes R || A || M itself and decides. The caller holds the data in
 * memory anyway (the allowlist loader verifies before it parses), so no
 * curve arithmetic of our own is needed. Only a result of exactly 1 counts.
 */
static bool verify_ed25519_key(const struct sig_key *k, const void *data, size_t len,
			       const uint8_t *sig, size_t siglen)
{
	EVP_MD_CTX *ctx;
	bool ok = false;

	if (siglen != ED25519_SIG_LEN)
		return false;	/* never a valid one: spare OpenSSL the pass */
	ctx = EVP_MD_CTX_new();
	if (ctx && EVP_DigestVerifyInit_ex(ctx, NULL, NULL, NULL, NULL, k->pkey, NULL) == 1)
		ok = EVP_DigestVerify(ctx, sig, siglen, data, len) == 1;
	ERR_clear_error();
	EVP_MD_CTX_free(ctx);
	return ok;
}

/* The signature file's two readings, each tried: the bytes themselves, and
 * the base64 line decoded. A base64 line is never a valid raw signature for
 * these algorithms and vice versa, and each must still verify. */
struct sig_readings {
	const uint8_t *raw, *decoded;
	size_t rawlen, dlen;
};

static bool verify_readings(const struct sig_key *k, const void *data, size_t len,
			    const uint8_t *sha256, const struct sig_readings *r)
{
	if (k->alg == SIG_ED25519)
		return (r->decoded && verify_ed25519_key(k, data, len, r->decoded, r->dlen)) ||
		       verify_ed25519_key(k, data, len, r->raw, r->rawlen);
	return sha256 && ((r->decoded && verify_sha256_key(k, sha256, r->decoded, r->dlen)) ||
			  verify_sha256_key(k, sha256, r->raw, r->rawlen));
}

int sig_keyring_verify_hashed(const struct sig_keyring *kr, const void *data, size_t len,
			      const uint8_t *(*sha256)(void *arg), void *arg,
			      const uint8_t *sigfile, size_t sigfile_len, const char **which)
{
	struct sig_readings r = { .raw = sigfile, .rawlen = sigfile_len };
	const uint8_t *sha = NULL;
	uint8_t *decoded = NULL;
	bool asked = false;
	int err = -EBADMSG;

	if (!kr || !kr->n)
		return -ENOKEY;
	if (!sig_base64_decode((const char *)sigfile, sigfile_len, &decoded, &r.dlen))
		r.decoded = decoded;	/* otherwise not a base64 line: the raw reading only */
	for (size_t i = 0; i < kr->n; i++) {
		const struct sig_key *k = &kr->keys[i];

		if (k->alg != SIG_ED25519 && !asked) {
			sha = sha256(arg);
			asked = true;
		}
		if (verify_readings(k, data, len, sha, &r)) {
			if (which)
				*which = k->name;
			err = 0;
			break;
		}
	}
	free(decoded);
	return err;
}

struct buf_sha {
	const void *data;
	size_t len;
	uint8_t sha[SHA256_LEN];
};

static const uint8_t *buf_sha256(void *arg)
{
	struct buf_sha *b = arg;

	return sha256_buf(b->data, b->len, b->sha) ? NULL : b->sha;
}

int sig_keyring_verify(const struct sig_keyring *kr, const void *data, size_t len,
		       const uint8_t *sigfile, size_t sigfile_len, const char **which)
{
	struct buf_sha b = { .data = data, .len = len };

	return sig_keyring_verify_hashed(kr, data, len, buf_sha256, &b, sigfile, sigfile_len,
					 which);
}

/* An encrypted key's passphrase is asked for only where someone can type it:
 * without a terminal OpenSSL would print its prompt to a log and read a
 * script's input as the passphrase. */
static int passphrase_cb(char *buf, int size, int rwflag, void *u)
{
	if (!isatty(STDIN_FILENO))
		return -1;
	return PEM_def_callback(buf, size, rwflag, u);
}

static bool pem_encrypted(const void *pem, size_t len)
{
	return memmem(pem, len, "-----BEGIN ENCRYPTED PRIVATE KEY-----", 37) ||
	       memmem(pem, len, "Proc-Type: 4,ENCRYPTED", 22);
}

int sig_sign_file(const char *keypath, const void *data, size_t len, uint8_t **sigp,
		  size_t *siglenp)
{
	uint8_t *pem = NULL, *sig = NULL;
	size_t pemlen, siglen = 0;
	EVP_MD_CTX *ctx = NULL;
	EVP_PKEY_CTX *pctx = NULL;
	struct sig_key k = { 0 };
	BIO *bio = NULL;
	int err;

	err = fileio_read_once(keypath, KEY_MAX_SIZE, &pem, &pemlen);
	if (err)
		return err;
	bio = BIO_new_mem_buf(pem, (int)pemlen);
	if (!bio) {
		err = -ENOMEM;
		goto cleanup;
	}
	k.pkey = PEM_read_bio_PrivateKey(bio, NULL, passphrase_cb, NULL);
	if (!k.pkey) {
		ERR_clear_error();
		if (pem_encrypted(pem, pemlen))
			pr_err("cannot use key '%s': it is encrypted and was not decrypted (wrong "
			       "passphrase, or no terminal to ask for one)", keypath);
		else
			pr_err("cannot use key '%s': not a PEM private key", keypath);
		err = -EINVAL;
		goto cleanup;
	}
	err = key_alg(k.pkey, keypath, &k.alg);
	if (err)
		goto cleanup;
	ctx = EVP_MD_CTX_new();
	if (!ctx || EVP_DigestSignInit(ctx, &pctx, k.alg == SIG_ED25519 ? NULL : EVP_sha256(), NULL,
				       k.pkey) != 1)
		goto ossl_fail;
	if (k.alg == SIG_RSA && EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) <= 0)
		goto ossl_fail;
	if (k.alg == SIG_RSA_PSS_ONLY &&
	    (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) <= 0 ||
	     EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) <= 0))
		goto ossl_fail;
	if (EVP_DigestSign(ctx, NULL, &siglen, data, len) != 1)
		goto ossl_fail;
	sig = malloc(siglen);
	if (!sig) {
		err = -ENOMEM;
		goto cleanup;
	}
	if (EVP_DigestSign(ctx, sig, &siglen, data, len) != 1)
		goto ossl_fail;
	*sigp = sig;
	*siglenp = siglen;
	sig = NULL;
	goto cleanup;
ossl_fail:
	pr_err("cannot sign with '%s': %s", keypath, ossl_reason());
	err = -EIO;
cleanup:
	if (err == -ENOMEM)
		pr_err("cannot sign with '%s': %s", keypath, strerror(ENOMEM));
	free(sig);
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(k.pkey);
	BIO_free(bio);
	if (pem)
		OPENSSL_cleanse(pem, pemlen);
	free(pem);
	return err;
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *sig_base64_encode(const uint8_t *data, size_t len)
{
	char *out = malloc((len + 2) / 3 * 4 + 1), *o = out;

	if (!out)
		return NULL;
	for (size_t i = 0; i < len; i += 3) {
		uint32_t v = (uint32_t)data[i] << 16;

		if (i + 1 < len)
			v |= (uint32_t)data[i + 1] << 8;
		if (i + 2 < len)
			v |= data[i + 2];
		*o++ = b64[v >> 18];
		*o++ = b64[(v >> 12) & 63];
		*o++ = i + 1 < len ? b64[(v >> 6) & 63] : '=';
		*o++ = i + 2 < len ? b64[v & 63] : '=';
	}
	*o = '\0';
	return out;
}

static int b64val(char c)
{
	const char *p = c ? strchr(b64, c) : NULL;

	return p ? (int)(p - b64) : -1;
}

/* What an editor or a copy between systems may leave after the line. */
static bool trailing_blank(char c)
{
	return c == '\n' || c == '\r' || c == ' ' || c == '\t';
}

int sig_base64_decode(const char *s, size_t len, uint8_t **outp, size_t *outlen)
{
	uint8_t *out, *o;
	size_t pad = 0;

	while (len && trailing_blank(s[len - 1]))
		len--;
	if (!len || len % 4)
		return -EINVAL;
	if (s[len - 1] == '=')
		pad = s[len - 2] == '=' ? 2 : 1;
	out = malloc(len / 4 * 3);
	if (!out)
		return -ENOMEM;
	o = out;
	for (size_t i = 0; i < len; i += 4) {
		bool last = i + 4 == len;
		uint32_t v = 0;

		for (size_t j = 0; j < 4; j++) {
			int d = b64val(s[i + j]);

			if (d < 0) {
				/* '=' only as the final one or two characters */
				if (!(last && s[i + j] == '=' && j >= 4 - pad)) {
					free(out);
					return -EINVAL;
				}
				d = 0;
			}
			v = v << 6 | (uint32_t)d;
		}
		*o++ = (uint8_t)(v >> 16);
		if (!last || pad < 2)
			*o++ = (uint8_t)(v >> 8);
		if (!last || pad < 1)
			*o++ = (uint8_t)v;
	}
	*outp = out;
	*outlen = (size_t)(o - out);
	return 0;
}
