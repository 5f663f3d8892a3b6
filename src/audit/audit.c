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
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <zlib.h>

#include "allowlist/allowlist.h"
#include "audit/audit.h"
#include "util/digest.h"
#include "util/hex.h"
#include "util/log.h"
#include "util/rfc3339.h"
#include "util/utf8.h"

_Static_assert(sizeof(((struct audit_verify_result *)0)->last_hash) == SHA256_HEX_LEN + 1,
	       "last_hash holds one hex digest");

#define ZERO_HASH "0000000000000000000000000000000000000000000000000000000000000000"
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
	size_t cap;
	char buf[];		/* cap bytes: waiting lines, then the one being rendered */
};

static int hash_hex(EVP_MD_CTX *ctx, const EVP_MD *md, const void *p, size_t n,
		    char hex[SHA256_HEX_LEN + 1])
{
	unsigned char d[SHA256_LEN];

	if (!EVP_DigestInit_ex(ctx, md, NULL) || !EVP_DigestUpdate(ctx, p, n) ||
	    !EVP_DigestFinal_ex(ctx, d, NULL))
		return -EIO;
	digest_to_hex(d, hex);
	return 0;
}

/* ---- rendering --------------------------------------------------------- */

/* The cursor and its integer forms are in audit.h; a cursor, once full,
 * stays full, and the caller checks once at the end rather than after
 * every piece. */
/* Bytes that cannot go into a JSON string as they are: quote, backslash,
 * controls, and (to be checked as UTF-8) everything from 0x80. */
static const bool special[256] = {
	[0 ... 0x1f] = true, ['"'] = true, ['\\'] = true, [0x80 ... 0xff] = true,
};

#define ONES 0x0101010101010101ULL

/* Whether any of 8 bytes is special: long runs of plain text (paths,
 * digests) then cost one test per word instead of one per byte. A byte
 * below 0x20 borrows in w - 0x20..; a zero after xor is '"' or '\\'. */
static bool word_special(uint64_t w)
{
	uint64_t q = w ^ ('"' * ONES), b = w ^ ('\\' * ONES);
	uint64_t hit = ((w - 0x20 * ONES) & ~w) | ((q - ONES) & ~q) | ((b - ONES) & ~b) | w;

	return hit & 0x8080808080808080ULL;
}

