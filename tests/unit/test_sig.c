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

#include <openssl/bio.h>
#include <openssl/bn.h>
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

/* sig_keyring_verify_hashed's SHA-256, given by the test and counted. */
struct given_sha {
	const uint8_t *sha;
	int calls;
};

static const uint8_t *given_sha256(void *arg)
{
	struct given_sha *g = arg;

	g->calls++;
	return g->sha;
}

static int hashed_verify(const struct sig_keyring *kr, const uint8_t *data, size_t len,
			 const uint8_t *sig, size_t siglen, const uint8_t *sha, const char **which)
{
	struct given_sha g = { .sha = sha };
	int err = sig_keyring_verify_hashed(kr, data, len, given_sha256, &g, sig, siglen, which);

	assert_int_equal(g.calls, 1);	/* the ring holds ECDSA and RSA keys */
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

/* A verification with the SHA-256 given gives the one-shot verdict: ECDSA
 * and RSA keys check the SHA-256 the caller gives, Ed25519 keys the data
 * itself, with OpenSSL's one-shot verify. */
static void test_sig_hashed(void **state)
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
		assert_int_equal(hashed_verify(kr, data, len, sig, siglen, sha, &which), 0);
		assert_string_equal(which, pubs[i]);
		assert_int_equal(hashed_verify(kr, data, len, sig, siglen, wrong, NULL),
				 ed ? 0 : -EBADMSG);
		assert_int_equal(hashed_verify(kr, data, len, sig, siglen, NULL, NULL),
				 ed ? 0 : -EBADMSG);
		/* one changed byte: Ed25519 reads it, the others trust the given
		 * SHA-256; one shot, every key reads it */
		data[len / 2] ^= 1;
		assert_int_equal(hashed_verify(kr, data, len, sig, siglen, sha, NULL),
				 ed ? -EBADMSG : 0);
		assert_int_equal(sig_keyring_verify(kr, data, len, sig, siglen, NULL), -EBADMSG);
		data[len / 2] ^= 1;
		free(sig);
		sig_keyring_free(kr);
	}
	assert_int_equal(tmpdir_remove(dir), 0);
	free(data);
}

/* A ring of Ed25519 keys only never asks for the SHA-256. */
static void test_sig_hashed_ed25519_only(void **state)
{
	char *a = data_path("%s/keys/%s.pub", "ed25519-other");
	char *c = data_path("%s/keys/%s.pub", "ed25519");
	char *lp = data_path("%s/sigcorpus/%s", "list.json");
	char *sp = data_path("%s/sigcorpus/%s", "ed25519.sig");
	struct sig_keyring *kr = sig_keyring_new();
	struct given_sha g = { 0 };
	uint8_t *data, *sig;
	size_t len, siglen;

	(void)state;
	slurp(lp, &data, &len);
	slurp(sp, &sig, &siglen);
	assert_int_equal(sig_keyring_add_file(kr, a), 0);
	assert_int_equal(sig_keyring_verify_hashed(kr, data, len, given_sha256, &g, sig, siglen,
						   NULL),
			 -EBADMSG);
	assert_int_equal(sig_keyring_add_file(kr, c), 0);
	assert_int_equal(sig_keyring_verify_hashed(kr, data, len, given_sha256, &g, sig, siglen,
						   NULL),
			 0);
	assert_int_equal(g.calls, 0);
	sig_keyring_free(kr);
	free(data);
	free(sig);
	free(a);
	free(c);
	free(lp);
	free(sp);
}

#define L_HEX "1000000000000000000000000000000014def9dea2f79cd65812631a5cf5d3ed"

