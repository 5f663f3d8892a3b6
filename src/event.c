// SPDX-License-Identifier: GPL-2.0-only
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "digest.h"
#include "enforcer.h"
#include "event.h"

static long long clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

void event_clock_init(struct event_clock *clk)
{
	clk->offset_ns = clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_BOOTTIME);
}

long long event_realtime_ns(const struct event_clock *clk, unsigned long long boot_ns)
{
	return (long long)boot_ns + clk->offset_ns;
}

void event_format_time(long long ns, char buf[40])
{
	time_t sec = ns / 1000000000LL;
	struct tm tm;
	char date[24];

	gmtime_r(&sec, &tm);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, 40, "%s.%09lldZ", date, ns % 1000000000LL);
}

/* Paths and comm are bytes, JSON strings are UTF-8: a name that is not valid
 * UTF-8 is written with each byte outside printable ASCII as \xNN, so that
 * no record is lost and no two distinct ASCII names collide. */
json_t *event_json_bytes(const char *s)
{
	json_t *j = json_string(s);
	char *buf, *p;

	if (j)
		return j;
	buf = malloc(strlen(s) * 4 + 1);
	if (!buf)
		return NULL;
	for (p = buf; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c >= 0x20 && c < 0x7f && c != '\\')
			*p++ = (char)c;
		else
			p += sprintf(p, "\\x%02x", c);
	}
	*p = '\0';
	j = json_string(buf);
	free(buf);
	return j;
}

json_t *event_to_json(const struct ig_event *ev, enum ig_mode mode, const struct event_clock *clk)
{
	char time[40], comm[IG_COMM_LEN + 1], hex[SHA256_HEX_LEN + 1], digest[80];
	bool hashed = ev->flags & IG_F_HASHED;

	event_format_time(event_realtime_ns(clk, ev->time_ns), time);
	memcpy(comm, ev->comm, IG_COMM_LEN);
	comm[IG_COMM_LEN] = '\0';
	if (hashed) {
		digest_to_hex(ev->digest, hex);
		snprintf(digest, sizeof(digest), "sha256:%s", hex);
	}
	/* Key order is fixed so that lines are easy to read and to grep. */
	return json_pack("{s:s, s:s, s:s, s:s, s:b, s:s, s:s,"	/* type .. mode */
			 " s:I, s:I, s:I, s:I, s:I, s:o, s:o,"		/* pid .. path */
			 " s:I, s:I, s:o, s:s, s:i, s:i,"		/* dev .. hash_algo */
			 " s:I, s:I, s:I, s:i}",			/* cgroup_id .. rule */
			 "type", "access", "time", time, "hook", ig_hook_name(ev->hook),
			 "decision", ev->decision == IG_DENY ? "deny" : "allow",
			 "would_deny", (int)!!(ev->flags & IG_F_WOULD_DENY),
			 "reason", ig_reason_name(ev->reason),
			 "mode", mode == IG_MODE_ENFORCE ? "enforce" : "monitor",
			 "pid", (json_int_t)ev->pid, "tid", (json_int_t)ev->tid,
			 "ppid", (json_int_t)ev->ppid, "uid", (json_int_t)ev->uid,
			 "gid", (json_int_t)ev->gid, "comm", event_json_bytes(comm),
			 "path", event_json_bytes(ev->flags & IG_F_PATH_ERR ? "" : ev->path),
			 "dev", (json_int_t)ev->dev, "ino", (json_int_t)ev->ino,
			 "digest", hashed ? json_string(digest) : json_null(),
			 "digest_source", hashed ? "ima" : "none",
			 "hash_error", -ev->hash_error, "hash_algo", ev->hash_algo,
			 "cgroup_id", (json_int_t)ev->cgroup_id, "mnt_ns", (json_int_t)ev->mnt_ns,
			 "pid_ns", (json_int_t)ev->pid_ns, "rule", ev->rule);
}

json_t *counters_to_json(const struct ig_counters *c)
{
	json_t *runs = json_object(), *denies = json_object();

	for (int h = 0; h < IG_HOOK_MAX; h++)
		json_object_set_new(runs, ig_hook_name(h), json_integer((json_int_t)c->runs[h]));
	for (int r = 1; r < IG_REASON_MAX; r++)
		if (r != IG_REASON_ALLOWLISTED && r != IG_REASON_RULE_ALLOW &&
		    r != IG_REASON_RULE_AUDIT)
			json_object_set_new(denies, ig_reason_name(r),
					    json_integer((json_int_t)c->denies[r]));
	return json_pack("{s:I, s:I, s:o, s:o, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
			 "events", (json_int_t)c->events, "lost", (json_int_t)c->lost,
			 "runs", runs, "denies", denies,
			 "hash_errors", (json_int_t)c->hash_errors,
			 "order_violations", (json_int_t)c->order_violations,
			 "record_full", (json_int_t)c->record_full,
			 "hashes", (json_int_t)c->hashes, "cache_hits", (json_int_t)c->cache_hits,
			 "wakeups", (json_int_t)c->wakeups, "open_skips", (json_int_t)c->open_skips);
}
