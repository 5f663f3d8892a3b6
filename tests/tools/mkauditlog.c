// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fixture audit logs for the report and propose tests, written through the
 * real audit writer so that their hash chains are real.
 *
 *   mkauditlog gen DIR      the scenario: DIR/web1.log, web2.log, db1.log,
 *                           web2-broken.log (one line edited after the fact),
 *                           xss.log (hostile strings), allowlist.json
 *                           (unsigned) and expected.json (what was written,
 *                           counted while writing it)
 *   mkauditlog check DIR REPORT.json [--with-allowlist]
 *                           compare a report of web1, web2 and db1 with the
 *                           scenario, field by field; exit 1 naming the first
 *                           mismatch
 *   mkauditlog big FILE N   a monitor-mode log of N access records for the
 *                           bounded-memory test
 *   mkauditlog trail FILE HOST
 *                           a monitor-mode log of the accesses on stdin,
 *                           "<hook> <reason> <digest> <path>" a line
 *   mkauditlog maxrss CMD...
 *                           run CMD, print its peak resident set in KiB on
 *                           stderr, exit with its status
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "allowlist/allowlist.h"
#include "audit/audit.h"
#include "util/digest.h"
#include "util/rfc3339.h"

/* ---- the scenario's digests: SHA-256 of a name, so they are stable ------- */

static const char *hexof(const char *name)
{
	static char bufs[16][SHA256_HEX_LEN + 1];
	static int next;
	uint8_t d[SHA256_LEN];
	char *h = bufs[next++ % 16];

	sha256_buf(name, strlen(name), d);
	digest_to_hex(d, h);
	return h;
}

#define D_BASH hexof("bash 5.2.15")
#define D_LIBC hexof("libc 2.36")
#define D_PY1 hexof("python 3.11.2")
#define D_PY2 hexof("python 3.11.9")
#define D_SERVER hexof("app server 1.0")
#define D_EVIL hexof("evil")
#define D_NC hexof("netcat")
#define D_NEVER hexof("never run")
#define D_XSS hexof("xss")

#define T0 1772359200LL	/* 2026-03-01T10:00:00Z */

/* What the scenario wrote, counted as it was written. */
struct tally {
	long events, denials, would_deny, repeats, lost, lost_ringbuf, lost_gap, hash_errors;
	long reloads, records;
	long host_events[3], host_denials[3], host_lost[3];
	long first, last;
};

static struct tally tally = { .first = -1 };

struct wlog {
	struct audit_log *l;
	int host;	/* index into hosts[] */
	const char *mode;
	long serial;
};

static const char *const hosts[] = { "web1", "web2", "db1" };

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "mkauditlog: ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static const char *at(long s)
{
	static char buf[40];
	char base[21];

	rfc3339_format((time_t)(T0 + s), base);
	base[19] = '\0';
	snprintf(buf, sizeof(buf), "%s.%09ldZ", base, (s * 7919) % 1000000000);
	return buf;
}

static void append(struct wlog *w, long s, json_t *rec)
{
	json_object_set_new(rec, "time", json_string(at(s)));
	json_object_set_new(rec, "allowlist_serial",
			    w->serial ? json_integer(w->serial) : json_null());
	json_object_set_new(rec, "allowlist_sha256",
			    w->serial ? json_string(hexof(w->mode)) : json_null());
	if (audit_log_append(w->l, rec))
		die("cannot append to the %s log", hosts[w->host]);
	json_decref(rec);
	tally.records++;
	if (tally.first < 0 || s < tally.first)
		tally.first = s;
	if (s > tally.last)
		tally.last = s;
}

static void start(struct wlog *w, long s, const char *host)
{
	json_t *r = json_pack("{s:s, s:i, s:s, s:s, s:s, s:s, s:s, s:i, s:b}", "type", "start",
			      "format", AUDIT_FORMAT, "version", "0.1.0", "host", host, "kernel",
			      "6.1.0-31-cloud-amd64", "mode", w->mode, "rules_sha256",
			      hexof("rules"), "pid", 100 + w->host, "adopted", 0);

	append(w, s, r);
}

