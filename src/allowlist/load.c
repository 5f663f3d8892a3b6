// SPDX-License-Identifier: GPL-2.0-only
/*
 * The one path by which an allowlist file becomes trusted: verified, then
 * parsed. The file is read once into memory this process owns, that memory
 * is made read-only, its signature is checked by OpenSSL over all of it, and
 * only then are the same bytes handed to the parser. No byte of a file whose
 * signature fails ever reaches the parser, which is the code an attacker's
 * input would aim at.
 *
 * Why a read() into anonymous memory and not a mapping of the file: the
 * pages of a file mapping are the page cache's until they are written to.
 * With MAP_SHARED, and with MAP_PRIVATE for every page not yet copied on
 * write, a write to the file by anyone else (root, or the file's owner) shows
 * through, and mprotect(PROT_READ) does not stop it: only this process's own
 * writes are refused. A mapping verified and then parsed could so be parsed
 * with bytes the signature never covered. Forcing the copy (writing every
 * page) costs what read() costs, and a file truncated meanwhile would kill
 * the daemon with SIGBUS. read() copies each byte once into pages no one
 * else can reach; PROT_READ then keeps this process's own code from
 * changing them between the verify and the parse.
 *
 * The cost is memory: the file and the list it makes are held at once for
 * the length of the parse (docs/signing.md has the measurement).
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "allowlist/priv.h"
#include "util/digest.h"
#include "util/fileio.h"
#include "util/log.h"
#include "crypto/sig.h"
#include "allowlist/state.h"

unsigned long allowlist_load_parses;

/* The file's bytes: a private anonymous mapping that grows as the file is
 * read, zeroed, so a NUL always follows what was read (fileio_read_fd stops
 * only short of cap). The parse gives back what it has passed (released). */
struct listbuf {
	struct readbuf rb;
	size_t mapped, released;
};

static size_t page_round(size_t n)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);

	return (n + pg - 1) / pg * pg;
}

static int listbuf_grow(struct readbuf *rb, size_t cap)
{
	struct listbuf *lb = (struct listbuf *)rb;
	size_t want = page_round(cap);
	void *m;

	if (want <= lb->mapped) {
		rb->cap = cap;
		return 0;
	}
	if (!rb->buf) {
		/* Huge pages where the kernel has them: a 170 MB list is
		 * then 85 faults rather than 43,000. */
		m = allowlist_map_huge(want);
		if (!m)
			return -ENOMEM;
	} else {
		m = mremap(rb->buf, lb->mapped, want, MREMAP_MAYMOVE);
		if (m == MAP_FAILED)
			return -ENOMEM;
	}
	rb->buf = m;
	rb->cap = cap;
	lb->mapped = want;
	return 0;
}

/* The parser reads nothing below upto any more (allowlist_parse_releasing):
 * those pages go while the list grows, so that the peak is less than the
 * whole file and the whole list. The mapping starts on a page. */
static void listbuf_release(void *arg, size_t upto)
{
	struct listbuf *lb = arg;

	upto -= upto % (size_t)sysconf(_SC_PAGESIZE);
	if (upto <= lb->released)
		return;
	munmap(lb->rb.buf + lb->released, upto - lb->released);
	lb->released = upto;
}

static void listbuf_free(struct listbuf *lb)
{
	if (lb->rb.buf && lb->mapped > lb->released)
		munmap(lb->rb.buf + lb->released, lb->mapped - lb->released);
	lb->rb.buf = NULL;
}

/* Read all of fd, at most max bytes (a file that grows while it is read is
 * read as far as it goes, and still against the limit), then seal it. */
static int listbuf_read(struct listbuf *lb, int fd, const char *path, size_t size, size_t max)
{
	int err;

	/* One byte past the size, so that growth is seen and a NUL follows. */
	if (listbuf_grow(&lb->rb, size + 1)) {
		pr_err("cannot read '%s': %s", path, strerror(ENOMEM));
		return -ENOMEM;
	}
	err = fileio_read_fd(fd, path, max, &lb->rb);
	if (err)
		return err;
	if (mprotect(lb->rb.buf, lb->mapped, PROT_READ)) {
		err = -errno;
		pr_err("cannot read '%s': %s", path, strerror(-err));
		return err;
	}
	return 0;
}

