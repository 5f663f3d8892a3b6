/* SPDX-License-Identifier: GPL-2.0-only */
/* The report's aggregates, shared by the reader (report/read.c,
 * report/aggregate.c) and the document builder (report/doc.c). */
#ifndef IMAGUARD_REPORT_PRIV_H
#define IMAGUARD_REPORT_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/hashtab.h"
#include "util/names.h"
#include "audit/audit.h"
#include "report/report.h"

/* The audit trail's hooks and reasons, each with an "other" bucket for a
 * name this build does not know; their names are util/names.h's. */
enum { HOOK_EXEC = IG_HOOK_EXEC, HOOK_MMAP = IG_HOOK_MMAP, HOOK_OPEN = IG_HOOK_OPEN,
       HOOK_SCRIPT = IG_HOOK_SCRIPT, HOOK_OTHER = IG_HOOK_MAX, HOOK_N };
enum {
	REASON_ALLOWLISTED,
	REASON_NOT_ALLOWLISTED,
	REASON_RULE_DENY,
	REASON_RULE_ALLOW,
	REASON_RULE_AUDIT,
	REASON_HASH_ERROR,
	REASON_OTHER,
	REASON_N
};
enum { CHAIN_INTACT, CHAIN_BROKEN, CHAIN_UNREADABLE };

const char *report_hook_name(int hook);
const char *report_reason_name(int reason);

/* One (host, path, digest, hook): digest is NULL when it could not be hashed. */
struct exe_key {
	const char *host, *path, *digest;
	int hook;
};

struct exe {
	struct exe_key k;
	uint64_t count;		/* access records plus summarised repeats */
	uint64_t monitor;	/* of those, allowed under monitor mode */
	uint64_t would_deny, denied, allowlisted_rec;
	int64_t first, last;	/* ns; INT64_MAX/INT64_MIN when no time was readable */
	const char *reason;	/* the latest record's */
	uint64_t logs;		/* the logs it was read from: report_log_bit */
};

struct deny_key {
	const char *host, *path, *digest, *comm, *reason;
	int64_t uid;
	int hook;
};

struct deny {
	struct deny_key k;
	uint64_t count;
	int64_t first, last, pid;	/* pid: the latest */
	uint64_t logs;		/* the logs it was read from: report_log_bit */
};

struct host_key {
	const char *name;
};

struct logrep;

struct host {
	struct host_key k;
	bool seen;
	uint64_t events, repeats, denials, would_deny, lost, logs;
	unsigned int modes;
	int64_t first, last;
	const char *kernel, *version;
	const struct logrep *last_log;
};

struct bucket {
	int64_t minute;
	uint64_t events, denials;
};

struct logrep {
	char *path;
	bool gz, read_error;
	int chain;
	struct audit_verify_result vr;
	const char *continues;	/* prev_file of its first start record */
	char start_prev[65];	/* the chain's starting point when it continues one, else "" */
	/* It starts at start_prev without naming a prev_file, as a log after a
	 * copytruncate rotation does: intact only once a given log is found to
	 * end there (link_logs); else vr_alone, the check from zeros, stands. */
	bool needs_link, linked;
	struct audit_verify_result vr_alone;
	const char *host;	/* the latest start record's */
	int mode;
	uint64_t lines, records, bad_lines;
	const char **hosts;
	size_t nhosts;
};

struct report {
	struct report_opts o;
	struct hashtab strs;	/* interned strings */
	struct hashtab exes, denies, hosts, buckets;
	struct logrep *logs;
	size_t nlogs;
	bool links_done;	/* link_logs ran */
	uint64_t *serials;
	size_t nserials;
	bool serial_none;
	const char *unknown_host;
	unsigned int modes;
	int64_t first, last, progress_ms;
	uint64_t records, starts, events, repeats, denials, would_deny, hash_errors;
	uint64_t lost, lost_ringbuf, lost_gap, lost_records, reloads, reloads_failed;
	uint64_t enforce_records;
	uint64_t by_hook[HOOK_N], by_reason[REASON_N], deny_by_reason[REASON_N];
};

/* A row's logs as one bit per log: bit i for the i-th given log, the last
 * bit for all from the 64th on (so such a row is marked when any of those
 * is broken). Rows are marked from it once the chains are settled. */
static inline uint64_t report_log_bit(const struct report *r, const struct logrep *lr)
{
	size_t i = (size_t)(lr - r->logs);

	return 1ull << (i < 63 ? i : 63);
}

/* Whether any log of a row's report_log_bit set is not intact. */
bool report_logs_broken(const struct report *r, uint64_t logs);

/* Settle which logs continue a given one (before the chains are read). */
void report_link_logs(struct report *r);

/* Fold one record of lr into the aggregates: 0, 1 when it has no type (an
 * unparsed line to the log's count), or -ENOMEM. */
int report_fold_record(struct report *r, struct logrep *lr, json_t *rec);

/* ---- rendering: the tables both Markdown and HTML draw --------------------- */

enum { COL_STR, COL_INT, COL_TIME, COL_DIGEST, COL_LIST, COL_BOOL, COL_VARIANTS };

struct report_col {
	const char *title, *key;
	int kind;
};

struct report_table {
	const char *id, *title;
	const char *key, *subkey;	/* doc[key] or doc[key][subkey]: an array of rows */
	const char *intro;		/* one sentence under the heading */
	const char *empty;		/* shown instead of an empty table */
	const struct report_col *cols;
};

extern const struct report_table report_tables[];

/* The rows of t in doc; NULL when the section is absent (no allowlist). */
json_t *report_rows(const json_t *doc, const struct report_table *t);
/* One cell as text (digests full, times to the second), through esc. */
void report_cell(FILE *f, json_t *row, const struct report_col *c,
		 void (*esc)(FILE *f, const char *s));
/* "2026-11-22 23:59:59" from an RFC 3339 time; buf needs 20 bytes. */
void report_short_time(const char *rfc3339, char buf[20]);

/* The one copy of s kept for the report's lifetime (NULL for NULL, or when
 * out of memory), so that equal strings are equal pointers. */
const char *report_intern(struct report *r, const char *s);
/* The interned copy of s when one exists; never adds. */
const char *report_interned(const struct report *r, const char *s);

#endif
