// SPDX-License-Identifier: GPL-2.0-only
/*
 * `imaguard allowlist import`: sha256sum output, Keylime runtime policies,
 * fapolicyd trust files, Santa rules and IMA's ascii measurement list, into
 * one imaguard-allowlist/1 file.
 *
 * Parsers are strict: a line or entry that does not have its format's shape
 * is an error naming the file and the line (or, for JSON, the entry), unless
 * the caller asked to skip such lines. Well-formed entries that imaguard
 * cannot use (another hash algorithm, a certificate rule, a violation record)
 * are skipped and counted by reason, and the first place each reason was
 * seen is kept for the summary.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "allowlist/build.h"
#include "allowlist/allowlist.h"
#include "cmd/commands.h"
#include "util/digest.h"
#include "allowlist/import/import.h"
#include "util/hex.h"
#include "util/log.h"
#include "util/utf8.h"

#define INPUT_MAX ((size_t)1 << 30)

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

struct ctx {
	struct import *im;
	const char *name;	/* the input's name, for messages */
	const char *format;	/* the default source */
	unsigned long line;	/* text formats: the current line */
	char entry[128];	/* JSON formats: the current entry */
};

static void where(const struct ctx *c, char *buf, size_t len)
{
	if (c->line)
		snprintf(buf, len, "'%s': line %lu", c->name, c->line);
	else
		snprintf(buf, len, "'%s': %s", c->name, c->entry);
}

/* Input text inside a reason or an entry name: printable ASCII only, so a
 * hostile file cannot write escape sequences to a terminal. */
static void printable(char *dst, size_t dstlen, const char *src, size_t srclen)
{
	size_t i, n = srclen < dstlen - 1 ? srclen : dstlen - 1;

	for (i = 0; i < n; i++)
		dst[i] = src[i] >= 0x20 && src[i] < 0x7f ? src[i] : '?';
	dst[i] = '\0';
}

static void count_skip(struct ctx *c, const char *reason)
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

static void skip(struct ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void skip(struct ctx *c, const char *fmt, ...)
{
	char reason[IMPORT_REASON_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	count_skip(c, reason);
}

/* A malformed line or entry: an error, or with skip_bad one more skip. */
static int bad(struct ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int bad(struct ctx *c, const char *fmt, ...)
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
static int fail(struct ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(struct ctx *c, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(c->im->err, sizeof(c->im->err), "'%s': %s", c->name, msg);
	return -EINVAL;
}

/* Hex lengths of the other common algorithms (md5, sha1, sha224, sha384,
 * sha512): a digest of one of these is a skip, any other length malformed. */
static bool other_algo_len(size_t n)
{
	return n == 32 || n == 40 || n == 56 || n == 96 || n == 128;
}

static int add(struct ctx *c, const char *hex, const char *path, const char *comment)
{
	struct allowlist_entry e = {
		.path = (char *)path,
		.comment = (char *)comment,
		.source = (char *)(c->im->source ? c->im->source : c->format),
	};
	int err;

	if (digest_from_hex(hex, SHA256_HEX_LEN, e.digest))
		return bad(c, "bad SHA-256 digest");
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
		skip(c, "same digest and path as an earlier entry, other data");
		return 0;
	}
	if (err == -EINVAL)
		return bad(c, "entry refused by the allowlist");
	if (err)
		return err;
	c->im->imported++;
	return 0;
}

/* Lines of a buffer that need not end in a newline; numbers from 1. A line
 * ends in LF or CRLF (a list saved on Windows): the CR is no part of it,
 * or a path would end in one. */
struct lines {
	const char *p, *end;
};

static bool next_line(struct lines *l, struct ctx *c, const char **s, size_t *n)
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

static bool blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return false;
	return true;
}

static char *dup_n(const char *s, size_t n)
{
	char *d = malloc(n + 1);

	if (d) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

/* ---- sha256sum ------------------------------------------------------------- */

/*
 * GNU coreutils starts a line with a backslash when the name needed escaping
 * and then writes "\\" for a backslash, "\n" for a newline and (since 9.0)
 * "\r" for a carriage return. *out is NULL (and bad() was called) when the
 * name holds any other escape.
 */
static int sum_name(struct ctx *c, const char *s, size_t n, bool escaped, char **out)
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
			return bad(c, "name ends in a lone backslash");
		}
		if (s[i] == '\\')
			*o++ = '\\';
		else if (s[i] == 'n')
			*o++ = '\n';
		else if (s[i] == 'r')
			*o++ = '\r';
		else {
			char e[2];

			printable(e, sizeof(e), s + i, 1);
			free(d);
			return bad(c, "unknown escape '\\%s' in name", e);
		}
	}
	*o = '\0';
	*out = d;
	return 0;
}

