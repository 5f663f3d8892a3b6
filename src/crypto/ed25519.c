// SPDX-License-Identifier: GPL-2.0-only
/*
 * Ed25519 verification (RFC 8032 5.1.7) from SHA-512(R || A || M) rather than
 * from M. OpenSSL 3.0 has no public entry point for that, so the curve is
 * done here on BIGNUM: field elements modulo p = 2^255 - 19, points of the
 * twisted Edwards curve -x^2 + y^2 = 1 + d x^2 y^2 in extended coordinates.
 * It runs once per allowlist load; it is written to be read, not to be fast,
 * and it handles public data only, so nothing in it needs constant time.
 *
 * The accept set is OpenSSL 3.0's (ossl_ed25519_verify() in
 * crypto/ec/curve25519.c, which EVP_DigestVerify() reaches for an Ed25519
 * key): a signature that `openssl pkeyutl -verify` accepts must load here and
 * one it refuses must not, whichever checks RFC 8032 leaves open or the
 * library omits. So, as there:
 *
 *  - S must be below L (RFC 8032 5.1.7 step 1). S + L would otherwise verify
 *    too, a second signature for the same message.
 *  - A is decoded without insisting on canonical form: the low 255 bits are
 *    y and are taken modulo p even when y >= p, and x = 0 with the sign bit
 *    set is taken as x = 0 (OpenSSL negates zero). RFC 8032 5.1.3 would
 *    refuse both; OpenSSL does not. A y for which no x exists is refused.
 *    A of small or mixed order is not refused either.
 *  - R is never decoded. [S]B - [k]A is encoded canonically and compared
 *    with R byte for byte, so an R off the curve, with y >= p, or with x = 0
 *    and the sign bit set never matches; a small-order R matches when the
 *    equation holds.
 *  - The equation is the cofactorless [S]B = R + [k]A, not the cofactored
 *    [8][S]B = [8]R + [8][k]A that RFC 8032 also allows: the latter accepts
 *    more when A or R has a small-order component.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/err.h>

#include "crypto/ed25519.h"

/* The order of the base point, 2^252 + 27742317777372353535851937790883648493. */
#define ED25519_L_HEX "1000000000000000000000000000000014def9dea2f79cd65812631a5cf5d3ed"

/* Constants, and the BN_CTX every BIGNUM here comes from. */
struct curve {
	BN_CTX *bn;
	BIGNUM *p;	/* 2^255 - 19 */
	BIGNUM *d;	/* -121665 / 121666 */
	BIGNUM *d2;	/* 2d, as the addition formula wants it */
	BIGNUM *sqrtm1; /* 2^((p - 1) / 4), a square root of -1 */
	BIGNUM *e_sqrt; /* (p + 3) / 8: a^e_sqrt is a square root of a or of -a */
	BIGNUM *l;
};

/* Extended coordinates: x = X/Z, y = Y/Z, x y = T/Z. */
struct point {
	BIGNUM *x, *y, *z, *t;
};

static bool curve_init(struct curve *c)
{
	BIGNUM *t;

	c->p = BN_CTX_get(c->bn);
	c->d = BN_CTX_get(c->bn);
	c->d2 = BN_CTX_get(c->bn);
	c->sqrtm1 = BN_CTX_get(c->bn);
	c->e_sqrt = BN_CTX_get(c->bn);
	c->l = BN_CTX_get(c->bn);
	t = BN_CTX_get(c->bn);
	/* once BN_CTX_get() fails, every later call does */
	if (!t)
		return false;

	BN_zero(c->p);
	if (!BN_set_bit(c->p, 255) || !BN_sub_word(c->p, 19))
		return false;

	if (!BN_set_word(t, 121666) || !BN_mod_inverse(c->d, t, c->p, c->bn) ||
	    !BN_set_word(t, 121665) || !BN_mod_mul(c->d, c->d, t, c->p, c->bn) ||
	    !BN_mod_sub(c->d, c->p, c->d, c->p, c->bn) ||
	    !BN_mod_add(c->d2, c->d, c->d, c->p, c->bn))
		return false;

	if (!BN_copy(t, c->p) || !BN_sub_word(t, 1) || !BN_rshift(t, t, 2) ||
	    !BN_set_word(c->sqrtm1, 2) || !BN_mod_exp(c->sqrtm1, c->sqrtm1, t, c->p, c->bn))
		return false;

	if (!BN_copy(c->e_sqrt, c->p) || !BN_add_word(c->e_sqrt, 3) ||
	    !BN_rshift(c->e_sqrt, c->e_sqrt, 3))
		return false;

	return BN_hex2bn(&c->l, ED25519_L_HEX) > 0;
}

static bool point_get(struct curve *c, struct point *pt)
{
	pt->x = BN_CTX_get(c->bn);
	pt->y = BN_CTX_get(c->bn);
	pt->z = BN_CTX_get(c->bn);
	pt->t = BN_CTX_get(c->bn);
	return pt->t;
}

