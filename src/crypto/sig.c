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
#include "crypto/ed25519.h"
#include "util/fileio.h"
#include "util/log.h"
#include "crypto/sig.h"

#define KEY_MAX_SIZE (64u << 10)
#define RSA_MIN_BITS 2048

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
static bool verify_one_sha256(const struct sig_key *k, int rsa_pad, const uint8_t sha[32],
			      const uint8_t *sig, size_t siglen)
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
	ok = EVP_PKEY_verify(ctx, sig, siglen, sha, 32) == 1;
cleanup:
	ERR_clear_error();
	EVP_PKEY_CTX_free(ctx);
	return ok;
}

static bool verify_sha256_key(const struct sig_key *k, const uint8_t sha[32], const uint8_t *sig,
			      size_t siglen)
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
 * Pure Ed25519 hashes R || A || M, R from the signature and A the key, so
 * each pair of an Ed25519 key and a 64-byte reading of the signature file is
 * a SHA-512 of its own, fed as the data arrives; ed25519_verify_hashed
 * finishes the check from it. OpenSSL's one call would need the whole data
 * in memory at once.
 */
struct ed_hash {
	size_t key;		/* in the keyring */
	const uint8_t *sig;	/* ED25519_SIG_LEN bytes, in the stream's readings */
	uint8_t pub[ED25519_KEY_LEN];
	EVP_MD_CTX *ctx;	/* NULL once hashing failed: the pair does not verify */
};

struct sig_stream {
	const struct sig_keyring *kr;
	/* The signature file's two readings: the bytes themselves, and the
	 * base64 line decoded (NULL when it is not one). Both are tried: a
	 * base64 line is never a valid raw signature for these algorithms and
	 * vice versa, and each must still verify. */
	uint8_t *raw, *decoded;
	size_t rawlen, dlen;
	struct ed_hash *ed;
	size_t n_ed;
};

static int ed_hash_start(struct sig_stream *s, size_t key, const uint8_t *sig)
{
	struct ed_hash *e = &s->ed[s->n_ed];
	size_t publen = sizeof(e->pub);

	e->key = key;
	e->sig = sig;
	e->ctx = EVP_MD_CTX_new();
	s->n_ed++;	/* freed with the stream, whatever happens below */
	if (!e->ctx ||
	    EVP_PKEY_get_raw_public_key(s->kr->keys[key].pkey, e->pub, &publen) != 1 ||
	    publen != sizeof(e->pub) || !EVP_DigestInit_ex(e->ctx, EVP_sha512(), NULL) ||
	    !EVP_DigestUpdate(e->ctx, sig, ED25519_SIG_LEN / 2) ||
	    !EVP_DigestUpdate(e->ctx, e->pub, sizeof(e->pub))) {
		ERR_clear_error();
		return -ENOMEM;
	}
	return 0;
}

void sig_stream_free(struct sig_stream *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n_ed; i++)
		EVP_MD_CTX_free(s->ed[i].ctx);
	free(s->ed);
	free(s->raw);
	free(s->decoded);
	free(s);
}

int sig_stream_begin(const struct sig_keyring *kr, const uint8_t *sigfile, size_t sigfile_len,
		     struct sig_stream **out)
{
	struct sig_stream *s;
	int err = 0;

	if (!kr || !kr->n)
		return -ENOKEY;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->kr = kr;
	s->raw = malloc(sigfile_len ? sigfile_len : 1);
	s->ed = calloc(2 * kr->n, sizeof(*s->ed));
	if (!s->raw || !s->ed) {
		err = -ENOMEM;
		goto cleanup;
	}
	memcpy(s->raw, sigfile, sigfile_len);
	s->rawlen = sigfile_len;
	if (sig_base64_decode((const char *)sigfile, sigfile_len, &s->decoded, &s->dlen))
		s->decoded = NULL;
	for (size_t i = 0; i < kr->n && !err; i++) {
		if (kr->keys[i].alg != SIG_ED25519)
			continue;
		if (s->decoded && s->dlen == ED25519_SIG_LEN)
			err = ed_hash_start(s, i, s->decoded);
		if (!err && s->rawlen == ED25519_SIG_LEN)
			err = ed_hash_start(s, i, s->raw);
	}
cleanup:
	if (err) {
		sig_stream_free(s);
		return err;
	}
	*out = s;
	return 0;
}

bool sig_stream_wants_data(const struct sig_stream *s)
{
	return s->n_ed > 0;
}

void sig_stream_update(struct sig_stream *s, const void *data, size_t len)
{
	for (size_t i = 0; i < s->n_ed; i++) {
		struct ed_hash *e = &s->ed[i];

		if (e->ctx && !EVP_DigestUpdate(e->ctx, data, len)) {
			ERR_clear_error();
			EVP_MD_CTX_free(e->ctx);
			e->ctx = NULL;
		}
	}
}

static bool verify_ed25519_key(struct sig_stream *s, size_t key)
{
	uint8_t h[64];

	for (size_t i = 0; i < s->n_ed; i++) {
		struct ed_hash *e = &s->ed[i];
		bool hashed;

		if (e->key != key || !e->ctx)
			continue;
		hashed = EVP_DigestFinal_ex(e->ctx, h, NULL);
		ERR_clear_error();
		EVP_MD_CTX_free(e->ctx);	/* a hash is finished once */
		e->ctx = NULL;
		if (hashed && ed25519_verify_hashed(e->pub, e->sig, h))
			return true;
	}
	return false;
}

int sig_stream_end(struct sig_stream *s, const uint8_t *sha256, const char **which)
{
	const struct sig_keyring *kr = s->kr;

	for (size_t i = 0; i < kr->n; i++) {
		const struct sig_key *k = &kr->keys[i];
		bool ok;

		if (k->alg == SIG_ED25519)
			ok = verify_ed25519_key(s, i);
		else
			ok = sha256 && ((s->decoded && verify_sha256_key(k, sha256, s->decoded,
									   s->dlen)) ||
					verify_sha256_key(k, sha256, s->raw, s->rawlen));
		if (ok) {
			if (which)
				*which = k->name;
			return 0;
		}
	}
	return -EBADMSG;
}

int sig_keyring_verify(const struct sig_keyring *kr, const void *data, size_t len,
		       const uint8_t *sigfile, size_t sigfile_len, const char **which)
{
	struct sig_stream *s = NULL;
	uint8_t sha[SHA256_LEN];
	bool need_sha = false;
	int err;

	err = sig_stream_begin(kr, sigfile, sigfile_len, &s);
	if (err)
		return err;
	sig_stream_update(s, data, len);
	for (size_t i = 0; i < kr->n; i++)
		need_sha |= kr->keys[i].alg != SIG_ED25519;
	if (need_sha && sha256_buf(data, len, sha))
		need_sha = false;	/* those keys then fail */
	err = sig_stream_end(s, need_sha ? sha : NULL, which);
	sig_stream_free(s);
	return err;
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
