// SPDX-License-Identifier: GPL-2.0-only
/*
 * The daemon's per-event path: which events get their own record, what the
 * summaries count, and that the trail stays one intact chain.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "audit/audit.h"
#include "util/digest.h"
#include "enforcer/enforcer.h"
#include "daemon/event.h"
#include "daemon/pipeline.h"
#include "randstr.h"
#include "tmpdir.h"
#include "util/siphash.h"

#define AL_SHA "8f434346648f6b96df89dda901c5176b10a6d83961dd3c1ac88b59b2dc327aa4"

struct fx {
	char dir[TMPDIR_MAX];
	char log[PATH_MAX];
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	if (tmpdir_make(f->dir, "pipeline"))
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

static void event(struct ig_event *ev, unsigned int hook, const char *path, uint8_t d)
{
	memset(ev, 0, sizeof(*ev));
	ev->time_ns = 1000000000ULL * 1234 + 5678;
	ev->hook = hook;
	ev->decision = IG_ALLOW;
	ev->reason = IG_REASON_ALLOWLISTED;
	ev->flags = IG_F_HASHED;
	ev->pid = ev->tid = 4242;
	ev->ppid = 1;
	ev->uid = ev->gid = 1000;
	ev->rule = -1;
	memset(ev->digest, d, IG_SHA256_LEN);
	memcpy(ev->comm, "bash", 5);
	snprintf(ev->path, sizeof(ev->path), "%s", path);
	ev->path_len = strlen(ev->path) + 1;
}

/* The log's records, one JSON object each, in order. */
static json_t *read_records(const char *path)
{
	json_t *all = json_array();
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	FILE *fp = fopen(path, "r");

	assert_non_null(fp);
	while ((n = getline(&line, &cap, fp)) > 0) {
		json_t *j = json_loadb(line, n, 0, NULL);

		assert_non_null(j);
		json_array_append_new(all, j);
	}
	free(line);
	fclose(fp);
	return all;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *buf;
	long n;

	assert_non_null(fp);
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	buf = malloc(n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, n, fp), (size_t)n);
	fclose(fp);
	*len = n;
	return buf;
}

static const char *type_of(json_t *all, size_t i)
{
	return json_string_value(json_object_get(json_array_get(all, i), "type"));
}

static void test_pipeline_first_sighting(void **state)
{
	struct fx *f = *state;
	struct pipeline_opts o = { .audit_log = f->log, .mode = IG_MODE_ENFORCE,
				   .allowlist_serial = 7, .allowlist_sha256 = AL_SHA };
	struct audit_verify_result res;
	struct pipeline *p;
	struct ig_event ev;
	json_t *all, *r, *rep;

	assert_int_equal(pipeline_open(&p, &o), 0);
	/* execs: each its own record, repeated or not */
	event(&ev, IG_HOOK_EXEC, "/usr/bin/true", 1);
	pipeline_event(p, &ev);
	pipeline_event(p, &ev);
	/* a map seen three times: one record, two repeats */
	event(&ev, IG_HOOK_MMAP, "/usr/lib/libc.so.6", 2);
	for (int i = 0; i < 3; i++)
		pipeline_event(p, &ev);
	/* the same path with another digest is another sighting */
	event(&ev, IG_HOOK_MMAP, "/usr/lib/libc.so.6", 3);
	pipeline_event(p, &ev);
	/* a refusal always gets its record */
	event(&ev, IG_HOOK_MMAP, "/usr/lib/libc.so.6", 2);
	ev.decision = IG_DENY;
	ev.reason = IG_REASON_NOT_ALLOWLISTED;
	pipeline_event(p, &ev);
	assert_int_equal(pipeline_flush(p), 0);
	assert_false(pipeline_failed(p));
	pipeline_free(p);

	assert_int_equal(audit_verify_file(f->log, NULL, &res), 0);
	all = read_records(f->log);
	assert_int_equal(json_array_size(all), 6);
	for (size_t i = 0; i < 5; i++)
		assert_string_equal(type_of(all, i), "access");
	assert_string_equal(type_of(all, 5), "summary");
	r = json_array_get(all, 0);
	assert_int_equal(json_integer_value(json_object_get(r, "allowlist_serial")), 7);
	assert_string_equal(json_string_value(json_object_get(r, "allowlist_sha256")), AL_SHA);
	assert_string_equal(json_string_value(json_object_get(r, "hook")), "exec");
	assert_string_equal(json_string_value(json_object_get(json_array_get(all, 4),
							       "decision")), "deny");
	r = json_array_get(all, 5);
	assert_int_equal(json_integer_value(json_object_get(r, "period_s")), 60);
	rep = json_object_get(r, "repeats");
	assert_int_equal(json_array_size(rep), 1);
	r = json_array_get(rep, 0);
	assert_string_equal(json_string_value(json_object_get(r, "hook")), "mmap");
	assert_string_equal(json_string_value(json_object_get(r, "path")), "/usr/lib/libc.so.6");
	assert_int_equal(json_integer_value(json_object_get(r, "count")), 2);
	json_decref(all);
}

