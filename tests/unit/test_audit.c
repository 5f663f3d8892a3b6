// SPDX-License-Identifier: GPL-2.0-only
/*
 * The audit trail's writer and verifier against each other, and the
 * verifier against each kind of damage. Where a damaged log breaks:
 * an edit that keeps line k valid JSON shows at line k+1 (its prev no longer
 * matches); an edit that breaks line k's JSON, or touches its seq or prev,
 * shows at line k itself; a removed or swapped line shows where the seq
 * jumps.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <zlib.h>

#include "audit/audit.h"
#include "util/digest.h"
#include "randstr.h"
#include "tmpdir.h"

#define ZEROS "0000000000000000000000000000000000000000000000000000000000000000"
#define TIME "2026-03-01T10:00:00.000000001Z"

struct fx {
	char dir[TMPDIR_MAX];
	char log[PATH_MAX];
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	if (tmpdir_make(f->dir, "audit"))
		return -1;
	tmpdir_join(f->log, sizeof(f->log), f->dir, "audit.log");
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

/* n access-like records, numbered in "i" */
static void write_log(const char *path, int n)
{
	struct audit_log *l;

	assert_int_equal(audit_log_open(&l, path, NULL), 0);
	for (int i = 0; i < n; i++) {
		json_t *r = json_pack("{s:s, s:i, s:s, s:b}", "type", "access", "i", i, "path",
				      "/usr/bin/true", "would_deny", 0);

		assert_int_equal(audit_log_append(l, r), 0);
		json_decref(r);
	}
	audit_log_close(l);
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc(n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	if (len)
		*len = n;
	return buf;
}

/* Two files hold the same bytes. */
static void assert_same_bytes(const char *path, const char *ref)
{
	size_t alen, blen;
	char *a = slurp(path, &alen), *b = slurp(ref, &blen);

	assert_int_equal(alen, blen);
	assert_memory_equal(a, b, alen);
	free(a);
	free(b);
}

static void spit(const char *path, const char *buf, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, len, f), len);
	fclose(f);
}

/* Offset of line k (1-based) in buf. */
static char *line_at(char *buf, int k)
{
	char *p = buf;

	while (--k > 0) {
		p = strchr(p, '\n');
		assert_non_null(p);
		p++;
	}
	return p;
}

static size_t line_len(const char *p)
{
	return strchr(p, '\n') - p + 1;
}

static json_t *parse_line(const char *buf, int k)
{
	char *copy = strdup(buf);
	char *p = line_at(copy, k);
	json_t *j = json_loadb(p, line_len(p) - 1, 0, NULL);

	free(copy);
	assert_non_null(j);
	return j;
}

static void expect_bad(const char *path, uint64_t line, const char *why)
{
	struct audit_verify_result res;

	assert_int_equal(audit_verify_file(path, NULL, &res), -EBADMSG);
	if (res.bad_line != line || !strstr(res.why, why))
		fail_msg("bad line %llu '%s', want %llu '%s'", (unsigned long long)res.bad_line,
			 res.why, (unsigned long long)line, why);
}

static void test_audit_write_verify_intact(void **state)
{
	struct fx *f = *state;
	struct audit_verify_result res;
	struct audit_log *l;
	char *buf;
	json_t *j;

	write_log(f->log, 100);
	assert_int_equal(audit_verify_file(f->log, NULL, &res), 0);
	assert_int_equal(res.lines, 100);
	assert_int_equal(res.bad_line, 0);
	buf = slurp(f->log, NULL);
	for (int k = 1; k <= 100; k++) {
		j = parse_line(buf, k);
		assert_int_equal(json_integer_value(json_object_get(j, "seq")), k);
		assert_int_equal(json_integer_value(json_object_get(j, "i")), k - 1);
		json_decref(j);
	}
	free(buf);
	/* the verifier's last hash is the writer's, read back on reopen */
	assert_int_equal(audit_log_open(&l, f->log, NULL), 0);
	assert_string_equal(audit_log_last_hash(l), res.last_hash);
	assert_int_equal(audit_log_last_seq(l), 100);
	audit_log_close(l);
}

static void test_audit_first_line(void **state)
{
	struct fx *f = *state;
	char *buf;
	json_t *j;

	write_log(f->log, 1);
	buf = slurp(f->log, NULL);
	j = parse_line(buf, 1);
	assert_int_equal(json_integer_value(json_object_get(j, "seq")), 1);
	assert_string_equal(json_string_value(json_object_get(j, "prev")), ZEROS);
	json_decref(j);
	free(buf);
}

static void test_audit_continue_after_reopen(void **state)
{
	struct fx *f = *state;
	struct audit_verify_result res;
	uint8_t d[SHA256_LEN];
	char hex[SHA256_HEX_LEN + 1];
	char *buf, *p;
	json_t *j;

	write_log(f->log, 3);
	write_log(f->log, 2);
	assert_int_equal(audit_verify_file(f->log, NULL, &res), 0);
	assert_int_equal(res.lines, 5);
	buf = slurp(f->log, NULL);
	j = parse_line(buf, 4);
	assert_int_equal(json_integer_value(json_object_get(j, "seq")), 4);
	p = line_at(buf, 3);
	sha256_buf(p, line_len(p) - 1, d);
	digest_to_hex(d, hex);
	assert_string_equal(json_string_value(json_object_get(j, "prev")), hex);
	json_decref(j);
	free(buf);
}

static void test_audit_edit_byte(void **state)
{
	struct fx *f = *state;
	size_t len;
	char *buf, *p;

	write_log(f->log, 10);
	buf = slurp(f->log, &len);
	/* /usr/bin/true -> /usr/bin/trUe: still JSON, so the next line tells */
	p = strstr(line_at(buf, 4), "true");
	p[2] = 'U';
	spit(f->log, buf, len);
	expect_bad(f->log, 5, "edited or reordered: prev does not match line 4");
	/* a byte that breaks the JSON shows on the line itself */
	line_at(buf, 4)[0] = 'x';
	spit(f->log, buf, len);
	expect_bad(f->log, 4, "not JSON: ");
	free(buf);
}

static void test_audit_edit_seq_or_prev(void **state)
{
	struct fx *f = *state;
	size_t len;
	char *buf, *p;

	write_log(f->log, 10);
	buf = slurp(f->log, &len);
	p = strstr(line_at(buf, 6), "\"seq\":6");
	p[6] = '9';
	spit(f->log, buf, len);
	expect_bad(f->log, 6, "line removed or reordered: seq 9 after 5");
	p[6] = '6';
	p = strstr(line_at(buf, 6), "\"prev\":\"") + 8;
	p[0] = p[0] == 'a' ? 'b' : 'a';
	spit(f->log, buf, len);
	expect_bad(f->log, 6, "edited or reordered: prev does not match line 5");
	free(buf);
}

static void test_audit_delete_line(void **state)
{
	struct fx *f = *state;
	size_t len, ll;
	char *buf, *p;

	write_log(f->log, 10);
	buf = slurp(f->log, &len);
	p = line_at(buf, 3);
	ll = line_len(p);
	memmove(p, p + ll, len - (p - buf) - ll);
	spit(f->log, buf, len - ll);
	expect_bad(f->log, 3, "line removed or reordered: seq 4 after 2");
	free(buf);
}

static void test_audit_delete_first_line(void **state)
{
	struct fx *f = *state;
	size_t len, ll;
	char *buf;

	write_log(f->log, 4);
	buf = slurp(f->log, &len);
	ll = line_len(buf);
	spit(f->log, buf + ll, len - ll);
	expect_bad(f->log, 1, "log does not start at seq 1 but 2");
	free(buf);
}

static void test_audit_swap_lines(void **state)
{
	struct fx *f = *state;
	size_t len, a, b;
	char *buf, *p, *tmp;

	write_log(f->log, 10);
	buf = slurp(f->log, &len);
	p = line_at(buf, 7);
	a = line_len(p);
	b = line_len(p + a);
	tmp = malloc(a + b);
	memcpy(tmp, p + a, b);
	memcpy(tmp + b, p, a);
	memcpy(p, tmp, a + b);
	spit(f->log, buf, len);
	expect_bad(f->log, 7, "line removed or reordered: seq 8 after 6");
	free(tmp);
	free(buf);
}

