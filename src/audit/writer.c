// SPDX-License-Identifier: GPL-2.0-only
/*
 * The hash-chained audit trail (docs/audit-format.md). Each line carries the
 * SHA-256 of the line before it, so an edit, a removal, a reordering or a cut
 * shows as the first line whose seq or prev does not follow.
 *
 * The writer sits on the daemon's event path, which may carry a million
 * records a second: a line is rendered straight into one buffer kept for the
 * log's lifetime, hashed with one digest context kept likewise, and written
 * with one write(2), alone or in a batch of whole lines. Only nested values
 * (arrays, objects) go through jansson's dumper, which allocates; the event
 * path renders its `access` records itself (audit_log_begin) and builds no
 * JSON object at all.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "audit/audit.h"
#include "audit/priv.h"
#include "util/digest.h"
#include "util/log.h"
#include "util/rfc3339.h"
#include "util/utf8.h"

#define FSYNC_DEFAULT_MS 1000

struct audit_log {
	int fd;
	bool own_fd;		/* false for standard output */
	bool can_sync;		/* fsync only means something for a regular file */
	bool dirty;		/* written since the last fsync */
	int broken;		/* a write failed part-way: the file's tail is torn */
	uint64_t seq;		/* of the last line appended; 0 before the first */
	char prev[SHA256_HEX_LEN + 1];
	unsigned int fsync_ms;
	struct timespec last_sync;
	struct rfc3339_cache tcache;	/* the date of the last second written */
	EVP_MD_CTX *md_ctx;
	EVP_MD *md;
	size_t batch;		/* 0: one write per line; else write when this much waits */
	size_t fill;		/* bytes of whole lines appended, not yet written */
	char *line;		/* the line being rendered, NULL between lines */
	struct audit_out out;	/* its cursor */
	/* The ECS copy (audit_log_opts.ecs_path): each line's documents wait
	 * in ecs_buf and are written after the lines they come from. */
	int ecs_fd;		/* -1: none */
	struct audit_ecs ecs_state;
	json_t *ecs_docs;
	char *ecs_buf;
	size_t ecs_len, ecs_cap;
	bool ecs_failed;	/* said once; the trail goes on regardless */
	size_t cap;
	char buf[];		/* cap bytes: waiting lines, then the one being rendered */
};

/* ---- rendering --------------------------------------------------------- */

/* The cursor and its integer forms are in audit.h; a cursor, once full,
 * stays full, and the caller checks once at the end rather than after
 * every piece. */
/* The first byte of u[i..n) that cannot go into a JSON string as it is
 * (quote, backslash, controls, and, to be checked as UTF-8, everything
 * from 0x80), or n: a word at a time, the last few bytes as one word too. */
static size_t plain_end(const unsigned char *u, size_t i, size_t n)
{
	unsigned char tail[8] = { 0 };
	uint64_t m, w;

	for (; i + 8 <= n; i += 8) {
		m = word_special_mask(word_load(u + i));
		if (m)
			return i + word_first(m);
	}
	if (i == n)
		return n;
	if (n >= 8) {
		/* the word ending at n, shifted down to start at i: what came
		 * before i (which may be special, and borrow) is shifted out */
		w = word_load(u + n - 8) >> (8 * (i + 8 - n));
	} else {
		memcpy(tail, u + i, n - i);
		w = word_load(tail);
	}
	/* the zeros shifted or padded in above the string mark, not it */
	m = word_special_mask(w) & ((1ULL << (8 * (n - i))) - 1);
	return m ? i + word_first(m) : n;
}

/* Whether u[i..n) is UTF-8, for a string that no longer fits: the error a
 * caller gets does not depend on the room left. */
static int utf8_rest(const unsigned char *u, size_t i, size_t n)
{
	while ((i = plain_end(u, i, n)) < n) {
		size_t len = u[i] >= 0x80 ? utf8_seq(u + i, n - i) : 1;

		if (!len)
			return -EINVAL;
		i += len;
	}
	return 0;
}

/*
 * Plain runs (valid multi-byte UTF-8 included) are found a word at a time
 * and copied with one memcpy each; only the bytes to escape are looked at
 * one by one. The cursor is kept in locals and checked once a run: a
 * store through a char pointer may alias the cursor's own fields, so
 * working on them directly reloads and stores them around every piece.
 */
