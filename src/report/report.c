// SPDX-License-Identifier: GPL-2.0-only
/*
 * Reading audit logs into the report's aggregates. Strings that repeat
 * across records (hosts, paths, digests, commands) are interned once, so an
 * aggregate key is a handful of pointers compared with memcmp.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <zlib.h>

#include "allowlist/allowlist.h"
#include "audit/audit.h"
#include "util/hex.h"
#include "util/log.h"
#include "report/report.h"
#include "report/priv.h"
#include "util/rfc3339.h"

/* ---- a small open-addressing map whose values begin with their key ------- */

static uint64_t hash_bytes(const void *p, size_t n)
{
	const unsigned char *b = p;
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h ^ (h >> 29);
}

void *hmap_get(const struct hmap *m, const void *key)
{
	size_t mask, i;

	if (!m->cap)
		return NULL;
	mask = m->cap - 1;
	for (i = hash_bytes(key, m->keylen) & mask; m->slots[i]; i = (i + 1) & mask)
		if (!memcmp(m->slots[i], key, m->keylen))
			return m->slots[i];
	return NULL;
}

static int hmap_grow(struct hmap *m)
{
	size_t cap = m->cap ? m->cap * 2 : 64;
	void **slots = calloc(cap, sizeof(*slots));

	if (!slots)
		return -ENOMEM;
	for (size_t j = 0; j < m->cap; j++) {
		size_t i;

		if (!m->slots[j])
			continue;
		for (i = hash_bytes(m->slots[j], m->keylen) & (cap - 1); slots[i];
		     i = (i + 1) & (cap - 1))
			;
		slots[i] = m->slots[j];
	}
	free(m->slots);
	m->slots = slots;
	m->cap = cap;
	return 0;
}

/* The value for key, created zeroed (key copied in) when absent. */
void *hmap_upsert(struct hmap *m, const void *key, size_t valsize)
{
	void *v = hmap_get(m, key);
	size_t i;

	if (v)
		return v;
	if ((m->len + 1) * 10 > m->cap * 7 && hmap_grow(m))
		return NULL;
	v = calloc(1, valsize);
	if (!v)
		return NULL;
	memcpy(v, key, m->keylen);
	for (i = hash_bytes(key, m->keylen) & (m->cap - 1); m->slots[i]; i = (i + 1) & (m->cap - 1))
		;
	m->slots[i] = v;
	m->len++;
	return v;
}

/* The values in a fresh array (free it, not them); NULL with *n = 0 when empty. */
void **hmap_values(const struct hmap *m, size_t *n)
{
	void **v = malloc((m->len ? m->len : 1) * sizeof(*v));
	size_t k = 0;

	*n = 0;
	if (!v)
		return NULL;
	for (size_t i = 0; i < m->cap; i++)
		if (m->slots[i])
			v[k++] = m->slots[i];
	*n = k;
	return v;
}

void hmap_free(struct hmap *m)
{
	for (size_t i = 0; i < m->cap; i++)
		free(m->slots[i]);
	free(m->slots);
	m->slots = NULL;
	m->cap = m->len = 0;
}

/* ---- interned strings ------------------------------------------------------- */

/* Interning looks strings up by content, in a table of its own. */
static uint64_t hash_str(const char *s)
{
	return hash_bytes(s, strlen(s));
}

const char *intern(struct report *r, const char *s)
{
	struct strtab *t = &r->strs;
	size_t mask, i, n;
	char *copy;

	if (!s)
		return NULL;
	if ((t->len + 1) * 10 > t->cap * 7) {
		size_t cap = t->cap ? t->cap * 2 : 256;
		char **slots = calloc(cap, sizeof(*slots));

		if (!slots)
			return NULL;
		for (size_t j = 0; j < t->cap; j++) {
			if (!t->slots[j])
				continue;
			for (i = hash_str(t->slots[j]) & (cap - 1); slots[i]; i = (i + 1) & (cap - 1))
				;
			slots[i] = t->slots[j];
		}
		free(t->slots);
		t->slots = slots;
		t->cap = cap;
	}
	mask = t->cap - 1;
	for (i = hash_str(s) & mask; t->slots[i]; i = (i + 1) & mask)
		if (!strcmp(t->slots[i], s))
			return t->slots[i];
	n = strlen(s);
	copy = malloc(n + 1);
	if (!copy)
		return NULL;
	memcpy(copy, s, n + 1);
	t->slots[i] = copy;
	t->len++;
	return copy;
}

