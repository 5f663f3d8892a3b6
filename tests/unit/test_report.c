// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <zlib.h>

#include "audit/audit.h"
#include "util/digest.h"
#include "report/report.h"
#include "util/rfc3339.h"
#include "tmpdir.h"

struct fx {
	char dir[TMPDIR_MAX];
	char log[PATH_MAX];
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (!f || tmpdir_make(f->dir, "report"))
		return -1;
	tmpdir_join(f->log, sizeof(f->log), f->dir, "a.log");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	if (tmpdir_remove(f->dir))
		return -1;
	free(f);
	return 0;
}

static char *render(const json_t *doc, int (*fn)(const json_t *, FILE *))
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	assert_non_null(m);
	assert_int_equal(fn(doc, m), 0);
	fclose(m);
	return buf;
}

static char *escaped(void (*fn)(FILE *, const char *), const char *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	fn(m, s);
	fclose(m);
	return buf;
}

#define DIG_A "sha256:2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae"
#define DIG_B "sha256:fcde2b2edba56bf408601fb721fe9b5c338d10ee429ea04fae5511b68fbf8fb9"

static void append(struct audit_log *l, const char *fmt, ...)
{
	json_error_t err;
	va_list ap;
	json_t *rec;

	va_start(ap, fmt);
	rec = json_vpack_ex(&err, 0, fmt, ap);
	va_end(ap);
	assert_non_null(rec);
	assert_int_equal(audit_log_append(l, rec), 0);
	json_decref(rec);
}

static void access_rec(struct audit_log *l, const char *time, const char *mode, const char *path,
		       const char *digest, const char *reason, bool deny)
{
	append(l, "{s:s, s:s, s:s, s:s, s:b, s:s, s:s, s:i, s:i, s:s, s:s, s:s}", "type", "access",
	       "time", time, "hook", "exec", "decision", deny ? "deny" : "allow", "would_deny",
	       !deny && strcmp(reason, "allowlisted") && !strcmp(mode, "monitor"), "reason",
	       reason, "mode", mode, "pid", 42, "uid", 1000, "comm", "<b>sh</b>", "path", path,
	       "digest", digest);
}

/* Two hosts in one log (a rotated host name), a denial, a lost record. */
static void write_small(const char *path)
{
	struct audit_log *l;

	assert_int_equal(audit_log_open(&l, path, NULL), 0);
	append(l, "{s:s, s:s, s:s, s:s}", "type", "start", "time", "2026-01-01T00:00:00.000000000Z",
	       "host", "alpha", "mode", "monitor");
	access_rec(l, "2026-01-01T00:00:01.500000000Z", "monitor", "/bin/a", DIG_A, "allowlisted",
		   false);
	access_rec(l, "2026-01-01T00:00:02.000000000Z", "monitor", "/tmp/<x>&\"y\"", DIG_B,
		   "not-allowlisted", false);
	append(l, "{s:s, s:s, s:i, s:s}", "type", "lost", "time", "2026-01-01T00:00:03.000000000Z",
	       "count", 7, "cause", "ringbuf");
	append(l, "{s:s, s:s, s:s, s:s}", "type", "start", "time", "2026-01-01T01:00:00.000000000Z",
	       "host", "beta", "mode", "enforce");
	access_rec(l, "2026-01-01T01:00:01.000000000Z", "enforce", "/tmp/<x>&\"y\"", DIG_B,
		   "not-allowlisted", true);
	access_rec(l, "2026-01-01T01:00:02.000000000Z", "enforce", "/bin/a", DIG_A, "allowlisted",
		   false);
	audit_log_close(l);
}

/* Write the lines of buf to path with seq and prev chained afresh, as a
 * writer of those lines would have. */
static void spit_chain(const char *path, char *buf)
{
	char prev[SHA256_HEX_LEN + 1], line[4096], *nl, *q;
	uint8_t d[SHA256_LEN];
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	memset(prev, '0', SHA256_HEX_LEN);
	prev[SHA256_HEX_LEN] = '\0';
	for (char *p = buf; (nl = strchr(p, '\n')); p = nl + 1) {
		size_t n = nl - p;

		assert_true(n < sizeof(line));
		memcpy(line, p, n);
		line[n] = '\0';
		q = strstr(line, "\"prev\":\"");
		assert_non_null(q);
		memcpy(q + 8, prev, SHA256_HEX_LEN);
		fprintf(fp, "%s\n", line);
		sha256_buf(line, n, d);
		digest_to_hex(d, prev);
	}
	fclose(fp);
}

