// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <string.h>

#include "util/hex.h"

int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

size_t hex_span(const char *s, size_t n, bool lower_only)
{
	size_t i = 0;

	while (i < n && hex_value(s[i]) >= 0 && !(lower_only && s[i] >= 'A' && s[i] <= 'F'))
		i++;
	return i;
}

int hex_decode(const char *s, size_t len, uint8_t *out)
{
	if (len % 2)
		return -EINVAL;
	for (size_t i = 0; i < len / 2; i++) {
		int hi = hex_value(s[2 * i]), lo = hex_value(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

/* Every byte's two digits: one load per byte rather than two. Digests
 * are spelled on the audit trail's per-event path, twice a line. */
static const char hex_pairs[256][2] = {
#define D(d) ((d) < 10 ? '0' + (d) : 'a' + (d) - 10)
#define P(b) { D((b) >> 4), D((b) & 15) }
#define P16(h) P(h + 0), P(h + 1), P(h + 2), P(h + 3), P(h + 4), P(h + 5), P(h + 6), \
	P(h + 7), P(h + 8), P(h + 9), P(h + 10), P(h + 11), P(h + 12), P(h + 13), P(h + 14), \
	P(h + 15)
	P16(0x00), P16(0x10), P16(0x20), P16(0x30), P16(0x40), P16(0x50), P16(0x60), P16(0x70),
	P16(0x80), P16(0x90), P16(0xa0), P16(0xb0), P16(0xc0), P16(0xd0), P16(0xe0), P16(0xf0),
#undef P16
#undef P
#undef D
};

void hex_encode(const uint8_t *in, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		memcpy(out + 2 * i, hex_pairs[in[i]], 2);
	out[2 * n] = '\0';
}