static void write_text(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	assert_int_equal(fputs(text, fp) >= 0, 1);
	assert_int_equal(fclose(fp), 0);
}

/* The digest an access record carries, "sha256:<hex>", or NULL. */
static const char *digest_of(json_t *all, size_t i)
{
	return json_string_value(json_object_get(json_array_get(all, i), "digest"));
}

/*
 * An audited open the kernel could not hash is keyed by its content version
 * (IG_F_VERSION): each new version is a first sighting, hashed here with
 * the content it has then; repeats of one version are counted. With no
 * version, repeats are told by path alone, as before.
 */
static void test_pipeline_open_versions(void **state)
{
	struct fx *f = *state;
	struct pipeline_opts o = { .audit_log = f->log, .mode = IG_MODE_ENFORCE };
	char file[PATH_MAX], a[80], b[80];
	uint8_t d[SHA256_LEN];
	struct pipeline *p;
	struct ig_event ev;
	json_t *all, *rep;

	tmpdir_join(file, sizeof(file), f->dir, "data");
	assert_int_equal(pipeline_open(&p, &o), 0);
	event(&ev, IG_HOOK_OPEN, file, 0);
	ev.reason = IG_REASON_RULE_AUDIT;
	ev.flags = IG_F_NEED_HASH | IG_F_VERSION;
	ev.dev = 7;
	ev.ino = 42;
	ev.version = 1;
	write_text(file, "version one\n");
	pipeline_event(p, &ev);			/* first sighting: hashed, recorded */
	pipeline_event(p, &ev);			/* a repeat */
	write_text(file, "version two\n");
	ev.version = 2;
	pipeline_event(p, &ev);			/* new content: recorded */
	pipeline_event(p, &ev);
	pipeline_event(p, &ev);
	ev.ino = 43;				/* another inode, the same version number */
	write_text(file, "version three\n");
	pipeline_event(p, &ev);
	ev.flags = IG_F_NEED_HASH;		/* no version: by path, as before */
	ev.version = 0;
	pipeline_event(p, &ev);
	write_text(file, "version four\n");
	pipeline_event(p, &ev);
	assert_int_equal(pipeline_flush(p), 0);
	pipeline_free(p);

	all = read_records(f->log);
	assert_int_equal(json_array_size(all), 5);
	for (size_t i = 0; i < 4; i++)
		assert_string_equal(type_of(all, i), "access");
	sha256_buf("version one\n", 12, d);
	memcpy(a, "sha256:", 7);
	digest_to_hex(d, a + 7);
	assert_string_equal(digest_of(all, 0), a);
	sha256_buf("version two\n", 12, d);
	memcpy(b, "sha256:", 7);
	digest_to_hex(d, b + 7);
	assert_string_equal(digest_of(all, 1), b);
	assert_string_not_equal(digest_of(all, 2), b);	/* version three's */
	assert_string_not_equal(digest_of(all, 3), a);	/* unversioned: a first sighting */
	rep = json_object_get(json_array_get(all, 4), "repeats");
	assert_int_equal(json_array_size(rep), 3);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(rep, 0), "count")), 1);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(rep, 1), "count")), 2);
	assert_true(json_is_null(json_object_get(json_array_get(rep, 1), "digest")));
	assert_int_equal(json_integer_value(json_object_get(json_array_get(rep, 2), "count")), 1);
	json_decref(all);
}

