// SPDX-License-Identifier: GPL-2.0-only
/*
 * The sections of the imaguard-report/1 document that walk what ran (the
 * sorted view): executables merged over hosts, those not allowlisted, the
 * allowlist's side (never executed, coverage by source) and the drift
 * between hosts. Sorted like the rest of the document, so the same logs give
 * the same bytes.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "allowlist/allowlist.h"
#include "report/doc.h"
#include "report/priv.h"

static void add_unique(struct jb *b, json_t *a, const char *s)
{
	size_t i;
	json_t *v;

	json_array_foreach(a, i, v)
		if (!strcmp(json_string_value(v), s))
			return;
	push(b, a, jstr(s));
}

static const struct allowlist_entry *list_entry(const struct report *r, const struct exe *e)
{
	uint8_t d[SHA256_LEN];

	if (!r->o.al || !e->k.digest || digest_from_hex(e->k.digest, SHA256_HEX_LEN, d))
		return NULL;
	return allowlist_lookup(r->o.al, d, e->k.path);
}

static int cmp_json_str(const void *a, const void *b)
{
	return strcmp(json_string_value(*(json_t *const *)a), json_string_value(*(json_t *const *)b));
}

/* Host lists merged over hooks arrive out of order; readers expect them sorted. */
static void sort_strings(json_t *a)
{
	size_t n = json_array_size(a);
	json_t **v = n > 1 ? malloc(n * sizeof(*v)) : NULL;

	if (!v)
		return;
	for (size_t i = 0; i < n; i++)
		v[i] = json_incref(json_array_get(a, i));
	qsort(v, n, sizeof(*v), cmp_json_str);
	for (size_t i = 0; i < n; i++)
		json_array_set_new(a, i, v[i]);
	free(v);
}

/* Per-run totals of the sorted entries between [i, j). */
struct merged {
	uint64_t count, monitor, would_deny, denied, allowlisted_rec;
	int64_t first, last;
	json_t *hosts;
	uint64_t logs;
};

static void merge(struct jb *b, struct exe *const *ex, size_t i, size_t j, struct merged *m)
{
	memset(m, 0, sizeof(*m));
	m->first = INT64_MAX;
	m->last = INT64_MIN;
	m->hosts = json_array();
	if (!m->hosts)
		b->oom = true;
	for (; i < j; i++) {
		const struct exe *e = ex[i];

		m->count += e->count;
		m->monitor += e->monitor;
		m->would_deny += e->would_deny;
		m->denied += e->denied;
		m->allowlisted_rec += e->allowlisted_rec;
		m->logs |= e->logs;
		if (e->first < m->first)
			m->first = e->first;
		if (e->last > m->last)
			m->last = e->last;
		if (m->hosts)
			add_unique(b, m->hosts, e->k.host);
	}
	sort_strings(m->hosts);
}

static bool is_listed(const struct report *r, const struct exe *e, const struct merged *m)
{
	return r->o.al ? list_entry(r, e) != NULL : m->allowlisted_rec > 0;
}

