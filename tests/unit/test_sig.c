// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "util/fileio.h"
#include "crypto/sig.h"
#include "tmpdir.h"

/* Unit tests run from the top of the tree; TESTDATA overrides. */
static const char *data_dir(void)
{
	const char *d = getenv("TESTDATA");

	return d ? d : "tests/data";
}

static char *data_path(const char *fmt, const char *name)
{
	char *p;

	assert_true(asprintf(&p, fmt, data_dir(), name) > 0);
	return p;
}

static void slurp(const char *path, uint8_t **buf, size_t *len)
{
	assert_int_equal(fileio_read_once(path, 1 << 20, buf, len), 0);
}

static int verify_case(const char *list, const char *sigf, const char *key)
{
	char *lp = data_path("%s/sigcorpus/%s", list), *sp = data_path("%s/sigcorpus/%s", sigf);
	char *kp = data_path("%s/keys/%s", key);
	struct sig_keyring *kr = sig_keyring_new();
	uint8_t *data, *sig;
	size_t len, siglen;
	int rc;

	slurp(lp, &data, &len);
	slurp(sp, &sig, &siglen);
	rc = sig_keyring_add_file(kr, kp);
	if (!rc)
		rc = sig_keyring_verify(kr, data, len, sig, siglen, NULL);
	sig_keyring_free(kr);
	free(data);
	free(sig);
	free(lp);
	free(sp);
	free(kp);
	return rc;
}

/* Every (allowlist, signature, key) triple in the corpus gets its verdict. */
static void test_sig_corpus(void **state)
{
	char *cases = data_path("%s/sigcorpus/%s", "cases");
	char list[128], sigf[128], key[128], verdict[16];
	FILE *f = fopen(cases, "r");
	int n = 0;

	(void)state;
	assert_non_null(f);
	while (fscanf(f, "%127s %127s %127s %15s", list, sigf, key, verdict) == 4) {
		int rc = verify_case(list, sigf, key);
		int want = !strcmp(verdict, "valid") ? 0 : !strcmp(verdict, "invalid") ? -EBADMSG
											 : -EINVAL;

		if (rc != want)
			fail_msg("%s %s %s: got %d, want %s", list, sigf, key, rc, verdict);
		n++;
	}
	fclose(f);
	free(cases);
	assert_true(n >= 20);
}

static void test_sig_sign_then_verify_each_type(void **state)
{
	static const char *const names[] = { "ed25519", "p256", "rsa2048" };
	static const char msg[] = "{\"format\":\"x\"}";

	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char *kp = data_path("%s/keys/%s.key", names[i]);
		char *pp = data_path("%s/keys/%s.pub", names[i]);
		struct sig_keyring *kr = sig_keyring_new();
		uint8_t *sig;
		size_t siglen;
		char *b64;

		assert_int_equal(sig_sign_file(kp, msg, sizeof(msg) - 1, &sig, &siglen), 0);
		assert_int_equal(sig_keyring_add_file(kr, pp), 0);
		assert_int_equal(sig_keyring_verify(kr, msg, sizeof(msg) - 1, sig, siglen, NULL), 0);
		b64 = sig_base64_encode(sig, siglen);
		assert_non_null(b64);
		assert_int_equal(
			sig_keyring_verify(kr, msg, sizeof(msg) - 1, (uint8_t *)b64, strlen(b64), NULL),
			0);
		/* the message changes by one byte */
		assert_int_equal(sig_keyring_verify(kr, msg, sizeof(msg) - 2, sig, siglen, NULL),
				 -EBADMSG);
		free(b64);
		free(sig);
		sig_keyring_free(kr);
		free(kp);
		free(pp);
	}
}

/* A streamed verification, the data given in pieces of uneven sizes;
 * wants_data must be asked for exactly when an Ed25519 key will read it. */
static int stream_verify(const struct sig_keyring *kr, const uint8_t *data, size_t len,
			 const uint8_t *sig, size_t siglen, const uint8_t *sha, bool ed,
			 const char **which)
{
	static const size_t pieces[] = { 1, 63, 4096, 65539, 1u << 20 };
	struct sig_stream *s = NULL;
	int err;

	assert_int_equal(sig_stream_begin(kr, sig, siglen, &s), 0);
	assert_int_equal(sig_stream_wants_data(s), ed);
	for (size_t at = 0, i = 0; ed && at < len; i++) {
		size_t n = pieces[i % 5] < len - at ? pieces[i % 5] : len - at;

		sig_stream_update(s, data + at, n);
		at += n;
	}
	err = sig_stream_end(s, sha, which);
	sig_stream_free(s);
	return err;
}