static void access_rec(struct wlog *w, long s, const char *hook, const char *path,
		       const char *digest, const char *reason, int uid, const char *comm, int pid)
{
	bool monitor = !strcmp(w->mode, "monitor");
	bool listed = !strcmp(reason, "allowlisted") || !strcmp(reason, "rule-allow") ||
		      !strcmp(reason, "rule-audit");
	bool deny = !monitor && !listed;
	bool would = monitor && !listed;
	char dg[80];
	json_t *r;

	snprintf(dg, sizeof(dg), "sha256:%s", digest ? digest : "");
	/* The namespaces' inode numbers do not fit an int: json_int_t, as
	 * src/daemon/event.c writes them. */
	r = json_pack("{s:s, s:s, s:s, s:b, s:s, s:s, s:i, s:i, s:i, s:i, s:i, s:s, s:s, s:i, s:i, "
		      "s:o, s:s, s:i, s:i, s:i, s:I, s:I, s:i}",
		      "type", "access", "hook", hook, "decision", deny ? "deny" : "allow",
		      "would_deny", would, "reason", reason, "mode", w->mode, "pid", pid, "tid",
		      pid, "ppid", 1, "uid", uid, "gid", uid, "comm", comm, "path", path, "dev",
		      2049, "ino", 1234, "digest", digest ? json_string(dg) : json_null(),
		      "digest_source", digest ? "ima" : "none", "hash_error", digest ? 0 : 95,
		      "hash_algo", 4, "cgroup_id", 1, "mnt_ns",
		      (json_int_t)4026531841, "pid_ns", (json_int_t)4026531836, "rule", -1);
	if (!r)
		die("cannot build a record for '%s'", path);
	append(w, s, r);
	tally.events++;
	tally.host_events[w->host]++;
	tally.denials += deny;
	tally.host_denials[w->host] += deny;
	tally.would_deny += would;
	tally.hash_errors += !strcmp(reason, "hash-error");
}

static void lost(struct wlog *w, long s, int count, const char *cause)
{
	json_t *r = json_pack("{s:s, s:i, s:s}", "type", "lost", "count", count, "cause", cause);

	if (!strcmp(cause, "gap"))
		json_object_set_new(r, "gap_s", json_integer(12));
	append(w, s, r);
	tally.lost += count;
	tally.host_lost[w->host] += count;
	if (!strcmp(cause, "gap"))
		tally.lost_gap += count;
	else
		tally.lost_ringbuf += count;
}

/*
 * A summary as src/daemon/pipeline.c renders it (pipeline_record_new, then
 * summary_write and summary_entry): type, the allowlist's serial and
 * SHA-256, period_s, then repeats, each {"hook", "path", "digest", "count"}
 * with the digest as access records have it, "sha256:<hex>" or null (format
 * 2). The allowlist keys are set here so that they keep the daemon's place;
 * append() fills them. tests/host/t_auditlog_forms.sh holds every record
 * type written here against the logs the daemon wrote in the guest.
 */
static void summary(struct wlog *w, long s, const char *path, const char *digest, int count)
{
	char dg[80];
	json_t *r;

	snprintf(dg, sizeof(dg), "sha256:%s", digest ? digest : "");
	r = json_pack("{s:s, s:n, s:n, s:i, s:[{s:s, s:s, s:o, s:I}]}", "type", "summary",
		      "allowlist_serial", "allowlist_sha256", "period_s", 60, "repeats", "hook",
		      "mmap", "path", path, "digest", digest ? json_string(dg) : json_null(),
		      "count", (json_int_t)count);
	append(w, s, r);
	tally.repeats += count;
}

static struct wlog open_log(const char *dir, int host, const char *mode, long serial)
{
	char path[4096];
	struct wlog w = { .host = host, .mode = mode, .serial = serial };

	snprintf(path, sizeof(path), "%s/%s.log", dir, hosts[host]);
	if (audit_log_open(&w.l, path, NULL))
		die("cannot open '%s'", path);
	return w;
}

/* ---- the scenario ------------------------------------------------------------ */

