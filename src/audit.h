/* SPDX-License-Identifier: GPL-2.0-only */
/* The hash-chained audit trail: writer and verifier (docs/audit-format.md). */
#ifndef IMAGUARD_AUDIT_H
#define IMAGUARD_AUDIT_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#define AUDIT_LINE_MAX (64 * 1024)

struct audit_log;

struct audit_log_opts {
	unsigned int fsync_interval_ms;	/* 0: the default (1000) */
};

/*
 * Open path for appending ("-" is standard output). An existing file is
 * read back to its last line so that seq and prev continue its chain; a file
 * whose last line is cut short is refused (-EBADMSG) rather than extended.
 */
int audit_log_open(struct audit_log **out, const char *path, const struct audit_log_opts *o);
/*
 * Append one record. rec must hold "type"; the writer puts type, time (now,
 * unless rec has one), seq and prev first, then rec's other keys in their
 * order. The line is written with one write(2) on an O_APPEND descriptor.
 * Takes no reference to rec.
 */
int audit_log_append(struct audit_log *l, json_t *rec);
/* fsync now (also done every fsync_interval_ms from append, and at close). */
int audit_log_sync(struct audit_log *l);
void audit_log_close(struct audit_log *l);

/* SHA-256 hex of the last line written: a rotated log's successor chains from it. */
const char *audit_log_last_hash(const struct audit_log *l);

struct audit_verify_result {
	uint64_t lines;		/* lines read, intact or not */
	uint64_t bad_line;	/* first bad line, 1-based; 0 when intact */
	char why[256];		/* what is wrong with it */
};

/* 0 when every line parses, seq runs on and prev chains; -EBADMSG with the
 * first bad line in res otherwise; another negative errno when unreadable.
 * prev_hash (may be NULL) is the chain's starting point when the log
 * continues a rotated one. */
int audit_verify_file(const char *path, const char *prev_hash, struct audit_verify_result *res);

#endif
