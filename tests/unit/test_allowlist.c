// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "allowlist/priv.h"
#include "util/fileio.h"
#include "crypto/sig.h"
#include "util/rfc3339.h"
#include "tmpdir.h"

static void mkdigest(uint8_t d[SHA256_LEN], unsigned int seed)
{
	for (int i = 0; i < SHA256_LEN; i++)
		d[i] = (uint8_t)(seed * 131 + i * 7 + (seed >> 8));
}

static char *write_to_string(const struct allowlist *al)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(allowlist_write(al, f), 0);
	fclose(f);
	return buf;
}

static void test_allowlist_add_merges_identical(void **state)
{
	struct allowlist *al = allowlist_new();
	struct allowlist_entry e = { .path = "/usr/bin/ls", .source = "coreutils 9.1" };

	(void)state;
	mkdigest(e.digest, 1);
	assert_int_equal(allowlist_add(al, &e), 0);
	assert_int_equal(allowlist_add(al, &e), 0);
	assert_int_equal(allowlist_count(al), 1);
	allowlist_free(al);
}

static void test_allowlist_add_refuses_conflict(void **state)
{
	struct allowlist *al = allowlist_new();
	struct allowlist_entry e = { .path = "/usr/bin/ls", .source = "coreutils 9.1" };

	(void)state;
	mkdigest(e.digest, 1);
	assert_int_equal(allowlist_add(al, &e), 0);
	e.source = "coreutils 9.2";
	assert_int_equal(allowlist_add(al, &e), -EEXIST);
	e.source = "coreutils 9.1";
	e.bind_path = true;
	assert_int_equal(allowlist_add(al, &e), -EEXIST);
	e.comment = "x";
	e.bind_path = false;
	assert_int_equal(allowlist_add(al, &e), -EEXIST);
	/* Same digest at another path is another entry, not a conflict. */
	e.comment = NULL;
	e.path = "/bin/ls";
	assert_int_equal(allowlist_add(al, &e), 0);
	assert_int_equal(allowlist_count(al), 2);
	allowlist_free(al);
}

static void test_allowlist_add_refuses_bad_entries(void **state)
{
	struct allowlist *al = allowlist_new();
	struct allowlist_entry e = { .bind_path = true };

	(void)state;
	assert_int_equal(allowlist_add(al, &e), -EINVAL);	/* bind_path without path */
	e.path = "relative/ls";
	assert_int_equal(allowlist_add(al, &e), -EINVAL);
	e.bind_path = false;
	e.path = "";
	assert_int_equal(allowlist_add(al, &e), -EINVAL);
	e.path = "/bad\xff";
	assert_int_equal(allowlist_add(al, &e), -EINVAL);
	assert_int_equal(allowlist_count(al), 0);
	allowlist_free(al);
}

static void test_allowlist_write_deterministic(void **state)
{
	struct allowlist *a = allowlist_new(), *b = allowlist_new();
	struct allowlist_entry e = { 0 };
	char *sa, *sb;
	static const char *paths[] = { "/b", "/a", NULL, "/c" };

	(void)state;
	allowlist_set_serial(a, 7);
	allowlist_set_serial(b, 7);
	assert_int_equal(allowlist_set_created(a, "2026-01-02T03:04:05Z"), 0);
	assert_int_equal(allowlist_set_created(b, "2026-01-02T03:04:05Z"), 0);
	for (int i = 0; i < 40; i++) {
		mkdigest(e.digest, (unsigned int)(i % 10));
		e.path = (char *)paths[i % 4];
		e.bind_path = e.path && (i % 10 + i % 4) % 3 == 0;
		e.comment = e.bind_path ? "bound" : NULL;
		assert_int_equal(allowlist_add(a, &e), 0);
	}
	for (int i = 39; i >= 0; i--) {
		mkdigest(e.digest, (unsigned int)(i % 10));
		e.path = (char *)paths[i % 4];
		e.bind_path = e.path && (i % 10 + i % 4) % 3 == 0;
		e.comment = e.bind_path ? "bound" : NULL;
		assert_int_equal(allowlist_add(b, &e), 0);
	}
	sa = write_to_string(a);
	sb = write_to_string(b);
	assert_string_equal(sa, sb);
	assert_non_null(strstr(sa, "\"format\": \"imaguard-allowlist/1\""));
	assert_non_null(strstr(sa, "\"bind_path\": true"));
	assert_null(strstr(sa, "\"bind_path\": false"));
	assert_null(strstr(sa, "expires"));
	free(sa);
	free(sb);
	allowlist_free(a);
	allowlist_free(b);
}

static void test_allowlist_write_key_order(void **state)
{
	struct allowlist *al = allowlist_new();
	struct allowlist_entry e = { .path = "/p", .comment = "c", .source = "s", .bind_path = true };
	char *s;

	(void)state;
	memset(e.digest, 0xab, SHA256_LEN);
	allowlist_set_serial(al, 3);
	assert_int_equal(allowlist_set_created(al, "2026-01-02T03:04:05Z"), 0);
	assert_int_equal(allowlist_set_expires(al, "2027-01-02T03:04:05Z"), 0);
	assert_int_equal(allowlist_add(al, &e), 0);
	s = write_to_string(al);
	assert_string_equal(s, "{\n"
			       "  \"format\": \"imaguard-allowlist/1\",\n"
			       "  \"serial\": 3,\n"
			       "  \"created\": \"2026-01-02T03:04:05Z\",\n"
			       "  \"expires\": \"2027-01-02T03:04:05Z\",\n"
			       "  \"hash_algo\": \"sha256\",\n"
			       "  \"entries\": [\n"
			       "    {\"digest\": \"abababababababababababababababababababab"
			       "abababababababababababab\", \"path\": \"/p\", \"comment\": \"c\", "
			       "\"source\": \"s\", \"bind_path\": true}\n"
			       "  ]\n"
			       "}\n");
	free(s);
	allowlist_free(al);
}

static void test_allowlist_lookup_pathfree_and_bound(void **state)
{
	struct allowlist *al = allowlist_new();
	struct allowlist_entry e = { .path = "/usr/bin/a", .bind_path = true };
	uint8_t d1[SHA256_LEN], d2[SHA256_LEN], d3[SHA256_LEN];

	(void)state;
	mkdigest(d1, 1);
	mkdigest(d2, 2);
	mkdigest(d3, 3);
	memcpy(e.digest, d1, SHA256_LEN);
	assert_int_equal(allowlist_add(al, &e), 0);
	e.path = "/usr/bin/b";
	e.bind_path = false;
	memcpy(e.digest, d2, SHA256_LEN);
	assert_int_equal(allowlist_add(al, &e), 0);

	assert_non_null(allowlist_lookup(al, d1, "/usr/bin/a"));
	assert_null(allowlist_lookup(al, d1, "/usr/bin/b"));
	assert_null(allowlist_lookup(al, d1, NULL));
	assert_null(allowlist_lookup(al, d1, "/usr/bin/a/"));
	/* path-free: the path is information, the digest allows anywhere */
	assert_non_null(allowlist_lookup(al, d2, "/elsewhere"));
	assert_non_null(allowlist_lookup(al, d2, NULL));
	assert_null(allowlist_lookup(al, d3, "/usr/bin/a"));
	allowlist_free(al);
}

