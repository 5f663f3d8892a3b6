// SPDX-License-Identifier: GPL-2.0-only
/*
 * The strict imaguard-allowlist/1 parser.
 *
 * jansson builds a tree per value; a whole million-entry document as one tree
 * costs several hundred bytes per entry. So the top-level object and the
 * entries array are walked here, and jansson parses each key, each scalar and
 * each unusual entry on its own (JSON_DISABLE_EOF_CHECK tells how many bytes
 * it took). The grammar is still JSON's: jansson checks every token it reads,
 * the fast path (parse_fast.c) reads only a subset whose meaning needs no decoding,
 * and this file checks the braces, brackets, commas and colons between them.
 * Knowing where each entry starts also lets messages name its line.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "allowlist/parse.h"
/* The index is first sized for one entry per this many bytes of file, a
 * fraction of the real count (written entries take 90 bytes or more, real
 * ones about 170), so that a file of long entries does not get tables
 * sized for short ones. */
#define GUESS_ENTRY_LEN 1024
/* Every this many bytes of entries, the parse looks whether the index is
 * about to fill (reserve_ahead): tables grown as entries come end up
 * between half and 3/4 full, sized ahead about 3/4 (a million entries:
 * 22 MB of tables, where powers of two at most half full took 34). */
#define RESERVE_STEP (1u << 20)
/* On a streamed input, an entry is started only once this much of the file
 * past it has arrived, so that the fast path rarely meets the end of what
 * has arrived (where it gives the entry to jansson, which waits for more). */
#define ENTRY_AHEAD (64u << 10)

enum {
	SEEN_FORMAT = 1 << 0,
	SEEN_SERIAL = 1 << 1,
	SEEN_CREATED = 1 << 2,
	SEEN_EXPIRES = 1 << 3,
	SEEN_HASH_ALGO = 1 << 4,
	SEEN_ENTRIES = 1 << 5,
};

static size_t newlines(const char *s, const char *end)
{
	size_t n = 0;

#ifdef __SSE2__
	/* Every byte of the file passes here once, on its way to release. A
	 * byte lane counts down by one per newline (a match is -1) for at most
	 * 255 steps, then the lanes are summed. */
	while (end - s >= 16) {
		__m128i acc = _mm_setzero_si128();

		for (int k = 0; k < 255 && end - s >= 16; k++, s += 16)
			acc = _mm_sub_epi8(acc, _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)s),
							       _mm_set1_epi8('\n')));
		acc = _mm_sad_epu8(acc, _mm_setzero_si128());
		n += (size_t)_mm_cvtsi128_si32(acc) + (size_t)_mm_extract_epi16(acc, 4);
	}
#endif
	for (; s < end; s++)
		n += *s == '\n';
	return n;
}

/* Move the line count to pos. Nothing before the last release is asked
 * for: releases happen only where the count already stands. */
static void count_lines(struct parser *p, size_t pos)
{
	if (pos > p->len)
		pos = p->len;
	if (pos >= p->line_pos)
		p->line += newlines(p->buf + p->line_pos, p->buf + pos);
	else
		p->line -= newlines(p->buf + pos, p->buf + p->line_pos);
	p->line_pos = pos;
}

static size_t line_at(struct parser *p, size_t pos)
{
	count_lines(p, pos);
	return p->line;
}

static int vfail_at(struct parser *p, size_t pos, const char *fmt, va_list ap)
{
	int n;

	if (!p->err || !p->errlen)
		return -EINVAL;
	n = snprintf(p->err, p->errlen, "line %zu: ", line_at(p, pos));
	if (n < 0 || (size_t)n >= p->errlen)
		return -EINVAL;
	vsnprintf(p->err + n, p->errlen - n, fmt, ap);
	return -EINVAL;
}