/* RFC 8032 7.1, in hex. */
static const struct rfc_vector {
	const char *name, *pub, *msg, *sig;
} rfc8032[] = {
	{
		.name = "TEST 1",
		.pub = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
		.msg = "",
		.sig = "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
		       "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
	},
	{
		.name = "TEST 2",
		.pub = "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
		.msg = "72",
		.sig = "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
		       "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
	},
	{
		.name = "TEST 3",
		.pub = "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
		.msg = "af82",
		.sig = "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac"
		       "18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a",
	},
	{
		.name = "TEST 1024",
		.pub = "278117fc144c72340f67d0f2316e8386ceffbf2b2428c9c51fef7c597f1d426e",
		.msg = "08b8b2b733424243760fe426a4b54908632110a66c2f6591eabd3345e3e4eb98"
		       "fa6e264bf09efe12ee50f8f54e9f77b1e355f6c50544e23fb1433ddf73be84d8"
		       "79de7c0046dc4996d9e773f4bc9efe5738829adb26c81b37c93a1b270b20329d"
		       "658675fc6ea534e0810a4432826bf58c941efb65d57a338bbd2e26640f89ffbc"
		       "1a858efcb8550ee3a5e1998bd177e93a7363c344fe6b199ee5d02e82d522c4fe"
		       "ba15452f80288a821a579116ec6dad2b3b310da903401aa62100ab5d1a36553e"
		       "06203b33890cc9b832f79ef80560ccb9a39ce767967ed628c6ad573cb116dbef"
		       "efd75499da96bd68a8a97b928a8bbc103b6621fcde2beca1231d206be6cd9ec7"
		       "aff6f6c94fcd7204ed3455c68c83f4a41da4af2b74ef5c53f1d8ac70bdcb7ed1"
		       "85ce81bd84359d44254d95629e9855a94a7c1958d1f8ada5d0532ed8a5aa3fb2"
		       "d17ba70eb6248e594e1a2297acbbb39d502f1a8c6eb6f1ce22b3de1a1f40cc24"
		       "554119a831a9aad6079cad88425de6bde1a9187ebb6092cf67bf2b13fd65f270"
		       "88d78b7e883c8759d2c4f5c65adb7553878ad575f9fad878e80a0c9ba63bcbcc"
		       "2732e69485bbc9c90bfbd62481d9089beccf80cfe2df16a2cf65bd92dd597b07"
		       "07e0917af48bbb75fed413d238f5555a7a569d80c3414a8d0859dc65a46128ba"
		       "b27af87a71314f318c782b23ebfe808b82b0ce26401d2e22f04d83d1255dc51a"
		       "ddd3b75a2b1ae0784504df543af8969be3ea7082ff7fc9888c144da2af58429e"
		       "c96031dbcad3dad9af0dcbaaaf268cb8fcffead94f3c7ca495e056a9b47acdb7"
		       "51fb73e666c6c655ade8297297d07ad1ba5e43f1bca32301651339e22904cc8c"
		       "42f58c30c04aafdb038dda0847dd988dcda6f3bfd15c4b4c4525004aa06eeff8"
		       "ca61783aacec57fb3d1f92b0fe2fd1a85f6724517b65e614ad6808d6f6ee34df"
		       "f7310fdc82aebfd904b01e1dc54b2927094b2db68d6f903b68401adebf5a7e08"
		       "d78ff4ef5d63653a65040cf9bfd4aca7984a74d37145986780fc0b16ac451649"
		       "de6188a7dbdf191f64b5fc5e2ab47b57f7f7276cd419c17a3ca8e1b939ae49e4"
		       "88acba6b965610b5480109c8b17b80e1b7b750dfc7598d5d5011fd2dcc5600a3"
		       "2ef5b52a1ecc820e308aa342721aac0943bf6686b64b2579376504ccc493d97e"
		       "6aed3fb0f9cd71a43dd497f01f17c0e2cb3797aa2a2f256656168e6c496afc5f"
		       "b93246f6b1116398a346f1a641f3b041e989f7914f90cc2c7fff357876e506b5"
		       "0d334ba77c225bc307ba537152f3f1610e4eafe595f6d9d90d11faa933a15ef1"
		       "369546868a7f3a45a96768d40fd9d03412c091c6315cf4fde7cb68606937380d"
		       "b2eaaa707b4c4185c32eddcdd306705e4dc1ffc872eeee475a64dfac86aba41c"
		       "0618983f8741c5ef68d3a101e8a3b8cac60c905c15fc910840b94c00a0b9d0",
		.sig = "0aab4c900501b3e24d7cdf4663326a3a87df5e4843b2cbdb67cbf6e460fec350"
		       "aa5371b1508f9f4528ecea23c436d94b5e8fcd4f681e30a6ac00a9704a188a03",
	},
	{
		.name = "TEST SHA(abc)",
		.pub = "ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf",
		.msg = "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
		       "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
		.sig = "dc2a4459e7369633a52b1bf277839a00201009a3efbf3ecb69bea2186c26b589"
		       "09351fc9ac90b3ecfdfbc7c66431e0303dca179c138ac17ad9bef1177331a704",
	},
};