int audit_put_str(struct audit_out *o, const char *s, size_t n)
{
	static const char xd[] = "0123456789abcdef";
	const unsigned char *u = (const unsigned char *)s;
	char *q = o->p, *end = o->end;
	size_t from = 0, i = 0, len;

	if (q == end)
		goto full;
	*q++ = '"';
	for (;;) {
		char esc[6] = { '\\', 'u', '0', '0' };

		i = plain_end(u, i, n);
		if (i < n && u[i] >= 0x80) {
			len = utf8_seq(u + i, n - i);
			if (!len) {
				o->p = q;
				return -EINVAL;
			}
			i += len;
			continue;
		}
		if ((size_t)(end - q) < i - from)
			goto full;
		memcpy(q, s + from, i - from);
		q += i - from;
		if (i == n)
			break;
		len = 2;
		switch (u[i]) {
		case '"': esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		case '\n': esc[1] = 'n'; break;
		case '\t': esc[1] = 't'; break;
		case '\r': esc[1] = 'r'; break;
		default:
			esc[4] = xd[u[i] >> 4];
			esc[5] = xd[u[i] & 15];
			len = 6;
		}
		if ((size_t)(end - q) < len)
			goto full;
		memcpy(q, esc, len);
		q += len;
		from = ++i;
	}
	if (q == end)
		goto full;
	*q++ = '"';
	o->p = q;
	return 0;
full:
	o->over = true;
	o->p = o->end;
	return utf8_rest(u, i, n);
}

static int put_value(struct audit_out *o, const json_t *v)
{
	size_t room, n;

	switch (json_typeof(v)) {
	case JSON_STRING:
		return audit_put_str(o, json_string_value(v), json_string_length(v));
	case JSON_INTEGER:
		audit_put_int(o, json_integer_value(v));
		return 0;
	case JSON_TRUE:
		AUDIT_PUT_LIT(o, "true");
		return 0;
	case JSON_FALSE:
		AUDIT_PUT_LIT(o, "false");
		return 0;
	case JSON_NULL:
		AUDIT_PUT_LIT(o, "null");
		return 0;
	default:
		/* Reals and containers are rare here; jansson spells them,
		 * checks for cycles, and tells the size it needed. */
		room = o->end - o->p;
		n = json_dumpb(v, o->p, room, JSON_COMPACT | JSON_ENCODE_ANY);
		if (n == 0)
			return -EINVAL;
		if (n > room) {
			o->over = true;
			o->p = o->end;
		} else {
			o->p += n;
		}
		return 0;
	}
}

/*
 * The time a line carries, "YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ", from ns since
 * the epoch, quoted, straight into the line: the date kept from the last
 * line (gmtime_r only when the second changes), the fraction two digits a
 * step. ns >= 0: every non-negative int64 is a 4-digit year, always the
 * form.
 */
static void put_time_ns(struct audit_log *l, struct audit_out *o, int64_t ns)
{
	struct rfc3339_cache *c = &l->tcache;
	int64_t sec = ns / 1000000000;
	char *q;

	if (!c->valid || c->sec != sec) {
		char text[RFC3339_NS_BUF];

		rfc3339_format_ns_cached(c, ns, text);	/* keeps the new date */
	}
	q = audit_take(o, c->len + 13);
	if (!q)
		return;
	q[0] = '"';
	memcpy(q + 1, c->date, c->len);
	q += c->len + 1;
	q[0] = '.';
	audit_digits_at(q + 1, ns % 1000000000, 9);
	q[10] = 'Z';
	q[11] = '"';
}

/* A time before 1970 (never a kernel stamp) spelled the plain way and
 * checked as a caller's would be: -EINVAL when not in the form. */
static int time_text_neg(int64_t ns, char buf[RFC3339_NS_BUF], size_t *len)
{
	rfc3339_format_ns(ns, buf);
	*len = strlen(buf);
	return rfc3339_ns_valid(buf, *len) ? 0 : -EINVAL;
}

/* Called for every key of every record: look at the first byte before
 * comparing whole strings. */
static bool reserved_key(const char *k)
{
	switch (k[0]) {
	case 't': return !strcmp(k, "type") || !strcmp(k, "time");
	case 's': return !strcmp(k, "seq");
	case 'p': return !strcmp(k, "prev");
	default: return false;
	}
}