/*
 * Repeats the kernel counted (folds) reach the summaries as if each had
 * been sent: a slot counts for the entry its event named, counts are taken
 * once, a slot no event named yet waits, and a restart takes what is there
 * and frees every slot.
 */
static void test_pipeline_folds(void **state)
{
	struct fx *f = *state;
	struct pipeline_opts o = { .audit_log = f->log, .mode = IG_MODE_ENFORCE };
	static volatile uint64_t counts[IG_FOLD_SLOTS];
	struct pipeline *p;
	struct ig_event ev;
	json_t *all, *rep;
	size_t nsum = 0;

	memset((void *)counts, 0, sizeof(counts));
	assert_int_equal(pipeline_open(&p, &o), 0);
	assert_int_equal(pipeline_set_folds(p, counts), 0);
	counts[0] = 3;				/* slots 1..3 taken */
	event(&ev, IG_HOOK_MMAP, "/usr/lib/libc.so.6", 2);
	pipeline_event(p, &ev);			/* first sighting, no slot */
	ev.fold_slot = 2;
	pipeline_event(p, &ev);			/* a repeat, naming slot 2 */
	counts[2] = 5;
	counts[3] = 9;				/* no event named slot 3 yet */
	assert_int_equal(pipeline_folds_taken(p), 3);
	assert_int_equal(pipeline_flush(p), 0);	/* summary: 1 + 5 */
	counts[2] = 7;
	assert_int_equal(pipeline_flush(p), 0);	/* summary: the 2 more */
	event(&ev, IG_HOOK_MMAP, "/usr/lib/libm.so.6", 4);
	ev.fold_slot = 3;
	pipeline_event(p, &ev);			/* first sighting, naming slot 3 */
	pipeline_folds_restart(p);		/* its 9 taken, every slot freed */
	counts[3] = 20;				/* a new epoch's count: nobody's yet */
	assert_int_equal(pipeline_flush(p), 0);
	pipeline_free(p);

	all = read_records(f->log);
	for (size_t i = 0; i < json_array_size(all); i++) {
		json_t *r = json_array_get(all, i);

		if (strcmp(type_of(all, i), "summary"))
			continue;
		rep = json_object_get(r, "repeats");
		assert_int_equal(json_array_size(rep), 1);
		r = json_array_get(rep, 0);
		switch (nsum++) {
		case 0:
			assert_string_equal(json_string_value(json_object_get(r, "path")),
					    "/usr/lib/libc.so.6");
			assert_int_equal(json_integer_value(json_object_get(r, "count")), 6);
			break;
		case 1:
			assert_string_equal(json_string_value(json_object_get(r, "path")),
					    "/usr/lib/libc.so.6");
			assert_int_equal(json_integer_value(json_object_get(r, "count")), 2);
			break;
		default:
			assert_string_equal(json_string_value(json_object_get(r, "path")),
					    "/usr/lib/libm.so.6");
			assert_int_equal(json_integer_value(json_object_get(r, "count")), 9);
		}
	}
	assert_int_equal(nsum, 3);
	json_decref(all);
}

