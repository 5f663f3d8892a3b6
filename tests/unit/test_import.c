// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "allowlist/allowlist.h"
#include "util/digest.h"
#include "allowlist/import/import.h"

static char *hexrep(char c)
{
	static char buf[8][SHA256_HEX_LEN + 1];
	static int next;
	char *h = buf[next++ % 8];

	memset(h, c, SHA256_HEX_LEN);
	h[SHA256_HEX_LEN] = '\0';
	return h;
}

static char *slurp(const char *name, size_t *len)
{
	const char *dir = getenv("TESTDATA") ? getenv("TESTDATA") : "tests/data";
	char path[512];
	char *buf;
	FILE *f;
	long n;

	snprintf(path, sizeof(path), "%s/import/%s", dir, name);
	f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open fixture '%s'", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static struct import *new_import(bool skip_bad)
{
	struct import *im = calloc(1, sizeof(*im));

	assert_non_null(im);
	im->al = allowlist_new();
	assert_non_null(im->al);
	im->skip_bad = skip_bad;
	return im;
}

static void free_import(struct import *im)
{
	allowlist_free(im->al);
	free(im);
}

static int run_fixture(struct import *im, enum import_format f, const char *name)
{
	size_t len;
	char *buf = slurp(name, &len);
	int err = import_buf(im, f, name, buf, len);

	free(buf);
	return err;
}

static int run_text(struct import *im, enum import_format f, const char *text)
{
	return import_buf(im, f, "inline", text, strlen(text));
}

static const struct allowlist_entry *find(const struct import *im, const char *hex,
					  const char *path)
{
	uint8_t d[SHA256_LEN];

	assert_int_equal(digest_from_hex(hex, SHA256_HEX_LEN, d), 0);
	for (size_t i = 0; i < allowlist_count(im->al); i++) {
		const struct allowlist_entry *e = allowlist_entry_at(im->al, i);

		if (memcmp(e->digest, d, SHA256_LEN))
			continue;
		if ((!path && !e->path) || (path && e->path && !strcmp(path, e->path)))
			return e;
	}
	return NULL;
}

static void expect(const struct import *im, char c, const char *path, const char *source)
{
	const struct allowlist_entry *e = find(im, hexrep(c), path);

	if (!e)
		fail_msg("no entry %c... '%s'", c, path ? path : "(no path)");
	assert_string_equal(e->source, source);
}

static uint64_t skipped(const struct import *im, const char *reason)
{
	for (size_t i = 0; i < im->nskips; i++)
		if (!strcmp(im->skips[i].reason, reason))
			return im->skips[i].count;
	return 0;
}

static const char *first_seen(const struct import *im, const char *reason)
{
	for (size_t i = 0; i < im->nskips; i++)
		if (!strcmp(im->skips[i].reason, reason))
			return im->skips[i].first;
	return "";
}

/* ---- formats by name --------------------------------------------------------- */

static void test_import_format_names(void **state)
{
	enum import_format f;

	(void)state;
	assert_int_equal(import_format_parse("ima-log", &f), 0);
	assert_int_equal(f, IMPORT_IMALOG);
	assert_string_equal(import_format_name(IMPORT_FAPOLICYD), "fapolicyd");
	assert_int_equal(import_format_parse("IMA-LOG", &f), -EINVAL);
	assert_int_equal(import_format_parse("rpm", &f), -EINVAL);
}

/* ---- sha256sum --------------------------------------------------------------- */

static void test_import_sha256sum_forms(void **state)
{
	struct import *im = new_import(false);

	(void)state;
	assert_int_equal(run_fixture(im, IMPORT_SHA256SUM, "sha256sum.txt"), 0);
	expect(im, 'a', "/usr/bin/plain", "sha256sum");
	expect(im, 'b', "bin/binary mode", "sha256sum");
	expect(im, 'c', "/opt/back\\slash\nnewline", "sha256sum");
	expect(im, 'e', "/opt/carriage\rreturn", "sha256sum");
	expect(im, 'f', "/usr/bin/tagged", "sha256sum");
	expect(im, 'a', "/opt/tagged\\esc", "sha256sum");	/* uppercase hex, escaped tag */
	/* The repeated line merges into one entry. */
	assert_int_equal(allowlist_count(im->al), 6);
	assert_int_equal(im->imported, 7);
	assert_int_equal(skipped(im, "MD5 digest (not SHA-256)"), 1);
	assert_string_equal(first_seen(im, "MD5 digest (not SHA-256)"), "'sha256sum.txt': line 8");
	free_import(im);
}

static void test_import_sha256sum_malformed_names_line(void **state)
{
	struct import *im = new_import(false);

	(void)state;
	assert_int_equal(run_fixture(im, IMPORT_SHA256SUM, "sha256sum-bad.txt"), -EINVAL);
	assert_non_null(strstr(im->err, "'sha256sum-bad.txt': line 3: "));
	assert_non_null(strstr(im->err, "40 hex digits"));
	free_import(im);

	im = new_import(false);
	assert_int_equal(run_fixture(im, IMPORT_SHA256SUM, "sha256sum-badesc.txt"), -EINVAL);
	assert_non_null(strstr(im->err, "line 1: unknown escape '\\t'"));
	free_import(im);
}

/* A list saved with CRLF line ends: the CR before each LF ends the line
 * and is no part of its path, in every format read by lines; a CR
 * anywhere else is the name's own. */
static void test_import_crlf(void **state)
{
	struct import *im = new_import(false);
	char text[1024];

	(void)state;
	snprintf(text, sizeof(text),
		 "%s  /usr/bin/plain\r\n\\%s  /opt/back\\\\slash\r\n"
		 "SHA256 (/usr/bin/tagged) = %s\r\n\r\n# comment\r\n%s  /opt/mid\rdle\r\n"
		 "%s  /usr/bin/last",
		 hexrep('a'), hexrep('b'), hexrep('c'), hexrep('d'), hexrep('e'));
	assert_int_equal(run_text(im, IMPORT_SHA256SUM, text), 0);
	expect(im, 'a', "/usr/bin/plain", "sha256sum");
	expect(im, 'b', "/opt/back\\slash", "sha256sum");
	expect(im, 'c', "/usr/bin/tagged", "sha256sum");
	expect(im, 'd', "/opt/mid\rdle", "sha256sum");
	expect(im, 'e', "/usr/bin/last", "sha256sum");
	assert_int_equal(allowlist_count(im->al), 5);
	free_import(im);

	im = new_import(false);
	snprintf(text, sizeof(text), "%s  /usr/bin/flat\r\n", hexrep('a'));
	assert_int_equal(run_text(im, IMPORT_KEYLIME, text), 0);
	expect(im, 'a', "/usr/bin/flat", "keylime");
	free_import(im);

	im = new_import(false);
	snprintf(text, sizeof(text), "10 %.40s ima-ng sha256:%s /usr/bin/one\r\n", hexrep('3'),
		 hexrep('a'));
	assert_int_equal(run_text(im, IMPORT_IMALOG, text), 0);
	expect(im, 'a', "/usr/bin/one", "ima-log");
	free_import(im);

	im = new_import(false);
	snprintf(text, sizeof(text), "# AUTOGENERATED FILE VERSION 3\r\n/usr/bin/f 12 %s\r\n",
		 hexrep('a'));
	assert_int_equal(run_text(im, IMPORT_FAPOLICYD, text), 0);
	expect(im, 'a', "/usr/bin/f", "fapolicyd");
	free_import(im);
}

static void test_import_sha256sum_skip_bad(void **state)
{
	struct import *im = new_import(true);

	(void)state;
	assert_int_equal(run_fixture(im, IMPORT_SHA256SUM, "sha256sum-bad.txt"), 0);
	assert_int_equal(allowlist_count(im->al), 3);
	assert_int_equal(skipped(im, "malformed line"), 1);
	assert_string_equal(first_seen(im, "malformed line"), "'sha256sum-bad.txt': line 3");
	free_import(im);
}

static void test_import_sha256sum_edge_lines(void **state)
{
	static const char *const bad[] = {
		"aaaa\n",			/* digest only */
		"%s\n",				/* 64 hex, nothing after */
		"%s  \n",			/* no name */
		"\\%s  /a\\\n",			/* lone backslash at the end */
		"SHA256 (x) = abc\n",		/* short tagged digest */
		"SHA256 (x) = %sZ\n",		/* trailing junk */
		"no digest here\n",
	};
	char line[256];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct import *im = new_import(false);

		snprintf(line, sizeof(line), bad[i], hexrep('a'));
		assert_int_equal(run_text(im, IMPORT_SHA256SUM, line), -EINVAL);
		assert_non_null(strstr(im->err, "line 1"));
		free_import(im);
	}
	/* A NUL inside a line is malformed, not the end of the buffer. */
	{
		struct import *im = new_import(false);
		char buf[80];
		size_t n = (size_t)snprintf(buf, sizeof(buf), "%s  /a", hexrep('a'));

		buf[n - 1] = '\0';
		assert_int_equal(import_buf(im, IMPORT_SHA256SUM, "nul", buf, n), -EINVAL);
		free_import(im);
	}
	/* The last line needs no newline; --source overrides the format name. */
	{
		struct import *im = new_import(false);

		im->source = "golden image 42";
		snprintf(line, sizeof(line), "%s  /last", hexrep('b'));
		assert_int_equal(run_text(im, IMPORT_SHA256SUM, line), 0);
		expect(im, 'b', "/last", "golden image 42");
		free_import(im);
	}
}

