// SPDX-License-Identifier: GPL-2.0-only
/*
 * Folding audit records into the report's aggregates: per (host, path,
 * digest, hook), per denial, per host and per minute, keyed on interned
 * strings.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/digest.h"
#include "util/hex.h"
#include "report/doc.h"
#include "report/priv.h"
#include "util/rfc3339.h"

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

static struct host *host_get(struct report *r, const char *name)
{
	struct host_key k;
	struct host *h;

	memset(&k, 0, sizeof(k));
	k.name = name;
	h = hashtab_upsert(&r->hosts, &k, sizeof(struct host));
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

/*
 * A record's digest to the interned lowercase hex; NULL for null, "" or junk.
 * Both forms the daemon writes are read wherever a digest appears: access
 * records say "sha256:<hex>", summary repeats bare hex (docs/audit-format.md).
 */
static const char *digest_of(struct report *r, json_t *v)
{
	const char *s = json_string_value(v);
	size_t n = s ? json_string_length(v) : 0;
	char hex[SHA256_HEX_LEN + 1];

	if (n > 7 && !strncmp(s, "sha256:", 7)) {
		s += 7;
		n -= 7;
	}
	if (n != SHA256_HEX_LEN)
		return NULL;
	for (int i = 0; i < SHA256_HEX_LEN; i++) {
		char c = s[i];

		if (hex_value(c) < 0)
			return NULL;
		hex[i] = c >= 'A' && c <= 'F' ? c + ('a' - 'A') : c;
	}
	hex[SHA256_HEX_LEN] = '\0';
	return report_intern(r, hex);
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
	return hashtab_upsert(&r->exes, &k, sizeof(struct exe));
}

static int bucket_add(struct report *r, int64_t t, bool deny)
{
	int64_t minute = t / (60ll * 1000000000);
	struct bucket *b = hashtab_upsert(&r->buckets, &minute, sizeof(*b));

	if (!b)
		return -ENOMEM;
	b->events++;
	b->denials += deny;
	return 0;
}