/* The interned copy of s when one exists; never adds. */
const char *interned(const struct report *r, const char *s)
{
	const struct strtab *t = &r->strs;
	size_t mask, i;

	if (!s || !t->cap)
		return NULL;
	mask = t->cap - 1;
	for (i = hash_str(s) & mask; t->slots[i]; i = (i + 1) & mask)
		if (!strcmp(t->slots[i], s))
			return t->slots[i];
	return NULL;
}

static void strtab_free(struct strtab *t)
{
	for (size_t i = 0; i < t->cap; i++)
		free(t->slots[i]);
	free(t->slots);
}

/* ---- names ------------------------------------------------------------------ */

/* The reasons a report counts, in its order; "measured" is counted as other. */
static const unsigned int reason_values[REASON_OTHER] = {
	[REASON_ALLOWLISTED] = IG_REASON_ALLOWLISTED,
	[REASON_NOT_ALLOWLISTED] = IG_REASON_NOT_ALLOWLISTED,
	[REASON_RULE_DENY] = IG_REASON_RULE_DENY,
	[REASON_RULE_ALLOW] = IG_REASON_RULE_ALLOW,
	[REASON_RULE_AUDIT] = IG_REASON_RULE_AUDIT,
	[REASON_HASH_ERROR] = IG_REASON_HASH_ERROR,
};

const char *report_hook_name(int hook)
{
	return hook >= 0 && hook < HOOK_OTHER ? names_hook(hook) : "other";
}

const char *report_reason_name(int reason)
{
	return reason >= 0 && reason < REASON_OTHER ? names_reason(reason_values[reason]) : "other";
}

static int hook_of(const char *s)
{
	int hook = names_hook_parse(s);

	return hook < 0 ? HOOK_OTHER : hook;
}

static int reason_of(const char *s)
{
	int v = names_reason_parse(s);

	for (int i = 0; v >= 0 && i < REASON_OTHER; i++)
		if (reason_values[i] == (unsigned int)v)
			return i;
	return REASON_OTHER;
}

/* ---- the report --------------------------------------------------------------- */

struct report *report_new(const struct report_opts *o)
{
	struct report *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->o = *o;
	r->exes.keylen = sizeof(struct exe_key);
	r->denies.keylen = sizeof(struct deny_key);
	r->hosts.keylen = sizeof(struct host_key);
	r->buckets.keylen = sizeof(int64_t);
	r->first = INT64_MAX;
	r->last = INT64_MIN;
	r->unknown_host = intern(r, "(unknown)");
	if (!r->unknown_host) {
		free(r);
		return NULL;
	}
	return r;
}

void report_free(struct report *r)
{
	if (!r)
		return;
	hmap_free(&r->exes);
	hmap_free(&r->denies);
	hmap_free(&r->hosts);
	hmap_free(&r->buckets);
	for (size_t i = 0; i < r->nlogs; i++) {
		free(r->logs[i].path);
		free(r->logs[i].hosts);
	}
	free(r->logs);
	free(r->serials);
	strtab_free(&r->strs);
	free(r);
}

/*
 * A log that starts where another ends counts as intact only when one of the
 * given logs, itself intact and whole from its own start, ends there: the
 * check `imaguard audit verify OLD NEW` makes, in any order of the logs, since
 * a shell lists audit.log before audit.log.1. One that no given log leads to
 * is broken at line 1, as its check from zeros found.
 */