/* One space between digest and name, as `sha256sum -c` reads it, fixed by
 * the first line; a file that mixes the two forms is refused. */
static void test_import_sha256sum_one_space(void **state)
{
	struct import *im = new_import(false);

	(void)state;
	assert_int_equal(run_fixture(im, IMPORT_SHA256SUM, "sha256sum-onespace.txt"), 0);
	expect(im, 'a', "/usr/bin/one", "sha256sum");
	expect(im, 'b', "*spaced name", "sha256sum");	/* no mode flag in this form */
	free_import(im);

	im = new_import(false);
	assert_int_equal(run_fixture(im, IMPORT_SHA256SUM, "sha256sum-mixed.txt"), -EINVAL);
	assert_non_null(strstr(im->err, "'sha256sum-mixed.txt': line 2: one space"));
	free_import(im);
}

/* --skip-bad over an input with no good line: an error, not an empty list. */
static void test_import_skip_bad_needs_a_good_line(void **state)
{
	struct import *im = new_import(true);

	(void)state;
	assert_int_equal(run_fixture(im, IMPORT_SHA256SUM, "sha256sum-sha1only.txt"), -EINVAL);
	assert_string_equal(im->err, "'sha256sum-sha1only.txt': no well-formed line among 2 "
				     "(is it sha256sum?)");
	assert_false(im->malformed);
	free_import(im);

	/* a file of well-formed but unusable lines is not that */
	im = new_import(true);
	assert_int_equal(run_text(im, IMPORT_SHA256SUM, "MD5 (x) = 0123\n"), 0);
	free_import(im);
}

