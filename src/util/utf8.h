/* SPDX-License-Identifier: GPL-2.0-only */
/* UTF-8 as JSON needs it: no overlong form, no surrogate, nothing past U+10FFFF. */
#ifndef IMAGUARD_UTIL_UTF8_H
#define IMAGUARD_UTIL_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* Length of the valid multi-byte sequence at s (n bytes left, s[0] >= 0x80),
 * 0 if it is not one. */
size_t utf8_seq(const unsigned char *s, size_t n);
/* A NUL-terminated string that is valid UTF-8; NULL counts as valid. */
bool utf8_valid(const char *s);

#endif
