// SPDX-License-Identifier: GPL-2.0-only
/*
 * The audit verifier on arbitrary bytes (plain or gzip), and the writer on
 * arbitrary records. The verifier must name a line within what it read and
 * say why; a plain log it calls intact has exactly as many lines as newlines.
 * The verifier reads most lines with its own scanner and leaves the rest to
 * jansson; a reference here reads every line with jansson, and the two must
 * name the same first bad line for the same kind of reason. Whatever record
 * the writer accepts must come back as an intact log whose line parses to the
 * same keys and values, and whatever it refuses leaves the log empty. The
 * ECS mapping takes any record and refuses anything else.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "allowlist/allowlist.h"
#include "audit/audit.h"
#include "util/digest.h"
#include "util/rfc3339.h"

#define ZEROS "0000000000000000000000000000000000000000000000000000000000000000"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int memfd_with(const void *data, size_t size)
{
	int fd = memfd_create("fuzz-audit", MFD_CLOEXEC);

	if (fd < 0)
		abort();
	if (size && write(fd, data, size) != (ssize_t)size)
		abort();
	if (lseek(fd, 0, SEEK_SET))
		abort();
	return fd;
}

/* The record types and the time form of docs/audit-format.md, spelt out
 * apart from the verifier's own checks. */
static bool ref_type(json_t *t)
{
	static const char *const known[] = { "start", "access", "summary", "reload", "lost",
					     "tamper", "stop" };

	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (json_string_length(t) == strlen(known[i]) &&
		    !strcmp(json_string_value(t), known[i]))
			return true;
	return false;
}

static bool ref_time(json_t *tm)
{
	const char *s = json_string_value(tm);
	char base[21];
	time_t t;

	if (json_string_length(tm) != 30 || s[10] != 'T' || s[19] != '.' || s[29] != 'Z' ||
	    strspn(s + 20, "0123456789") != 9)
		return false;
	memcpy(base, s, 19);
	strcpy(base + 19, "Z");
	return !rfc3339_parse(base, &t);
}

/* The digest forms of docs/audit-format.md's "Format versions", spelt out
 * apart from the verifier's own checks: 'p' sha256:<hex>, 'b' bare hex,
 * 'n' null, 'e' "", 'x' anything else. */
static char ref_form(json_t *d)
{
	const char *s = json_string_value(d);
	size_t n = json_string_length(d);

	if (json_is_null(d))
		return 'n';
	if (!json_is_string(d))
		return 'x';
	if (!n)
		return 'e';
	if (n == 64 && strspn(s, "0123456789abcdef") == 64)
		return 'b';
	if (n == 71 && !strncmp(s, "sha256:", 7) && strspn(s + 7, "0123456789abcdef") == 64)
		return 'p';
	return 'x';
}

/* format: the last start record's (0 before one); sform: the summary
 * digest form settled while it is 0. */
struct ref_state {
	int format;
	char sform;
};

static bool ref_forms(json_t *j, struct ref_state *st)
{
	const char *type = json_string_value(json_object_get(j, "type"));
	json_t *x, *it;
	size_t i;

	if (!strcmp(type, "start")) {
		x = json_object_get(j, "format");
		if (x && (!json_is_integer(x) || json_integer_value(x) < 1 ||
			  json_integer_value(x) > 2))
			return false;
		st->format = x ? (int)json_integer_value(x) : 1;
		st->sform = 0;
		return true;
	}
	if (!strcmp(type, "access")) {
		x = json_object_get(j, "digest");
		return !x || ref_form(x) == 'n' || ref_form(x) == 'p';
	}
	if (strcmp(type, "summary"))
		return true;
	json_array_foreach(json_object_get(j, "repeats"), i, it) {
		char f;

		x = json_object_get(it, "digest");
		if (!x)
			continue;
		f = ref_form(x);
		if (f == 'x' || (f == 'n' && st->format == 1) || (f == 'e' && st->format == 2))
			return false;
		if (f == 'n' || f == 'e')
			continue;
		if ((st->format == 1 && f != 'b') || (st->format == 2 && f != 'p') ||
		    (!st->format && st->sform && f != st->sform))
			return false;
		st->sform = f;
	}
	return true;
}

static bool ref_line(const char *line, size_t len, uint64_t no, uint64_t *seq, char *prev,
		     bool *json_bad, struct ref_state *st)
{
	uint8_t d[SHA256_LEN];
	json_t *j, *t, *tm, *sq, *pv;
	bool ok;

	j = json_loadb(line, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, NULL);
	if (!json_is_object(j)) {
		*json_bad = true;
		json_decref(j);
		return false;
	}
	t = json_object_get(j, "type");
	tm = json_object_get(j, "time");
	sq = json_object_get(j, "seq");
	pv = json_object_get(j, "prev");
	ok = json_is_string(t) && ref_type(t) && json_is_string(tm) && ref_time(tm) &&
	     json_is_integer(sq) &&
	     json_integer_value(sq) >= 1 && json_is_string(pv) &&
	     json_string_length(pv) == SHA256_HEX_LEN &&
	     strspn(json_string_value(pv), "0123456789abcdef") == SHA256_HEX_LEN;
	if (ok && no == 1)
		ok = json_integer_value(sq) == 1 && !strcmp(json_string_value(pv), ZEROS);
	else if (ok)
		ok = (uint64_t)json_integer_value(sq) == *seq + 1 &&
		     !strcmp(json_string_value(pv), prev);
	ok = ok && ref_forms(j, st);
	if (ok) {
		*seq = json_integer_value(sq);
		sha256_buf(line, len, d);
		digest_to_hex(d, prev);
	}
	json_decref(j);
	return ok;
}