/* ---- Keylime ----------------------------------------------------------------- */

static void test_import_keylime_policy(void **state)
{
	struct import *im = new_import(false);

	(void)state;
	assert_int_equal(run_fixture(im, IMPORT_KEYLIME, "keylime-policy.json"), 0);
	expect(im, 'a', "/usr/bin/bash", "keylime");
	expect(im, 'b', "/usr/lib/libc.so.6", "keylime");
	expect(im, 'c', "/usr/bin/two versions", "keylime");
	expect(im, 'e', "/usr/bin/two versions", "keylime");
	assert_int_equal(allowlist_count(im->al), 4);
	assert_int_equal(skipped(im, "digest of 40 hex digits (not SHA-256)"), 1);
	assert_int_equal(skipped(im, "digest of 128 hex digits (not SHA-256)"), 1);
	assert_int_equal(skipped(im, "boot_aggregate"), 1);
	assert_int_equal(skipped(im, "exclude regex (no allowlist equivalent; see rules)"), 2);
	assert_int_equal(skipped(im, "keyring digest (not a file)"), 1);
	assert_string_equal(first_seen(im, "digest of 40 hex digits (not SHA-256)"),
			    "'keylime-policy.json': digests['/usr/bin/bash'][1]");
	free_import(im);
}

static void test_import_keylime_legacy_and_flat(void **state)
{
	struct import *im = new_import(false);

	(void)state;
	assert_int_equal(run_fixture(im, IMPORT_KEYLIME, "keylime-legacy.json"), 0);
	expect(im, 'a', "/usr/bin/old", "keylime");
	expect(im, 'b', "/usr/bin/older", "keylime");
	assert_int_equal(allowlist_count(im->al), 2);
	assert_int_equal(skipped(im, "digest of 40 hex digits (not SHA-256)"), 1);
	free_import(im);

	im = new_import(false);
	assert_int_equal(run_fixture(im, IMPORT_KEYLIME, "keylime-flat.txt"), 0);
	expect(im, 'a', "/usr/bin/flat", "keylime");
	expect(im, 'b', "/usr/bin/with space", "keylime");
	assert_int_equal(allowlist_count(im->al), 2);
	assert_int_equal(skipped(im, "digest of 40 hex digits (not SHA-256)"), 1);
	assert_string_equal(first_seen(im, "digest of 40 hex digits (not SHA-256)"),
			    "'keylime-flat.txt': line 2");
	free_import(im);
}