static bool point_set_identity(struct point *pt)
{
	BN_zero(pt->x);
	BN_zero(pt->t);
	return BN_one(pt->y) && BN_one(pt->z);
}

/*
 * r = p + q with the unified formula for a = -1 (RFC 8032 5.1.4). It is
 * complete on this curve (d is not a square), so doubling, the identity and
 * points of small order need no case of their own. r may be p or q: the
 * inputs are all read before r is written.
 */
static bool point_add(struct curve *c, struct point *r, const struct point *p,
		      const struct point *q)
{
	BIGNUM *a, *b, *cc, *dd, *e, *f, *g, *h, *t;
	BN_CTX *bn = c->bn;
	bool ok = false;

	BN_CTX_start(bn);
	a = BN_CTX_get(bn);
	b = BN_CTX_get(bn);
	cc = BN_CTX_get(bn);
	dd = BN_CTX_get(bn);
	e = BN_CTX_get(bn);
	f = BN_CTX_get(bn);
	g = BN_CTX_get(bn);
	h = BN_CTX_get(bn);
	t = BN_CTX_get(bn);
	if (!t)
		goto out;

	/* A = (Y1 - X1) (Y2 - X2), B = (Y1 + X1) (Y2 + X2) */
	if (!BN_mod_sub(a, p->y, p->x, c->p, bn) || !BN_mod_sub(t, q->y, q->x, c->p, bn) ||
	    !BN_mod_mul(a, a, t, c->p, bn) || !BN_mod_add(b, p->y, p->x, c->p, bn) ||
	    !BN_mod_add(t, q->y, q->x, c->p, bn) || !BN_mod_mul(b, b, t, c->p, bn))
		goto out;
	/* C = T1 2d T2, D = Z1 2 Z2 */
	if (!BN_mod_mul(cc, p->t, c->d2, c->p, bn) || !BN_mod_mul(cc, cc, q->t, c->p, bn) ||
	    !BN_mod_mul(dd, p->z, q->z, c->p, bn) || !BN_mod_add(dd, dd, dd, c->p, bn))
		goto out;
	/* E = B - A, F = D - C, G = D + C, H = B + A */
	if (!BN_mod_sub(e, b, a, c->p, bn) || !BN_mod_sub(f, dd, cc, c->p, bn) ||
	    !BN_mod_add(g, dd, cc, c->p, bn) || !BN_mod_add(h, b, a, c->p, bn))
		goto out;
	/* X3 = E F, Y3 = G H, T3 = E H, Z3 = F G */
	ok = BN_mod_mul(r->x, e, f, c->p, bn) && BN_mod_mul(r->y, g, h, c->p, bn) &&
	     BN_mod_mul(r->t, e, h, c->p, bn) && BN_mod_mul(r->z, f, g, c->p, bn);
out:
	BN_CTX_end(bn);
	return ok;
}

/*
 * r = [m]p + [n]q, the two scalar multiplications done together (Straus,
 * Shamir): one doubling per bit of the longer scalar and at most one
 * addition, of p, q or p + q as the two bits say. pq is scratch for p + q;
 * r must be none of p, q, pq.
 */
static bool point_mul2(struct curve *c, struct point *r, const BIGNUM *m, const struct point *p,
		       const BIGNUM *n, const struct point *q, struct point *pq)
{
	int bits = BN_num_bits(m) > BN_num_bits(n) ? BN_num_bits(m) : BN_num_bits(n);

	if (!point_add(c, pq, p, q) || !point_set_identity(r))
		return false;
	for (int i = bits - 1; i >= 0; i--) {
		int mbit = BN_is_bit_set(m, i), nbit = BN_is_bit_set(n, i);
		const struct point *add = mbit && nbit ? pq : mbit ? p : nbit ? q : NULL;

		if (!point_add(c, r, r, r))
			return false;
		if (add && !point_add(c, r, r, add))
			return false;
	}
	return true;
}

static bool point_neg(struct curve *c, struct point *pt)
{
	return BN_mod_sub(pt->x, c->p, pt->x, c->p, c->bn) &&
	       BN_mod_sub(pt->t, c->p, pt->t, c->p, c->bn);
}

/* RFC 8032 5.1.2: y little-endian, fully reduced, the parity of x in bit 255. */
static bool point_encode(struct curve *c, uint8_t out[32], const struct point *pt)
{
	BIGNUM *zinv, *x, *y;
	bool ok = false;

	BN_CTX_start(c->bn);
	zinv = BN_CTX_get(c->bn);
	x = BN_CTX_get(c->bn);
	y = BN_CTX_get(c->bn);
	if (y && BN_mod_inverse(zinv, pt->z, c->p, c->bn) &&
	    BN_mod_mul(x, pt->x, zinv, c->p, c->bn) && BN_mod_mul(y, pt->y, zinv, c->p, c->bn) &&
	    BN_bn2lebinpad(y, out, 32) == 32) {
		out[31] |= BN_is_odd(x) << 7;
		ok = true;
	}
	BN_CTX_end(c->bn);
	return ok;
}

