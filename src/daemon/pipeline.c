// SPDX-License-Identifier: GPL-2.0-only
/*
 * Kernel events to audit records. Execs and refusals each get an `access`
 * record; an executable map or an audited open gets one at its first
 * sighting in this run (an open with no digest: of each content version),
 * and its repeats are counted for the next `summary`.
 *
 * This is the daemon's hot path, up to a million events a second on one
 * core, so nothing here allocates per event: a repeat costs one keyed hash
 * and one comparison; a record is rendered straight into the log's buffer
 * (event_put_access) and written with others in one write(2). What cannot
 * be made cheaper here is the chain, whose format hashes every line with
 * SHA-256, serially, and the kernel's taking of the bytes: together they
 * are about three quarters of a distinct record's cost
 * (docs/performance.md, "Distinct records with SHA-NI").
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "audit/audit.h"
#include "util/digest.h"
#include "enforcer/enforcer.h"
#include "daemon/event.h"
#include "util/log.h"
#include "util/names.h"
#include "util/siphash.h"
#include "daemon/pipeline.h"

#define SEEN_MIN_SLOTS 4096
#define SUMMARY_DEFAULT_S 60
#define ARENA_CHUNK (64 * 1024)
/* Room a summary line keeps for what is not its list: the chain's keys,
 * the allowlist's, period_s, with a wide margin. */
#define SUMMARY_HEAD_ROOM 1024

/* ---- the first-sighting set ------------------------------------------------ */

/*
 * A (hook, path, digest) seen this run: the first sighting is an access
 * record, repeats are counted for the next summary. Whether the digest is
 * real is part of the key (of the flags, only that and IG_F_VERSION
 * matter). An audited open with no digest but a content version
 * (IG_F_VERSION) is keyed by that version, its device and inode in the
 * digest's place (seen_digest): each new version of the file is a first
 * sighting, hashed here and recorded. Entries keep their order of first
 * sighting, which is the summaries' order.
 */
struct seen {
	uint64_t hash;
	uint64_t repeats;	/* since the last summary */
	const char *path;	/* in the arena, NUL-terminated */
	uint32_t path_len;
	uint8_t hook;
	bool hashed;
	uint8_t digest[IG_SHA256_LEN];	/* seen_digest: the digest, or the version */
};

/* An open-addressed table of entry indexes. The tag (the hash's high half)
 * settles most mismatches without touching the entry. */
struct seen_slot {
	uint32_t idx;		/* entry index + 1; 0: empty */
	uint32_t tag;
};

struct arena_chunk {
	struct arena_chunk *next;
	size_t used, cap;
	char data[];
};

struct seen_set {
	struct seen *v;
	size_t n, vcap;
	struct seen_slot *slot;
	size_t cap;		/* slots, a power of two */
	struct arena_chunk *arena;
	/* Keyed with a secret per run: whoever names files cannot aim paths
	 * at one slot and turn every lookup into a walk. Equality is always
	 * decided on the whole key, never on the hash. */
	uint8_t key[16];
};

/* What stands for the content in ev's key: its digest, or for an open with
 * none, its content version on its device and inode (i_generation, in the
 * version, tells a reused inode number apart). Without a version the
 * content is not told apart: repeats by path (and the kernel folds none). */
static void seen_digest(const struct ig_event *ev, uint8_t d[IG_SHA256_LEN])
{
	if ((ev->flags & IG_F_HASHED) || !(ev->flags & IG_F_VERSION)) {
		memcpy(d, ev->digest, IG_SHA256_LEN);
		return;
	}
	memset(d, 0, IG_SHA256_LEN);
	d[0] = 'v'; /* never all zeros, unlike an unversioned event's */
	memcpy(d + 4, &ev->dev, sizeof(ev->dev));
	memcpy(d + 8, &ev->ino, sizeof(ev->ino));
	memcpy(d + 16, &ev->version, sizeof(ev->version));
}

static uint64_t seen_hash(const struct seen_set *s, const struct ig_event *ev,
			  const uint8_t d[IG_SHA256_LEN], size_t plen)
{
	uint8_t buf[2 + IG_SHA256_LEN + IG_PATH_MAX];

	buf[0] = (uint8_t)ev->hook;
	buf[1] = !!(ev->flags & IG_F_HASHED);
	memcpy(buf + 2, d, IG_SHA256_LEN);
	memcpy(buf + 2 + IG_SHA256_LEN, ev->path, plen);
	return siphash_1_3(s->key, buf, 2 + IG_SHA256_LEN + plen);
}

