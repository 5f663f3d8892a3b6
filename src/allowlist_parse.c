// SPDX-License-Identifier: GPL-2.0-only
/*
 * The strict imaguard-allowlist/1 parser.
 *
 * jansson builds a tree per value; a whole million-entry document as one tree
 * costs several hundred bytes per entry. So the top-level object and the
 * entries array are walked here, and jansson parses each key, each scalar and
 * each entry object on its own (JSON_DISABLE_EOF_CHECK tells how many bytes it
 * took). The grammar is still JSON's: jansson checks every token, this file
 * checks only the braces, brackets, commas and colons between them. Knowing
 * where each entry starts also lets messages name its line.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "allowlist_priv.h"

struct parser {
	const char *buf;
	size_t len, pos;
	char *err;
	size_t errlen;
};

enum {
	SEEN_FORMAT = 1 << 0,
	SEEN_SERIAL = 1 << 1,
	SEEN_CREATED = 1 << 2,
	SEEN_EXPIRES = 1 << 3,
	SEEN_HASH_ALGO = 1 << 4,
	SEEN_ENTRIES = 1 << 5,
};

static size_t line_at(const struct parser *p, size_t pos)
{
	size_t line = 1;

	for (size_t i = 0; i < pos && i < p->len; i++)
		line += p->buf[i] == '\n';
	return line;
}

static int fail_at(struct parser *p, size_t pos, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail_at(struct parser *p, size_t pos, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!p->err || !p->errlen)
		return -EINVAL;
	n = snprintf(p->err, p->errlen, "line %zu: ", line_at(p, pos));
	if (n < 0 || (size_t)n >= p->errlen)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(p->err + n, p->errlen - n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static void skip_ws(struct parser *p)
{
	while (p->pos < p->len) {
		char c = p->buf[p->pos];

		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			break;
		p->pos++;
	}
}

static char peek(const struct parser *p)
{
	return p->pos < p->len ? p->buf[p->pos] : '\0';
}

/* One JSON value at p->pos; jansson reports errors relative to where it
 * started, so its line is shifted to the document's. */
static int next_value(struct parser *p, json_t **out)
{
	json_error_t je;
	size_t start = p->pos;
	json_t *v;

	v = json_loadb(p->buf + start, p->len - start,
		       JSON_DECODE_ANY | JSON_DISABLE_EOF_CHECK | JSON_REJECT_DUPLICATES, &je);
	if (!v) {
		size_t line = line_at(p, start) + (je.line > 1 ? (size_t)je.line - 1 : 0);

		if (p->err)
			snprintf(p->err, p->errlen, "line %zu: invalid JSON: %s", line, je.text);
		return -EINVAL;
	}
	p->pos = start + (size_t)je.position;
	*out = v;
	return 0;
}

static int expect(struct parser *p, char c, const char *what)
{
	skip_ws(p);
	if (peek(p) != c) {
		if (p->pos >= p->len)
			return fail_at(p, p->pos, "invalid JSON: unexpected end of input, %s", what);
		return fail_at(p, p->pos, "invalid JSON: %s", what);
	}
	p->pos++;
	return 0;
}

/* A JSON string without NUL bytes (a C string cannot carry them). */
static const char *plain_string(json_t *v)
{
	const char *s = json_string_value(v);

	if (!s || strlen(s) != json_string_length(v))
		return NULL;
	return s;
}

static int parse_entry(struct parser *p, struct allowlist *al, size_t idx)
{
	size_t start = p->pos;
	struct allowlist_entry e = { 0 };
	const char *key;
	json_t *o = NULL, *v;
	bool have_digest = false;
	int err;

	err = next_value(p, &o);
	if (err)
		return err;
	if (!json_is_object(o)) {
		err = fail_at(p, start, "entry %zu: not an object", idx);
		goto cleanup;
	}
	json_object_foreach(o, key, v) {
		if (!strcmp(key, "digest")) {
			const char *s = plain_string(v);

			if (!s) {
				err = fail_at(p, start, "entry %zu: 'digest' must be a string", idx);
				goto cleanup;
			}
			if (digest_from_hex(s, strlen(s), e.digest)) {
				err = fail_at(p, start,
					      "entry %zu: bad digest '%.80s': want 64 hex digits "
					      "(SHA-256)",
					      idx, s);
				goto cleanup;
			}
			have_digest = true;
		} else if (!strcmp(key, "path") || !strcmp(key, "comment") ||
			   !strcmp(key, "source")) {
			const char *s = plain_string(v);

			if (!s) {
				err = fail_at(p, start, "entry %zu: '%s' must be a string without NUL",
					      idx, key);
				goto cleanup;
			}
			if (!strcmp(key, "path"))
				e.path = (char *)s;
			else if (!strcmp(key, "comment"))
				e.comment = (char *)s;
			else
				e.source = (char *)s;
		} else if (!strcmp(key, "bind_path")) {
			if (!json_is_boolean(v)) {
				err = fail_at(p, start, "entry %zu: 'bind_path' must be true or false",
					      idx);
				goto cleanup;
			}
			e.bind_path = json_is_true(v);
		} else {
			err = fail_at(p, start, "entry %zu: unknown field '%.64s'", idx, key);
			goto cleanup;
		}
	}
	if (!have_digest) {
		err = fail_at(p, start, "entry %zu: missing 'digest'", idx);
		goto cleanup;
	}
	if (e.path && !e.path[0]) {
		err = fail_at(p, start, "entry %zu: empty 'path'", idx);
		goto cleanup;
	}
	if (e.bind_path && (!e.path || e.path[0] != '/')) {
		err = fail_at(p, start, "entry %zu: 'bind_path' needs an absolute 'path'", idx);
		goto cleanup;
	}
	err = allowlist_add_checked(al, &e);
	if (err == -EEXIST)
		err = fail_at(p, start,
			      "entry %zu: conflicts with an earlier entry for the same digest "
			      "and path",
			      idx);
	else if (err == -E2BIG)
		err = fail_at(p, start, "entry %zu: too many entries", idx);
cleanup:
	json_decref(o);
	return err;
}

