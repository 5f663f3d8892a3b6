// SPDX-License-Identifier: GPL-2.0-only
/*
 * The import driver and what every format shares. Parsers are strict: a line
 * or entry that does not have its format's shape is an error naming the file
 * and the line (or, for JSON, the entry), unless the caller asked to skip
 * such lines. Well-formed entries that imaguard cannot use (another hash
 * algorithm, a certificate rule, a violation record) are skipped and counted
 * by reason, and the first place each reason was seen is kept for the summary.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "allowlist/allowlist.h"
#include "allowlist/import/priv.h"
#include "util/digest.h"
#include "util/log.h"
#include "util/utf8.h"

static const char *const format_names[] = {
	[IMPORT_SHA256SUM] = "sha256sum",
	[IMPORT_KEYLIME] = "keylime",
	[IMPORT_FAPOLICYD] = "fapolicyd",
	[IMPORT_SANTA] = "santa",
	[IMPORT_IMALOG] = "ima-log",
};

int import_format_parse(const char *name, enum import_format *out)
{
	for (size_t i = 0; i < sizeof(format_names) / sizeof(format_names[0]); i++) {
		if (!strcmp(name, format_names[i])) {
			*out = (enum import_format)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *import_format_name(enum import_format f)
{
	return format_names[f];
}

uint64_t import_skipped(const struct import *im)
{
	uint64_t n = 0;

	for (size_t i = 0; i < im->nskips; i++)
		n += im->skips[i].count;
	return n;
}

/* ---- what every parser shares -------------------------------------------- */

static void where(const struct import_ctx *c, char *buf, size_t len)
{
	if (c->line)
		snprintf(buf, len, "'%s': line %lu", c->name, c->line);
	else
		snprintf(buf, len, "'%s': %s", c->name, c->entry);
}

/* Input text inside a reason or an entry name: printable ASCII only, so a
 * hostile file cannot write escape sequences to a terminal. */
void import_printable(char *dst, size_t dstlen, const char *src, size_t srclen)
{
	size_t i, n = srclen < dstlen - 1 ? srclen : dstlen - 1;

	for (i = 0; i < n; i++)
		dst[i] = src[i] >= 0x20 && src[i] < 0x7f ? src[i] : '?';
	dst[i] = '\0';
}

static void count_skip(struct import_ctx *c, const char *reason)
{
	struct import *im = c->im;
	struct import_skip *k = NULL;

	for (size_t i = 0; i < im->nskips && !k; i++)
		if (!strcmp(im->skips[i].reason, reason))
			k = &im->skips[i];
	/* Reasons can carry input text (a Santa rule type): the table is
	 * bounded, and its last slot collects whatever does not fit. */
	if (!k && im->nskips >= IMPORT_MAX_REASONS - 1) {
		reason = "other reasons";
		for (size_t i = 0; i < im->nskips && !k; i++)
			if (!strcmp(im->skips[i].reason, reason))
				k = &im->skips[i];
	}
	if (!k) {
		k = &im->skips[im->nskips++];
		snprintf(k->reason, sizeof(k->reason), "%s", reason);
		where(c, k->first, sizeof(k->first));
	}
	k->count++;
}

