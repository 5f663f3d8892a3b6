// SPDX-License-Identifier: GPL-2.0-only
/*
 * The audit trail's verifier (docs/audit-format.md): every line must parse,
 * seq must run on and prev must be the SHA-256 of the line before, so an
 * edit, a removal, a reordering or a cut shows as the first line that does
 * not follow. Logs are read in chunks, gzip or not, in bounded memory.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <zlib.h>

#include "audit/audit.h"
#include "audit/priv.h"
#include "util/digest.h"
#include "util/hex.h"
#include "util/rfc3339.h"
#include "util/utf8.h"

_Static_assert(sizeof(((struct audit_verify_result *)0)->last_hash) == SHA256_HEX_LEN + 1,
	       "last_hash holds one hex digest");

#define VERIFY_CHUNK (256 * 1024)
#define VERIFY_FIRST (8 * 1024)	/* the buffers for a short log */

struct verifier {
	struct audit_verify_result *res;
	bool have_start;	/* prev_hash given: the chain starts there */
	uint64_t seq;		/* of the last good line */
	char prev[SHA256_HEX_LEN + 1];	/* what the next line's prev must be */
	/* The format of the records since the last start record (0 before
	 * one: a log that continues a rotated one), and the form a summary's
	 * digests took there: the first one seen settles it. */
	int format;
	enum audit_digest_form summary_form;
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
 * absent), seq's value and prev's text; and for the format, a start
 * record's "format" and an access record's "digest". */