/* "SHA256 (name) = hex", what `sha256sum --tag` writes. */
static int sum_tagged(struct ctx *c, const char *s, size_t n, bool escaped)
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
		return bad(c, "neither '<hex>  <name>' nor 'SHA256 (<name>) = <hex>'");
	if (open - 1 - s >= (long)sizeof(alg))
		return bad(c, "algorithm name too long");
	printable(alg, sizeof(alg), s, (size_t)(open - 1 - s));
	if (strcmp(alg, "SHA256")) {
		skip(c, "%s digest (not SHA-256)", alg);
		return 0;
	}
	h = hex_span(close + 4, (size_t)(s + n - close - 4), false);
	if (h != SHA256_HEX_LEN || close + 4 + h != s + n)
		return bad(c, "digest is not 64 hex digits");
	err = sum_name(c, open + 1, (size_t)(close - open - 1), escaped, &name);
	if (!err && name)
		err = add(c, close + 4, name, NULL);
	free(name);
	return err;
}

static int sum_line(struct ctx *c, const char *s, size_t n)
{
	bool escaped = false;
	char *name = NULL;
	size_t h;
	int err;

	if (blank(s, n) || s[0] == '#')
		return 0;
	if (memchr(s, '\0', n))
		return bad(c, "NUL byte in line");
	if (s[0] == '\\') {
		escaped = true;
		s++;
		n--;
	}
	h = hex_span(s, n, false);
	if (h == 0 || h == n || s[h] != ' ')
		return sum_tagged(c, s, n, escaped);
	if (h + 2 > n || (s[h + 1] != ' ' && s[h + 1] != '*'))
		return bad(c, "expected two spaces or ' *' after the digest");
	if (h != SHA256_HEX_LEN)
		return bad(c, "digest has %zu hex digits, not 64 (not sha256sum output?)", h);
	if (h + 2 == n)
		return bad(c, "no file name");
	err = sum_name(c, s + h + 2, n - h - 2, escaped, &name);
	if (!err && name)
		err = add(c, s, name, NULL);
	free(name);
	return err;
}

static int parse_lines(struct ctx *c, const char *buf, size_t len,
		       int (*line)(struct ctx *c, const char *s, size_t n))
{
	struct lines l = { buf, buf + len };
	const char *s;
	size_t n;
	int err;

	while (next_line(&l, c, &s, &n)) {
		err = line(c, s, n);
		if (err)
			return err;
	}
	return 0;
}

/* ---- Keylime ---------------------------------------------------------------- */

/* The flat allowlist of older Keylime releases: "<hex> <path>" lines of any
 * algorithm, as sha1sum or sha256sum wrote them. */