bool audit_type_known(const char *s, size_t n)
{
	static const char *const types[] = { "access", "summary", "start", "stop", "reload",
					     "lost", "tamper" };

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (n == strlen(types[i]) && !memcmp(s, types[i], n))
			return true;
	return false;
}

static int write_out(struct audit_log *l);

static int write_all(int fd, const char *p, size_t n, size_t *done);

static void ecs_fail(struct audit_log *l, int err)
{
	l->ecs_failed = true;
	pr_err("cannot write the ECS copy of the audit log: %s; the audit log itself goes on",
	       strerror(-err));
}

/* One document and its newline at the end of ecs_buf. */
static int ecs_put(struct audit_log *l, const json_t *d)
{
	size_t n = json_dumpb(d, NULL, 0, JSON_COMPACT);
	char *grown;

	if (!n)
		return -EINVAL;
	if (l->ecs_len + n + 1 > l->ecs_cap) {
		size_t cap = (l->ecs_len + n + 1) * 2;

		grown = realloc(l->ecs_buf, cap);
		if (!grown)
			return -ENOMEM;
		l->ecs_buf = grown;
		l->ecs_cap = cap;
	}
	json_dumpb(d, l->ecs_buf + l->ecs_len, n, JSON_COMPACT);
	l->ecs_len += n;
	l->ecs_buf[l->ecs_len++] = '\n';
	return 0;
}

/* The line's ECS documents, to be written after it. The copy is derived: a
 * failure is logged once and never keeps a line from the trail. */
static void ecs_tee(struct audit_log *l, const char *line, size_t n)
{
	json_t *rec, *d;
	size_t i;
	int err;

	if (l->ecs_fd < 0 || l->ecs_failed)
		return;
	rec = json_loadb(line, n, 0, NULL);
	err = rec ? audit_ecs_map(&l->ecs_state, rec, l->ecs_docs) : -EINVAL;
	json_decref(rec);
	json_array_foreach(l->ecs_docs, i, d)
		err = err ?: ecs_put(l, d);
	json_array_clear(l->ecs_docs);
	if (err)
		ecs_fail(l, err);
}

static void ecs_flush(struct audit_log *l)
{
	size_t done;
	int err;

	if (l->ecs_fd < 0 || l->ecs_failed || !l->ecs_len)
		return;
	err = write_all(l->ecs_fd, l->ecs_buf, l->ecs_len, &done);
	if (err) {
		ecs_fail(l, err);
		return;
	}
	l->ecs_len = 0;
}

/*
 * Start a line at the end of the waiting ones (first writing those out if
 * a whole line might not fit after them) and put the four keys every line
 * starts with. time: already checked (rfc3339_ns_valid), or NULL to spell
 * ns (>= 0).
 */
static int line_begin(struct audit_log *l, const char *type, size_t typelen, const char *time,
		      size_t timelen, int64_t ns)
{
	struct audit_out *o = &l->out;
	int err;

	if (l->broken)
		return l->broken;
	if (l->line)
		return -EBUSY;
	/* a line the verifier would refuse is the caller's mistake */
	if (!audit_type_known(type, typelen))
		return -EINVAL;
	if (l->cap - l->fill < AUDIT_LINE_MAX && (err = write_out(l)))
		return err;
	l->line = l->buf + l->fill;
	*o = (struct audit_out){ l->line, l->line + AUDIT_LINE_MAX - 1 /* the newline */, false };
	/* a known type and a checked time are plain text: nothing to escape */
	AUDIT_PUT_LIT(o, "{\"type\":");
	audit_put_plain(o, type, typelen);
	AUDIT_PUT_LIT(o, ",\"time\":");
	if (time)
		audit_put_plain(o, time, timelen);
	else
		put_time_ns(l, o, ns);
	AUDIT_PUT_LIT(o, ",\"seq\":");
	audit_put_u64(o, l->seq + 1);
	AUDIT_PUT_LIT(o, ",\"prev\":\"");
	audit_put(o, l->prev, SHA256_HEX_LEN);
	AUDIT_PUT_LIT(o, "\"");
	return 0;
}

/* The time as ns since the epoch: spelled in place when it can be, else
 * as text, checked. */
