// SPDX-License-Identifier: GPL-2.0-only
/* Santa rules files: the BINARY ALLOWLIST rules. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "allowlist/import/priv.h"
#include "util/digest.h"
#include "util/hex.h"

/*
 * A rule's value under key, as Santa finds it: it lower-cases every key
 * first. NULL when absent; *twice is set when two keys differ only in case
 * (which one Santa would keep is not defined).
 */
static json_t *rule_get(json_t *r, const char *key, bool *twice)
{
	json_t *found = NULL, *v;
	const char *k;

	json_object_foreach(r, k, v) {
		if (strcasecmp(k, key))
			continue;
		if (found)
			*twice = true;
		found = v;
	}
	return found;
}

static const char *rule_string(json_t *r, const char *key, bool *twice)
{
	return json_string_value(rule_get(r, key, twice));
}

static int santa_rule(struct import_ctx *c, json_t *r)
{
	const char *type, *policy, *ident, *msg;
	char t[32], p[32];
	bool twice = false;
	json_t *id;

	if (!json_is_object(r))
		return import_bad(c, "not an object");
	type = rule_string(r, "rule_type", &twice);
	policy = rule_string(r, "policy", &twice);
	if (twice)
		return import_bad(c, "two keys that differ only in case");
	if (!type || !policy)
		return import_bad(c, "no \"rule_type\" or \"policy\" string");
	import_printable(t, sizeof(t), type, strlen(type));
	import_printable(p, sizeof(p), policy, strlen(policy));
	/* Santa upper-cases both values before it compares them. */
	if (strcasecmp(type, "BINARY")) {
		import_skip_reason(c, "santa %s rule (not a binary hash)", t);
		return 0;
	}
	/* WHITELIST: the policy's name before Santa 2021.1, still read as ALLOWLIST */
	if (strcasecmp(policy, "ALLOWLIST") && strcasecmp(policy, "WHITELIST")) {
		import_skip_reason(c, "santa BINARY rule with policy %s", p);
		return 0;
	}
	/* Santa before 2022 named the hash "sha256"; an identifier that is
	 * absent, not a string or empty falls back to it. */
	id = rule_get(r, "identifier", &twice);
	if (!json_string_length(id))
		id = rule_get(r, "sha256", &twice);
	if (twice)
		return import_bad(c, "two keys that differ only in case");
	ident = json_string_value(id);
	if (!ident || json_string_length(id) != SHA256_HEX_LEN ||
	    hex_span(ident, SHA256_HEX_LEN, false) != SHA256_HEX_LEN)
		return import_bad(c, "identifier is not a 64-digit SHA-256");
	msg = rule_string(r, "custom_msg", &twice);
	return import_add(c, ident, NULL, msg);
}

/* What a file that is not a Santa rules file most likely is, and what to do. */
static int santa_not_rules(struct import_ctx *c, const char *buf, size_t len, json_t *root)
{
	const char *p = buf, *end = buf + len;

	if (json_is_array(root))
		return import_fail(c, "a JSON list, not a Santa rules file ({\"rules\": [...]}); if "
				      "its items are Santa rules, as in a Rudolph JSON export, wrap "
				      "them first: jq '{rules: .}' FILE");
	if (root)
		return import_fail(c, "no \"rules\" list: not a Santa rules file");
	/* not JSON: Moroz's TOML config, or a CSV export */
	while (p < end && memchr(" \t\r\n", *p, 4))
		p++;
	if (memmem(buf, len, "[[rules]]", 9))
		return import_fail(c, "a Moroz TOML config, not a Santa rules file: convert it to "
				      "JSON first, e.g. python3 -c 'import json, sys, tomllib; "
				      "print(json.dumps(tomllib.load(open(sys.argv[1], \"rb\"))))' "
				      "FILE > rules.json");
	if (p < end && *p != '{' && *p != '[' && memchr(p, ',', (size_t)(end - p)))
		return import_fail(c, "comma-separated text, not a Santa rules file: convert the "
				      "CSV (a Rudolph export?) to {\"rules\": [{\"rule_type\", "
				      "\"policy\", \"identifier\"}, ...]} JSON first");
	return 1;
}

int santa_buf(struct import_ctx *c, const char *buf, size_t len)
{
	json_error_t jerr;
	json_t *root, *rules, *r;
	size_t i;
	int err = 0;

	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		err = santa_not_rules(c, buf, len, NULL);
		return err < 0 ? err : import_fail(c, "line %d: %s", jerr.line, jerr.text);
	}
	rules = json_object_get(root, "rules");
	if (!json_is_array(rules)) {
		err = santa_not_rules(c, buf, len, root);
		goto cleanup;
	}
	json_array_foreach(rules, i, r) {
		snprintf(c->entry, sizeof(c->entry), "rules[%zu]", i);
		err = santa_rule(c, r);
		if (err)
			goto cleanup;
	}
cleanup:
	json_decref(root);
	return err;
}