void report_link_logs(struct report *r)
{
	bool changed = true;

	if (r->links_done)
		return;
	r->links_done = true;
	for (size_t i = 0; i < r->nlogs; i++)
		r->logs[i].linked = !r->logs[i].needs_link;
	while (changed) {
		changed = false;
		for (size_t i = 0; i < r->nlogs; i++) {
			struct logrep *lr = &r->logs[i];

			for (size_t j = 0; !lr->linked && j < r->nlogs; j++) {
				const struct logrep *o = &r->logs[j];

				if (j != i && o->linked && o->chain == CHAIN_INTACT &&
				    !strcmp(o->vr.last_hash, lr->start_prev)) {
					lr->linked = true;
					changed = true;
				}
			}
		}
	}
	for (size_t i = 0; i < r->nlogs; i++) {
		struct logrep *lr = &r->logs[i];

		if (!lr->needs_link || lr->chain == CHAIN_UNREADABLE)
			continue;
		if (!lr->linked) {
			lr->vr = lr->vr_alone;
			lr->start_prev[0] = '\0';
			lr->chain = CHAIN_BROKEN;
		}
		if (lr->chain == CHAIN_BROKEN)
			pr_warn("audit log '%s': chain broken at line %llu: %s", lr->path,
				(unsigned long long)lr->vr.bad_line, lr->vr.why);
	}
}

bool report_chains_ok(struct report *r)
{
	report_link_logs(r);
	for (size_t i = 0; i < r->nlogs; i++)
		if (r->logs[i].chain != CHAIN_INTACT)
			return false;
	return true;
}

uint64_t report_enforce_records(const struct report *r)
{
	return r->enforce_records;
}

static struct host *host_get(struct report *r, const char *name)
{
	struct host_key k;
	struct host *h;

	memset(&k, 0, sizeof(k));
	k.name = name;
	h = hmap_upsert(&r->hosts, &k, sizeof(struct host));
	if (h && !h->seen) {
		h->seen = true;
		h->first = INT64_MAX;
		h->last = INT64_MIN;
	}
	return h;
}

static void span(int64_t *first, int64_t *last, int64_t t)
{
	if (t < *first)
		*first = t;
	if (t > *last)
		*last = t;
}