static int line_begin_ns(struct audit_log *l, const char *type, size_t typelen, int64_t ns)
{
	char time[RFC3339_NS_BUF];
	size_t len;
	int err;

	if (ns >= 0)
		return line_begin(l, type, typelen, NULL, 0, ns);
	err = time_text_neg(ns, time, &len);
	return err ?: line_begin(l, type, typelen, time, len, 0);
}

/* A caller's time (NULL: now), checked. */
static int line_begin_text(struct audit_log *l, const char *type, size_t typelen,
			   const char *time, size_t timelen)
{
	struct timespec ts;

	if (time)
		return rfc3339_ns_valid(time, timelen) ?
			line_begin(l, type, typelen, time, timelen, 0) : -EINVAL;
	clock_gettime(CLOCK_REALTIME, &ts);
	return line_begin_ns(l, type, typelen, (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec);
}

int audit_log_begin(struct audit_log *l, const char *type, const char *time,
		    struct audit_out **out)
{
	int err = line_begin_text(l, type, strlen(type), time, time ? strlen(time) : 0);

	*out = err ? NULL : &l->out;
	return err;
}

int audit_log_begin_ns(struct audit_log *l, const char *type, int64_t time_ns,
		       struct audit_out **out)
{
	int err = line_begin_ns(l, type, strlen(type), time_ns);

	*out = err ? NULL : &l->out;
	return err;
}

void audit_log_cancel(struct audit_log *l)
{
	l->line = NULL;
}

/* ---- the log file ------------------------------------------------------ */

/* Read back the last line of an existing log so that seq and prev continue
 * its chain. One pread of at most a line's length from the end, whatever the
 * file's size. */
static int read_tail(struct audit_log *l, const char *path, off_t size)
{
	size_t len = size < AUDIT_LINE_MAX + 1 ? (size_t)size : AUDIT_LINE_MAX + 1;
	off_t off = size - len;
	char *tail = NULL, *start;
	json_error_t je;
	json_t *j = NULL, *seq;
	ssize_t n;
	int err = 0;

	tail = malloc(len);
	if (!tail)
		return -ENOMEM;
	n = pread(l->fd, tail, len, off);
	if (n != (ssize_t)len) {
		err = n < 0 ? -errno : -EIO;
		pr_err("cannot read back the end of '%s': %s", path, strerror(-err));
		goto cleanup;
	}
	if (tail[len - 1] != '\n') {
		pr_err("cannot continue '%s': it ends in a partial line, and a torn log "
		       "is never extended (move it aside to start a new one)", path);
		err = -EBADMSG;
		goto cleanup;
	}
	start = memrchr(tail, '\n', len - 1);
	if (!start && off > 0) {
		pr_err("cannot continue '%s': its last line is longer than %d bytes", path,
		       AUDIT_LINE_MAX);
		err = -EBADMSG;
		goto cleanup;
	}
	start = start ? start + 1 : tail;
	len -= start - tail + 1;
	j = json_loadb(start, len, JSON_ALLOW_NUL, &je);
	seq = json_object_get(j, "seq");
	if (!json_is_integer(seq) || json_integer_value(seq) < 1) {
		pr_err("cannot continue '%s': its last line is not an audit record", path);
		err = -EBADMSG;
		goto cleanup;
	}
	l->seq = json_integer_value(seq);
	err = hash_hex(l->md_ctx, l->md, start, len, l->prev);
cleanup:
	json_decref(j);
	free(tail);
	return err;
}

static int open_file(struct audit_log *l, const char *path)
{
	struct stat st;
	int err;

	/* Read access only to read back the last line; O_APPEND keeps every
	 * write at the end whatever else has the file open. */
	l->fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (l->fd < 0 && errno == EACCES)
		l->fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (l->fd < 0) {
		err = -errno;
		pr_err("cannot open '%s': %s", path, strerror(-err));
		return err;
	}
	l->own_fd = true;
	if (fstat(l->fd, &st)) {
		err = -errno;
		pr_err("cannot stat '%s': %s", path, strerror(-err));
		return err;
	}
	if (!S_ISREG(st.st_mode))
		return 0;	/* a FIFO or a device: nothing to continue or sync */
	l->can_sync = true;
	/* Two writers would fork the chain: the second would not see the
	 * first's last line. The lock goes with the descriptor. */
	if (flock(l->fd, LOCK_EX | LOCK_NB)) {
		err = errno == EWOULDBLOCK ? -EBUSY : -errno;
		pr_err("cannot lock '%s': %s", path,
		       err == -EBUSY ? "another writer has it open" : strerror(-err));
		return err;
	}
	return st.st_size ? read_tail(l, path, st.st_size) : 0;
}

int audit_log_open(struct audit_log **out, const char *path, const struct audit_log_opts *o)
{
	size_t batch = o && o->batch_bytes ? o->batch_bytes : 0;
	size_t cap = (batch < AUDIT_BATCH_MAX ? batch : AUDIT_BATCH_MAX) + AUDIT_LINE_MAX;
	struct audit_log *l = calloc(1, sizeof(*l) + cap);
	uint8_t d[SHA256_LEN];
	int err = 0;

	*out = NULL;
	if (!l)
		return -ENOMEM;
	l->fd = -1;
	l->ecs_fd = -1;
	l->batch = cap - AUDIT_LINE_MAX;
	l->cap = cap;
	memcpy(l->prev, ZERO_HASH, sizeof(ZERO_HASH));
	l->fsync_ms = o && o->fsync_interval_ms ? o->fsync_interval_ms : FSYNC_DEFAULT_MS;
	clock_gettime(CLOCK_MONOTONIC, &l->last_sync);
	/* Fetched once: an implicit fetch per digest costs a lock and a lookup. */
	l->md = EVP_MD_fetch(NULL, "SHA256", NULL);
	l->md_ctx = EVP_MD_CTX_new();
	if (!l->md || !l->md_ctx) {
		err = -ENOMEM;
		goto cleanup;
	}
	if (o && o->prev_hash) {
		if (digest_from_hex(o->prev_hash, strlen(o->prev_hash), d)) {
			pr_err("invalid chain start '%s': not 64 hex digits", o->prev_hash);
			err = -EINVAL;
			goto cleanup;
		}
		digest_to_hex(d, l->prev);
	}
	if (o && o->ecs_path) {
		l->ecs_fd = open(o->ecs_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
		err = l->ecs_fd >= 0 ? 0 : -errno;
		l->ecs_docs = json_array();
		if (!err && !l->ecs_docs)
			err = -ENOMEM;
		if (err) {
			pr_err("cannot open the ECS log '%s': %s", o->ecs_path, strerror(-err));
			goto cleanup;
		}
		audit_ecs_init(&l->ecs_state, NULL);
	}
	if (!strcmp(path, "-")) {
		/* A stream has no last line to read back: its chain starts fresh. */
		l->fd = STDOUT_FILENO;
		goto cleanup;
	}
	err = open_file(l, path);
cleanup:
	if (err) {
		audit_log_close(l);
		return err;
	}
	*out = l;
	return 0;
}

/* All of p, retrying after a short write; *done says how much went out. */
static int write_all(int fd, const char *p, size_t n, size_t *done)
{
	*done = 0;
	while (*done < n) {
		ssize_t w = write(fd, p + *done, n - *done);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				/* standard output may be a non-blocking pipe */
				struct pollfd pfd = { .fd = fd, .events = POLLOUT };

				if (poll(&pfd, 1, -1) >= 0 || errno == EINTR)
					continue;
			}
			return -errno;
		}
		*done += w;
	}
	return 0;
}

