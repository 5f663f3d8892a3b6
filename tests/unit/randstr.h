/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Random byte strings for the string forms' tests: plain ASCII with quotes,
 * backslashes and controls among it, valid UTF-8 of every length, and bytes
 * that are not UTF-8 (stray continuations, overlong forms, surrogates,
 * sequences cut short), so that every branch of an escaper and of its
 * UTF-8 check is reached at every offset of a word.
 */
#ifndef IMAGUARD_TESTS_RANDSTR_H
#define IMAGUARD_TESTS_RANDSTR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline uint64_t randstr_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Exactly n bytes into out (a multi-byte piece that would not fit is cut
 * short, which is one more way not to be UTF-8); no NUL when !nul. */
static inline void randstr_fill(uint64_t *s, unsigned char *out, size_t n, bool nul)
{
	static const char *const pieces[] = {
		"\"", "\\", "\n", "\t", "\r", "\b", "\f", "\x01", "\x1f", "\x7f", " ", "/",
		"\xc3\xa9", "\xdf\xbf", "\xe2\x82\xac", "\xef\xbf\xbf", "\xed\x9f\xbf",
		"\xf0\x9f\x90\xa7", "\xf4\x8f\xbf\xbf",			/* valid */
		"\x80", "\xbf", "\xc0\xaf", "\xc1\xbf", "\xe0\x80\xaf", "\xed\xa0\x80",
		"\xf4\x90\x80\x80", "\xf5\x80\x80\x80", "\xff", "\xfe", "\xe2\x82",
		"\xf0\x9f\x90",						/* not */
	};
	size_t i = 0;

	while (i < n) {
		uint64_t r = randstr_next(s);
		const char *p;
		size_t len;

		if (r % 4) {
			/* mostly plain, in runs, as paths are */
			for (size_t k = (r >> 8) % 12; k-- && i < n;)
				out[i++] = 'a' + (randstr_next(s) % 26);
			continue;
		}
		if ((r >> 8) % 16 == 0) {
			out[i++] = (unsigned char)(r >> 16);	/* any byte at all */
			if (!nul && !out[i - 1])
				out[i - 1] = 'z';
			continue;
		}
		p = pieces[(r >> 8) % (sizeof(pieces) / sizeof(pieces[0]))];
		len = strlen(p);
		if (nul && (r >> 20) % 32 == 0)
			p = "", len = 1;	/* a NUL in a counted string */
		for (size_t k = 0; k < len && i < n; k++)
			out[i++] = (unsigned char)p[k];
	}
}

#endif