static int keylime_flat_line(struct ctx *c, const char *s, size_t n)
{
	size_t h, p;
	char *path;
	int err;

	if (blank(s, n) || s[0] == '#')
		return 0;
	if (memchr(s, '\0', n))
		return bad(c, "NUL byte in line");
	h = hex_span(s, n, false);
	for (p = h; p < n && (s[p] == ' ' || s[p] == '\t'); p++)
		;
	if (!h || p == h || p == n)
		return bad(c, "expected '<hex digest> <path>'");
	if (h != SHA256_HEX_LEN) {
		if (!other_algo_len(h))
			return bad(c, "digest has %zu hex digits", h);
		skip(c, "digest of %zu hex digits (not SHA-256)", h);
		return 0;
	}
	path = dup_n(s + p, n - p);
	if (!path)
		return -ENOMEM;
	err = add(c, s, path, NULL);
	free(path);
	return err;
}

static void json_entry(struct ctx *c, const char *fmt, const char *key, size_t idx)
{
	char k[80];

	printable(k, sizeof(k), key, strlen(key));
	snprintf(c->entry, sizeof(c->entry), fmt, k, idx);
}

static int keylime_digest(struct ctx *c, const char *path, json_t *d)
{
	const char *hex = json_string_value(d);
	size_t n;

	if (!hex)
		return bad(c, "not a string");
	n = json_string_length(d);
	if (!n || hex_span(hex, n, false) != n)
		return bad(c, "not a hex digest");
	if (n != SHA256_HEX_LEN) {
		if (!other_algo_len(n))
			return bad(c, "digest has %zu hex digits", n);
		skip(c, "digest of %zu hex digits (not SHA-256)", n);
		return 0;
	}
	return add(c, hex, path, NULL);
}

/* Parts of a policy that have no counterpart in an allowlist, counted. */
static void keylime_count_rest(struct ctx *c, json_t *root)
{
	static const char *const parts[] = { "excludes", "keyrings", "ima-buf" };
	static const char *const why[] = {
		"exclude regex (no allowlist equivalent; see rules)",
		"keyring digest (not a file)",
		"ima-buf digest (not a file)",
	};

	for (size_t i = 0; i < 3; i++) {
		json_t *v = json_object_get(root, parts[i]), *x;
		const char *key;
		size_t n = 0;

		if (json_is_array(v))
			n = json_array_size(v);
		else if (json_is_object(v))
			json_object_foreach(v, key, x)
				n += json_is_array(x) ? json_array_size(x) : 1;
		snprintf(c->entry, sizeof(c->entry), "%s", parts[i]);
		while (n--)
			skip(c, "%s", why[i]);
	}
}

static int keylime_json(struct ctx *c, const char *buf, size_t len)
{
	json_error_t jerr;
	json_t *root, *digests, *list, *d;
	const char *path, *key = "digests";
	size_t i;
	int err = 0;

	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return fail(c, "line %d: %s", jerr.line, jerr.text);
	if (!json_is_object(root)) {
		err = fail(c, "not a JSON object: not a Keylime runtime policy");
		goto cleanup;
	}
	if (json_object_get(root, "payload") && json_object_get(root, "payloadType")) {
		err = fail(c, "a signed (DSSE) envelope: import the policy it carries, "
			      "after checking its signature with Keylime's tools");
		goto cleanup;
	}
	digests = json_object_get(root, key);
	if (!digests) {
		key = "hashes";	/* the allowlist JSON of Keylime before 7.0 */
		digests = json_object_get(root, key);
	}
	if (!json_is_object(digests)) {
		err = fail(c, "no \"digests\" object: not a Keylime runtime policy");
		goto cleanup;
	}
	json_object_foreach(digests, path, list) {
		if (!json_is_array(list)) {
			json_entry(c, "digests['%s']", path, 0);
			err = bad(c, "not a list of digests");
			if (err)
				goto cleanup;
			continue;
		}
		json_array_foreach(list, i, d) {
			json_entry(c, "digests['%s'][%zu]", path, i);
			/* The verifier's own entry for the boot aggregate: not a file. */
			if (!strcmp(path, "boot_aggregate"))
				skip(c, "boot_aggregate");
			else
				err = keylime_digest(c, path, d);
			if (err)
				goto cleanup;
		}
	}
	keylime_count_rest(c, root);
cleanup:
	json_decref(root);
	return err;
}