static void unhex(const char *s, uint8_t *out, size_t len)
{
	assert_int_equal(strlen(s), 2 * len);
	for (size_t i = 0; i < len; i++) {
		unsigned int b;

		assert_int_equal(sscanf(s + 2 * i, "%2x", &b), 1);
		out[i] = (uint8_t)b;
	}
}

static void flip(uint8_t *b, unsigned int bit)
{
	b[bit / 8] ^= 1u << (bit % 8);
}

/* A keyring holding the raw Ed25519 public key pub, as PEM, the way a
 * --trust file reaches it. */
static struct sig_keyring *raw_key_ring(const uint8_t pub[32])
{
	EVP_PKEY *pk = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub, 32);
	struct sig_keyring *kr = sig_keyring_new();
	BIO *bio = BIO_new(BIO_s_mem());
	char *pem;
	long len;

	assert_non_null(pk);
	assert_non_null(kr);
	assert_non_null(bio);
	assert_int_equal(PEM_write_bio_PUBKEY(bio, pk), 1);
	len = BIO_get_mem_data(bio, &pem);
	assert_true(len > 0);
	assert_int_equal(sig_keyring_add_pem(kr, pem, (size_t)len, "rfc8032"), 0);
	BIO_free(bio);
	EVP_PKEY_free(pk);
	return kr;
}

/* sig_keyring_verify of the raw 64 bytes, and of their base64 line, which
 * must agree. */
static int verify_raw(const uint8_t pub[32], const uint8_t sig[64], const uint8_t *m, size_t len)
{
	struct sig_keyring *kr = raw_key_ring(pub);
	char *b64 = sig_base64_encode(sig, 64);
	int raw, line;

	assert_non_null(b64);
	raw = sig_keyring_verify(kr, m, len, sig, 64, NULL);
	line = sig_keyring_verify(kr, m, len, (const uint8_t *)b64, strlen(b64), NULL);
	assert_int_equal(raw, line);
	free(b64);
	sig_keyring_free(kr);
	return raw;
}

/* The message is malloc'ed, never NULL, even when empty. */
static uint8_t *load_vector(const struct rfc_vector *v, uint8_t pub[32], uint8_t sig[64],
			    size_t *len)
{
	uint8_t *m;

	*len = strlen(v->msg) / 2;
	m = malloc(*len + 1);
	assert_non_null(m);
	unhex(v->pub, pub, 32);
	unhex(v->sig, sig, 64);
	unhex(v->msg, m, *len);
	return m;
}

/* RFC 8032's test vectors verify through the keyring, as an allowlist's
 * signature would. */
static void test_sig_rfc8032_vectors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(rfc8032) / sizeof(rfc8032[0]); i++) {
		uint8_t pub[32], sig[64];
		size_t len;
		uint8_t *m = load_vector(&rfc8032[i], pub, sig, &len);

		if (verify_raw(pub, sig, m, len))
			fail_msg("%s refused", rfc8032[i].name);
		free(m);
	}
}

/* One bit flipped in R, S, A or the message: every one refused. Bit 255 is
 * the sign of x in R and A, and puts S above L. */