static void gen_web1(const char *dir)
{
	struct wlog w = open_log(dir, 0, "monitor", 7);

	start(&w, 0, "web1");
	access_rec(&w, 5, "exec", "/usr/bin/bash", D_BASH, "allowlisted", 0, "systemd", 200);
	access_rec(&w, 5, "mmap", "/usr/lib/x86_64-linux-gnu/libc.so.6", D_LIBC, "allowlisted", 0,
		   "bash", 200);
	access_rec(&w, 65, "exec", "/usr/bin/python3", D_PY1, "allowlisted", 33, "bash", 201);
	for (int i = 0; i < 4; i++)
		access_rec(&w, 130 + 60 * i, "exec", "/opt/app/server", D_SERVER,
			   "not-allowlisted", 33, "bash", 210 + i);
	lost(&w, 400, 5, "ringbuf");
	summary(&w, 600, "/usr/lib/x86_64-linux-gnu/libc.so.6", D_LIBC, 10);
	/* the counters as src/daemon/event.c renders them */
	json_t *stop = json_pack("{s:s, s:s, s:{s:i, s:i, s:{s:i, s:i, s:i, s:i},"
				 " s:{s:i, s:i, s:i, s:i, s:i, s:i}, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i,"
				 " s:i, s:i}}",
				 "type", "stop", "reason", "signal", "counters", "events", 9,
				 "lost", 5, "runs", "exec", 6, "mmap", 3, "open", 0, "script", 0,
				 "denies", "not-allowlisted", 0, "rule-deny", 0, "hash-error", 0,
				 "text-busy", 0, "quota", 0, "proc-mem", 0, "hash_errors", 0,
				 "order_violations", 0,
				 "record_full", 0, "hashes", 9, "cache_hits", 0, "wakeups", 4,
				 "open_skips", 0, "name_hits", 0, "folds", 0, "tamper", 0);
	append(&w, 900, stop);
	audit_log_close(w.l);
}

static void gen_web2(const char *dir)
{
	struct wlog w = open_log(dir, 1, "monitor", 7);

	start(&w, 30, "web2");
	access_rec(&w, 31, "exec", "/usr/bin/bash", D_BASH, "allowlisted", 1000, "sshd", 300);
	access_rec(&w, 31, "mmap", "/usr/lib/x86_64-linux-gnu/libc.so.6", D_LIBC, "allowlisted",
		   1000, "bash", 300);
	access_rec(&w, 90, "exec", "/usr/bin/python3", D_PY2, "not-allowlisted", 1000, "bash", 301);
	access_rec(&w, 95, "exec", "/usr/bin/python3", D_PY2, "not-allowlisted", 1000, "bash", 302);
	audit_log_close(w.l);
}

static void gen_db1(const char *dir)
{
	struct wlog w = open_log(dir, 2, "enforce", 8);

	start(&w, 60, "db1");
	lost(&w, 61, 3, "gap");
	access_rec(&w, 62, "exec", "/usr/bin/bash", D_BASH, "allowlisted", 0, "systemd", 400);
	access_rec(&w, 62, "mmap", "/usr/lib/x86_64-linux-gnu/libc.so.6", D_LIBC, "allowlisted", 0,
		   "bash", 400);
	access_rec(&w, 120, "exec", "/tmp/evil", D_EVIL, "not-allowlisted", 1000, "sh", 401);
	access_rec(&w, 180, "exec", "/tmp/evil", D_EVIL, "not-allowlisted", 1000, "sh", 402);
	access_rec(&w, 240, "exec", "/usr/bin/nc", D_NC, "rule-deny", 0, "cron", 403);
	access_rec(&w, 300, "exec", "/usr/bin/weird", NULL, "hash-error", 0, "cron", 404);
	json_t *rl = json_pack("{s:s, s:b, s:s}", "type", "reload", "ok", 1, "rules_sha256",
			       hexof("rules"));
	w.serial = 9;
	append(&w, 500, rl);
	tally.reloads++;
	access_rec(&w, 560, "exec", "/usr/bin/bash", D_BASH, "allowlisted", 0, "cron", 405);
	audit_log_close(w.l);
}