static void test_allowlist_rfc3339(void **state)
{
	time_t t;

	(void)state;
	assert_int_equal(rfc3339_parse("1970-01-01T00:00:00Z", &t), 0);
	assert_int_equal(t, 0);
	assert_int_equal(rfc3339_parse("1970-01-01T01:00:00+01:00", &t), 0);
	assert_int_equal(t, 0);
	assert_int_equal(rfc3339_parse("2024-02-29T00:00:00.123456789Z", &t), 0);
	assert_int_equal(rfc3339_parse("2023-02-29T00:00:00Z", &t), -EINVAL);
	assert_int_equal(rfc3339_parse("2023-01-01 00:00:00Z", &t), -EINVAL);
	assert_int_equal(rfc3339_parse("2023-01-01T00:00:00", &t), -EINVAL);
	assert_int_equal(rfc3339_parse("2023-01-01T00:00:00Zx", &t), -EINVAL);
	assert_int_equal(rfc3339_parse("2023-13-01T00:00:00Z", &t), -EINVAL);
	assert_int_equal(rfc3339_parse("2023-01-01T24:00:00Z", &t), -EINVAL);
	assert_int_equal(rfc3339_parse("2023-01-01T00:00:00.Z", &t), -EINVAL);
}

#define D64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define HDR "{\"format\":\"imaguard-allowlist/1\",\"serial\":5,\"hash_algo\":\"sha256\","

/*
 * A streamed parse whose bytes arrive step at a time, fewer than it asks
 * for, so that every value and every entry meets the end of what has
 * arrived somewhere: it must still give what a parse of the whole gives.
 */
struct trickle {
	size_t len, have, step, calls;
};

static size_t trickle_more(void *arg, size_t need, bool *eof)
{
	struct trickle *t = arg;

	(void)need;
	t->have = t->len - t->have > t->step ? t->have + t->step : t->len;
	*eof = t->have == t->len;
	t->calls++;
	return t->have;
}

static void keep_all(void *arg, size_t upto)
{
	(void)arg;
	(void)upto;
}

static const size_t trickle_steps[] = { 1, 2, 7, 64 };

static int parse_trickled(const char *doc, size_t step, struct allowlist **al, char *why,
			  size_t whylen)
{
	struct trickle t = { .len = strlen(doc), .step = step };
	struct allowlist_release rel = { .release = keep_all, .more = trickle_more, .arg = &t };
	int err = allowlist_parse_releasing(doc, t.len, &rel, al, why, whylen);

	/* a document taken is read to its end, a step at a time */
	assert_true(err || t.calls >= t.len / step);
	return err;
}

/* Each document is parsed with and without the fast path, and streamed:
 * all must agree, down to the document they write back. */
static struct allowlist *parse_ok(const char *doc)
{
	struct allowlist *al = NULL;
	char why[256], *slow, *fast;
	int err;

	allowlist_parse_fast = false;
	err = allowlist_parse(doc, strlen(doc), &al, why, sizeof(why));
	allowlist_parse_fast = true;
	if (err)
		fail_msg("unexpected rejection without the fast path: %s", why);
	slow = write_to_string(al);
	allowlist_free(al);
	for (size_t i = 0; i < sizeof(trickle_steps) / sizeof(trickle_steps[0]); i++) {
		char *streamed;

		err = parse_trickled(doc, trickle_steps[i], &al, why, sizeof(why));
		if (err)
			fail_msg("unexpected rejection streamed %zu bytes at a time: %s",
				 trickle_steps[i], why);
		streamed = write_to_string(al);
		assert_string_equal(slow, streamed);
		free(streamed);
		allowlist_free(al);
	}
	err = allowlist_parse(doc, strlen(doc), &al, why, sizeof(why));
	if (err)
		fail_msg("unexpected rejection: %s", why);
	fast = write_to_string(al);
	assert_string_equal(slow, fast);
	free(slow);
	free(fast);
	return al;
}

/* The document must be refused, with a message containing want, and the
 * same message when streamed. */
static void parse_bad(const char *doc, const char *want)
{
	for (int fast = 0; fast < 2; fast++) {
		struct allowlist *al = NULL;
		char why[256], swhy[256];
		int err;

		allowlist_parse_fast = fast;
		err = allowlist_parse(doc, strlen(doc), &al, why, sizeof(why));
		if (!err)
			fail_msg("accepted: %s", doc);
		assert_int_equal(err, -EINVAL);
		assert_null(al);
		if (!strstr(why, want))
			fail_msg("message '%s' lacks '%s' (fast path %s)", why, want,
				 fast ? "on" : "off");
		for (size_t i = 0; i < sizeof(trickle_steps) / sizeof(trickle_steps[0]); i++) {
			err = parse_trickled(doc, trickle_steps[i], &al, swhy, sizeof(swhy));
			assert_int_equal(err, -EINVAL);
			assert_null(al);
			if (strcmp(why, swhy))
				fail_msg("streamed %zu bytes at a time: '%s', whole: '%s'",
					 trickle_steps[i], swhy, why);
		}
		allowlist_parse_fast = true;
	}
}

static void test_allowlist_parse_minimal(void **state)
{
	struct allowlist *al;
	uint8_t d[SHA256_LEN];

	(void)state;
	al = parse_ok(HDR "\"entries\":[{\"digest\":\"" D64 "\"}]}");
	assert_int_equal(allowlist_count(al), 1);
	assert_int_equal(allowlist_serial(al), 5);
	assert_true(allowlist_has_serial(al));
	assert_null(allowlist_created(al));
	assert_null(allowlist_expires(al));
	assert_int_equal(digest_from_hex(D64, 64, d), 0);
	assert_non_null(allowlist_lookup(al, d, "/anything"));
	allowlist_free(al);
	al = parse_ok(" \n" HDR "\"entries\":[]} \n\t");
	assert_int_equal(allowlist_count(al), 0);
	allowlist_free(al);
}

static void test_allowlist_parse_uppercase_digest(void **state)
{
	struct allowlist *al;
	char *out;

	(void)state;
	al = parse_ok(HDR "\"entries\":[{\"digest\":\"0123456789ABCDEF0123456789abcdef0123456789a"
		      "bcdef0123456789abcdef\",\"path\":\"/x\"}]}");
	out = write_to_string(al);
	assert_non_null(strstr(out, D64));
	free(out);
	allowlist_free(al);
}

