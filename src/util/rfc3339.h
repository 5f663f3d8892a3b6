/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * RFC 3339 date-times, the one parser and formatter: the allowlist's
 * "created"/"expires" (any offset, seconds) and the audit trail's "time"
 * (UTC, nanoseconds: "2026-11-22T23:59:59.123456789Z").
 */
#ifndef IMAGUARD_UTIL_RFC3339_H
#define IMAGUARD_UTIL_RFC3339_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* "YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ" and its NUL; room for a year past 9999. */
#define RFC3339_NS_BUF 40

/* Strict RFC 3339 date-time ("2026-01-31T12:00:00Z", fraction and numeric
 * offset allowed) to seconds since the epoch. 0 or -EINVAL. */
int rfc3339_parse(const char *s, time_t *out);
/* The "YYYY-MM-DDTHH:MM:SS" that an RFC 3339 date-time starts with: a real
 * date and time of day (a leap second too), into *tm's fields. Reads those
 * 19 bytes only; s need not end after them. 0 or -EINVAL. */
int rfc3339_datetime(const char *s, struct tm *tm);
/* Format t as "YYYY-MM-DDTHH:MM:SSZ"; buf needs 21 bytes. */
void rfc3339_format(time_t t, char buf[21]);

/* The audit trail's UTC form "YYYY-MM-DDTHH:MM:SS[.f]Z" (f: 1 to 9 digits)
 * to nanoseconds since the epoch. 0 or -EINVAL. */
int rfc3339_parse_ns(const char *s, int64_t *ns);
/* Exactly the writer's form: 30 bytes, nine fraction digits, 'Z'. */
bool rfc3339_ns_valid(const char *s, size_t n);
/* ns as "YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ"; "invalid" for a year past 9999. */
void rfc3339_format_ns(int64_t ns, char buf[RFC3339_NS_BUF]);

/* rfc3339_format_ns with the date kept from the last call: gmtime_r only
 * when the second changes. The same text. Zero-initialise before use. */
struct rfc3339_cache {
	int64_t sec;
	bool valid;
	char date[24];
	size_t len;
};

void rfc3339_format_ns_cached(struct rfc3339_cache *c, int64_t ns, char buf[RFC3339_NS_BUF]);

#endif
