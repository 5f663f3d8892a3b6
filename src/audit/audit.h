/* SPDX-License-Identifier: GPL-2.0-only */
/* The hash-chained audit trail: writer and verifier (docs/audit-format.md). */
#ifndef IMAGUARD_AUDIT_H
#define IMAGUARD_AUDIT_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <jansson.h>

#define AUDIT_LINE_MAX (64 * 1024)
#define AUDIT_BATCH_MAX (1024 * 1024)

/* One writer per log, used from one thread at a time. */
struct audit_log;

struct audit_log_opts {
	unsigned int fsync_interval_ms;	/* 0: the default (1000) */
	/* 0: each line is written with its own write(2) as it is appended.
	 * Otherwise lines are kept and written together, whole, once this
	 * many bytes are waiting (at most AUDIT_BATCH_MAX), and by
	 * audit_log_flush, audit_log_sync and audit_log_close: the owner
	 * bounds how long a line may wait by calling audit_log_flush. */
	size_t batch_bytes;
	/* A new (empty) log's first prev: the last hash of the log it
	 * continues after rotation. NULL: 64 zeros. Ignored when the file
	 * already has lines, whose own chain goes on. */
	const char *prev_hash;
	/* NULL, or a file to which each line is also appended as ECS
	 * documents (audit_ecs_map), flushed with the log. The log is the
	 * record of truth: a failure there is logged once and the log goes
	 * on without it. */
	const char *ecs_path;
};

/*
 * Open path for appending ("-" is standard output). An existing file is
 * read back to its last line so that seq and prev continue its chain; a file
 * whose last line is cut short is refused (-EBADMSG) rather than extended.
 * A regular file is locked (flock) for as long as it is open: a second
 * writer gets -EBUSY, since two would fork the chain. Errors are logged.
 */
int audit_log_open(struct audit_log **out, const char *path, const struct audit_log_opts *o);
/*
 * Append one record. rec must hold "type"; the writer puts type, time (now,
 * unless rec has one), seq and prev first, then rec's other keys in their
 * order (a "seq" or "prev" in rec is ignored: the chain is the writer's).
 * The line is written with one write(2) on an O_APPEND descriptor, or,
 * with batch_bytes, kept with others and written in one go with them: a
 * write(2) only ever carries whole lines.
 * Takes no reference to rec. -EINVAL: rec is not an object, its type or
 * time is not a string, the type is not a record type or the time not in
 * the trail's form (audit_type_known, rfc3339_ns_valid), or a string is not
 * UTF-8; -EMSGSIZE: the line with
 * its newline would exceed AUDIT_LINE_MAX. Neither writes anything. A write
 * that fails part-way leaves a torn line, after which every append fails.
 * One that fails with nothing written returns its error: without batching
 * the line is dropped (seq stays) and the caller may try again; with it,
 * the lines stay buffered, chained, and go out with the next write.
 * An fsync failure is returned although the line was written (seq moved on).
 * A writer that falls idle should call audit_log_sync on its own timer: the
 * interval is only checked here.
 */
int audit_log_append(struct audit_log *l, json_t *rec);

/*
 * A record whose members the caller renders itself, for the event path,
 * where building a JSON object per record would cost more than the rest:
 * begin puts type, time (now when NULL), seq and prev, and hands out a
 * cursor into the log's buffer for the caller's `,"key":value` members,
 * which must be valid JSON (audit_put_*); end closes the line and appends it
 * as audit_log_append would. Between the two nothing else may be appended.
 * begin: -EINVAL (type or time as append refuses them) or a failed write of earlier
 * lines; end: -EMSGSIZE when the line would exceed AUDIT_LINE_MAX, or what
 * append returns. A line that fails is not kept; audit_log_cancel drops one
 * the caller gave up on.
 */
struct audit_out {
	char *p, *end;
	bool over;	/* ran out of room: p stays at end */
};

int audit_log_begin(struct audit_log *l, const char *type, const char *time,
		    struct audit_out **out);
/* The same with the time as nanoseconds since the epoch, which the writer
 * spells itself: nothing to check, for the event path. */
int audit_log_begin_ns(struct audit_log *l, const char *type, int64_t time_ns,
		       struct audit_out **out);
int audit_log_end(struct audit_log *l);
void audit_log_cancel(struct audit_log *l);

/* Write the lines a batching log holds (nothing to do for one that does not). */
int audit_log_flush(struct audit_log *l);
/* Flush and fsync now (also done every fsync_interval_ms from a write, and at close). */
int audit_log_sync(struct audit_log *l);
void audit_log_close(struct audit_log *l);

/* SHA-256 hex of the last line appended: a rotated log's successor chains
 * from it (with batching: flush first, so that the file has it too). */
const char *audit_log_last_hash(const struct audit_log *l);
/* seq of the last line appended (0 before the first line of a new log). */
uint64_t audit_log_last_seq(const struct audit_log *l);

/* ---- rendering into an audit_out --------------------------------------- */