static void test_allowlist_parse_roundtrip(void **state)
{
	struct allowlist *al;
	char *a, *b;

	(void)state;
	al = parse_ok("{\"entries\":[{\"path\":\"/b\",\"digest\":\"" D64 "\",\"bind_path\":true,"
		      "\"source\":\"s\",\"comment\":\"c \\u00e9\"},{\"digest\":\"" D64 "\","
		      "\"bind_path\":false}],\"hash_algo\":\"sha256\",\"expires\":"
		      "\"2030-01-01T00:00:00+02:00\",\"created\":\"2026-01-01T00:00:00Z\","
		      "\"serial\":9,\"format\":\"imaguard-allowlist/1\"}");
	a = write_to_string(al);
	allowlist_free(al);
	al = parse_ok(a);
	b = write_to_string(al);
	assert_string_equal(a, b);
	assert_int_equal(allowlist_count(al), 2);
	free(a);
	free(b);
	allowlist_free(al);
}

static void test_allowlist_parse_rejects_json(void **state)
{
	(void)state;
	parse_bad("", "unexpected end of input");
	parse_bad("[]", "must be a JSON object");
	parse_bad(HDR "\"entries\":[]}x", "trailing bytes");
	parse_bad(HDR "\"entries\":[]}{}", "trailing bytes");
	parse_bad(HDR "\"entries\":[],}", "expected a field name");
	parse_bad(HDR "\"entries\":[{\"digest\":\"" D64 "\"},]}", "invalid JSON");
	parse_bad(HDR "\"entries\":[{\"digest\":\"" D64 "\"}", "unexpected end");
	parse_bad(HDR "\"entries\":[{\"digest\":\"" D64 "\",\"digest\":\"" D64 "\"}]}",
		  "duplicate object key");
	parse_bad(HDR "\"serial\":6,\"entries\":[]}", "duplicate field 'serial'");
	parse_bad(HDR "\"entries\":[],\"entries\":[]}", "duplicate field 'entries'");
	parse_bad(HDR "\"entries\":[{\"digest\":\"" D64 "\",\"path\":\"/a\\u0000b\"}]}",
		  "invalid JSON");
	parse_bad(HDR "\"entries\":[{\"digest\":\"" D64 "\",\"path\":\"/\xff\"}]}",
		  "invalid JSON");
}

static void test_allowlist_parse_rejects_header(void **state)
{
	(void)state;
	parse_bad("{\"format\":\"imaguard-allowlist/2\",\"serial\":1,\"hash_algo\":\"sha256\","
		  "\"entries\":[]}",
		  "unsupported format");
	parse_bad("{\"format\":\"imaguard-allowlist/1\",\"serial\":1,\"hash_algo\":\"sha1\","
		  "\"entries\":[]}",
		  "unsupported 'hash_algo'");
	parse_bad("{\"format\":\"imaguard-allowlist/1\",\"hash_algo\":\"sha256\",\"entries\":[]}",
		  "missing 'serial'");
	parse_bad("{\"serial\":1,\"hash_algo\":\"sha256\",\"entries\":[]}", "missing 'format'");
	parse_bad("{\"format\":\"imaguard-allowlist/1\",\"serial\":1,\"entries\":[]}",
		  "missing 'hash_algo'");
	parse_bad(HDR "\"x\":1,\"entries\":[]}", "unknown field 'x'");
	parse_bad(HDR "\"entries\":{}}", "'entries' must be an array");
	parse_bad("{\"format\":\"imaguard-allowlist/1\",\"serial\":\"1\",\"hash_algo\":\"sha256\","
		  "\"entries\":[]}",
		  "'serial' must be a non-negative integer");
	parse_bad("{\"format\":\"imaguard-allowlist/1\",\"serial\":-1,\"hash_algo\":\"sha256\","
		  "\"entries\":[]}",
		  "'serial' must be a non-negative integer");
	parse_bad("{\"format\":\"imaguard-allowlist/1\",\"serial\":1.5,\"hash_algo\":\"sha256\","
		  "\"entries\":[]}",
		  "'serial' must be a non-negative integer");
	parse_bad(HDR "\"expires\":\"tomorrow\",\"entries\":[]}", "'expires' is not an RFC 3339");
	parse_bad(HDR "\"created\":5,\"entries\":[]}", "'created' must be a string");
	parse_bad(HDR "\"expires\":null,\"entries\":[]}", "'expires' must be a string");
}

static void test_allowlist_parse_rejects_entries(void **state)
{
	(void)state;
	parse_bad(HDR "\"entries\":[{\"digest\":\"" D64 "0\"}]}", "entry 0: bad digest");
	parse_bad(HDR "\"entries\":[{\"digest\":\"0123\"}]}", "entry 0: bad digest");
	parse_bad(HDR "\"entries\":[{\"digest\":\"" D64 "\"},{\"digest\":\"g123456789abcdef01234"
		      "56789abcdef0123456789abcdef0123456789abcdef\"}]}",
		  "entry 1: bad digest");
	parse_bad(HDR "\"entries\":[{\"digest\":\"sha256:" D64 "\"}]}", "bad digest");
	parse_bad(HDR "\"entries\":[{\"digest\":5}]}", "entry 0: 'digest' must be a string");
	parse_bad(HDR "\"entries\":[{\"path\":\"/x\"}]}", "entry 0: missing 'digest'");
	parse_bad(HDR "\"entries\":[5]}", "entry 0: not an object");
	parse_bad(HDR "\"entries\":[{\"digest\":\"" D64 "\",\"path\":7}]}",
		  "entry 0: 'path' must be a string");
	parse_bad(HDR "\"entries\":[{\"digest\":\"" D64 "\",\"bind_path\":1}]}",
		  "entry 0: 'bind_path' must be true or false");
	parse_bad(HDR "\"entries\":[{\"digest\":\"" D64 "\",\"bind_path\":true}]}",
		  "entry 0: 'bind_path' needs an absolute 'path'");
	parse_bad(HDR "\"entries\":[{\"digest\":\"" D64 "\",\"path\":\"x\",\"bind_path\":true}]}",
		  "needs an absolute 'path'");
	parse_bad(HDR "\"entries\":[{\"digest\":\"" D64 "\",\"path\":\"\"}]}", "empty 'path'");
	parse_bad(HDR "\"entries\":[{\"digest\":\"" D64 "\",\"size\":1}]}",
		  "entry 0: unknown field 'size'");
	parse_bad(HDR "\"entries\":[{\"digest\":\"" D64 "\",\"path\":\"/a\",\"source\":\"x\"},"
		      "{\"digest\":\"" D64 "\",\"path\":\"/a\",\"source\":\"y\"}]}",
		  "entry 1: conflicts with an earlier entry");
}

