/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Compliance reports from audit trails (docs/report.md). Logs are streamed
 * one line at a time and folded into aggregates per (host, path, digest,
 * hook), per denial and per host, so memory grows with what is distinct in
 * the logs, never with their length. The aggregates become one JSON document
 * (format imaguard-report/1); Markdown and HTML are renderings of that same
 * document, so the three formats cannot disagree.
 */
#ifndef IMAGUARD_REPORT_H
#define IMAGUARD_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#define REPORT_FORMAT "imaguard-report/1"

struct allowlist;
struct report;

struct report_opts {
	const struct allowlist *al;	/* NULL: allowlisted-ness from the records alone */
	const char *allowlist_path;	/* named in the report */
	bool progress;			/* progress line on stderr */
	const char *now;		/* "generated" timestamp; NULL: the current time */
};

struct report *report_new(const struct report_opts *o);
void report_free(struct report *r);

/*
 * Verify the chain of the log at path (plain or gzip), then fold its records
 * in. A broken chain is recorded in the report, not an error: the records are
 * still read, because the report is where a reader learns what the log holds.
 * 0, or a negative errno when the log cannot be read at all (also recorded).
 */
int report_add_log(struct report *r, const char *path);

/* True when every log added so far verified. A log that continues another
 * (its first line's prev is that log's last hash) verifies only when that log
 * was given too, in any order; call this once every log is added. */
bool report_chains_ok(struct report *r);

/* The imaguard-report/1 document; the caller owns the reference. */
int report_build(struct report *r, json_t **out);

/* Renderings of a built document. 0 or a negative errno. */
int report_write_json(const json_t *doc, FILE *f);
int report_write_markdown(const json_t *doc, FILE *f);
int report_write_html(const json_t *doc, FILE *f);

/*
 * What `allowlist propose` needs: each (path, digest) that ran (exec or
 * mmap) in monitor mode, merged over hooks and hosts. Called in (digest,
 * path) order. A non-zero return from cb stops the walk and is returned.
 */
struct report_ran {
	const char *path;
	const char *digest;	/* lowercase hex, 64 digits */
	uint64_t count;
	int64_t first_ns;	/* nanoseconds since the epoch */
	const char *host_first;	/* the host where it was first seen */
};
int report_foreach_ran(struct report *r, int (*cb)(const struct report_ran *ran, void *ctx),
		       void *ctx);

/* Records seen in enforce mode, which propose leaves out. */
uint64_t report_enforce_records(const struct report *r);

/* ---- helpers shared by the renderers and the tests ----------------------- */

/* Text for an HTML element or a double-quoted attribute: & < > " ' escaped. */
void report_html_escape(FILE *f, const char *s);
/* Text for a Markdown table cell: no line breaks, | and markup neutralised. */
void report_md_escape(FILE *f, const char *s);

#endif