/* Hostile strings everywhere a log carries text, for the escaping tests. */
static void gen_xss(const char *dir)
{
	char path[4096];
	struct wlog w = { .host = 1, .mode = "monitor", .serial = 7 };
	struct tally keep = tally;

	snprintf(path, sizeof(path), "%s/xss.log", dir);
	if (audit_log_open(&w.l, path, NULL))
		die("cannot open '%s'", path);
	start(&w, 0, "<b>evil-host</b>");
	access_rec(&w, 1, "exec", "/tmp/<script>alert(1)</script>&\"'|`*_.sh", D_XSS,
		   "not-allowlisted", 0, "<img src=x onerror=alert(2)>", 1);
	access_rec(&w, 2, "exec", "/tmp/</td></tr></table><svg onload=alert(3)>", D_XSS,
		   "not-allowlisted", 0, "x\"><iframe src=javascript:alert(4)>", 2);
	audit_log_close(w.l);
	tally = keep;
}

/* Edit one byte of line 3 of web2.log into web2-broken.log. */
static void gen_broken(const char *dir)
{
	char in[4096], out[4096], *buf = NULL, *line, *p;
	size_t len = 0;
	FILE *f;

	snprintf(in, sizeof(in), "%s/web2.log", dir);
	snprintf(out, sizeof(out), "%s/web2-broken.log", dir);
	f = fopen(in, "r");
	if (!f)
		die("cannot read '%s'", in);
	buf = malloc(1 << 20);
	len = fread(buf, 1, (1 << 20) - 1, f);
	fclose(f);
	buf[len] = '\0';
	line = strchr(strchr(buf, '\n') + 1, '\n') + 1;
	p = strstr(line, "\"uid\":1000");
	if (!p)
		die("line 3 of '%s' has no uid 1000", in);
	p[9] = '1';
	f = fopen(out, "w");
	if (!f || fwrite(buf, 1, len, f) != len || fclose(f))
		die("cannot write '%s'", out);
	free(buf);
}

static void gen_allowlist(const char *dir)
{
	static const struct {
		const char *name, *path, *source;
	} ents[] = {
		{ "bash 5.2.15", "/usr/bin/bash", "bash 5.2.15-2+b7" },
		{ "libc 2.36", "/usr/lib/x86_64-linux-gnu/libc.so.6", "libc6 2.36-9" },
		{ "python 3.11.2", "/usr/bin/python3", "python3.11 3.11.2-6" },
		{ "never run", "/usr/bin/never", "coreutils 9.1-1" },
	};
	struct allowlist *al = allowlist_new();
	char path[4096];
	FILE *f;

	allowlist_set_serial(al, 7);
	allowlist_set_created(al, "2026-02-28T00:00:00Z");
	for (size_t i = 0; i < sizeof(ents) / sizeof(ents[0]); i++) {
		struct allowlist_entry e = { .path = (char *)ents[i].path,
					     .source = (char *)ents[i].source };

		digest_from_hex(hexof(ents[i].name), SHA256_HEX_LEN, e.digest);
		if (allowlist_add(al, &e))
			die("cannot add '%s'", ents[i].path);
	}
	snprintf(path, sizeof(path), "%s/allowlist.json", dir);
	f = fopen(path, "w");
	if (!f || allowlist_write(al, f) || fclose(f))
		die("cannot write '%s'", path);
	allowlist_free(al);
}

