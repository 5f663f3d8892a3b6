// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "util/rfc3339.h"

static int digits(const char *s, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

static bool leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int rfc3339_datetime(const char *s, struct tm *tm)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y, mo, d, h, mi, sec;

	if (digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) || s[7] != '-' ||
	    digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != 't') || digits(s + 11, 2, &h) ||
	    s[13] != ':' || digits(s + 14, 2, &mi) || s[16] != ':' || digits(s + 17, 2, &sec))
		return -EINVAL;
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] + (mo == 2 && leap(y)) || h > 23 ||
	    mi > 59 || sec > 60)
		return -EINVAL;
	*tm = (struct tm){
		.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi,
		.tm_sec = sec == 60 ? 59 : sec,	/* a leap second counts as the second before */
	};
	return 0;
}

int rfc3339_parse(const char *s, time_t *out)
{
	int oh = 0, om = 0, sign = 0;
	struct tm tm;
	const char *p;
	time_t t;

	if (!s || strlen(s) < 20 || rfc3339_datetime(s, &tm))
		return -EINVAL;
	p = s + 19;
	if (*p == '.') {
		if (p[1] < '0' || p[1] > '9')
			return -EINVAL;
		for (p++; *p >= '0' && *p <= '9'; p++)
			;
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p == '-' ? -1 : 1;
		if (digits(p + 1, 2, &oh) || p[3] != ':' || digits(p + 4, 2, &om) || oh > 23 ||
		    om > 59)
			return -EINVAL;
		p += 6;
	} else {
		return -EINVAL;
	}
	if (*p)
		return -EINVAL;
	t = timegm(&tm);
	*out = t - sign * (oh * 3600 + om * 60);
	return 0;
}

void rfc3339_format(time_t t, char buf[21])
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int rfc3339_parse_ns(const char *s, int64_t *ns)
{
	size_t n = s ? strlen(s) : 0;
	int64_t frac = 0;
	time_t t;
	char base[21];
	size_t i;
	int digits = 0;

	/* The audit trail writes UTC only: "YYYY-MM-DDTHH:MM:SS[.f]Z". */
	if (n < 20 || s[n - 1] != 'Z' || s[19] != (n == 20 ? 'Z' : '.'))
		return -EINVAL;
	memcpy(base, s, 19);
	base[19] = 'Z';
	base[20] = '\0';
	if (rfc3339_parse(base, &t))
		return -EINVAL;
	for (i = 20; i + 1 < n; i++) {
		if (s[i] < '0' || s[i] > '9' || digits == 9)
			return -EINVAL;
		frac = frac * 10 + (s[i] - '0');
		digits++;
	}
	if (n > 20 && !digits)
		return -EINVAL;
	for (; digits < 9; digits++)
		frac *= 10;
	*ns = (int64_t)t * 1000000000 + frac;
	return 0;
}

bool rfc3339_ns_valid(const char *s, size_t n)
{
	struct tm tm;

	/* "YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ"; a leap second (:60) is a time too */
	if (n != 30 || s[10] != 'T' || s[19] != '.' || s[29] != 'Z' || rfc3339_datetime(s, &tm))
		return false;
	for (int i = 20; i < 29; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

void rfc3339_format_ns(int64_t ns, char buf[RFC3339_NS_BUF])
{
	int64_t sec = ns / 1000000000, frac = ns % 1000000000;
	time_t t;
	struct tm tm;

	if (frac < 0) {
		frac += 1000000000;
		sec--;
	}
	t = (time_t)sec;
	/* a year beyond 9999 cannot come out of rfc3339_parse_ns */
	if (!gmtime_r(&t, &tm) || strftime(buf, 20, "%Y-%m-%dT%H:%M:%S", &tm) != 19) {
		snprintf(buf, RFC3339_NS_BUF, "invalid");
		return;
	}
	snprintf(buf + 19, RFC3339_NS_BUF - 19, ".%09dZ", (int)frac);
}

void rfc3339_format_ns_cached(struct rfc3339_cache *c, int64_t ns, char buf[RFC3339_NS_BUF])
{
	int64_t sec = ns / 1000000000LL, frac = ns % 1000000000LL;
	time_t t = sec;
	struct tm tm;

	if (ns < 0) {	/* never from a kernel stamp; the plain path spells it */
		rfc3339_format_ns(ns, buf);
		return;
	}
	if (!c->valid || c->sec != sec) {
		gmtime_r(&t, &tm);
		strftime(c->date, sizeof(c->date), "%Y-%m-%dT%H:%M:%S", &tm);
		c->len = strlen(c->date);
		c->sec = sec;
		c->valid = true;
	}
	/* the date is at most 23 bytes: with ".nnnnnnnnnZ" and the NUL, 35 */
	memcpy(buf, c->date, c->len);
	buf[c->len] = '.';
	for (int i = 9; i >= 1; i--, frac /= 10)
		buf[c->len + i] = '0' + frac % 10;
	buf[c->len + 10] = 'Z';
	buf[c->len + 11] = '\0';
}
