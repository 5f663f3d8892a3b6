// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "allowlist.h"

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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
