// SPDX-License-Identifier: GPL-2.0-only
/*
 * The fast path, for the entries that writers actually produce: an object of
 * known keys, each once, whose values are strings of printable ASCII without
 * escapes, or true/false. That is a subset of JSON whose meaning needs no
 * decoding, so reading it here gives what jansson would give, and the
 * strings can be used where they stand in the file. Anything else (an
 * escape, a byte outside printable ASCII, a number, a repeated or unknown
 * key, a syntax error) returns false with p->pos untouched, and jansson reads
 * the entry and names the problem. jansson costs a few microseconds an
 * entry; a million-entry list would spend seconds there.
 */
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "allowlist/parse.h"

/* 64 hex digits, either case, at s, as digest_from_hex reads them; false
 * for anything else. Every entry has 64 of them, so 16 at a time where the
 * processor can. */
bool parse_fast_hex32(const char *s, uint8_t out[SHA256_LEN])
{
#ifdef __SSE2__
	for (int k = 0; k < 4; k++) {
		__m128i c = _mm_loadu_si128((const __m128i *)(s + 16 * k));
		__m128i lc = _mm_or_si128(c, _mm_set1_epi8(0x20));	/* 'A'-'F' to 'a'-'f' */
		__m128i dig = _mm_and_si128(_mm_cmpgt_epi8(c, _mm_set1_epi8('0' - 1)),
					    _mm_cmplt_epi8(c, _mm_set1_epi8('9' + 1)));
		__m128i alpha = _mm_and_si128(_mm_cmpgt_epi8(lc, _mm_set1_epi8('a' - 1)),
					      _mm_cmplt_epi8(lc, _mm_set1_epi8('f' + 1)));
		__m128i v, pairs;

		if (_mm_movemask_epi8(_mm_or_si128(dig, alpha)) != 0xffff)
			return false;
		/* one nibble a byte, then each byte pair (high nibble first) into one */
		v = _mm_or_si128(_mm_and_si128(dig, _mm_sub_epi8(c, _mm_set1_epi8('0'))),
				 _mm_and_si128(alpha, _mm_sub_epi8(lc, _mm_set1_epi8('a' - 10))));
		pairs = _mm_or_si128(_mm_slli_epi16(_mm_and_si128(v, _mm_set1_epi16(0xff)), 4),
				     _mm_srli_epi16(v, 8));
		_mm_storel_epi64((__m128i *)(out + 8 * k), _mm_packus_epi16(pairs, pairs));
	}
	return true;
#else
	return !digest_from_hex(s, SHA256_HEX_LEN, out);
#endif
}

/* The length of the run at s of bytes that a plain string may hold: up to
 * the first '"', '\\', control byte, DEL or byte past ASCII, or n. */
static size_t plain_run(const char *s, size_t n)
{
	size_t i = 0;

#ifdef __SSE2__
	/* A signed compare with ' ' catches the control bytes and, as negative
	 * numbers, every byte past ASCII. */
	for (; n - i >= 16; i += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(s + i));
		__m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
						      _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))),
					 _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(0x7f)),
						      _mm_cmplt_epi8(v, _mm_set1_epi8(' '))));
		int bits = _mm_movemask_epi8(m);

		if (bits)
			return i + (size_t)__builtin_ctz((unsigned int)bits);
	}
#endif
	for (; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\' || c < 0x20 || c > 0x7e)
			return i;
	}
	return n;
}

/* A string at *pos of printable ASCII without escapes. */
static bool fast_string(const char *buf, size_t len, size_t *pos, struct allowlist_str *out)
{
	size_t i = *pos, end;

	if (i >= len || buf[i] != '"')
		return false;
	i++;
	end = i + plain_run(buf + i, len - i);
	if (end >= len || buf[end] != '"')
		return false;
	*out = (struct allowlist_str){ buf + i, end - i };
	*pos = end + 1;
	return true;
}

enum { F_DIGEST, F_PATH, F_COMMENT, F_SOURCE, F_BIND };

static uint64_t load64(const char *s)
{
	uint64_t w;

	memcpy(&w, s, 8);
	return w;
}

