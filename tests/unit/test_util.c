// SPDX-License-Identifier: GPL-2.0-only
/* The shared vocabulary in src/util: hex, UTF-8, names, RFC 3339, the table. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/hashtab.h"
#include "util/hex.h"
#include "util/names.h"
#include "util/rfc3339.h"
#include "util/utf8.h"

static void test_util_hex(void **state)
{
	static const uint8_t bytes[] = { 0x00, 0x7f, 0xa5, 0xff };
	uint8_t out[4];
	char text[9];

	(void)state;
	hex_encode(bytes, sizeof(bytes), text);
	assert_string_equal(text, "007fa5ff");
	assert_int_equal(hex_decode("007FA5ff", 8, out), 0);
	assert_memory_equal(out, bytes, sizeof(bytes));
	assert_int_equal(hex_decode("007", 3, out), -EINVAL);	/* odd length */
	assert_int_equal(hex_decode("0g", 2, out), -EINVAL);
	assert_int_equal(hex_value('F'), 15);
	assert_int_equal(hex_value('x'), -1);
	assert_int_equal(hex_span("abCD12z", 7, false), 6);
	assert_int_equal(hex_span("abCD12z", 7, true), 2);
	assert_int_equal(hex_span("", 0, false), 0);
	for (int b = 0; b < 256; b++) {
		uint8_t one = (uint8_t)b;
		char ref[3];

		hex_encode(&one, 1, text);
		snprintf(ref, sizeof(ref), "%02x", b);
		assert_string_equal(text, ref);
	}
}

static void test_util_utf8(void **state)
{
	(void)state;
	assert_true(utf8_valid(NULL));
	assert_true(utf8_valid("plain"));
	assert_true(utf8_valid("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf"));
	assert_false(utf8_valid("\xc0\xaf"));			/* overlong '/' */
	assert_false(utf8_valid("\xe0\x80\xaf"));		/* overlong, three bytes */
	assert_false(utf8_valid("\xed\xa0\x80"));		/* surrogate */
	assert_false(utf8_valid("\xf4\x90\x80\x80"));		/* past U+10FFFF */
	assert_false(utf8_valid("\xe2\x82"));			/* cut short */
	assert_false(utf8_valid("\x80"));			/* lone continuation */
	assert_int_equal(utf8_seq((const unsigned char *)"\xe2\x82\xac", 3), 3);
	assert_int_equal(utf8_seq((const unsigned char *)"\xe2\x82\xac", 2), 0);
}

static void test_util_names_round_trip(void **state)
{
	(void)state;
	for (unsigned int h = 0; h < IG_HOOK_MAX; h++)
		assert_int_equal(names_hook_parse(names_hook(h)), (int)h);
	for (unsigned int r = 0; r < IG_REASON_MAX; r++)
		assert_int_equal(names_reason_parse(names_reason(r)), (int)r);
	for (unsigned int a = IG_ACT_NONE; a <= IG_ACT_DENY; a++)
		assert_int_equal(names_action_parse(names_action(a)), (int)a);
	assert_int_equal(names_mode_parse(names_mode(IG_MODE_ENFORCE)), IG_MODE_ENFORCE);
	assert_int_equal(names_decision_parse(names_decision(IG_DENY)), IG_DENY);
	/* the spellings the audit trail and the rules files carry */
	assert_string_equal(names_hook(IG_HOOK_MMAP), "mmap");
	assert_string_equal(names_reason(IG_REASON_NOT_ALLOWLISTED), "not-allowlisted");
	assert_string_equal(names_mode(IG_MODE_MONITOR), "monitor");
	assert_string_equal(names_hook(IG_HOOK_MAX), "unknown");
	assert_int_equal(names_hook_parse("EXEC"), -1);
	assert_int_equal(names_mode_parse(NULL), -1);
}

static void test_util_rfc3339_ns(void **state)
{
	char buf[RFC3339_NS_BUF];
	struct rfc3339_cache c = { 0 };
	int64_t ns;

	(void)state;
	assert_int_equal(rfc3339_parse_ns("2026-11-22T23:59:59.123456789Z", &ns), 0);
	rfc3339_format_ns(ns, buf);
	assert_string_equal(buf, "2026-11-22T23:59:59.123456789Z");
	assert_true(rfc3339_ns_valid(buf, strlen(buf)));
	/* the cached form spells the same, across a change of second */
	rfc3339_format_ns_cached(&c, ns, buf);
	assert_string_equal(buf, "2026-11-22T23:59:59.123456789Z");
	rfc3339_format_ns_cached(&c, ns + 1000000000 - 123456789, buf);
	assert_string_equal(buf, "2026-11-23T00:00:00.000000000Z");
	assert_false(rfc3339_ns_valid("2026-11-22T23:59:59Z", 20));
	assert_false(rfc3339_ns_valid("2026-02-30T00:00:00.000000000Z", 30));
	rfc3339_format_ns(-1, buf);
	assert_string_equal(buf, "1969-12-31T23:59:59.999999999Z");
}

struct item {
	uint64_t key;
	int hits;
};

static void test_util_hashtab(void **state)
{
	struct hashtab fixed, strs;
	size_t n;
	void **v;
	char name[32];

	(void)state;
	assert_int_equal(hashtab_init(&fixed, sizeof(uint64_t)), 0);
	assert_int_equal(hashtab_init(&strs, 0), 0);
	/* enough to grow the table several times over */
	for (uint64_t k = 0; k < 5000; k++) {
		struct item *it = hashtab_upsert(&fixed, &k, sizeof(*it));

		assert_non_null(it);
		assert_int_equal(it->key, k);
		it->hits++;
	}
	for (uint64_t k = 0; k < 5000; k += 7) {
		struct item *it = hashtab_upsert(&fixed, &k, sizeof(*it));

		it->hits++;
	}
	for (uint64_t k = 0; k < 5000; k++) {
		struct item *it = hashtab_get(&fixed, &k);

		assert_non_null(it);
		assert_int_equal(it->hits, k % 7 ? 1 : 2);
	}
	{
		uint64_t absent = 5000;

		assert_null(hashtab_get(&fixed, &absent));
	}
	v = hashtab_values(&fixed, &n);
	assert_non_null(v);
	assert_int_equal(n, 5000);
	free(v);

	for (int i = 0; i < 300; i++) {
		snprintf(name, sizeof(name), "/usr/lib/%d.so", i);
		assert_non_null(hashtab_upsert(&strs, name, strlen(name) + 1));
	}
	assert_string_equal(hashtab_get(&strs, "/usr/lib/299.so"), "/usr/lib/299.so");
	assert_null(hashtab_get(&strs, "/usr/lib/300.so"));
	/* two tables hash under their own seeds */
	assert_memory_not_equal(fixed.seed, strs.seed, sizeof(fixed.seed));
	hashtab_free(&fixed);
	hashtab_free(&strs);
	assert_null(hashtab_get(&strs, "/usr/lib/1.so"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_util_hex),
		cmocka_unit_test(test_util_utf8),
		cmocka_unit_test(test_util_names_round_trip),
		cmocka_unit_test(test_util_rfc3339_ns),
		cmocka_unit_test(test_util_hashtab),
	};

	return cmocka_run_group_tests_name("util", tests, NULL, NULL);
}
