/* SPDX-License-Identifier: GPL-2.0-only */
/* Userspace side of the enforcer unit: open, load, attach in a proven order,
 * consume events, read counters. Layouts: include/imaguard/enforcer.h. */
#ifndef IMAGUARD_SRC_ENFORCER_H
#define IMAGUARD_SRC_ENFORCER_H

#include <stdbool.h>

#include "imaguard/enforcer.h"

struct enforcer;

struct enforcer_opts {
	enum ig_mode mode;
};

/* Called for every event; a non-zero return stops enforcer_poll(). */
typedef int (*enforcer_event_fn)(void *ctx, const struct ig_event *ev);

/* 0 when "bpf" is in the active LSM list; otherwise a message names the fix. */
int enforcer_lsm_check(void);

int enforcer_open(struct enforcer **out, const struct enforcer_opts *opts);
/* Attach stage 3, 2, 1 and prove the order with a probe exec of prove_path;
 * re-attach the other way round if the kernel runs them reversed. */
int enforcer_attach(struct enforcer *e, const char *prove_path);
/* Exec path as a probe: measured by the chain, then refused. *ev gets its event. */
int enforcer_probe(struct enforcer *e, const char *path, struct ig_event *ev);
/* Events not consumed by a probe go to this callback. */
void enforcer_set_handler(struct enforcer *e, enforcer_event_fn fn, void *ctx);
int enforcer_poll(struct enforcer *e, int timeout_ms);
int enforcer_counters(struct enforcer *e, struct ig_counters *sum);
/* "3,2,1" or "1,2,3": the attach order that was proven. */
const char *enforcer_attach_order(const struct enforcer *e);
void enforcer_free(struct enforcer *e);

/* Names for the enums, as the audit trail spells them. */
const char *ig_hook_name(unsigned int hook);
const char *ig_reason_name(unsigned int reason);

#endif
