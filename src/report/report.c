// SPDX-License-Identifier: GPL-2.0-only
/*
 * The report and its tables. Strings that repeat across records (hosts,
 * paths, digests, commands) are interned once, so an aggregate key is a
 * handful of pointers compared with memcmp.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/log.h"
#include "report/report.h"
#include "report/priv.h"

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