static void test_import_keylime_rejects(void **state)
{
	struct import *im = new_import(false);

	(void)state;
	assert_int_equal(run_fixture(im, IMPORT_KEYLIME, "keylime-bad.json"), -EINVAL);
	assert_string_equal(im->err, "'keylime-bad.json': digests['/usr/bin/y'][0]: not a hex digest");
	free_import(im);

	im = new_import(true);
	assert_int_equal(run_fixture(im, IMPORT_KEYLIME, "keylime-bad.json"), 0);
	assert_int_equal(allowlist_count(im->al), 1);
	assert_int_equal(skipped(im, "malformed entry"), 1);
	free_import(im);

	/* Not JSON at all, or not a policy: --skip-bad does not help. */
	im = new_import(true);
	assert_int_equal(run_text(im, IMPORT_KEYLIME, "{\"digests\": [1,"), -EINVAL);
	assert_non_null(strstr(im->err, "'inline': line 1: "));
	assert_int_equal(run_text(im, IMPORT_KEYLIME, "{\"meta\": {}}"), -EINVAL);
	assert_non_null(strstr(im->err, "no \"digests\" object"));
	assert_int_equal(run_text(im, IMPORT_KEYLIME, "{\"digests\": {}, \"digests\": {}}"),
			 -EINVAL);
	assert_int_equal(run_text(im, IMPORT_KEYLIME,
				  "{\"payloadType\": \"x\", \"payload\": \"e30=\", \"signatures\": []}"),
			 -EINVAL);
	assert_non_null(strstr(im->err, "DSSE"));
	free_import(im);
}

/* Keylime's own flat list: "sha256:" prefixes, boot_aggregate, keyrings. */
static void test_import_keylime_flat_as_keylime_writes(void **state)
{
	struct import *im = new_import(false);

	(void)state;
	assert_int_equal(run_fixture(im, IMPORT_KEYLIME, "keylime-flat-allowlist.txt"), 0);
	expect(im, 'a', "/usr/bin/bash", "keylime");
	expect(im, 'c', "/usr/bin/prefixed", "keylime");
	expect(im, 'd', "/usr/bin/tabbed", "keylime");
	assert_int_equal(allowlist_count(im->al), 3);
	assert_int_equal(skipped(im, "boot_aggregate"), 2);
	assert_string_equal(first_seen(im, "boot_aggregate"), "'keylime-flat-allowlist.txt': line 1");
	assert_int_equal(skipped(im, "keyring digest (not a file)"), 1);
	assert_int_equal(skipped(im, "digest of 40 hex digits (not SHA-256)"), 1);
	assert_int_equal(skipped(im, "sha1 digest (not SHA-256)"), 1);
	free_import(im);

	/* an exclude list: one message naming it, with --skip-bad too */
	im = new_import(true);
	assert_int_equal(run_fixture(im, IMPORT_KEYLIME, "keylime-excludelist.txt"), -EINVAL);
	assert_non_null(strstr(im->err, "'keylime-excludelist.txt': line 1: 'boot_aggregate'"));
	assert_non_null(strstr(im->err, "Keylime exclude list"));
	assert_false(im->malformed);
	free_import(im);
}

/* A digest of another length (62 hex in Keylime's policy-unknown) is skipped. */
static void test_import_keylime_other_length(void **state)
{
	struct import *im = new_import(false);

	(void)state;
	assert_int_equal(run_fixture(im, IMPORT_KEYLIME, "keylime-policy-unknown.json"), 0);
	expect(im, 'a', "/usr/bin/known", "keylime");
	expect(im, 'b', "/usr/bin/unknown", "keylime");
	assert_int_equal(allowlist_count(im->al), 2);
	assert_int_equal(skipped(im, "digest of 62 hex digits (not SHA-256)"), 1);
	assert_string_equal(first_seen(im, "digest of 62 hex digits (not SHA-256)"),
			    "'keylime-policy-unknown.json': digests['/usr/bin/unknown'][0]");
	free_import(im);
}

