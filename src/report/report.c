// SPDX-License-Identifier: GPL-2.0-only
/*
 * The report and its tables. Strings that repeat across records (hosts,
 * paths, digests, commands) are interned once, so an aggregate key is a
 * handful of pointers compared with memcmp. Every table is a seeded
 * util/hashtab: the keys are paths and names that the logs' writers chose.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/log.h"
#include "report/report.h"
#include "report/priv.h"

/* ---- interned strings ------------------------------------------------------- */

const char *report_intern(struct report *r, const char *s)
{
	return s ? hashtab_upsert(&r->strs, s, 0) : NULL;
}

const char *report_interned(const struct report *r, const char *s)
{
	return s ? hashtab_get(&r->strs, s) : NULL;
}

/* ---- the report --------------------------------------------------------------- */

struct report *report_new(const struct report_opts *o)
{
	struct report *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->o = *o;
	r->first = INT64_MAX;
	r->last = INT64_MIN;
	if (hashtab_init(&r->strs, 0) || hashtab_init(&r->exes, sizeof(struct exe_key)) ||
	    hashtab_init(&r->denies, sizeof(struct deny_key)) ||
	    hashtab_init(&r->hosts, sizeof(struct host_key)) ||
	    hashtab_init(&r->buckets, sizeof(int64_t)) ||
	    !(r->unknown_host = report_intern(r, "(unknown)"))) {
		report_free(r);
		return NULL;
	}
	return r;
}

void report_free(struct report *r)
{
	if (!r)
		return;
	hashtab_free(&r->exes);
	hashtab_free(&r->denies);
	hashtab_free(&r->hosts);
	hashtab_free(&r->buckets);
	for (size_t i = 0; i < r->nlogs; i++) {
		free(r->logs[i].path);
		free(r->logs[i].hosts);
	}
	free(r->logs);
	free(r->serials);
	hashtab_free(&r->strs);
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