static void gen_expected(const char *dir)
{
	char path[4096], first[40], last[40];
	json_t *e, *he = json_object(), *hd = json_object(), *hl = json_object();

	snprintf(first, sizeof(first), "%s", at(tally.first));
	snprintf(last, sizeof(last), "%s", at(tally.last));
	for (int i = 0; i < 3; i++) {
		json_object_set_new(he, hosts[i], json_integer(tally.host_events[i]));
		json_object_set_new(hd, hosts[i], json_integer(tally.host_denials[i]));
		json_object_set_new(hl, hosts[i], json_integer(tally.host_lost[i]));
	}
	e = json_pack("{s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:s, s:s, s:o, s:o, s:o}",
		      "records", tally.records, "events", tally.events, "denials", tally.denials,
		      "would_deny", tally.would_deny, "repeats", tally.repeats, "lost",
		      tally.lost, "lost_ringbuf", tally.lost_ringbuf, "lost_gap", tally.lost_gap,
		      "hash_errors", tally.hash_errors, "reloads", tally.reloads, "first", first,
		      "last", last, "host_events", he, "host_denials", hd, "host_lost", hl);
	snprintf(path, sizeof(path), "%s/expected.json", dir);
	if (!e || json_dump_file(e, path, JSON_INDENT(2) | JSON_SORT_KEYS))
		die("cannot write '%s'", path);
	json_decref(e);
}

/* ---- check ------------------------------------------------------------------------ */

static int failures;

#define CHECK(cond, ...)                                                    \
	do {                                                                \
		if (!(cond)) {                                              \
			fprintf(stderr, "mismatch: " __VA_ARGS__);          \
			fputc('\n', stderr);                                \
			failures++;                                         \
		}                                                           \
	} while (0)

static long long geti(json_t *o, const char *path)
{
	char buf[256], *tok, *save;
	json_t *v = o;

	snprintf(buf, sizeof(buf), "%s", path);
	for (tok = strtok_r(buf, ".", &save); tok && v; tok = strtok_r(NULL, ".", &save))
		v = json_object_get(v, tok);
	if (!json_is_integer(v)) {
		fprintf(stderr, "mismatch: %s is not an integer\n", path);
		failures++;
		return -1;
	}
	return (long long)json_integer_value(v);
}

static void check_int(json_t *rep, const char *path, long long want)
{
	long long got = geti(rep, path);

	CHECK(got == want, "%s: got %lld, want %lld", path, got, want);
}

static void check_strings(json_t *a, const char *what, const char *const *want, size_t n)
{
	CHECK(json_array_size(a) == n, "%s: %zu items, want %zu", what, json_array_size(a), n);
	for (size_t i = 0; i < n && i < json_array_size(a); i++)
		CHECK(json_string_value(json_array_get(a, i)) &&
			      !strcmp(json_string_value(json_array_get(a, i)), want[i]),
		      "%s[%zu]: got '%s', want '%s'", what, i,
		      json_string_value(json_array_get(a, i)) ?: "(not a string)", want[i]);
}

/* The row of array whose key equals val (and, if key2, key2 equals val2). */
static json_t *find(json_t *array, const char *key, const char *val, const char *key2,
		    const char *val2)
{
	size_t i;
	json_t *r;

	json_array_foreach(array, i, r) {
		const char *a = json_string_value(json_object_get(r, key));
		const char *b = key2 ? json_string_value(json_object_get(r, key2)) : NULL;

		if (a && !strcmp(a, val) && (!key2 || (b && !strcmp(b, val2))))
			return r;
	}
	return NULL;
}