/* ---- fapolicyd --------------------------------------------------------------- */

static void test_import_fapolicyd_v2_escapes(void **state)
{
	struct import *im = new_import(false);

	(void)state;
	assert_int_equal(run_fixture(im, IMPORT_FAPOLICYD, "fapolicyd-v2.trust"), 0);
	expect(im, 'a', "/usr/bin/plain", "fapolicyd");
	expect(im, 'b', "/opt/my app/run me", "fapolicyd");
	expect(im, 'c', "/opt/percent%zz", "fapolicyd");	/* not an escape: kept */
	assert_int_equal(allowlist_count(im->al), 3);
	assert_int_equal(im->nskips, 0);
	free_import(im);
}

static void test_import_fapolicyd_v3_spaces(void **state)
{
	struct import *im = new_import(false);

	(void)state;
	assert_int_equal(run_fixture(im, IMPORT_FAPOLICYD, "fapolicyd-v3.trust"), 0);
	expect(im, 'a', "/usr/bin/plain", "fapolicyd");
	expect(im, 'b', "/opt/my app/run me", "fapolicyd");
	expect(im, 'c', "/opt/not%20escaped", "fapolicyd");	/* v3 does not escape */
	assert_int_equal(allowlist_count(im->al), 3);
	free_import(im);
}

static void test_import_fapolicyd_malformed(void **state)
{
	static const char *const bad[] = {
		"/usr/bin/x 12 %.63s\n",	/* short digest */
		"/usr/bin/x 1a %s\n",		/* size not a number */
		"relative/x 12 %s\n",		/* not absolute */
		"%s\n",				/* digest only */
		"/usr/bin/x 123456789012345678901 %s\n",	/* size too long */
	};
	struct import *im = new_import(false);
	char line[256];

	(void)state;
	assert_int_equal(run_fixture(im, IMPORT_FAPOLICYD, "fapolicyd-bad.trust"), -EINVAL);
	assert_non_null(strstr(im->err, "'fapolicyd-bad.trust': line 4: "));
	free_import(im);

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		im = new_import(false);
		snprintf(line, sizeof(line), bad[i], hexrep('d'));
		assert_int_equal(run_text(im, IMPORT_FAPOLICYD, line), -EINVAL);
		free_import(im);
	}

}

/* fapolicyd's own reading: a v3 path keeps a trailing space, only %XX in
 * uppercase is an escape, an unknown version header is a comment. */
static void test_import_fapolicyd_as_fapolicyd_reads(void **state)
{
	struct import *im = new_import(false);

	(void)state;
	assert_int_equal(run_fixture(im, IMPORT_FAPOLICYD, "fapolicyd-v3-trailing.trust"), 0);
	expect(im, 'a', "/opt/trailing ", "fapolicyd");
	expect(im, 'b', "/opt/plain", "fapolicyd");
	assert_int_equal(allowlist_count(im->al), 2);
	free_import(im);

	im = new_import(false);
	assert_int_equal(run_fixture(im, IMPORT_FAPOLICYD, "fapolicyd-v2-case.trust"), 0);
	expect(im, 'a', "/opt/lower%2fcase", "fapolicyd");
	expect(im, 'b', "/opt/upper/case", "fapolicyd");
	expect(im, 'c', "/opt/my app", "fapolicyd");
	free_import(im);

	im = new_import(false);
	assert_int_equal(run_fixture(im, IMPORT_FAPOLICYD, "fapolicyd-v4.trust"), 0);
	expect(im, 'a', "/opt/four spaces", "fapolicyd");
	assert_int_equal(allowlist_count(im->al), 1);
	assert_int_equal(im->nskips, 0);
	free_import(im);
}

/* ---- Santa ------------------------------------------------------------------- */