static void test_pipeline_log_all(void **state)
{
	struct fx *f = *state;
	struct pipeline_opts o = { .audit_log = f->log, .log_all = true };
	struct pipeline *p;
	struct ig_event ev;
	json_t *all, *r;

	assert_int_equal(pipeline_open(&p, &o), 0);
	event(&ev, IG_HOOK_OPEN, "/etc/passwd", 4);
	for (int i = 0; i < 4; i++)
		pipeline_event(p, &ev);
	assert_int_equal(pipeline_flush(p), 0);
	pipeline_free(p);
	all = read_records(f->log);
	assert_int_equal(json_array_size(all), 4);
	r = json_array_get(all, 3);
	assert_true(json_is_null(json_object_get(r, "allowlist_serial")));
	assert_true(json_is_null(json_object_get(r, "allowlist_sha256")));
	assert_string_equal(json_string_value(json_object_get(r, "mode")), "monitor");
	json_decref(all);
}

/* ---- the rendering, against the jansson path it replaced ------------------ */

/*
 * The daemon's record before the event path rendered its own: the list
 * fields, event_to_json's object merged after them, a userspace digest
 * replacing the kernel's, appended with audit_log_append.
 */
static void reference_append(struct audit_log *l, const struct ig_event *ev, enum ig_mode mode,
			     const struct event_clock *clk, bool have_al, uint64_t serial)
{
	json_t *rec = json_object(), *body = event_to_json(ev, mode, clk, NULL);

	assert_non_null(body);
	json_object_set_new(rec, "type", json_string("access"));
	json_object_set_new(rec, "allowlist_serial",
			    have_al ? json_integer((json_int_t)serial) : json_null());
	json_object_set_new(rec, "allowlist_sha256", have_al ? json_string(AL_SHA) : json_null());
	json_object_update(rec, body);
	json_decref(body);
	if (!(ev->flags & (IG_F_HASHED | IG_F_PATH_ERR | IG_F_UNLINKED)) &&
	    (ev->flags & IG_F_NEED_HASH)) {
		uint8_t d[SHA256_LEN];
		char hex[SHA256_HEX_LEN + 1], val[80];
		int fd = open(ev->path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);

		if (fd >= 0 && !sha256_fd(fd, d, NULL)) {
			digest_to_hex(d, hex);
			snprintf(val, sizeof(val), "sha256:%s", hex);
			json_object_set_new(rec, "digest", json_string(val));
			json_object_set_new(rec, "digest_source", json_string("userspace"));
		}
		if (fd >= 0)
			close(fd);
	}
	assert_int_equal(audit_log_append(l, rec), 0);
	json_decref(rec);
}

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Names that exercise every branch of the string forms. */
static const char *const odd_names[] = {
	"/usr/bin/true",
	"/tmp/a \"quoted\" name",
	"/tmp/back\\slash\\",
	"/tmp/ctl\n\t\r\b\f\x01\x1f\x7f",
	"/tmp/caf\xc3\xa9/\xe2\x82\xac/\xf0\x9f\x90\xa7",		/* valid UTF-8 */
	"/tmp/latin1-caf\xe9",						/* not UTF-8 */
	"/tmp/bad\xff\xfe with \"quote\" and \\ and \n",
	"/tmp/overlong\xc0\xaf",
	"/tmp/surrogate\xed\xa0\x80",
	"/tmp/cut\xe2\x82",
	"/tmp/too-high\xf4\x90\x80\x80",
	"/tmp/\xf5\x80\x80\x80",
	"",
	"/a/very/long/path/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/x",
};

static const char *const odd_comms[] = {
	"bash", "exactly16bytes!!", "caf\xc3\xa9", "x\xff", "tab\there", "q\"\\", "",
};