static json_t *build(const char *const *logs, size_t n, bool *chains_ok)
{
	struct report_opts o = { .now = "2026-02-01T00:00:00Z" };
	struct report *r = report_new(&o);
	json_t *doc;

	assert_non_null(r);
	for (size_t i = 0; i < n; i++)
		report_add_log(r, logs[i]);
	*chains_ok = report_chains_ok(r);
	assert_int_equal(report_build(r, &doc), 0);
	report_free(r);
	return doc;
}

static json_int_t ival(json_t *o, const char *a, const char *b)
{
	json_t *v = json_object_get(o, a);

	return json_integer_value(b ? json_object_get(v, b) : v);
}

static void test_report_time(void **state)
{
	int64_t ns;
	char buf[RFC3339_NS_BUF];

	(void)state;
	assert_int_equal(rfc3339_parse_ns("2026-11-22T23:59:59.123456789Z", &ns), 0);
	rfc3339_format_ns(ns, buf);
	assert_string_equal(buf, "2026-11-22T23:59:59.123456789Z");
	assert_int_equal(rfc3339_parse_ns("1970-01-01T00:00:01.5Z", &ns), 0);
	assert_int_equal(ns, 1500000000);
	assert_int_equal(rfc3339_parse_ns("1970-01-01T00:00:01Z", &ns), 0);
	assert_int_equal(ns, 1000000000);
	assert_int_equal(rfc3339_parse_ns("1970-01-01T00:00:01.Z", &ns), -EINVAL);
	assert_int_equal(rfc3339_parse_ns("1970-01-01T00:00:01.1234567890Z", &ns), -EINVAL);
	assert_int_equal(rfc3339_parse_ns("1970-01-01T00:00:01+01:00", &ns), -EINVAL);
	assert_int_equal(rfc3339_parse_ns("1970-01-01 00:00:01Z", &ns), -EINVAL);
	assert_int_equal(rfc3339_parse_ns(NULL, &ns), -EINVAL);
}

static void test_report_escape(void **state)
{
	char *s;

	(void)state;
	s = escaped(report_html_escape, "<script>a&b\"c'd</script>");
	assert_string_equal(s, "&lt;script&gt;a&amp;b&quot;c&#39;d&lt;/script&gt;");
	free(s);
	s = escaped(report_md_escape, "a|b\n<c>*d*`e`");
	assert_string_equal(s, "a\\|b &lt;c&gt;\\*d\\*\\`e\\`");
	free(s);
}

static void test_report_small(void **state)
{
	struct fx *f = *state;
	const char *logs[] = { f->log };
	bool ok;
	json_t *doc, *s, *na;
	char *md, *html;

	write_small(f->log);
	doc = build(logs, 1, &ok);
	assert_true(ok);
	s = json_object_get(doc, "summary");
	assert_string_equal(json_string_value(json_object_get(doc, "format")), REPORT_FORMAT);
	assert_true(json_is_true(json_object_get(s, "chains_ok")));
	assert_int_equal(ival(s, "events", NULL), 4);
	assert_int_equal(ival(s, "denials", NULL), 1);
	assert_int_equal(ival(s, "would_deny", NULL), 1);
	assert_int_equal(ival(s, "lost", "events"), 7);
	assert_int_equal(json_array_size(json_object_get(s, "hosts")), 2);
	assert_string_equal(json_string_value(json_object_get(json_object_get(s, "period"), "first")),
			    "2026-01-01T00:00:00.000000000Z");
	/* the denied run does not count as having run */
	na = json_object_get(doc, "not_allowlisted");
	assert_int_equal(json_array_size(na), 1);
	assert_int_equal(ival(json_array_get(na, 0), "count", NULL), 1);
	assert_int_equal(json_array_size(json_object_get(doc, "denials")), 1);
	assert_string_equal(json_string_value(json_object_get(
				    json_array_get(json_object_get(doc, "denials"), 0), "host")),
			    "beta");

	md = render(doc, report_write_markdown);
	assert_non_null(strstr(md, "## Denials"));
	assert_non_null(strstr(md, "/tmp/&lt;x&gt;&amp;\"y\""));
	assert_null(strstr(md, "<x>"));
	html = render(doc, report_write_html);
	assert_non_null(strstr(html, "/tmp/&lt;x&gt;&amp;&quot;y&quot;"));
	assert_non_null(strstr(html, "&lt;b&gt;sh&lt;/b&gt;"));
	assert_null(strstr(html, "<x>"));
	assert_null(strstr(html, "<b>sh"));
	/* self-contained: nothing to fetch */
	assert_null(strstr(html, " src="));
	assert_null(strstr(html, "href=\"http"));
	free(md);
	free(html);
	json_decref(doc);
}