static void check(const char *dir, const char *report, bool with_allowlist)
{
	char path[4096];
	json_error_t jerr;
	json_t *exp, *rep, *s, *r, *a;
	static const char *const want_hosts[] = { "db1", "web1", "web2" };
	static const char *const want_modes[] = { "monitor", "enforce" };

	snprintf(path, sizeof(path), "%s/expected.json", dir);
	exp = json_load_file(path, 0, &jerr);
	rep = json_load_file(report, 0, &jerr);
	if (!exp || !rep)
		die("cannot load '%s' or '%s': %s", path, report, jerr.text);
	s = json_object_get(rep, "summary");

	CHECK(!strcmp(json_string_value(json_object_get(rep, "format")) ?: "", "imaguard-report/1"),
	      "format");
	CHECK(json_is_true(json_object_get(s, "chains_ok")), "summary.chains_ok is not true");
	check_int(rep, "summary.logs", 3);
	check_int(rep, "summary.broken_logs", 0);
	check_strings(json_object_get(s, "hosts"), "summary.hosts", want_hosts, 3);
	check_strings(json_object_get(s, "modes"), "summary.modes", want_modes, 2);
	a = json_object_get(s, "allowlist_serials");
	CHECK(json_array_size(a) == 3 && json_integer_value(json_array_get(a, 0)) == 7 &&
		      json_integer_value(json_array_get(a, 1)) == 8 &&
		      json_integer_value(json_array_get(a, 2)) == 9,
	      "summary.allowlist_serials is not [7, 8, 9]");
	check_int(rep, "summary.records", geti(exp, "records"));
	check_int(rep, "summary.events", geti(exp, "events"));
	check_int(rep, "summary.denials", geti(exp, "denials"));
	check_int(rep, "summary.would_deny", geti(exp, "would_deny"));
	check_int(rep, "summary.repeats", geti(exp, "repeats"));
	check_int(rep, "summary.hash_errors", geti(exp, "hash_errors"));
	check_int(rep, "summary.reloads", geti(exp, "reloads"));
	check_int(rep, "summary.lost.events", geti(exp, "lost"));
	check_int(rep, "summary.lost.ringbuf", geti(exp, "lost_ringbuf"));
	check_int(rep, "summary.lost.gap", geti(exp, "lost_gap"));
	CHECK(!strcmp(json_string_value(json_object_get(json_object_get(s, "period"), "first")) ?: "",
		      json_string_value(json_object_get(exp, "first"))),
	      "summary.period.first");
	CHECK(!strcmp(json_string_value(json_object_get(json_object_get(s, "period"), "last")) ?: "",
		      json_string_value(json_object_get(exp, "last"))),
	      "summary.period.last");
	/* bash, libc, python3 twice, server, evil, nc, weird */
	check_int(rep, "summary.executables", 8);

	for (int i = 0; i < 3; i++) {
		char key[64];

		r = find(json_object_get(rep, "hosts"), "host", hosts[i], NULL, NULL);
		CHECK(r, "hosts: no row for %s", hosts[i]);
		if (!r)
			continue;
		snprintf(key, sizeof(key), "host_events.%s", hosts[i]);
		CHECK(geti(r, "events") == geti(exp, key), "hosts.%s.events", hosts[i]);
		snprintf(key, sizeof(key), "host_denials.%s", hosts[i]);
		CHECK(geti(r, "denials") == geti(exp, key), "hosts.%s.denials", hosts[i]);
		snprintf(key, sizeof(key), "host_lost.%s", hosts[i]);
		CHECK(geti(r, "lost_events") == geti(exp, key), "hosts.%s.lost_events", hosts[i]);
	}

	/* executed: bash ran on all three hosts, three times over */
	r = find(json_object_get(rep, "executed"), "path", "/usr/bin/bash", "hook", "exec");
	CHECK(r && geti(r, "count") == 4 && json_array_size(json_object_get(r, "hosts")) == 3 &&
		      json_is_true(json_object_get(r, "allowlisted")) &&
		      !strcmp(json_string_value(json_object_get(r, "digest")) ?: "", D_BASH),
	      "executed: /usr/bin/bash exec is not 4 runs on 3 hosts, allowlisted");
	/* libc: 3 maps plus 10 summarised repeats */
	r = find(json_object_get(rep, "executed"), "path", "/usr/lib/x86_64-linux-gnu/libc.so.6",
		 "hook", "mmap");
	CHECK(r && geti(r, "count") == 13 && json_is_true(json_object_get(r, "allowlisted")) &&
		      !strcmp(json_string_value(json_object_get(r, "digest")) ?: "", D_LIBC),
	      "executed: libc mmap is not 13 runs, allowlisted, with its digest");
	CHECK(!find(json_object_get(rep, "not_allowlisted"), "path",
		    "/usr/lib/x86_64-linux-gnu/libc.so.6", NULL, NULL),
	      "not_allowlisted: libc's summarised repeats are a row of their own");

	/* denials: /tmp/evil twice by uid 1000 with sh on db1 */
	r = find(json_object_get(rep, "denials"), "path", "/tmp/evil", "comm", "sh");
	CHECK(r && geti(r, "count") == 2 && geti(r, "uid") == 1000 && geti(r, "pid") == 402 &&
		      !strcmp(json_string_value(json_object_get(r, "host")) ?: "", "db1") &&
		      !strcmp(json_string_value(json_object_get(r, "reason")) ?: "",
			      "not-allowlisted"),
	      "denials: /tmp/evil row");
	r = find(json_object_get(rep, "denials"), "path", "/usr/bin/weird", NULL, NULL);
	CHECK(r && json_is_null(json_object_get(r, "digest")) &&
		      !strcmp(json_string_value(json_object_get(r, "reason")) ?: "", "hash-error"),
	      "denials: the hash error has no digest");
	check_int(rep, "denials_by_reason.not-allowlisted", 2);
	check_int(rep, "denials_by_reason.rule-deny", 1);
	check_int(rep, "denials_by_reason.hash-error", 1);

	/* not allowlisted, ranked: the server ran most */
	a = json_object_get(rep, "not_allowlisted");
	r = json_array_get(a, 0);
	CHECK(r && !strcmp(json_string_value(json_object_get(r, "path")) ?: "", "/opt/app/server") &&
		      geti(r, "count") == 4 && geti(r, "would_deny") == 4,
	      "not_allowlisted[0] is not /opt/app/server x4");
	r = json_array_get(a, 1);
	CHECK(r && !strcmp(json_string_value(json_object_get(r, "path")) ?: "", "/usr/bin/python3") &&
		      geti(r, "count") == 2,
	      "not_allowlisted[1] is not /usr/bin/python3 x2");
	CHECK(json_array_size(a) == 2, "not_allowlisted has %zu rows, want 2",
	      json_array_size(a));

	/* drift */
	r = find(json_object_get(json_object_get(rep, "drift"), "digest_mismatch"), "path",
		 "/usr/bin/python3", NULL, NULL);
	CHECK(r && json_array_size(json_object_get(r, "variants")) == 2,
	      "drift.digest_mismatch: python3 with 2 variants");
	CHECK(json_array_size(json_object_get(json_object_get(rep, "drift"), "digest_mismatch")) ==
		      1,
	      "drift.digest_mismatch has other rows");
	r = find(json_object_get(json_object_get(rep, "drift"), "partial_presence"), "path",
		 "/opt/app/server", NULL, NULL);
	{
		static const char *const present[] = { "web1" }, *const missing[] = { "db1", "web2" };

		CHECK(r, "drift.partial_presence: no /opt/app/server");
		if (r) {
			check_strings(json_object_get(r, "hosts"), "partial.hosts", present, 1);
			check_strings(json_object_get(r, "missing"), "partial.missing", missing, 2);
		}
	}

	a = json_object_get(json_object_get(rep, "timeline"), "buckets");
	{
		long long ev = 0, dn = 0;
		size_t i;

		json_array_foreach(a, i, r) {
			ev += geti(r, "events");
			dn += geti(r, "denials");
		}
		CHECK(ev == geti(exp, "events") && dn == geti(exp, "denials"),
		      "timeline sums to %lld events, %lld denials", ev, dn);
	}

	if (with_allowlist) {
		a = json_object_get(rep, "never_executed");
		CHECK(json_array_size(a) == 1 &&
			      !strcmp(json_string_value(json_object_get(json_array_get(a, 0), "path")) ?: "",
				      "/usr/bin/never"),
		      "never_executed is not [/usr/bin/never]");
		r = find(json_object_get(rep, "coverage"), "source", "coreutils 9.1-1", NULL, NULL);
		CHECK(r && geti(r, "listed") == 1 && geti(r, "executed") == 0,
		      "coverage: coreutils listed 1, executed 0");
		r = find(json_object_get(rep, "coverage"), "source", "bash 5.2.15-2+b7", NULL, NULL);
		CHECK(r && geti(r, "listed") == 1 && geti(r, "executed") == 1 &&
			      geti(r, "executions") == 4,
		      "coverage: bash listed 1, executed 1, 4 executions");
		r = find(json_object_get(rep, "executed"), "path", "/usr/bin/bash", "hook", "exec");
		CHECK(r && json_is_true(json_object_get(r, "in_allowlist")) &&
			      !strcmp(json_string_value(json_object_get(r, "source")) ?: "",
				      "bash 5.2.15-2+b7"),
		      "executed: bash has its source from the allowlist");
		check_int(rep, "allowlist.serial", 7);
		check_int(rep, "allowlist.entries", 4);
	} else {
		CHECK(json_is_null(json_object_get(rep, "never_executed")),
		      "never_executed without an allowlist is not null");
		CHECK(json_is_null(json_object_get(rep, "allowlist")), "allowlist is not null");
	}
	json_decref(exp);
	json_decref(rep);
	if (failures)
		die("%d mismatches", failures);
	printf("report matches the scenario\n");
}