static void test_allowlist_parse_names_line(void **state)
{
	(void)state;
	parse_bad("{\n\"format\":\"imaguard-allowlist/1\",\n\"serial\":1,\n\"hash_algo\":\"sha256\",\n"
		  "\"entries\":[\n{\"digest\":\"" D64 "\"},\n{\"digest\":\"00\"}\n]}",
		  "line 7: entry 1: bad digest");
	parse_bad("{\n\"format\":\"imaguard-allowlist/1\",\n\"serial\":1,\n\"hash_algo\":\"sha256\",\n"
		  "\"entries\":[\n{\"digest\":\"" D64 "\"},\n{\"digest\":\n\"" D64 "\",\n\"digest\":1}\n]}",
		  "line 9: invalid JSON: duplicate object key");
}

static void test_allowlist_parse_merges_identical(void **state)
{
	struct allowlist *al;

	(void)state;
	al = parse_ok(HDR "\"entries\":[{\"digest\":\"" D64 "\",\"path\":\"/a\"},{\"digest\":\"" D64
			  "\",\"path\":\"/a\"}]}");
	assert_int_equal(allowlist_count(al), 1);
	allowlist_free(al);
}


static void test_allowlist_parse_fast_forms(void **state)
{
	struct allowlist *al;
	const struct allowlist_entry *e;
	uint8_t d[SHA256_LEN];

	(void)state;
	/* keys in any order, every kind of whitespace, both cases of hex */
	al = parse_ok(HDR "\"entries\":[\r\n\t{ \"source\" : \"pkg 1\" ,\"bind_path\":\tfalse,"
		      "\"path\":\"/a b\",\"comment\":\"c\", \"digest\" :\"" D64 "\" },"
		      "{\"bind_path\":true,\"digest\":\"0123456789ABCDEF0123456789ABCDEF0123456789"
		      "ABCDEF0123456789ABCDEF\",\"path\":\"/b\"}\n]}");
	assert_int_equal(allowlist_count(al), 2);
	e = allowlist_entry_at(al, 0);
	assert_string_equal(e->path, "/a b");
	assert_string_equal(e->source, "pkg 1");
	assert_string_equal(e->comment, "c");
	assert_false(e->bind_path);
	e = allowlist_entry_at(al, 1);
	assert_true(e->bind_path);
	assert_null(e->source);
	assert_int_equal(digest_from_hex(D64, 64, d), 0);
	assert_memory_equal(e->digest, d, SHA256_LEN);
	allowlist_free(al);
	/* escapes and non-ASCII leave the fast path; the meaning is the same */
	al = parse_ok(HDR "\"entries\":[{\"digest\":\"" D64 "\",\"path\":\"/\\u0061\\/b\","
		      "\"comment\":\"caf\xc3\xa9\"}]}");
	e = allowlist_entry_at(al, 0);
	assert_string_equal(e->path, "/a/b");
	assert_string_equal(e->comment, "caf\xc3\xa9");
	allowlist_free(al);
	/* a key right at the end of the buffer */
	parse_bad(HDR "\"entries\":[{\"digest\":\"" D64 "\",\"path\"", "invalid JSON");
	parse_bad(HDR "\"entries\":[{\"digest\":\"" D64 "\",\"pat", "invalid JSON");
	parse_bad(HDR "\"entries\":[{\"digest\":\"" D64, "invalid JSON");
	parse_bad(HDR "\"entries\":[{\"digest\":\"" D64 "\",\"bind_path\":tru", "invalid JSON");
	/* near-misses of the five keys */
	parse_bad(HDR "\"entries\":[{\"digest\":\"" D64 "\",\"paths\":\"/x\"}]}",
		  "entry 0: unknown field 'paths'");
	parse_bad(HDR "\"entries\":[{\"digest\":\"" D64 "\",\"bind_pathx\":true}]}",
		  "entry 0: unknown field 'bind_pathx'");
	parse_bad(HDR "\"entries\":[{\"digest\":\"" D64 "\",\"comments\":\"x\"}]}",
		  "entry 0: unknown field 'comments'");
	/* a digest one digit long or short, or with a non-digit in each place */
	parse_bad(HDR "\"entries\":[{\"digest\":\"" D64 "a\"}]}", "entry 0: bad digest");
	parse_bad(HDR "\"entries\":[{\"digest\":\"" D64 "\"},{\"digest\":\"" "123456789abcdef0123456789"
		      "abcdef0123456789abcdef0123456789abcdef\"}]}",
		  "entry 1: bad digest");
	for (int i = 0; i < 64; i++) {
		static const char bad[] = "gG/:@`xX \x7f";
		char doc[512], digest[65];

		memcpy(digest, D64, sizeof(digest));
		digest[i] = bad[i % (sizeof(bad) - 1)];
		snprintf(doc, sizeof(doc), HDR "\"entries\":[{\"digest\":\"%s\"}]}", digest);
		parse_bad(doc, "entry 0: bad digest");
	}
}

/* The first problem in the file is the one named, however many entries the
 * parse had read ahead of adding them. */
static void test_allowlist_parse_first_error_wins(void **state)
{
#define E(d, p) "{\"digest\":\"" d "\",\"path\":\"" p "\"}"
#define D2 "1123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	(void)state;
	parse_bad(HDR "\"entries\":[" E(D64, "/a") "," E(D2, "/b") ",{\"digest\":\"" D64
		      "\",\"path\":\"/a\",\"source\":\"x\"}," E(D2, "/c") ",{\"digest\":\"00\"}]}",
		  "entry 2: conflicts with an earlier entry");
	/* the later entry needs jansson (an escape) */
	parse_bad(HDR "\"entries\":[" E(D64, "/a") ",{\"digest\":\"" D64 "\",\"path\":\"/a\","
		      "\"bind_path\":true}," E(D2, "/\\u0062") "]}",
		  "entry 1: conflicts with an earlier entry");
	/* the later problem is in the array's syntax */
	parse_bad(HDR "\"entries\":[" E(D64, "/a") "," E(D2, "/b") ",{\"digest\":\"" D64
		      "\",\"path\":\"/a\",\"comment\":\"x\"}}]}",
		  "entry 2: conflicts with an earlier entry");
	parse_bad(HDR "\"entries\":[" E(D64, "/a") ",{\"digest\":\"" D64 "\",\"path\":\"/a\","
		      "\"comment\":\"x\"}] x}",
		  "entry 1: conflicts with an earlier entry");
	/* and a problem before a conflict is named first */
	parse_bad(HDR "\"entries\":[" E(D64, "/a") ",{\"digest\":\"0\"},{\"digest\":\"" D64
		      "\",\"path\":\"/a\",\"comment\":\"x\"}]}",
		  "entry 1: bad digest");
#undef E
}