void import_skip_reason(struct import_ctx *c, const char *fmt, ...)
{
	char reason[IMPORT_REASON_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	count_skip(c, reason);
}

/* A malformed line or entry: an error, or with skip_bad one more skip. */
int import_bad(struct import_ctx *c, const char *fmt, ...)
{
	char msg[256], at[IMPORT_WHERE_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	where(c, at, sizeof(at));
	if (!c->im->skip_bad) {
		snprintf(c->im->err, sizeof(c->im->err), "%s: %s", at, msg);
		c->im->malformed = true;
		return -EINVAL;
	}
	if (c->im->verbose)
		pr_warn("%s: %s (skipped)", at, msg);
	count_skip(c, c->line ? "malformed line" : "malformed entry");
	return 0;
}

/* A whole-input error that --skip-bad cannot step over (not JSON, no rules). */
int import_fail(struct import_ctx *c, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(c->im->err, sizeof(c->im->err), "'%s': %s", c->name, msg);
	return -EINVAL;
}


int import_add(struct import_ctx *c, const char *hex, const char *path, const char *comment)
{
	struct allowlist_entry e = {
		.path = (char *)path,
		.comment = (char *)comment,
		.source = (char *)(c->im->source ? c->im->source : c->format),
	};
	int err;

	if (digest_from_hex(hex, SHA256_HEX_LEN, e.digest))
		return import_bad(c, "bad SHA-256 digest");
	if (e.path && !*e.path)
		e.path = NULL;
	/* JSON carries only UTF-8; the digest is what matters, so the entry
	 * stays and loses its (informational) path. */
	if (e.path && !utf8_valid(e.path)) {
		e.path = NULL;
		c->im->pathless++;
	}
	if (e.comment && (!*e.comment || !utf8_valid(e.comment)))
		e.comment = NULL;
	err = allowlist_add(c->im->al, &e);
	if (err == -EEXIST) {
		import_skip_reason(c, "same digest and path as an earlier entry, other data");
		return 0;
	}
	if (err == -EINVAL)
		return import_bad(c, "entry refused by the allowlist");
	if (err)
		return err;
	c->im->imported++;
	return 0;
}

bool import_next_line(struct import_lines *l, struct import_ctx *c, const char **s, size_t *n)
{
	const char *nl;

	if (l->p >= l->end)
		return false;
	nl = memchr(l->p, '\n', l->end - l->p);
	*s = l->p;
	*n = (size_t)((nl ? nl : l->end) - l->p);
	if (nl && *n && nl[-1] == '\r')
		(*n)--;
	l->p = nl ? nl + 1 : l->end;
	c->line++;
	return true;
}

bool import_blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return false;
	return true;
}

char *import_dup_n(const char *s, size_t n)
{
	char *d = malloc(n + 1);

	if (d) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

int import_parse_lines(struct import_ctx *c, const char *buf, size_t len,
		       int (*line)(struct import_ctx *c, const char *s, size_t n))
{
	struct import_lines l = { buf, buf + len };
	const char *s;
	size_t n;
	int err;

	while (import_next_line(&l, c, &s, &n)) {
		err = line(c, s, n);
		if (err)
			return err;
	}
	return 0;
}

/* ---- entry points ------------------------------------------------------------ */

static uint64_t malformed_count(const struct import *im)
{
	uint64_t n = 0;

	for (size_t i = 0; i < im->nskips; i++)
		if (!strcmp(im->skips[i].reason, "malformed line") ||
		    !strcmp(im->skips[i].reason, "malformed entry"))
			n += im->skips[i].count;
	return n;
}

int import_buf(struct import *im, enum import_format f, const char *name, const char *buf,
	       size_t len)
{
	struct import_ctx c = { .im = im, .name = name, .format = format_names[f] };
	uint64_t imported = im->imported, skipped = import_skipped(im);
	uint64_t malformed = malformed_count(im), bad;
	int err = -EINVAL;

	im->err[0] = '\0';
	im->malformed = false;
	switch (f) {
	case IMPORT_SHA256SUM:
		err = import_parse_lines(&c, buf, len, sha256sum_line);
		break;
	case IMPORT_KEYLIME:
		err = keylime_buf(&c, buf, len);
		break;
	case IMPORT_FAPOLICYD:
		err = fapolicyd_buf(&c, buf, len);
		break;
	case IMPORT_SANTA:
		err = santa_buf(&c, buf, len);
		break;
	case IMPORT_IMALOG:
		err = imalog_buf(&c, buf, len);
		break;
	}
	/* --skip-bad steps over lines, not over a whole input of the wrong
	 * kind: one where every line or entry was malformed is an error. */
	bad = malformed_count(im) - malformed;
	if (!err && bad && im->imported == imported && import_skipped(im) - skipped == bad)
		err = import_fail(&c, "no well-formed %s among %llu (is it %s?)",
				  c.line ? "line" : "entry", (unsigned long long)bad, c.format);
	return err;
}