json_t *report_executed_json(struct jb *b, struct report *r, const struct view *v,
			     uint64_t *distinct)
{
	json_t *a = json_array();
	size_t i = 0, j;

	*distinct = 0;
	while (a && i < v->n) {
		const struct exe *e = v->ex[i];
		const struct allowlist_entry *ent = list_entry(r, e);
		struct merged m;
		json_t *o;

		for (j = i + 1; j < v->n && v->ex[j]->k.path == e->k.path &&
				v->ex[j]->k.digest == e->k.digest && v->ex[j]->k.hook == e->k.hook;
		     j++)
			;
		if (i == 0 || v->ex[i - 1]->k.path != e->k.path ||
		    v->ex[i - 1]->k.digest != e->k.digest)
			(*distinct)++;
		merge(b, v->ex, i, j, &m);
		o = json_object();
		if (!o) {
			json_decref(m.hosts);
			b->oom = true;
			break;
		}
		put(b, o, "path", jstr(e->k.path));
		put(b, o, "digest", jstr(e->k.digest));
		put(b, o, "hook", json_string(report_hook_name(e->k.hook)));
		put(b, o, "allowlisted", json_boolean(is_listed(r, e, &m)));
		put(b, o, "in_allowlist", r->o.al ? json_boolean(ent != NULL) : json_null());
		put(b, o, "source", jstr(ent ? ent->source : NULL));
		put(b, o, "reason", jstr(e->reason));
		put(b, o, "count", jint(m.count));
		put(b, o, "denied", jint(m.denied));
		put(b, o, "would_deny", jint(m.would_deny));
		put(b, o, "first_seen", jtime(m.first));
		put(b, o, "last_seen", jtime(m.last));
		put(b, o, "hosts", m.hosts);
		put(b, o, "from_broken_log", json_boolean(report_logs_broken(r, m.logs)));
		push(b, a, o);
		i = j;
	}
	return a;
}

static int cmp_rank(const void *pa, const void *pb)
{
	json_t *a = *(json_t *const *)pa, *b = *(json_t *const *)pb;
	json_int_t x = json_integer_value(json_object_get(a, "count")),
		   y = json_integer_value(json_object_get(b, "count"));

	if (x != y)
		return x < y ? 1 : -1;
	return strcmp(json_string_value(json_object_get(a, "path")),
		      json_string_value(json_object_get(b, "path")));
}

/* (path, digest) pairs that ran without being listed, merged over hooks and
 * hosts, most frequent first: the list to review before enforcing. */
json_t *report_not_listed_json(struct jb *b, struct report *r, const struct view *v,
			       uint64_t *total)
{
	json_t *a = json_array(), **items = NULL;
	size_t i = 0, j, n = 0;

	*total = 0;
	items = malloc((v->n ? v->n : 1) * sizeof(*items));
	if (!a || !items) {
		free(items);
		json_decref(a);
		return NULL;
	}
	while (i < v->n) {
		const struct exe *e = v->ex[i];
		struct merged m;
		json_t *o;

		for (j = i + 1; j < v->n && v->ex[j]->k.path == e->k.path &&
				v->ex[j]->k.digest == e->k.digest;
		     j++)
			;
		merge(b, v->ex, i, j, &m);
		if (is_listed(r, e, &m) || m.count == m.denied) {
			json_decref(m.hosts);
			i = j;
			continue;
		}
		o = json_object();
		if (!o) {
			json_decref(m.hosts);
			b->oom = true;
			break;
		}
		put(b, o, "path", jstr(e->k.path));
		put(b, o, "digest", jstr(e->k.digest));
		put(b, o, "count", jint(m.count - m.denied));
		put(b, o, "would_deny", jint(m.would_deny));
		put(b, o, "first_seen", jtime(m.first));
		put(b, o, "last_seen", jtime(m.last));
		put(b, o, "hosts", m.hosts);
		put(b, o, "from_broken_log", json_boolean(report_logs_broken(r, m.logs)));
		items[n++] = o;
		i = j;
	}
	qsort(items, n, sizeof(*items), cmp_rank);
	for (i = 0; i < n; i++)
		push(b, a, items[i]);
	free(items);
	*total = n;
	return a;
}

/* ---- the allowlist side: never executed, coverage --------------------------- */

struct ran_key {
	const char *digest, *path;	/* path NULL: any path */
};

struct ran {
	struct ran_key k;
	uint64_t count;
};

static int ran_sets(const struct view *v, struct hashtab *by_digest, struct hashtab *by_pair)
{
	for (size_t i = 0; i < v->n; i++) {
		const struct exe *e = v->ex[i];
		struct ran_key k = { 0 };
		struct ran *d, *p;

		if (!e->k.digest || e->count == e->denied)
			continue;
		k.digest = e->k.digest;
		d = hashtab_upsert(by_digest, &k, sizeof(*d));
		k.path = e->k.path;
		p = hashtab_upsert(by_pair, &k, sizeof(*p));
		if (!d || !p)
			return -ENOMEM;
		d->count += e->count - e->denied;
		p->count += e->count - e->denied;
	}
	return 0;
}