static int keylime_buf(struct ctx *c, const char *buf, size_t len)
{
	size_t i = 0;

	while (i < len && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\n' || buf[i] == '\r'))
		i++;
	if (i < len && buf[i] == '{')
		return keylime_json(c, buf, len);
	return parse_lines(c, buf, len, keylime_flat_line);
}

/* ---- fapolicyd ---------------------------------------------------------------- */

#define FAPOLICYD_HEADER "# AUTOGENERATED FILE VERSION "

/* Version 2 files write whitespace in paths as %XX; like fapolicyd, a '%'
 * not followed by two hex digits stands for itself. */
static char *unpercent(const char *s, size_t n)
{
	char *d = malloc(n + 1), *o = d;

	if (!d)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '%' && i + 2 < n && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
			*o++ = (char)(hex_value(s[i + 1]) << 4 | hex_value(s[i + 2]));
			i += 2;
		} else {
			*o++ = s[i];
		}
	}
	*o = '\0';
	return d;
}

struct fapolicyd_state {
	int version;		/* 0: no header */
};

static int fapolicyd_line(struct ctx *c, const char *s, size_t n, struct fapolicyd_state *st)
{
	size_t end = n, sha, size, h;
	char *path;
	int err;

	if (c->line == 1 && n >= sizeof(FAPOLICYD_HEADER) - 1 &&
	    !memcmp(s, FAPOLICYD_HEADER, sizeof(FAPOLICYD_HEADER) - 1)) {
		const char *v = s + sizeof(FAPOLICYD_HEADER) - 1;
		size_t dn = n - (sizeof(FAPOLICYD_HEADER) - 1);
		char num[8];

		while (dn && (v[dn - 1] == '\r' || v[dn - 1] == ' '))
			dn--;
		printable(num, sizeof(num), v, dn);
		if (!strcmp(num, "1") || !strcmp(num, "2") || !strcmp(num, "3")) {
			st->version = num[0] - '0';
			return 0;
		}
		return fail(c, "line 1: trust file version '%s' is not supported (1 to 3 are)",
			    num);
	}
	/* fapolicyd skips comments and lines that start with a control
	 * character (blank lines among them). */
	if (!n || s[0] == '#' || (unsigned char)s[0] < 0x20 || blank(s, n))
		return 0;
	if (memchr(s, '\0', n))
		return bad(c, "NUL byte in line");
	while (end && (s[end - 1] == ' ' || s[end - 1] == '\t' || s[end - 1] == '\r'))
		end--;
	/* Split from the right: the path of a version 3 file may hold spaces,
	 * the size and the digest never do. */
	for (sha = end; sha && s[sha - 1] != ' ' && s[sha - 1] != '\t'; sha--)
		;
	for (size = sha; size && (s[size - 1] == ' ' || s[size - 1] == '\t'); size--)
		;
	h = size;
	for (; size && s[size - 1] >= '0' && s[size - 1] <= '9'; size--)
		;
	if (!sha || size == h || !size || (s[size - 1] != ' ' && s[size - 1] != '\t'))
		return bad(c, "expected '<path> <size> <sha256>'");
	if (end - sha != SHA256_HEX_LEN || hex_span(s + sha, end - sha, false) != end - sha)
		return bad(c, "the last field is not a 64-digit SHA-256");
	if (h - size > 20)
		return bad(c, "size out of range");
	while (size && (s[size - 1] == ' ' || s[size - 1] == '\t'))
		size--;
	if (s[0] != '/')
		return bad(c, "path is not absolute");
	path = st->version == 2 ? unpercent(s, size) : dup_n(s, size);
	if (!path)
		return -ENOMEM;
	err = add(c, s + sha, path, NULL);
	free(path);
	return err;
}

