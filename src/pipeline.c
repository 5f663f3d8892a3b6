// SPDX-License-Identifier: GPL-2.0-only
/*
 * Kernel events to audit records. Execs and refusals each get an `access`
 * record; an executable map or an audited open gets one at its first
 * sighting in this run, and its repeats are counted for the next `summary`.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "digest.h"
#include "enforcer.h"
#include "event.h"
#include "log.h"
#include "pipeline.h"

#define SEEN_MIN_SLOTS 4096
#define SUMMARY_DEFAULT_S 60

/* A (hook, path, digest) seen this run: the first sighting is an access
 * record, repeats are counted for the next summary. Keyed by SHA-256 of the
 * triple, so memory per entry is fixed whatever the path length. */
struct seen {
	uint8_t key[SHA256_LEN];
	bool used;
	uint64_t repeats;	/* since the last summary */
	json_t *desc;		/* {"hook","path","digest"}, for the summary */
};

struct seen_set {
	struct seen *v;
	size_t cap, n;
};

struct pipeline {
	struct audit_log *log;
	const char *audit_log;
	enum ig_mode mode;
	bool log_all;
	int summary_s;
	bool have_al;
	uint64_t al_serial;
	char al_sha_hex[SHA256_HEX_LEN + 1];
	struct event_clock clk;
	struct seen_set seen;
	time_t last_summary;
	bool failed;		/* a write to the audit trail failed */
};

/* ---- records ------------------------------------------------------------- */

json_t *pipeline_record_new(const struct pipeline *p, const char *type)
{
	json_t *r = json_object();

	json_object_set_new(r, "type", json_string(type));
	json_object_set_new(r, "allowlist_serial",
			    p->have_al ? json_integer((json_int_t)p->al_serial) : json_null());
	json_object_set_new(r, "allowlist_sha256",
			    p->have_al ? json_string(p->al_sha_hex) : json_null());
	return r;
}

void pipeline_record_write(struct pipeline *p, json_t *r)
{
	int err = audit_log_append(p->log, r);

	if (err && !p->failed) {
		pr_err("cannot write to the audit log '%s': %s", p->audit_log, strerror(-err));
		p->failed = true;
	}
	json_decref(r);
}

bool pipeline_failed(const struct pipeline *p)
{
	return p->failed;
}

void pipeline_set_allowlist(struct pipeline *p, uint64_t serial, const char *sha256_hex)
{
	p->have_al = sha256_hex != NULL;
	p->al_serial = serial;
	snprintf(p->al_sha_hex, sizeof(p->al_sha_hex), "%s", sha256_hex ? sha256_hex : "");
}

/* ---- the first-sighting set ------------------------------------------------ */

static void seen_key(const struct ig_event *ev, uint8_t key[SHA256_LEN])
{
	/* hook, whether the digest is real (of the flags, only that matters),
	 * digest, path */
	uint8_t buf[2 + IG_SHA256_LEN + IG_PATH_MAX];
	size_t plen = strnlen(ev->path, IG_PATH_MAX);

	buf[0] = (uint8_t)ev->hook;
	buf[1] = !!(ev->flags & IG_F_HASHED);
	memcpy(buf + 2, ev->digest, IG_SHA256_LEN);
	memcpy(buf + 2 + IG_SHA256_LEN, ev->path, plen);
	sha256_buf(buf, 2 + IG_SHA256_LEN + plen, key);
}

static int seen_grow(struct seen_set *s)
{
	size_t cap = s->cap ? s->cap * 2 : SEEN_MIN_SLOTS;
	struct seen *v = calloc(cap, sizeof(*v));

	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < s->cap; i++) {
		size_t j;

		if (!s->v[i].used)
			continue;
		memcpy(&j, s->v[i].key, sizeof(j));
		for (j &= cap - 1; v[j].used; j = (j + 1) & (cap - 1))
			;
		v[j] = s->v[i];
	}
	free(s->v);
	s->v = v;
	s->cap = cap;
	return 0;
}

/* The slot for key: *fresh tells whether it was just added. NULL on ENOMEM. */
static struct seen *seen_get(struct seen_set *s, const uint8_t key[SHA256_LEN], bool *fresh)
{
	size_t j;

	if ((s->n + 1) * 4 > s->cap * 3 && seen_grow(s))
		return NULL;
	memcpy(&j, key, sizeof(j));
	for (j &= s->cap - 1; s->v[j].used; j = (j + 1) & (s->cap - 1))
		if (!memcmp(s->v[j].key, key, SHA256_LEN)) {
			*fresh = false;
			return &s->v[j];
		}
	memcpy(s->v[j].key, key, SHA256_LEN);
	s->v[j].used = true;
	s->n++;
	*fresh = true;
	return &s->v[j];
}

