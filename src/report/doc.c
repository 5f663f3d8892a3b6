// SPDX-License-Identifier: GPL-2.0-only
/*
 * The aggregates as an imaguard-report/1 document (schema in docs/report.md).
 * Everything is sorted before it is written, so the same logs give the same
 * document byte for byte (apart from "generated").
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "allowlist/allowlist.h"
#include "util/version.h"
#include "report/doc.h"
#include "report/priv.h"
#include "util/rfc3339.h"

/* ---- the sorted view shared by several sections ---------------------------- */

static int cmp_exe(const void *pa, const void *pb)
{
	const struct exe *a = *(const struct exe *const *)pa, *b = *(const struct exe *const *)pb;
	int c;

	if ((c = cmp_strp(a->k.path, b->k.path)) || (c = cmp_strp(a->k.digest, b->k.digest)))
		return c;
	if (a->k.hook != b->k.hook)
		return a->k.hook - b->k.hook;
	return cmp_strp(a->k.host, b->k.host);
}

static bool ran_hook(int hook)
{
	/* A script read by a named interpreter ran as much as a program did. */
	return hook == HOOK_EXEC || hook == HOOK_MMAP || hook == HOOK_SCRIPT;
}

static int cmp_name(const void *a, const void *b)
{
	return cmp_strp(*(const char *const *)a, *(const char *const *)b);
}

static int view_init(struct report *r, struct view *v)
{
	void **all;
	size_t n, k = 0;

	memset(v, 0, sizeof(*v));
	all = hashtab_values(&r->exes, &n);
	if (!all)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (ran_hook(((struct exe *)all[i])->k.hook))
			all[k++] = all[i];
	v->ex = (struct exe **)all;
	v->n = k;
	qsort(v->ex, v->n, sizeof(*v->ex), cmp_exe);

	all = hashtab_values(&r->hosts, &n);
	if (!all)
		return -ENOMEM;
	v->hosts = (const char **)all;
	/* struct host begins with its name */
	for (size_t i = 0; i < n; i++)
		v->hosts[i] = ((struct host *)all[i])->k.name;
	v->nhosts = n;
	qsort(v->hosts, n, sizeof(*v->hosts), cmp_name);
	return 0;
}

static void view_free(struct view *v)
{
	free(v->ex);
	free(v->hosts);
}

/* ---- sections ---------------------------------------------------------------- */

static json_t *modes_json(struct jb *b, unsigned int modes)
{
	json_t *a = json_array();

	if (!a)
		return NULL;
	if (modes & (1u << IG_MODE_MONITOR))
		push(b, a, json_string(names_mode(IG_MODE_MONITOR)));
	if (modes & (1u << IG_MODE_ENFORCE))
		push(b, a, json_string(names_mode(IG_MODE_ENFORCE)));
	return a;
}

static json_t *counts_json(struct jb *b, const uint64_t *c, const char *(*name)(int), int n)
{
	json_t *o = json_object();

	if (!o)
		return NULL;
	for (int i = 0; i < n; i++)
		if (c[i])
			put(b, o, name(i), jint(c[i]));
	return o;
}

static const char *const chain_names[] = { "intact", "broken", "unreadable" };

/* The given log whose last line this one's chain starts from: a rotated
 * log and its successor, both given, prove the link between them. */
static const char *chained_from(const struct report *r, const struct logrep *lr)
{
	if (!lr->start_prev[0])
		return NULL;
	for (size_t i = 0; i < r->nlogs; i++)
		if (&r->logs[i] != lr && r->logs[i].chain == CHAIN_INTACT &&
		    !strcmp(r->logs[i].vr.last_hash, lr->start_prev))
			return r->logs[i].path;
	return NULL;
}

bool report_logs_broken(const struct report *r, uint64_t logs)
{
	for (size_t i = 0; i < r->nlogs; i++)
		if (r->logs[i].chain != CHAIN_INTACT && (logs & (1ull << (i < 63 ? i : 63))))
			return true;
	return false;
}

