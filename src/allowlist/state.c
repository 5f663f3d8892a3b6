// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "util/fileio.h"
#include "util/log.h"
#include "allowlist/state.h"

#define STATE_MAX_SIZE 4096

static char *state_path(const char *dir)
{
	char *p;

	return asprintf(&p, "%s/%s", dir, STATE_FILE) < 0 ? NULL : p;
}

int state_read(const char *dir, struct allowlist_state *st)
{
	char *path = state_path(dir);
	uint8_t *buf = NULL;
	size_t len;
	json_t *j = NULL, *serial, *sha;
	json_error_t je;
	struct stat sb;
	const char *hex;
	int err = 0;

	memset(st, 0, sizeof(*st));
	if (!path)
		return -ENOMEM;
	/* Only absence means "no state": anything else fails closed. */
	if (lstat(path, &sb) && errno == ENOENT)
		goto cleanup;
	err = fileio_read_once(path, STATE_MAX_SIZE, &buf, &len);
	if (err)
		goto cleanup;
	j = json_loadb((const char *)buf, len, JSON_REJECT_DUPLICATES, &je);
	serial = json_object_get(j, "serial");
	sha = json_object_get(j, "sha256");
	hex = json_string_value(sha);
	if (!json_is_object(j) || json_object_size(j) != 2 || !json_is_integer(serial) ||
	    json_integer_value(serial) < 0 || !hex ||
	    digest_from_hex(hex, json_string_length(sha), st->sha256)) {
		pr_err("cannot use state '%s': malformed (remove it to accept any serial again)",
		       path);
		err = -EINVAL;
		goto cleanup;
	}
	st->serial = (uint64_t)json_integer_value(serial);
	st->present = true;
cleanup:
	json_decref(j);
	free(buf);
	free(path);
	return err;
}

int state_check(const struct allowlist_state *st, const char *name, uint64_t serial,
		const uint8_t sha256[SHA256_LEN])
{
	if (!st->present)
		return 0;
	if (serial < st->serial) {
		pr_err("allowlist '%s' refused: serial %llu is older than the accepted serial %llu "
		       "(rollback)",
		       name, (unsigned long long)serial, (unsigned long long)st->serial);
		return -ESTALE;
	}
	if (serial == st->serial && memcmp(sha256, st->sha256, SHA256_LEN)) {
		pr_err("allowlist '%s' refused: serial %llu was already accepted with different "
		       "content (a new list needs a higher serial)",
		       name, (unsigned long long)serial);
		return -ESTALE;
	}
	return 0;
}

int state_commit(const char *dir, uint64_t serial, const uint8_t sha256[SHA256_LEN])
{
	char hex[SHA256_HEX_LEN + 1];
	char *path = NULL, *text = NULL;
	int n, err;

	if (mkdir(dir, 0700) && errno != EEXIST) {
		err = -errno;
		pr_err("cannot create state directory '%s': %s", dir, strerror(-err));
		return err;
	}
	path = state_path(dir);
	digest_to_hex(sha256, hex);
	n = asprintf(&text, "{\"serial\":%llu,\"sha256\":\"%s\"}\n", (unsigned long long)serial,
		     hex);
	if (!path || n < 0) {
		err = -ENOMEM;
		goto cleanup;
	}
	err = fileio_write_atomic(path, text, (size_t)n, 0600);
cleanup:
	free(text);
	free(path);
	return err;
}
