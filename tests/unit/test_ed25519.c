// SPDX-License-Identifier: GPL-2.0-only
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "crypto/ed25519.h"

#define P_HEX "7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffed"
#define L_HEX "1000000000000000000000000000000014def9dea2f79cd65812631a5cf5d3ed"

#define N_KEYS	256
#define MSG_MAX 4096

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

/*
 * The eight points of small order, canonically encoded: (0, 1), (0, -1),
 * the two of order 4 (y = 0) and the four of order 8.
 */
static const char *const torsion[] = {
	"0100000000000000000000000000000000000000000000000000000000000000",
	"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	"0000000000000000000000000000000000000000000000000000000000000000",
	"0000000000000000000000000000000000000000000000000000000000000080",
	"26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
	"26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
	"c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
	"c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
};

/* The same points again, non-canonically: x = 0 with the sign bit set, or y >= p. */
static const char *const torsion_noncanonical[] = {
	"0100000000000000000000000000000000000000000000000000000000000080", /* (0, 1) */
	"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", /* (0, -1) */
	"eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", /* y = p + 1 */
	"eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
	"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", /* y = p */
	"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
};

static void unhex(const char *s, uint8_t *out, size_t len)
{
	assert_int_equal(strlen(s), 2 * len);
	for (size_t i = 0; i < len; i++) {
		unsigned int b;

		assert_int_equal(sscanf(s + 2 * i, "%2x", &b), 1);
		out[i] = b;
	}
}

static void tohex(const uint8_t *b, size_t len, char *out)
{
	for (size_t i = 0; i < len; i++)
		sprintf(out + 2 * i, "%02x", b[i]);
}

static void flip(uint8_t *b, unsigned int bit)
{
	b[bit / 8] ^= 1u << (bit % 8);
}

static unsigned int rnd(unsigned int n)
{
	uint32_t r;

	assert_int_equal(RAND_bytes((unsigned char *)&r, sizeof(r)), 1);
	return r % n;
}

/* What the caller computes as it streams M: SHA-512(R || A || M), M in two pieces. */
static void hram(const uint8_t sig[64], const uint8_t pub[32], const uint8_t *m, size_t len,
		 uint8_t h[64])
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned int hlen = 0;

	assert_non_null(md);
	assert_int_equal(EVP_DigestInit_ex(md, EVP_sha512(), NULL), 1);
	assert_int_equal(EVP_DigestUpdate(md, sig, 32), 1);
	assert_int_equal(EVP_DigestUpdate(md, pub, 32), 1);
	assert_int_equal(EVP_DigestUpdate(md, m, len / 2), 1);
	assert_int_equal(EVP_DigestUpdate(md, m + len / 2, len - len / 2), 1);
	assert_int_equal(EVP_DigestFinal_ex(md, h, &hlen), 1);
	assert_int_equal(hlen, 64);
	EVP_MD_CTX_free(md);
}

/* OpenSSL's verdict on the whole message: 1, 0, or -1 when it will not even make the key. */
static int ossl_verify(const uint8_t pub[32], const uint8_t sig[64], const uint8_t *m, size_t len)
{
	EVP_PKEY *pk = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub, 32);
	EVP_MD_CTX *md;
	int rc;

	if (!pk) {
		ERR_clear_error();
		return -1;
	}
	md = EVP_MD_CTX_new();
	assert_non_null(md);
	rc = EVP_DigestVerifyInit(md, NULL, NULL, NULL, pk) == 1 &&
	     EVP_DigestVerify(md, sig, 64, m, len) == 1;
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(pk);
	ERR_clear_error();
	return rc;
}

/* Ours and OpenSSL's verdicts, which must be the same; returns it. */
static bool agree(const uint8_t pub[32], const uint8_t sig[64], const uint8_t *m, size_t len)
{
	int theirs = ossl_verify(pub, sig, m, len);
	uint8_t h[64];
	bool ours;

	hram(sig, pub, m, len, h);
	ours = ed25519_verify_hashed(pub, sig, h);
	if (ours != (theirs == 1)) {
		char a[65], s[129];

		tohex(pub, 32, a);
		tohex(sig, 64, s);
		fail_msg("pub %s sig %s, %zu-byte message: ours %d, OpenSSL %d", a, s, len, ours,
			 theirs);
	}
	return ours;
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

static void test_ed25519_rfc8032_vectors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(rfc8032) / sizeof(rfc8032[0]); i++) {
		uint8_t pub[32], sig[64];
		size_t len;
		uint8_t *m = load_vector(&rfc8032[i], pub, sig, &len);

		if (!agree(pub, sig, m, len))
			fail_msg("%s refused", rfc8032[i].name);
		free(m);
	}
}

