// SPDX-License-Identifier: GPL-2.0-only
/* Keylime runtime policies (JSON) and the flat allowlists of older releases. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "allowlist/import/priv.h"
#include "util/digest.h"
#include "util/hex.h"

/* What the flat list's first data line showed (import_ctx.form). */
enum { FLAT_START, FLAT_LIST };

/*
 * The flat allowlist of older Keylime releases, read as Keylime reads it:
 * a line is a digest and a path split at the first run of blanks, the
 * digest maybe written "<algo>:<hex>" (Keylime's own lists start with
 * "sha256:<hex>  boot_aggregate"). A "%keyring:<name>" path is a keyring's
 * digest, not a file.
 */
static int keylime_flat_line(struct import_ctx *c, const char *s, size_t n)
{
	size_t h, p, d = 0;
	const char *colon;
	char alg[24], *path;
	int err;

	while (n && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (!n || s[0] == '#')
		return 0;
	if (memchr(s, '\0', n))
		return import_bad(c, "NUL byte in line");
	for (p = 0; p < n && s[p] != ' ' && s[p] != '\t'; p++)
		;
	colon = memchr(s, ':', p);
	if (colon) {
		d = (size_t)(colon - s) + 1;
		import_printable(alg, sizeof(alg), s, d - 1 < sizeof(alg) ? d - 1 : sizeof(alg) - 1);
	}
	h = hex_span(s + d, p - d, false);
	/* One word of no digest on the first line: a list of regexes, one a
	 * line, is an exclude list (--skip-bad would only skip all of it). */
	if (c->form == FLAT_START && p == n && h != p - d) {
		char word[24];

		import_printable(word, sizeof(word), s, n);
		return import_fail(c, "line %lu: '%s' is a single word, not '<digest> <path>': this "
				      "looks like a Keylime exclude list, which has no allowlist "
				      "equivalent (write imaguard rules for what it excludes)",
				   c->line, word);
	}
	c->form = FLAT_LIST;
	if (!h || h != p - d || p == n || (colon && colon == s))
		return import_bad(c, "expected '<hex digest> <path>'");
	while (p < n && (s[p] == ' ' || s[p] == '\t'))
		p++;
	if (n - p == 14 && !memcmp(s + p, "boot_aggregate", 14)) {
		import_skip_reason(c, "boot_aggregate");
		return 0;
	}
	if (n - p >= 9 && !memcmp(s + p, "%keyring:", 9)) {
		import_skip_reason(c, "keyring digest (not a file)");
		return 0;
	}
	if (colon && strcmp(alg, "sha256")) {
		import_skip_reason(c, "%s digest (not SHA-256)", alg);
		return 0;
	}
	if (h != SHA256_HEX_LEN) {
		import_skip_reason(c, "digest of %zu hex digits (not SHA-256)", h);
		return 0;
	}
	path = import_dup_n(s + p, n - p);
	if (!path)
		return -ENOMEM;
	err = import_add(c, s + d, path, NULL);
	free(path);
	return err;
}

static void json_entry(struct import_ctx *c, const char *fmt, const char *key, size_t idx)
{
	char k[80];

	import_printable(k, sizeof(k), key, strlen(key));
	snprintf(c->entry, sizeof(c->entry), fmt, k, idx);
}

static int keylime_digest(struct import_ctx *c, const char *path, json_t *d)
{
	const char *hex = json_string_value(d);
	size_t n;

	if (!hex)
		return import_bad(c, "not a string");
	n = json_string_length(d);
	if (!n || hex_span(hex, n, false) != n)
		return import_bad(c, "not a hex digest");
	/* Keylime's verifier takes any length from 40 to 128 and compares it
	 * with the measured digest: whatever is not SHA-256 is left out. */
	if (n != SHA256_HEX_LEN) {
		import_skip_reason(c, "digest of %zu hex digits (not SHA-256)", n);
		return 0;
	}
	return import_add(c, hex, path, NULL);
}

/* Parts of a policy that have no counterpart in an allowlist, counted. */
static void keylime_count_rest(struct import_ctx *c, json_t *root)
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
			import_skip_reason(c, "%s", why[i]);
	}
}

static int keylime_json(struct import_ctx *c, const char *buf, size_t len)
{
	json_error_t jerr;
	json_t *root, *digests, *list, *d;
	const char *path, *key = "digests";
	size_t i;
	int err = 0;

	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return import_fail(c, "line %d: %s", jerr.line, jerr.text);
	if (!json_is_object(root)) {
		err = import_fail(c, "not a JSON object: not a Keylime runtime policy");
		goto cleanup;
	}
	if (json_object_get(root, "payload") && json_object_get(root, "payloadType")) {
		err = import_fail(c, "a signed (DSSE) envelope: import the policy it carries, "
				     "after checking its signature with Keylime's tools");
		goto cleanup;
	}
	digests = json_object_get(root, key);
	if (!digests) {
		key = "hashes";	/* the allowlist JSON of Keylime before 7.0 */
		digests = json_object_get(root, key);
	}
	if (!json_is_object(digests)) {
		err = import_fail(c, "no \"digests\" object: not a Keylime runtime policy");
		goto cleanup;
	}
	json_object_foreach(digests, path, list) {
		if (!json_is_array(list)) {
			json_entry(c, "digests['%s']", path, 0);
			err = import_bad(c, "not a list of digests");
			if (err)
				goto cleanup;
			continue;
		}
		json_array_foreach(list, i, d) {
			json_entry(c, "digests['%s'][%zu]", path, i);
			/* The verifier's own entry for the boot aggregate: not a file. */
			if (!strcmp(path, "boot_aggregate"))
				import_skip_reason(c, "boot_aggregate");
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

int keylime_buf(struct import_ctx *c, const char *buf, size_t len)
{
	size_t i = 0;

	while (i < len && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\n' || buf[i] == '\r'))
		i++;
	if (i < len && buf[i] == '{')
		return keylime_json(c, buf, len);
	return import_parse_lines(c, buf, len, keylime_flat_line);
}
