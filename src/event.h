/* SPDX-License-Identifier: GPL-2.0-only */
/* Kernel events as the audit trail spells them (DESIGN.md, "Events"). */
#ifndef IMAGUARD_EVENT_H
#define IMAGUARD_EVENT_H

#include <jansson.h>
#include <time.h>

#include "imaguard/enforcer.h"

/* Converts the kernel's boot-time stamps to wall-clock time. */
struct event_clock {
	long long offset_ns;	/* CLOCK_REALTIME - CLOCK_BOOTTIME when it was set */
};

void event_clock_init(struct event_clock *clk);
/* RFC 3339 in UTC with nanoseconds: "2026-11-22T23:59:59.123456789Z". */
void event_format_time(long long realtime_ns, char buf[40]);
long long event_realtime_ns(const struct event_clock *clk, unsigned long long boot_ns);

/* A JSON string for bytes that may not be UTF-8 (see event.c). */
json_t *event_json_bytes(const char *s);

/* The `access` record of one event, without the trail's seq and prev. */
json_t *event_to_json(const struct ig_event *ev, enum ig_mode mode, const struct event_clock *clk);

/* The kernel's counters, summed over CPUs, as one JSON object. */
json_t *counters_to_json(const struct ig_counters *c);

#endif