static void test_import_santa_binary_allowlist_only(void **state)
{
	struct import *im = new_import(false);
	const struct allowlist_entry *e;

	(void)state;
	assert_int_equal(run_fixture(im, IMPORT_SANTA, "santa.json"), 0);
	assert_int_equal(allowlist_count(im->al), 3);
	e = find(im, hexrep('a'), NULL);
	assert_non_null(e);
	assert_string_equal(e->comment, "approved build tool");
	assert_string_equal(e->source, "santa");
	expect(im, 'b', NULL, "santa");
	expect(im, 'c', NULL, "santa");	/* the older "sha256" key */
	assert_null(find(im, hexrep('e'), NULL));
	assert_int_equal(skipped(im, "santa BINARY rule with policy BLOCKLIST"), 1);
	assert_int_equal(skipped(im, "santa CERTIFICATE rule (not a binary hash)"), 2);
	assert_int_equal(skipped(im, "santa TEAMID rule (not a binary hash)"), 1);
	assert_int_equal(skipped(im, "santa SIGNINGID rule (not a binary hash)"), 1);
	assert_int_equal(import_skipped(im), 5);
	assert_string_equal(first_seen(im, "santa CERTIFICATE rule (not a binary hash)"),
			    "'santa.json': rules[4]");
	free_import(im);
}

static void test_import_santa_rejects(void **state)
{
	struct import *im = new_import(false);

	(void)state;
	assert_int_equal(run_fixture(im, IMPORT_SANTA, "santa-bad.json"), -EINVAL);
	assert_string_equal(im->err,
			    "'santa-bad.json': rules[1]: identifier is not a 64-digit SHA-256");
	free_import(im);

	im = new_import(false);
	assert_int_equal(run_text(im, IMPORT_SANTA, "{\"rules\": {}}"), -EINVAL);
	assert_non_null(strstr(im->err, "no \"rules\" list"));
	assert_int_equal(run_text(im, IMPORT_SANTA, "{\"rules\": [{\"policy\": \"ALLOWLIST\"}]}"),
			 -EINVAL);
	assert_non_null(strstr(im->err, "rules[0]"));
	assert_int_equal(run_text(im, IMPORT_SANTA, "[]"), -EINVAL);
	free_import(im);
}

/* Santa's reading: keys lower-cased, WHITELIST is ALLOWLIST, an empty
 * identifier falls back to sha256. */
static void test_import_santa_as_santa_reads(void **state)
{
	struct import *im = new_import(false);
	const struct allowlist_entry *e;

	(void)state;
	assert_int_equal(run_fixture(im, IMPORT_SANTA, "santa-mixedcase.json"), 0);
	e = find(im, hexrep('a'), NULL);
	assert_non_null(e);
	assert_string_equal(e->comment, "old name");
	expect(im, 'b', NULL, "santa");
	expect(im, 'c', NULL, "santa");
	assert_int_equal(allowlist_count(im->al), 3);
	assert_int_equal(skipped(im, "santa BINARY rule with policy BLACKLIST"), 1);
	assert_int_equal(skipped(im, "santa BINARY rule with policy WHITELIST_COMPILER"), 1);
	free_import(im);

	im = new_import(false);
	assert_int_equal(run_text(im, IMPORT_SANTA,
				  "{\"rules\": [{\"policy\": \"ALLOWLIST\", \"rule_type\": "
				  "\"BINARY\", \"Policy\": \"BLOCKLIST\", \"identifier\": \"x\"}]}"),
			 -EINVAL);
	assert_non_null(strstr(im->err, "differ only in case"));
	free_import(im);
}