static void test_audit_truncated(void **state)
{
	struct fx *f = *state;
	struct audit_log *l;
	size_t len;
	char *buf;

	write_log(f->log, 5);
	buf = slurp(f->log, &len);
	spit(f->log, buf, len - 10);
	expect_bad(f->log, 5, "truncated mid-line");
	/* a writer never extends a torn line */
	assert_int_equal(audit_log_open(&l, f->log, NULL), -EBADMSG);
	assert_null(l);
	/* only the newline missing is still a cut line */
	spit(f->log, buf, len - 1);
	expect_bad(f->log, 5, "truncated mid-line");
	assert_int_equal(audit_log_open(&l, f->log, NULL), -EBADMSG);
	free(buf);
}

static void test_audit_empty_file(void **state)
{
	struct fx *f = *state;
	struct audit_verify_result res;
	char *buf;
	json_t *j;

	spit(f->log, "", 0);
	assert_int_equal(audit_verify_file(f->log, NULL, &res), 0);
	assert_int_equal(res.lines, 0);
	assert_string_equal(res.last_hash, "");
	write_log(f->log, 2);
	buf = slurp(f->log, NULL);
	j = parse_line(buf, 1);
	assert_int_equal(json_integer_value(json_object_get(j, "seq")), 1);
	assert_string_equal(json_string_value(json_object_get(j, "prev")), ZEROS);
	json_decref(j);
	free(buf);
	assert_int_equal(audit_verify_file(f->log, NULL, &res), 0);
}

static void test_audit_no_trailing_newline_refused(void **state)
{
	struct fx *f = *state;
	struct audit_log *l = NULL;
	size_t len;
	char *buf;

	spit(f->log, "{\"type\":\"stop\"}", 15);
	assert_int_equal(audit_log_open(&l, f->log, NULL), -EBADMSG);
	assert_null(l);
	buf = slurp(f->log, &len);
	assert_int_equal(len, 15);	/* untouched */
	free(buf);
	/* a last line that is not a record is not extended either */
	spit(f->log, "hello\n", 6);
	assert_int_equal(audit_log_open(&l, f->log, NULL), -EBADMSG);
}

static void test_audit_key_order(void **state)
{
	struct fx *f = *state;
	struct audit_log *l;
	json_t *r;
	char *buf;

	assert_int_equal(audit_log_open(&l, f->log, NULL), 0);
	/* rec's own order, type anywhere, seq and prev from rec ignored */
	r = json_pack("{s:i, s:i, s:i, s:s, s:s, s:s}", "zeta", 1, "alpha", 2, "seq", 99,
		      "prev", "x", "type", "access", "allowlist_sha256", "ab");
	assert_int_equal(audit_log_append(l, r), 0);
	json_decref(r);
	audit_log_close(l);
	buf = slurp(f->log, NULL);
	assert_memory_equal(buf, "{\"type\":\"access\",\"time\":\"", 25);
	assert_non_null(strstr(buf, "Z\",\"seq\":1,\"prev\":\"" ZEROS
				    "\",\"zeta\":1,\"alpha\":2,\"allowlist_sha256\":\"ab\"}\n"));
	free(buf);
}

static void test_audit_time(void **state)
{
	struct fx *f = *state;
	struct audit_log *l;
	const char *t;
	json_t *r, *j;
	char *buf;

	assert_int_equal(audit_log_open(&l, f->log, NULL), 0);
	r = json_pack("{s:s, s:s}", "type", "start", "time", "2026-03-01T10:00:00.000000001Z");
	assert_int_equal(audit_log_append(l, r), 0);
	json_decref(r);
	r = json_pack("{s:s}", "type", "stop");
	assert_int_equal(audit_log_append(l, r), 0);
	/* a time that is not a string is the caller's mistake, not written */
	json_object_set_new(r, "time", json_integer(5));
	assert_int_equal(audit_log_append(l, r), -EINVAL);
	json_decref(r);
	audit_log_close(l);
	buf = slurp(f->log, NULL);
	j = parse_line(buf, 1);
	assert_string_equal(json_string_value(json_object_get(j, "time")),
			    "2026-03-01T10:00:00.000000001Z");
	json_decref(j);
	j = parse_line(buf, 2);
	t = json_string_value(json_object_get(j, "time"));
	/* now, as RFC 3339 UTC with nanoseconds */
	assert_int_equal(strlen(t), 30);
	assert_true(t[4] == '-' && t[10] == 'T' && t[19] == '.' && t[29] == 'Z');
	assert_true(t[0] == '2');
	json_decref(j);
	free(buf);
}

static void test_audit_values_round_trip(void **state)
{
	struct fx *f = *state;
	struct audit_log *l;
	json_t *r, *j;
	char *buf;

	assert_int_equal(audit_log_open(&l, f->log, NULL), 0);
	r = json_pack("{s:s, s:s, s:I, s:I, s:f, s:n, s:b, s:[i, s, {s:i}], s:{s:i}}", "type",
		      "summary", "path", "/tmp/a \"q\" \\ \n\t\x01\x1f é 日本 😀", "big",
		      (json_int_t)INT64_MAX, "neg", (json_int_t)INT64_MIN, "real", 0.5, "none",
		      "yes", 1, "list", 1, "two", "k", 3, "obj", "x", 4);
	assert_non_null(r);
	assert_int_equal(audit_log_append(l, r), 0);
	audit_log_close(l);
	buf = slurp(f->log, NULL);
	j = parse_line(buf, 1);
	/* everything but the writer's own keys comes back equal */
	json_object_del(j, "time");
	json_object_del(j, "seq");
	json_object_del(j, "prev");
	assert_true(json_equal(j, r));
	json_decref(j);
	json_decref(r);
	free(buf);
}

static void test_audit_bad_records(void **state)
{
	struct fx *f = *state;
	struct audit_verify_result res;
	struct audit_log *l;
	size_t len;
	char *big, *buf;
	json_t *r;

	assert_int_equal(audit_log_open(&l, f->log, NULL), 0);
	r = json_pack("{s:i}", "type", 1);
	assert_int_equal(audit_log_append(l, r), -EINVAL);
	json_decref(r);
	r = json_array();
	assert_int_equal(audit_log_append(l, r), -EINVAL);
	json_decref(r);
	/* a string jansson did not check must not make the line unreadable */
	r = json_pack("{s:s}", "type", "access");
	json_object_set_new_nocheck(r, "path", json_string_nocheck("bad \xff byte"));
	assert_int_equal(audit_log_append(l, r), -EINVAL);
	/* over the line limit: refused whole, nothing written */
	big = malloc(AUDIT_LINE_MAX);
	memset(big, 'a', AUDIT_LINE_MAX - 1);
	big[AUDIT_LINE_MAX - 1] = '\0';
	json_object_set_new(r, "path", json_string(big));
	assert_int_equal(audit_log_append(l, r), -EMSGSIZE);
	/* the longest that fits, newline included */
	json_object_set_new(r, "time", json_string("2026-03-01T10:00:00.000000001Z"));
	len = AUDIT_LINE_MAX - 1 - strlen("{\"type\":\"access\",\"time\":\"2026-03-01T10:00:00."
					   "000000001Z\",\"seq\":1,\"prev\":\"" ZEROS
					   "\",\"path\":\"\"}");
	big[len] = '\0';
	json_object_set_new(r, "path", json_string(big));
	assert_int_equal(audit_log_append(l, r), 0);
	assert_int_equal(audit_log_last_seq(l), 1);
	json_decref(r);
	free(big);
	audit_log_close(l);
	buf = slurp(f->log, &len);
	assert_int_equal(len, AUDIT_LINE_MAX);
	free(buf);
	assert_int_equal(audit_verify_file(f->log, NULL, &res), 0);
	assert_int_equal(res.lines, 1);
}