static int fail_at(struct parser *p, size_t pos, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail_at(struct parser *p, size_t pos, const char *fmt, ...)
{
	va_list ap;
	int err;

	va_start(ap, fmt);
	err = vfail_at(p, pos, fmt, ap);
	va_end(ap);
	return err;
}

/* Wait until the input holds need bytes or has ended; false when nothing
 * more came. */
static bool wait_for(struct parser *p, size_t need)
{
	size_t had = p->len;

	if (p->eof)
		return false;
	p->len = p->rel->more(p->rel->arg, need, &p->eof);
	return p->len > had;
}

static void skip_ws(struct parser *p)
{
	do
		p->pos = skip_ws_at(p->buf, p->len, p->pos);
	while (p->pos == p->len && wait_for(p, p->pos + 1));
}

static char peek(struct parser *p)
{
	if (p->pos == p->len)
		wait_for(p, p->pos + 1);
	return p->pos < p->len ? p->buf[p->pos] : '\0';
}

/* One JSON value at p->pos; jansson reports errors relative to where it
 * started, so its line is shifted to the document's. */
static int next_value(struct parser *p, json_t **out)
{
	json_error_t je;
	size_t start = p->pos;
	json_t *v;

	for (;;) {
		v = json_loadb(p->buf + start, p->len - start,
			       JSON_DECODE_ANY | JSON_DISABLE_EOF_CHECK | JSON_REJECT_DUPLICATES,
			       &je);
		/* A value that fails, or ends where the input does (a number
		 * may go on), may only be cut short: read it again once twice
		 * as much of it has arrived. Only a value that ended before
		 * the input did, or the whole file, gives an answer. */
		if (v && start + (size_t)je.position < p->len)
			break;
		if (!wait_for(p, p->len + (p->len - start) + 1))
			break;
		json_decref(v);
	}
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

static bool hex_digest(struct allowlist_str s, uint8_t out[SHA256_LEN])
{
	return s.len == SHA256_HEX_LEN && parse_fast_hex32(s.p, out);
}

static int print_len(size_t len)
{
	return len < 80 ? (int)len : 80;
}

static int add_entry(struct parser *p, const struct allowlist_item *it, size_t idx, size_t start)
{
	int err = allowlist_add_item(p->al, it);

	if (err == -EEXIST)
		return fail_at(p, start,
			       "entry %zu: conflicts with an earlier entry for the same digest and "
			       "path",
			       idx);
	if (err == -E2BIG)
		return fail_at(p, start, "entry %zu: too many entries", idx);
	return err;
}

static int add_oldest(struct parser *p)
{
	struct pending *q = &p->pipe[p->pipe_head];

	p->pipe_head = (p->pipe_head + 1) % PIPE_DEPTH;
	p->pipe_n--;
	return add_entry(p, &q->it, q->idx, q->start);
}

/* Add the waiting entries, oldest first: the first that fails is the one a
 * parse that added each entry at once would have stopped at. */
static int drain(struct parser *p)
{
	while (p->pipe_n) {
		int err = add_oldest(p);

		if (err) {
			p->pipe_n = 0;
			return err;
		}
	}
	return 0;
}

/* A problem with entry idx, reported only once every earlier entry is in:
 * one of those may fail first. */
static int entry_fail(struct parser *p, size_t start, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int entry_fail(struct parser *p, size_t start, const char *fmt, ...)
{
	va_list ap;
	int err = drain(p);

	if (err)
		return err;
	va_start(ap, fmt);
	err = vfail_at(p, start, fmt, ap);
	va_end(ap);
	return err;
}

/* The checks every entry passes, however it was read. digest.p is NULL when
 * the entry had none; decoded: it->digest holds it already. */
static int check_entry(struct parser *p, size_t idx, size_t start, struct allowlist_str digest,
		       bool decoded, struct allowlist_item *it)
{
	if (!digest.p)
		return entry_fail(p, start, "entry %zu: missing 'digest'", idx);
	if (!decoded && !hex_digest(digest, it->digest))
		return entry_fail(p, start,
				  "entry %zu: bad digest '%.*s': want 64 hex digits (SHA-256)", idx,
				  print_len(digest.len), digest.p);
	if (it->path.p && !it->path.len)
		return entry_fail(p, start, "entry %zu: empty 'path'", idx);
	if (it->bind_path && (!it->path.p || it->path.p[0] != '/'))
		return entry_fail(p, start, "entry %zu: 'bind_path' needs an absolute 'path'", idx);
	return 0;
}

/* An entry through jansson: any valid JSON, and every error it can name. */
static int parse_entry_json(struct parser *p, size_t idx)
{
	size_t start = p->pos;
	struct allowlist_item it = { 0 };
	struct allowlist_str digest = { 0 };
	const char *key;
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
			struct allowlist_str s = { str, str ? strlen(str) : 0 };

			if (!str) {
				err = fail_at(p, start, "entry %zu: '%s' must be a string%s", idx, key,
					      json_is_string(v) ? " without NUL" : "");
				goto cleanup;
			}
			if (key[0] == 'd')
				digest = s;
			else if (key[0] == 'p')
				it.path = s;
			else if (key[0] == 'c')
				it.comment = s;
			else
				it.source = s;
		} else if (!strcmp(key, "bind_path")) {
			if (!json_is_boolean(v)) {
				err = fail_at(p, start, "entry %zu: 'bind_path' must be true or false",
					      idx);
				goto cleanup;
			}
			it.bind_path = json_is_true(v);
		} else {
			err = fail_at(p, start, "entry %zu: unknown field '%.64s'", idx, key);
			goto cleanup;
		}
	}
	err = check_entry(p, idx, start, digest, false, &it);
	if (!err)
		err = add_entry(p, &it, idx, start);
cleanup:
	json_decref(o);
	return err;
}

bool allowlist_parse_fast = true;
size_t allowlist_release_step = 2u << 20;

/*
 * Entries from the fast path are added PIPE_DEPTH entries after they were
 * read, with their index slots asked for at once, so that the memory those
 * probes wait for arrives while the next entries are read. Their strings
 * stay where they are in the buffer, which is not released past the oldest
 * waiting entry. A full ring first adds its oldest entry, which comes before
 * this one in the file anyway.
 */
static int parse_entry(struct parser *p, size_t idx)
{
	struct allowlist_str digest;
	size_t start = p->pos;
	struct pending *q;
	bool decoded;
	int err;

	if (allowlist_parse_fast) {
		if (p->pipe_n == PIPE_DEPTH) {
			err = add_oldest(p);
			if (err)
				return err;
		}
		q = &p->pipe[(p->pipe_head + p->pipe_n) % PIPE_DEPTH];
		if (parse_fast_entry(p, &q->it, &digest, &decoded)) {
			err = check_entry(p, idx, start, digest, decoded, &q->it);
			if (err)
				return err;
			q->idx = idx;
			q->start = start;
			allowlist_item_prefetch(p->al, &q->it);
			p->pipe_n++;
			return 0;
		}
	}
	/* jansson's strings go with its tree: this entry is added at once. */
	err = drain(p);
	return err ? err : parse_entry_json(p, idx);
}

/* Nothing before start is read again: the caller may take it back. */
static void offer_release(struct parser *p, size_t start)
{
	if (!p->rel || start < p->rel_next)
		return;
	count_lines(p, start);
	p->rel->release(p->rel->arg, start);
	p->rel_next = start + allowlist_release_step;
}

/* Once the index would fill within the next two steps, size it for the
 * entries still to come, at the rate of those read so far (and a little
 * more). Late, the rate is the whole file's, and the index is resized once
 * or twice, not at every step as the count ahead moves. A wrong guess costs
 * memory or a rehash, never a result. */
static int reserve_ahead(struct parser *p, size_t n, size_t first)
{
	size_t used = p->pos - first, ahead, per_step;
	int err;

	if (p->size <= p->pos || !used)
		return 0;
	per_step = (size_t)((double)n * RESERVE_STEP / (double)used);
	if (allowlist_holds(p->al, n + 2 * per_step))
		return 0;
	ahead = (size_t)((double)n * (double)(p->size - p->pos) / (double)used);
	err = allowlist_reserve(p->al, n + ahead + ahead / 32 + 2 * per_step);
	return err == -E2BIG ? 0 : err;
}

static int parse_entries(struct parser *p)
{
	size_t idx = 0, first, reserve_next;
	int err;

	err = expect(p, '[', "'entries' must be an array");
	if (err)
		return err;
	first = p->pos;
	reserve_next = first + RESERVE_STEP;
	skip_ws(p);
	if (peek(p) == ']') {
		p->pos++;
		return 0;
	}
	for (;;) {
		skip_ws(p);
		offer_release(p, p->pipe_n ? p->pipe[p->pipe_head].start : p->pos);
		if (p->len - p->pos < ENTRY_AHEAD)
			wait_for(p, p->pos + ENTRY_AHEAD);
		if (p->pos >= reserve_next) {
			err = reserve_ahead(p, idx, first);
			if (err)
				return err;
			reserve_next = p->pos + RESERVE_STEP;
		}
		err = parse_entry(p, idx++);
		if (err)
			return err;
		skip_ws(p);
		if (peek(p) == ',') {
			p->pos++;
			continue;
		}
		err = drain(p);
		return err ? err : expect(p, ']', "expected ',' or ']' after an entry");
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
		return parse_entries(p);

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

int allowlist_parse_releasing(const void *buf, size_t len, const struct allowlist_release *rel,
			      struct allowlist **out, char *err, size_t errlen)
{
	bool streamed = rel && rel->more;
	struct parser p = {
		.buf = buf, .len = streamed ? 0 : len, .eof = !streamed, .size = len,
		.err = err, .errlen = errlen, .line = 1, .rel = rel,
	};
	struct allowlist *al;
	int rc;

	if (err && errlen)
		err[0] = '\0';
	al = allowlist_new();
	if (!al)
		return -ENOMEM;
	p.al = al;
	rc = allowlist_reserve(al, len / GUESS_ENTRY_LEN + 1);
	if (!rc)
		rc = parse_document(&p, al);
	if (rc) {
		if (rc == -ENOMEM && err && errlen)
			snprintf(err, errlen, "out of memory");
		allowlist_free(al);
		return rc;
	}
	allowlist_trim(al);
	*out = al;
	return 0;
}

int allowlist_parse(const void *buf, size_t len, struct allowlist **out, char *err, size_t errlen)
{
	return allowlist_parse_releasing(buf, len, NULL, out, err, errlen);
}