static int note_serial(struct report *r, json_t *v)
{
	uint64_t s;
	uint64_t *grown;

	if (json_is_null(v)) {
		r->serial_none = true;
		return 0;
	}
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return 0;
	s = (uint64_t)json_integer_value(v);
	for (size_t i = 0; i < r->nserials; i++)
		if (r->serials[i] == s)
			return 0;
	/* A log reloads a handful of lists; a cap keeps a hostile log from
	 * turning this into the one unbounded list. */
	if (r->nserials >= 4096)
		return 0;
	grown = realloc(r->serials, (r->nserials + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	r->serials = grown;
	r->serials[r->nserials++] = s;
	return 0;
}

static int log_note_host(struct logrep *lr, const char *host)
{
	const char **grown;

	for (size_t i = 0; i < lr->nhosts; i++)
		if (lr->hosts[i] == host)
			return 0;
	grown = realloc(lr->hosts, (lr->nhosts + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	lr->hosts = grown;
	lr->hosts[lr->nhosts++] = host;
	return 0;
}

/* "sha256:<hex>" to the interned lowercase hex; NULL for null or junk. */
static const char *digest_of(struct report *r, json_t *v)
{
	const char *s = json_string_value(v);
	char hex[SHA256_HEX_LEN + 1];

	if (!s || strncmp(s, "sha256:", 7) || strlen(s + 7) != SHA256_HEX_LEN)
		return NULL;
	for (int i = 0; i < SHA256_HEX_LEN; i++) {
		char c = s[7 + i];

		if (hex_value(c) < 0)
			return NULL;
		hex[i] = c >= 'A' && c <= 'F' ? c + ('a' - 'A') : c;
	}
	hex[SHA256_HEX_LEN] = '\0';
	return intern(r, hex);
}

static struct exe *exe_get(struct report *r, const char *host, const char *path,
			   const char *digest, int hook)
{
	struct exe_key k;

	memset(&k, 0, sizeof(k));
	k.host = host;
	k.path = path;
	k.digest = digest;
	k.hook = hook;
	return hmap_upsert(&r->exes, &k, sizeof(struct exe));
}

static int bucket_add(struct report *r, int64_t t, bool deny)
{
	int64_t minute = t / (60ll * 1000000000);
	struct bucket *b = hmap_upsert(&r->buckets, &minute, sizeof(*b));

	if (!b)
		return -ENOMEM;
	b->events++;
	b->denials += deny;
	return 0;
}

static const char *str_field(struct report *r, json_t *rec, const char *key)
{
	return intern(r, json_string_value(json_object_get(rec, key)));
}

static int64_t int_field(json_t *rec, const char *key, int64_t dflt)
{
	json_t *v = json_object_get(rec, key);

	return json_is_integer(v) ? json_integer_value(v) : dflt;
}

static int fold_access(struct report *r, struct logrep *lr, json_t *rec, int64_t t, bool timed)
{
	const char *path = str_field(r, rec, "path"), *mode = str_field(r, rec, "mode");
	const char *digest = digest_of(r, json_object_get(rec, "digest"));
	const char *reason = str_field(r, rec, "reason");
	int hook = hook_of(json_string_value(json_object_get(rec, "hook")));
	int rsn = reason_of(reason);
	bool deny = names_decision_parse(json_string_value(json_object_get(rec, "decision"))) == IG_DENY;
	bool would = json_is_true(json_object_get(rec, "would_deny"));
	bool monitor = mode ? names_mode_parse(mode) == IG_MODE_MONITOR : lr->mode == IG_MODE_MONITOR;
	struct host *h = host_get(r, lr->host);
	struct exe *e;

	if (!h)
		return -ENOMEM;
	r->events++;
	r->by_hook[hook]++;
	r->by_reason[rsn]++;
	h->events++;
	if (!monitor)
		r->enforce_records++;
	r->modes |= monitor ? 1u << IG_MODE_MONITOR : 1u << IG_MODE_ENFORCE;
	h->modes |= monitor ? 1u << IG_MODE_MONITOR : 1u << IG_MODE_ENFORCE;
	if (rsn == REASON_HASH_ERROR)
		r->hash_errors++;
	if (would) {
		r->would_deny++;
		h->would_deny++;
	}
	if (timed && bucket_add(r, t, deny))
		return -ENOMEM;

	e = exe_get(r, lr->host, path ? path : intern(r, ""), digest, hook);
	if (!e)
		return -ENOMEM;
	if (!e->count++) {
		e->first = INT64_MAX;
		e->last = INT64_MIN;
	}
	if (timed)
		span(&e->first, &e->last, t);
	e->monitor += monitor && !deny;
	e->would_deny += would;
	e->denied += deny;
	e->allowlisted_rec += rsn == REASON_ALLOWLISTED;
	e->reason = reason;

	if (deny) {
		struct deny_key k;
		struct deny *d;

		r->denials++;
		r->deny_by_reason[rsn]++;
		h->denials++;
		memset(&k, 0, sizeof(k));
		k.host = lr->host;
		k.path = e->k.path;
		k.digest = digest;
		k.comm = str_field(r, rec, "comm");
		k.reason = reason;
		k.uid = int_field(rec, "uid", -1);
		k.hook = hook;
		d = hmap_upsert(&r->denies, &k, sizeof(*d));
		if (!d)
			return -ENOMEM;
		if (!d->count++) {
			d->first = INT64_MAX;
			d->last = INT64_MIN;
		}
		if (timed)
			span(&d->first, &d->last, t);
		d->pid = int_field(rec, "pid", -1);
	}
	return 0;
}

/* A summary record's repeats: sightings the daemon counted but did not log. */
static int fold_summary(struct report *r, struct logrep *lr, json_t *rec, int64_t t,
			bool timed)
{
	json_t *reps = json_object_get(rec, "repeats"), *it;
	struct host *h = host_get(r, lr->host);
	size_t i;

	if (!h)
		return -ENOMEM;
	json_array_foreach(reps, i, it) {
		int64_t n = int_field(it, "count", 0);
		const char *path = str_field(r, it, "path");
		struct exe *e;

		if (n <= 0)
			continue;
		e = exe_get(r, lr->host, path ? path : intern(r, ""),
			    digest_of(r, json_object_get(it, "digest")),
			    hook_of(json_string_value(json_object_get(it, "hook"))));
		if (!e)
			return -ENOMEM;
		if (!e->count) {
			e->first = INT64_MAX;
			e->last = INT64_MIN;
		}
		e->count += (uint64_t)n;
		if (timed)
			span(&e->first, &e->last, t);
		/* A repeat was allowed (a denied one is always logged), and the
		 * log's mode says whether it ran under monitor. */
		if (lr->mode != IG_MODE_ENFORCE)
			e->monitor += (uint64_t)n;
		r->repeats += (uint64_t)n;
		h->repeats += (uint64_t)n;
	}
	return 0;
}

static int fold_record(struct report *r, struct logrep *lr, json_t *rec)
{
	const char *type = json_string_value(json_object_get(rec, "type"));
	int64_t t = 0;
	bool timed = !rfc3339_parse_ns(json_string_value(json_object_get(rec, "time")), &t);
	struct host *h;

	if (!type)
		return 1;
	lr->records++;
	r->records++;
	if (!strcmp(type, "start")) {
		const char *host = str_field(r, rec, "host"), *mode = str_field(r, rec, "mode");

		lr->host = host ? host : r->unknown_host;
		lr->mode = names_mode_parse(mode) == IG_MODE_ENFORCE ? IG_MODE_ENFORCE : IG_MODE_MONITOR;
		r->starts++;
		h = host_get(r, lr->host);
		if (!h || log_note_host(lr, lr->host))
			return -ENOMEM;
		h->modes |= 1u << lr->mode;
		r->modes |= 1u << lr->mode;
		h->kernel = str_field(r, rec, "kernel") ?: h->kernel;
		h->version = str_field(r, rec, "version") ?: h->version;
		if (h->last_log != lr) {
			h->last_log = lr;
			h->logs++;
		}
		if (!lr->continues)
			lr->continues = str_field(r, rec, "prev_file");
	}
	h = host_get(r, lr->host);
	if (!h)
		return -ENOMEM;
	if (timed) {
		span(&r->first, &r->last, t);
		span(&h->first, &h->last, t);
	}
	if (json_object_get(rec, "allowlist_serial") &&
	    note_serial(r, json_object_get(rec, "allowlist_serial")))
		return -ENOMEM;
	if (!strcmp(type, "access"))
		return fold_access(r, lr, rec, t, timed);
	if (!strcmp(type, "summary"))
		return fold_summary(r, lr, rec, t, timed);
	if (!strcmp(type, "lost")) {
		int64_t n = int_field(rec, "count", 0);
		const char *cause = json_string_value(json_object_get(rec, "cause"));

		if (n > 0) {
			r->lost += (uint64_t)n;
			h->lost += (uint64_t)n;
			if (cause && !strcmp(cause, "gap"))
				r->lost_gap += (uint64_t)n;
			else
				r->lost_ringbuf += (uint64_t)n;
		}
		r->lost_records++;
	} else if (!strcmp(type, "reload")) {
		r->reloads++;
		r->reloads_failed += !json_is_true(json_object_get(rec, "ok"));
	}
	return 0;
}

/* ---- reading a log ------------------------------------------------------------ */

static void progress(struct report *r, struct logrep *lr, gzFile gz, off_t size, bool done)
{
	struct timespec now;
	int64_t ms;
	const char *name = strrchr(lr->path, '/') ? strrchr(lr->path, '/') + 1 : lr->path;

	if (!r->o.progress)
		return;
	if (done) {
		fprintf(stderr, "\r\033[K");
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = now.tv_sec * 1000ll + now.tv_nsec / 1000000;
	if (ms - r->progress_ms < 100)
		return;
	r->progress_ms = ms;
	/* gzoffset is the position in the file itself, compressed or not, so it
	 * measures against st_size either way. */
	fprintf(stderr, "\r\033[Kreport: %.40s %3d%% %llu records", name,
		size > 0 ? (int)(gzoffset(gz) * 100 / size) : 0, (unsigned long long)lr->records);
}

static bool is_gzip(const char *path)
{
	unsigned char m[2];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	bool gz;

	if (fd < 0)
		return false;
	gz = read(fd, m, 2) == 2 && m[0] == 0x1f && m[1] == 0x8b;
	close(fd);
	return gz;
}

/*
 * Read one line into buf. Returns its length without the newline, -1 at the
 * end, or -2 for a line over the limit (skipped to its end).
 */
static long read_line(gzFile gz, char *buf, size_t size, bool *unterminated)
{
	size_t n;
	bool over = false;

	*unterminated = false;
	for (;;) {
		if (!gzgets(gz, buf, (int)size))
			return over ? -2 : -1;
		n = strlen(buf);
		if (n && buf[n - 1] == '\n')
			return over ? -2 : (long)n - 1;
		if (n < size - 1) {
			/* the last line has no newline: a cut-short log */
			*unterminated = true;
			return over ? -2 : (long)n;
		}
		over = true;
	}
}

static int stream_log(struct report *r, struct logrep *lr)
{
	char *buf = malloc(AUDIT_LINE_MAX + 2);
	gzFile gz = NULL;
	struct stat st;
	bool cut;
	long n;
	int fd = -1, err = 0;

	if (!buf)
		return -ENOMEM;
	fd = open(lr->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st)) {
		err = -errno;
		goto cleanup;
	}
	/* open(2) takes a directory; its first read would fail, and zlib
	 * would say no more than that it did */
	if (S_ISDIR(st.st_mode)) {
		err = -EISDIR;
		goto cleanup;
	}
	gz = gzdopen(fd, "rb");
	if (!gz) {
		err = -ENOMEM;
		goto cleanup;
	}
	fd = -1;
	gzbuffer(gz, 256 * 1024);
	while ((n = read_line(gz, buf, AUDIT_LINE_MAX + 2, &cut)) != -1) {
		json_t *rec;
		int rc;

		lr->lines++;
		if (n == -2 || !(rec = json_loadb(buf, (size_t)n, 0, NULL))) {
			lr->bad_lines++;
			continue;
		}
		rc = json_is_object(rec) ? fold_record(r, lr, rec) : 1;
		json_decref(rec);
		if (rc < 0) {
			err = rc;
			goto cleanup;
		}
		lr->bad_lines += rc > 0;
		if (!(lr->lines & 0xfff))
			progress(r, lr, gz, st.st_size, false);
	}
	if (!gzeof(gz)) {
		int zerr, errnum = errno;

		gzerror(gz, &zerr);
		lr->read_error = true;
		/* Z_ERRNO: read(2) failed, and errno says why */
		err = zerr == Z_MEM_ERROR ? -ENOMEM : zerr == Z_ERRNO && errnum ? -errnum : -EIO;
	}
cleanup:
	progress(r, lr, NULL, 0, true);
	if (gz)
		gzclose(gz);
	if (fd >= 0)
		close(fd);
	free(buf);
	return err;
}

/*
 * The first line's prev ("" when it has none of 64 hex digits), and whether
 * that line is a start record naming the rotated file it continues.
 */
static void chain_start(const char *path, char prev[SHA256_HEX_LEN + 1], bool *named)
{
	char *buf = malloc(AUDIT_LINE_MAX + 2);
	gzFile gz = gzopen(path, "rb");
	json_t *rec = NULL;
	const char *p;
	bool cut;
	long n;

	prev[0] = '\0';
	*named = false;
	if (buf && gz && (n = read_line(gz, buf, AUDIT_LINE_MAX + 2, &cut)) >= 0 &&
	    (rec = json_loadb(buf, (size_t)n, 0, NULL)) &&
	    (p = json_string_value(json_object_get(rec, "prev"))) && strlen(p) == SHA256_HEX_LEN) {
		memcpy(prev, p, SHA256_HEX_LEN + 1);
		*named = json_string_value(json_object_get(rec, "prev_file")) != NULL;
	}
	json_decref(rec);
	if (gz)
		gzclose(gz);
	free(buf);
}

/* The one place the chain is judged: audit_verify_file, the same check
 * `imaguard audit verify` makes. */
static void verify_chain(struct logrep *lr)
{
	static const char zeros[] = "0000000000000000000000000000000000000000000000000000000000000000";
	char prev[SHA256_HEX_LEN + 1];
	bool named;
	int err;

	/* the verifier reads gzip itself, so both kinds go straight in */
	chain_start(lr->path, prev, &named);
	if (named)
		memcpy(lr->start_prev, prev, sizeof(lr->start_prev));
	err = audit_verify_file(lr->path, named ? prev : NULL, &lr->vr);
	/* A log that continues another, as after a copytruncate rotation, is
	 * checked from its first prev; report_link_logs decides whether a
	 * given log leads there. */
	if (err == -EBADMSG && lr->vr.bad_line == 1 && !named && prev[0] && strcmp(prev, zeros)) {
		struct audit_verify_result cont;
		int cerr = audit_verify_file(lr->path, prev, &cont);

		if (!cerr || (cerr == -EBADMSG && cont.bad_line > 1)) {
			lr->vr_alone = lr->vr;
			lr->vr = cont;
			err = cerr;
			memcpy(lr->start_prev, prev, sizeof(lr->start_prev));
			lr->needs_link = true;
		}
	}
	if (!err)
		lr->chain = CHAIN_INTACT;
	else if (err == -EBADMSG)
		lr->chain = CHAIN_BROKEN;
	else {
		lr->chain = CHAIN_UNREADABLE;
		if (!lr->vr.why[0])
			snprintf(lr->vr.why, sizeof(lr->vr.why), "%s", strerror(-err));
	}
}

int report_add_log(struct report *r, const char *path)
{
	struct logrep *grown, *lr;
	int err;

	grown = realloc(r->logs, (r->nlogs + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	r->logs = grown;
	lr = &r->logs[r->nlogs];
	memset(lr, 0, sizeof(*lr));
	lr->path = strdup(path);
	if (!lr->path)
		return -ENOMEM;
	r->nlogs++;
	lr->host = r->unknown_host;
	lr->gz = is_gzip(path);
	/* the verifier makes a pass of its own: say so, or a big log looks stuck */
	if (r->o.progress)
		fprintf(stderr, "\r\033[Kreport: verifying the chain of %.40s", path);
	verify_chain(lr);
	r->links_done = false;
	if (lr->chain == CHAIN_BROKEN && !lr->needs_link)
		pr_warn("audit log '%s': chain broken at line %llu: %s", path,
			(unsigned long long)lr->vr.bad_line, lr->vr.why);
	err = stream_log(r, lr);
	if (err) {
		lr->chain = CHAIN_UNREADABLE;
		if (!lr->vr.why[0])
			snprintf(lr->vr.why, sizeof(lr->vr.why), "%s", strerror(-err));
		pr_err("cannot read audit log '%s': %s", path, strerror(-err));
	}
	return err;
}
