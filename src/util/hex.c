// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>

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

void hex_encode(const uint8_t *in, size_t n, char *out)
{
	static const char xd[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = xd[in[i] >> 4];
		out[2 * i + 1] = xd[in[i] & 15];
	}
	out[2 * n] = '\0';
}