static void random_event(struct ig_event *ev, uint64_t *s, const char *self)
{
	uint64_t r = rnd(s);
	const char *name = odd_names[r % (sizeof(odd_names) / sizeof(odd_names[0]))];
	const char *comm = odd_comms[(r >> 8) % (sizeof(odd_comms) / sizeof(odd_comms[0]))];

	event(ev, (r >> 16) % 4 == 3 ? 7 : (r >> 16) % 3, name, (uint8_t)(r >> 24));
	memset(ev->comm, 0, sizeof(ev->comm));
	memcpy(ev->comm, comm, strlen(comm) < IG_COMM_LEN ? strlen(comm) : IG_COMM_LEN);
	/* one in three: a random name of 0 to 40 bytes, one in four a random
	 * comm of 0 to 16 (randstr.h) */
	if ((r >> 50) % 3 == 0) {
		size_t n = rnd(s) % 41;

		randstr_fill(s, (unsigned char *)ev->path, n, false);
		ev->path[n] = '\0';
		ev->path_len = n + 1;
	}
	if ((r >> 52) % 4 == 0) {
		memset(ev->comm, 0, sizeof(ev->comm));
		randstr_fill(s, (unsigned char *)ev->comm, rnd(s) % (IG_COMM_LEN + 1), false);
	}
	ev->time_ns = rnd(s) % (1ULL << 62);
	ev->decision = (r >> 28) & 1;
	ev->reason = (r >> 29) % (IG_REASON_MAX + 2);
	ev->flags = (r >> 33) & (IG_F_HASHED | IG_F_WOULD_DENY | IG_F_PATH_ERR | IG_F_NEED_HASH |
				 IG_F_UNLINKED);
	ev->pid = (uint32_t)rnd(s);
	ev->tid = (uint32_t)rnd(s);
	ev->ppid = (uint32_t)rnd(s);
	ev->uid = (r >> 40) & 1 ? 0 : (uint32_t)rnd(s);
	ev->gid = (uint32_t)rnd(s);
	ev->dev = (uint32_t)rnd(s);
	ev->ino = rnd(s);		/* half of them above 2^63 */
	ev->cgroup_id = rnd(s);
	ev->mnt_ns = (uint32_t)rnd(s);
	ev->pid_ns = (uint32_t)rnd(s);
	ev->rule = (r >> 41) & 1 ? -1 : (int32_t)rnd(s);
	ev->hash_error = (r >> 42) % 3 == 0 ? 0 : (r >> 42) % 3 == 1 ? -95 : INT32_MIN;
	ev->hash_algo = (r >> 45) & 1 ? 4 : (int32_t)rnd(s);
	if ((r >> 46) % 8 == 0) {
		/* a file userspace can measure: the digest comes from here */
		snprintf(ev->path, sizeof(ev->path), "%s", self);
		ev->flags = IG_F_NEED_HASH;
	}
}

static void test_pipeline_render_matches_jansson(void **state)
{
	struct fx *f = *state;
	char ref[PATH_MAX], self[256];
	struct event_clock clk = { .offset_ns = 1700000000LL * 1000000000LL };
	struct pipeline_opts o = { .audit_log = f->log, .log_all = true, .clock = &clk,
				   .allowlist_serial = 1ULL << 63, .allowlist_sha256 = AL_SHA };
	struct audit_log *l;
	struct pipeline *p;
	struct ig_event ev;
	uint64_t s = 0x9e3779b97f4a7c15ULL;
	bool have_al = true;
	uint64_t serial = 1ULL << 63;
	ssize_t n;
	char *a, *b;
	size_t alen, blen;

	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	assert_true(n > 0);
	self[n] = '\0';
	tmpdir_join(ref, sizeof(ref), f->dir, "ref.log");
	assert_int_equal(audit_log_open(&l, ref, NULL), 0);
	for (int m = 0; m < 2; m++) {
		o.mode = m;
		assert_int_equal(pipeline_open(&p, &o), 0);
		for (int i = 0; i < 4000; i++) {
			if (i % 1000 == 999) {
				/* a reload: another list, or none */
				have_al = !have_al;
				serial = i;
				pipeline_set_allowlist(p, serial, have_al ? AL_SHA : NULL);
			}
			random_event(&ev, &s, self);
			pipeline_event(p, &ev);
			reference_append(l, &ev, m, &clk, have_al, serial);
		}
		assert_int_equal(pipeline_flush(p), 0);
		pipeline_free(p);
		o.allowlist_sha256 = have_al ? AL_SHA : NULL;
		o.allowlist_serial = serial;
	}
	audit_log_close(l);
	a = slurp(f->log, &alen);
	b = slurp(ref, &blen);
	for (size_t i = 0; i < alen && i < blen; i++)
		if (a[i] != b[i]) {
			size_t from = i > 200 ? i - 200 : 0;

			fail_msg("first difference at byte %zu:\n%.*s\n--- jansson:\n%.*s", i,
				 (int)(i - from + 40), a + from, (int)(i - from + 40), b + from);
		}
	assert_int_equal(alen, blen);
	free(a);
	free(b);
	unlink(ref);
}

