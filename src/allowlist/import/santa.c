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

static int santa_rule(struct import_ctx *c, json_t *r)
{
	const char *type, *policy, *ident, *msg;
	char t[32], p[32];
	json_t *id;

	if (!json_is_object(r))
		return import_bad(c, "not an object");
	type = json_string_value(json_object_get(r, "rule_type"));
	policy = json_string_value(json_object_get(r, "policy"));
	if (!type || !policy)
		return import_bad(c, "no \"rule_type\" or \"policy\" string");
	import_printable(t, sizeof(t), type, strlen(type));
	import_printable(p, sizeof(p), policy, strlen(policy));
	if (strcasecmp(type, "BINARY")) {
		import_skip_reason(c, "santa %s rule (not a binary hash)", t);
		return 0;
	}
	if (strcasecmp(policy, "ALLOWLIST")) {
		import_skip_reason(c, "santa BINARY rule with policy %s", p);
		return 0;
	}
	/* Santa before 2022 named the hash "sha256". */
	id = json_object_get(r, "identifier");
	if (!id)
		id = json_object_get(r, "sha256");
	ident = json_string_value(id);
	if (!ident || json_string_length(id) != SHA256_HEX_LEN ||
	    hex_span(ident, SHA256_HEX_LEN, false) != SHA256_HEX_LEN)
		return import_bad(c, "identifier is not a 64-digit SHA-256");
	msg = json_string_value(json_object_get(r, "custom_msg"));
	return import_add(c, ident, NULL, msg);
}

int santa_buf(struct import_ctx *c, const char *buf, size_t len)
{
	json_error_t jerr;
	json_t *root, *rules, *r;
	size_t i;
	int err = 0;

	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return import_fail(c, "line %d: %s", jerr.line, jerr.text);
	rules = json_object_get(root, "rules");
	if (!json_is_array(rules)) {
		err = import_fail(c, "no \"rules\" list: not a Santa rules file");
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
