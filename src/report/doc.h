/* SPDX-License-Identifier: GPL-2.0-only */
/* What the builders of the report document share (report/doc.c and
 * report/executables.c): the allocation note, the JSON value makers and the
 * sorted view of what ran. */
#ifndef IMAGUARD_REPORT_DOC_H
#define IMAGUARD_REPORT_DOC_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <jansson.h>

#include "report/priv.h"
#include "util/rfc3339.h"

/* Builders note a failed allocation here instead of checking each call. */
struct jb {
	bool oom;
};

static inline void put(struct jb *b, json_t *o, const char *k, json_t *v)
{
	if (!v || json_object_set_new(o, k, v))
		b->oom = true;
}

static inline void push(struct jb *b, json_t *a, json_t *v)
{
	if (!v || json_array_append_new(a, v))
		b->oom = true;
}

/* Strings reaching here came out of jansson or a validated allowlist, so they
 * are UTF-8; a log path from the command line might not be. */
static inline json_t *jstr(const char *s)
{
	json_t *v;

	if (!s)
		return json_null();
	v = json_string(s);
	return v ? v : json_string("(not UTF-8)");
}

static inline json_t *jtime(int64_t ns)
{
	char buf[RFC3339_NS_BUF];

	if (ns == INT64_MAX || ns == INT64_MIN)
		return json_null();
	rfc3339_format_ns(ns, buf);
	return json_string(buf);
}

static inline json_t *jint(uint64_t n)
{
	return json_integer((json_int_t)n);
}

static inline int cmp_strp(const char *a, const char *b)
{
	if (!a || !b)
		return (a != NULL) - (b != NULL);
	return a == b ? 0 : strcmp(a, b);
}

/* ---- the sorted view shared by several sections ---------------------------- */

struct view {
	struct exe **ex;	/* exec and mmap entries, sorted by (path, digest, hook, host) */
	size_t n;
	const char **hosts;	/* every host, sorted */
	size_t nhosts;
};

/* The sections of the document that walk the view: what ran, merged over
 * hosts and hooks, against the allowlist, and how hosts differ. */
json_t *report_executed_json(struct jb *b, struct report *r, const struct view *v,
			     uint64_t *distinct);
json_t *report_not_listed_json(struct jb *b, struct report *r, const struct view *v,
			       uint64_t *total);
int report_allowlist_sections(struct jb *b, struct report *r, const struct view *v,
			      json_t *doc);
json_t *report_drift_json(struct jb *b, const struct view *v);

/* The package view (report/aggregate.c), from the finished coverage and
 * executed sections of doc: null without an allowlist, NULL when out of
 * memory. */
json_t *report_packages_json(const json_t *doc);

#endif
