// SPDX-License-Identifier: GPL-2.0-only
/* The forms a digest takes in the trail, version by version (audit/audit.h). */
#include <errno.h>
#include <string.h>

#include "audit/audit.h"
#include "util/digest.h"
#include "util/hex.h"

#define PREFIX_LEN (sizeof(AUDIT_DIGEST_PREFIX) - 1)

enum audit_digest_form audit_digest_form_str(const char *s, size_t n)
{
	if (!n)
		return AUDIT_DIGEST_NONE;
	if (n == SHA256_HEX_LEN && hex_span(s, n, true) == n)
		return AUDIT_DIGEST_BARE;
	if (n == PREFIX_LEN + SHA256_HEX_LEN && !memcmp(s, AUDIT_DIGEST_PREFIX, PREFIX_LEN) &&
	    hex_span(s + PREFIX_LEN, SHA256_HEX_LEN, true) == SHA256_HEX_LEN)
		return AUDIT_DIGEST_PREFIXED;
	return AUDIT_DIGEST_BAD;
}

enum audit_digest_form audit_digest_form(const json_t *v)
{
	if (!v || json_is_null(v))
		return AUDIT_DIGEST_NONE;
	if (!json_is_string(v))
		return AUDIT_DIGEST_BAD;
	return audit_digest_form_str(json_string_value(v), json_string_length(v));
}

enum audit_digest_form audit_digest_form_of(const char *type, int format)
{
	return format == 1 && !strcmp(type, "summary") ? AUDIT_DIGEST_BARE : AUDIT_DIGEST_PREFIXED;
}

int audit_digest_hex(const json_t *v, char hex[SHA256_HEX_LEN + 1])
{
	enum audit_digest_form f = audit_digest_form(v);
	const char *s = json_string_value(v);

	if (f != AUDIT_DIGEST_BARE && f != AUDIT_DIGEST_PREFIXED)
		return -EINVAL;
	memcpy(hex, f == AUDIT_DIGEST_BARE ? s : s + PREFIX_LEN, SHA256_HEX_LEN);
	hex[SHA256_HEX_LEN] = '\0';
	return 0;
}
