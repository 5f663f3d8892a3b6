// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include <jansson.h>

#include "crypto/token.h"
#include "util/rfc3339.h"

int token_make(const char *keypath, const char *host, const char *machine_id,
	       time_t not_before, time_t not_after, char **out, size_t *len)
{
	char nb[21], na[21], nonce[33];
	uint8_t raw[16], *sig = NULL;
	char *line = NULL, *b64 = NULL, *text;
	size_t siglen, n;
	json_t *j;
	int err;

	if (getrandom(raw, sizeof(raw), 0) != sizeof(raw))
		return -EIO;
	for (size_t i = 0; i < sizeof(raw); i++)
		snprintf(nonce + 2 * i, 3, "%02x", raw[i]);
	rfc3339_format(not_before, nb);
	rfc3339_format(not_after, na);
	j = json_pack("{s:s, s:s, s:s?, s:s, s:s, s:s}", "format", TOKEN_FORMAT, "host", host,
		      "machine_id", machine_id, "not_before", nb, "not_after", na,
		      "nonce", nonce);
	if (j)
		line = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(j);
	if (!line)
		return -ENOMEM;
	n = strlen(line);
	text = realloc(line, n + 2);
	if (!text) {
		free(line);
		return -ENOMEM;
	}
	line = text;
	line[n++] = '\n';
	line[n] = '\0';
	err = sig_sign_file(keypath, line, n, &sig, &siglen);
	if (!err) {
		b64 = sig_base64_encode(sig, siglen);
		err = b64 ? 0 : -ENOMEM;
	}
	if (!err && asprintf(&text, "%s%s\n", line, b64) < 0)
		err = -ENOMEM;
	if (!err) {
		*out = text;
		*len = strlen(text);
	}
	free(line);
	free(sig);
	free(b64);
	return err;
}

static int fail(const char **why, const char *text, int err)
{
	*why = text;
	return err;
}

static const char *str(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

int token_check(const struct sig_keyring *kr, const uint8_t *buf, size_t len,
		const struct token_host *here, struct token *t, const char **why)
{
	const uint8_t *nl = len ? memchr(buf, '\n', len) : NULL;
	struct token tok = { 0 };
	const char *host, *mid, *nonce;
	size_t plen;
	json_t *j, *v;
	int err;

	if (!nl || len > TOKEN_MAX_SIZE)
		return fail(why, "not an unlock token (no signature line)", -EINVAL);
	plen = (size_t)(nl - buf) + 1;
	/* Verified before a byte of it is parsed. */
	err = sig_keyring_verify(kr, buf, plen, buf + plen, len - plen, NULL);
	if (err == -ENOKEY)
		return fail(why, "no trusted key to verify it with", err);
	if (err)
		return fail(why, "bad signature: not signed by a trusted key", -EBADMSG);
	j = json_loadb((const char *)buf, plen, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(j)) {
		json_decref(j);
		return fail(why, "invalid token: not a JSON object", -EINVAL);
	}
	host = str(j, "host");
	nonce = str(j, "nonce");
	v = json_object_get(j, "machine_id");
	mid = json_string_value(v);
	err = -EINVAL;
	*why = "invalid token: a field is missing or malformed";
	if (!str(j, "format") || strcmp(str(j, "format"), TOKEN_FORMAT)) {
		*why = "invalid token: not " TOKEN_FORMAT;
	} else if (host && *host && strlen(host) < sizeof(tok.host) && nonce &&
		   strlen(nonce) < sizeof(tok.nonce) && (!v || json_is_null(v) ||
		   (mid && strlen(mid) < sizeof(tok.machine_id))) &&
		   str(j, "not_before") && !rfc3339_parse(str(j, "not_before"), &tok.not_before) &&
		   str(j, "not_after") && !rfc3339_parse(str(j, "not_after"), &tok.not_after) &&
		   tok.not_before <= tok.not_after) {
		snprintf(tok.host, sizeof(tok.host), "%s", host);
		snprintf(tok.nonce, sizeof(tok.nonce), "%s", nonce);
		snprintf(tok.machine_id, sizeof(tok.machine_id), "%s", mid ? mid : "");
		err = 0;
	}
	json_decref(j);
	if (err)
		return err;
	if (t)
		*t = tok;
	if (!here->hostname || strcmp(tok.host, here->hostname))
		return fail(why, "for another host", -EACCES);
	if (tok.machine_id[0] && (!here->machine_id || strcmp(tok.machine_id, here->machine_id)))
		return fail(why, "for another host (machine-id)", -EACCES);
	if (here->now < tok.not_before)
		return fail(why, "not yet valid", -EKEYREJECTED);
	if (here->now > tok.not_after)
		return fail(why, "expired", -EKEYEXPIRED);
	*why = "valid";
	return 0;
}

int token_machine_id(char *buf, size_t size)
{
	ssize_t n;
	int fd = open("/etc/machine-id", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n <= 0)
		return n < 0 ? -errno : -ENODATA;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return buf[0] ? 0 : -ENODATA;
}