static void seen_free(struct seen_set *s)
{
	for (size_t i = 0; i < s->cap; i++)
		json_decref(s->v[i].desc);
	free(s->v);
}

/* ---- events ---------------------------------------------------------------- */

/*
 * When the kernel could not give a digest (IMA without SHA-256 in monitor
 * mode, or an open IMA had not measured yet), measure the file here and say
 * so: digest_source "userspace". Racy by nature, so it never decides.
 */
static void userspace_digest(json_t *rec, const struct ig_event *ev)
{
	char hex[SHA256_HEX_LEN + 1], val[80];
	uint8_t d[SHA256_LEN];
	int fd;

	if ((ev->flags & (IG_F_HASHED | IG_F_PATH_ERR)) || !(ev->flags & IG_F_NEED_HASH))
		return;
	fd = open(ev->path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return;
	if (!sha256_fd(fd, d, NULL)) {
		digest_to_hex(d, hex);
		snprintf(val, sizeof(val), "sha256:%s", hex);
		json_object_set_new(rec, "digest", json_string(val));
		json_object_set_new(rec, "digest_source", json_string("userspace"));
	}
	close(fd);
}

int pipeline_event(void *pipeline, const struct ig_event *ev)
{
	struct pipeline *p = pipeline;
	json_t *rec, *body;

	/* Maps and audited opens: the first sighting in this run is recorded,
	 * repeats are counted for the summary. Execs and refusals always are. */
	if (ev->hook != IG_HOOK_EXEC && ev->decision != IG_DENY &&
	    !(ev->flags & IG_F_WOULD_DENY) && !p->log_all) {
		uint8_t key[SHA256_LEN];
		struct seen *s;
		bool fresh;

		seen_key(ev, key);
		s = seen_get(&p->seen, key, &fresh);
		if (s && !fresh) {
			s->repeats++;
			return 0;
		}
		if (s) {
			char hex[SHA256_HEX_LEN + 1] = "";

			if (ev->flags & IG_F_HASHED)
				digest_to_hex(ev->digest, hex);
			s->desc = json_pack("{s:s, s:o, s:s}", "hook", ig_hook_name(ev->hook),
					    "path", event_json_bytes(ev->path), "digest", hex);
		}
	}

	body = event_to_json(ev, p->mode, &p->clk);
	if (!body) {
		pr_warn("cannot render an event for pid %u", ev->pid);
		return 0;
	}
	rec = pipeline_record_new(p, "access");
	json_object_update(rec, body); /* type kept first, the rest after the list fields */
	json_decref(body);
	userspace_digest(rec, ev);
	pipeline_record_write(p, rec);
	return 0;
}

static void write_summary(struct pipeline *p, time_t now)
{
	json_t *repeats = json_array(), *r;

	for (size_t i = 0; i < p->seen.cap; i++) {
		struct seen *s = &p->seen.v[i];

		if (!s->used || !s->repeats || !s->desc)
			continue;
		r = json_deep_copy(s->desc);
		json_object_set_new(r, "count", json_integer((json_int_t)s->repeats));
		json_array_append_new(repeats, r);
		s->repeats = 0;
	}
	p->last_summary = now;
	if (!json_array_size(repeats)) {
		json_decref(repeats);
		return;
	}
	r = pipeline_record_new(p, "summary");
	json_object_set_new(r, "period_s", json_integer(p->summary_s));
	json_object_set_new(r, "repeats", repeats);
	pipeline_record_write(p, r);
}

/* ---- life cycle ------------------------------------------------------------ */

int pipeline_open(struct pipeline **out, const struct pipeline_opts *o)
{
	struct pipeline *p = calloc(1, sizeof(*p));
	int err;

	*out = NULL;
	if (!p)
		return -ENOMEM;
	p->audit_log = o->audit_log;
	p->mode = o->mode;
	p->log_all = o->log_all;
	p->summary_s = o->summary_s > 0 ? o->summary_s : SUMMARY_DEFAULT_S;
	pipeline_set_allowlist(p, o->allowlist_serial, o->allowlist_sha256);
	event_clock_init(&p->clk);
	p->last_summary = time(NULL);
	err = audit_log_open(&p->log, o->audit_log, &(struct audit_log_opts){ 0 });
	if (err) {
		free(p);
		return err; /* the writer said why */
	}
	*out = p;
	return 0;
}

int pipeline_flush(struct pipeline *p)
{
	write_summary(p, time(NULL));
	return p->failed ? -EIO : 0;
}

void pipeline_tick(struct pipeline *p, time_t now)
{
	if (now - p->last_summary >= p->summary_s)
		write_summary(p, now);
	audit_log_sync(p->log); /* the bounded fsync interval, also when idle */
}

void pipeline_free(struct pipeline *p)
{
	if (!p)
		return;
	audit_log_close(p->log);
	seen_free(&p->seen);
	free(p);
}