/* A document of n entries, one per line after the header's seven lines;
 * entry bad (if below n) has a short digest. Written into a mapping so that
 * the parse can be made to give it back. */
static char *big_doc(size_t n, size_t bad, size_t *len, size_t *map_len)
{
	size_t cap = (n + 16) * 160, pg = (size_t)sysconf(_SC_PAGESIZE), o;
	char *buf;

	cap = (cap + pg - 1) / pg * pg;
	buf = mmap(NULL, cap, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(buf != MAP_FAILED);
	o = (size_t)sprintf(buf, "{\n  \"format\": \"imaguard-allowlist/1\",\n  \"serial\": 1,\n"
				 "  \"created\": \"2026-01-01T00:00:00Z\",\n"
				 "  \"hash_algo\": \"sha256\",\n  \"entries\": [");
	for (size_t i = 0; i < n; i++) {
		uint8_t d[SHA256_LEN];
		char hex[SHA256_HEX_LEN + 1];

		mkdigest(d, (unsigned int)i);
		memcpy(d, &i, sizeof(i));
		digest_to_hex(d, hex);
		if (i == bad)
			hex[10] = '\0';
		o += (size_t)sprintf(buf + o, "%s\n    {\"digest\": \"%s\", \"path\": \"/usr/lib/l%zu.so\", "
					      "\"source\": \"%s\"%s}",
				     i ? "," : "", hex, i, i % 3 ? "file" : "pkg 1.0",
				     i % 16 ? "" : ", \"bind_path\": true");
	}
	o += (size_t)sprintf(buf + o, "\n  ]\n}\n");
	assert_true(o < cap);
	*len = o;
	*map_len = cap;
	return buf;
}

struct guard {
	char *buf;
	size_t done, offers;
};

/* Take back whole pages: reading one of them again is a crash. */
static void guard_release(void *arg, size_t upto)
{
	struct guard *g = arg;
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);

	upto -= upto % pg;
	assert_true(upto >= g->done);
	if (upto > g->done)
		assert_int_equal(mprotect(g->buf + g->done, upto - g->done, PROT_NONE), 0);
	g->done = upto;
	g->offers++;
}

static void test_allowlist_parse_releasing(void **state)
{
	struct allowlist_release rel = { .release = guard_release };
	struct allowlist *al = NULL;
	size_t len, map_len, n = 30000;
	struct guard g;
	char why[256], want[64], *buf;

	(void)state;
	allowlist_release_step = 64 << 10;
	buf = big_doc(n, n, &len, &map_len);
	g = (struct guard){ .buf = buf };
	rel.arg = &g;
	assert_int_equal(allowlist_parse_releasing(buf, len, &rel, &al, why, sizeof(why)), 0);
	assert_true(g.offers > 10);
	assert_int_equal(allowlist_count(al), n);
	for (size_t i = 0; i < n; i += 101) {
		const struct allowlist_entry *e = allowlist_entry_at(al, i);

		assert_ptr_equal(allowlist_lookup(al, e->digest, e->path), e);
	}
	allowlist_free(al);
	munmap(buf, map_len);

	/* a problem deep in the file names its line, though the lines before
	 * it are gone */
	buf = big_doc(n, 25000, &len, &map_len);
	g = (struct guard){ .buf = buf };
	assert_int_equal(allowlist_parse_releasing(buf, len, &rel, &al, why, sizeof(why)), -EINVAL);
	snprintf(want, sizeof(want), "line %d: entry 25000: bad digest", 7 + 25000);
	if (!strstr(why, want))
		fail_msg("message '%s' lacks '%s'", why, want);
	assert_true(g.done > 0);
	munmap(buf, map_len);
	allowlist_release_step = 2u << 20;
}

/* Bytes arrive a few pages at a time, and until they do their pages cannot
 * be read: the parse reads nothing that has not arrived, and nothing it has
 * given back. */
struct arrival {
	struct guard g;
	size_t len, have, map_len, calls;
};

static size_t arrival_more(void *arg, size_t need, bool *eof)
{
	struct arrival *a = arg;
	size_t pg = (size_t)sysconf(_SC_PAGESIZE), upto;

	upto = (need > a->have ? need : a->have) + 3 * pg;
	upto -= upto % pg;
	if (upto > a->len)
		upto = a->len;
	if (upto > a->have)
		assert_int_equal(mprotect(a->g.buf + a->have - a->have % pg,
					  (upto == a->len ? a->map_len : upto) - (a->have - a->have % pg),
					  PROT_READ),
				 0);
	a->have = upto;
	*eof = upto == a->len;
	a->calls++;
	return upto;
}

static void arrival_release(void *arg, size_t upto)
{
	struct arrival *a = arg;

	guard_release(&a->g, upto);
}

static void test_allowlist_parse_streamed(void **state)
{
	struct allowlist_release rel = { .release = arrival_release, .more = arrival_more };
	struct allowlist *al = NULL, *whole = NULL;
	size_t len, map_len, n = 30000;
	struct arrival a;
	char why[256], *buf, *want, *got;

	(void)state;
	allowlist_release_step = 64 << 10;
	buf = big_doc(n, n, &len, &map_len);
	assert_int_equal(allowlist_parse(buf, len, &whole, why, sizeof(why)), 0);
	a = (struct arrival){ .g = { .buf = buf }, .len = len, .map_len = map_len };
	rel.arg = &a;
	assert_int_equal(mprotect(buf, map_len, PROT_NONE), 0);
	assert_int_equal(allowlist_parse_releasing(buf, len, &rel, &al, why, sizeof(why)), 0);
	assert_true(a.calls > 100);
	assert_true(a.g.offers > 10);
	want = write_to_string(whole);
	got = write_to_string(al);
	assert_string_equal(got, want);
	free(want);
	free(got);
	allowlist_free(al);
	allowlist_free(whole);
	munmap(buf, map_len);

	/* the message of a problem deep in the file is the same too */
	buf = big_doc(n, 25000, &len, &map_len);
	assert_int_equal(allowlist_parse(buf, len, &whole, why, sizeof(why)), -EINVAL);
	want = strdup(why);
	a = (struct arrival){ .g = { .buf = buf }, .len = len, .map_len = map_len };
	assert_int_equal(mprotect(buf, map_len, PROT_NONE), 0);
	assert_int_equal(allowlist_parse_releasing(buf, len, &rel, &al, why, sizeof(why)), -EINVAL);
	assert_string_equal(why, want);
	free(want);
	munmap(buf, map_len);
	allowlist_release_step = 2u << 20;
}

/* Tables of any size, grown a step at a time or sized ahead from the rate of
 * a parse, find every entry and nothing else. */