/*
 * The file's SHA-256 (the rollback state's, and what an ECDSA or RSA key
 * verifies) is taken on a thread of its own while OpenSSL checks an Ed25519
 * key over the same read-only bytes: the two passes over the file are the
 * larger part of the load before the parse. Without the thread it is taken
 * where it is first needed.
 */
struct file_sha {
	const void *data;
	size_t len;
	pthread_t thread;
	bool running, done;
	int err;
	uint8_t sha[SHA256_LEN];
};

static void *file_sha_thread(void *arg)
{
	struct file_sha *h = arg;

	h->err = sha256_buf(h->data, h->len, h->sha);
	return NULL;
}

static void file_sha_start(struct file_sha *h)
{
	h->running = !pthread_create(&h->thread, NULL, file_sha_thread, h);
}

/* The digest, or NULL; whatever happened, the thread is over after this.
 * Nothing to wait for before the file was read. */
static const uint8_t *file_sha_wait(void *arg)
{
	struct file_sha *h = arg;

	if (!h->done && h->data) {
		if (h->running)
			pthread_join(h->thread, NULL);
		else
			file_sha_thread(h);
		h->running = false;
		h->done = true;
	}
	return h->err ? NULL : h->sha;
}

/* The parse, on bytes whose signature has verified: the only call of the
 * parser in the load, counted so that tests can see whether it ran. */
static int parse_verified(struct listbuf *lb, struct allowlist **al, char *why, size_t whylen)
{
	struct allowlist_release rel = { .release = listbuf_release, .arg = lb };

	allowlist_load_parses++;
	return allowlist_parse_releasing(lb->rb.buf, lb->rb.len, &rel, al, why, whylen);
}

int allowlist_load_verified(const struct allowlist_load_opts *o, struct allowlist **out)
{
	struct listbuf lb = { .rb = { .grow = listbuf_grow } };
	struct file_sha h = { 0 };
	const uint8_t *sha;
	uint8_t *sig = NULL;
	size_t siglen, size, max;
	char *sig_path = NULL, why[512];
	struct allowlist *al = NULL;
	struct allowlist_state st;
	time_t now = o->now ? o->now : time(NULL), exp;
	int err, fd = -1;

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

	max = o->max_size ? o->max_size : ALLOWLIST_MAX_SIZE;
	fd = fileio_open_checked(o->path, max, &size);
	if (fd < 0) {
		err = fd;
		goto cleanup;
	}
	err = fileio_read_once(sig_path, SIG_MAX_SIZE, &sig, &siglen);
	if (err)
		goto cleanup;
	err = listbuf_read(&lb, fd, o->path, size, max);
	if (err)
		goto cleanup;
	h.data = lb.rb.buf;
	h.len = lb.rb.len;
	file_sha_start(&h);
	err = sig_keyring_verify_hashed(o->trust, lb.rb.buf, lb.rb.len, file_sha_wait, &h, sig,
					siglen, NULL);
	sha = file_sha_wait(&h);
	if (!sha) {
		pr_err("cannot hash '%s': %s", o->path, strerror(-h.err));
		err = h.err;
		goto cleanup;
	}
	if (err == -EBADMSG) {
		pr_err("allowlist '%s' refused: signature '%s' does not verify with any trusted key",
		       o->path, sig_path);
		goto cleanup;
	}
	if (err) {
		pr_err("cannot verify '%s': %s", o->path, strerror(-err));
		goto cleanup;
	}

	err = parse_verified(&lb, &al, why, sizeof(why));
	if (err) {
		pr_err("allowlist '%s' refused: %s", o->path, err == -ENOMEM ? "out of memory" : why);
		goto cleanup;
	}
	/* The list holds copies of its strings: the rest of the file can go. */
	listbuf_free(&lb);
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
	file_sha_wait(&h);	/* before the bytes go */
	allowlist_free(al);
	listbuf_free(&lb);
	if (fd >= 0)
		close(fd);
	free(sig);
	free(sig_path);
	return err;
}
