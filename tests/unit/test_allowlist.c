// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "allowlist_priv.h"
#include "fileio.h"
#include "sig.h"

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

/* Each document is parsed with and without the fast path: both must agree. */
static struct allowlist *parse_ok(const char *doc)
{
	struct allowlist *al = NULL;
	char why[256];
	int err;

	allowlist_parse_fast = false;
	err = allowlist_parse(doc, strlen(doc), &al, why, sizeof(why));
	allowlist_parse_fast = true;
	if (err)
		fail_msg("unexpected rejection without the fast path: %s", why);
	allowlist_free(al);
	err = allowlist_parse(doc, strlen(doc), &al, why, sizeof(why));
	if (err)
		fail_msg("unexpected rejection: %s", why);
	return al;
}

/* The document must be refused, with a message containing want. */
static void parse_bad(const char *doc, const char *want)
{
	for (int fast = 0; fast < 2; fast++) {
		struct allowlist *al = NULL;
		char why[256];
		int err;

		allowlist_parse_fast = fast;
		err = allowlist_parse(doc, strlen(doc), &al, why, sizeof(why));
		allowlist_parse_fast = true;
		if (!err)
			fail_msg("accepted: %s", doc);
		assert_int_equal(err, -EINVAL);
		assert_null(al);
		if (!strstr(why, want))
			fail_msg("message '%s' lacks '%s' (fast path %s)", why, want,
				 fast ? "on" : "off");
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
	char dir[] = "/tmp/ig-bench-XXXXXX", list[64], sigp[64], key[256], path[64];
	struct allowlist *al = allowlist_new(), *loaded = NULL;
	struct allowlist_load_opts o = { 0 };
	struct sig_keyring *kr = sig_keyring_new();
	struct allowlist_entry e = { .path = path, .source = "bench 1.0" };
	uint8_t *buf, *sig;
	size_t len, siglen;
	struct rusage ru;
	double t0, t1;
	char *b64;
	FILE *f;

	(void)state;
	if (env)
		n = strtoul(env, NULL, 10);
	assert_non_null(mkdtemp(dir));
	snprintf(list, sizeof(list), "%s/list.json", dir);
	snprintf(sigp, sizeof(sigp), "%s/list.json.sig", dir);
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
	assert_int_equal(read_file_once(list, ALLOWLIST_MAX_SIZE, &buf, &len), 0);
	snprintf(key, sizeof(key), "%s/keys/ed25519", td ? td : "tests/data");
	strcat(key, ".key");
	assert_int_equal(sig_sign_file(key, buf, len, &sig, &siglen), 0);
	b64 = sig_base64_encode(sig, siglen);
	assert_int_equal(write_file_atomic(sigp, b64, strlen(b64), 0644), 0);
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
	for (size_t i = 0; i < n; i += n / 97 + 1) {
		const struct allowlist_entry *x = allowlist_entry_at(loaded, i);

		assert_ptr_equal(allowlist_lookup(loaded, x->digest, x->path), x);
	}
	allowlist_free(loaded);
	sig_keyring_free(kr);
	if (!getenv("IG_BENCH_KEEP")) unlink(list);
	unlink(sigp);
	rmdir(dir);
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
		cmocka_unit_test(test_allowlist_scale),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