static int fapolicyd_buf(struct ctx *c, const char *buf, size_t len)
{
	struct fapolicyd_state st = { 0 };
	struct lines l = { buf, buf + len };
	const char *s;
	size_t n;
	int err;

	while (next_line(&l, c, &s, &n)) {
		err = fapolicyd_line(c, s, n, &st);
		if (err)
			return err;
	}
	return 0;
}

/* ---- Santa -------------------------------------------------------------------- */

static int santa_rule(struct ctx *c, json_t *r)
{
	const char *type, *policy, *ident, *msg;
	char t[32], p[32];
	json_t *id;

	if (!json_is_object(r))
		return bad(c, "not an object");
	type = json_string_value(json_object_get(r, "rule_type"));
	policy = json_string_value(json_object_get(r, "policy"));
	if (!type || !policy)
		return bad(c, "no \"rule_type\" or \"policy\" string");
	printable(t, sizeof(t), type, strlen(type));
	printable(p, sizeof(p), policy, strlen(policy));
	if (strcasecmp(type, "BINARY")) {
		skip(c, "santa %s rule (not a binary hash)", t);
		return 0;
	}
	if (strcasecmp(policy, "ALLOWLIST")) {
		skip(c, "santa BINARY rule with policy %s", p);
		return 0;
	}
	/* Santa before 2022 named the hash "sha256". */
	id = json_object_get(r, "identifier");
	if (!id)
		id = json_object_get(r, "sha256");
	ident = json_string_value(id);
	if (!ident || json_string_length(id) != SHA256_HEX_LEN ||
	    hex_span(ident, SHA256_HEX_LEN, false) != SHA256_HEX_LEN)
		return bad(c, "identifier is not a 64-digit SHA-256");
	msg = json_string_value(json_object_get(r, "custom_msg"));
	return add(c, ident, NULL, msg);
}

static int santa_buf(struct ctx *c, const char *buf, size_t len)
{
	json_error_t jerr;
	json_t *root, *rules, *r;
	size_t i;
	int err = 0;

	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return fail(c, "line %d: %s", jerr.line, jerr.text);
	rules = json_object_get(root, "rules");
	if (!json_is_array(rules)) {
		err = fail(c, "no \"rules\" list: not a Santa rules file");
		goto cleanup;
	}
	json_array_foreach(rules, i, r) {
		snprintf(c->entry, sizeof(c->entry), "rules[%zu]", i);
		err = santa_rule(c, r);
		if (err)
			goto cleanup;
	}
cleanup:
	json_decref(root);
	return err;
}

/* ---- IMA ascii_runtime_measurements ---------------------------------------------- */

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

static int ima_digest(struct ctx *c, const struct ima_template *t, const char *d, size_t n,
		      const char **hex)
{
	const char *colon;
	char alg[24];

	if (t->v2) {
		if (n > 7 && !memcmp(d, "verity:", 7)) {
			skip(c, "fs-verity digest (not a file hash)");
			return 1;
		}
		if (n < 4 || memcmp(d, "ima:", 4))
			return bad(c, "digest field is neither ima: nor verity:");
		d += 4;
		n -= 4;
	}
	colon = memchr(d, ':', n);
	if (!colon || colon == d)
		return bad(c, "digest field is not <algorithm>:<hex>");
	if ((size_t)(colon - d) >= sizeof(alg))
		return bad(c, "algorithm name too long");
	printable(alg, sizeof(alg), d, (size_t)(colon - d));
	n -= (size_t)(colon + 1 - d);
	if (hex_span(colon + 1, n, false) != n)
		return bad(c, "digest is not hex");
	if (strcmp(alg, "sha256")) {
		skip(c, "%s digest (not SHA-256)", alg);
		return 1;
	}
	if (n != SHA256_HEX_LEN)
		return bad(c, "sha256 digest is not 64 hex digits");
	*hex = colon + 1;
	return 0;
}