/* A key type the tree has no file for: RSA-PSS, written to dir. */
static void write_pss_key(const char *dir, char *key, char *pub, size_t len)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA-PSS", NULL);
	EVP_PKEY *k = NULL;
	FILE *f;

	assert_non_null(ctx);
	assert_int_equal(EVP_PKEY_keygen_init(ctx), 1);
	assert_int_equal(EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, 2048), 1);
	assert_int_equal(EVP_PKEY_generate(ctx, &k), 1);
	EVP_PKEY_CTX_free(ctx);
	tmpdir_join(key, len, dir, "pss.key");
	tmpdir_join(pub, len, dir, "pss.pub");
	f = fopen(key, "w");
	assert_non_null(f);
	assert_int_equal(PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL), 1);
	fclose(f);
	f = fopen(pub, "w");
	assert_non_null(f);
	assert_int_equal(PEM_write_PUBKEY(f, k), 1);
	fclose(f);
	EVP_PKEY_free(k);
}

/* A streamed verification gives the one-shot verdict: ECDSA and RSA keys
 * check the SHA-256 the caller gives, Ed25519 keys the pieces themselves. */
static void test_sig_stream(void **state)
{
	static const char *const names[] = { "ed25519", "p256", "rsa2048", "rsa3072", NULL };
	char dir[TMPDIR_MAX], keys[5][PATH_MAX], pubs[5][PATH_MAX];
	size_t len = 3 << 20;
	uint8_t *data = malloc(len), sha[32], wrong[32];

	(void)state;
	assert_non_null(data);
	assert_int_equal(tmpdir_make(dir, "sig"), 0);
	for (size_t i = 0; i < len; i++)
		data[i] = (uint8_t)(i * 131 + (i >> 9));
	assert_int_equal(EVP_Digest(data, len, sha, NULL, EVP_sha256(), NULL), 1);
	memcpy(wrong, sha, sizeof(wrong));
	wrong[31] ^= 1;
	for (int i = 0; i < 5; i++) {
		char *kp, *pp;

		if (names[i]) {
			kp = data_path("%s/keys/%s.key", names[i]);
			pp = data_path("%s/keys/%s.pub", names[i]);
			snprintf(keys[i], sizeof(keys[i]), "%s", kp);
			snprintf(pubs[i], sizeof(pubs[i]), "%s", pp);
			free(kp);
			free(pp);
		} else {
			write_pss_key(dir, keys[i], pubs[i], sizeof(keys[i]));
		}
	}
	for (int i = 0; i < 5; i++) {
		struct sig_keyring *kr = sig_keyring_new();
		bool ed = i == 0;
		const char *which = NULL;
		uint8_t *sig;
		size_t siglen;

		assert_int_equal(sig_sign_file(keys[i], data, len, &sig, &siglen), 0);
		/* every other key first, the signer last */
		for (int j = 1; j <= 5; j++)
			assert_int_equal(sig_keyring_add_file(kr, pubs[(i + j) % 5]), 0);
		assert_int_equal(sig_keyring_verify(kr, data, len, sig, siglen, &which), 0);
		assert_string_equal(which, pubs[i]);
		which = NULL;
		assert_int_equal(stream_verify(kr, data, len, sig, siglen, sha, ed, &which), 0);
		assert_string_equal(which, pubs[i]);
		assert_int_equal(stream_verify(kr, data, len, sig, siglen, wrong, ed, NULL),
				 ed ? 0 : -EBADMSG);
		assert_int_equal(stream_verify(kr, data, len, sig, siglen, NULL, ed, NULL),
				 ed ? 0 : -EBADMSG);
		/* one changed byte: Ed25519 reads it, the others trust the given
		 * SHA-256; one shot, every key reads it */
		data[len / 2] ^= 1;
		assert_int_equal(stream_verify(kr, data, len, sig, siglen, sha, ed, NULL),
				 ed ? -EBADMSG : 0);
		assert_int_equal(sig_keyring_verify(kr, data, len, sig, siglen, NULL), -EBADMSG);
		data[len / 2] ^= 1;
		free(sig);
		sig_keyring_free(kr);
	}
	assert_int_equal(tmpdir_remove(dir), 0);
	free(data);
}

static void test_sig_refuses_weak_keys_for_signing(void **state)
{
	char *kp = data_path("%s/keys/%s.key", "rsa1024");
	uint8_t *sig = NULL;
	size_t siglen;

	(void)state;
	assert_int_equal(sig_sign_file(kp, "x", 1, &sig, &siglen), -EINVAL);
	assert_null(sig);
	free(kp);
	kp = data_path("%s/keys/%s.key", "p384");
	assert_int_equal(sig_sign_file(kp, "x", 1, &sig, &siglen), -EINVAL);
	free(kp);
	/* a public key is not a signing key */
	kp = data_path("%s/keys/%s.pub", "ed25519");
	assert_int_equal(sig_sign_file(kp, "x", 1, &sig, &siglen), -EINVAL);
	free(kp);
}