static bool seen_match(const struct seen *e, const struct ig_event *ev,
		       const uint8_t d[IG_SHA256_LEN], size_t plen)
{
	return e->hook == (uint8_t)ev->hook && e->hashed == !!(ev->flags & IG_F_HASHED) &&
	       e->path_len == plen && !memcmp(e->digest, d, IG_SHA256_LEN) &&
	       !memcmp(e->path, ev->path, plen);
}

static char *arena_copy(struct seen_set *s, const char *p, size_t n)
{
	struct arena_chunk *c = s->arena;
	char *q;

	if (!c || c->cap - c->used < n + 1) {
		size_t cap = n + 1 > ARENA_CHUNK ? n + 1 : ARENA_CHUNK;

		c = malloc(sizeof(*c) + cap);
		if (!c)
			return NULL;
		c->next = s->arena;
		c->used = 0;
		c->cap = cap;
		s->arena = c;
	}
	q = c->data + c->used;
	memcpy(q, p, n);
	q[n] = '\0';
	c->used += n + 1;
	return q;
}

static int seen_grow(struct seen_set *s)
{
	size_t cap = s->cap ? s->cap * 2 : SEEN_MIN_SLOTS;
	struct seen_slot *slot = calloc(cap, sizeof(*slot));

	if (!slot)
		return -ENOMEM;
	for (size_t i = 0; i < s->n; i++) {
		size_t j;

		for (j = s->v[i].hash & (cap - 1); slot[j].idx; j = (j + 1) & (cap - 1))
			;
		slot[j] = (struct seen_slot){ (uint32_t)(i + 1), (uint32_t)(s->v[i].hash >> 32) };
	}
	free(s->slot);
	s->slot = slot;
	s->cap = cap;
	return 0;
}

/*
 * Count ev's repeat if its key was seen, or add the key. *fresh tells which,
 * *idx the entry. -ENOMEM: neither (the caller records the event, as at a
 * first sighting).
 */
static int seen_note(struct seen_set *s, const struct ig_event *ev, bool *fresh, size_t *idx)
{
	size_t plen = strnlen(ev->path, IG_PATH_MAX), j;
	uint8_t d[IG_SHA256_LEN];
	uint64_t h;
	uint32_t tag;
	struct seen *e;

	seen_digest(ev, d);
	h = seen_hash(s, ev, d, plen);
	tag = h >> 32;

	if ((s->n + 1) * 4 > s->cap * 3 && (s->n >= UINT32_MAX - 1 || seen_grow(s)))
		return -ENOMEM;
	for (j = h & (s->cap - 1); s->slot[j].idx; j = (j + 1) & (s->cap - 1)) {
		if (s->slot[j].tag != tag)
			continue;
		e = &s->v[s->slot[j].idx - 1];
		if (e->hash == h && seen_match(e, ev, d, plen)) {
			e->repeats++;
			*fresh = false;
			*idx = s->slot[j].idx - 1;
			return 0;
		}
	}
	if (s->n == s->vcap) {
		size_t vcap = s->vcap ? s->vcap * 2 : SEEN_MIN_SLOTS;
		struct seen *v = realloc(s->v, vcap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		s->v = v;
		s->vcap = vcap;
	}
	e = &s->v[s->n];
	e->path = arena_copy(s, ev->path, plen);
	if (!e->path)
		return -ENOMEM;
	e->hash = h;
	e->repeats = 0;
	e->path_len = plen;
	e->hook = (uint8_t)ev->hook;
	e->hashed = ev->flags & IG_F_HASHED;
	memcpy(e->digest, d, IG_SHA256_LEN);
	*idx = s->n;
	s->slot[j] = (struct seen_slot){ (uint32_t)(++s->n), tag };
	*fresh = true;
	return 0;
}

static void seen_free(struct seen_set *s)
{
	while (s->arena) {
		struct arena_chunk *next = s->arena->next;

		free(s->arena);
		s->arena = next;
	}
	free(s->v);
	free(s->slot);
}

/* ---- the pipeline ---------------------------------------------------------- */

struct pipeline {
	struct audit_log *log;
	const char *audit_log;
	enum ig_mode mode;
	bool log_all;
	int summary_s;
	bool have_al;
	uint64_t al_serial;
	char al_sha_hex[SHA256_HEX_LEN + 1];
	/* the allowlist's two members as every access record spells them */
	char al_members[160];
	size_t al_members_len;
	struct event_clock clk;
	struct seen_set seen;
	/* Folded repeats (pipeline_set_folds): the kernel's counters, and per
	 * slot the seen entry it counts for (index + 1; 0: no event named it
	 * yet) and how much of its count is already in that entry. */
	const volatile uint64_t *folds;
	uint32_t *fold_owner;
	uint64_t *fold_done;
	time_t last_summary;
	bool failed;		/* a write to the audit trail failed */
	const struct enforcer *e;	/* names a script's interpreter; NULL: not named */
};

static void note_write_error(struct pipeline *p, int err)
{
	if (err && !p->failed) {
		pr_err("cannot write to the audit log '%s': %s", p->audit_log, strerror(-err));
		p->failed = true;
	}
}

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
	note_write_error(p, audit_log_append(p->log, r));
	json_decref(r);
}