static json_t *logs_json(struct jb *b, const struct report *r)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < r->nlogs; i++) {
		const struct logrep *lr = &r->logs[i];
		json_t *o = json_object(), *hosts = json_array();

		if (!o || !hosts) {
			json_decref(o);
			json_decref(hosts);
			b->oom = true;
			break;
		}
		put(b, o, "path", jstr(lr->path));
		put(b, o, "compressed", json_boolean(lr->gz));
		put(b, o, "chain", json_string(chain_names[lr->chain]));
		put(b, o, "lines", jint(lr->vr.lines > lr->lines ? lr->vr.lines : lr->lines));
		put(b, o, "bad_line", lr->vr.bad_line ? jint(lr->vr.bad_line) : json_null());
		put(b, o, "why", lr->chain == CHAIN_INTACT ? json_null() : jstr(lr->vr.why));
		put(b, o, "continues", jstr(lr->continues));
		put(b, o, "chained_from", jstr(chained_from(r, lr)));
		put(b, o, "records", jint(lr->records));
		put(b, o, "unparsed_lines", jint(lr->bad_lines));
		for (size_t j = 0; j < lr->nhosts; j++)
			push(b, hosts, jstr(lr->hosts[j]));
		put(b, o, "hosts", hosts);
		push(b, a, o);
	}
	return a;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static json_t *summary_json(struct jb *b, struct report *r, const struct view *v,
			    uint64_t executables, uint64_t not_listed)
{
	json_t *o = json_object(), *period = json_object(), *hosts = json_array(),
	       *serials = json_array(), *lost = json_object();
	size_t broken = 0;

	if (!o || !period || !hosts || !serials || !lost) {
		json_decref(o);
		json_decref(period);
		json_decref(hosts);
		json_decref(serials);
		json_decref(lost);
		return NULL;
	}
	for (size_t i = 0; i < r->nlogs; i++)
		broken += r->logs[i].chain != CHAIN_INTACT;
	put(b, o, "chains_ok", json_boolean(!broken));
	put(b, o, "logs", jint(r->nlogs));
	put(b, o, "broken_logs", jint(broken));
	put(b, period, "first", jtime(r->first));
	put(b, period, "last", jtime(r->last));
	put(b, o, "period", period);
	for (size_t i = 0; i < v->nhosts; i++)
		push(b, hosts, jstr(v->hosts[i]));
	put(b, o, "hosts", hosts);
	put(b, o, "modes", modes_json(b, r->modes));
	if (r->nserials)
		qsort(r->serials, r->nserials, sizeof(*r->serials), cmp_u64);
	for (size_t i = 0; i < r->nserials; i++)
		push(b, serials, jint(r->serials[i]));
	if (r->serial_none)
		push(b, serials, json_null());
	put(b, o, "allowlist_serials", serials);
	put(b, o, "records", jint(r->records));
	put(b, o, "starts", jint(r->starts));
	put(b, o, "events", jint(r->events));
	put(b, o, "repeats", jint(r->repeats));
	put(b, o, "denials", jint(r->denials));
	put(b, o, "would_deny", jint(r->would_deny));
	put(b, o, "hash_errors", jint(r->hash_errors));
	put(b, lost, "events", jint(r->lost));
	put(b, lost, "records", jint(r->lost_records));
	put(b, lost, "ringbuf", jint(r->lost_ringbuf));
	put(b, lost, "gap", jint(r->lost_gap));
	put(b, o, "lost", lost);
	put(b, o, "reloads", jint(r->reloads));
	put(b, o, "reloads_failed", jint(r->reloads_failed));
	put(b, o, "executables", jint(executables));
	put(b, o, "not_allowlisted", jint(not_listed));
	put(b, o, "by_hook", counts_json(b, r->by_hook, report_hook_name, HOOK_N));
	put(b, o, "by_reason", counts_json(b, r->by_reason, report_reason_name, REASON_N));
	return o;
}

static json_t *hosts_json(struct jb *b, struct report *r, const struct view *v)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < v->nhosts; i++) {
		struct host_key k = { .name = v->hosts[i] };
		const struct host *h = hashtab_get(&r->hosts, &k);
		json_t *o = json_object();

		if (!o || !h) {
			json_decref(o);
			b->oom = true;
			break;
		}
		put(b, o, "host", jstr(h->k.name));
		put(b, o, "logs", jint(h->logs));
		put(b, o, "modes", modes_json(b, h->modes));
		put(b, o, "kernel", jstr(h->kernel));
		put(b, o, "version", jstr(h->version));
		put(b, o, "first", jtime(h->first));
		put(b, o, "last", jtime(h->last));
		put(b, o, "events", jint(h->events));
		put(b, o, "repeats", jint(h->repeats));
		put(b, o, "denials", jint(h->denials));
		put(b, o, "would_deny", jint(h->would_deny));
		put(b, o, "lost_events", jint(h->lost));
		push(b, a, o);
	}
	return a;
}

/* ---- denials ----------------------------------------------------------------- */