static int count_ran(const struct report_ran *ran, void *ctx)
{
	json_t *o = ctx;

	return json_object_set_new(o, ran->path, json_integer((json_int_t)ran->count));
}

/*
 * A log of one format: a library first logged as allowlisted, its repeats
 * in two summaries, and a file that was not hashed. Format 1 (a start
 * record without "format") wrote summary digests in bare hex, "" for none;
 * format 2 writes "sha256:<hex>", null for none.
 */
static void write_summaries(const char *path, int format)
{
	struct audit_log *l;
	json_t *none = format == 1 ? json_string("") : json_null();
	const char *libc = format == 1 ? DIG_A + 7 : DIG_A;

	assert_int_equal(audit_log_open(&l, path, NULL), 0);
	if (format == 1)
		append(l, "{s:s, s:s, s:s, s:s}", "type", "start", "time",
		       "2026-01-01T00:00:00.000000000Z", "host", "alpha", "mode", "monitor");
	else
		append(l, "{s:s, s:s, s:i, s:s, s:s}", "type", "start", "time",
		       "2026-01-01T00:00:00.000000000Z", "format", format, "host", "alpha", "mode",
		       "monitor");
	access_rec(l, "2026-01-01T00:00:01.000000000Z", "monitor", "/lib/libc.so.6", DIG_A,
		   "allowlisted", false);
	/* 7 + 3 repeats of libc, 4 unhashed */
	append(l, "{s:s, s:s, s:n, s:n, s:i, s:[{s:s, s:s, s:s, s:i}, {s:s, s:s, s:O, s:i}]}",
	       "type", "summary", "time", "2026-01-01T00:01:00.000000000Z", "allowlist_serial",
	       "allowlist_sha256", "period_s", 60, "repeats", "hook", "exec", "path",
	       "/lib/libc.so.6", "digest", libc, "count", 7, "hook", "exec", "path",
	       "/bin/unhashed", "digest", none, "count", 4);
	append(l, "{s:s, s:s, s:i, s:[{s:s, s:s, s:s, s:i}]}", "type", "summary", "time",
	       "2026-01-01T00:02:00.000000000Z", "period_s", 60, "repeats", "hook", "exec", "path",
	       "/lib/libc.so.6", "digest", libc, "count", 3);
	audit_log_close(l);
	json_decref(none);
}

/*
 * Summaries as the daemon writes them, in either format: the repeats of a
 * library first logged as allowlisted fold into its one row, and propose's
 * walk counts every sighting. A log whose summaries mix the two forms, or
 * of a format this build does not know, is refused, not misread.
 */
