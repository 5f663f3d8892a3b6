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

/* Hex lengths of the other common algorithms (md5, sha1, sha224, sha384,
 * sha512): a digest of one of these is a skip, any other length malformed. */
static bool other_algo_len(size_t n)
{
	return n == 32 || n == 40 || n == 56 || n == 96 || n == 128;
}

/* The flat allowlist of older Keylime releases: "<hex> <path>" lines of any
 * algorithm, as sha1sum or sha256sum wrote them. */
static int keylime_flat_line(struct import_ctx *c, const char *s, size_t n)
{
	size_t h, p;
	char *path;
	int err;

	if (import_blank(s, n) || s[0] == '#')
		return 0;
	if (memchr(s, '\0', n))
		return import_bad(c, "NUL byte in line");
	h = hex_span(s, n, false);
	for (p = h; p < n && (s[p] == ' ' || s[p] == '\t'); p++)
		;
	if (!h || p == h || p == n)
		return import_bad(c, "expected '<hex digest> <path>'");
	if (h != SHA256_HEX_LEN) {
		if (!other_algo_len(h))
			return import_bad(c, "digest has %zu hex digits", h);
		import_skip_reason(c, "digest of %zu hex digits (not SHA-256)", h);
		return 0;
	}
	path = import_dup_n(s + p, n - p);
	if (!path)
		return -ENOMEM;
	err = import_add(c, s, path, NULL);
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
	if (n != SHA256_HEX_LEN) {
		if (!other_algo_len(n))
			return import_bad(c, "digest has %zu hex digits", n);
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