static int cmp_deny(const void *pa, const void *pb)
{
	const struct deny *a = *(const struct deny *const *)pa, *b = *(const struct deny *const *)pb;
	int c;

	if (a->first != b->first)
		return a->first < b->first ? -1 : 1;
	if ((c = cmp_strp(a->k.host, b->k.host)) || (c = cmp_strp(a->k.path, b->k.path)) ||
	    (c = cmp_strp(a->k.digest, b->k.digest)) || (c = cmp_strp(a->k.comm, b->k.comm)) ||
	    (c = cmp_strp(a->k.reason, b->k.reason)))
		return c;
	if (a->k.uid != b->k.uid)
		return a->k.uid < b->k.uid ? -1 : 1;
	return a->k.hook - b->k.hook;
}

static json_t *denials_json(struct jb *b, struct report *r)
{
	json_t *a = json_array();
	size_t n;
	void **vals = hashtab_values(&r->denies, &n);

	if (!a || !vals) {
		free(vals);
		json_decref(a);
		return NULL;
	}
	qsort(vals, n, sizeof(*vals), cmp_deny);
	for (size_t i = 0; i < n; i++) {
		const struct deny *d = vals[i];
		json_t *o = json_object();

		if (!o) {
			b->oom = true;
			break;
		}
		put(b, o, "host", jstr(d->k.host));
		put(b, o, "uid", d->k.uid < 0 ? json_null() : json_integer(d->k.uid));
		put(b, o, "comm", jstr(d->k.comm));
		put(b, o, "pid", d->pid < 0 ? json_null() : json_integer(d->pid));
		put(b, o, "path", jstr(d->k.path));
		put(b, o, "digest", jstr(d->k.digest));
		put(b, o, "hook", json_string(report_hook_name(d->k.hook)));
		put(b, o, "reason", jstr(d->k.reason));
		put(b, o, "count", jint(d->count));
		put(b, o, "first", jtime(d->first));
		put(b, o, "last", jtime(d->last));
		put(b, o, "from_broken_log", json_boolean(report_logs_broken(r, d->logs)));
		push(b, a, o);
	}
	free(vals);
	return a;
}

/* ---- events over time --------------------------------------------------------- */

#define TIMELINE_MAX 60

static int cmp_bucket(const void *pa, const void *pb)
{
	const struct bucket *a = *(const struct bucket *const *)pa,
			    *b = *(const struct bucket *const *)pb;

	return (a->minute > b->minute) - (a->minute < b->minute);
}

/* At most TIMELINE_MAX bars of a round width, empty ones included, so the
 * chart's x axis is time and a quiet hour shows as a gap. */
static json_t *timeline_json(struct jb *b, struct report *r)
{
	static const int64_t widths[] = { 1, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440 };
	json_t *o = json_object(), *a = json_array();
	size_t n;
	void **vals = hashtab_values(&r->buckets, &n);
	int64_t w = 1, start, span_min;

	if (!o || !a || !vals) {
		free(vals);
		json_decref(o);
		json_decref(a);
		return NULL;
	}
	qsort(vals, n, sizeof(*vals), cmp_bucket);
	if (n) {
		start = ((struct bucket *)vals[0])->minute;
		span_min = ((struct bucket *)vals[n - 1])->minute - start + 1;
		w = 0;
		for (size_t i = 0; i < sizeof(widths) / sizeof(widths[0]) && !w; i++)
			if (span_min <= widths[i] * TIMELINE_MAX)
				w = widths[i];
		if (!w)
			w = (span_min / TIMELINE_MAX / 1440 + 1) * 1440;
		start -= start % w;
		for (size_t i = 0, k = 0; start <= ((struct bucket *)vals[n - 1])->minute;
		     start += w) {
			uint64_t ev = 0, dn = 0;
			json_t *bk = json_object();

			for (; k < n && ((struct bucket *)vals[k])->minute < start + w; k++) {
				ev += ((struct bucket *)vals[k])->events;
				dn += ((struct bucket *)vals[k])->denials;
			}
			if (!bk) {
				b->oom = true;
				break;
			}
			put(b, bk, "start", jtime(start * 60 * 1000000000));
			put(b, bk, "events", jint(ev));
			put(b, bk, "denials", jint(dn));
			push(b, a, bk);
			(void)i;
		}
	}
	free(vals);
	put(b, o, "bucket_s", json_integer(w * 60));
	put(b, o, "buckets", a);
	return o;
}

/* ---- the document ---------------------------------------------------------------- */