static int parse_entries(struct parser *p, struct allowlist *al)
{
	size_t idx = 0;
	int err;

	err = expect(p, '[', "'entries' must be an array");
	if (err)
		return err;
	skip_ws(p);
	if (peek(p) == ']') {
		p->pos++;
		return 0;
	}
	for (;;) {
		skip_ws(p);
		err = parse_entry(p, al, idx++);
		if (err)
			return err;
		skip_ws(p);
		if (peek(p) == ',') {
			p->pos++;
			continue;
		}
		return expect(p, ']', "expected ',' or ']' after an entry");
	}
}

static int parse_field(struct parser *p, struct allowlist *al, const char *key, unsigned *seen)
{
	size_t start = p->pos;
	json_t *v = NULL;
	unsigned bit;
	int err;

	if (!strcmp(key, "format"))
		bit = SEEN_FORMAT;
	else if (!strcmp(key, "serial"))
		bit = SEEN_SERIAL;
	else if (!strcmp(key, "created"))
		bit = SEEN_CREATED;
	else if (!strcmp(key, "expires"))
		bit = SEEN_EXPIRES;
	else if (!strcmp(key, "hash_algo"))
		bit = SEEN_HASH_ALGO;
	else if (!strcmp(key, "entries"))
		bit = SEEN_ENTRIES;
	else
		return fail_at(p, start, "unknown field '%.64s'", key);
	if (*seen & bit)
		return fail_at(p, start, "duplicate field '%s'", key);
	*seen |= bit;

	if (bit == SEEN_ENTRIES)
		return parse_entries(p, al);

	err = next_value(p, &v);
	if (err)
		return err;
	switch (bit) {
	case SEEN_FORMAT:
		if (!json_is_string(v) || strcmp(json_string_value(v), ALLOWLIST_FORMAT))
			err = fail_at(p, start, "unsupported format: want \"%s\"", ALLOWLIST_FORMAT);
		break;
	case SEEN_HASH_ALGO:
		if (!json_is_string(v) || strcmp(json_string_value(v), ALLOWLIST_HASH_ALGO))
			err = fail_at(p, start, "unsupported 'hash_algo': want \"%s\"",
				      ALLOWLIST_HASH_ALGO);
		break;
	case SEEN_SERIAL:
		if (!json_is_integer(v) || json_integer_value(v) < 0)
			err = fail_at(p, start, "'serial' must be a non-negative integer");
		else
			allowlist_set_serial(al, (uint64_t)json_integer_value(v));
		break;
	case SEEN_CREATED:
	case SEEN_EXPIRES: {
		const char *s = plain_string(v);

		if (!s)
			err = fail_at(p, start, "'%s' must be a string", key);
		else if (bit == SEEN_CREATED ? allowlist_set_created(al, s)
					     : allowlist_set_expires(al, s))
			err = fail_at(p, start, "'%s' is not an RFC 3339 date-time: '%.64s'", key,
				      s);
		break;
	}
	}
	json_decref(v);
	return err;
}

static const struct {
	unsigned int bit;
	const char *name;
} required[] = {
	{ SEEN_FORMAT, "format" },
	{ SEEN_SERIAL, "serial" },
	{ SEEN_HASH_ALGO, "hash_algo" },
	{ SEEN_ENTRIES, "entries" },
};

static int parse_document(struct parser *p, struct allowlist *al)
{
	unsigned seen = 0;
	int err;

	err = expect(p, '{', "the document must be a JSON object");
	if (err)
		return err;
	skip_ws(p);
	if (peek(p) == '}') {
		p->pos++;
	} else {
		for (;;) {
			json_t *k = NULL;
			size_t kpos;

			skip_ws(p);
			kpos = p->pos;
			if (peek(p) != '"')
				return fail_at(p, kpos, "invalid JSON: expected a field name");
			err = next_value(p, &k);
			if (err)
				return err;
			if (!json_is_string(k)) {
				json_decref(k);
				return fail_at(p, kpos, "invalid JSON: expected a field name");
			}
			err = expect(p, ':', "expected ':' after a field name");
			if (!err) {
				skip_ws(p);
				err = parse_field(p, al, json_string_value(k), &seen);
			}
			json_decref(k);
			if (err)
				return err;
			skip_ws(p);
			if (peek(p) == ',') {
				p->pos++;
				continue;
			}
			err = expect(p, '}', "expected ',' or '}' after a field");
			if (err)
				return err;
			break;
		}
	}
	skip_ws(p);
	if (p->pos != p->len)
		return fail_at(p, p->pos, "trailing bytes after the document");
	/* A missing field has no line to name. */
	for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
		if (!(seen & required[i].bit)) {
			if (p->err)
				snprintf(p->err, p->errlen, "missing '%s'", required[i].name);
			return -EINVAL;
		}
	}
	return 0;
}

int allowlist_parse(const void *buf, size_t len, struct allowlist **out, char *err,
		    size_t errlen)
{
	struct parser p = { .buf = buf, .len = len, .err = err, .errlen = errlen };
	struct allowlist *al;
	int rc;

	if (err && errlen)
		err[0] = '\0';
	al = allowlist_new();
	if (!al)
		return -ENOMEM;
	rc = parse_document(&p, al);
	if (rc) {
		if (rc == -ENOMEM && err && errlen)
			snprintf(err, errlen, "out of memory");
		allowlist_free(al);
		return rc;
	}
	*out = al;
	return 0;
}