static int ima_line(struct ctx *c, const char *s, size_t n)
{
	const char *end = s + n, *f, *hex = NULL;
	const struct ima_template *t = NULL;
	char tname[32], *path;
	size_t fn, pathlen;
	int err;

	if (blank(s, n))
		return 0;
	while (s < end && *s == ' ')	/* the PCR is printed "%2d" */
		s++;
	if (!field(&s, end, &f, &fn) || !fn || strspn(f, "0123456789") < fn)
		return bad(c, "does not start with a PCR number");
	if (!field(&s, end, &f, &fn) || fn < 40 || hex_span(f, fn, false) != fn)
		return bad(c, "no template hash");
	/* A violation (file opened for write while measured, or the other way
	 * round) is logged with a zero template hash and no usable digest. */
	if (strspn(f, "0") >= fn) {
		skip(c, "violation record");
		return 0;
	}
	if (!field(&s, end, &f, &fn) || !fn)
		return bad(c, "no template name");
	printable(tname, sizeof(tname), f, fn);
	for (size_t i = 0; i < sizeof(ima_templates) / sizeof(ima_templates[0]); i++)
		if (!strcmp(tname, ima_templates[i].name))
			t = &ima_templates[i];
	if (!t) {
		if (!strcmp(tname, "ima"))
			skip(c, "legacy 'ima' template (SHA-1 only)");
		else if (!strcmp(tname, "ima-buf"))
			skip(c, "ima-buf record (not a file)");
		else
			skip(c, "template '%s'", tname);
		return 0;
	}
	if (!field(&s, end, &f, &fn))
		return bad(c, "no path after the digest");
	/* The kernel writes each field after a space, an empty one too, and
	 * the fields after the path hold no space: so the path is what is left
	 * after taking one space-separated field per trailing field off the end. */
	pathlen = (size_t)(end - s);
	for (size_t k = strlen(t->trailing); k-- > 0;) {
		const char *sp = pathlen ? memrchr(s, ' ', pathlen) : NULL;

		if (!sp)
			return bad(c, "missing signature fields for template %s", t->name);
		if (!ima_trailing_ok(t->trailing[k], sp + 1, (size_t)(s + pathlen - sp - 1)))
			return bad(c, "%s",
				   t->trailing[k] == 'd'
					   ? "modsig digest field is not <algorithm>:<hex>"
					   : "signature field is not hex");
		pathlen = (size_t)(sp - s);
	}
	err = ima_digest(c, t, f, fn, &hex);
	if (err || !hex)
		return err < 0 ? err : 0;
	if (!pathlen)
		return bad(c, "empty path");
	if (pathlen == 14 && !memcmp(s, "boot_aggregate", 14)) {
		skip(c, "boot_aggregate");
		return 0;
	}
	path = dup_n(s, pathlen);
	if (!path)
		return -ENOMEM;
	err = add(c, hex, path, NULL);
	free(path);
	return err;
}

static int imalog_buf(struct ctx *c, const char *buf, size_t len)
{
	if (memchr(buf, '\0', len))
		return fail(c, "holds NUL bytes: binary_runtime_measurements is not supported, "
			       "use ascii_runtime_measurements");
	return parse_lines(c, buf, len, ima_line);
}

/* ---- entry points ------------------------------------------------------------ */

int import_buf(struct import *im, enum import_format f, const char *name, const char *buf,
	       size_t len)
{
	struct ctx c = { .im = im, .name = name, .format = format_names[f] };

	im->err[0] = '\0';
	im->malformed = false;
	switch (f) {
	case IMPORT_SHA256SUM:
		return parse_lines(&c, buf, len, sum_line);
	case IMPORT_KEYLIME:
		return keylime_buf(&c, buf, len);
	case IMPORT_FAPOLICYD:
		return fapolicyd_buf(&c, buf, len);
	case IMPORT_SANTA:
		return santa_buf(&c, buf, len);
	case IMPORT_IMALOG:
		return imalog_buf(&c, buf, len);
	}
	return -EINVAL;
}

