// SPDX-License-Identifier: GPL-2.0-only
/*
 * The one path by which an allowlist file becomes trusted. The file is read
 * once: the bytes whose signature is checked are the bytes that are parsed
 * and hashed, so nothing can change between the checks.
 *
 * On a large list the memory is the file itself: a million entries are 170
 * MB of JSON, and the list they make is smaller than that. So the file is
 * read into a mapping of its own, and once the signature holds, the parse
 * and the file's SHA-256 (computed beside the signature check and the parse,
 * on another thread) give back the part of it that both have passed. The
 * peak is then about the file, not the file and the list. The same SHA-256
 * is what an ECDSA or RSA key verifies, so the file is hashed once.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "allowlist_priv.h"
#include "fileio.h"
#include "log.h"
#include "sig.h"
#include "state.h"

#define HASH_STEP (1u << 20)	/* bytes hashed between two reports of progress */
/* How far the parse may run ahead of the hash. Bytes are given back only
 * once both have passed them, so a parse far ahead of a hash starved of CPU
 * would hold the whole file and the list it has built. Waiting costs
 * nothing in the end: the load waits for the hash anyway. */
#define PARSE_LEAD (16u << 20)

struct listfile {
	uint8_t *buf;		/* mapped: map_len bytes */
	size_t map_len, len;
	pthread_t tid;
	bool threaded;		/* the hashing thread runs and is to be joined */

	/* Between the hashing thread and the parse, under lock. */
	pthread_mutex_t lock;
	pthread_cond_t hashed_more;
	size_t hashed;		/* bytes the hashing thread is done with */
	size_t parsed;		/* bytes the parse is done with */
	size_t released;	/* bytes unmapped from the start */
	uint8_t sha[SHA256_LEN];
	int hash_err;
};

static size_t page_up(size_t n)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);

	return (n + pg - 1) / pg * pg;
}

/* The mapping grows in whole pages, moved if it must be. */
static int map_grow(struct readbuf *rb, size_t cap)
{
	void *nb;

	cap = page_up(cap);
	nb = mremap(rb->buf, rb->cap, cap, MREMAP_MAYMOVE);
	if (nb == MAP_FAILED)
		return -ENOMEM;
	rb->buf = nb;
	rb->cap = cap;
	return 0;
}

/*
 * read_file_once's checks and messages (open_file_checked), reading into a
 * mapping rather than the heap so that its start can be unmapped while the
 * rest is still parsed.
 */
static int listfile_read(struct listfile *f, const char *path, size_t max)
{
	struct readbuf rb = { .grow = map_grow };
	size_t size;
	int fd, err;

	fd = open_file_checked(path, max, &size);
	if (fd < 0)
		return fd;
	/* One byte more than fstat's size, so that growth is seen. */
	rb.cap = page_up(size + 1);
	rb.buf = allowlist_map_huge(rb.cap);
	if (!rb.buf) {
		pr_err("cannot read '%s': %s", path, strerror(ENOMEM));
		close(fd);
		return -ENOMEM;
	}
	err = read_fd_to_end(fd, path, max, &rb);
	close(fd);
	f->buf = rb.buf;
	f->map_len = rb.cap;
	f->len = rb.len;
	return err;
}

/* Caller holds f->lock. Unmap what neither the hash nor the parse needs,
 * in whole huge pages (the mapping starts on one). */
static void listfile_release_locked(struct listfile *f)
{
	size_t upto = f->hashed < f->parsed ? f->hashed : f->parsed;

	upto -= upto % HUGE_PAGE;
	if (upto > f->released) {
		munmap(f->buf + f->released, upto - f->released);
		f->released = upto;
	}
}

static void listfile_parsed(void *arg, size_t upto)
{
	struct listfile *f = arg;

	pthread_mutex_lock(&f->lock);
	f->parsed = upto;
	listfile_release_locked(f);
	while (f->hashed + PARSE_LEAD < upto)
		pthread_cond_wait(&f->hashed_more, &f->lock);
	pthread_mutex_unlock(&f->lock);
}

/* The file's SHA-256, for the rollback state. It only hashes bytes, so it
 * adds nothing that reads unverified input. */