bool pipeline_failed(const struct pipeline *p)
{
	return p->failed;
}

void pipeline_set_allowlist(struct pipeline *p, uint64_t serial, const char *sha256_hex)
{
	struct audit_out o = { p->al_members, p->al_members + sizeof(p->al_members), false };

	p->have_al = sha256_hex != NULL;
	p->al_serial = serial;
	snprintf(p->al_sha_hex, sizeof(p->al_sha_hex), "%s", sha256_hex ? sha256_hex : "");
	/* pipeline_record_new's two fields, as the writer renders them */
	if (p->have_al) {
		AUDIT_PUT_LIT(&o, ",\"allowlist_serial\":");
		audit_put_int(&o, (long long)serial);
		AUDIT_PUT_LIT(&o, ",\"allowlist_sha256\":");
		audit_put_str(&o, p->al_sha_hex, strlen(p->al_sha_hex));
	} else {
		AUDIT_PUT_LIT(&o, ",\"allowlist_serial\":null,\"allowlist_sha256\":null");
	}
	p->al_members_len = o.p - p->al_members;
}

/*
 * When the kernel could not give a digest (IMA without SHA-256 in monitor
 * mode, or an open IMA had not measured yet), measure the file here and say
 * so: digest_source "userspace". Once per first sighting, so for an open
 * once per content version (seen_digest). Racy by nature, so it never
 * decides; never for an unlinked file or a path not proven the host's,
 * whose printed name may be another file's.
 */