static void test_allowlist_index_sizes(void **state)
{
	struct allowlist *al = allowlist_new(), *parsed = NULL;
	struct allowlist_entry e = { 0 };
	size_t len, map_len, n = 30000;
	char path[64], why[256], *buf;

	(void)state;
	e.path = path;
	for (unsigned int i = 0; i < 5000; i++) {
		mkdigest(e.digest, i);
		memcpy(e.digest, &i, sizeof(i));
		snprintf(path, sizeof(path), "/bin/p%u", i);
		e.bind_path = i % 2;
		assert_int_equal(allowlist_add(al, &e), 0);
		/* every entry so far, after every growth */
		if (!(i & (i + 1)) || i % 1000 == 999)
			for (unsigned int j = 0; j <= i; j++) {
				mkdigest(e.digest, j);
				memcpy(e.digest, &j, sizeof(j));
				snprintf(path, sizeof(path), "/bin/p%u", j);
				assert_non_null(allowlist_lookup(al, e.digest, path));
				path[1] = 'x';
				assert_true((allowlist_lookup(al, e.digest, path) != NULL) == !(j % 2));
			}
	}
	mkdigest(e.digest, 5000);
	memcpy(e.digest, &(unsigned int){ 5000 }, sizeof(unsigned int));
	assert_null(allowlist_lookup(al, e.digest, NULL));
	allowlist_free(al);

	buf = big_doc(n, n, &len, &map_len);
	assert_int_equal(allowlist_parse(buf, len, &parsed, why, sizeof(why)), 0);
	for (size_t i = 0; i < n; i++) {
		const struct allowlist_entry *x = allowlist_entry_at(parsed, i);
		uint8_t other[SHA256_LEN];

		assert_ptr_equal(allowlist_lookup(parsed, x->digest, x->path), x);
		memcpy(other, x->digest, SHA256_LEN);
		other[31] ^= 0x80;
		assert_null(allowlist_lookup(parsed, other, x->path));
	}
	allowlist_free(parsed);
	munmap(buf, map_len);
}

static void test_allowlist_strings_kept_once(void **state)
{
	struct allowlist *al = allowlist_new();
	struct allowlist_entry e = { 0 };
	char path[64], src[64];

	(void)state;
	/* past the number of distinct strings kept once, they are copied */
	for (unsigned int i = 0; i < 70000; i++) {
		mkdigest(e.digest, i);
		memcpy(e.digest, &i, sizeof(i));
		snprintf(path, sizeof(path), "/p/%u", i);
		snprintf(src, sizeof(src), "pkg %u", i % 3 ? i : 7);
		e.path = path;
		e.source = src;
		e.comment = i % 5 ? NULL : (i % 2 ? "odd" : "even");
		assert_int_equal(allowlist_add(al, &e), 0);
	}
	assert_int_equal(allowlist_count(al), 70000);
	for (unsigned int i = 0; i < 70000; i++) {
		const struct allowlist_entry *x = allowlist_entry_at(al, i);

		snprintf(path, sizeof(path), "/p/%u", i);
		snprintf(src, sizeof(src), "pkg %u", i % 3 ? i : 7);
		assert_string_equal(x->path, path);
		assert_string_equal(x->source, src);
		if (i % 5)
			assert_null(x->comment);
		else
			assert_string_equal(x->comment, i % 2 ? "odd" : "even");
	}
	/* a merge compares the strings, not where they are kept */
	e.path = "/p/3";
	e.source = "pkg 7";
	e.comment = NULL;
	mkdigest(e.digest, 3);
	e.digest[0] = 3;
	memset(e.digest + 1, 0, 3);
	assert_int_equal(allowlist_add(al, &e), 0);
	e.source = "pkg 8";
	assert_int_equal(allowlist_add(al, &e), -EEXIST);
	assert_int_equal(allowlist_count(al), 70000);
	allowlist_free(al);
}

/* Paths of every length around the hash's eight-byte steps, and tables
 * large enough to be mapped on their own. */
static void test_allowlist_lookup_path_lengths(void **state)
{
	struct allowlist *al = allowlist_new();
	struct allowlist_entry e = { .bind_path = true };
	char path[64], other[64];

	(void)state;
	assert_int_equal(allowlist_reserve(al, 600000), 0);
	for (unsigned int len = 1; len < 40; len++) {
		memset(path, 'a' + len % 26, len);
		path[0] = '/';
		path[len] = '\0';
		mkdigest(e.digest, 1);
		e.path = path;
		assert_int_equal(allowlist_add(al, &e), 0);
	}
	for (unsigned int len = 1; len < 40; len++) {
		uint8_t d[SHA256_LEN];

		memset(path, 'a' + len % 26, len);
		path[0] = '/';
		path[len] = '\0';
		mkdigest(d, 1);
		assert_non_null(allowlist_lookup(al, d, path));
		memcpy(other, path, len + 1);
		other[len - 1] ^= 1;
		if (len > 1)
			assert_null(allowlist_lookup(al, d, other));
		other[len - 1] ^= 1;
		other[len] = 'x';
		other[len + 1] = '\0';
		assert_null(allowlist_lookup(al, d, other));
	}
	assert_int_equal(allowlist_count(al), 39);
	allowlist_free(al);
}

/* A file whose size stat does not tell (a /proc file says 0) is read to its
 * end all the same, the mapping growing as it goes, and still against the
 * limit. */
static void test_allowlist_load_grows_while_reading(void **state)
{
	const char *td = getenv("TESTDATA");
	char key[256], sig[256];
	struct allowlist_load_opts o = { .path = "/proc/self/smaps", .sig_path = sig };
	struct sig_keyring *kr = sig_keyring_new();
	struct allowlist *al = NULL;

	(void)state;
	snprintf(key, sizeof(key), "%s/keys/ed25519.pub", td ? td : "tests/data");
	snprintf(sig, sizeof(sig), "%s/sigcorpus/ed25519.sig", td ? td : "tests/data");
	assert_int_equal(sig_keyring_add_file(kr, key), 0);
	o.trust = kr;
	/* read whole (tens of kilobytes), then refused for its signature */
	assert_int_equal(allowlist_load_verified(&o, &al), -EBADMSG);
	o.max_size = 6000;
	assert_int_equal(allowlist_load_verified(&o, &al), -EFBIG);
	assert_null(al);
	sig_keyring_free(kr);
}

/* Write doc to dir/list.json and its signature by key (a file under
 * tests/data/keys) to list.json.sig. */
