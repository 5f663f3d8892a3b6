// SPDX-License-Identifier: GPL-2.0-only
/* sha256sum output, plain and --tag, as GNU coreutils writes it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "allowlist/import/priv.h"
#include "util/digest.h"
#include "util/hex.h"

/*
 * GNU coreutils starts a line with a backslash when the name needed escaping
 * and then writes "\\" for a backslash, "\n" for a newline and (since 9.0)
 * "\r" for a carriage return. *out is NULL (and import_bad() was called) when the
 * name holds any other escape.
 */
static int sum_name(struct import_ctx *c, const char *s, size_t n, bool escaped, char **out)
{
	char *d = malloc(n + 1), *o = d;

	*out = NULL;
	if (!d)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		if (!escaped || s[i] != '\\') {
			*o++ = s[i];
			continue;
		}
		if (++i == n) {
			free(d);
			return import_bad(c, "name ends in a lone backslash");
		}
		if (s[i] == '\\')
			*o++ = '\\';
		else if (s[i] == 'n')
			*o++ = '\n';
		else if (s[i] == 'r')
			*o++ = '\r';
		else {
			char e[2];

			import_printable(e, sizeof(e), s + i, 1);
			free(d);
			return import_bad(c, "unknown escape '\\%s' in name", e);
		}
	}
	*o = '\0';
	*out = d;
	return 0;
}

/* "SHA256 (name) = hex", what `sha256sum --tag` writes. */
static int sum_tagged(struct import_ctx *c, const char *s, size_t n, bool escaped)
{
	const char *open = memchr(s, '(', n), *close = NULL;
	char alg[24], *name = NULL;
	size_t h;
	int err;

	for (size_t i = n; i >= 4; i--) {
		if (!memcmp(s + i - 4, ") = ", 4)) {
			close = s + i - 4;
			break;
		}
	}
	if (!open || open == s || open[-1] != ' ' || !close || close < open)
		return import_bad(c, "neither '<hex>  <name>' nor 'SHA256 (<name>) = <hex>'");
	if (open - 1 - s >= (long)sizeof(alg))
		return import_bad(c, "algorithm name too long");
	import_printable(alg, sizeof(alg), s, (size_t)(open - 1 - s));
	if (strcmp(alg, "SHA256")) {
		import_skip_reason(c, "%s digest (not SHA-256)", alg);
		return 0;
	}
	h = hex_span(close + 4, (size_t)(s + n - close - 4), false);
	if (h != SHA256_HEX_LEN || close + 4 + h != s + n)
		return import_bad(c, "digest is not 64 hex digits");
	err = sum_name(c, open + 1, (size_t)(close - open - 1), escaped, &name);
	if (!err && name)
		err = import_add(c, close + 4, name, NULL);
	free(name);
	return err;
}

/*
 * How the untagged lines of one input separate the digest from the name
 * (import_ctx.form), fixed by the first of them as `sha256sum -c` does:
 * two characters, a space and ' ' or '*' (sha256sum's own), or one space
 * (the "<hex> <name>" of BSD `sha256 -r`). A file that mixes them is
 * refused, so that a name cannot gain or lose a leading space.
 */
enum { SUM_UNKNOWN, SUM_TWO, SUM_ONE };

int sha256sum_line(struct import_ctx *c, const char *s, size_t n)
{
	bool escaped = false;
	char *name = NULL;
	size_t h, at;
	int err;

	if (import_blank(s, n) || s[0] == '#')
		return 0;
	if (memchr(s, '\0', n))
		return import_bad(c, "NUL byte in line");
	if (s[0] == '\\') {
		escaped = true;
		s++;
		n--;
	}
	h = hex_span(s, n, false);
	if (h == 0 || h == n || s[h] != ' ')
		return sum_tagged(c, s, n, escaped);
	if (h + 2 > n)
		return import_bad(c, "no file name");
	if (c->form != SUM_ONE && (s[h + 1] == ' ' || s[h + 1] == '*')) {
		c->form = SUM_TWO;
		at = h + 2;
	} else if (c->form != SUM_TWO) {
		c->form = SUM_ONE;
		at = h + 1;
	} else {
		return import_bad(c, "one space after the digest where earlier lines have two "
				     "(sha256sum -c refuses the mix)");
	}
	if (h != SHA256_HEX_LEN)
		return import_bad(c, "digest has %zu hex digits, not 64 (not sha256sum output?)",
				  h);
	if (at == n)
		return import_bad(c, "no file name");
	err = sum_name(c, s + at, n - at, escaped, &name);
	if (!err && name)
		err = import_add(c, s, name, NULL);
	free(name);
	return err;
}