/*
 * One bit flipped in R, S, A or M, with h computed honestly over what the
 * verifier sees, or in h itself: every one refused. Bit 255 is the sign of x
 * in R and A and puts S above L.
 */
static void test_ed25519_rfc8032_bit_flips(void **state)
{
	static const unsigned int bits[] = { 0, 97, 254, 255 };
	size_t refused = 0, tried = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(rfc8032) / sizeof(rfc8032[0]); i++) {
		uint8_t pub[32], sig[64], h[64];
		size_t len;
		uint8_t *m = load_vector(&rfc8032[i], pub, sig, &len);

		for (size_t j = 0; j < sizeof(bits) / sizeof(bits[0]); j++) {
			uint8_t p2[32], s2[64];

			memcpy(s2, sig, 64);
			flip(s2, bits[j]); /* R */
			refused += !agree(pub, s2, m, len);
			memcpy(s2, sig, 64);
			flip(s2 + 32, bits[j]); /* S */
			refused += !agree(pub, s2, m, len);
			memcpy(p2, pub, 32);
			flip(p2, bits[j]);
			refused += !agree(p2, sig, m, len);
			tried += 3;
		}
		/* TEST 1 signs the empty message; a byte more changes it */
		if (len) {
			flip(m, 0);
			refused += !agree(pub, sig, m, len);
			flip(m, 0);
			flip(m, 8 * len - 1);
			refused += !agree(pub, sig, m, len);
			flip(m, 8 * len - 1);
			tried += 2;
		} else {
			m[0] = 0;
			refused += !agree(pub, sig, m, 1);
			tried++;
		}
		for (unsigned int bit = 0; bit < 512; bit += 73) {
			hram(sig, pub, m, len, h);
			flip(h, bit);
			refused += !ed25519_verify_hashed(pub, sig, h);
			tried++;
		}
		free(m);
	}
	assert_int_equal(refused, tried);
	assert_true(tried >= 5 * 14);
}

static EVP_PKEY *keygen(uint8_t pub[32])
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	size_t len = 32;

	assert_non_null(k);
	assert_int_equal(EVP_PKEY_get_raw_public_key(k, pub, &len), 1);
	assert_int_equal(len, 32);
	return k;
}

static void sign(EVP_PKEY *k, const uint8_t *m, size_t len, uint8_t sig[64])
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	size_t siglen = 64;

	assert_non_null(md);
	assert_int_equal(EVP_DigestSignInit(md, NULL, NULL, NULL, k), 1);
	assert_int_equal(EVP_DigestSign(md, sig, &siglen, m, len), 1);
	assert_int_equal(siglen, 64);
	EVP_MD_CTX_free(md);
}

static BIGNUM *bn_hex(const char *hex)
{
	BIGNUM *n = NULL;

	assert_true(BN_hex2bn(&n, hex) > 0);
	return n;
}

/* h = SHA-512(R || A || M) mod L */
static BIGNUM *hram_mod_l(const uint8_t sig[64], const uint8_t pub[32], const uint8_t *m,
			  size_t len, const BIGNUM *l, BN_CTX *bn)
{
	uint8_t h[64];
	BIGNUM *k;

	hram(sig, pub, m, len, h);
	k = BN_lebin2bn(h, 64, NULL);
	assert_non_null(k);
	assert_int_equal(BN_nnmod(k, k, l, bn), 1);
	return k;
}

/*
 * A key of mixed order, A + (0, -1) = (-x, -y), and a signature for it made
 * from the one OpenSSL made for A (sig holds it and is replaced): with a
 * the secret scalar and k, k' the hashes under A and A + (0, -1), S' = S +
 * (k' - k) a. Then [S']B - [k'](A + (0, -1)) = R - [k'](0, -1), which is R
 * exactly when k' mod L is even. Returns that parity, the verdict to expect.
 */