struct fields {
	int type, time, seq, prev, format, digest;
	json_int_t seqv, formatv;
	const char *types, *times, *prevs, *digests;
	size_t typen, timen, prevn, digestn;
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
		} else if (key_is(key[nk], keylen[nk], "format")) {
			f->format = kind;
			f->formatv = kind == JSON_INTEGER ? iv : 0;
		} else if (key_is(key[nk], keylen[nk], "digest")) {
			/* as with prev: no escape decodes to a character of
			 * "sha256:" or a hex digit */
			f->digest = kind;
			f->digests = v + 1;
			f->digestn = kind == JSON_STRING ? (size_t)(p - v - 2) : 0;
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
	x = json_object_get(j, "format");
	f->format = x ? (int)json_typeof(x) : -1;
	f->formatv = json_integer_value(x);
	x = json_object_get(j, "digest");
	f->digest = x ? (int)json_typeof(x) : -1;
	f->digests = json_string_value(x);
	f->digestn = json_string_length(x);
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

static const char *const form_name[] = {
	[AUDIT_DIGEST_NONE] = "none",
	[AUDIT_DIGEST_PREFIXED] = "sha256:<hex>",
	[AUDIT_DIGEST_BARE] = "bare hex",
	[AUDIT_DIGEST_BAD] = "neither form",
};

/* A start record's format: absent is 1; the ones this build reads are 1 to
 * AUDIT_FORMAT. A newer one is refused rather than misread. */
static int check_start(struct verifier *v, const struct fields *f, uint64_t no)
{
	if (f->format < 0) {
		v->format = 1;
	} else if (f->format != JSON_INTEGER || f->formatv < 1) {
		return bad(v->res, no, "key 'format' is not a positive integer");
	} else if (f->formatv > AUDIT_FORMAT) {
		return bad(v->res, no, "unknown format %lld: this build reads formats 1 to %d",
			   (long long)f->formatv, AUDIT_FORMAT);
	} else {
		v->format = (int)f->formatv;
	}
	v->summary_form = AUDIT_DIGEST_NONE;
	return 0;
}

/* An access record's digest: "sha256:<hex>" or null in every format. */
static int check_access(struct verifier *v, const struct fields *f, uint64_t no)
{
	char buf[SHOWN_MAX + 4];

	if (f->digest < 0 || f->digest == JSON_NULL)
		return 0;
	if (f->digest == JSON_STRING &&
	    audit_digest_form_str(f->digests, f->digestn) == AUDIT_DIGEST_PREFIXED)
		return 0;
	if (f->digest != JSON_STRING)
		return bad(v->res, no, "access digest is not a string or null");
	return bad(v->res, no, "access digest is not sha256:<64 lowercase hex digits>: '%s'",
		   shown(f->digests, f->digestn, buf));
}

/*
 * A summary's repeat digests: bare hex or "" under format 1, "sha256:<hex>"
 * or null under format 2. Where no start record says which (a log that
 * continues a rotated one), the first digest settles it for the rest.
 */
static int check_summary(struct verifier *v, json_t *j, uint64_t no)
{
	json_t *reps = json_object_get(j, "repeats"), *it, *d;
	char buf[SHOWN_MAX + 4];
	size_t i;

	json_array_foreach(reps, i, it) {
		enum audit_digest_form form, want;

		d = json_object_get(it, "digest");
		if (!d)
			continue;
		form = audit_digest_form(d);
		if (form == AUDIT_DIGEST_BAD)
			return bad(v->res, no, "summary digest %zu is not a SHA-256 digest%s%s%s", i + 1,
				   json_is_string(d) ? ": '" : "",
				   json_is_string(d) ? shown(json_string_value(d),
							     json_string_length(d), buf) : "",
				   json_is_string(d) ? "'" : "");
		if (form == AUDIT_DIGEST_NONE) {
			/* format 1 wrote "", format 2 writes null */
			if (json_is_null(d) ? v->format == 1 : v->format > 1)
				return bad(v->res, no, "summary digest %zu: %s is not how format %d "
					   "writes no digest", i + 1, json_is_null(d) ? "null" : "\"\"",
					   v->format);
			continue;
		}
		want = v->format ? audit_digest_form_of("summary", v->format) : v->summary_form;
		if (want != AUDIT_DIGEST_NONE && form != want)
			return bad(v->res, no, "summary digest %zu is %s where format %d%s writes "
				   "%s: mixed digest forms", i + 1, form_name[form],
				   v->format ? v->format : form == AUDIT_DIGEST_BARE ? 2 : 1,
				   v->format ? "" : " (so far in this log)", form_name[want]);
		v->summary_form = form;
	}
	return 0;
}

/* The digest forms of the format in force (docs/audit-format.md, "Format
 * versions"): j is the parsed line, or NULL when the scan read it. */
static int check_forms(struct verifier *v, const struct fields *f, json_t *j, uint64_t no)
{
	int err = 0;

	if (f->typen == 5 && !memcmp(f->types, "start", 5))
		err = check_start(v, f, no);
	else if (f->typen == 6 && !memcmp(f->types, "access", 6))
		err = check_access(v, f, no);
	/* a summary always holds an array: never the scan's */
	else if (j && f->typen == 7 && !memcmp(f->types, "summary", 7))
		err = check_summary(v, j, no);
	v->res->form = err != 0;
	return err;
}

/*
 * One line, without its newline. seq is checked before prev so that a
 * removed or swapped line is named as such: either also breaks the link,
 * but "seq 7 after 5" says more than "prev does not match".
 */
static int check_line(struct verifier *v, const char *line, size_t len)
{
	struct fields f = { .type = -1, .time = -1, .seq = -1, .prev = -1, .format = -1,
			    .digest = -1 };
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
	err = check_forms(v, &f, j, no);
	if (err)
		goto cleanup;
	v->seq = seq;
	err = hash_hex(v->md_ctx, v->md, line, len, v->prev);
cleanup:
	json_decref(j);
	return err;
}

/*
 * Where the bytes come from: zlib for a gzip log (or a stream that cannot be
 * peeked at, which gzread passes through when it is not gzip), read() for a
 * plain one. zlib's buffers for a plain log would cost three quarters of a
 * megabyte for every log, however short.
 */
struct source {
	gzFile gz;
	int fd;
};

static int source_read(struct source *src, struct verifier *v, char *buf, size_t len)
{
	const char *msg;
	ssize_t n;
	int errnum;

	if (!src->gz) {
		do
			n = read(src->fd, buf, len);
		while (n < 0 && errno == EINTR);
		return n < 0 ? -errno : (int)n;
	}
	n = gzread(src->gz, buf, len);
	if (n >= 0)
		return (int)n;
	msg = gzerror(src->gz, &errnum);
	return errnum == Z_ERRNO ? (errno ? -errno : -EIO) :
	       bad(v->res, v->res->lines + 1, "compressed data is damaged: %s", msg);
}

/*
 * Lines are cut from one buffer: a complete line is checked where it lies,
 * the partial one at the end moves to the front before the next read. The
 * buffer starts small and doubles while reads fill it, up to room for the
 * longest line and a chunk: memory stays bounded whatever the file's size,
 * and a short log costs a short buffer.
 */
static int verify_lines(struct source *src, struct verifier *v)
{
	size_t max = AUDIT_LINE_MAX + VERIFY_CHUNK, cap = VERIFY_FIRST, fill = 0, want;
	char *buf = malloc(cap), *grown;
	int err = 0, n, errnum;

	if (!buf)
		return -ENOMEM;
	do {
		char *p = buf, *nl;

		want = cap - fill;
		n = source_read(src, v, buf + fill, want);
		if (n < 0) {
			err = n;
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
		/* A full read says more is coming; a full buffer must grow
		 * for the next read to have room. */
		if ((size_t)n == want && cap < max) {
			cap = cap * 2 < max ? cap * 2 : max;
			grown = realloc(buf, cap);
			if (!grown) {
				err = -ENOMEM;
				goto cleanup;
			}
			buf = grown;
		}
	} while (n > 0);
	if (src->gz) {
		/* zlib hands out what it could decode from a cut stream and
		 * says so only here: a log missing its tail is not intact,
		 * even when the cut fell between lines or in the trailer. */
		gzerror(src->gz, &errnum);
		if (errnum == Z_BUF_ERROR) {
			err = bad(v->res, v->res->lines + 1,
				  "compressed log cut short after line %llu",
				  (unsigned long long)v->res->lines);
			goto cleanup;
		}
	}
	if (fill) {
		v->res->lines++;
		err = bad(v->res, v->res->lines, "truncated mid-line");
	}
cleanup:
	free(buf);
	return err;
}

/* A seekable fd whose next bytes are not gzip's magic is read plainly; zlib
 * takes the rest, with buffers no larger than a short file needs. */
static int source_open(struct source *src, int fd)
{
	static const unsigned char magic[2] = { 0x1f, 0x8b };
	unsigned char head[2];
	unsigned int size = VERIFY_CHUNK;
	off_t at = lseek(fd, 0, SEEK_CUR);
	struct stat st;
	ssize_t n = -1;

	src->gz = NULL;
	src->fd = fd;
	if (at >= 0) {
		do
			n = pread(fd, head, sizeof(head), at);
		while (n < 0 && errno == EINTR);
		if (n >= 0 && (n < 2 || memcmp(head, magic, sizeof(magic))))
			return 0;
	}
	if (!fstat(fd, &st) && S_ISREG(st.st_mode) && st.st_size < VERIFY_CHUNK)
		size = st.st_size < VERIFY_FIRST ? VERIFY_FIRST : (unsigned int)st.st_size;
	src->gz = gzdopen(fd, "rb");
	if (!src->gz)
		return -ENOMEM;
	gzbuffer(src->gz, size);
	return 0;
}

/* Takes fd: gzip or not, from where it stands. */
static int verify_fd(int fd, const char *prev_hash, struct audit_verify_result *res)
{
	struct verifier v = { .res = res };
	struct source src = { .fd = -1 };
	uint8_t d[SHA256_LEN];
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
	err = source_open(&src, fd);
	if (err)
		goto cleanup;
	if (src.gz)
		fd = -1;	/* gzclose closes it */
	err = verify_lines(&src, &v);
	if (v.seq)
		memcpy(res->last_hash, v.prev, sizeof(v.prev));
cleanup:
	if (src.gz)
		gzclose(src.gz);
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
