// SPDX-License-Identifier: GPL-2.0-only
/*
 * The one path by which an allowlist file becomes trusted. The file is read
 * once: the bytes whose signature is checked are the bytes that are parsed
 * and hashed, so nothing can change between the checks.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "allowlist.h"
#include "fileio.h"
#include "log.h"
#include "sig.h"
#include "state.h"

/* The file's SHA-256 (for the rollback state) is computed beside the
 * signature check and the parse: on a large list that hides a third of the
 * time. It only hashes bytes, so it adds nothing that reads unverified input. */
struct file_hash {
	const uint8_t *buf;
	size_t len;
	uint8_t sha[SHA256_LEN];
	int err;
};

static void *hash_thread(void *arg)
{
	struct file_hash *fh = arg;

	fh->err = sha256_buf(fh->buf, fh->len, fh->sha);
	return NULL;
}

int allowlist_load_verified(const struct allowlist_load_opts *o, struct allowlist **out)
{
	struct file_hash fh = { 0 };
	pthread_t tid;
	bool threaded = false;
	uint8_t *buf = NULL, *sig = NULL;
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
	fh.buf = buf;
	fh.len = len;
	threaded = !pthread_create(&tid, NULL, hash_thread, &fh);
	if (!threaded)
		hash_thread(&fh);
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
	if (threaded)
		pthread_join(tid, NULL);
	threaded = false;
	err = fh.err;
	if (err) {
		pr_err("cannot hash '%s'", o->path);
		goto cleanup;
	}
	allowlist_set_file_sha256(al, fh.sha);

	if (allowlist_expiry(al, &exp) && now >= exp) {
		pr_err("allowlist '%s' refused: expired at %s", o->path, allowlist_expires(al));
		err = -EKEYEXPIRED;
		goto cleanup;
	}
	if (o->state_dir) {
		err = state_read(o->state_dir, &st);
		if (err)
			goto cleanup;
		err = state_check(&st, o->path, allowlist_serial(al), fh.sha);
		if (err)
			goto cleanup;
		/* Last: every check above passed, so this serial is now the floor. */
		if (o->commit) {
			err = state_commit(o->state_dir, allowlist_serial(al), fh.sha);
			if (err)
				goto cleanup;
		}
	}
	*out = al;
	al = NULL;
cleanup:
	if (threaded)
		pthread_join(tid, NULL);	/* before buf goes */
	allowlist_free(al);
	free(sig);
	free(buf);
	free(sig_path);
	return err;
}