static bool mixed_order(EVP_PKEY *key, const uint8_t pub[32], uint8_t mixed[32], uint8_t sig[64],
			const uint8_t *m, size_t len)
{
	BIGNUM *p = bn_hex(P_HEX), *l = bn_hex(L_HEX), *y, *a, *k, *k2, *s;
	uint8_t seed[32], ah[64], buf[32];
	size_t seedlen = sizeof(seed);
	BN_CTX *bn = BN_CTX_new();
	unsigned int ahlen = 0;
	bool even;

	assert_non_null(bn);
	/* the encoding of (-x, -y): y' = p - y and the sign of x flipped (x is not 0) */
	memcpy(buf, pub, 32);
	buf[31] &= 0x7f;
	y = BN_lebin2bn(buf, 32, NULL);
	assert_non_null(y);
	assert_int_equal(BN_sub(y, p, y), 1);
	assert_int_equal(BN_bn2lebinpad(y, mixed, 32), 32);
	mixed[31] |= (pub[31] & 0x80) ^ 0x80;

	/* a: the low half of SHA-512(seed), clamped (RFC 8032 5.1.5) */
	assert_int_equal(EVP_PKEY_get_raw_private_key(key, seed, &seedlen), 1);
	assert_int_equal(EVP_Digest(seed, 32, ah, &ahlen, EVP_sha512(), NULL), 1);
	ah[0] &= 248;
	ah[31] &= 127;
	ah[31] |= 64;
	a = BN_lebin2bn(ah, 32, NULL);
	assert_non_null(a);

	k = hram_mod_l(sig, pub, m, len, l, bn);
	k2 = hram_mod_l(sig, mixed, m, len, l, bn);
	even = !BN_is_odd(k2);
	s = BN_lebin2bn(sig + 32, 32, NULL);
	assert_non_null(s);
	assert_int_equal(BN_mod_sub(k2, k2, k, l, bn), 1);
	assert_int_equal(BN_mod_mul(k2, k2, a, l, bn), 1);
	assert_int_equal(BN_mod_add(s, s, k2, l, bn), 1);
	assert_int_equal(BN_bn2lebinpad(s, sig + 32, 32), 32);

	BN_free(p);
	BN_free(l);
	BN_free(y);
	BN_free(a);
	BN_free(k);
	BN_free(k2);
	BN_free(s);
	BN_CTX_free(bn);
	return even;
}

/*
 * Random keys and messages signed by OpenSSL: the genuine signature, a bit
 * flipped, S + L, another message, another key, and a key of mixed order.
 */
static void test_ed25519_agrees_with_openssl(void **state)
{
	static uint8_t m[MSG_MAX + 1];
	size_t genuine = 0, refused = 0, mixed_ok = 0;
	BIGNUM *l = bn_hex(L_HEX), *s = BN_new();
	uint8_t other[32];
	EVP_PKEY *k;

	(void)state;
	assert_non_null(s);
	EVP_PKEY_free(keygen(other));
	for (int i = 0; i < N_KEYS; i++) {
		uint8_t pub[32], sig[64], s2[64], mixed[32];
		size_t len = i ? rnd(MSG_MAX + 1) : 0;
		bool even, ok;

		k = keygen(pub);
		assert_int_equal(RAND_bytes(m, sizeof(m)), 1);
		sign(k, m, len, sig);
		genuine += agree(pub, sig, m, len);

		memcpy(s2, sig, 64);
		flip(s2, rnd(512));
		refused += !agree(pub, s2, m, len);

		/* S + L < 2^253 still fits in 32 bytes and means the same scalar */
		memcpy(s2, sig, 64);
		assert_non_null(BN_lebin2bn(s2 + 32, 32, s));
		assert_int_equal(BN_add(s, s, l), 1);
		assert_int_equal(BN_bn2lebinpad(s, s2 + 32, 32), 32);
		refused += !agree(pub, s2, m, len);

		refused += !agree(other, sig, m, len);
		memcpy(other, pub, 32);

		if (len) {
			m[rnd(len)] ^= 1 + rnd(255);
			refused += !agree(pub, sig, m, len);
		} else {
			refused += !agree(pub, sig, m, 1);
		}

		sign(k, m, len, sig);
		even = mixed_order(k, pub, mixed, sig, m, len);
		ok = agree(mixed, sig, m, len);
		if (ok != even)
			fail_msg("a key of mixed order: %s, want %s", ok ? "accepted" : "refused",
				 even ? "accepted" : "refused");
		mixed_ok += ok;
		EVP_PKEY_free(k);
	}
	assert_int_equal(genuine, N_KEYS);
	assert_int_equal(refused, 4 * N_KEYS);
	/* half the hashes are even; all or none would mean the case was not made */
	assert_true(mixed_ok > 0 && mixed_ok < N_KEYS);
	BN_free(l);
	BN_free(s);
}