static void test_report_summary_digest(void **state)
{
	struct fx *f = *state;
	const char *logs[] = { f->log };
	struct report_opts o = { .now = "2026-02-01T00:00:00Z" };
	struct report *r;
	json_t *doc, *ex, *row, *ran;
	bool ok;
	char *buf, *p;
	FILE *fp;

	for (int format = 1; format <= AUDIT_FORMAT; format++) {
		write_summaries(f->log, format);
		doc = build(logs, 1, &ok);
		assert_true(ok);
		assert_int_equal(ival(json_object_get(doc, "summary"), "repeats", NULL), 14);
		ex = json_object_get(doc, "executed");
		assert_int_equal(json_array_size(ex), 2);
		row = json_array_get(ex, 0);
		assert_string_equal(json_string_value(json_object_get(row, "path")), "/bin/unhashed");
		assert_true(json_is_null(json_object_get(row, "digest")));
		row = json_array_get(ex, 1);
		assert_string_equal(json_string_value(json_object_get(row, "path")), "/lib/libc.so.6");
		assert_string_equal(json_string_value(json_object_get(row, "digest")), DIG_A + 7);
		assert_true(json_is_true(json_object_get(row, "allowlisted")));
		assert_int_equal(ival(row, "count", NULL), 11);
		/* only the unhashed file ran unlisted */
		assert_int_equal(json_array_size(json_object_get(doc, "not_allowlisted")), 1);
		json_decref(doc);

		/* propose's walk: libc once, with all 11 sightings; no digest, no entry */
		r = report_new(&o);
		assert_non_null(r);
		assert_int_equal(report_add_log(r, f->log), 0);
		ran = json_object();
		assert_int_equal(report_foreach_ran(r, count_ran, ran), 0);
		assert_int_equal(json_object_size(ran), 1);
		assert_int_equal(json_integer_value(json_object_get(ran, "/lib/libc.so.6")), 11);
		json_decref(ran);
		report_free(r);
		unlink(f->log);
	}

	/* format 2's start record over format 1's summaries: the third line
	 * mixes the forms, and the log is refused */
	write_summaries(f->log, 1);
	fp = fopen(f->log, "r");
	assert_non_null(fp);
	buf = calloc(1, 4096);
	assert_non_null(buf);
	assert_true(fread(buf, 1, 4095, fp) > 0);
	fclose(fp);
	p = strstr(buf, "\"host\"");
	assert_non_null(p);
	memmove(p + 11, p, strlen(p) + 1);
	memcpy(p, "\"format\":2,", 11);
	spit_chain(f->log, buf);
	r = report_new(&o);
	assert_non_null(r);
	assert_int_equal(report_add_log(r, f->log), -EBADMSG);
	assert_int_equal(report_build(r, &doc), 0);
	assert_false(report_chains_ok(r));
	report_free(r);
	json_decref(doc);
	unlink(f->log);

	/* a newer format than this build reads */
	buf[0] = '\0';
	write_summaries(f->log, 2);
	fp = fopen(f->log, "r");
	assert_non_null(fp);
	assert_true(fread(buf, 1, 4095, fp) > 0);
	fclose(fp);
	p = strstr(buf, "\"format\":2");
	assert_non_null(p);
	p[9] = '9';
	spit_chain(f->log, buf);
	r = report_new(&o);
	assert_non_null(r);
	assert_int_equal(report_add_log(r, f->log), -EBADMSG);
	report_free(r);
	free(buf);
}

/* KEY=VALUE from tests/data/auditlog/scenario.env into buf. */
static const char *scenario(const char *key, char *buf, size_t size)
{
	const char *td = getenv("TESTDATA");
	char path[PATH_MAX], line[512];
	size_t n = strlen(key);
	FILE *fp;

	snprintf(path, sizeof(path), "%s/auditlog/scenario.env", td ? td : "tests/data");
	fp = fopen(path, "r");
	if (!fp)
		fail_msg("cannot read '%s'", path);
	buf[0] = '\0';
	while (fgets(line, sizeof(line), fp))
		if (!strncmp(line, key, n) && line[n] == '=') {
			line[strcspn(line, "\n")] = '\0';
			snprintf(buf, size, "%s", line + n + 1);
		}
	fclose(fp);
	if (!buf[0])
		fail_msg("'%s' has no %s", path, key);
	return buf;
}

/*
 * The log the daemon wrote in the guest in monitor mode
 * (tests/data/auditlog/, t_auditlog_capture.sh): the listed libc copy it
 * mapped MON_LIB_RUNS times, once as an access record and the rest as
 * summary repeats, is one row with every run, and propose's walk sees it
 * once with the same count.
 */
static void test_report_daemon_log(void **state)
{
	const char *td = getenv("TESTDATA");
	struct report_opts o = { .now = "2026-12-07T00:00:00Z" };
	char log[PATH_MAX], libc[256], dig[80], runs[16];
	const char *logs[] = { log };
	json_t *doc, *ex, *row, *ran;
	struct report *r;
	size_t i, found = 0;
	bool ok;

	(void)state;
	snprintf(log, sizeof(log), "%s/auditlog/monitor.log", td ? td : "tests/data");
	scenario("LIBC_PATH", libc, sizeof(libc));
	scenario("LIBC_DIGEST", dig, sizeof(dig));
	scenario("MON_LIB_RUNS", runs, sizeof(runs));
	doc = build(logs, 1, &ok);
	assert_true(ok);
	ex = json_object_get(doc, "executed");
	json_array_foreach(ex, i, row) {
		if (strcmp(json_string_value(json_object_get(row, "path")), libc))
			continue;
		found++;
		assert_string_equal(json_string_value(json_object_get(row, "digest")), dig);
		assert_string_equal(json_string_value(json_object_get(row, "hook")), "mmap");
		assert_int_equal(ival(row, "count", NULL), atoi(runs));
	}
	assert_int_equal(found, 1);
	json_array_foreach(json_object_get(doc, "not_allowlisted"), i, row)
		assert_string_not_equal(json_string_value(json_object_get(row, "path")), libc);
	json_decref(doc);

	r = report_new(&o);
	assert_non_null(r);
	assert_int_equal(report_add_log(r, log), 0);
	ran = json_object();
	assert_int_equal(report_foreach_ran(r, count_ran, ran), 0);
	assert_int_equal(json_integer_value(json_object_get(ran, libc)), atoi(runs));
	json_decref(ran);
	report_free(r);
}

