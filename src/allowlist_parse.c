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
	char *scratch;		/* the fast path's copies of one entry's strings */
	size_t scratch_size;
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

/* The checks every entry passes, however it was read. digest is the hex
 * text, NULL when the entry had none. */
static int finish_entry(struct parser *p, struct allowlist *al, size_t idx, size_t start,
			const char *digest, struct allowlist_entry *e)
{
	int err;

	if (!digest)
		return fail_at(p, start, "entry %zu: missing 'digest'", idx);
	if (digest_from_hex(digest, strlen(digest), e->digest))
		return fail_at(p, start, "entry %zu: bad digest '%.80s': want 64 hex digits (SHA-256)",
			       idx, digest);
	if (e->path && !e->path[0])
		return fail_at(p, start, "entry %zu: empty 'path'", idx);
	if (e->bind_path && (!e->path || e->path[0] != '/'))
		return fail_at(p, start, "entry %zu: 'bind_path' needs an absolute 'path'", idx);
	err = allowlist_add_checked(al, e);
	if (err == -EEXIST)
		return fail_at(p, start,
			       "entry %zu: conflicts with an earlier entry for the same digest and "
			       "path",
			       idx);
	if (err == -E2BIG)
		return fail_at(p, start, "entry %zu: too many entries", idx);
	return err;
}

/* An entry through jansson: any valid JSON, and every error it can name. */
static int parse_entry_json(struct parser *p, struct allowlist *al, size_t idx)
{
	size_t start = p->pos;
	struct allowlist_entry e = { 0 };
	const char *key, *digest = NULL;
	json_t *o = NULL, *v;
	int err;

	err = next_value(p, &o);
	if (err)
		return err;
	if (!json_is_object(o)) {
		err = fail_at(p, start, "entry %zu: not an object", idx);
		goto cleanup;
	}
	json_object_foreach(o, key, v) {
		if (!strcmp(key, "digest") || !strcmp(key, "path") || !strcmp(key, "comment") ||
		    !strcmp(key, "source")) {
			const char *str = plain_string(v);

			if (!str) {
				err = fail_at(p, start, "entry %zu: '%s' must be a string%s", idx, key,
					      json_is_string(v) ? " without NUL" : "");
				goto cleanup;
			}
			if (key[0] == 'd')
				digest = str;
			else if (key[0] == 'p')
				e.path = (char *)str;
			else if (key[0] == 'c')
				e.comment = (char *)str;
			else
				e.source = (char *)str;
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
	err = finish_entry(p, al, idx, start, digest, &e);
cleanup:
	json_decref(o);
	return err;
}

/*
 * The fast path, for the entries that writers actually produce: an object of
 * known keys, each once, whose values are strings of printable ASCII without
 * escapes, or true/false. That is a subset of JSON whose meaning needs no
 * decoding, so reading it here gives what jansson would give. Anything else
 * (an escape, a byte outside printable ASCII, a number, a repeated or unknown
 * key, a syntax error) returns false with p->pos untouched, and jansson reads
 * the entry and names the problem. jansson costs a few microseconds an entry;
 * a million-entry list would spend seconds there.
 */
static bool fast_string(struct parser *p, size_t *pos, size_t *from, size_t *len)
{
	size_t i = *pos;

	if (i >= p->len || p->buf[i] != '"')
		return false;
	*from = ++i;
	while (i < p->len) {
		unsigned char c = (unsigned char)p->buf[i];

		if (c == '"') {
			*len = i - *from;
			*pos = i + 1;
			return true;
		}
		if (c < 0x20 || c > 0x7e || c == '\\')
			return false;
		i++;
	}
	return false;
}

static void fast_ws(const struct parser *p, size_t *pos)
{
	while (*pos < p->len && (p->buf[*pos] == ' ' || p->buf[*pos] == '\t' ||
				 p->buf[*pos] == '\n' || p->buf[*pos] == '\r'))
		(*pos)++;
}

enum { F_DIGEST, F_PATH, F_COMMENT, F_SOURCE, F_BIND, F_MAX };
static const char *const fast_keys[F_MAX] = { "digest", "path", "comment", "source", "bind_path" };

static bool parse_entry_fast(struct parser *p, struct allowlist_entry *e, char **digest)
{
	size_t pos = p->pos, from[F_MAX], len[F_MAX], need = 0;
	unsigned int seen = 0;
	bool bind = false;
	char *out;

	if (pos >= p->len || p->buf[pos++] != '{')
		return false;
	for (;;) {
		size_t kf, kl;
		int k;

		fast_ws(p, &pos);
		if (!fast_string(p, &pos, &kf, &kl))
			return false;
		for (k = 0; k < F_MAX; k++)
			if (kl == strlen(fast_keys[k]) && !memcmp(p->buf + kf, fast_keys[k], kl))
				break;
		if (k == F_MAX || (seen & 1u << k))
			return false;
		seen |= 1u << k;
		fast_ws(p, &pos);
		if (pos >= p->len || p->buf[pos++] != ':')
			return false;
		fast_ws(p, &pos);
		if (k == F_BIND) {
			if (p->len - pos >= 4 && !memcmp(p->buf + pos, "true", 4)) {
				bind = true;
				pos += 4;
			} else if (p->len - pos >= 5 && !memcmp(p->buf + pos, "false", 5)) {
				pos += 5;
			} else {
				return false;
			}
		} else {
			if (!fast_string(p, &pos, &from[k], &len[k]))
				return false;
			need += len[k] + 1;
		}
		fast_ws(p, &pos);
		if (pos >= p->len)
			return false;
		if (p->buf[pos] == '}')
			break;
		if (p->buf[pos++] != ',')
			return false;
	}
	/* The strings get their NULs in the scratch buffer, which the entry
	 * borrows until allowlist_add copies it. */
	if (need > p->scratch_size) {
		char *n = realloc(p->scratch, need);

		if (!n)
			return false;
		p->scratch = n;
		p->scratch_size = need;
	}
	out = p->scratch;
	memset(e, 0, sizeof(*e));
	*digest = NULL;
	for (int k = 0; k < F_BIND; k++) {
		char *str;

		if (!(seen & 1u << k))
			continue;
		str = out;
		memcpy(out, p->buf + from[k], len[k]);
		out[len[k]] = '\0';
		out += len[k] + 1;
		if (k == F_DIGEST)
			*digest = str;
		else if (k == F_PATH)
			e->path = str;
		else if (k == F_COMMENT)
			e->comment = str;
		else
			e->source = str;
	}
	e->bind_path = bind;
	p->pos = pos + 1;
	return true;
}

bool allowlist_parse_fast = true;

static int parse_entry(struct parser *p, struct allowlist *al, size_t idx)
{
	struct allowlist_entry e;
	size_t start = p->pos;
	char *digest;

	if (allowlist_parse_fast && parse_entry_fast(p, &e, &digest))
		return finish_entry(p, al, idx, start, digest, &e);
	return parse_entry_json(p, al, idx);
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
	/* An entry as written takes 90 bytes or more; a wrong guess costs only
	 * a rehash or some unused slots, and the cap keeps a huge file of
	 * whitespace from reserving much. */
	rc = allowlist_reserve(al, len / 90 + 1 < (1u << 21) ? len / 90 + 1 : (1u << 21));
	if (!rc)
		rc = parse_document(&p, al);
	free(p.scratch);
	if (rc) {
		if (rc == -ENOMEM && err && errlen)
			snprintf(err, errlen, "out of memory");
		allowlist_free(al);
		return rc;
	}
	*out = al;
	return 0;
}