/* A script's record names its interpreter by index and by digest, the same
 * in both renderings; null when the digest is not known; other hooks carry
 * neither. */
static void test_pipeline_script_interp(void **state)
{
	static const char hex[] =
		"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	struct fx *f = *state;
	struct event_clock clk = { 0 };
	struct audit_out *o;
	struct audit_log *l;
	struct ig_event ev;
	json_t *j, *all;

	event(&ev, IG_HOOK_SCRIPT, "/tmp/mod.pm", 0x5a);
	ev.interp = 3;
	j = event_to_json(&ev, IG_MODE_ENFORCE, &clk, hex);
	assert_int_equal(json_integer_value(json_object_get(j, "interp")), 3);
	assert_string_equal(json_string_value(json_object_get(j, "interp_sha256")),
			    "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
	json_decref(j);
	j = event_to_json(&ev, IG_MODE_ENFORCE, &clk, NULL);
	assert_true(json_is_null(json_object_get(j, "interp_sha256")));
	json_decref(j);

	assert_int_equal(audit_log_open(&l, f->log, NULL), 0);
	assert_int_equal(audit_log_begin_ns(l, "access", 0, &o), 0);
	event_put_access(o, &ev, IG_MODE_ENFORCE, NULL, hex);
	assert_int_equal(audit_log_end(l), 0);
	assert_int_equal(audit_log_begin_ns(l, "access", 0, &o), 0);
	event_put_access(o, &ev, IG_MODE_ENFORCE, NULL, NULL);
	assert_int_equal(audit_log_end(l), 0);
	event(&ev, IG_HOOK_EXEC, "/usr/bin/perl", 0x5a);
	assert_int_equal(audit_log_begin_ns(l, "access", 0, &o), 0);
	event_put_access(o, &ev, IG_MODE_ENFORCE, NULL, hex);
	assert_int_equal(audit_log_end(l), 0);
	audit_log_close(l);

	all = read_records(f->log);
	assert_int_equal(json_array_size(all), 3);
	j = json_array_get(all, 0);
	assert_int_equal(json_integer_value(json_object_get(j, "interp")), 3);
	assert_string_equal(json_string_value(json_object_get(j, "interp_sha256")),
			    "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
	assert_true(json_is_null(json_object_get(json_array_get(all, 1), "interp_sha256")));
	assert_null(json_object_get(json_array_get(all, 2), "interp"));
	assert_null(json_object_get(json_array_get(all, 2), "interp_sha256"));
	json_decref(all);
}

/* A summary longer than a line goes out as several, and loses no count. */
static void test_pipeline_summary_split(void **state)
{
	struct fx *f = *state;
	struct pipeline_opts o = { .audit_log = f->log };
	struct audit_verify_result res;
	struct pipeline *p;
	struct ig_event ev;
	json_t *all, *r, *e;
	uint64_t counted = 0, entries = 0, summaries = 0;
	size_t i, k;
	char path[64];

	assert_int_equal(pipeline_open(&p, &o), 0);
	for (int round = 0; round < 3; round++)
		for (int j = 0; j < 3000; j++) {
			snprintf(path, sizeof(path), "/usr/lib/libsplit-%05d.so", j);
			event(&ev, IG_HOOK_MMAP, path, (uint8_t)j);
			pipeline_event(p, &ev);
		}
	assert_int_equal(pipeline_flush(p), 0);
	pipeline_free(p);
	assert_int_equal(audit_verify_file(f->log, NULL, &res), 0);
	all = read_records(f->log);
	json_array_foreach(all, i, r) {
		if (strcmp(json_string_value(json_object_get(r, "type")), "summary"))
			continue;
		summaries++;
		json_array_foreach(json_object_get(r, "repeats"), k, e) {
			char want[64];

			/* in the order first seen */
			snprintf(want, sizeof(want), "/usr/lib/libsplit-%05d.so", (int)entries);
			assert_string_equal(json_string_value(json_object_get(e, "path")), want);
			assert_int_equal(json_integer_value(json_object_get(e, "count")), 2);
			counted += 2;
			entries++;
		}
	}
	assert_true(summaries > 1);
	assert_int_equal(entries, 3000);
	assert_int_equal(counted, 6000);
	assert_int_equal(json_array_size(all), 3000 + summaries);
	json_decref(all);
}

/* Many first sightings: the set grows, and every key is told apart by its
 * whole value (hook, digest, whether hashed, path), not by its hash. */
static void test_pipeline_many_keys(void **state)
{
	struct fx *f = *state;
	struct pipeline_opts o = { .audit_log = f->log };
	struct pipeline *p;
	struct ig_event ev;
	json_t *all;
	char path[64];
	size_t records = 0, i;
	json_t *r;

	assert_int_equal(pipeline_open(&p, &o), 0);
	for (int round = 0; round < 2; round++)
		for (int j = 0; j < 20000; j++) {
			snprintf(path, sizeof(path), "/l/%d", j % 5000);
			/* 5000 paths x 2 digests x 2 hooks */
			event(&ev, j % 2 ? IG_HOOK_MMAP : IG_HOOK_OPEN, path,
			      (uint8_t)(j / 5000 % 2));
			if (j / 10000)
				ev.flags = 0;	/* same digest bytes, not hashed */
			pipeline_event(p, &ev);
		}
	assert_int_equal(pipeline_flush(p), 0);
	pipeline_free(p);
	all = read_records(f->log);
	json_array_foreach(all, i, r)
		records += !strcmp(json_string_value(json_object_get(r, "type")), "access");
	/* (path, hook) pairs are fixed by j mod 10000 within a round: 10000
	 * first sightings of the hashed kind, 10000 of the other */
	assert_int_equal(records, 20000);
	json_decref(all);
}

/* The published SipHash-2-4 vectors (key 00..0f, message 00..len-1). */
static void test_pipeline_siphash_vectors(void **state)
{
	uint8_t key[16], msg[64];

	(void)state;
	for (int i = 0; i < 16; i++)
		key[i] = i;
	for (int i = 0; i < 64; i++)
		msg[i] = i;
	assert_true(siphash_2_4(key, msg, 0) == 0x726fdb47dd0e0e31ULL);
	assert_true(siphash_2_4(key, msg, 15) == 0xa129ca6149be45e5ULL);
	/* 1-3 runs the same code with fewer rounds: different, and keyed */
	assert_true(siphash_1_3(key, msg, 15) != siphash_2_4(key, msg, 15));
	key[0] ^= 1;
	assert_true(siphash_2_4(key, msg, 15) != 0xa129ca6149be45e5ULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pipeline_first_sighting, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pipeline_log_all, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pipeline_folds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pipeline_open_versions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pipeline_render_matches_jansson, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_pipeline_script_interp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pipeline_summary_split, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pipeline_many_keys, setup, teardown),
		cmocka_unit_test(test_pipeline_siphash_vectors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