/* A signature from R's encoding and a small S. */
static void make_sig(uint8_t sig[64], const char *r_hex, unsigned int s)
{
	unhex(r_hex, sig, 32);
	memset(sig + 32, 0, 32);
	sig[32] = s;
}

/*
 * A and R of small order, canonical and not, S = 0: [S]B - [k]A = -[k]A is
 * of small order too, and R verifies when it is that point, k mod 8 deciding
 * which. OpenSSL decodes A written with y >= p or with x = 0 and the sign bit
 * set; R it compares, never decodes, so R written so never verifies.
 */
static void test_ed25519_small_order_points(void **state)
{
	static const char *const msgs[] = { "", "{\"format\":\"x\"}" };
	/* (0, 1) as torsion[0] and torsion_noncanonical[0], [2] and [3] */
	static const bool identity[] = { 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 1, 0, 0 };
	const size_t nt = sizeof(torsion) / sizeof(torsion[0]);
	const size_t nn = sizeof(torsion_noncanonical) / sizeof(torsion_noncanonical[0]);
	const char *as[sizeof(identity)];
	size_t na = 0, accepted = 0;

	(void)state;
	for (size_t i = 0; i < nt; i++)
		as[na++] = torsion[i];
	for (size_t i = 0; i < nn; i++)
		as[na++] = torsion_noncanonical[i];
	assert_int_equal(na, sizeof(identity));

	for (size_t i = 0; i < na; i++) {
		uint8_t pub[32], sig[64], h[64] = { 0 };

		unhex(as[i], pub, 32);
		for (size_t j = 0; j < sizeof(msgs) / sizeof(msgs[0]); j++) {
			const uint8_t *m = (const uint8_t *)msgs[j];
			size_t len = strlen(msgs[j]), ok = 0;

			for (size_t r = 0; r < nt; r++) {
				make_sig(sig, torsion[r], 0);
				ok += agree(pub, sig, m, len);
			}
			for (size_t r = 0; r < nn; r++) {
				make_sig(sig, torsion_noncanonical[r], 0);
				if (agree(pub, sig, m, len))
					fail_msg("A %s, R %s verifies", as[i],
						 torsion_noncanonical[r]);
			}
			/* -[k](0, 1) is (0, 1) whatever k is */
			if (identity[i] && ok != 1)
				fail_msg("A %s, message '%s': %zu R verify, want 1", as[i], msgs[j],
					 ok);
			accepted += ok;
		}
		/* k chosen rather than hashed: -A, -2A, -3A are each one of the eight */
		for (unsigned int k = 1; k < 4; k++) {
			size_t ok = 0;

			h[0] = k;
			for (size_t r = 0; r < nt; r++) {
				make_sig(sig, torsion[r], 0);
				ok += ed25519_verify_hashed(pub, sig, h);
			}
			if (ok != 1)
				fail_msg("A %s, k %u: %zu R verify, want 1", as[i], k, ok);
		}
	}
	/* at least the identity's: one R for each of its four encodings and each message */
	assert_true(accepted >= 4 * sizeof(msgs) / sizeof(msgs[0]));
}

/*
 * A = R = (0, 1): [S]B - [k]A = [S]B, the identity R exactly when L divides
 * S. Only S = 0 may verify; every other multiple of L that fits in 32 bytes
 * would too, were S not required to be below L.
 */
static void test_ed25519_s_below_l(void **state)
{
	BIGNUM *l = bn_hex(L_HEX), *s = BN_new();
	uint8_t pub[32], sig[64];
	size_t multiples = 0;

	(void)state;
	assert_non_null(s);
	unhex(torsion[0], pub, 32);
	make_sig(sig, torsion[0], 0);
	assert_true(agree(pub, sig, (const uint8_t *)"m", 1));
	BN_zero(s);
	for (;;) {
		assert_int_equal(BN_add(s, s, l), 1);
		if (BN_num_bits(s) > 256)
			break;
		assert_int_equal(BN_bn2lebinpad(s, sig + 32, 32), 32);
		assert_false(agree(pub, sig, (const uint8_t *)"m", 1));
		multiples++;
	}
	assert_int_equal(multiples, 15);
	/* and S = 1, L - 1: [S]B is not the identity */
	make_sig(sig, torsion[0], 1);
	assert_false(agree(pub, sig, (const uint8_t *)"m", 1));
	assert_int_equal(BN_sub_word(l, 1), 1);
	assert_int_equal(BN_bn2lebinpad(l, sig + 32, 32), 32);
	assert_false(agree(pub, sig, (const uint8_t *)"m", 1));
	BN_free(l);
	BN_free(s);
}

