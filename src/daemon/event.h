/* SPDX-License-Identifier: GPL-2.0-only */
/* Kernel events as the audit trail spells them (DESIGN.md, "Events"). */
#ifndef IMAGUARD_EVENT_H
#define IMAGUARD_EVENT_H

#include <stdbool.h>
#include <time.h>

#include <jansson.h>

#include "audit/audit.h"

#include "imaguard/enforcer.h"
#include "util/rfc3339.h"

/* Converts the kernel's boot-time stamps to wall-clock time. */
struct event_clock {
	long long offset_ns;	/* CLOCK_REALTIME - CLOCK_BOOTTIME when it was set */
};

void event_clock_init(struct event_clock *clk);
long long event_realtime_ns(const struct event_clock *clk, unsigned long long boot_ns);


/* A JSON string for bytes that may not be UTF-8 (see event.c). */
json_t *event_json_bytes(const char *s);

/* The `access` record of one event, without the trail's seq and prev.
 * interp_hex (64 hex digits, NULL: not known) is the digest of the
 * interpreter behind a script event's interp index. */
json_t *event_to_json(const struct ig_event *ev, enum ig_mode mode, const struct event_clock *clk,
		      const char *interp_hex);

/*
 * The same record's members from "hook" to "rule", rendered straight into an
 * audit line, byte for byte as audit_log_append writes event_to_json's
 * object: for the event path, which builds no JSON object. userspace_hex
 * (NULL: none) is a digest measured in userspace, which replaces "digest"
 * and "digest_source" as the daemon does; interp_hex as event_to_json's.
 */
void event_put_access(struct audit_out *o, const struct ig_event *ev, enum ig_mode mode,
		      const char *userspace_hex, const char *interp_hex);
/* n bytes of a name as event_json_bytes and the writer spell them. */
void event_put_bytes(struct audit_out *o, const char *s, size_t n);

/* A tamper event's (IG_HOOK_TAMPER) members, added to a `tamper` record
 * r: what was attempted or found, on which object, by whom. */
void event_put_tamper(json_t *r, const struct ig_event *ev);
/* enum ig_tamper as the trail spells it; "unknown" out of range. */
const char *event_tamper_name(unsigned int what);
/* Whether what is a refusal (it has a caller), not a change found. */
bool event_tamper_refused(unsigned int what);

/* The kernel's counters, summed over CPUs, as one JSON object. */
json_t *event_counters_to_json(const struct ig_counters *c);

#endif