/* One byte changed: the report says so, and still reads the records. */
static void test_report_broken_chain(void **state)
{
	struct fx *f = *state;
	const char *logs[] = { f->log };
	char *buf, *p;
	FILE *fp;
	long len;
	bool ok;
	json_t *doc, *l;

	write_small(f->log);
	fp = fopen(f->log, "r+");
	assert_non_null(fp);
	fseek(fp, 0, SEEK_END);
	len = ftell(fp);
	rewind(fp);
	buf = calloc(1, (size_t)len + 1);
	assert_int_equal(fread(buf, 1, (size_t)len, fp), (size_t)len);
	p = strstr(buf, "\"count\":7");
	assert_non_null(p);
	p[8] = '9';
	rewind(fp);
	fwrite(buf, 1, (size_t)len, fp);
	fclose(fp);
	free(buf);

	doc = build(logs, 1, &ok);
	assert_false(ok);
	assert_false(json_is_true(json_object_get(json_object_get(doc, "summary"), "chains_ok")));
	assert_int_equal(ival(json_object_get(doc, "summary"), "broken_logs", NULL), 1);
	l = json_array_get(json_object_get(doc, "logs"), 0);
	assert_string_equal(json_string_value(json_object_get(l, "chain")), "broken");
	assert_true(ival(l, "bad_line", NULL) > 0);
	assert_int_equal(ival(json_object_get(doc, "summary"), "lost", "events"), 9);
	json_decref(doc);
}

/* A gzip log reads like the plain one and its chain verifies. */
static void test_report_gzip(void **state)
{
	struct fx *f = *state;
	char gzpath[PATH_MAX], buf[4096];
	const char *logs[] = { gzpath };
	FILE *in;
	gzFile out;
	size_t n;
	bool ok;
	json_t *doc;

	write_small(f->log);
	tmpdir_join(gzpath, sizeof(gzpath), f->dir, "a.log.gz");
	in = fopen(f->log, "r");
	out = gzopen(gzpath, "wb");
	assert_non_null(in);
	assert_non_null(out);
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		assert_int_equal(gzwrite(out, buf, (unsigned)n), (int)n);
	fclose(in);
	gzclose(out);
	doc = build(logs, 1, &ok);
	assert_true(ok);
	assert_true(json_is_true(
		json_object_get(json_array_get(json_object_get(doc, "logs"), 0), "compressed")));
	assert_int_equal(ival(json_object_get(doc, "summary"), "events", NULL), 4);
	json_decref(doc);
}

/* Garbage, an overlong line and a missing file do not stop the report. */
static void test_report_hostile_input(void **state)
{
	struct fx *f = *state;
	char missing[PATH_MAX];
	const char *logs[] = { f->log, missing };
	FILE *fp = fopen(f->log, "w");
	bool ok;
	json_t *doc, *l;

	assert_non_null(fp);
	fputs("not json\n{\"type\":\"access\",\"path\":7,\"digest\":\"sha256:zz\"}\n[1]\n", fp);
	for (int i = 0; i < 70000; i++)
		fputc('x', fp);
	fputs("\n{\"type\":\"lost\",\"count\":-5}\n", fp);
	fclose(fp);
	tmpdir_join(missing, sizeof(missing), f->dir, "missing.log");
	doc = build(logs, 2, &ok);
	assert_false(ok);
	l = json_array_get(json_object_get(doc, "logs"), 0);
	assert_string_equal(json_string_value(json_object_get(l, "chain")), "broken");
	assert_int_equal(ival(l, "unparsed_lines", NULL), 3);
	assert_int_equal(ival(json_object_get(doc, "summary"), "lost", "events"), 0);
	l = json_array_get(json_object_get(doc, "logs"), 1);
	assert_string_equal(json_string_value(json_object_get(l, "chain")), "unreadable");
	json_decref(doc);
}