int audit_log_append(struct audit_log *l, json_t *rec)
{
	json_t *type, *tv, *v;
	const char *key;
	int err;

	if (l->broken)
		return l->broken;
	if (!json_is_object(rec))
		return -EINVAL;
	type = json_object_get(rec, "type");
	tv = json_object_get(rec, "time");
	if (!json_is_string(type) || (tv && !json_is_string(tv)))
		return -EINVAL;
	err = line_begin_text(l, json_string_value(type), json_string_length(type),
			      tv ? json_string_value(tv) : NULL, tv ? json_string_length(tv) : 0);
	if (err)
		return err;
	json_object_foreach(rec, key, v) {
		if (err || l->out.over)
			break;
		/* the writer owns these four; a caller's seq or prev is not the chain's */
		if (reserved_key(key))
			continue;
		AUDIT_PUT_LIT(&l->out, ",");
		err = audit_put_str(&l->out, key, strlen(key));
		AUDIT_PUT_LIT(&l->out, ":");
		err = err ?: put_value(&l->out, v);
	}
	if (err) {
		audit_log_cancel(l);
		return err;
	}
	return audit_log_end(l);
}

/* fsync once fsync_ms have passed since the last one. */
static int sync_if_due(struct audit_log *l)
{
	struct timespec now;

	if (!l->can_sync)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if ((now.tv_sec - l->last_sync.tv_sec) * 1000LL +
		    (now.tv_nsec - l->last_sync.tv_nsec) / 1000000 >= l->fsync_ms)
		return audit_log_sync(l);
	return 0;
}