/*
 * Inputs are read to the end rather than by their size: securityfs reports
 * ascii_runtime_measurements as an empty file, and "-" may be a pipe.
 */
static int read_input(const char *path, char **bufp, size_t *lenp)
{
	bool is_stdin = !strcmp(path, "-");
	int fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	size_t len = 0, cap = 1 << 16;
	char *buf = NULL, *nb;
	struct stat st;
	int err = 0;

	if (fd < 0) {
		err = -errno;
		pr_err("cannot open '%s': %s", path, strerror(-err));
		return err;
	}
	if (!is_stdin && !fstat(fd, &st) && S_ISDIR(st.st_mode)) {
		err = -EISDIR;
		pr_err("cannot read '%s': %s", path, strerror(EISDIR));
		goto cleanup;
	}
	for (;;) {
		ssize_t n;

		if (!buf || len == cap) {
			if (buf)
				cap *= 2;
			if (cap > INPUT_MAX + 1)
				cap = INPUT_MAX + 1;
			if (len == cap) {
				err = -EFBIG;
				pr_err("cannot read '%s': larger than %zu bytes", path, INPUT_MAX);
				goto cleanup;
			}
			nb = realloc(buf, cap);
			if (!nb) {
				err = -ENOMEM;
				pr_err("cannot read '%s': %s", path, strerror(ENOMEM));
				goto cleanup;
			}
			buf = nb;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			pr_err("cannot read '%s': %s", path, strerror(-err));
			goto cleanup;
		}
		if (!n)
			break;
		len += (size_t)n;
	}
	*bufp = buf;
	*lenp = len;
	buf = NULL;
cleanup:
	free(buf);
	if (!is_stdin)
		close(fd);
	return err;
}

/* What was written, not how many records were read: records for the same
 * digest and path are one entry (Santa's identifier and sha256 rules, a
 * sha256sum --tag line after the plain one). */
static void report(const struct import *im, size_t nfiles)
{
	size_t entries = allowlist_count(im->al);
	uint64_t merged = im->imported - entries;
	char dups[64] = "";

	if (merged)
		snprintf(dups, sizeof(dups), " (%llu duplicate record%s merged)",
			 (unsigned long long)merged, merged == 1 ? "" : "s");
	pr_info("imported %zu entr%s from %zu file%s%s, skipped %llu", entries,
		entries == 1 ? "y" : "ies", nfiles, nfiles == 1 ? "" : "s", dups,
		(unsigned long long)import_skipped(im));
	for (size_t i = 0; i < im->nskips; i++)
		pr_info("  skipped %llu: %s (first at %s)",
			(unsigned long long)im->skips[i].count, im->skips[i].reason,
			im->skips[i].first);
	if (im->pathless)
		pr_warn("%llu %s kept without %s path: not UTF-8",
			(unsigned long long)im->pathless, im->pathless == 1 ? "entry" : "entries",
			im->pathless == 1 ? "its" : "their");
}

/* ---- the command ---------------------------------------------------------------- */

enum {
	OPT_FROM = 256,
	OPT_SERIAL,
	OPT_CREATED,
	OPT_EXPIRES,
	OPT_SOURCE,
	OPT_SKIP_BAD,
};

static const struct cli_opt import_opts[] = {
	{ "from", OPT_FROM, "FORMAT", "sha256sum, keylime, fapolicyd, santa or ima-log (required)" },
	{ "output", 'o', "FILE", "write the allowlist to FILE (atomically) instead of stdout" },
	{ "serial", OPT_SERIAL, "N", "serial number, at most 2^63-1 (default: the created "
	  "time in seconds)" },
	{ "created", OPT_CREATED, "TIME", "created time, RFC 3339 (default: $SOURCE_DATE_EPOCH, "
					  "else now)" },
	{ "expires", OPT_EXPIRES, "TIME", "expiry: RFC 3339, or +<N>d for N days after created" },
	{ "source", OPT_SOURCE, "S", "the entries' source (default: the format's name)" },
	{ "skip-bad", OPT_SKIP_BAD, NULL, "skip malformed lines or entries (each is reported) "
					  "instead of failing" },
	{ 0 },
};