struct cov_key {
	const char *source;
};

struct cov {
	struct cov_key k;
	uint64_t listed, executed, executions;
};

static int cmp_cov(const void *pa, const void *pb)
{
	const struct cov *a = *(const struct cov *const *)pa, *b = *(const struct cov *const *)pb;

	if (a->listed != b->listed)
		return a->listed < b->listed ? 1 : -1;
	return cmp_strp(a->k.source, b->k.source);
}

static json_t *coverage_rows(struct jb *b, struct hashtab *covs)
{
	json_t *a = json_array();
	size_t n;
	void **vals = hashtab_values(covs, &n);

	if (!a || !vals) {
		free(vals);
		json_decref(a);
		return NULL;
	}
	qsort(vals, n, sizeof(*vals), cmp_cov);
	for (size_t i = 0; i < n; i++) {
		const struct cov *c = vals[i];
		json_t *o = json_object();

		if (!o) {
			b->oom = true;
			break;
		}
		put(b, o, "source", jstr(c->k.source));
		put(b, o, "listed", c->listed || c->k.source[0] != '(' ? jint(c->listed) : json_null());
		put(b, o, "executed", jint(c->executed));
		put(b, o, "executions", jint(c->executions));
		push(b, a, o);
	}
	free(vals);
	return a;
}

static struct cov *cov_get(struct hashtab *covs, const char *source)
{
	struct cov_key k = { .source = source };

	return hashtab_upsert(covs, &k, sizeof(struct cov));
}

/* Sources of the allowlist (or, without one, what the records said) against
 * what ran. Source names are interned so the map can key on the pointer. */
int report_allowlist_sections(struct jb *b, struct report *r, const struct view *v,
			      json_t *doc)
{
	struct hashtab by_digest = { 0 }, by_pair = { 0 }, covs = { 0 };
	const char *none = report_intern(r, "(no source)");
	const char *unlisted = report_intern(r, "(not allowlisted)");
	json_t *never = r->o.al ? json_array() : json_null();
	int err;

	if ((err = hashtab_init(&by_digest, sizeof(struct ran_key))) ||
	    (err = hashtab_init(&by_pair, sizeof(struct ran_key))) ||
	    (err = hashtab_init(&covs, sizeof(struct cov_key))))
		goto cleanup;
	err = -ENOMEM;
	if (!none || !unlisted || !never || ran_sets(v, &by_digest, &by_pair))
		goto cleanup;
	for (size_t i = 0; r->o.al && i < allowlist_count(r->o.al); i++) {
		const struct allowlist_entry *ent = allowlist_entry_at(r->o.al, i);
		char hex[SHA256_HEX_LEN + 1];
		const char *src = ent->source ? report_intern(r, ent->source) : none;
		struct ran_key k = { 0 };
		const struct ran *hit;
		struct cov *c = src ? cov_get(&covs, src) : NULL;

		if (!c)
			goto cleanup;
		c->listed++;
		digest_to_hex(ent->digest, hex);
		k.digest = report_interned(r, hex);
		if (ent->bind_path)
			k.path = report_interned(r, ent->path);
		hit = k.digest && (!ent->bind_path || k.path)
			      ? hashtab_get(ent->bind_path ? &by_pair : &by_digest, &k)
			      : NULL;
		if (hit) {
			c->executed++;
			c->executions += hit->count;
			continue;
		}
		json_t *o = json_object();

		if (!o)
			goto cleanup;
		put(b, o, "path", jstr(ent->path));
		put(b, o, "digest", json_string(hex));
		put(b, o, "source", jstr(ent->source));
		put(b, o, "comment", jstr(ent->comment));
		push(b, never, o);
	}
	/* What ran outside the list, and without a list what the records said. */
	for (size_t i = 0, j; i < v->n; i = j) {
		const struct exe *e = v->ex[i];
		struct merged m;
		struct cov *c;

		for (j = i + 1; j < v->n && v->ex[j]->k.path == e->k.path &&
				v->ex[j]->k.digest == e->k.digest;
		     j++)
			;
		merge(b, v->ex, i, j, &m);
		json_decref(m.hosts);
		if (m.count == m.denied)
			continue;
		if (r->o.al && is_listed(r, e, &m))
			continue;
		c = cov_get(&covs,
			    is_listed(r, e, &m) ? report_intern(r, "(allowlisted)") : unlisted);
		if (!c || !c->k.source)
			goto cleanup;
		c->executed++;
		c->executions += m.count - m.denied;
	}
	put(b, doc, "never_executed", never);
	never = NULL;
	put(b, doc, "coverage", coverage_rows(b, &covs));
	err = 0;
cleanup:
	json_decref(never);
	hashtab_free(&by_digest);
	hashtab_free(&by_pair);
	hashtab_free(&covs);
	return err;
}