static void *hash_thread(void *arg)
{
	struct listfile *f = arg;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int err = 0;

	if (!ctx || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL))
		err = -EIO;
	for (size_t at = 0; !err && at < f->len;) {
		size_t n = f->len - at < HASH_STEP ? f->len - at : HASH_STEP;

		if (!EVP_DigestUpdate(ctx, f->buf + at, n)) {
			err = -EIO;
			break;
		}
		at += n;
		pthread_mutex_lock(&f->lock);
		f->hashed = at;
		listfile_release_locked(f);
		pthread_cond_signal(&f->hashed_more);
		pthread_mutex_unlock(&f->lock);
	}
	if (!err && !EVP_DigestFinal_ex(ctx, f->sha, NULL))
		err = -EIO;
	EVP_MD_CTX_free(ctx);
	pthread_mutex_lock(&f->lock);
	f->hash_err = err;
	f->hashed = f->len;	/* nothing more to wait for, even after a failure */
	listfile_release_locked(f);
	pthread_cond_signal(&f->hashed_more);
	pthread_mutex_unlock(&f->lock);
	return NULL;
}

static void listfile_hash_start(struct listfile *f)
{
	f->threaded = !pthread_create(&f->tid, NULL, hash_thread, f);
	if (!f->threaded)
		hash_thread(f);
}

static int listfile_hash_wait(struct listfile *f)
{
	if (f->threaded)
		pthread_join(f->tid, NULL);
	f->threaded = false;
	return f->hash_err;
}

/* An ECDSA or RSA key verifies the file's SHA-256: the one being computed
 * anyway, so that the file is hashed once. */
static const uint8_t *listfile_sha256(void *arg)
{
	struct listfile *f = arg;

	return listfile_hash_wait(f) ? NULL : f->sha;
}

int allowlist_load_verified(const struct allowlist_load_opts *o, struct allowlist **out)
{
	struct listfile f = { .lock = PTHREAD_MUTEX_INITIALIZER,
			      .hashed_more = PTHREAD_COND_INITIALIZER };
	struct allowlist_release rel = { .release = listfile_parsed, .arg = &f };
	struct sig_sha256_source sha = { .get = listfile_sha256, .arg = &f };
	uint8_t *sig = NULL;
	size_t siglen;
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

	err = listfile_read(&f, o->path, o->max_size ? o->max_size : ALLOWLIST_MAX_SIZE);
	if (err)
		goto cleanup;
	err = read_file_once(sig_path, SIG_MAX_SIZE, &sig, &siglen);
	if (err)
		goto cleanup;
	/* Ed25519 reads the file itself, beside the hash; the other keys wait
	 * for it. */
	listfile_hash_start(&f);
	err = sig_keyring_verify_sha256(o->trust, f.buf, f.len, &sha, sig, siglen, NULL);
	if (err && listfile_hash_wait(&f)) {
		pr_err("cannot hash '%s'", o->path);
		goto cleanup;
	}
	if (err) {
		pr_err("allowlist '%s' refused: signature '%s' does not verify with any trusted key",
		       o->path, sig_path);
		goto cleanup;
	}

	/* Only now, with the signature checked, does the parse see the bytes. */
	err = allowlist_parse_releasing(f.buf, f.len, &rel, &al, why, sizeof(why));
	if (err) {
		pr_err("allowlist '%s' refused: %s", o->path, err == -ENOMEM ? "out of memory" : why);
		goto cleanup;
	}
	err = listfile_hash_wait(&f);
	if (err) {
		pr_err("cannot hash '%s'", o->path);
		goto cleanup;
	}
	allowlist_set_file_sha256(al, f.sha);

	if (allowlist_expiry(al, &exp) && now >= exp) {
		pr_err("allowlist '%s' refused: expired at %s", o->path, allowlist_expires(al));
		err = -EKEYEXPIRED;
		goto cleanup;
	}
	if (o->state_dir) {
		err = state_read(o->state_dir, &st);
		if (err)
			goto cleanup;
		err = state_check(&st, o->path, allowlist_serial(al), f.sha);
		if (err)
			goto cleanup;
		/* Last: every check above passed, so this serial is now the floor. */
		if (o->commit) {
			err = state_commit(o->state_dir, allowlist_serial(al), f.sha);
			if (err)
				goto cleanup;
		}
	}
	*out = al;
	al = NULL;
cleanup:
	listfile_hash_wait(&f);	/* before the mapping goes */
	allowlist_free(al);
	if (f.buf && f.map_len > f.released)
		munmap(f.buf + f.released, f.map_len - f.released);
	free(sig);
	free(sig_path);
	return err;
}