static void test_audit_verify_messages(void **state)
{
	static const struct {
		const char *text, *why;
		uint64_t line;
	} cases[] = {
		{ "[1]\n", "not a JSON object", 1 },
		{ "\n", "not JSON: ", 1 },
		{ "{\"type\":\"a\",\"time\":\"t\",\"prev\":\"" ZEROS "\"}\n", "missing key 'seq'", 1 },
		{ "{\"time\":\"t\",\"seq\":1,\"prev\":\"" ZEROS "\"}\n", "missing key 'type'", 1 },
		{ "{\"type\":\"a\",\"seq\":1,\"prev\":\"" ZEROS "\"}\n", "missing key 'time'", 1 },
		{ "{\"type\":\"a\",\"time\":\"t\",\"seq\":1}\n", "missing key 'prev'", 1 },
		{ "{\"type\":\"a\",\"time\":\"t\",\"seq\":\"1\",\"prev\":\"" ZEROS "\"}\n",
		  "key 'seq' is not a positive integer", 1 },
		{ "{\"type\":\"a\",\"time\":\"t\",\"seq\":0,\"prev\":\"" ZEROS "\"}\n",
		  "key 'seq' is not a positive integer", 1 },
		{ "{\"type\":\"a\",\"time\":\"t\",\"seq\":1,\"prev\":\"AB\"}\n",
		  "key 'prev' is not 64 lowercase hex digits", 1 },
		{ "{\"type\":\"a\",\"time\":\"t\",\"seq\":1,\"seq\":1,\"prev\":\"" ZEROS "\"}\n",
		  "not JSON: duplicate", 1 },
		{ "{\"type\":\"a\",\"time\":\"t\",\"seq\":1,\"prev\":\"" ZEROS "\"} x\n",
		  "not JSON: ", 1 },
		{ "{\"type\":\"a\",\"time\":\"t\",\"seq\":1,\"prev\":\"1" ZEROS "\"}\n",
		  "key 'prev' is not 64", 1 },
	};
	struct fx *f = *state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		spit(f->log, cases[i].text, strlen(cases[i].text));
		expect_bad(f->log, cases[i].line, cases[i].why);
	}
}

static void test_audit_long_line(void **state)
{
	struct fx *f = *state;
	size_t n = AUDIT_LINE_MAX + 10;
	char *buf = malloc(n);

	memset(buf, ' ', n);
	buf[n - 1] = '\n';
	spit(f->log, buf, n);
	expect_bad(f->log, 1, "line longer than");
	/* and without a newline at all, still bounded */
	spit(f->log, buf, n - 1);
	expect_bad(f->log, 1, "line longer than");
	free(buf);
}

static void test_audit_prev_hash(void **state)
{
	struct fx *f = *state;
	struct audit_verify_result res;
	struct audit_log_opts o = { 0 };
	struct audit_log *l;
	char first[SHA256_HEX_LEN + 1], old[PATH_MAX];
	char up[SHA256_HEX_LEN + 1];

	/* a rotated log, then its successor chained from its last hash */
	tmpdir_join(old, sizeof(old), f->dir, "audit.log.1");
	write_log(old, 3);
	assert_int_equal(audit_verify_file(old, NULL, &res), 0);
	strcpy(first, res.last_hash);
	o.prev_hash = first;
	assert_int_equal(audit_log_open(&l, f->log, &o), 0);
	assert_string_equal(audit_log_last_hash(l), first);
	assert_int_equal(audit_log_last_seq(l), 0);
	audit_log_close(l);
	assert_int_equal(audit_log_open(&l, f->log, &o), 0);
	{
		json_t *r = json_pack("{s:s}", "type", "start");

		assert_int_equal(audit_log_append(l, r), 0);
		json_decref(r);
	}
	audit_log_close(l);
	write_log(f->log, 2);
	expect_bad(f->log, 1, "first line's prev is not 64 zeros");
	assert_int_equal(audit_verify_file(f->log, first, &res), 0);
	assert_int_equal(res.lines, 3);
	/* either case of hex is the same hash */
	for (int i = 0; i <= SHA256_HEX_LEN; i++)
		up[i] = first[i] >= 'a' ? first[i] - 32 : first[i];
	assert_int_equal(audit_verify_file(f->log, up, &res), 0);
	assert_int_equal(audit_verify_file(f->log, ZEROS, &res), -EBADMSG);
	assert_int_equal(res.bad_line, 1);
	assert_string_equal(res.why, "prev does not match the given starting hash");
	assert_int_equal(audit_verify_file(f->log, "abc", &res), -EINVAL);
	o.prev_hash = "xyz";
	assert_int_equal(audit_log_open(&l, f->log, &o), -EINVAL);
}

static void gzip_file(const char *from, const char *to)
{
	size_t len;
	char *buf = slurp(from, &len);
	gzFile gz = gzopen(to, "wb");

	assert_non_null(gz);
	assert_int_equal(gzwrite(gz, buf, len), (int)len);
	assert_int_equal(gzclose(gz), Z_OK);
	free(buf);
}

static void test_audit_gz(void **state)
{
	struct fx *f = *state;
	struct audit_verify_result res;
	char gz[PATH_MAX];
	size_t len;
	char *buf;

	tmpdir_join(gz, sizeof(gz), f->dir, "audit.log.gz");
	write_log(f->log, 2000);
	gzip_file(f->log, gz);
	assert_int_equal(audit_verify_file(gz, NULL, &res), 0);
	assert_int_equal(res.lines, 2000);
	/* a cut compressed stream is damage, not a short intact log ... */
	buf = slurp(gz, &len);
	spit(gz, buf, len / 2);
	assert_int_equal(audit_verify_file(gz, NULL, &res), -EBADMSG);
	assert_true(res.bad_line > 1 && res.bad_line < 2000);
	/* ... even when only the trailer is lost and every line came through */
	spit(gz, buf, len - 4);
	expect_bad(gz, 2001, "compressed log cut short after line 2000");
	free(buf);
	/* damage inside the compressed log is found as in plain text */
	buf = slurp(f->log, &len);
	line_at(buf, 1500)[0] = 'x';
	spit(f->log, buf, len);
	gzip_file(f->log, gz);
	expect_bad(gz, 1500, "not JSON");
	free(buf);
}

/* verify_pipe PATH N: PATH's bytes through a pipe, which the verifier cannot
 * peek at: N lines and intact, gzip or not. */