/* Room for n bytes at the cursor, which moves past them; NULL when there is
 * not (the cursor is then full). */
static inline char *audit_take(struct audit_out *o, size_t n)
{
	char *q = o->p;

	if ((size_t)(o->end - o->p) < n) {
		o->over = true;
		o->p = o->end;
		return NULL;
	}
	o->p += n;
	return q;
}

static inline void audit_put(struct audit_out *o, const void *s, size_t n)
{
	char *q = audit_take(o, n);

	if (q)
		memcpy(q, s, n);
}

/* A string literal, without its NUL. */
#define AUDIT_PUT_LIT(o, s) audit_put(o, s, sizeof(s) - 1)

/* Every number below 100 as its two digits: numbers are spelled two digits
 * per step, half the dependent divisions of one digit per step. */
static const char audit_digit_pairs[200] =
	"0001020304050607080910111213141516171819"
	"2021222324252627282930313233343536373839"
	"4041424344454647484950515253545556575859"
	"6061626364656667686970717273747576777879"
	"8081828384858687888990919293949596979899";

/* How many digits v has. bits * log10(2) is the count or one less
 * (1233 / 4096 ~ log10(2)); one comparison settles which. */
static inline size_t audit_u64_digits(uint64_t v)
{
	static const uint64_t pow10[20] = {
		1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000,
		10000000000ULL, 100000000000ULL, 1000000000000ULL, 10000000000000ULL,
		100000000000000ULL, 1000000000000000ULL, 10000000000000000ULL,
		100000000000000000ULL, 1000000000000000000ULL, 10000000000000000000ULL,
	};
	size_t n = (64 - __builtin_clzll(v | 1)) * 1233 >> 12;

	return n + ((v | 1) >= pow10[n]);
}

/* Exactly n digits of v at q, zeros in front (v < 10^n), written from the
 * last: eight at a time in 32 bits, split in halves and then in pairs, so
 * that no more than three divisions wait on each other; what is left two at
 * a time. Also the fixed-width fields (the time's fraction). */
static inline void audit_digits_at(char *q, uint64_t v, size_t n)
{
	uint32_t w;

	for (; n >= 8; n -= 8, v /= 100000000) {
		uint32_t e = (uint32_t)(v % 100000000), hi = e / 10000, lo = e % 10000;

		memcpy(q + n - 8, audit_digit_pairs + hi / 100 * 2, 2);
		memcpy(q + n - 6, audit_digit_pairs + hi % 100 * 2, 2);
		memcpy(q + n - 4, audit_digit_pairs + lo / 100 * 2, 2);
		memcpy(q + n - 2, audit_digit_pairs + lo % 100 * 2, 2);
	}
	for (w = (uint32_t)v, q += n; n >= 2; n -= 2, w /= 100) {
		q -= 2;
		memcpy(q, audit_digit_pairs + w % 100 * 2, 2);
	}
	if (n)
		q[-1] = (char)('0' + w);
}

/* The forms below on a bare pointer with room already made sure of, for a
 * renderer that checks once for a run of fixed-size pieces: each returns
 * the end of what it wrote. A cursor's pointer, reloaded and stored back
 * around every piece (a char store may alias it), cost more than the
 * pieces themselves. */
static inline char *audit_u64_at(char *q, uint64_t v)
{
	size_t n = audit_u64_digits(v);

	audit_digits_at(q, v, n);
	return q + n;
}

static inline char *audit_int_at(char *q, long long v)
{
	if (v >= 0)
		return audit_u64_at(q, v);
	*q = '-';
	return audit_u64_at(q + 1, -(uint64_t)v);
}

static inline char *audit_plain_at(char *q, const char *s, size_t n)
{
	q[0] = '"';
	memcpy(q + 1, s, n);
	q[n + 1] = '"';
	return q + n + 2;
}

/* A string literal, without its NUL. */
#define AUDIT_LIT_AT(q, s) (memcpy(q, s, sizeof(s) - 1), (q) + sizeof(s) - 1)

/* The most any of them writes: 20 digits and a sign. */
#define AUDIT_INT_MAX 21

/* Counted first, then written in place: a line carries about fifteen
 * numbers, and a loop of divisions by ten, each waiting for the one
 * before, was a fifth of the line's rendering. */
static inline void audit_put_u64(struct audit_out *o, uint64_t v)
{
	size_t n = audit_u64_digits(v);
	char *q = audit_take(o, n);

	if (q)
		audit_digits_at(q, v, n);
}

static inline void audit_put_int(struct audit_out *o, long long v)
{
	if (v < 0) {
		AUDIT_PUT_LIT(o, "-");
		audit_put_u64(o, -(uint64_t)v);
	} else {
		audit_put_u64(o, v);
	}
}

/* Text known to need no escaping (a name from a table, a checked time),
 * quoted. */