static int run_import(const struct cli_cmd *cmd, int argc, char **argv)
{
	struct import im = { 0 };
	struct abuild_head h = { 0 };
	const char *arg, *output = NULL, *from = NULL;
	enum import_format f = IMPORT_SHA256SUM;
	int c, err, rc = EXIT_USAGE;

	while ((c = cli_next(cmd, argc, argv, &arg)) != CLI_END) {
		switch (c) {
		case OPT_FROM:
			from = arg;
			break;
		case 'o':
			output = arg;
			break;
		case OPT_SERIAL:
			h.serial = arg;
			break;
		case OPT_CREATED:
			h.created = arg;
			break;
		case OPT_EXPIRES:
			h.expires = arg;
			break;
		case OPT_SOURCE:
			if (!*arg || !utf8_valid(arg))
				return cli_usage_error(cmd, "--source must be non-empty UTF-8");
			im.source = arg;
			break;
		case OPT_SKIP_BAD:
			im.skip_bad = true;
			im.verbose = true;
			break;
		case CLI_HELP:
			return EXIT_OK;
		default:
			return EXIT_USAGE;
		}
	}
	if (!from)
		return cli_usage_error(cmd, "--from FORMAT is required");
	if (import_format_parse(from, &f))
		return cli_usage_error(cmd, "unknown format '%s'", from);
	if (optind >= argc)
		return cli_usage_error(cmd, "at least one FILE is required ('-' reads stdin)");

	im.al = allowlist_new();
	if (!im.al) {
		pr_err("out of memory");
		return EXIT_FAIL;
	}
	if (abuild_head_apply(cmd, &h, im.al))
		goto cleanup;
	rc = EXIT_FAIL;
	for (int i = optind; i < argc; i++) {
		char *buf = NULL;
		size_t len = 0;

		if (read_input(argv[i], &buf, &len))
			goto cleanup;
		err = import_buf(&im, f, argv[i], buf, len);
		free(buf);
		if (err) {
			if (err == -EINVAL)
				pr_err("%s", im.err);
			else
				pr_err("cannot import '%s': %s", argv[i], strerror(-err));
			/* the hint only where --skip-bad would get past */
			if (err == -EINVAL && im.malformed)
				pr_err("nothing written (--skip-bad skips malformed lines)");
			goto cleanup;
		}
	}
	report(&im, (size_t)(argc - optind));
	if (!allowlist_count(im.al))
		pr_warn("no entries imported: the allowlist is empty");
	if (abuild_output(im.al, output))
		goto cleanup;
	rc = EXIT_OK;
cleanup:
	allowlist_free(im.al);
	return rc;
}

const struct cli_cmd cmd_allowlist_import = {
	.path = "allowlist import",
	.args = "--from FORMAT [OPTION]... FILE...",
	.summary = "convert sha256sum, Keylime, fapolicyd, Santa or IMA-log hashes into an "
		   "allowlist",
	.run = run_import,
	.opts = import_opts,
	.details =
		"Every FILE is read in FORMAT ('-' is stdin) into one allowlist; docs/import.md\n"
		"describes each format. Entries that are well-formed but unusable (another\n"
		"hash algorithm, a certificate rule, a violation record) are skipped and\n"
		"counted by reason in the summary on stderr. A malformed line or entry is an\n"
		"error naming the file and line (or entry): the command exits 1 and writes\n"
		"nothing. With --skip-bad each malformed line is reported, counted and\n"
		"skipped instead. Input that is not the format at all (not JSON, no rules\n"
		"list) is always an error.",
};
