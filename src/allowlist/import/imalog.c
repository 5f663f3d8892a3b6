// SPDX-License-Identifier: GPL-2.0-only
/* IMA's ascii_runtime_measurements. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "allowlist/import/priv.h"
#include "util/digest.h"
#include "util/hex.h"

struct ima_template {
	const char *name;
	/* The fields after the path, each maybe empty: 'x' hex (a signature),
	 * 'd' "<algo>:<hex>" (ima-modsig's d-modsig, printed like d-ng). */
	const char *trailing;
	bool v2;		/* digest field "ima:<algo>:<hex>" or "verity:..." */
};

static const struct ima_template ima_templates[] = {
	{ "ima-ng", "", false },   { "ima-sig", "x", false }, { "ima-modsig", "xdx", false },
	{ "ima-ngv2", "", true }, { "ima-sigv2", "x", true },
};

/* Split off the next space-separated field. */
static bool field(const char **s, const char *end, const char **f, size_t *n)
{
	const char *sp = memchr(*s, ' ', end - *s);

	if (!sp)
		return false;
	*f = *s;
	*n = (size_t)(sp - *s);
	*s = sp + 1;
	return true;
}

/* A field after the path: empty, or what its kind says. */
static bool ima_trailing_ok(char kind, const char *f, size_t n)
{
	const char *colon;

	if (!n)
		return true;
	if (kind == 'd') {
		colon = memchr(f, ':', n);
		if (!colon || colon == f || colon + 1 == f + n ||
		    strspn(f, "abcdefghijklmnopqrstuvwxyz0123456789-") < (size_t)(colon - f))
			return false;
		n -= (size_t)(colon + 1 - f);
		f = colon + 1;
	}
	return hex_span(f, n, false) == n;
}

static int ima_digest(struct import_ctx *c, const struct ima_template *t, const char *d, size_t n,
		      const char **hex)
{
	const char *colon;
	char alg[24];

	if (t->v2) {
		if (n > 7 && !memcmp(d, "verity:", 7)) {
			import_skip_reason(c, "fs-verity digest (not a file hash)");
			return 1;
		}
		if (n < 4 || memcmp(d, "ima:", 4))
			return import_bad(c, "digest field is neither ima: nor verity:");
		d += 4;
		n -= 4;
	}
	colon = memchr(d, ':', n);
	if (!colon || colon == d)
		return import_bad(c, "digest field is not <algorithm>:<hex>");
	if ((size_t)(colon - d) >= sizeof(alg))
		return import_bad(c, "algorithm name too long");
	import_printable(alg, sizeof(alg), d, (size_t)(colon - d));
	n -= (size_t)(colon + 1 - d);
	if (hex_span(colon + 1, n, false) != n)
		return import_bad(c, "digest is not hex");
	if (strcmp(alg, "sha256")) {
		import_skip_reason(c, "%s digest (not SHA-256)", alg);
		return 1;
	}
	if (n != SHA256_HEX_LEN)
		return import_bad(c, "sha256 digest is not 64 hex digits");
	*hex = colon + 1;
	return 0;
}

static int ima_line(struct import_ctx *c, const char *s, size_t n)
{
	const char *end = s + n, *f, *hex = NULL;
	const struct ima_template *t = NULL;
	char tname[32], *path;
	size_t fn, pathlen;
	int err;

	if (import_blank(s, n))
		return 0;
	while (s < end && *s == ' ')	/* the PCR is printed "%2d" */
		s++;
	if (!field(&s, end, &f, &fn) || !fn || strspn(f, "0123456789") < fn)
		return import_bad(c, "does not start with a PCR number");
	if (!field(&s, end, &f, &fn) || fn < 40 || hex_span(f, fn, false) != fn)
		return import_bad(c, "no template hash");
	/* A violation (file opened for write while measured, or the other way
	 * round) is logged with a zero template hash and no usable digest. */
	if (strspn(f, "0") >= fn) {
		/* but a boot_aggregate of zeros is the kernel's without a TPM */
		const char *t = s, *d;
		size_t dn;

		if (field(&t, end, &f, &fn) && field(&t, end, &d, &dn) &&
		    ((end - t == 14 && !memcmp(t, "boot_aggregate", 14)) ||
		     (end - t > 14 && !memcmp(t, "boot_aggregate ", 15))))
			import_skip_reason(c, "boot_aggregate");
		else
			import_skip_reason(c, "violation record");
		return 0;
	}
	if (!field(&s, end, &f, &fn) || !fn)
		return import_bad(c, "no template name");
	import_printable(tname, sizeof(tname), f, fn);
	for (size_t i = 0; i < sizeof(ima_templates) / sizeof(ima_templates[0]); i++)
		if (!strcmp(tname, ima_templates[i].name))
			t = &ima_templates[i];
	if (!t) {
		if (!strcmp(tname, "ima"))
			import_skip_reason(c, "legacy 'ima' template (SHA-1 only)");
		else if (!strcmp(tname, "ima-buf"))
			import_skip_reason(c, "ima-buf record (not a file)");
		else
			import_skip_reason(c, "template '%s'", tname);
		return 0;
	}
	if (!field(&s, end, &f, &fn))
		return import_bad(c, "no path after the digest");
	/* The kernel writes each field after a space, an empty one too, and
	 * the fields after the path hold no space: so the path is what is left
	 * after taking one space-separated field per trailing field off the end. */
	pathlen = (size_t)(end - s);
	for (size_t k = strlen(t->trailing); k-- > 0;) {
		const char *sp = pathlen ? memrchr(s, ' ', pathlen) : NULL;

		if (!sp)
			return import_bad(c, "missing signature fields for template %s", t->name);
		if (!ima_trailing_ok(t->trailing[k], sp + 1, (size_t)(s + pathlen - sp - 1)))
			return import_bad(c, "%s",
					  t->trailing[k] == 'd'
						  ? "modsig digest field is not <algorithm>:<hex>"
						  : "signature field is not hex");
		pathlen = (size_t)(sp - s);
	}
	err = ima_digest(c, t, f, fn, &hex);
	if (err || !hex)
		return err < 0 ? err : 0;
	if (!pathlen)
		return import_bad(c, "empty path");
	if (pathlen == 14 && !memcmp(s, "boot_aggregate", 14)) {
		import_skip_reason(c, "boot_aggregate");
		return 0;
	}
	path = import_dup_n(s, pathlen);
	if (!path)
		return -ENOMEM;
	err = import_add(c, hex, path, NULL);
	free(path);
	return err;
}

int imalog_buf(struct import_ctx *c, const char *buf, size_t len)
{
	if (memchr(buf, '\0', len))
		return import_fail(c, "holds NUL bytes: binary_runtime_measurements is not "
				      "supported, use ascii_runtime_measurements");
	return import_parse_lines(c, buf, len, ima_line);
}
