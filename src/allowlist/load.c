// SPDX-License-Identifier: GPL-2.0-only
/*
 * The one path by which an allowlist file becomes trusted. The file is read
 * once: the bytes whose signature is checked are the bytes that are parsed
 * and hashed, so nothing can change between the checks.
 *
 * A million entries are 170 MB of JSON, more than the list they make. So
 * the file is streamed through a window: a reading thread reads it and
 * takes its SHA-256 (the rollback state's, and what an ECDSA or RSA key
 * verifies), a second thread feeds an Ed25519 key's SHA-512, and the parse
 * runs beside them; bytes all three have passed are unmapped, and the reader
 * stays at most WINDOW ahead of the slowest. The peak is then the list and
 * the window, not the file and the list.
 *
 * So the parse sees bytes before the signature over them is known. What it
 * builds is kept only once the signature holds, and what it finds wrong is
 * told only then: a file whose signature fails is refused for that, whatever
 * its bytes say. The parser is the one fuzzed with any input.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>

#include "allowlist/priv.h"
#include "util/fileio.h"
#include "util/log.h"
#include "crypto/sig.h"
#include "allowlist/state.h"

/* Bytes read and hashed in one step, and published to the others. */
#define READ_STEP (1u << 20)
/* How far the reader may run ahead of the parse and the Ed25519 hash: the
 * memory the stream costs beside the list, and enough that neither waits
 * for the reader while it hashes its next step. */
#define WINDOW (4u << 20)

struct listfile {
	uint8_t *buf;		/* address space for the largest allowed file */
	size_t map_len, max;
	size_t usable;		/* bytes of buf made writable, for the reader */
	int fd;
	const char *path;
	struct sig_stream *sig;	/* fed on its own thread when it wants data */

	pthread_mutex_t lock;
	pthread_cond_t moved;	/* any of the offsets below changed */
	size_t read;		/* bytes read, and hashed into sha */
	bool eof;		/* read is all there will be */
	int read_err;
	size_t parsed;		/* the parse reads nothing below */
	size_t parse_need;	/* the parse waits for this many bytes */
	size_t signed_at;	/* the Ed25519 hashes have this many */
	size_t released;	/* bytes unmapped from the start */
	uint8_t sha[SHA256_LEN];
};

/* Caller holds f->lock. Make buf writable up to at least upto, a huge page
 * at a time, asking for huge pages as the index tables do. Only the reader
 * asks; the pages given back below may have made it so already. */
static int listfile_usable(struct listfile *f, size_t upto)
{
	size_t end;

	if (upto <= f->usable)
		return 0;
	end = upto + HUGE_PAGE - 1;
	end -= end % HUGE_PAGE;
	if (end > f->map_len)
		end = f->map_len;
	if (mprotect(f->buf + f->usable, end - f->usable, PROT_READ | PROT_WRITE))
		return -errno;
	madvise(f->buf + f->usable, end - f->usable, MADV_HUGEPAGE);
	f->usable = end;
	return 0;
}

/* Caller holds f->lock. The offset below which neither the parse nor the
 * Ed25519 hash reads any more. */
static size_t listfile_slowest(const struct listfile *f)
{
	return f->parsed < f->signed_at ? f->parsed : f->signed_at;
}

/*
 * Caller holds f->lock. Give back what no one needs any more, in whole huge
 * pages (the mapping starts on one): moved to where the reader goes next,
 * while there is room, so that the window's pages are reused rather than
 * unmapped behind and faulted in (and zeroed) again ahead; the bytes they
 * hold are read over. Pages the reader has no need of yet, or no room for
 * near the end, are unmapped.
 */
static void listfile_release_locked(struct listfile *f)
{
	size_t upto = listfile_slowest(f), n;

	if (upto > f->read)
		upto = f->read;
	upto -= upto % HUGE_PAGE;
	if (upto <= f->released)
		return;
	n = upto - f->released;
	if (f->usable % HUGE_PAGE == 0 && f->usable < f->read + HUGE_PAGE &&
	    f->map_len - f->usable >= n &&
	    mremap(f->buf + f->released, n, n, MREMAP_MAYMOVE | MREMAP_FIXED,
		   f->buf + f->usable) != MAP_FAILED)
		f->usable += n;
	else
		munmap(f->buf + f->released, n);
	f->released = upto;
}

