/* SPDX-License-Identifier: GPL-2.0-only */
/* Hex digits: the one decoder and encoder every format uses. */
#ifndef IMAGUARD_UTIL_HEX_H
#define IMAGUARD_UTIL_HEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The value of one hex digit, either case; -1 for anything else. */
int hex_value(char c);
/* How many of s[0..n) from the start are hex digits (lowercase only if asked). */
size_t hex_span(const char *s, size_t n, bool lower_only);
/* len digits (len even, either case) into len / 2 bytes; 0 or -EINVAL. */
int hex_decode(const char *s, size_t len, uint8_t *out);
/* n bytes as 2n lowercase digits and a NUL: out needs 2n + 1 bytes. */
void hex_encode(const uint8_t *in, size_t n, char *out);

#endif
