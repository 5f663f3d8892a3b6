// SPDX-License-Identifier: GPL-2.0-only
/*
 * The daemon's per-event path: which events get their own record, what the
 * summaries count, and that the trail stays one intact chain.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "audit.h"
#include "digest.h"
#include "enforcer.h"
#include "pipeline.h"

#define AL_SHA "8f434346648f6b96df89dda901c5176b10a6d83961dd3c1ac88b59b2dc327aa4"

struct fx {
	char dir[64];
	char log[96];
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	strcpy(f->dir, "/tmp/ig-pipeline-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->log, sizeof(f->log), "%s/audit.log", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	unlink(f->log);
	rmdir(f->dir);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pipeline_first_sighting, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pipeline_log_all, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