/* ---- a big monitor log: many records, few distinct binaries ----------------- */

static void big(const char *path, long n)
{
	struct wlog w = { .host = 0, .mode = "monitor", .serial = 1 };
	char p[64];

	if (audit_log_open(&w.l, path, NULL))
		die("cannot open '%s'", path);
	start(&w, 0, "big1");
	for (long i = 0; i < n; i++) {
		snprintf(p, sizeof(p), "/usr/bin/tool%ld", i % 50);
		access_rec(&w, i / 100, "exec", p, hexof(p), i % 50 ? "allowlisted" : "not-allowlisted",
			   0, "sh", (int)(i % 30000));
	}
	audit_log_close(w.l);
}

/*
 * A monitor-mode trail of the accesses read from stdin, one per line:
 * "<hook> <reason> <digest hex> <path>", one second apart: the real
 * digests of real files, for tests that match a trail against a list.
 */
static void trail(const char *path, const char *host)
{
	struct wlog w = { .host = 0, .mode = "monitor", .serial = 1 };
	char line[8192], hook[16], reason[32], digest[65];
	long s = 1;
	int off;

	if (audit_log_open(&w.l, path, NULL))
		die("cannot open '%s'", path);
	start(&w, 0, host);
	while (fgets(line, sizeof(line), stdin)) {
		line[strcspn(line, "\n")] = '\0';
		if (sscanf(line, "%15s %31s %64s %n", hook, reason, digest, &off) != 3 || !line[off])
			die("bad trail line '%s'", line);
		access_rec(&w, s++, hook, line + off, digest, reason, 0, "sh", 500);
	}
	audit_log_close(w.l);
}

