// SPDX-License-Identifier: GPL-2.0-only
/*
 * The document fields a new allowlist gets from the command line (serial,
 * created, expires) and the atomic write of the result: what `allowlist
 * build` and `allowlist import` share, and the expiry warning `allowlist
 * propose` gives too.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "allowlist/allowlist.h"
#include "allowlist/head.h"
#include "util/cli.h"
#include "util/fileio.h"
#include "util/log.h"
#include "util/rfc3339.h"

static int parse_source_date_epoch(const struct cli_cmd *cmd, time_t *t)
{
	const char *s = getenv("SOURCE_DATE_EPOCH");
	uint64_t v;

	if (!s)
		return 1;
	/* The reproducible-builds convention: a malformed value is an error,
	 * never silently the current time. */
	if (cli_parse_u64(cmd, "SOURCE_DATE_EPOCH", s, 0, 253402300799ULL, &v))
		return -EINVAL;
	*t = (time_t)v;
	return 0;
}

/* out gets the expiry to store: s itself, or s's +<N>d made absolute. */
static int parse_expires(const struct cli_cmd *cmd, const char *s, time_t created, char *out,
			 size_t outlen)
{
	uint64_t days;
	time_t t;

	if (s[0] == '+') {
		size_t n = strlen(s);
		char num[24];

		if (n < 3 || n - 2 >= sizeof(num) || s[n - 1] != 'd')
			goto bad;
		memcpy(num, s + 1, n - 2);
		num[n - 2] = '\0';
		if (cli_parse_u64(cmd, "--expires days", num, 1, 36500, &days))
			return -EINVAL;
		rfc3339_format(created + (time_t)days * 86400, out);
		return 0;
	}
	if (rfc3339_parse(s, &t) || strlen(s) >= outlen)
		goto bad;
	strcpy(out, s);
	return 0;
bad:
	cli_usage_error(cmd,
			"invalid --expires '%s': not an RFC 3339 time (2027-01-31T00:00:00Z) "
			"or +<days>d",
			s);
	return -EINVAL;
}

void allowlist_warn_expiry(const struct allowlist *al)
{
	time_t exp, created;

	if (!allowlist_expiry(al, &exp))
		return;
	if (exp <= time(NULL))
		pr_warn("the allowlist expires at %s, which is past: 'imaguard run' and "
			"'allowlist verify' refuse it", allowlist_expires(al));
	if (allowlist_created(al) && !rfc3339_parse(allowlist_created(al), &created) &&
	    exp < created)
		pr_warn("the allowlist expires at %s, before its created time %s",
			allowlist_expires(al), allowlist_created(al));
}

int allowlist_head_apply(const struct cli_cmd *cmd, const struct allowlist_head *h,
			 struct allowlist *al)
{
	char created[21], expires[64];
	uint64_t serial;
	time_t t;
	int err;

	if (h->created) {
		if (rfc3339_parse(h->created, &t)) {
			cli_usage_error(cmd,
					"invalid --created '%s': not an RFC 3339 time "
					"(2027-01-31T00:00:00Z)",
					h->created);
			return -EINVAL;
		}
	} else {
		err = parse_source_date_epoch(cmd, &t);
		if (err < 0)
			return err;
		if (err)
			t = time(NULL);
		rfc3339_format(t, created);
	}
	if (allowlist_set_created(al, h->created ? h->created : created)) {
		pr_err("cannot set the created time");
		return -EINVAL;
	}
	if (h->serial) {
		if (cli_parse_u64(cmd, "--serial", h->serial, 0, ALLOWLIST_SERIAL_MAX, &serial))
			return -EINVAL;
	} else {
		/* Seconds since the epoch grow from one build to the next, which is
		 * what the daemon's anti-rollback check wants by default. */
		if (t < 0) {
			cli_usage_error(cmd, "the created time is before 1970: give --serial");
			return -EINVAL;
		}
		serial = (uint64_t)t;
	}
	allowlist_set_serial(al, serial);
	if (h->expires) {
		err = parse_expires(cmd, h->expires, t, expires, sizeof(expires));
		if (err)
			return err;
		if (allowlist_set_expires(al, expires)) {
			pr_err("invalid --expires '%s'", h->expires);
			return -EINVAL;
		}
		allowlist_warn_expiry(al);
	}
	return 0;
}

int allowlist_output(const struct allowlist *al, const char *path)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	int err;

	if (!path || !strcmp(path, "-")) {
		err = allowlist_write(al, stdout);
		if (!err && fflush(stdout))
			err = -errno;
		if (err)
			pr_err("cannot write the allowlist to stdout: %s", strerror(-err));
		return err;
	}
	f = open_memstream(&buf, &len);
	if (!f) {
		pr_err("cannot write '%s': %s", path, strerror(errno));
		return -errno;
	}
	err = allowlist_write(al, f);
	if (fclose(f) && !err)
		err = -ENOMEM;
	if (err) {
		pr_err("cannot write '%s': %s", path, strerror(-err));
		goto cleanup;
	}
	err = fileio_write_atomic(path, buf, len, 0644);
cleanup:
	free(buf);
	return err;
}
