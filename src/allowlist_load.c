// SPDX-License-Identifier: GPL-2.0-only
/*
 * The one path by which an allowlist file becomes trusted. The file is read
 * once: the bytes whose signature is checked are the bytes that are parsed
 * and hashed, so nothing can change between the checks.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "allowlist.h"
#include "fileio.h"
#include "log.h"
#include "sig.h"
#include "state.h"

int allowlist_load_verified(const struct allowlist_load_opts *o, struct allowlist **out)
{
	uint8_t *buf = NULL, *sig = NULL, sha[SHA256_LEN];
	size_t len, siglen;
	char *sig_path = NULL, why[512];
	struct allowlist *al = NULL;
	struct allowlist_state st;
	time_t now = o->now ? o->now : time(NULL), exp;
	int err;

	if (!sig_keyring_count(o->trust)) {
		pr_err("cannot verify '%s': no trusted key given", o->path);
		return -ENOKEY;
	}
	if (o->sig_path) {
		sig_path = strdup(o->sig_path);
	} else if (asprintf(&sig_path, "%s.sig", o->path) < 0) {
		sig_path = NULL;
	}
	if (!sig_path)
		return -ENOMEM;

	err = read_file_once(o->path, o->max_size ? o->max_size : ALLOWLIST_MAX_SIZE, &buf, &len);
	if (err)
		goto cleanup;
	err = read_file_once(sig_path, SIG_MAX_SIZE, &sig, &siglen);
	if (err)
		goto cleanup;
	err = sig_keyring_verify(o->trust, buf, len, sig, siglen, NULL);
	if (err) {
		pr_err("allowlist '%s' refused: signature '%s' does not verify with any trusted key",
		       o->path, sig_path);
		goto cleanup;
	}

	err = allowlist_parse(buf, len, &al, why, sizeof(why));
	if (err) {
		pr_err("allowlist '%s' refused: %s", o->path, err == -ENOMEM ? "out of memory" : why);
		goto cleanup;
	}
	err = sha256_buf(buf, len, sha);
	if (err)
		goto cleanup;
	allowlist_set_file_sha256(al, sha);

	if (allowlist_expiry(al, &exp) && now >= exp) {
		pr_err("allowlist '%s' refused: expired at %s", o->path, allowlist_expires(al));
		err = -EKEYEXPIRED;
		goto cleanup;
	}
	if (o->state_dir) {
		err = state_read(o->state_dir, &st);
		if (err)
			goto cleanup;
		err = state_check(&st, o->path, allowlist_serial(al), sha);
		if (err)
			goto cleanup;
		/* Last: every check above passed, so this serial is now the floor. */
		if (o->commit) {
			err = state_commit(o->state_dir, allowlist_serial(al), sha);
			if (err)
				goto cleanup;
		}
	}
	*out = al;
	al = NULL;
cleanup:
	allowlist_free(al);
	free(sig);
	free(buf);
	free(sig_path);
	return err;
}