/* The first bad line by jansson alone, 0 when intact. */
static uint64_t ref_verify(const uint8_t *data, size_t size, bool *json_bad)
{
	char prev[SHA256_HEX_LEN + 1] = ZEROS;
	const char *p = (const char *)data, *e = p + size, *nl;
	struct ref_state st = { 0, 0 };
	uint64_t seq = 0, no = 0;

	*json_bad = false;
	for (; p < e; p = nl + 1) {
		no++;
		nl = memchr(p, '\n', e - p);
		if (!nl || nl - p + 1 > AUDIT_LINE_MAX)
			return no;	/* cut short, or too long */
		if (!ref_line(p, nl - p, no, &seq, prev, json_bad, &st))
			return no;
	}
	return 0;
}

static void fuzz_verify(const uint8_t *data, size_t size)
{
	struct audit_verify_result res;
	bool gz = size >= 2 && data[0] == 0x1f && data[1] == 0x8b;
	uint64_t newlines = 0;
	int fd = memfd_with(data, size), err;

	err = audit_verify_fd(fd, NULL, &res);
	close(fd);
	for (size_t i = 0; i < size; i++)
		newlines += data[i] == '\n';
	if (err == 0) {
		if (res.bad_line || res.why[0])
			abort();
		if (!gz && (res.lines != newlines || (size && data[size - 1] != '\n')))
			abort();
		if (res.lines && strlen(res.last_hash) != 64)
			abort();
	} else if (err == -EBADMSG) {
		if (!res.bad_line || !res.why[0] || res.bad_line > res.lines + 1)
			abort();
		if (!gz && res.bad_line > newlines + 1)
			abort();
	} else if (!gz) {
		abort();	/* a memfd is always readable */
	}
	if (!gz) {
		bool json_bad;
		uint64_t want = ref_verify(data, size, &json_bad);

		if (res.bad_line != want)
			abort();
		if (want && json_bad != !strncmp(res.why, "not ", 4))
			abort();
	}
}

static void fuzz_write(const uint8_t *data, size_t size)
{
	struct audit_verify_result res;
	struct audit_log *l;
	json_t *rec, *back;
	char path[64], *line;
	int fd, err, vrc;
	bool json_bad;
	uint64_t want;
	off_t end;

	rec = json_loadb((const char *)data, size, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
	if (!json_is_object(rec))
		goto cleanup;
	if (!json_is_string(json_object_get(rec, "type")))
		json_object_set_new(rec, "type", json_string("access"));
	fd = memfd_with(NULL, 0);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (audit_log_open(&l, path, NULL))
		abort();
	err = audit_log_append(l, rec);
	if (err && err != -EINVAL && err != -EMSGSIZE)
		abort();
	if (!err && audit_log_append(l, rec))
		abort();	/* what went once goes twice */
	audit_log_close(l);
	end = lseek(fd, 0, SEEK_END);
	if (lseek(fd, 0, SEEK_SET))
		abort();
	line = malloc(end + 1);
	if (!line || pread(fd, line, end, 0) != end)
		abort();
	/* The writer takes any digest; the verifier holds it to its format's
	 * form, as the reference does. */
	vrc = audit_verify_fd(fd, NULL, &res);
	want = ref_verify((const uint8_t *)line, end, &json_bad);
	if (json_bad || res.bad_line != want || (want ? vrc != -EBADMSG : vrc != 0) ||
	    (!want && res.lines != (err ? 0 : 2)))
		abort();
	if (!err) {
		back = json_loadb(line, (char *)memchr(line, '\n', end) - line, JSON_ALLOW_NUL, NULL);
		if (!back)
			abort();
		json_object_del(back, "time");
		json_object_del(back, "seq");
		json_object_del(back, "prev");
		if (json_is_string(json_object_get(rec, "time")))
			json_object_del(rec, "time");
		json_object_del(rec, "seq");
		json_object_del(rec, "prev");
		if (!json_equal(back, rec))
			abort();
		json_decref(back);
	}
	free(line);
	close(fd);
cleanup:
	json_decref(rec);
}

/* The ECS mapping on whatever object the bytes hold: a record (string type
 * and time) gives documents that each carry @timestamp and event.action;
 * anything else is refused with nothing added. */
static void fuzz_ecs(const uint8_t *data, size_t size)
{
	json_t *rec = json_loadb((const char *)data, size, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
	json_t *out = json_array(), *d;
	struct audit_ecs st;
	bool record;
	size_t i;
	int err;

	audit_ecs_init(&st, "fuzz");
	record = json_is_object(rec) && json_is_string(json_object_get(rec, "type")) &&
		 json_is_string(json_object_get(rec, "time"));
	err = audit_ecs_map(&st, rec, out);
	if (record ? err != 0 : err != -EINVAL || json_array_size(out))
		abort();
	json_array_foreach(out, i, d)
		if (!json_is_string(json_object_get(d, "@timestamp")) ||
		    !json_is_string(json_object_get(json_object_get(d, "event"), "action")))
			abort();
	json_decref(out);
	json_decref(rec);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_verify(data, size);
	fuzz_write(data, size);
	fuzz_ecs(data, size);
	return 0;
}