static const char *str_field(struct report *r, json_t *rec, const char *key)
{
	return report_intern(r, json_string_value(json_object_get(rec, key)));
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

	e = exe_get(r, lr->host, path ? path : report_intern(r, ""), digest, hook);
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
	e->logs |= report_log_bit(r, lr);

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
		d = hashtab_upsert(&r->denies, &k, sizeof(*d));
		if (!d)
			return -ENOMEM;
		if (!d->count++) {
			d->first = INT64_MAX;
			d->last = INT64_MIN;
		}
		if (timed)
			span(&d->first, &d->last, t);
		d->pid = int_field(rec, "pid", -1);
		d->logs |= report_log_bit(r, lr);
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
		e = exe_get(r, lr->host, path ? path : report_intern(r, ""),
			    digest_of(r, json_object_get(it, "digest")),
			    hook_of(json_string_value(json_object_get(it, "hook"))));
		if (!e)
			return -ENOMEM;
		if (!e->count) {
			e->first = INT64_MAX;
			e->last = INT64_MIN;
		}
		e->count += (uint64_t)n;
		e->logs |= report_log_bit(r, lr);
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

int report_fold_record(struct report *r, struct logrep *lr, json_t *rec)
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

/* ---- packages ------------------------------------------------------------------ */

/*
 * The package view of a built document, from its coverage and executed
 * sections: each source "deb:<package>=<version>" of the allowlist is one
 * package version, which ran when any of its entries did; what ran under
 * any other source (file, observed, manual, none) or outside the list was
 * shipped by no package the list names.
 */
static json_t *package_row(struct jb *b, json_t *cov)
{
	const char *src = json_string_value(json_object_get(cov, "source"));
	const char *eq = src ? strchr(src, '=') : NULL;
	json_t *o;

	if (!src || strncmp(src, "deb:", 4) || !eq || eq == src + 4)
		return NULL;
	o = json_object();
	if (!o) {
		b->oom = true;
		return NULL;
	}
	put(b, o, "package", json_stringn(src + 4, (size_t)(eq - src - 4)));
	put(b, o, "version", json_string(eq + 1));
	put(b, o, "source", json_string(src));
	put(b, o, "listed", json_incref(json_object_get(cov, "listed")));
	put(b, o, "executed", json_incref(json_object_get(cov, "executed")));
	put(b, o, "executions", json_incref(json_object_get(cov, "executions")));
	return o;
}

static int cmp_package(const void *pa, const void *pb)
{
	json_t *a = *(json_t *const *)pa, *b = *(json_t *const *)pb;
	int c = strcmp(json_string_value(json_object_get(a, "package")),
		       json_string_value(json_object_get(b, "package")));

	return c ? c : strcmp(json_string_value(json_object_get(a, "version")),
			      json_string_value(json_object_get(b, "version")));
}

static json_t *sorted(struct jb *b, json_t **rows, size_t n)
{
	json_t *a = json_array();

	if (!a)
		b->oom = true;
	qsort(rows, n, sizeof(*rows), cmp_package);
	for (size_t i = 0; i < n; i++)
		if (a)
			push(b, a, rows[i]);
		else
			json_decref(rows[i]);
	return a;
}

/* executed rows come sorted by (path, digest, hook): merge the hooks. */
static json_t *not_shipped(struct jb *b, json_t *executed)
{
	json_t *a = json_array(), *row, *cur = NULL;
	const char *cpath = NULL, *cdig = NULL;
	size_t i;

	if (!a) {
		b->oom = true;
		return NULL;
	}
	json_array_foreach(executed, i, row) {
		const char *src = json_string_value(json_object_get(row, "source"));
		const char *path = json_string_value(json_object_get(row, "path"));
		const char *dig = json_string_value(json_object_get(row, "digest"));
		json_int_t ran = json_integer_value(json_object_get(row, "count")) -
				 json_integer_value(json_object_get(row, "denied"));

		if (ran <= 0 || (src && !strncmp(src, "deb:", 4)))
			continue;
		if (cur && !cmp_strp(path, cpath) && !cmp_strp(dig, cdig)) {
			json_int_t n = json_integer_value(json_object_get(cur, "count"));

			put(b, cur, "count", json_integer(n + ran));
			continue;
		}
		cur = json_object();
		if (!cur) {
			b->oom = true;
			break;
		}
		cpath = path;
		cdig = dig;
		put(b, cur, "path", json_incref(json_object_get(row, "path")));
		put(b, cur, "digest", json_incref(json_object_get(row, "digest")));
		put(b, cur, "source", json_incref(json_object_get(row, "source")));
		put(b, cur, "in_allowlist", json_incref(json_object_get(row, "in_allowlist")));
		put(b, cur, "count", json_integer(ran));
		push(b, a, cur);
	}
	return a;
}

json_t *report_packages_json(const json_t *doc)
{
	json_t *cov = json_object_get(doc, "coverage"), *o, *row;
	json_t **ran = NULL, **never = NULL;
	size_t i, nran = 0, nnever = 0, n = json_array_size(cov);
	struct jb b = { 0 };

	if (!json_is_object(json_object_get(doc, "allowlist")))
		return json_null();
	o = json_object();
	ran = calloc(n ? n : 1, sizeof(*ran));
	never = calloc(n ? n : 1, sizeof(*never));
	if (!o || !ran || !never) {
		b.oom = true;
		goto cleanup;
	}
	json_array_foreach(cov, i, row) {
		json_t *p = package_row(&b, row);

		if (!p)
			continue;
		if (json_integer_value(json_object_get(row, "executed")) > 0)
			ran[nran++] = p;
		else
			never[nnever++] = p;
	}
	put(&b, o, "ran", sorted(&b, ran, nran));
	put(&b, o, "never_ran", sorted(&b, never, nnever));
	put(&b, o, "not_shipped", not_shipped(&b, json_object_get(doc, "executed")));
cleanup:
	free(ran);
	free(never);
	if (b.oom) {
		json_decref(o);
		return NULL;
	}
	return o;
}