/* The sync servers' own files: a message that names them and the way out. */
static void test_import_santa_sync_server_files(void **state)
{
	static const struct {
		const char *file, *says;
	} cases[] = {
		{ "santa-moroz.toml", "a Moroz TOML config" },
		{ "santa-array.json", "wrap them first: jq '{rules: .}'" },
		{ "santa-rules.csv", "comma-separated text" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct import *im = new_import(true);

		assert_int_equal(run_fixture(im, IMPORT_SANTA, cases[i].file), -EINVAL);
		if (!strstr(im->err, cases[i].says))
			fail_msg("%s: '%s'", cases[i].file, im->err);
		assert_false(im->malformed);
		free_import(im);
	}
}

/* ---- IMA log ----------------------------------------------------------------- */

static void test_import_imalog_templates(void **state)
{
	struct import *im = new_import(false);

	(void)state;
	assert_int_equal(run_fixture(im, IMPORT_IMALOG, "ima.log"), 0);
	expect(im, 'a', "/usr/lib/systemd/systemd", "ima-log");
	expect(im, 'b', "/usr/bin/a path with spaces", "ima-log");
	expect(im, 'c', "/usr/bin/signed", "ima-log");
	expect(im, 'e', "/usr/bin/unsigned with space", "ima-log");
	expect(im, 'f', "/usr/bin/v2", "ima-log");
	expect(im, 'a', "/usr/lib/modules/x.ko", "ima-log");
	assert_int_equal(allowlist_count(im->al), 6);
	assert_int_equal(skipped(im, "boot_aggregate"), 1);
	assert_int_equal(skipped(im, "sha1 digest (not SHA-256)"), 2);
	assert_string_equal(first_seen(im, "sha1 digest (not SHA-256)"), "'ima.log': line 1");
	assert_int_equal(skipped(im, "legacy 'ima' template (SHA-1 only)"), 1);
	assert_int_equal(skipped(im, "violation record"), 1);
	assert_int_equal(skipped(im, "ima-buf record (not a file)"), 1);
	assert_int_equal(skipped(im, "fs-verity digest (not a file hash)"), 1);
	free_import(im);
}

/* ima-modsig is d-ng|n-ng|sig|d-modsig|modsig: a module with an appended
 * signature has a d-modsig printed "<algo>:<hex>" and the modsig in hex. */
static void test_import_imalog_modsig(void **state)
{
	static const char *const good[] = {
		"10 %s ima-modsig sha256:%s /lib/modules/y.ko  sha256:%s 3082abcd\n",
		"10 %s ima-modsig sha256:%s /lib/modules/y.ko 030204 sha256:%s 3082abcd\n",
		"10 %s ima-modsig sha256:%s /lib/modules/y.ko 030204 sha3-256:%s 3082abcd\n",
	};
	static const char *const bad[] = {
		"10 %s ima-modsig sha256:%s /lib/modules/y.ko  %s 3082abcd\n",	/* no algo */
		"10 %s ima-modsig sha256:%s /lib/modules/y.ko  sha256:%sxy 3082\n",
		"10 %s ima-modsig sha256:%s /lib/modules/y.ko  sha256:%s sha256:00\n",
		"10 %s ima-modsig sha256:%s /lib/modules/y.ko sha256:00 sha256:%s 30\n",
	};
	char tmpl[41], line[512];
	struct import *im;

	(void)state;
	memset(tmpl, '3', 40);
	tmpl[40] = '\0';
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		im = new_import(false);
		snprintf(line, sizeof(line), good[i], tmpl, hexrep('a'), hexrep('b'));
		if (run_text(im, IMPORT_IMALOG, line))
			fail_msg("refused: %s: %s", line, im->err);
		expect(im, 'a', "/lib/modules/y.ko", "ima-log");
		assert_int_equal(allowlist_count(im->al), 1);
		free_import(im);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		im = new_import(false);
		snprintf(line, sizeof(line), bad[i], tmpl, hexrep('a'), hexrep('b'));
		if (run_text(im, IMPORT_IMALOG, line) != -EINVAL)
			fail_msg("accepted: %s", line);
		free_import(im);
	}
}

/* Without a TPM the boot_aggregate has a zero template hash: not a violation. */
static void test_import_imalog_no_tpm(void **state)
{
	struct import *im = new_import(false);

	(void)state;
	assert_int_equal(run_fixture(im, IMPORT_IMALOG, "ima-notpm.log"), 0);
	expect(im, 'a', "/usr/bin/bash", "ima-log");
	assert_int_equal(allowlist_count(im->al), 1);
	assert_int_equal(skipped(im, "boot_aggregate"), 1);
	assert_int_equal(skipped(im, "violation record"), 1);
	assert_string_equal(first_seen(im, "violation record"), "'ima-notpm.log': line 3");
	free_import(im);
}