/* The key at *pos, compared whole with its quotes as whole words, since a
 * key is one of five words or the entry leaves the fast path anyway. Only
 * where at least 16 bytes are left; a key nearer the end is compared byte
 * by byte. The literals are padded so that eight bytes can be loaded. */
static int fast_key(const char *buf, size_t len, size_t *pos)
{
	static const uint64_t m6 = 0xffffffffffffULL, m3 = 0xffffffULL;
	const char *s = buf + *pos;
	size_t left = len - *pos;
	uint64_t w;

	if (left < 16) {
#define KEY(lit, k)                                                        \
	if (left >= sizeof(lit) - 1 && !memcmp(s, lit, sizeof(lit) - 1)) { \
		*pos += sizeof(lit) - 1;                                    \
		return k;                                                   \
	}
		KEY("\"digest\"", F_DIGEST)
		KEY("\"path\"", F_PATH)
		KEY("\"source\"", F_SOURCE)
		KEY("\"comment\"", F_COMMENT)
		KEY("\"bind_path\"", F_BIND)
#undef KEY
		return -1;
	}
	w = load64(s);
	if (w == load64("\"digest\"")) {
		*pos += 8;
		return F_DIGEST;
	}
	if ((w & m6) == (load64("\"path\"\0\0") & m6)) {
		*pos += 6;
		return F_PATH;
	}
	if (w == load64("\"source\"")) {
		*pos += 8;
		return F_SOURCE;
	}
	if (w == load64("\"comment") && s[8] == '"') {
		*pos += 9;
		return F_COMMENT;
	}
	if (w == load64("\"bind_pa") && (load64(s + 8) & m3) == (load64("th\"\0\0\0\0\0") & m3)) {
		*pos += 11;
		return F_BIND;
	}
	return -1;
}

bool parse_fast_entry(struct parser *p, struct allowlist_item *it, struct allowlist_str *digest,
		      bool *decoded)
{
	const char *buf = p->buf;
	size_t len = p->len, i = p->pos;
	unsigned int seen = 0;

	if (i >= len || buf[i++] != '{')
		return false;
	it->path = it->comment = it->source = (struct allowlist_str){ 0 };
	it->bind_path = it->hashed = false;
	*digest = (struct allowlist_str){ 0 };
	*decoded = false;
	for (;;) {
		struct allowlist_str val;
		int k;

		i = skip_ws_at(buf, len, i);
		k = fast_key(buf, len, &i);
		if (k < 0 || (seen & 1u << k))
			return false;
		seen |= 1u << k;
		i = skip_ws_at(buf, len, i);
		if (i >= len || buf[i++] != ':')
			return false;
		i = skip_ws_at(buf, len, i);
		if (k == F_BIND) {
			if (len - i >= 4 && buf[i] == 't' && !memcmp(buf + i, "true", 4)) {
				it->bind_path = true;
				i += 4;
			} else if (len - i >= 5 && buf[i] == 'f' && !memcmp(buf + i, "false", 5)) {
				i += 5;
			} else {
				return false;
			}
		} else if (k == F_DIGEST && len - i > SHA256_HEX_LEN + 1 && buf[i] == '"' &&
			   buf[i + SHA256_HEX_LEN + 1] == '"' &&
			   parse_fast_hex32(buf + i + 1, it->digest)) {
			/* The usual digest, decoded where it stands. Hex digits
			 * are plain, so the string is what fast_string reads. */
			*digest = (struct allowlist_str){ buf + i + 1, SHA256_HEX_LEN };
			*decoded = true;
			i += SHA256_HEX_LEN + 2;
		} else {
			if (!fast_string(buf, len, &i, &val))
				return false;
			if (k == F_DIGEST)
				*digest = val;
			else if (k == F_PATH)
				it->path = val;
			else if (k == F_COMMENT)
				it->comment = val;
			else
				it->source = val;
		}
		i = skip_ws_at(buf, len, i);
		if (i >= len)
			return false;
		if (buf[i] == '}')
			break;
		if (buf[i++] != ',')
			return false;
	}
	p->pos = i + 1;
	return true;
}