/*
 * RFC 8032 5.1.3 as OpenSSL 3.0 does it (ge_frombytes_vartime()): y >= p is
 * reduced rather than refused, and x = 0 takes no notice of the sign bit.
 * false when no x satisfies the curve equation for y.
 */
static bool point_decode(struct curve *c, struct point *pt, const uint8_t in[32])
{
	BIGNUM *u, *v, *x2, *chk;
	unsigned int sign = in[31] >> 7;
	uint8_t buf[32];
	bool ok = false;

	memcpy(buf, in, sizeof(buf));
	buf[31] &= 0x7f;

	BN_CTX_start(c->bn);
	u = BN_CTX_get(c->bn);
	v = BN_CTX_get(c->bn);
	x2 = BN_CTX_get(c->bn);
	chk = BN_CTX_get(c->bn);
	if (!chk || !BN_lebin2bn(buf, sizeof(buf), pt->y) || !BN_nnmod(pt->y, pt->y, c->p, c->bn))
		goto out;

	/* x^2 = (y^2 - 1) / (d y^2 + 1); the divisor is never 0 as -1/d is not a square */
	if (!BN_mod_sqr(u, pt->y, c->p, c->bn) || !BN_mod_mul(v, u, c->d, c->p, c->bn) ||
	    !BN_sub_word(u, 1) || !BN_nnmod(u, u, c->p, c->bn) || !BN_add_word(v, 1) ||
	    !BN_nnmod(v, v, c->p, c->bn) || !BN_mod_inverse(v, v, c->p, c->bn) ||
	    !BN_mod_mul(x2, u, v, c->p, c->bn))
		goto out;

	/* p = 5 mod 8: x2^((p+3)/8) squares to x2 or to -x2; the latter wants sqrt(-1) */
	if (!BN_mod_exp(pt->x, x2, c->e_sqrt, c->p, c->bn) || !BN_mod_sqr(chk, pt->x, c->p, c->bn))
		goto out;
	if (BN_cmp(chk, x2)) {
		if (!BN_mod_mul(pt->x, pt->x, c->sqrtm1, c->p, c->bn) ||
		    !BN_mod_sqr(chk, pt->x, c->p, c->bn))
			goto out;
		if (BN_cmp(chk, x2))
			goto out; /* not on the curve */
	}

	/* for x = 0 this leaves x = 0 whatever the sign bit says, as OpenSSL does */
	if ((unsigned int)BN_is_odd(pt->x) != sign && !BN_mod_sub(pt->x, c->p, pt->x, c->p, c->bn))
		goto out;

	ok = BN_one(pt->z) && BN_mod_mul(pt->t, pt->x, pt->y, c->p, c->bn);
out:
	BN_CTX_end(c->bn);
	return ok;
}

bool ed25519_verify_hashed(const uint8_t pub[ED25519_KEY_LEN], const uint8_t sig[ED25519_SIG_LEN],
			   const uint8_t h[64])
{
	struct curve c = { 0 };
	struct point a, base, sum, r;
	uint8_t base_enc[32], r_enc[32];
	BIGNUM *s, *k;
	bool ok = false;

	c.bn = BN_CTX_new();
	if (!c.bn)
		goto cleanup;
	BN_CTX_start(c.bn);
	if (!curve_init(&c) || !point_get(&c, &a) || !point_get(&c, &base) ||
	    !point_get(&c, &sum) || !point_get(&c, &r))
		goto cleanup;
	s = BN_CTX_get(c.bn);
	k = BN_CTX_get(c.bn);
	if (!k)
		goto cleanup;

	if (!BN_lebin2bn(sig + 32, 32, s) || BN_cmp(s, c.l) >= 0)
		goto cleanup;
	if (!BN_lebin2bn(h, 64, k) || !BN_nnmod(k, k, c.l, c.bn))
		goto cleanup;
	if (!point_decode(&c, &a, pub))
		goto cleanup;

	/* B has y = 4/5 and an even x: 0x58 then 31 bytes 0x66 */
	memset(base_enc, 0x66, sizeof(base_enc));
	base_enc[0] = 0x58;
	if (!point_decode(&c, &base, base_enc))
		goto cleanup;

	/* [S]B - [k]A, encoded, must be R itself */
	if (!point_neg(&c, &a) || !point_mul2(&c, &r, s, &base, k, &a, &sum) ||
	    !point_encode(&c, r_enc, &r))
		goto cleanup;
	ok = !CRYPTO_memcmp(r_enc, sig, sizeof(r_enc));

cleanup:
	if (c.bn)
		BN_CTX_end(c.bn);
	BN_CTX_free(c.bn);
	ERR_clear_error();
	return ok;
}