int audit_put_str(struct audit_out *o, const char *s, size_t n)
{
	static const char xd[] = "0123456789abcdef";
	const unsigned char *u = (const unsigned char *)s;
	size_t run = 0;

	AUDIT_PUT_LIT(o, "\"");
	for (size_t i = 0; i < n;) {
		unsigned char c = u[i];
		size_t len;

		if (i + 8 <= n) {
			uint64_t w;

			memcpy(&w, u + i, 8);
			if (!word_special(w)) {
				i += 8;
				run += 8;
				continue;
			}
		}
		if (!special[c]) {
			i++;
			run++;
			continue;
		}
		audit_put(o, s + i - run, run);
		run = 0;
		if (c >= 0x80) {
			len = utf8_seq(u + i, n - i);
			if (!len)
				return -EINVAL;
			audit_put(o, s + i, len);
			i += len;
			continue;
		}
		switch (c) {
		case '"': AUDIT_PUT_LIT(o, "\\\""); break;
		case '\\': AUDIT_PUT_LIT(o, "\\\\"); break;
		case '\n': AUDIT_PUT_LIT(o, "\\n"); break;
		case '\t': AUDIT_PUT_LIT(o, "\\t"); break;
		case '\r': AUDIT_PUT_LIT(o, "\\r"); break;
		default: {
			char esc[6] = { '\\', 'u', '0', '0', xd[c >> 4], xd[c & 15] };

			audit_put(o, esc, sizeof(esc));
		}
		}
		i++;
	}
	audit_put(o, s + n - run, run);
	AUDIT_PUT_LIT(o, "\"");
	return 0;
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

/* "YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ"; gmtime_r only when the second changes. */
static void put_now(struct audit_log *l, struct audit_out *o)
{
	struct timespec ts;
	char buf[RFC3339_NS_BUF];

	clock_gettime(CLOCK_REALTIME, &ts);
	rfc3339_format_ns_cached(&l->tcache, (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec, buf);
	AUDIT_PUT_LIT(o, "\"");
	audit_put(o, buf, strlen(buf));
	AUDIT_PUT_LIT(o, "\"");
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
					     "lost" };

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (n == strlen(types[i]) && !memcmp(s, types[i], n))
			return true;
	return false;
}

static int write_out(struct audit_log *l);

/*
 * Start a line at the end of the waiting ones (first writing those out if
 * a whole line might not fit after them) and put the four keys every line
 * starts with. time NULL: now.
 */
static int line_begin(struct audit_log *l, const char *type, size_t typelen, const char *time,
		      size_t timelen)
{
	struct audit_out *o = &l->out;
	int err;

	if (l->broken)
		return l->broken;
	if (l->line)
		return -EBUSY;
	/* a line the verifier would refuse is the caller's mistake */
	if (!audit_type_known(type, typelen) || (time && !rfc3339_ns_valid(time, timelen)))
		return -EINVAL;
	if (l->cap - l->fill < AUDIT_LINE_MAX && (err = write_out(l)))
		return err;
	l->line = l->buf + l->fill;
	*o = (struct audit_out){ l->line, l->line + AUDIT_LINE_MAX - 1 /* the newline */, false };
	AUDIT_PUT_LIT(o, "{\"type\":");
	err = audit_put_str(o, type, typelen);
	AUDIT_PUT_LIT(o, ",\"time\":");
	if (time)
		err = err ?: audit_put_str(o, time, timelen);
	else
		put_now(l, o);
	AUDIT_PUT_LIT(o, ",\"seq\":");
	audit_put_u64(o, l->seq + 1);
	AUDIT_PUT_LIT(o, ",\"prev\":\"");
	audit_put(o, l->prev, SHA256_HEX_LEN);
	AUDIT_PUT_LIT(o, "\"");
	if (err)
		l->line = NULL;
	return err;
}

int audit_log_begin(struct audit_log *l, const char *type, const char *time,
		    struct audit_out **out)
{
	int err = line_begin(l, type, strlen(type), time, time ? strlen(time) : 0);

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
	err = line_begin(l, json_string_value(type), json_string_length(type),
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
	return sync_if_due(l);
}

int audit_log_flush(struct audit_log *l)
{
	if (l->broken)
		return l->broken;
	if (l->line)
		return -EBUSY;	/* a line is being rendered over the buffer's end */
	return write_out(l);
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
	EVP_MD_CTX_free(l->md_ctx);
	EVP_MD_free(l->md);
	free(l);
}

/* ---- verification ------------------------------------------------------ */

#define VERIFY_CHUNK (256 * 1024)

struct verifier {
	struct audit_verify_result *res;
	bool have_start;	/* prev_hash given: the chain starts there */
	uint64_t seq;		/* of the last good line */
	char prev[SHA256_HEX_LEN + 1];	/* what the next line's prev must be */
	EVP_MD_CTX *md_ctx;
	EVP_MD *md;
};

static int bad(struct audit_verify_result *res, uint64_t line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int bad(struct audit_verify_result *res, uint64_t line, const char *fmt, ...)
{
	va_list ap;

	res->bad_line = line;
	va_start(ap, fmt);
	vsnprintf(res->why, sizeof(res->why), fmt, ap);
	va_end(ap);
	return -EBADMSG;
}

static bool is_lower_hex64(const char *s, size_t n)
{
	return n == SHA256_HEX_LEN && hex_span(s, n, true) == n;
}

/* What the chain needs from a line: the kinds of its four keys (-1 when
 * absent), seq's value and prev's text. */
struct fields {
	int type, time, seq, prev;
	json_int_t seqv;
	const char *types, *times, *prevs;
	size_t typen, timen, prevn;
};

/*
 * Reading every line with jansson costs more than hashing it, so lines are
 * first scanned here: a flat object of strings (without \u escapes), small
 * integers and literals, with keys that are plain and distinct. That is every
 * record but a few (summary, stop). Anything else, well-formed or not, is
 * left to jansson (return false), which stays the judge of what is JSON and
 * words the message; a scan that says yes must agree with it, and the fuzz
 * target holds the two side by side.
 */
#define FAST_KEYS_MAX 64

static const char *skip_ws(const char *p, const char *e)
{
	while (p < e && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
		p++;
	return p;
}

/* p is past the opening quote: returns past the closing one, or NULL. */
static const char *scan_str(const char *p, const char *e, bool *escaped)
{
	while (p < e) {
		unsigned char c = *p;
		uint64_t w;
		size_t n;

		if (e - p >= 8) {
			memcpy(&w, p, 8);
			if (!word_special(w)) {
				p += 8;
				continue;
			}
		}
		if (c == '"')
			return p + 1;
		if (c == '\\') {
			if (e - p < 2 || !p[1] || !strchr("\"\\/bfnrt", p[1]))
				return NULL;	/* \u, or not JSON: jansson decides */
			*escaped = true;
			p += 2;
		} else if (c >= 0x80) {
			n = utf8_seq((const unsigned char *)p, e - p);
			if (!n)
				return NULL;
			p += n;
		} else if (c < 0x20) {
			return NULL;
		} else {
			p++;
		}
	}
	return NULL;
}

/* An integer of at most 18 digits, which always fits json_int_t. */
static const char *scan_int(const char *p, const char *e, json_int_t *out)
{
	bool neg = p < e && *p == '-';
	const char *d;
	json_int_t v = 0;

	p += neg;
	d = p;
	while (p < e && *p >= '0' && *p <= '9' && p - d < 18)
		v = v * 10 + (*p++ - '0');
	if (p == d || (*d == '0' && p - d > 1))
		return NULL;
	if (p < e && (*p == '.' || *p == 'e' || *p == 'E' || (*p >= '0' && *p <= '9')))
		return NULL;	/* a real, or too long */
	*out = neg ? -v : v;
	return p;
}

static bool key_is(const char *k, size_t n, const char *name)
{
	return n == strlen(name) && !memcmp(k, name, n);
}

static bool fast_fields(const char *p, size_t len, struct fields *f)
{
	const char *e = p + len, *key[FAST_KEYS_MAX], *v;
	size_t keylen[FAST_KEYS_MAX], nk = 0;
	bool esc;
	json_int_t iv;
	int kind;

	p = skip_ws(p, e);
	if (p == e || *p++ != '{')
		return false;
	p = skip_ws(p, e);
	if (p < e && *p == '}') {
		p++;
		goto end;
	}
	for (;;) {
		if (p == e || *p++ != '"' || nk == FAST_KEYS_MAX)
			return false;
		esc = false;
		key[nk] = p;
		p = scan_str(p, e, &esc);
		if (!p || esc)
			return false;
		keylen[nk] = p - 1 - key[nk];
		for (size_t i = 0; i < nk; i++)
			if (keylen[i] == keylen[nk] && !memcmp(key[i], key[nk], keylen[i]))
				return false;	/* jansson names the duplicate */
		p = skip_ws(p, e);
		if (p == e || *p++ != ':')
			return false;
		p = skip_ws(p, e);
		if (p == e)
			return false;
		v = p;
		esc = false;
		if (*p == '"') {
			kind = JSON_STRING;
			p = scan_str(p + 1, e, &esc);
		} else if (*p == '-' || (*p >= '0' && *p <= '9')) {
			kind = JSON_INTEGER;
			p = scan_int(p, e, &iv);
		} else if (e - p >= 4 && !memcmp(p, "true", 4)) {
			kind = JSON_TRUE;
			p += 4;
		} else if (e - p >= 5 && !memcmp(p, "false", 5)) {
			kind = JSON_FALSE;
			p += 5;
		} else if (e - p >= 4 && !memcmp(p, "null", 4)) {
			kind = JSON_NULL;
			p += 4;
		} else {
			return false;	/* nested, or not JSON */
		}
		if (!p)
			return false;
		/* as with prev below: no escape decodes to a character that a
		 * valid type or time has, so the raw text is valid exactly
		 * when the decoded one is */
		if (key_is(key[nk], keylen[nk], "type")) {
			f->type = kind;
			f->types = v + 1;
			f->typen = kind == JSON_STRING ? (size_t)(p - v - 2) : 0;
		} else if (key_is(key[nk], keylen[nk], "time")) {
			f->time = kind;
			f->times = v + 1;
			f->timen = kind == JSON_STRING ? (size_t)(p - v - 2) : 0;
		} else if (key_is(key[nk], keylen[nk], "seq")) {
			f->seq = kind;
			f->seqv = kind == JSON_INTEGER ? iv : 0;
		} else if (key_is(key[nk], keylen[nk], "prev")) {
			f->prev = kind;
			/* an escape never decodes to a hex digit: the raw text
			 * fails the hex test exactly when the decoded one would */
			f->prevs = v + 1;
			f->prevn = kind == JSON_STRING ? (size_t)(p - v - 2) : 0;
		}
		nk++;
		p = skip_ws(p, e);
		if (p < e && *p == ',') {
			p = skip_ws(p + 1, e);
			continue;
		}
		if (p < e && *p == '}') {
			p++;
			break;
		}
		return false;
	}
end:
	return skip_ws(p, e) == e;
}

static void json_fields(json_t *j, struct fields *f)
{
	json_t *x;

	x = json_object_get(j, "type");
	f->type = x ? (int)json_typeof(x) : -1;
	f->types = json_string_value(x);
	f->typen = json_string_length(x);
	x = json_object_get(j, "time");
	f->time = x ? (int)json_typeof(x) : -1;
	f->times = json_string_value(x);
	f->timen = json_string_length(x);
	x = json_object_get(j, "seq");
	f->seq = x ? (int)json_typeof(x) : -1;
	f->seqv = json_integer_value(x);
	x = json_object_get(j, "prev");
	f->prev = x ? (int)json_typeof(x) : -1;
	f->prevs = json_string_value(x);
	f->prevn = json_string_length(x);
}

#define SHOWN_MAX 40

/* A value quoted in a message: its first bytes, '?' for what does not print. */
static const char *shown(const char *s, size_t n, char buf[SHOWN_MAX + 4])
{
	size_t i;

	for (i = 0; i < n && i < SHOWN_MAX; i++)
		buf[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	strcpy(buf + i, n > SHOWN_MAX ? "..." : "");
	return buf;
}

/* The keys every record must have, with their types and values. */
static int check_keys(struct verifier *v, const struct fields *f, uint64_t no)
{
	static const char *const name[] = { "type", "time", "prev" };
	const int kind[] = { f->type, f->time, f->prev };
	char buf[SHOWN_MAX + 4];

	for (size_t i = 0; i < sizeof(name) / sizeof(name[0]); i++) {
		if (kind[i] < 0)
			return bad(v->res, no, "missing key '%s'", name[i]);
		if (kind[i] != JSON_STRING)
			return bad(v->res, no, "key '%s' is not a string", name[i]);
	}
	if (f->seq < 0)
		return bad(v->res, no, "missing key 'seq'");
	if (f->seq != JSON_INTEGER || f->seqv < 1)
		return bad(v->res, no, "key 'seq' is not a positive integer");
	if (!is_lower_hex64(f->prevs, f->prevn))
		return bad(v->res, no, "key 'prev' is not 64 lowercase hex digits");
	if (!audit_type_known(f->types, f->typen))
		return bad(v->res, no, "key 'type' is not a record type: '%s'",
			   shown(f->types, f->typen, buf));
	if (!rfc3339_ns_valid(f->times, f->timen))
		return bad(v->res, no, "key 'time' is not an RFC 3339 UTC time with "
			   "nanoseconds: '%s'", shown(f->times, f->timen, buf));
	return 0;
}

/*
 * One line, without its newline. seq is checked before prev so that a
 * removed or swapped line is named as such: either also breaks the link,
 * but "seq 7 after 5" says more than "prev does not match".
 */
static int check_line(struct verifier *v, const char *line, size_t len)
{
	struct fields f = { -1, -1, -1, -1, 0, NULL, NULL, NULL, 0, 0, 0 };
	uint64_t no = v->res->lines, seq;
	json_error_t je;
	json_t *j = NULL;
	int err;

	if (!fast_fields(line, len, &f)) {
		j = json_loadb(line, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &je);
		if (!j)
			return bad(v->res, no, "not JSON: %s", je.text);
		if (!json_is_object(j)) {
			err = bad(v->res, no, "not a JSON object");
			goto cleanup;
		}
		json_fields(j, &f);
	}
	err = check_keys(v, &f, no);
	if (err)
		goto cleanup;
	seq = f.seqv;
	if (no == 1 && !v->have_start) {
		if (seq != 1) {
			err = bad(v->res, no, "log does not start at seq 1 but %llu: its beginning "
				  "was removed, or it continues a rotated log (give the rotated "
				  "log's last hash)", (unsigned long long)seq);
			goto cleanup;
		}
		if (memcmp(f.prevs, ZERO_HASH, SHA256_HEX_LEN)) {
			err = bad(v->res, no, "first line's prev is not 64 zeros: it continues a "
				  "rotated log (give that log's last hash)");
			goto cleanup;
		}
	} else if (no == 1) {
		if (memcmp(f.prevs, v->prev, SHA256_HEX_LEN)) {
			err = bad(v->res, no, "prev does not match the given starting hash");
			goto cleanup;
		}
	} else {
		if (seq != v->seq + 1) {
			err = bad(v->res, no, "line removed or reordered: seq %llu after %llu",
				  (unsigned long long)seq, (unsigned long long)v->seq);
			goto cleanup;
		}
		if (memcmp(f.prevs, v->prev, SHA256_HEX_LEN)) {
			err = bad(v->res, no, "edited or reordered: prev does not match line %llu",
				  (unsigned long long)(no - 1));
			goto cleanup;
		}
	}
	v->seq = seq;
	err = hash_hex(v->md_ctx, v->md, line, len, v->prev);
cleanup:
	json_decref(j);
	return err;
}

/*
 * Lines are cut from a fixed buffer: a complete line is checked where it
 * lies, the partial one at the end moves to the front before the next read.
 * Memory stays at one buffer whatever the file's size.
 */
static int verify_gz(gzFile gz, struct verifier *v)
{
	size_t cap = AUDIT_LINE_MAX + VERIFY_CHUNK, fill = 0;
	char *buf = malloc(cap);
	int err = 0, n, errnum;
	const char *msg;

	if (!buf)
		return -ENOMEM;
	gzbuffer(gz, VERIFY_CHUNK);
	do {
		char *p = buf, *nl;

		n = gzread(gz, buf + fill, cap - fill);
		if (n < 0) {
			msg = gzerror(gz, &errnum);
			err = errnum == Z_ERRNO ? (errno ? -errno : -EIO) :
			      bad(v->res, v->res->lines + 1, "compressed data is damaged: %s", msg);
			goto cleanup;
		}
		fill += n;
		while ((nl = memchr(p, '\n', fill - (p - buf)))) {
			v->res->lines++;
			if (nl - p + 1 > AUDIT_LINE_MAX) {
				err = bad(v->res, v->res->lines, "line longer than %d bytes",
					  AUDIT_LINE_MAX);
				goto cleanup;
			}
			err = check_line(v, p, nl - p);
			if (err)
				goto cleanup;
			p = nl + 1;
		}
		fill -= p - buf;
		memmove(buf, p, fill);
		if (fill >= AUDIT_LINE_MAX) {
			err = bad(v->res, v->res->lines + 1, "line longer than %d bytes",
				  AUDIT_LINE_MAX);
			goto cleanup;
		}
	} while (n > 0);
	/* zlib hands out what it could decode from a cut stream and says so
	 * only here: a log missing its tail is not intact, even when the cut
	 * fell between lines or in the trailer. */
	gzerror(gz, &errnum);
	if (errnum == Z_BUF_ERROR) {
		err = bad(v->res, v->res->lines + 1, "compressed log cut short after line %llu",
			  (unsigned long long)v->res->lines);
		goto cleanup;
	}
	if (fill) {
		v->res->lines++;
		err = bad(v->res, v->res->lines, "truncated mid-line");
	}
cleanup:
	free(buf);
	return err;
}

/* Takes fd; gzread passes bytes that are not gzip through unchanged. */
static int verify_fd(int fd, const char *prev_hash, struct audit_verify_result *res)
{
	struct verifier v = { .res = res };
	uint8_t d[SHA256_LEN];
	gzFile gz = NULL;
	int err = 0;

	memset(res, 0, sizeof(*res));
	if (prev_hash) {
		if (digest_from_hex(prev_hash, strlen(prev_hash), d)) {
			err = -EINVAL;
			goto cleanup;
		}
		digest_to_hex(d, v.prev);
		v.have_start = true;
	}
	v.md = EVP_MD_fetch(NULL, "SHA256", NULL);
	v.md_ctx = EVP_MD_CTX_new();
	if (!v.md || !v.md_ctx) {
		err = -ENOMEM;
		goto cleanup;
	}
	gz = gzdopen(fd, "rb");
	if (!gz) {
		err = -ENOMEM;
		goto cleanup;
	}
	fd = -1;	/* gzclose closes it */
	err = verify_gz(gz, &v);
	if (v.seq)
		memcpy(res->last_hash, v.prev, sizeof(v.prev));
cleanup:
	if (gz)
		gzclose(gz);
	if (fd >= 0)
		close(fd);
	EVP_MD_CTX_free(v.md_ctx);
	EVP_MD_free(v.md);
	return err;
}

int audit_verify_fd(int fd, const char *prev_hash, struct audit_verify_result *res)
{
	int dup_fd = dup(fd);

	if (dup_fd < 0) {
		memset(res, 0, sizeof(*res));
		return -errno;
	}
	return verify_fd(dup_fd, prev_hash, res);
}

int audit_verify_file(const char *path, const char *prev_hash, struct audit_verify_result *res)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		memset(res, 0, sizeof(*res));
		return -errno;
	}
	return verify_fd(fd, prev_hash, res);
}