/*
 * The waiting lines, in one write(2) on an O_APPEND descriptor: they never
 * interleave with anything else appended to the file, and since the batch
 * holds only whole lines, a write that stops part-way can tear no line but
 * the last one it carried.
 */
static int write_out(struct audit_log *l)
{
	size_t done;
	int err;

	if (!l->fill)
		return 0;
	err = write_all(l->fd, l->buf, l->fill, &done);
	if (err && done && l->buf[done - 1] != '\n') {
		/* Part of a line: the file's tail is torn, and appending more
		 * would only bury the damage mid-file, so this log takes no
		 * more lines. */
		l->broken = err;
		return err;
	}
	if (done) {
		memmove(l->buf, l->buf + done, l->fill - done);
		l->fill -= done;
		l->dirty = true;
	}
	/* Nothing (or whole lines only) written: the rest waits for the next try. */
	return err ?: sync_if_due(l);
}

int audit_log_end(struct audit_log *l)
{
	struct audit_out *o = &l->out;
	char *line = l->line;
	size_t n, done;
	int err;

	if (!line)
		return -EINVAL;
	l->line = NULL;
	AUDIT_PUT_LIT(o, "}");
	if (o->over)
		return -EMSGSIZE;
	n = o->p - line;
	line[n] = '\n';
	if (l->batch) {
		/* chained now, written with the batch */
		err = hash_hex(l->md_ctx, l->md, line, n, l->prev);
		if (err) {
			l->broken = err;	/* the next prev would be wrong */
			return err;
		}
		l->seq++;
		ecs_tee(l, line, n);
		l->fill += n + 1;
		return l->fill >= l->batch ? write_out(l) : 0;
	}
	err = write_all(l->fd, line, n + 1, &done);
	if (err) {
		/* Nothing written: the caller may try again. Part of a line:
		 * torn, as in write_out. */
		if (done)
			l->broken = err;
		return err;
	}
	err = hash_hex(l->md_ctx, l->md, line, n, l->prev);
	if (err) {
		l->broken = err;
		return err;
	}
	l->seq++;
	l->dirty = true;
	ecs_tee(l, line, n);
	ecs_flush(l);
	return sync_if_due(l);
}

int audit_log_flush(struct audit_log *l)
{
	int err;

	if (l->broken)
		return l->broken;
	if (l->line)
		return -EBUSY;	/* a line is being rendered over the buffer's end */
	/* the trail first: a document never reaches its file before its line,
	 * and waits with it when the trail's write is refused */
	err = write_out(l);
	if (!err)
		ecs_flush(l);
	return err;
}

int audit_log_sync(struct audit_log *l)
{
	int err;

	if (!l)
		return 0;
	/* a torn log writes nothing more, but what it wrote is still synced */
	err = l->broken ? 0 : audit_log_flush(l);
	if (err)
		return err;
	if (!l->dirty || !l->can_sync)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &l->last_sync);
	if (fsync(l->fd))
		return -errno;
	l->dirty = false;
	return 0;
}

const char *audit_log_last_hash(const struct audit_log *l)
{
	return l->prev;
}

uint64_t audit_log_last_seq(const struct audit_log *l)
{
	return l->seq;
}

void audit_log_close(struct audit_log *l)
{
	int err;

	if (!l)
		return;
	l->line = NULL;
	err = audit_log_sync(l);
	if (err)
		pr_err("cannot sync the audit log: %s", strerror(-err));
	if (l->own_fd && l->fd >= 0)
		close(l->fd);
	if (l->ecs_fd >= 0)
		close(l->ecs_fd);
	json_decref(l->ecs_docs);
	free(l->ecs_buf);
	EVP_MD_CTX_free(l->md_ctx);
	EVP_MD_free(l->md);
	free(l);
}
