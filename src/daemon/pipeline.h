/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The daemon's per-event path: kernel events in, audit records out. The
 * daemon, the benchmarks and the guest's own measurements run this same code,
 * so that what is measured is what runs.
 */
#ifndef IMAGUARD_PIPELINE_H
#define IMAGUARD_PIPELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "daemon/event.h"
#include "imaguard/enforcer.h"

struct pipeline;

/* Lines wait in the audit log's writer until this much is buffered or the
 * owner flushes (the daemon: after every drain of the ring buffer). */
#define PIPELINE_BATCH_BYTES (128 * 1024)

struct pipeline_opts {
	const char *audit_log;	/* path, or "-" */
	const char *ecs_log;	/* NULL, or a path for the ECS copy (audit_log_opts.ecs_path) */
	enum ig_mode mode;
	bool log_all;		/* every map and audited open gets its own record */
	int summary_s;		/* how often repeats are summarised; 0: 60 */
	/* The allowlist in force, as every record names it; NULL: none
	 * (both fields null). pipeline_set_allowlist changes it later. */
	const char *allowlist_sha256;	/* 64 lowercase hex digits */
	uint64_t allowlist_serial;
	/* The kernel's boot-time stamps to wall-clock time; NULL: as now. */
	const struct event_clock *clock;
};

/* Open the audit log (its writer says why when it cannot). */
int pipeline_open(struct pipeline **out, const struct pipeline_opts *o);
/*
 * One kernel event: an `access` record, or a repeat counted for the next
 * summary. Usable as an enforcer_event_fn. Always 0, so that one bad write
 * never stalls the ring buffer: a failed write is logged once and
 * remembered (pipeline_failed).
 */
int pipeline_event(void *pipeline, const struct ig_event *ev);
/* A tamper event (IG_HOOK_TAMPER, from the kernel, the chain's checks or
 * the daemon itself) as a `tamper` record, written at once; reason, when
 * not NULL, says why the daemon refused it. */
void pipeline_tamper(struct pipeline *p, const struct ig_event *ev, const char *reason);
/* Everything the events so far produce, in the log: the summary of the
 * repeats counted since the last one, and every line not yet written.
 * 0, or -EIO when a write has failed (now or before). */
int pipeline_flush(struct pipeline *p);
/*
 * Records are written in batches of whole lines: a batch goes out once it
 * is large, and here. The daemon calls this after every drain of the ring
 * buffer, so a record waits in memory no longer than the drain that made
 * it. 0 or the write's negative errno (also remembered: pipeline_failed).
 */
int pipeline_write_out(struct pipeline *p);
/* Housekeeping on the daemon's one-second timer: a summary when one is due
 * at now, the waiting lines, and the log's bounded fsync interval, also
 * when idle. */
void pipeline_tick(struct pipeline *p, time_t now);
void pipeline_free(struct pipeline *p);

/*
 * Folded repeats (enforcer_fold_start): the kernel counts the repeats of a
 * map it sent with a fold slot; the summaries take those counts as if each
 * repeat had been sent. counts: IG_FOLD_SLOTS mapped counters, [0] the
 * slots taken. -ENOMEM leaves folding off here (the caller must not start it).
 */
int pipeline_set_folds(struct pipeline *p, const volatile uint64_t *counts);
/* After enforcer_fold_stop and a full drain of the ring buffer, before the
 * next enforcer_fold_start: every count so far into its entry, and every
 * slot free again. */
void pipeline_folds_restart(struct pipeline *p);
/*
 * Begin folding (log_all: never), or begin a new fold epoch with every slot
 * free: stops folding, reads every event the ring buffer holds, takes the
 * counts so far, starts again. The daemon calls it at start, after a
 * reload and when half the slots are taken. On an error folding stays off;
 * nothing is lost.
 */
struct enforcer;
int pipeline_folds_renew(struct pipeline *p, struct enforcer *e);
/* The chain whose events these are: a script's record names its
 * interpreter by digest (interp_sha256) through it. */
void pipeline_set_enforcer(struct pipeline *p, const struct enforcer *e);
/* Slots taken in this fold epoch (0 without folding). */
uint64_t pipeline_folds_taken(const struct pipeline *p);
/* The allowlist in force after a reload (sha256_hex NULL: none). */
void pipeline_set_allowlist(struct pipeline *p, uint64_t serial, const char *sha256_hex);
/* A record of another type (start, reload, lost, stop) with the fields every
 * record carries; the caller adds the rest and hands it to record_write. */
json_t *pipeline_record_new(const struct pipeline *p, const char *type);
/* Append r to the log and drop the reference. */
void pipeline_record_write(struct pipeline *p, json_t *r);
/* Whether a write to the log has failed. */
bool pipeline_failed(const struct pipeline *p);

#endif