static void test_sig_rfc8032_bit_flips(void **state)
{
	static const unsigned int bits[] = { 0, 97, 254, 255 };
	size_t refused = 0, tried = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(rfc8032) / sizeof(rfc8032[0]); i++) {
		uint8_t pub[32], sig[64];
		size_t len;
		uint8_t *m = load_vector(&rfc8032[i], pub, sig, &len);

		for (size_t j = 0; j < sizeof(bits) / sizeof(bits[0]); j++) {
			uint8_t p2[32], s2[64];

			memcpy(s2, sig, 64);
			flip(s2, bits[j]); /* R */
			refused += verify_raw(pub, s2, m, len) == -EBADMSG;
			memcpy(s2, sig, 64);
			flip(s2 + 32, bits[j]); /* S */
			refused += verify_raw(pub, s2, m, len) == -EBADMSG;
			memcpy(p2, pub, 32);
			flip(p2, bits[j]);
			refused += verify_raw(p2, sig, m, len) == -EBADMSG;
			tried += 3;
		}
		/* TEST 1 signs the empty message; a byte more changes it */
		if (len) {
			flip(m, 0);
			refused += verify_raw(pub, sig, m, len) == -EBADMSG;
			flip(m, 0);
			flip(m, 8 * len - 1);
			refused += verify_raw(pub, sig, m, len) == -EBADMSG;
			tried += 2;
		} else {
			m[0] = 0;
			refused += verify_raw(pub, sig, m, 1) == -EBADMSG;
			tried++;
		}
		free(m);
	}
	assert_int_equal(refused, tried);
	assert_int_equal(tried, 5 * 12 + 4 * 2 + 1);
}

/* S + L names the same scalar and fits in 32 bytes: were S not required to
 * be below L, every signature would have a second form. Refused, for the
 * RFC's vectors and for a signature made here. */
static void test_sig_ed25519_s_plus_l(void **state)
{
	char *kp = data_path("%s/keys/%s.key", "ed25519");
	char *pp = data_path("%s/keys/%s.pub", "ed25519");
	struct sig_keyring *kr = sig_keyring_new();
	BIGNUM *l = NULL, *s = BN_new();
	static const char msg[] = "{\"format\":\"x\"}";
	uint8_t *own;
	size_t ownlen, done = 0;

	(void)state;
	assert_non_null(s);
	assert_true(BN_hex2bn(&l, L_HEX) > 0);
	assert_int_equal(sig_sign_file(kp, msg, sizeof(msg) - 1, &own, &ownlen), 0);
	assert_int_equal(ownlen, 64);
	assert_int_equal(sig_keyring_add_file(kr, pp), 0);
	assert_int_equal(sig_keyring_verify(kr, msg, sizeof(msg) - 1, own, 64, NULL), 0);
	for (size_t i = 0; i <= sizeof(rfc8032) / sizeof(rfc8032[0]); i++) {
		uint8_t pub[32], sig[64], *m;
		size_t len;

		if (i < sizeof(rfc8032) / sizeof(rfc8032[0])) {
			m = load_vector(&rfc8032[i], pub, sig, &len);
		} else {
			m = NULL;
			memcpy(sig, own, 64);
		}
		assert_non_null(BN_lebin2bn(sig + 32, 32, s));
		assert_int_equal(BN_add(s, s, l), 1);
		assert_true(BN_num_bits(s) <= 256);	/* S < L < 2^253 */
		assert_int_equal(BN_bn2lebinpad(s, sig + 32, 32), 32);
		if (m)
			assert_int_equal(verify_raw(pub, sig, m, len), -EBADMSG);
		else
			assert_int_equal(sig_keyring_verify(kr, msg, sizeof(msg) - 1, sig, 64, NULL),
					 -EBADMSG);
		free(m);
		done++;
	}
	assert_int_equal(done, sizeof(rfc8032) / sizeof(rfc8032[0]) + 1);
	BN_free(l);
	BN_free(s);
	free(own);
	sig_keyring_free(kr);
	free(kp);
	free(pp);
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
		cmocka_unit_test(test_sig_hashed),
		cmocka_unit_test(test_sig_hashed_ed25519_only),
		cmocka_unit_test(test_sig_rfc8032_vectors),
		cmocka_unit_test(test_sig_rfc8032_bit_flips),
		cmocka_unit_test(test_sig_ed25519_s_plus_l),
		cmocka_unit_test(test_sig_refuses_weak_keys_for_signing),
		cmocka_unit_test(test_sig_any_trusted_key),
		cmocka_unit_test(test_sig_refuses_garbage_key),
		cmocka_unit_test(test_sig_base64),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