static void verify_pipe(const char *path, uint64_t n)
{
	struct audit_verify_result res;
	size_t len;
	char *buf = slurp(path, &len);
	int p[2], status;
	pid_t pid;

	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		close(p[0]);
		_exit(write(p[1], buf, len) == (ssize_t)len ? 0 : 1);
	}
	close(p[1]);
	assert_int_equal(audit_verify_fd(p[0], NULL, &res), 0);
	assert_int_equal(res.lines, n);
	close(p[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	free(buf);
}

/* A plain log is read without zlib where it can be peeked at, and through
 * it from a pipe; either way, many reads' worth of lines come out whole. */
static void test_audit_verify_pipe(void **state)
{
	struct fx *f = *state;
	char gz[PATH_MAX];

	tmpdir_join(gz, sizeof(gz), f->dir, "audit.log.gz");
	write_log(f->log, 2000);
	gzip_file(f->log, gz);
	verify_pipe(f->log, 2000);
	verify_pipe(gz, 2000);
}

static void test_audit_verify_fd_and_errors(void **state)
{
	struct fx *f = *state;
	struct audit_verify_result res;
	int fd;

	write_log(f->log, 4);
	fd = open(f->log, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(audit_verify_fd(fd, NULL, &res), 0);
	assert_int_equal(res.lines, 4);
	/* the caller's descriptor stays open */
	assert_int_equal(close(fd), 0);
	assert_int_equal(audit_verify_file("/nonexistent/x", NULL, &res), -ENOENT);
	assert_int_equal(audit_verify_file(f->dir, NULL, &res), -EISDIR);
}

static void test_audit_second_writer_refused(void **state)
{
	struct fx *f = *state;
	struct audit_log *a, *b = NULL;

	assert_int_equal(audit_log_open(&a, f->log, NULL), 0);
	assert_int_equal(audit_log_open(&b, f->log, NULL), -EBUSY);
	assert_null(b);
	audit_log_close(a);
	assert_int_equal(audit_log_open(&b, f->log, NULL), 0);
	audit_log_close(b);
}

static void test_audit_mode_0640(void **state)
{
	struct fx *f = *state;
	mode_t old = umask(0);
	struct stat st;

	write_log(f->log, 1);
	umask(old);
	assert_int_equal(stat(f->log, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);
}

static void test_audit_stdout(void **state)
{
	struct fx *f = *state;
	struct audit_log *l;
	int saved, fd;
	json_t *r;

	/* an existing log on stdout is not read back: "-" starts a chain */
	write_log(f->log, 3);
	fd = open(f->log, O_WRONLY | O_APPEND);
	saved = dup(STDOUT_FILENO);
	assert_true(fd >= 0 && saved >= 0);
	fflush(stdout);
	assert_int_equal(dup2(fd, STDOUT_FILENO), STDOUT_FILENO);
	assert_int_equal(audit_log_open(&l, "-", NULL), 0);
	assert_int_equal(audit_log_last_seq(l), 0);
	r = json_pack("{s:s}", "type", "start");
	assert_int_equal(audit_log_append(l, r), 0);
	assert_int_equal(audit_log_sync(l), 0);
	json_decref(r);
	audit_log_close(l);
	assert_int_equal(dup2(saved, STDOUT_FILENO), STDOUT_FILENO);
	close(saved);
	close(fd);
	/* seq 1 after seq 3: the fresh chain shows where it began */
	expect_bad(f->log, 4, "seq 1 after 3");
}

/* Chain lines "{type,time,seq,prev,<body>}" by hand, as any writer would;
 * type and time "access" and TIME where type or time is NULL. */
static void chain_tt(const char *path, const char *const *type, const char *const *time,
		     const char *const *body, size_t n)
{
	char prev[SHA256_HEX_LEN + 1] = ZEROS, line[1024];
	uint8_t d[SHA256_LEN];
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	for (size_t i = 0; i < n; i++) {
		int len = snprintf(line, sizeof(line),
				   "{\"type\":\"%s\",\"time\":\"%s\",\"seq\":%zu,"
				   "\"prev\":\"%s\"%s%s}",
				   type ? type[i] : "access", time ? time[i] : TIME, i + 1, prev,
				   body[i][0] ? "," : "", body[i]);

		fprintf(f, "%s\n", line);
		sha256_buf(line, len, d);
		digest_to_hex(d, prev);
	}
	fclose(f);
}

static void chain(const char *path, const char *const *body, size_t n)
{
	chain_tt(path, NULL, NULL, body, n);
}

/* Every form a value may take, whether the verifier's own scanner or
 * jansson reads it: the chain holds, and what is not JSON is named so. */
static void test_audit_verify_value_forms(void **state)
{
	static const char *const good[] = {
		"\"a\":\"x\\\"y\\\\z\\/\\b\\f\\n\\r\\t\",\"b\":-0,\"c\":true,\"d\":false,\"e\":null",
		"\"u\":\"\xc3\xa9\xe6\x97\xa5\xf0\x9f\x98\x80\",\"n\":-123456789012345678",
		"\"big\":1234567890123456789,\"r\":1.5e3,\"s\":-2E-2",
		"\"esc\":\"\\u00e9\\ud83d\\ude00\",\"nest\":{\"a\":[1,{}]}",
		" \"sp\" : \"x\" \t",
		"\"\":1",
	};
	static const struct {
		const char *body, *why;
	} bad_forms[] = {
		{ "\"lead\":01", "not JSON: " },
		{ "\"x\":1,", "not JSON: " },
		{ "\"x\":tru", "not JSON: " },
		{ "\"x\":\"\x01\"", "not JSON: " },
		{ "\"x\":\"\xc0\x80\"", "not JSON: " },
		{ "\"x\":\"\\ud800\"", "not JSON: " },
		{ "\"x\":1e999", "not JSON: " },
		{ "\"x\":99999999999999999999", "not JSON: " },
		{ "\"x\":1,\"x\":2", "not JSON: duplicate" },
		{ "\"seq\":2", "not JSON: duplicate" },
		{ "\"t\\u0079pe\":1", "not JSON: duplicate" },
	};
	struct fx *f = *state;
	struct audit_verify_result res;
	const char *body[sizeof(good) / sizeof(good[0]) + 1];
	size_t n = sizeof(good) / sizeof(good[0]);

	chain(f->log, good, n);
	assert_int_equal(audit_verify_file(f->log, NULL, &res), 0);
	assert_int_equal(res.lines, n);
	memcpy(body, good, sizeof(good));
	for (size_t i = 0; i < sizeof(bad_forms) / sizeof(bad_forms[0]); i++) {
		body[n] = bad_forms[i].body;
		chain(f->log, body, n + 1);
		expect_bad(f->log, n + 1, bad_forms[i].why);
	}
}

#define HEX "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
#define REP(d) "\"repeats\":[{\"hook\":\"mmap\",\"path\":\"/l\",\"digest\":" d ",\"count\":3}]"

/* One log of lines whose types and bodies are given: intact, or bad at
 * line bad_line with why. */
static void forms_case(const char *path, const char *const *type, const char *const *body,
		       size_t n, uint64_t bad_line, const char *why)
{
	struct audit_verify_result res;
	const char *time[8];

	assert_true(n <= 8);
	for (size_t i = 0; i < n; i++)
		time[i] = TIME;
	chain_tt(path, type, time, body, n);
	if (!bad_line) {
		int err = audit_verify_file(path, NULL, &res);

		if (err)
			fail_msg("'%s' (line %zu): %s", body[n - 1], n, res.why);
	} else {
		expect_bad(path, bad_line, why);
	}
}

/* Each format's digest forms (docs/audit-format.md, "Format versions"):
 * format 1 (a start record without "format") has bare hex or "" in its
 * summaries, format 2 sha256:<hex> or null; access records always have
 * sha256:<hex> or null. A log may hold both formats, each after its start
 * record; a mixed or unknown form is named. */
static void test_audit_verify_formats(void **state)
{
	static const char *const t3[] = { "start", "access", "summary" };
	static const char *const t5[] = { "start", "summary", "start", "summary", "access" };
	static const char *const t2[] = { "summary", "summary" };
	static const char *const t1[] = { "start" };
	static const char *const t2s[] = { "summary", "start" };
	struct fx *f = *state;
	const char *v1[] = { "\"version\":\"0.9\"", "\"digest\":\"sha256:" HEX "\"",
			     REP("\"" HEX "\"") };
	const char *v2[] = { "\"format\":2", "\"digest\":null", REP("\"sha256:" HEX "\"") };
	const char *both[] = { "", REP("\"" HEX "\"") ",\"x\":1", "\"format\":2",
			       REP("\"sha256:" HEX "\""), "\"digest\":\"sha256:" HEX "\"" };

	forms_case(f->log, t3, v1, 3, 0, NULL);
	forms_case(f->log, t3, v2, 3, 0, NULL);
	forms_case(f->log, t5, both, 5, 0, NULL);
	/* "" in format 1, null in format 2: no digest */
	v1[2] = REP("\"\"");
	forms_case(f->log, t3, v1, 3, 0, NULL);
	v2[2] = REP("null");
	forms_case(f->log, t3, v2, 3, 0, NULL);
	/* mixed: each format's summary in the other's form */
	v1[2] = REP("\"sha256:" HEX "\"");
	forms_case(f->log, t3, v1, 3, 3, "summary digest 1 is sha256:<hex> where format 1 writes "
		   "bare hex: mixed digest forms");
	v2[2] = REP("\"" HEX "\"");
	forms_case(f->log, t3, v2, 3, 3, "summary digest 1 is bare hex where format 2 writes "
		   "sha256:<hex>");
	v2[2] = REP("\"\"");
	forms_case(f->log, t3, v2, 3, 3, "\"\" is not how format 2 writes no digest");
	v1[2] = REP("null");
	forms_case(f->log, t3, v1, 3, 3, "null is not how format 1 writes no digest");
	/* neither form, in either record */
	v2[2] = REP("\"sha256:" HEX "0\"");
	forms_case(f->log, t3, v2, 3, 3, "summary digest 1 is not a SHA-256 digest");
	v2[2] = REP("\"SHA256:" HEX "\"");
	forms_case(f->log, t3, v2, 3, 3, "summary digest 1 is not a SHA-256 digest");
	v2[2] = REP("7");
	forms_case(f->log, t3, v2, 3, 3, "summary digest 1 is not a SHA-256 digest");
	v2[1] = "\"digest\":\"" HEX "\"";
	forms_case(f->log, t3, v2, 3, 2, "access digest is not sha256:<64 lowercase hex");
	v1[1] = "\"digest\":\"sha256:00112233445566778899AABBCCDDEEFF00112233445566778899aabbccddeeff\"";
	forms_case(f->log, t3, v1, 3, 2, "access digest is not sha256:<64 lowercase hex");
	v1[1] = "\"digest\":[1]";
	forms_case(f->log, t3, v1, 3, 2, "access digest is not a string or null");
	/* no start record (a rotated log's rest): the first form settles it */
	const char *cont[] = { REP("\"" HEX "\""), REP("\"sha256:" HEX "\"") };
	forms_case(f->log, t2, cont, 2, 2, "mixed digest forms");
	cont[1] = REP("\"" HEX "\"");
	forms_case(f->log, t2, cont, 2, 0, NULL);
	/* a format this build does not know, and a format that is not one */
	const char *fmt[] = { "\"format\":3" };
	forms_case(f->log, t1, fmt, 1, 1, "unknown format 3: this build reads formats 1 to 2");
	fmt[0] = "\"format\":\"2\"";
	forms_case(f->log, t1, fmt, 1, 1, "key 'format' is not a positive integer");
	fmt[0] = "\"format\":0,\"nested\":[1]";
	forms_case(f->log, t1, fmt, 1, 1, "key 'format' is not a positive integer");
	/* a start record resets what a summary before it settled */
	const char *reset[] = { REP("\"" HEX "\""), "\"format\":1,\"a\":[]" };
	forms_case(f->log, t2s, reset, 2, 0, NULL);
}

static const char *ecs_str(json_t *d, const char *a, const char *b, const char *c)
{
	json_t *v = json_object_get(json_object_get(d, a), b);

	return json_string_value(c ? json_object_get(v, c) : v);
}

static json_int_t ecs_int(json_t *d, const char *a, const char *b, const char *c)
{
	json_t *v = json_object_get(json_object_get(d, a), b);

	return json_integer_value(c ? json_object_get(v, c) : v);
}

/* The ECS mapping, field by field (docs/audit-format.md, "ECS output"). */
static void test_audit_ecs_mapping(void **state)
{
	struct audit_ecs st;
	json_t *out = json_array(), *rec, *d;

	(void)state;
	audit_ecs_init(&st, "given");
	/* before any start record: the host given */
	rec = json_pack("{s:s, s:s, s:i, s:s, s:s, s:s, s:s, s:b, s:s, s:i, s:i, s:i, s:i, s:s,"
			" s:s, s:i, s:s, s:i}",
			"type", "access", "time", TIME, "seq", 7, "prev", ZEROS, "hook", "exec",
			"decision", "deny", "reason", "not-allowlisted", "would_deny", 0, "mode",
			"enforce", "pid", 42, "tid", 43, "ppid", 1, "uid", 1000, "comm", "sh", "path",
			"/tmp/x", "ino", 12, "digest", "sha256:" HEX, "rule", -1);
	assert_int_equal(audit_ecs_map(&st, rec, out), 0);
	json_decref(rec);
	assert_int_equal(json_array_size(out), 1);
	d = json_array_get(out, 0);
	assert_string_equal(json_string_value(json_object_get(d, "@timestamp")), TIME);
	assert_string_equal(ecs_str(d, "ecs", "version", NULL), AUDIT_ECS_VERSION);
	assert_string_equal(ecs_str(d, "event", "kind", NULL), "event");
	assert_string_equal(ecs_str(d, "event", "action", NULL), "exec");
	assert_string_equal(ecs_str(d, "event", "outcome", NULL), "failure");
	assert_string_equal(ecs_str(d, "event", "reason", NULL), "not-allowlisted");
	assert_string_equal(ecs_str(d, "host", "name", NULL), "given");
	assert_int_equal(ecs_int(d, "process", "pid", NULL), 42);
	assert_int_equal(ecs_int(d, "process", "thread", "id"), 43);
	assert_int_equal(ecs_int(d, "process", "parent", "pid"), 1);
	assert_string_equal(ecs_str(d, "process", "name", NULL), "sh");
	assert_string_equal(ecs_str(d, "process", "executable", NULL), "/tmp/x");
	assert_string_equal(ecs_str(d, "user", "id", NULL), "1000");
	assert_string_equal(ecs_str(d, "file", "path", NULL), "/tmp/x");
	assert_string_equal(ecs_str(d, "file", "name", NULL), "x");
	assert_string_equal(ecs_str(d, "file", "hash", "sha256"), HEX);
	assert_string_equal(ecs_str(d, "file", "inode", NULL), "12");
	/* what ECS has no field for, under imaguard, as the trail has it */
	assert_int_equal(ecs_int(d, "imaguard", "seq", NULL), 7);
	assert_int_equal(ecs_int(d, "imaguard", "rule", NULL), -1);
	assert_string_equal(ecs_str(d, "imaguard", "hook", NULL), "exec");
	assert_string_equal(ecs_str(d, "imaguard", "reason", NULL), "not-allowlisted");
	assert_string_equal(ecs_str(d, "imaguard", "mode", NULL), "enforce");
	assert_string_equal(ecs_str(d, "imaguard", "type", NULL), "access");
	assert_true(json_is_false(json_object_get(json_object_get(d, "imaguard"), "would_deny")));
	json_array_clear(out);

	/* a start record names the host from then on */
	rec = json_pack("{s:s, s:s, s:i, s:s, s:s, s:i}", "type", "start", "time", TIME, "seq", 1,
			"host", "web1", "kernel", "6.12", "pid", 99);
	assert_int_equal(audit_ecs_map(&st, rec, out), 0);
	json_decref(rec);
	d = json_array_get(out, 0);
	assert_string_equal(ecs_str(d, "event", "action", NULL), "start");
	assert_string_equal(ecs_str(d, "event", "outcome", NULL), "success");
	assert_string_equal(ecs_str(d, "host", "name", NULL), "web1");
	assert_string_equal(ecs_str(d, "host", "os", "kernel"), "6.12");
	assert_int_equal(ecs_int(d, "process", "pid", NULL), 99);
	json_array_clear(out);

	/* a mapping allowed, with no digest: no file.hash, outcome success */
	rec = json_pack("{s:s, s:s, s:s, s:s, s:s, s:n}", "type", "access", "time", TIME, "hook",
			"mmap", "decision", "allow", "path", "/lib/l.so", "digest");
	assert_int_equal(audit_ecs_map(&st, rec, out), 0);
	json_decref(rec);
	d = json_array_get(out, 0);
	assert_string_equal(ecs_str(d, "event", "outcome", NULL), "success");
	assert_string_equal(ecs_str(d, "host", "name", NULL), "web1");
	assert_null(json_object_get(json_object_get(d, "file"), "hash"));
	assert_null(json_object_get(json_object_get(d, "process"), "executable"));
	json_array_clear(out);

	/* a summary: one metric per repeat, either format's digest */
	rec = json_pack("{s:s, s:s, s:i, s:[{s:s, s:s, s:s, s:i}, {s:s, s:s, s:s, s:i},"
			" {s:s, s:s, s:n, s:i}]}", "type", "summary", "time", TIME, "period_s", 60,
			"repeats", "hook", "mmap", "path", "/a", "digest", "sha256:" HEX, "count", 3,
			"hook", "mmap", "path", "/b", "digest", HEX, "count", 4, "hook", "open",
			"path", "/c", "digest", "count", 5);
	assert_int_equal(audit_ecs_map(&st, rec, out), 0);
	json_decref(rec);
	assert_int_equal(json_array_size(out), 3);
	for (size_t i = 0; i < 3; i++) {
		d = json_array_get(out, i);
		assert_string_equal(ecs_str(d, "event", "kind", NULL), "metric");
		assert_int_equal(ecs_int(d, "imaguard", "count", NULL), 3 + (json_int_t)i);
		assert_int_equal(ecs_int(d, "imaguard", "period_s", NULL), 60);
		if (i < 2)
			assert_string_equal(ecs_str(d, "file", "hash", "sha256"), HEX);
		else
			assert_null(json_object_get(json_object_get(d, "file"), "hash"));
	}
	assert_string_equal(ecs_str(json_array_get(out, 2), "event", "action", NULL), "open");
	json_array_clear(out);

	/* a repeat with neither hook nor count is mapped without them */
	rec = json_pack("{s:s, s:s, s:[{s:s, s:s}]}", "type", "summary", "time", TIME,
			"repeats", "path", "/d", "digest", HEX);
	assert_int_equal(audit_ecs_map(&st, rec, out), 0);
	json_decref(rec);
	assert_int_equal(json_array_size(out), 1);
	d = json_array_get(out, 0);
	assert_string_equal(ecs_str(d, "event", "action", NULL), "repeat");
	assert_string_equal(ecs_str(d, "file", "path", NULL), "/d");
	assert_null(json_object_get(json_object_get(d, "imaguard"), "hook"));
	assert_null(json_object_get(json_object_get(d, "imaguard"), "count"));
	json_array_clear(out);

	/* reload and stop outcomes; lost is a failure to deliver */
	rec = json_pack("{s:s, s:s, s:b, s:s}", "type", "reload", "time", TIME, "ok", 0, "reason",
			"bad signature");
	assert_int_equal(audit_ecs_map(&st, rec, out), 0);
	json_decref(rec);
	rec = json_pack("{s:s, s:s, s:s}", "type", "stop", "time", TIME, "reason", "error");
	assert_int_equal(audit_ecs_map(&st, rec, out), 0);
	json_decref(rec);
	rec = json_pack("{s:s, s:s, s:i, s:s}", "type", "lost", "time", TIME, "count", 5, "cause",
			"ringbuf");
	assert_int_equal(audit_ecs_map(&st, rec, out), 0);
	json_decref(rec);
	assert_string_equal(ecs_str(json_array_get(out, 0), "event", "outcome", NULL), "failure");
	assert_string_equal(ecs_str(json_array_get(out, 0), "imaguard", "reason", NULL),
			    "bad signature");
	assert_string_equal(ecs_str(json_array_get(out, 1), "event", "outcome", NULL), "failure");
	assert_string_equal(ecs_str(json_array_get(out, 2), "event", "action", NULL), "lost");
	assert_int_equal(ecs_int(json_array_get(out, 2), "imaguard", "count", NULL), 5);
	json_array_clear(out);

	/* not a record */
	rec = json_pack("{s:s}", "type", "access");
	assert_int_equal(audit_ecs_map(&st, rec, out), -EINVAL);
	json_decref(rec);
	assert_int_equal(audit_ecs_map(&st, NULL, out), -EINVAL);
	assert_int_equal(json_array_size(out), 0);
	json_decref(out);
}

/* The writer's ECS copy (audit_log_opts.ecs_path) is the mapping of the
 * lines it wrote, line by line, batched or not, and the trail is as it
 * would be without it. */
static void test_audit_ecs_copy(void **state)
{
	struct fx *f = *state;
	char ecs[PATH_MAX + 8], *trail, *copy, *want = NULL, *line, *nl;
	size_t tlen, clen, wlen = 0;
	struct audit_verify_result res;
	struct audit_ecs st;
	FILE *w;

	snprintf(ecs, sizeof(ecs), "%s.ecs", f->log);
	for (int batch = 0; batch < 2; batch++) {
		struct audit_log_opts o = { .batch_bytes = batch ? 4096 : 0, .ecs_path = ecs };
		struct audit_log *l;
		json_t *rec, *docs = json_array(), *d;
		size_t i;

		unlink(f->log);
		unlink(ecs);
		assert_int_equal(audit_log_open(&l, f->log, &o), 0);
		rec = json_pack("{s:s, s:i, s:s}", "type", "start", "format", AUDIT_FORMAT, "host",
				"h1");
		assert_int_equal(audit_log_append(l, rec), 0);
		json_decref(rec);
		rec = json_pack("{s:s, s:s, s:s, s:i, s:s, s:s}", "type", "access", "hook", "exec",
				"decision", "allow", "pid", 5, "path", "/bin/x", "digest",
				"sha256:" HEX);
		assert_int_equal(audit_log_append(l, rec), 0);
		json_decref(rec);
		rec = json_pack("{s:s, s:i, s:[{s:s, s:s, s:s, s:i}, {s:s, s:s, s:n, s:i}]}",
				"type", "summary", "period_s", 60, "repeats", "hook", "mmap", "path",
				"/l", "digest", "sha256:" HEX, "count", 2, "hook", "mmap", "path", "/m",
				"digest", "count", 3);
		assert_int_equal(audit_log_append(l, rec), 0);
		json_decref(rec);
		audit_log_close(l);
		assert_int_equal(audit_verify_file(f->log, NULL, &res), 0);
		assert_int_equal(res.lines, 3);

		/* what the converter makes of the trail */
		trail = slurp(f->log, &tlen);
		w = open_memstream(&want, &wlen);
		assert_non_null(w);
		audit_ecs_init(&st, NULL);
		for (line = trail; (nl = strchr(line, '\n')); line = nl + 1) {
			rec = json_loadb(line, nl - line, 0, NULL);
			assert_int_equal(audit_ecs_map(&st, rec, docs), 0);
			json_decref(rec);
			json_array_foreach(docs, i, d) {
				assert_int_equal(json_dumpf(d, w, JSON_COMPACT), 0);
				fputc('\n', w);
			}
			json_array_clear(docs);
		}
		fclose(w);
		copy = slurp(ecs, &clen);
		assert_int_equal(clen, wlen);
		assert_memory_equal(copy, want, wlen);
		/* 1 start + 1 access + 2 repeats */
		assert_int_equal((size_t)(strchr(copy, '\0') - copy), clen);
		for (i = 0, line = copy; (nl = strchr(line, '\n')); line = nl + 1)
			i++;
		assert_int_equal(i, 4);
		assert_non_null(strstr(copy, "\"host\":{\"name\":\"h1\"}"));
		free(copy);
		free(want);
		want = NULL;
		free(trail);
		json_decref(docs);
	}
	/* an ECS file that cannot be opened: the log is not opened either */
	{
		struct audit_log_opts o = { .ecs_path = "/nonexistent/dir/x.ecs" };
		struct audit_log *l;

		assert_int_equal(audit_log_open(&l, f->log, &o), -ENOENT);
	}
}

/* A record's type is one the trail defines and its time is RFC 3339 UTC
 * with nanoseconds, whether the verifier's own scanner or jansson reads the
 * line (a nested value sends it to jansson); the writer refuses the same. */
static void test_audit_verify_type_time(void **state)
{
	static const char *const types[] = { "start", "access", "summary", "reload", "lost",
					     "stop", "tamper" };
	static const char *const times[] = {
		TIME, "2024-02-29T23:59:59.999999999Z", "2016-12-31T23:59:60.000000000Z",
		"0001-01-01T00:00:00.000000000Z", TIME, TIME, TIME,
	};
	static const struct {
		const char *type, *time, *why;
	} bad_recs[] = {
		{ "acces", TIME, "key 'type' is not a record type: 'acces'" },
		{ "", TIME, "key 'type' is not a record type: ''" },
		{ "ACCESS", TIME, "key 'type' is not a record type: 'ACCESS'" },
		/* the scanner shows the escape, jansson what it decodes to */
		{ "access\\n", TIME, "key 'type' is not a record type: 'access" },
		{ "access", "t", "key 'time' is not an RFC 3339 UTC time with nanoseconds: 't'" },
		{ "access", "2026-03-01T10:00:00Z", "key 'time' is not an RFC 3339" },
		{ "access", "2026-03-01T10:00:00.00000001Z", "key 'time' is not an RFC 3339" },
		{ "access", "2026-03-01T10:00:00.000000001+00:00", "key 'time' is not an RFC 3339" },
		{ "access", "2026-03-01t10:00:00.000000001z", "key 'time' is not an RFC 3339" },
		{ "access", "2026-03-01 10:00:00.000000001Z", "key 'time' is not an RFC 3339" },
		{ "access", "2026-02-29T10:00:00.000000001Z", "key 'time' is not an RFC 3339" },
		{ "access", "2026-13-01T10:00:00.000000001Z", "key 'time' is not an RFC 3339" },
		{ "access", "2026-04-31T10:00:00.000000001Z", "key 'time' is not an RFC 3339" },
		{ "access", "2026-03-01T24:00:00.000000001Z", "key 'time' is not an RFC 3339" },
		{ "access", "2026-03-01T10:60:00.000000001Z", "key 'time' is not an RFC 3339" },
		{ "access", "2026-03-01T10:00:61.000000001Z", "key 'time' is not an RFC 3339" },
		{ "access", "2026-03-01T10:00:00.00000000xZ", "key 'time' is not an RFC 3339" },
		{ "access", "+026-03-01T10:00:00.000000001Z", "key 'time' is not an RFC 3339" },
	};
	const char *flat[] = { "", "", "", "", "", "", "\"x\":1" };
	const char *nested[] = { "", "", "", "", "", "", "\"x\":{}" };
	const char *type[sizeof(types) / sizeof(types[0]) + 1];
	const char *time[sizeof(types) / sizeof(types[0]) + 1];
	size_t n = sizeof(types) / sizeof(types[0]);
	struct fx *f = *state;
	struct audit_verify_result res;
	struct audit_out *o;
	struct audit_log *l;
	json_t *r;

	memcpy(type, types, sizeof(types));
	memcpy(time, times, sizeof(times));
	chain_tt(f->log, type, time, flat, n);
	assert_int_equal(audit_verify_file(f->log, NULL, &res), 0);
	assert_int_equal(res.lines, n);
	for (size_t i = 0; i < sizeof(bad_recs) / sizeof(bad_recs[0]); i++) {
		type[n - 1] = bad_recs[i].type;
		time[n - 1] = bad_recs[i].time;
		chain_tt(f->log, type, time, flat, n);
		expect_bad(f->log, n, bad_recs[i].why);
		chain_tt(f->log, type, time, nested, n);
		expect_bad(f->log, n, bad_recs[i].why);
	}

	/* nothing written: the log stays as it was */
	chain_tt(f->log, types, times, flat, n);
	assert_int_equal(audit_log_open(&l, f->log, NULL), 0);
	r = json_pack("{s:s}", "type", "acces");
	assert_int_equal(audit_log_append(l, r), -EINVAL);
	json_decref(r);
	r = json_pack("{s:s, s:s}", "type", "access", "time", "2026-03-01T10:00:00Z");
	assert_int_equal(audit_log_append(l, r), -EINVAL);
	json_decref(r);
	assert_int_equal(audit_log_begin(l, "access", "2026-03-01T10:00:00.1Z", &o), -EINVAL);
	assert_int_equal(audit_log_begin(l, "Access", NULL, &o), -EINVAL);
	assert_int_equal(audit_log_last_seq(l), n);
	audit_log_close(l);
	assert_int_equal(audit_verify_file(f->log, NULL, &res), 0);
	assert_int_equal(res.lines, n);
}

/* A write cut short (here by the file size limit) leaves a torn line: the
 * log takes nothing more, and a later writer refuses to extend it. */
static void test_audit_torn_write(void **state)
{
	struct fx *f = *state;
	struct rlimit old, lim;
	struct audit_log *l;
	struct stat st;
	json_t *r;

	write_log(f->log, 2);
	assert_int_equal(stat(f->log, &st), 0);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(audit_log_open(&l, f->log, NULL), 0);
	lim = old;
	lim.rlim_cur = st.st_size + 10;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	r = json_pack("{s:s}", "type", "stop");
	assert_int_equal(audit_log_append(l, r), -EFBIG);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	assert_int_equal(audit_log_append(l, r), -EFBIG);
	assert_int_equal(audit_log_last_seq(l), 2);
	json_decref(r);
	audit_log_close(l);
	signal(SIGXFSZ, SIG_DFL);
	expect_bad(f->log, 3, "truncated mid-line");
	assert_int_equal(audit_log_open(&l, f->log, NULL), -EBADMSG);
}

/* ---- batches and self-rendered records ------------------------------------ */

static off_t file_size(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return st.st_size;
}

static void append_n(struct audit_log *l, int from, int n)
{
	for (int i = from; i < from + n; i++) {
		json_t *r = json_pack("{s:s, s:i, s:s}", "type", "access", "i", i, "path",
				      "/usr/lib/x86_64-linux-gnu/libc.so.6");

		assert_int_equal(audit_log_append(l, r), 0);
		json_decref(r);
	}
}

/* A batching log writes nothing until its batch fills or it is flushed,
 * and then only whole lines; the chain is the same as line by line. */
static void test_audit_batch(void **state)
{
	struct fx *f = *state;
	struct audit_log_opts o = { .batch_bytes = 4096 };
	struct audit_verify_result res;
	struct audit_log *l;
	size_t len;
	char *buf;

	assert_int_equal(audit_log_open(&l, f->log, &o), 0);
	append_n(l, 0, 5);
	assert_int_equal(file_size(f->log), 0);
	assert_int_equal(audit_log_last_seq(l), 5);
	assert_int_equal(audit_log_flush(l), 0);
	assert_true(file_size(f->log) > 0);
	append_n(l, 5, 200);	/* several batches go out on their own */
	buf = slurp(f->log, &len);
	assert_true(len > 4096);
	assert_int_equal(buf[len - 1], '\n');
	free(buf);
	assert_int_equal(audit_verify_file(f->log, NULL, &res), 0);
	assert_true(res.lines < 205);
	audit_log_close(l);	/* writes the rest */
	assert_int_equal(audit_verify_file(f->log, NULL, &res), 0);
	assert_int_equal(res.lines, 205);

	/* a batching writer continues a log as any other */
	assert_int_equal(audit_log_open(&l, f->log, &o), 0);
	assert_int_equal(audit_log_last_seq(l), 205);
	append_n(l, 205, 3);
	audit_log_close(l);
	assert_int_equal(audit_verify_file(f->log, NULL, &res), 0);
	assert_int_equal(res.lines, 208);
}

/* A batch refused whole (here by the file size limit) stays, chained, and
 * goes out once writing works again: nothing lost, nothing torn. */
static void test_audit_batch_write_refused(void **state)
{
	struct fx *f = *state;
	struct audit_log_opts o = { .batch_bytes = 4096 };
	struct audit_verify_result res;
	struct rlimit old, lim;
	struct audit_log *l;
	off_t size;

	write_log(f->log, 2);
	size = file_size(f->log);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(audit_log_open(&l, f->log, &o), 0);
	append_n(l, 0, 3);
	lim = old;
	lim.rlim_cur = size;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	assert_int_equal(audit_log_flush(l), -EFBIG);
	assert_int_equal(file_size(f->log), size);
	append_n(l, 3, 2);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	assert_int_equal(audit_log_flush(l), 0);
	audit_log_close(l);
	signal(SIGXFSZ, SIG_DFL);
	assert_int_equal(audit_verify_file(f->log, NULL, &res), 0);
	assert_int_equal(res.lines, 7);
}

/* A batch cut part-way tears only its own last line, at the file's end:
 * the log takes nothing more, and a later writer refuses to extend it. */
static void test_audit_batch_torn(void **state)
{
	struct fx *f = *state;
	struct audit_log_opts o = { .batch_bytes = 4096 };
	struct rlimit old, lim;
	struct audit_log *l;
	json_t *r;

	write_log(f->log, 2);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(audit_log_open(&l, f->log, &o), 0);
	append_n(l, 0, 3);
	lim = old;
	lim.rlim_cur = file_size(f->log) + 10;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	assert_int_equal(audit_log_flush(l), -EFBIG);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	r = json_pack("{s:s}", "type", "stop");
	assert_int_equal(audit_log_append(l, r), -EFBIG);
	assert_int_equal(audit_log_flush(l), -EFBIG);
	json_decref(r);
	audit_log_close(l);
	signal(SIGXFSZ, SIG_DFL);
	expect_bad(f->log, 3, "truncated mid-line");
	assert_int_equal(audit_log_open(&l, f->log, NULL), -EBADMSG);
}

/* begin/end: the caller's members, the writer's chain, the same line as
 * append gives the same record. */
static void test_audit_begin_end(void **state)
{
	struct fx *f = *state;
	char ref[PATH_MAX];
	struct audit_verify_result res;
	struct audit_log *l, *m;
	struct audit_out *o;
	char big[AUDIT_LINE_MAX];
	json_t *r;

	tmpdir_join(ref, sizeof(ref), f->dir, "ref.log");
	assert_int_equal(audit_log_open(&l, f->log, NULL), 0);
	assert_int_equal(audit_log_open(&m, ref, NULL), 0);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(audit_log_begin(l, "access", "2026-01-01T00:00:00.000000001Z", &o),
				 0);
		AUDIT_PUT_LIT(o, ",\"i\":");
		audit_put_int(o, -i);
		AUDIT_PUT_LIT(o, ",\"s\":");
		assert_int_equal(audit_put_str(o, "a\"b\\c\n\x01\xc3\xa9", 9), 0);
		assert_int_equal(audit_log_end(l), 0);
		r = json_pack("{s:s, s:s, s:i, s:s}", "type", "access", "time",
			      "2026-01-01T00:00:00.000000001Z", "i", -i, "s",
			      "a\"b\\c\n\x01\xc3\xa9");
		assert_int_equal(audit_log_append(m, r), 0);
		json_decref(r);
	}
	/* dropped: too long, given up, or a type that is not UTF-8 */
	assert_int_equal(audit_log_begin(l, "access", NULL, &o), 0);
	memset(big, 'x', sizeof(big));
	audit_put(o, big, sizeof(big));
	assert_true(o->over);
	assert_int_equal(audit_log_end(l), -EMSGSIZE);
	assert_int_equal(audit_log_begin(l, "access", NULL, &o), 0);
	AUDIT_PUT_LIT(o, ",\"half");
	audit_log_cancel(l);
	assert_int_equal(audit_log_begin(l, "\xff", NULL, &o), -EINVAL);
	assert_null(o);
	assert_int_equal(audit_log_last_seq(l), 3);
	audit_log_close(l);
	audit_log_close(m);
	assert_int_equal(audit_verify_file(f->log, NULL, &res), 0);
	assert_int_equal(res.lines, 3);
	assert_same_bytes(f->log, ref);
	unlink(ref);
}

/* Numbers as printf spells them: every digit count, each side of a power
 * of ten and of two, both ends of the range, and a cursor without room. */
static void test_audit_put_numbers(void **state)
{
	char buf[48], ref[48];
	struct audit_out o;
	uint64_t p = 1;

	(void)state;
	for (int k = 0; k < 20; k++, p *= 10)
		for (int b = 0; b < 64; b += 7)
			for (int d = -1; d <= 1; d++) {
				uint64_t v[2] = { p + d, ((uint64_t)1 << b) + d };

				for (int i = 0; i < 2; i++) {
					o = (struct audit_out){ buf, buf + sizeof(buf), false };
					audit_put_u64(&o, v[i]);
					*o.p = '\0';
					snprintf(ref, sizeof(ref), "%llu", (unsigned long long)v[i]);
					assert_string_equal(buf, ref);
				}
			}
	o = (struct audit_out){ buf, buf + sizeof(buf), false };
	audit_put_int(&o, INT64_MIN);
	AUDIT_PUT_LIT(&o, " ");
	audit_put_u64(&o, UINT64_MAX);
	*o.p = '\0';
	assert_string_equal(buf, "-9223372036854775808 18446744073709551615");
	o = (struct audit_out){ buf, buf + 3, false };
	audit_put_u64(&o, 1234);
	assert_true(o.over);
	assert_ptr_equal(o.p, buf + 3);
}

/* The trail's string form spelled the plain way, one byte at a time. */
static size_t ref_str(const unsigned char *s, size_t n, char *out)
{
	char *q = out;

	*q++ = '"';
	for (size_t i = 0; i < n; i++) {
		switch (s[i]) {
		case '"': q += sprintf(q, "\\\""); break;
		case '\\': q += sprintf(q, "\\\\"); break;
		case '\n': q += sprintf(q, "\\n"); break;
		case '\t': q += sprintf(q, "\\t"); break;
		case '\r': q += sprintf(q, "\\r"); break;
		default:
			if (s[i] < 0x20)
				q += sprintf(q, "\\u%04x", s[i]);
			else
				*q++ = (char)s[i];
		}
	}
	*q++ = '"';
	return q - out;
}

/*
 * Random strings of every length from 0 to 40, at every offset of a word:
 * the same bytes as the plain byte loop, the UTF-8 verdict jansson gives,
 * and, with too little room, a full cursor and still the same verdict.
 */
static void test_audit_put_str_random(void **state)
{
	unsigned char s[48], *at;
	char buf[48 * 6 + 8], ref[48 * 6 + 8];
	uint64_t seed = 0x853c49e6748fea9bULL;
	struct audit_out o;
	unsigned int invalid = 0, escaped = 0;

	(void)state;
	for (int k = 0; k < 4000; k++) {
		size_t n = k % 41, want;
		json_t *j;
		bool valid;
		int err;

		at = s + k % 8;
		randstr_fill(&seed, at, n, true);
		j = json_stringn((const char *)at, n);
		valid = j != NULL;
		json_decref(j);
		want = ref_str(at, n, ref);
		invalid += !valid;
		escaped += valid && want != n + 2;
		for (size_t room = 0; room <= want + 1; room++) {
			if (valid && room > 0 && room < want && room % 5)
				continue;	/* a few rooms between suffice */
			memset(buf, '#', sizeof(buf));
			o = (struct audit_out){ buf, buf + room, false };
			err = audit_put_str(&o, (const char *)at, n);
			if (!valid) {
				assert_int_equal(err, -EINVAL);
				continue;
			}
			assert_int_equal(err, 0);
			if (room < want) {
				assert_true(o.over);
				assert_ptr_equal(o.p, buf + room);
				continue;
			}
			assert_false(o.over);
			assert_int_equal(o.p - buf, want);
			assert_memory_equal(buf, ref, want);
			assert_int_equal(buf[want], '#');
		}
	}
	/* the generator reached both kinds, often */
	assert_true(invalid > 500 && escaped > 500);
}

/* A time given in nanoseconds is the line a caller's text of it gives;
 * before 1970 too. */
static void test_audit_begin_ns(void **state)
{
	static const struct {
		int64_t ns;
		const char *text;
	} t[] = {
		{ 1772359200000000001LL, TIME },
		{ 1772359200999999999LL, "2026-03-01T10:00:00.999999999Z" },
		{ 1772359201000000000LL, "2026-03-01T10:00:01.000000000Z" },
		{ 0, "1970-01-01T00:00:00.000000000Z" },
		{ -1, "1969-12-31T23:59:59.999999999Z" },
		{ INT64_MAX, "2262-04-11T23:47:16.854775807Z" },
	};
	struct fx *f = *state;
	char ref[PATH_MAX];
	struct audit_log *l, *m;
	struct audit_out *o;

	tmpdir_join(ref, sizeof(ref), f->dir, "ref.log");
	assert_int_equal(audit_log_open(&l, f->log, NULL), 0);
	assert_int_equal(audit_log_open(&m, ref, NULL), 0);
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_int_equal(audit_log_begin_ns(l, "access", t[i].ns, &o), 0);
		AUDIT_PUT_LIT(o, ",\"i\":");
		audit_put_u64(o, i);
		assert_int_equal(audit_log_end(l), 0);
		assert_int_equal(audit_log_begin(m, "access", t[i].text, &o), 0);
		AUDIT_PUT_LIT(o, ",\"i\":");
		audit_put_u64(o, i);
		assert_int_equal(audit_log_end(m), 0);
	}
	assert_int_equal(audit_log_begin_ns(l, "Access", 0, &o), -EINVAL);
	assert_null(o);
	audit_log_close(l);
	audit_log_close(m);
	assert_same_bytes(f->log, ref);
	unlink(ref);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_audit_write_verify_intact, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_first_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_continue_after_reopen, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_edit_byte, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_edit_seq_or_prev, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_delete_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_delete_first_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_swap_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_truncated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_empty_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_no_trailing_newline_refused, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_audit_key_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_time, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_values_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_bad_records, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_verify_messages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_long_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_verify_value_forms, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_verify_type_time, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_verify_formats, setup, teardown),
		cmocka_unit_test(test_audit_ecs_mapping),
		cmocka_unit_test_setup_teardown(test_audit_ecs_copy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_prev_hash, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_gz, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_verify_pipe, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_verify_fd_and_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_second_writer_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_mode_0640, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_stdout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_torn_write, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_batch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_batch_write_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_batch_torn, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_begin_end, setup, teardown),
		cmocka_unit_test(test_audit_put_numbers),
		cmocka_unit_test(test_audit_put_str_random),
		cmocka_unit_test_setup_teardown(test_audit_begin_ns, setup, teardown),
	};

	return cmocka_run_group_tests_name("audit", tests, NULL, NULL);
}