/* ---- drift between hosts --------------------------------------------------- */

json_t *report_drift_json(struct jb *b, const struct view *v)
{
	json_t *o = json_object(), *mismatch = json_array(), *partial = json_array();
	size_t i = 0, j;

	if (!o || !mismatch || !partial) {
		json_decref(o);
		json_decref(mismatch);
		json_decref(partial);
		return NULL;
	}
	while (i < v->n) {
		const char *path = v->ex[i]->k.path;
		json_t *variants = json_array(), *hosts = json_array(), *variant = NULL, *vh = NULL;
		const char *dig = NULL;
		size_t ndig = 0;

		if (!variants || !hosts) {
			json_decref(variants);
			json_decref(hosts);
			b->oom = true;
			break;
		}
		for (j = i; j < v->n && v->ex[j]->k.path == path; j++) {
			const struct exe *e = v->ex[j];

			if (e->count == e->denied)
				continue;
			add_unique(b, hosts, e->k.host);
			if (!e->k.digest)
				continue;
			if (!variant || e->k.digest != dig) {
				dig = e->k.digest;
				variant = json_object();
				vh = json_array();
				if (!variant || !vh) {
					json_decref(variant);
					json_decref(vh);
					b->oom = true;
					variant = NULL;
					break;
				}
				put(b, variant, "digest", json_string(dig));
				put(b, variant, "hosts", vh);
				push(b, variants, variant);
				ndig++;
			}
			add_unique(b, vh, e->k.host);
		}
		if (ndig > 1 && json_array_size(hosts) > 1) {
			json_t *m = json_object();

			put(b, m, "path", jstr(path));
			put(b, m, "variants", json_incref(variants));
			push(b, mismatch, m);
		}
		if (v->nhosts > 1 && json_array_size(hosts) &&
		    json_array_size(hosts) < v->nhosts) {
			json_t *p = json_object(), *present = json_array(), *missing = json_array();

			/* both in host order, whatever order the entries came in */
			for (size_t k = 0; present && missing && k < v->nhosts; k++) {
				size_t x;
				json_t *h;
				bool have = false;

				json_array_foreach(hosts, x, h)
					have |= !strcmp(json_string_value(h), v->hosts[k]);
				push(b, have ? present : missing, jstr(v->hosts[k]));
			}
			put(b, p, "path", jstr(path));
			put(b, p, "hosts", present);
			put(b, p, "missing", missing);
			push(b, partial, p);
		}
		json_decref(variants);
		json_decref(hosts);
		i = j;
	}
	put(b, o, "digest_mismatch", mismatch);
	put(b, o, "partial_presence", partial);
	return o;
}