/* The encoding of y (0 <= y < 2^255) with the sign bit. */
static void encode_y(uint8_t out[32], unsigned int y_low, bool y_above_p, bool sign)
{
	memset(out, 0, 32);
	if (y_above_p) {
		memset(out, 0xff, 32);
		out[0] = 0xed + y_low;
		out[31] = 0x7f;
	} else {
		out[0] = y_low;
	}
	out[31] |= sign ? 0x80 : 0;
}

/*
 * Which A decode. With h = 0 (so k = 0), S = 0 and R = (0, 1) the equation
 * holds for any A, so the verdict says only whether A decoded: y from 0 to
 * 29 and p to p + 18, both signs, against which of them are on the curve
 * (worked out apart: (y^2 - 1) / (d y^2 + 1) a square mod p). y >= p is
 * taken modulo p and x = 0 allows the sign bit, as OpenSSL does. OpenSSL
 * cannot be asked this directly; each A is also put to both with the real h.
 */
static void test_ed25519_decoding_of_a(void **state)
{
	static const unsigned int off_curve[] = { 2, 7, 8, 11, 12, 13, 17, 20, 22 };
	static const uint8_t zero[64];
	uint8_t pub[32], sig[64];
	size_t decoded = 0;

	(void)state;
	make_sig(sig, torsion[0], 0);
	for (unsigned int y = 0; y < 30; y++) {
		for (int above = 0; above < 2; above++) {
			bool on = true;

			if (above && y > 18)
				continue;
			for (size_t i = 0; i < sizeof(off_curve) / sizeof(off_curve[0]); i++)
				on &= y != off_curve[i];
			for (int sign = 0; sign < 2; sign++) {
				encode_y(pub, y, above, sign);
				if (ed25519_verify_hashed(pub, sig, zero) != on)
					fail_msg("y = %s%u, sign %d: %s", above ? "p + " : "", y,
						 sign, on ? "refused" : "accepted");
				decoded += on;
				agree(pub, sig, (const uint8_t *)"m", 1);
			}
		}
	}
	assert_int_equal(decoded, 2 * (30 - 9) + 2 * (19 - 7));
}

/*
 * x = 0 with the sign bit set: OpenSSL takes it as x = 0 in A, where RFC
 * 8032 5.1.3 would refuse it, and never matches it in R.
 */
static void test_ed25519_x_zero_sign_bit(void **state)
{
	uint8_t pub[32], sig[64];

	(void)state;
	unhex(torsion_noncanonical[0], pub, 32);
	make_sig(sig, torsion[0], 0);
	assert_true(agree(pub, sig, (const uint8_t *)"m", 1));
	unhex(torsion[0], pub, 32);
	make_sig(sig, torsion_noncanonical[0], 0);
	assert_false(agree(pub, sig, (const uint8_t *)"m", 1));
}

/* A with y >= p: OpenSSL reduces it, RFC 8032 5.1.3 would refuse it. In R it never matches. */
static void test_ed25519_noncanonical_y(void **state)
{
	uint8_t pub[32], sig[64];

	(void)state;
	unhex(torsion_noncanonical[2], pub, 32); /* y = p + 1: (0, 1) */
	make_sig(sig, torsion[0], 0);
	assert_true(agree(pub, sig, (const uint8_t *)"m", 1));
	unhex(torsion[0], pub, 32);
	make_sig(sig, torsion_noncanonical[2], 0);
	assert_false(agree(pub, sig, (const uint8_t *)"m", 1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ed25519_rfc8032_vectors),
		cmocka_unit_test(test_ed25519_rfc8032_bit_flips),
		cmocka_unit_test(test_ed25519_agrees_with_openssl),
		cmocka_unit_test(test_ed25519_small_order_points),
		cmocka_unit_test(test_ed25519_s_below_l),
		cmocka_unit_test(test_ed25519_decoding_of_a),
		cmocka_unit_test(test_ed25519_x_zero_sign_bit),
		cmocka_unit_test(test_ed25519_noncanonical_y),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