static void write_signed(const char *dir, const char *doc, size_t len, const char *key,
			 char *list, size_t listlen)
{
	const char *td = getenv("TESTDATA");
	char kp[256], sigp[PATH_MAX];
	uint8_t *sig;
	size_t siglen;
	char *b64;

	tmpdir_join(list, listlen, dir, "list.json");
	snprintf(sigp, sizeof(sigp), "%s.sig", list);
	snprintf(kp, sizeof(kp), "%s/keys/%s.key", td ? td : "tests/data", key);
	assert_int_equal(fileio_write_atomic(list, doc, len, 0644), 0);
	assert_int_equal(sig_sign_file(kp, doc, len, &sig, &siglen), 0);
	b64 = sig_base64_encode(sig, siglen);
	assert_int_equal(fileio_write_atomic(sigp, b64, strlen(b64), 0644), 0);
	free(b64);
	free(sig);
}

static int load_with(const char *list, const char *key, struct allowlist **al)
{
	const char *td = getenv("TESTDATA");
	struct allowlist_load_opts o = { .path = list };
	struct sig_keyring *kr = sig_keyring_new();
	char kp[256];
	int err;

	snprintf(kp, sizeof(kp), "%s/keys/%s.pub", td ? td : "tests/data", key);
	assert_int_equal(sig_keyring_add_file(kr, kp), 0);
	o.trust = kr;
	err = allowlist_load_verified(&o, al);
	sig_keyring_free(kr);
	return err;
}

/*
 * A large file, given back to the system behind the parse as it goes, with
 * each key type. A change anywhere is refused for its signature, and so is
 * a file that is also malformed: the signature is judged first. Only a
 * signed file's own problem is told as such.
 */
static void test_allowlist_load_large(void **state)
{
	static const char *const keys[] = { "p256", "rsa2048", "ed25519" };
	char dir[TMPDIR_MAX], list[PATH_MAX];
	size_t len, map_len, n = 100000;
	uint8_t sha[SHA256_LEN], got[SHA256_LEN];
	struct allowlist *al = NULL;
	char *buf, *d;

	(void)state;
	assert_int_equal(tmpdir_make(dir, "load"), 0);
	buf = big_doc(n, n, &len, &map_len);
	assert_true(len > (8u << 20));
	assert_int_equal(sha256_buf((const uint8_t *)buf, len, sha), 0);
	for (size_t k = 0; k < 3; k++) {
		write_signed(dir, buf, len, keys[k], list, sizeof(list));
		assert_int_equal(load_with(list, keys[k], &al), 0);
		assert_int_equal(allowlist_count(al), n);
		assert_true(allowlist_file_sha256(al, got));
		assert_memory_equal(got, sha, SHA256_LEN);
		allowlist_free(al);
		al = NULL;

		/* one digit of one digest, deep in the file: still valid JSON */
		d = strstr(buf + len * 3 / 4, "\"digest\": \"");
		assert_non_null(d);
		d[15] = d[15] == '0' ? '1' : '0';
		assert_int_equal(fileio_write_atomic(list, buf, len, 0644), 0);
		assert_int_equal(load_with(list, keys[k], &al), -EBADMSG);
		assert_null(al);
		munmap(buf, map_len);
		buf = big_doc(n, n, &len, &map_len);
	}
	munmap(buf, map_len);

	/* malformed deep in the file: its own message when signed, the
	 * signature's when not */
	buf = big_doc(n, 90000, &len, &map_len);
	write_signed(dir, buf, len, "p256", list, sizeof(list));
	assert_int_equal(load_with(list, "p256", &al), -EINVAL);
	assert_int_equal(load_with(list, "ed25519", &al), -EBADMSG);
	buf[10] = ' ';	/* and malformed at the start too */
	assert_int_equal(fileio_write_atomic(list, buf, len, 0644), 0);
	assert_int_equal(load_with(list, "p256", &al), -EBADMSG);
	assert_null(al);
	munmap(buf, map_len);
	assert_int_equal(tmpdir_remove(dir), 0);
}

/* Overwrite the signature file next to list with a copy whose decoded
 * signature has one bit flipped: still a base64 line of the right length. */
static void corrupt_signature(const char *list)
{
	char sigp[PATH_MAX + 8], *b64;
	uint8_t *line, *raw;
	size_t len, rawlen;

	snprintf(sigp, sizeof(sigp), "%s.sig", list);
	assert_int_equal(fileio_read_once(sigp, SIG_MAX_SIZE, &line, &len), 0);
	assert_int_equal(sig_base64_decode((const char *)line, len, &raw, &rawlen), 0);
	raw[rawlen / 2] ^= 0x10;
	b64 = sig_base64_encode(raw, rawlen);
	assert_non_null(b64);
	assert_int_equal(fileio_write_atomic(sigp, b64, strlen(b64), 0644), 0);
	free(b64);
	free(raw);
	free(line);
}

/*
 * Verify, then parse: with a signature that does not verify, the parser is
 * never called, whatever the bytes are (a valid list, or one that would
 * make the parser fail at its first byte); with one that verifies it is
 * called exactly once. allowlist_load_parses counts the calls.
 */
static void test_allowlist_load_verifies_before_parsing(void **state)
{
	static const char *const keys[] = { "ed25519", "p256", "rsa2048" };
	static const char good[] = "{\"format\":\"imaguard-allowlist/1\",\"serial\":3,"
				   "\"created\":\"2026-01-01T00:00:00Z\",\"hash_algo\":\"sha256\","
				   "\"entries\":[]}";
	static const char loud[] = "\x00 this is not JSON, and the parser would say so";
	char dir[TMPDIR_MAX], list[PATH_MAX];
	struct allowlist *al = NULL;
	unsigned long before;

	(void)state;
	assert_int_equal(tmpdir_make(dir, "order"), 0);
	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		/* the control: a good signature reaches the parser, once */
		write_signed(dir, good, sizeof(good) - 1, keys[k], list, sizeof(list));
		before = allowlist_load_parses;
		assert_int_equal(load_with(list, keys[k], &al), 0);
		assert_int_equal(allowlist_load_parses, before + 1);
		allowlist_free(al);
		al = NULL;

		/* the same list, its signature corrupt */
		corrupt_signature(list);
		before = allowlist_load_parses;
		assert_int_equal(load_with(list, keys[k], &al), -EBADMSG);
		assert_int_equal(allowlist_load_parses, before);
		assert_null(al);

		/* the signer's list, then bytes the parser would refuse loudly
		 * put in its place: the signature's error, the parser unasked */
		write_signed(dir, good, sizeof(good) - 1, keys[k], list, sizeof(list));
		assert_int_equal(fileio_write_atomic(list, loud, sizeof(loud) - 1, 0644), 0);
		before = allowlist_load_parses;
		assert_int_equal(load_with(list, keys[k], &al), -EBADMSG);
		assert_int_equal(allowlist_load_parses, before);

		/* signed by another trusted-looking key than the one trusted */
		write_signed(dir, loud, sizeof(loud) - 1, keys[(k + 1) % 3], list, sizeof(list));
		assert_int_equal(load_with(list, keys[k], &al), -EBADMSG);
		assert_int_equal(allowlist_load_parses, before);

		/* and signed: now the parser runs, and says what is wrong */
		write_signed(dir, loud, sizeof(loud) - 1, keys[k], list, sizeof(list));
		assert_int_equal(load_with(list, keys[k], &al), -EINVAL);
		assert_int_equal(allowlist_load_parses, before + 1);
		assert_null(al);
	}
	assert_int_equal(tmpdir_remove(dir), 0);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Scale: a list of N entries is written, signed with Ed25519, and then read,
 * verified, parsed and indexed by allowlist_load_verified. Reports times and
 * peak memory; asserts only correctness, never speed. N is small by default
 * to keep `make unit` quick; the figure that matters is
 *   IG_BENCH_ENTRIES=1000000 build/obj/tests/unit/test_allowlist
 */