static json_t *allowlist_json(struct jb *b, const struct report *r)
{
	json_t *o;
	uint8_t sha[SHA256_LEN];
	char hex[SHA256_HEX_LEN + 1];

	if (!r->o.al)
		return json_null();
	o = json_object();
	if (!o)
		return NULL;
	put(b, o, "path", jstr(r->o.allowlist_path));
	put(b, o, "serial", jint(allowlist_serial(r->o.al)));
	if (allowlist_file_sha256(r->o.al, sha)) {
		digest_to_hex(sha, hex);
		put(b, o, "sha256", json_string(hex));
	} else {
		put(b, o, "sha256", json_null());
	}
	put(b, o, "entries", jint(allowlist_count(r->o.al)));
	put(b, o, "created", jstr(allowlist_created(r->o.al)));
	put(b, o, "expires", jstr(allowlist_expires(r->o.al)));
	return o;
}

int report_build(struct report *r, json_t **out)
{
	struct jb b = { 0 };
	struct view v;
	json_t *doc = json_object(), *executed, *not_listed, *summary;
	uint64_t distinct = 0, unlisted = 0;
	char now[21];
	int err;

	*out = NULL;
	report_link_logs(r);
	err = view_init(r, &v);
	if (err || !doc)
		goto cleanup;
	rfc3339_format(time(NULL), now);
	put(&b, doc, "format", json_string(REPORT_FORMAT));
	put(&b, doc, "generator", json_string("imaguard " IMAGUARD_VERSION));
	put(&b, doc, "generated", json_string(r->o.now ? r->o.now : now));
	executed = report_executed_json(&b, r, &v, &distinct);
	not_listed = report_not_listed_json(&b, r, &v, &unlisted);
	summary = summary_json(&b, r, &v, distinct, unlisted);
	put(&b, doc, "summary", summary);
	put(&b, doc, "logs", logs_json(&b, r));
	put(&b, doc, "allowlist", allowlist_json(&b, r));
	put(&b, doc, "hosts", hosts_json(&b, r, &v));
	put(&b, doc, "executed", executed);
	put(&b, doc, "denials", denials_json(&b, r));
	put(&b, doc, "denials_by_reason", counts_json(&b, r->deny_by_reason, report_reason_name, REASON_N));
	put(&b, doc, "not_allowlisted", not_listed);
	if (report_allowlist_sections(&b, r, &v, doc))
		b.oom = true;
	put(&b, doc, "packages", report_packages_json(doc));
	put(&b, doc, "drift", report_drift_json(&b, &v));
	put(&b, doc, "timeline", timeline_json(&b, r));
	err = b.oom ? -ENOMEM : 0;
cleanup:
	view_free(&v);
	if (!err && doc)
		*out = doc;
	else
		json_decref(doc);
	return doc ? err : -ENOMEM;
}

int report_write_json(const json_t *doc, FILE *f)
{
	if (json_dumpf(doc, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER) || fputc('\n', f) == EOF)
		return -EIO;
	return 0;
}

/* ---- for propose ---------------------------------------------------------------- */

static int cmp_ran(const void *pa, const void *pb)
{
	const struct exe *a = *(const struct exe *const *)pa, *b = *(const struct exe *const *)pb;
	int c;

	if ((c = cmp_strp(a->k.digest, b->k.digest)) || (c = cmp_strp(a->k.path, b->k.path)))
		return c;
	if (a->first != b->first)
		return a->first < b->first ? -1 : 1;
	return cmp_strp(a->k.host, b->k.host);
}

int report_foreach_ran(struct report *r, int (*cb)(const struct report_ran *ran, void *ctx),
		       void *ctx)
{
	struct view v;
	int err = view_init(r, &v);

	if (err)
		goto cleanup;
	qsort(v.ex, v.n, sizeof(*v.ex), cmp_ran);
	for (size_t i = 0, j; i < v.n; i = j) {
		const struct exe *e = v.ex[i];
		struct report_ran ran = { .path = e->k.path, .digest = e->k.digest,
					  .first_ns = INT64_MAX };

		for (j = i; j < v.n && v.ex[j]->k.digest == e->k.digest &&
			    v.ex[j]->k.path == e->k.path;
		     j++) {
			const struct exe *x = v.ex[j];

			if (!x->monitor)
				continue;
			ran.count += x->monitor;
			if (x->first < ran.first_ns || !ran.host_first) {
				ran.first_ns = x->first;
				ran.host_first = x->k.host;
			}
		}
		if (!ran.count || !ran.digest)
			continue;
		err = cb(&ran, ctx);
		if (err)
			goto cleanup;
	}
cleanup:
	view_free(&v);
	return err;
}