static void listfile_parsed(void *arg, size_t upto)
{
	struct listfile *f = arg;

	pthread_mutex_lock(&f->lock);
	f->parsed = upto;
	listfile_release_locked(f);
	pthread_cond_broadcast(&f->moved);
	pthread_mutex_unlock(&f->lock);
}

static size_t listfile_more(void *arg, size_t need, bool *eof)
{
	struct listfile *f = arg;
	size_t have;

	pthread_mutex_lock(&f->lock);
	f->parse_need = need;
	pthread_cond_broadcast(&f->moved);
	while (f->read < need && !f->eof)
		pthread_cond_wait(&f->moved, &f->lock);
	have = f->read;
	*eof = f->eof;
	pthread_mutex_unlock(&f->lock);
	return have;
}

/* The parse is over, and holds nothing back. */
static void listfile_parse_done(struct listfile *f)
{
	listfile_parsed(f, SIZE_MAX);
}

/* Caller holds f->lock. The reader waits while it is a window ahead of
 * whoever is slowest, unless the parse waits for more than that (one value
 * longer than the window). */
static bool reader_may_go(const struct listfile *f)
{
	size_t slowest = listfile_slowest(f);

	return slowest >= f->read || f->read - slowest < WINDOW || f->parse_need > f->read;
}

/*
 * Read the file to its end (a file that grows while it is read is read as
 * far as it goes, and still against the limit), hashing each step. The
 * bytes land where the parse and the Ed25519 thread find them; the address
 * space for the largest allowed file was taken at the start, so no byte
 * moves while anyone reads it (only pages given back move, ahead of it).
 */
static void *reader_thread(void *arg)
{
	struct listfile *f = arg;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	size_t at = 0;
	int err = 0;

	if (!ctx || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL))
		err = -ENOMEM;
	while (!err) {
		size_t room = f->map_len - at;
		ssize_t n;

		if (room > READ_STEP)
			room = READ_STEP;
		pthread_mutex_lock(&f->lock);
		while (!reader_may_go(f))
			pthread_cond_wait(&f->moved, &f->lock);
		err = room ? listfile_usable(f, at + room) : 0;
		pthread_mutex_unlock(&f->lock);
		if (!room) {
			pr_err("cannot read '%s': over the limit of %zu bytes", f->path, f->max);
			err = -EFBIG;
			break;
		}
		if (err) {
			pr_err("cannot read '%s': %s", f->path, strerror(-err));
			break;
		}
		n = read(f->fd, f->buf + at, room);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			pr_err("cannot read '%s': %s", f->path, strerror(-err));
			break;
		}
		if (!n)
			break;
		if (!EVP_DigestUpdate(ctx, f->buf + at, (size_t)n)) {
			err = -ENOMEM;
			break;
		}
		at += (size_t)n;
		pthread_mutex_lock(&f->lock);
		f->read = at;
		pthread_cond_broadcast(&f->moved);
		pthread_mutex_unlock(&f->lock);
	}
	if (!err && at > f->max) {
		pr_err("cannot read '%s': over the limit of %zu bytes", f->path, f->max);
		err = -EFBIG;
	}
	if (!err && !EVP_DigestFinal_ex(ctx, f->sha, NULL))
		err = -ENOMEM;
	if (err == -ENOMEM)
		pr_err("cannot hash '%s': %s", f->path, strerror(ENOMEM));
	ERR_clear_error();
	EVP_MD_CTX_free(ctx);
	pthread_mutex_lock(&f->lock);
	f->read_err = err;
	f->eof = true;
	listfile_release_locked(f);
	pthread_cond_broadcast(&f->moved);
	pthread_mutex_unlock(&f->lock);
	return NULL;
}

/* The Ed25519 keys' SHA-512 over what has been read, a step at a time. */
static void *signer_thread(void *arg)
{
	struct listfile *f = arg;
	size_t at = 0;

	for (;;) {
		size_t upto;
		bool done;

		pthread_mutex_lock(&f->lock);
		while (f->read == at && !f->eof)
			pthread_cond_wait(&f->moved, &f->lock);
		upto = f->read;
		done = f->eof && upto == at;
		pthread_mutex_unlock(&f->lock);
		if (done)
			break;
		if (upto - at > READ_STEP)
			upto = at + READ_STEP;
		sig_stream_update(f->sig, f->buf + at, upto - at);
		at = upto;
		pthread_mutex_lock(&f->lock);
		f->signed_at = at;
		listfile_release_locked(f);
		pthread_cond_broadcast(&f->moved);
		pthread_mutex_unlock(&f->lock);
	}
	pthread_mutex_lock(&f->lock);
	f->signed_at = SIZE_MAX;
	listfile_release_locked(f);
	pthread_cond_broadcast(&f->moved);
	pthread_mutex_unlock(&f->lock);
	return NULL;
}