static int maxrss(char **cmd)
{
	struct rusage ru;
	int status;
	pid_t pid = fork();

	if (pid < 0)
		die("cannot fork");
	if (!pid) {
		execvp(cmd[0], cmd);
		_exit(127);
	}
	if (wait4(pid, &status, 0, &ru) != pid)
		die("cannot wait");
	fprintf(stderr, "maxrss %ld\n", ru.ru_maxrss);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

int main(int argc, char **argv)
{
	if (argc > 2 && !strcmp(argv[1], "maxrss"))
		return maxrss(argv + 2);
	if (argc == 3 && !strcmp(argv[1], "gen")) {
		gen_web1(argv[2]);
		gen_web2(argv[2]);
		gen_db1(argv[2]);
		gen_expected(argv[2]);
		gen_xss(argv[2]);
		gen_broken(argv[2]);
		gen_allowlist(argv[2]);
		return 0;
	}
	if ((argc == 4 || argc == 5) && !strcmp(argv[1], "check")) {
		check(argv[2], argv[3], argc == 5 && !strcmp(argv[4], "--with-allowlist"));
		return 0;
	}
	if (argc == 4 && !strcmp(argv[1], "trail")) {
		trail(argv[2], argv[3]);
		return 0;
	}
	if (argc == 4 && !strcmp(argv[1], "big")) {
		big(argv[2], atol(argv[3]));
		return 0;
	}
	fprintf(stderr, "usage: mkauditlog gen DIR | check DIR REPORT.json [--with-allowlist] | "
			"big FILE N | trail FILE HOST | maxrss CMD...\n");
	return 2;
}