static bool userspace_digest(const struct ig_event *ev, char hex[SHA256_HEX_LEN + 1])
{
	uint8_t d[SHA256_LEN];
	bool ok;
	int fd;

	if ((ev->flags & (IG_F_HASHED | IG_F_PATH_ERR | IG_F_UNLINKED | IG_F_FOREIGN_PATH)) ||
	    !(ev->flags & IG_F_NEED_HASH))
		return false;
	fd = open(ev->path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return false;
	ok = !sha256_fd(fd, d, NULL);
	if (ok)
		digest_to_hex(d, hex);
	close(fd);
	return ok;
}

/* A script event's interpreter, by digest: the enforcer keeps each
 * digest's index for the chain's life, whichever policy judged it. */
static const char *interp_hex(const struct pipeline *p, const struct ig_event *ev,
			      char hex[SHA256_HEX_LEN + 1])
{
	__u8 d[IG_SHA256_LEN];

	if (ev->hook != IG_HOOK_SCRIPT || !p->e || !enforcer_interp_digest(p->e, ev->interp, d))
		return NULL;
	digest_to_hex(d, hex);
	return hex;
}

void pipeline_set_enforcer(struct pipeline *p, const struct enforcer *e)
{
	p->e = e;
}

static void write_access(struct pipeline *p, const struct ig_event *ev)
{
	char hex[SHA256_HEX_LEN + 1], ihex[SHA256_HEX_LEN + 1];
	bool measured = userspace_digest(ev, hex);
	struct audit_out *o;
	int err;

	err = audit_log_begin_ns(p->log, "access", event_realtime_ns(&p->clk, ev->time_ns), &o);
	if (!err) {
		audit_put(o, p->al_members, p->al_members_len);
		event_put_access(o, ev, p->mode, measured ? hex : NULL, interp_hex(p, ev, ihex));
		err = audit_log_end(p->log);
	}
	note_write_error(p, err);
}

void pipeline_tamper(struct pipeline *p, const struct ig_event *ev, const char *reason)
{
	char time[RFC3339_NS_BUF];
	json_t *r = pipeline_record_new(p, "tamper");

	rfc3339_format_ns(event_realtime_ns(&p->clk, ev->time_ns), time);
	json_object_set_new(r, "time", json_string(time));
	event_put_tamper(r, ev);
	if (reason)
		json_object_set_new(r, "reason", json_string(reason));
	pipeline_record_write(p, r);
}

int pipeline_event(void *pipeline, const struct ig_event *ev)
{
	struct pipeline *p = pipeline;
	bool fresh = true;
	size_t idx;

	if (ev->hook == IG_HOOK_TAMPER) {
		pipeline_tamper(p, ev, NULL);
		return 0;
	}
	/* Maps and audited opens: the first sighting in this run is recorded,
	 * repeats are counted for the summary. Execs, code the kernel reads and
	 * refusals always are. */
	if (ev->hook != IG_HOOK_EXEC && ev->hook < IG_HOOK_MAX && ev->decision != IG_DENY &&
	    !(ev->flags & IG_F_WOULD_DENY) && !p->log_all &&
	    !seen_note(&p->seen, ev, &fresh, &idx) && p->folds && ev->fold_slot &&
	    ev->fold_slot < IG_FOLD_SLOTS)
		p->fold_owner[ev->fold_slot] = (uint32_t)idx + 1; /* its repeats count here */
	if (!fresh)
		return 0;
	write_access(p, ev);
	return 0;
}

/* ---- folded repeats -------------------------------------------------------- */

int pipeline_set_folds(struct pipeline *p, const volatile uint64_t *counts)
{
	if (!p->fold_owner) {
		p->fold_owner = calloc(IG_FOLD_SLOTS, sizeof(*p->fold_owner));
		p->fold_done = calloc(IG_FOLD_SLOTS, sizeof(*p->fold_done));
		if (!p->fold_owner || !p->fold_done)
			return -ENOMEM;
	}
	p->folds = counts;
	return 0;
}

/* The kernel's counts since the last look, into their entries' repeats. */
static void folds_collect(struct pipeline *p)
{
	uint64_t taken;

	if (!p->folds)
		return;
	taken = __atomic_load_n(&p->folds[0], __ATOMIC_ACQUIRE);
	if (taken > IG_FOLD_SLOTS - 1)
		taken = IG_FOLD_SLOTS - 1;
	for (uint32_t i = 1; i <= taken; i++) {
		uint64_t n;

		if (!p->fold_owner[i] || p->fold_owner[i] > p->seen.n)
			continue; /* no event named it yet: counted when one does */
		n = __atomic_load_n(&p->folds[i], __ATOMIC_RELAXED);
		if (n > p->fold_done[i]) {
			p->seen.v[p->fold_owner[i] - 1].repeats += n - p->fold_done[i];
			p->fold_done[i] = n;
		}
	}
}

void pipeline_folds_restart(struct pipeline *p)
{
	folds_collect(p);
	if (!p->fold_owner)
		return;
	memset(p->fold_owner, 0, IG_FOLD_SLOTS * sizeof(*p->fold_owner));
	memset(p->fold_done, 0, IG_FOLD_SLOTS * sizeof(*p->fold_done));
}

int pipeline_folds_renew(struct pipeline *p, struct enforcer *e)
{
	const volatile uint64_t *counts = p->folds;
	int err;

	if (p->log_all)
		return 0; /* every map gets its own record: nothing to fold */
	if (!counts) {
		counts = (const volatile uint64_t *)enforcer_fold_counts(e);
		if (!counts)
			return -errno;
		if ((err = pipeline_set_folds(p, counts)))
			return err;
	}
	err = enforcer_fold_stop(e);
	if (err)
		return err;
	err = enforcer_poll(e, 0); /* every event naming an old slot */
	if (err < 0)
		return err;
	pipeline_folds_restart(p);
	enforcer_fold_start(e);
	return 0;
}

uint64_t pipeline_folds_taken(const struct pipeline *p)
{
	return p->folds ? __atomic_load_n(&p->folds[0], __ATOMIC_RELAXED) : 0;
}

/* ---- summaries ------------------------------------------------------------- */

/* The digest in the access record's form, "sha256:<hex>" or null (format 2
 * of docs/audit-format.md; format 1 wrote bare hex or ""). */
static json_t *summary_entry(const struct seen *e)
{
	char dg[sizeof(AUDIT_DIGEST_PREFIX) + SHA256_HEX_LEN];

	if (e->hashed) {
		memcpy(dg, AUDIT_DIGEST_PREFIX, sizeof(AUDIT_DIGEST_PREFIX) - 1);
		digest_to_hex(e->digest, dg + sizeof(AUDIT_DIGEST_PREFIX) - 1);
	}
	return json_pack("{s:s, s:o, s:o, s:I}", "hook", names_hook(e->hook), "path",
			 event_json_bytes(e->path), "digest",
			 e->hashed ? json_string(dg) : json_null(), "count",
			 (json_int_t)e->repeats);
}

static void summary_write(struct pipeline *p, json_t *repeats)
{
	json_t *r = pipeline_record_new(p, "summary");

	json_object_set_new(r, "period_s", json_integer(p->summary_s));
	json_object_set_new(r, "repeats", repeats);
	pipeline_record_write(p, r);
}

/*
 * The repeats since the last summary, in the order first seen. A list too
 * long for one line goes out as several summary records in a row, each
 * within AUDIT_LINE_MAX, so that no count is ever lost to the line limit.
 */
static void write_summary(struct pipeline *p, time_t now)
{
	json_t *repeats = NULL, *e;
	size_t len = 0, n;

	folds_collect(p);
	for (size_t i = 0; i < p->seen.n; i++) {
		struct seen *s = &p->seen.v[i];

		if (!s->repeats)
			continue;
		e = summary_entry(s);
		s->repeats = 0;
		if (!e)
			continue;
		n = json_dumpb(e, NULL, 0, JSON_COMPACT) + 1;	/* and its comma */
		if (repeats && len + n > AUDIT_LINE_MAX - SUMMARY_HEAD_ROOM) {
			summary_write(p, repeats);
			repeats = NULL;
		}
		if (!repeats) {
			repeats = json_array();
			len = 0;
		}
		json_array_append_new(repeats, e);
		len += n;
	}
	p->last_summary = now;
	if (repeats)
		summary_write(p, repeats);
}

/* ---- life cycle ------------------------------------------------------------ */

int pipeline_open(struct pipeline **out, const struct pipeline_opts *o)
{
	struct audit_log_opts lo = { .batch_bytes = PIPELINE_BATCH_BYTES };
	struct pipeline *p = calloc(1, sizeof(*p));
	int err;

	*out = NULL;
	if (!p)
		return -ENOMEM;
	if (getrandom(p->seen.key, sizeof(p->seen.key), 0) != sizeof(p->seen.key)) {
		err = -errno;
		pr_err("cannot seed the first-sighting set: %s", strerror(-err));
		free(p);
		return err;
	}
	p->audit_log = o->audit_log;
	lo.ecs_path = o->ecs_log;
	p->mode = o->mode;
	p->log_all = o->log_all;
	p->summary_s = o->summary_s > 0 ? o->summary_s : SUMMARY_DEFAULT_S;
	pipeline_set_allowlist(p, o->allowlist_serial, o->allowlist_sha256);
	if (o->clock)
		p->clk = *o->clock;
	else
		event_clock_init(&p->clk);
	p->last_summary = time(NULL);
	err = audit_log_open(&p->log, o->audit_log, &lo);
	if (err) {
		free(p);
		return err; /* the writer said why */
	}
	*out = p;
	return 0;
}

int pipeline_write_out(struct pipeline *p)
{
	int err = audit_log_flush(p->log);

	note_write_error(p, err);
	return err;
}

int pipeline_flush(struct pipeline *p)
{
	write_summary(p, time(NULL));
	pipeline_write_out(p);
	return p->failed ? -EIO : 0;
}

void pipeline_tick(struct pipeline *p, time_t now)
{
	if (now - p->last_summary >= p->summary_s)
		write_summary(p, now);
	pipeline_write_out(p);
	audit_log_sync(p->log); /* the bounded fsync interval, also when idle */
}

void pipeline_free(struct pipeline *p)
{
	if (!p)
		return;
	audit_log_close(p->log);
	seen_free(&p->seen);
	free(p->fold_owner);
	free(p->fold_done);
	free(p);
}