struct listfile_threads {
	pthread_t reader, signer;
	bool reading, signing;
};

/* The reader, and the signer if an Ed25519 key wants the data. A thread
 * that cannot be made is an error: run here instead, the reader would read
 * the whole file before the parse began. */
static int listfile_start(struct listfile *f, struct listfile_threads *t)
{
	int err;

	if (!sig_stream_wants_data(f->sig))
		f->signed_at = SIZE_MAX;
	err = -pthread_create(&t->reader, NULL, reader_thread, f);
	t->reading = !err;
	if (!err && sig_stream_wants_data(f->sig)) {
		err = -pthread_create(&t->signer, NULL, signer_thread, f);
		t->signing = !err;
	}
	if (err) {
		pr_err("cannot read '%s': %s", f->path, strerror(-err));
		/* Whichever thread runs must not wait for the other. */
		pthread_mutex_lock(&f->lock);
		f->signed_at = SIZE_MAX;
		f->eof = true;
		pthread_cond_broadcast(&f->moved);
		pthread_mutex_unlock(&f->lock);
	}
	return err;
}

/* Wait for both threads; whatever happened, they are over after this. */
static int listfile_join(struct listfile *f, struct listfile_threads *t)
{
	listfile_parse_done(f);
	if (t->reading)
		pthread_join(t->reader, NULL);
	if (t->signing)
		pthread_join(t->signer, NULL);
	t->reading = t->signing = false;
	return f->read_err;
}

int allowlist_load_verified(const struct allowlist_load_opts *o, struct allowlist **out)
{
	struct listfile f = { .lock = PTHREAD_MUTEX_INITIALIZER,
			      .moved = PTHREAD_COND_INITIALIZER, .fd = -1, .path = o->path };
	struct allowlist_release rel = { .release = listfile_parsed, .more = listfile_more,
					 .arg = &f };
	struct listfile_threads threads = { 0 };
	uint8_t *sig = NULL;
	size_t siglen, size;
	char *sig_path = NULL, why[512];
	struct allowlist *al = NULL;
	struct allowlist_state st;
	time_t now = o->now ? o->now : time(NULL), exp;
	int err, parse_err;

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

	f.max = o->max_size ? o->max_size : ALLOWLIST_MAX_SIZE;
	f.fd = fileio_open_checked(o->path, f.max, &size);
	if (f.fd < 0) {
		err = f.fd;
		goto cleanup;
	}
	err = fileio_read_once(sig_path, SIG_MAX_SIZE, &sig, &siglen);
	if (err)
		goto cleanup;
	err = sig_stream_begin(o->trust, sig, siglen, &f.sig);
	if (err) {
		pr_err("cannot verify '%s': %s", o->path, strerror(-err));
		goto cleanup;
	}
	/* One byte past the limit, so that a file over it is seen. */
	f.map_len = f.max + 1;
	/* Only the window is ever made usable (listfile_usable). */
	f.buf = allowlist_map_aligned(f.map_len, PROT_NONE);
	if (!f.buf) {
		pr_err("cannot read '%s': %s", o->path, strerror(ENOMEM));
		err = -ENOMEM;
		goto cleanup;
	}
	err = listfile_start(&f, &threads);
	if (err)
		goto cleanup;

	parse_err = allowlist_parse_releasing(f.buf, size, &rel, &al, why, sizeof(why));
	err = listfile_join(&f, &threads);
	if (err)
		goto cleanup;
	/* The signature first: a file it does not cover is refused for that. */
	err = sig_stream_end(f.sig, f.sha, NULL);
	if (err) {
		pr_err("allowlist '%s' refused: signature '%s' does not verify with any trusted key",
		       o->path, sig_path);
		goto cleanup;
	}
	err = parse_err;
	if (err) {
		pr_err("allowlist '%s' refused: %s", o->path, err == -ENOMEM ? "out of memory" : why);
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
	listfile_join(&f, &threads);	/* before the mapping goes */
	allowlist_free(al);
	if (f.buf && f.map_len > f.released)
		munmap(f.buf + f.released, f.map_len - f.released);
	if (f.fd >= 0)
		close(f.fd);
	sig_stream_free(f.sig);
	free(sig);
	free(sig_path);
	return err;
}