/* A rotated log and its successor: each verifies alone, and given together
 * the report names the link between them. */
static void test_report_rotated(void **state)
{
	struct fx *f = *state;
	char next[PATH_MAX], last[SHA256_HEX_LEN + 1];
	const char *both[] = { next, f->log }, *alone[] = { next };
	struct audit_log_opts o = { 0 };
	struct audit_log *l;
	bool ok;
	json_t *doc, *lg;

	write_small(f->log);
	assert_int_equal(audit_log_open(&l, f->log, NULL), 0);
	snprintf(last, sizeof(last), "%s", audit_log_last_hash(l));
	audit_log_close(l);
	tmpdir_join(next, sizeof(next), f->dir, "b.log");
	o.prev_hash = last;
	assert_int_equal(audit_log_open(&l, next, &o), 0);
	append(l, "{s:s, s:s, s:s, s:s, s:s}", "type", "start", "time",
	       "2026-01-02T00:00:00.000000000Z", "host", "alpha", "mode", "monitor", "prev_file",
	       "a.log");
	access_rec(l, "2026-01-02T00:00:01.000000000Z", "monitor", "/bin/a", DIG_A, "allowlisted",
		   false);
	audit_log_close(l);

	doc = build(alone, 1, &ok);
	assert_true(ok);
	lg = json_array_get(json_object_get(doc, "logs"), 0);
	assert_string_equal(json_string_value(json_object_get(lg, "continues")), "a.log");
	assert_true(json_is_null(json_object_get(lg, "chained_from")));
	json_decref(doc);

	doc = build(both, 2, &ok);
	assert_true(ok);
	lg = json_array_get(json_object_get(doc, "logs"), 0);
	assert_string_equal(json_string_value(json_object_get(lg, "chained_from")), f->log);
	assert_int_equal(ival(json_object_get(doc, "summary"), "events", NULL), 5);
	json_decref(doc);
}

/* A log cut in two as copytruncate rotation leaves it, with no prev_file:
 * the later part is intact only with the earlier one given, in either order. */
static void test_report_copytruncate(void **state)
{
	struct fx *f = *state;
	char old[PATH_MAX], cmd[3 * PATH_MAX + 64];
	const char *newest_first[] = { f->log, old }, *alone[] = { f->log };
	bool ok;
	json_t *doc, *lg;

	write_small(f->log);
	tmpdir_join(old, sizeof(old), f->dir, "a.log.1");
	snprintf(cmd, sizeof(cmd), "head -n 3 '%s' >'%s' && sed -i 1,3d '%s'", f->log, old,
		 f->log);
	assert_int_equal(system(cmd), 0);

	doc = build(alone, 1, &ok);
	assert_false(ok);
	lg = json_array_get(json_object_get(doc, "logs"), 0);
	assert_string_equal(json_string_value(json_object_get(lg, "chain")), "broken");
	assert_int_equal(ival(lg, "bad_line", NULL), 1);
	assert_true(json_is_null(json_object_get(lg, "chained_from")));
	json_decref(doc);

	doc = build(newest_first, 2, &ok);
	assert_true(ok);
	lg = json_array_get(json_object_get(doc, "logs"), 0);
	assert_string_equal(json_string_value(json_object_get(lg, "chain")), "intact");
	assert_string_equal(json_string_value(json_object_get(lg, "chained_from")), old);
	assert_int_equal(ival(json_object_get(doc, "summary"), "events", NULL), 4);
	json_decref(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_report_time),
		cmocka_unit_test(test_report_escape),
		cmocka_unit_test_setup_teardown(test_report_small, setup, teardown),
		cmocka_unit_test_setup_teardown(test_report_summary_digest, setup, teardown),
		cmocka_unit_test(test_report_daemon_log),
		cmocka_unit_test_setup_teardown(test_report_broken_chain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_report_gzip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_report_hostile_input, setup, teardown),
		cmocka_unit_test_setup_teardown(test_report_rotated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_report_copytruncate, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