static void test_import_imalog_malformed(void **state)
{
	static const char *const bad[] = {
		"x 3333333333333333333333333333333333333333 ima-ng sha256:%s /a\n",
		"10 33 ima-ng sha256:%s /a\n",					/* short */
		"10 3333333333333333333333333333333333333333 ima-ng %s /a\n",	/* no algo */
		"10 3333333333333333333333333333333333333333 ima-ng sha256:%s\n",	/* no path */
		"10 3333333333333333333333333333333333333333 ima-sig sha256:%s /a\n",	/* no sig field */
		"10 3333333333333333333333333333333333333333 ima-sig sha256:%s /a xyz\n",
		"10 3333333333333333333333333333333333333333 ima-ngv2 sha256:%s /a\n",
		"10 3333333333333333333333333333333333333333 ima-ng sha256:%s \n",	/* empty path */
	};
	struct import *im = new_import(false);
	char line[256];

	(void)state;
	assert_int_equal(run_fixture(im, IMPORT_IMALOG, "ima-bad.log"), -EINVAL);
	assert_string_equal(im->err, "'ima-bad.log': line 2: sha256 digest is not 64 hex digits");
	free_import(im);

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		im = new_import(false);
		snprintf(line, sizeof(line), bad[i], hexrep('a'));
		if (run_text(im, IMPORT_IMALOG, line) != -EINVAL)
			fail_msg("accepted: %s", line);
		free_import(im);
	}

	im = new_import(false);
	assert_int_equal(import_buf(im, IMPORT_IMALOG, "bin", "\x0a\x00\x00\x00", 4), -EINVAL);
	assert_non_null(strstr(im->err, "binary_runtime_measurements"));
	free_import(im);
}

static void test_import_skip_reasons_are_bounded(void **state)
{
	struct import *im = new_import(false);
	char *text = malloc(64 * 128), *p = text;

	(void)state;
	assert_non_null(text);
	/* Sixty distinct template names: the table keeps its bound and the
	 * rest land in one "other reasons" slot. */
	for (int i = 0; i < 60; i++)
		p += sprintf(p, "10 3333333333333333333333333333333333333333 tmpl-%d x /a\n", i);
	assert_int_equal(run_text(im, IMPORT_IMALOG, text), 0);
	assert_int_equal(im->nskips, IMPORT_MAX_REASONS);
	assert_int_equal(import_skipped(im), 60);
	assert_int_equal(skipped(im, "other reasons"), 60 - (IMPORT_MAX_REASONS - 1));
	free(text);
	free_import(im);
}

static void test_import_non_utf8_path_kept_without_path(void **state)
{
	struct import *im = new_import(false);
	char line[160];

	(void)state;
	snprintf(line, sizeof(line), "%s  /opt/latin1-\xe9t\xe9\n", hexrep('a'));
	assert_int_equal(run_text(im, IMPORT_SHA256SUM, line), 0);
	assert_int_equal(im->pathless, 1);
	expect(im, 'a', NULL, "sha256sum");
	free_import(im);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_import_format_names),
		cmocka_unit_test(test_import_sha256sum_forms),
		cmocka_unit_test(test_import_sha256sum_malformed_names_line),
		cmocka_unit_test(test_import_sha256sum_skip_bad),
		cmocka_unit_test(test_import_crlf),
		cmocka_unit_test(test_import_sha256sum_edge_lines),
		cmocka_unit_test(test_import_sha256sum_one_space),
		cmocka_unit_test(test_import_skip_bad_needs_a_good_line),
		cmocka_unit_test(test_import_keylime_policy),
		cmocka_unit_test(test_import_keylime_legacy_and_flat),
		cmocka_unit_test(test_import_keylime_rejects),
		cmocka_unit_test(test_import_keylime_flat_as_keylime_writes),
		cmocka_unit_test(test_import_keylime_other_length),
		cmocka_unit_test(test_import_fapolicyd_v2_escapes),
		cmocka_unit_test(test_import_fapolicyd_v3_spaces),
		cmocka_unit_test(test_import_fapolicyd_malformed),
		cmocka_unit_test(test_import_fapolicyd_as_fapolicyd_reads),
		cmocka_unit_test(test_import_santa_binary_allowlist_only),
		cmocka_unit_test(test_import_santa_rejects),
		cmocka_unit_test(test_import_santa_as_santa_reads),
		cmocka_unit_test(test_import_santa_sync_server_files),
		cmocka_unit_test(test_import_imalog_templates),
		cmocka_unit_test(test_import_imalog_modsig),
		cmocka_unit_test(test_import_imalog_no_tpm),
		cmocka_unit_test(test_import_imalog_malformed),
		cmocka_unit_test(test_import_skip_reasons_are_bounded),
		cmocka_unit_test(test_import_non_utf8_path_kept_without_path),
	};

	return cmocka_run_group_tests_name("import", tests, NULL, NULL);
}