static void test_sig_any_trusted_key(void **state)
{
	char *a = data_path("%s/keys/%s.pub", "ed25519-other");
	char *b = data_path("%s/keys/%s.pub", "p256");
	char *c = data_path("%s/keys/%s.pub", "ed25519");
	char *lp = data_path("%s/sigcorpus/%s", "list.json");
	char *sp = data_path("%s/sigcorpus/%s", "ed25519.sig");
	struct sig_keyring *kr = sig_keyring_new();
	uint8_t *data, *sig;
	size_t len, siglen;
	const char *which = NULL;

	(void)state;
	slurp(lp, &data, &len);
	slurp(sp, &sig, &siglen);
	assert_int_equal(sig_keyring_verify(kr, data, len, sig, siglen, NULL), -ENOKEY);
	assert_int_equal(sig_keyring_add_file(kr, a), 0);
	assert_int_equal(sig_keyring_add_file(kr, b), 0);
	assert_int_equal(sig_keyring_verify(kr, data, len, sig, siglen, NULL), -EBADMSG);
	assert_int_equal(sig_keyring_add_file(kr, c), 0);
	assert_int_equal(sig_keyring_count(kr), 3);
	assert_int_equal(sig_keyring_verify(kr, data, len, sig, siglen, &which), 0);
	assert_string_equal(which, c);
	sig_keyring_free(kr);
	free(data);
	free(sig);
	free(a);
	free(b);
	free(c);
	free(lp);
	free(sp);
}

static void test_sig_refuses_garbage_key(void **state)
{
	struct sig_keyring *kr = sig_keyring_new();

	(void)state;
	assert_int_equal(sig_keyring_add_pem(kr, "hello", 5, "mem"), -EINVAL);
	assert_int_equal(sig_keyring_add_pem(kr, "", 0, "mem"), -EINVAL);
	assert_int_equal(sig_keyring_count(kr), 0);
	sig_keyring_free(kr);
}

static void test_sig_base64(void **state)
{
	static const struct {
		const char *plain, *enc;
	} v[] = { { "", "" },	      { "f", "Zg==" },	   { "fo", "Zm8=" },
		  { "foo", "Zm9v" },  { "foob", "Zm9vYg==" }, { "fooba", "Zm9vYmE=" },
		  { "foobar", "Zm9vYmFy" } };
	static const char *const trailing[] = { "Zm9v\n", "Zm9v\r\n", "Zm9v\n\n", "Zm9v  \n",
						"Zm9v\t\r\n", "Zm9v \r\n \n", "Zm9v " };
	static const char *const bad[] = { "Zm9", "Zm=v", "====", "Zm 9", "", " \r\n",
					   " Zm9v", "Zm9v\nx", "Zm9v\n\nZm9v", "Zm9v\v", "Zm\n9v" };
	uint8_t *out;
	size_t len;

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		char *e = sig_base64_encode((const uint8_t *)v[i].plain, strlen(v[i].plain));

		assert_string_equal(e, v[i].enc);
		free(e);
		if (!v[i].enc[0])
			continue;
		assert_int_equal(sig_base64_decode(v[i].enc, strlen(v[i].enc), &out, &len), 0);
		assert_int_equal(len, strlen(v[i].plain));
		assert_memory_equal(out, v[i].plain, len);
		free(out);
	}
	/* Blanks after the line are not part of it. */
	for (size_t i = 0; i < sizeof(trailing) / sizeof(trailing[0]); i++) {
		if (sig_base64_decode(trailing[i], strlen(trailing[i]), &out, &len))
			fail_msg("refused '%s'", trailing[i]);
		assert_int_equal(len, 3);
		assert_memory_equal(out, "foo", 3);
		free(out);
	}
	/* Anything else is not base64. */
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (sig_base64_decode(bad[i], strlen(bad[i]), &out, &len) != -EINVAL)
			fail_msg("accepted '%s'", bad[i]);
	assert_int_equal(sig_base64_decode("Zm9v\0", 5, &out, &len), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sig_corpus),
		cmocka_unit_test(test_sig_sign_then_verify_each_type),
		cmocka_unit_test(test_sig_stream),
		cmocka_unit_test(test_sig_refuses_weak_keys_for_signing),
		cmocka_unit_test(test_sig_any_trusted_key),
		cmocka_unit_test(test_sig_refuses_garbage_key),
		cmocka_unit_test(test_sig_base64),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