static inline void audit_put_plain(struct audit_out *o, const char *s, size_t n)
{
	char *q = audit_take(o, n + 2);

	if (!q)
		return;
	q[0] = '"';
	memcpy(q + 1, s, n);
	q[n + 1] = '"';
}

/* n bytes of UTF-8 as a JSON string, quoted, escaped as the writer always
 * does: \" \\ \n \t \r, other controls \u00XX, the rest as it is.
 * -EINVAL when s is not valid UTF-8 (the cursor is then left mid-string). */
int audit_put_str(struct audit_out *o, const char *s, size_t n);

/*
 * What every line's type and time must be (docs/audit-format.md): one of
 * the record types, and RFC 3339 in UTC with nanoseconds,
 * "YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ", a real date and time. The writer
 * refuses a record without them and the verifier names a line without them.
 */
bool audit_type_known(const char *s, size_t n);

/* ---- the format -------------------------------------------------------- */

/*
 * The trail's format version (docs/audit-format.md, "Format versions"): a
 * start record carries it as "format"; one without it is format 1. It holds
 * for the records after that start record, up to the next one: a log that
 * a newer daemon extended holds both. Format 1 wrote a summary's repeat
 * digests as bare hex ("" for none); format 2 writes every digest as access
 * records always did, "sha256:<hex>" or null.
 */
#define AUDIT_FORMAT 2
#define AUDIT_DIGEST_PREFIX "sha256:"

enum audit_digest_form {
	AUDIT_DIGEST_NONE,	/* null, or "" (format 1's summaries) */
	AUDIT_DIGEST_PREFIXED,	/* "sha256:" and 64 lowercase hex digits */
	AUDIT_DIGEST_BARE,	/* 64 lowercase hex digits (format 1's summaries) */
	AUDIT_DIGEST_BAD,	/* anything else */
};

/* What form a digest's JSON value has (v may be NULL: absent, read as none). */
enum audit_digest_form audit_digest_form(const json_t *v);
/* The same on a string's raw text (not null). */
enum audit_digest_form audit_digest_form_str(const char *s, size_t n);
/* The form a digest must have in a record of type ("access" or "summary")
 * under format: PREFIXED or BARE (NONE is always allowed beside it, as null
 * under format 2 and "" in a format-1 summary). */
enum audit_digest_form audit_digest_form_of(const char *type, int format);
/* The 64 lowercase hex digits of a digest in either form; -EINVAL when v is
 * none or bad. */
int audit_digest_hex(const json_t *v, char hex[65]);

/* ---- Elastic Common Schema ----------------------------------------------- */

/*
 * The trail's records as ECS documents (docs/audit-format.md, "ECS output"):
 * an access record, a start, reload, lost or stop record each give one, a
 * summary one per repeat. Keys ECS has no field for go under "imaguard".
 * Digests of either format give file.hash.sha256.
 */
#define AUDIT_ECS_VERSION "8.11.0"

/* What one trail's documents carry from record to record: the host of its
 * latest start record (host.name), or the one given before the first. */
struct audit_ecs {
	char host[256];
};

void audit_ecs_init(struct audit_ecs *st, const char *host);
/* Append rec's documents to the array out: 0, -EINVAL when rec is not a
 * record (an object with a string type and time), -ENOMEM. */
int audit_ecs_map(struct audit_ecs *st, const json_t *rec, json_t *out);

struct audit_verify_result {
	uint64_t lines;		/* lines read, intact or not */
	uint64_t bad_line;	/* first bad line, 1-based; 0 when intact */
	char why[256];		/* what is wrong with it */
	/* The bad line is whole and chained, but in a form this build does
	 * not read: a format it does not know, or a digest not in its
	 * format's form. Readers refuse such a log rather than misread it. */
	bool form;
	/* SHA-256 hex of the last intact line ("" when none): where a log
	 * that continues this one after rotation must chain from. */
	char last_hash[65];
};

/* 0 when every line parses, seq runs on and prev chains; -EBADMSG with the
 * first bad line in res otherwise; another negative errno when unreadable.
 * prev_hash (may be NULL) is the chain's starting point when the log
 * continues a rotated one. Without it the first line must have seq 1 and
 * prev 64 zeros; with it the first line's prev must equal it, and its seq may
 * be any positive number. Where damage shows: an edit that leaves a line
 * valid JSON, on the next line (its prev no longer matches); one that breaks
 * the JSON or changes seq or prev, on the line itself; a removed or swapped
 * line, where seq jumps. An edit to the last line cannot show in the chain:
 * compare res->last_hash with audit_log_last_hash kept elsewhere. A gzip
 * file is decompressed as it is read (a cut stream is damage). Memory
 * stays bounded whatever the file's size. -EINVAL: prev_hash is not 64 hex
 * digits. */
int audit_verify_file(const char *path, const char *prev_hash, struct audit_verify_result *res);
/* The same from an open descriptor (read from its offset; not closed). */
int audit_verify_fd(int fd, const char *prev_hash, struct audit_verify_result *res);

#endif