static void test_allowlist_scale(void **state)
{
#ifdef __SANITIZE_ADDRESS__
	size_t n = 20000;
#else
	size_t n = 100000;
#endif
	const char *env = getenv("IG_BENCH_ENTRIES"), *td = getenv("TESTDATA");
	char dir[TMPDIR_MAX], list[PATH_MAX], sigp[PATH_MAX], key[256], path[64];
	struct allowlist *al = allowlist_new(), *loaded = NULL;
	struct allowlist_load_opts o = { 0 };
	struct sig_keyring *kr = sig_keyring_new();
	struct allowlist_entry e = { .path = path, .source = "bench 1.0" };
	uint8_t *buf, *sig, file_sha[SHA256_LEN], got_sha[SHA256_LEN];
	size_t len, siglen;
	struct rusage ru;
	double t0, t1;
	char *b64;
	FILE *f;

	(void)state;
	if (env)
		n = strtoul(env, NULL, 10);
	assert_int_equal(tmpdir_make(dir, "bench"), 0);
	tmpdir_join(list, sizeof(list), dir, "list.json");
	tmpdir_join(sigp, sizeof(sigp), dir, "list.json.sig");
	allowlist_set_serial(al, 1);
	for (size_t i = 0; i < n; i++) {
		uint64_t x = i * 0x9e3779b97f4a7c15ULL;

		for (int j = 0; j < SHA256_LEN; j++)
			e.digest[j] = (uint8_t)(x >> (8 * (j % 8))) ^ (uint8_t)j;
		memcpy(e.digest, &i, sizeof(i));
		snprintf(path, sizeof(path), "/usr/lib/x86_64-linux-gnu/lib%zu.so.1", i);
		e.bind_path = i % 16 == 0;
		assert_int_equal(allowlist_add(al, &e), 0);
	}
	t0 = now_s();
	f = fopen(list, "w");
	assert_non_null(f);
	assert_int_equal(allowlist_write(al, f), 0);
	fclose(f);
	t1 = now_s();
	allowlist_free(al);
	assert_int_equal(fileio_read_once(list, ALLOWLIST_MAX_SIZE, &buf, &len), 0);
	assert_int_equal(sha256_buf(buf, len, file_sha), 0);
	snprintf(key, sizeof(key), "%s/keys/ed25519", td ? td : "tests/data");
	strcat(key, ".key");
	assert_int_equal(sig_sign_file(key, buf, len, &sig, &siglen), 0);
	b64 = sig_base64_encode(sig, siglen);
	assert_int_equal(fileio_write_atomic(sigp, b64, strlen(b64), 0644), 0);
	free(b64);
	free(sig);
	free(buf);
	key[strlen(key) - 4] = '\0';
	strcat(key, ".pub");
	assert_int_equal(sig_keyring_add_file(kr, key), 0);

	o.path = list;
	o.trust = kr;
	{
		double t2 = now_s(), t3;

		assert_int_equal(allowlist_load_verified(&o, &loaded), 0);
		t3 = now_s();
		getrusage(RUSAGE_SELF, &ru);
		print_message("scale: %zu entries, %zu MB file: write %.2f s, "
			      "read+verify+parse+index %.2f s, peak RSS %ld MB\n",
			      n, len >> 20, t1 - t0, t3 - t2, ru.ru_maxrss / 1024);
	}
	assert_int_equal(allowlist_count(loaded), n);
	/* hashed beside the signature check, before the parse */
	assert_true(allowlist_file_sha256(loaded, got_sha));
	assert_memory_equal(got_sha, file_sha, SHA256_LEN);
	for (size_t i = 0; i < n; i += n / 97 + 1) {
		const struct allowlist_entry *x = allowlist_entry_at(loaded, i);

		assert_ptr_equal(allowlist_lookup(loaded, x->digest, x->path), x);
	}
	allowlist_free(loaded);
	sig_keyring_free(kr);
	unlink(sigp);
	if (!getenv("IG_BENCH_KEEP"))	/* keep list.json, and so its directory */
		assert_int_equal(tmpdir_remove(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_allowlist_add_merges_identical),
		cmocka_unit_test(test_allowlist_add_refuses_conflict),
		cmocka_unit_test(test_allowlist_add_refuses_bad_entries),
		cmocka_unit_test(test_allowlist_write_deterministic),
		cmocka_unit_test(test_allowlist_write_key_order),
		cmocka_unit_test(test_allowlist_lookup_pathfree_and_bound),
		cmocka_unit_test(test_allowlist_rfc3339),
		cmocka_unit_test(test_allowlist_parse_minimal),
		cmocka_unit_test(test_allowlist_parse_uppercase_digest),
		cmocka_unit_test(test_allowlist_parse_roundtrip),
		cmocka_unit_test(test_allowlist_parse_rejects_json),
		cmocka_unit_test(test_allowlist_parse_rejects_header),
		cmocka_unit_test(test_allowlist_parse_rejects_entries),
		cmocka_unit_test(test_allowlist_parse_names_line),
		cmocka_unit_test(test_allowlist_parse_merges_identical),
		cmocka_unit_test(test_allowlist_parse_fast_forms),
		cmocka_unit_test(test_allowlist_parse_first_error_wins),
		cmocka_unit_test(test_allowlist_parse_releasing),
		cmocka_unit_test(test_allowlist_index_sizes),
		cmocka_unit_test(test_allowlist_parse_streamed),
		cmocka_unit_test(test_allowlist_load_large),
		cmocka_unit_test(test_allowlist_load_verifies_before_parsing),
		cmocka_unit_test(test_allowlist_strings_kept_once),
		cmocka_unit_test(test_allowlist_lookup_path_lengths),
		cmocka_unit_test(test_allowlist_load_grows_while_reading),
		cmocka_unit_test(test_allowlist_scale),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
