// SPDX-License-Identifier: GPL-2.0-only
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/digest.h"
#include "enforcer/enforcer.h"
#include "daemon/event.h"
#include "util/names.h"

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

static json_t *event_fields(const struct ig_event *ev, enum ig_mode mode,
			    const struct event_clock *clk)
{
	char time[RFC3339_NS_BUF], comm[IG_COMM_LEN + 1], hex[SHA256_HEX_LEN + 1], digest[80];
	bool hashed = ev->flags & IG_F_HASHED;

	rfc3339_format_ns(event_realtime_ns(clk, ev->time_ns), time);
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
			 "type", "access", "time", time, "hook", names_hook(ev->hook),
			 "decision", names_decision(ev->decision),
			 "would_deny", (int)!!(ev->flags & IG_F_WOULD_DENY),
			 "reason", names_reason(ev->reason),
			 "mode", names_mode(mode),
			 "pid", (json_int_t)ev->pid, "tid", (json_int_t)ev->tid,
			 "ppid", (json_int_t)ev->ppid, "uid", (json_int_t)ev->uid,
			 "gid", (json_int_t)ev->gid, "comm", event_json_bytes(comm),
			 "path", event_json_bytes(ev->flags & IG_F_PATH_ERR ? "" : ev->path),
			 "dev", (json_int_t)ev->dev, "ino", (json_int_t)ev->ino,
			 "digest", hashed ? json_string(digest) : json_null(),
			 "digest_source", hashed ? "ima" : "none",
			 /* -hash_error, wrapping rather than overflowing at INT_MIN */
			 "hash_error", (int)(0U - (unsigned int)ev->hash_error),
			 "hash_algo", ev->hash_algo,
			 "cgroup_id", (json_int_t)ev->cgroup_id, "mnt_ns", (json_int_t)ev->mnt_ns,
			 "pid_ns", (json_int_t)ev->pid_ns, "rule", ev->rule);
}

json_t *event_to_json(const struct ig_event *ev, enum ig_mode mode, const struct event_clock *clk,
		      const char *interp_hex)
{
	json_t *j = event_fields(ev, mode, clk);

	/* Last, and only when true: no link at the path (IG_F_UNLINKED). */
	if (j && (ev->flags & IG_F_UNLINKED))
		json_object_set_new(j, "unlinked", json_true());
	/* Only when true: the path is not proven the host's (IG_F_FOREIGN_PATH). */
	if (j && (ev->flags & IG_F_FOREIGN_PATH))
		json_object_set_new(j, "foreign_path", json_true());
	/* Only when true: its rules by identity could not be found (IG_F_IDENT_ERR). */
	if (j && (ev->flags & IG_F_IDENT_ERR))
		json_object_set_new(j, "identity_unknown", json_true());
	/* Code the kernel reads: what it is. */
	if (j && (ev->hook == IG_HOOK_MODULE || ev->hook == IG_HOOK_KREAD))
		json_object_set_new(j, "kind", json_string(names_kread(ev->prot)));
	/* A script's: the interpreter reading it, by its lasting index and by
	 * digest. */
	if (j && ev->hook == IG_HOOK_SCRIPT) {
		char val[8 + SHA256_HEX_LEN];

		json_object_set_new(j, "interp", json_integer(ev->interp));
		snprintf(val, sizeof(val), "sha256:%.*s", SHA256_HEX_LEN,
			 interp_hex ? interp_hex : "");
		json_object_set_new(j, "interp_sha256",
				    interp_hex ? json_string(val) : json_null());
	}
	return j;
}

void event_put_bytes(struct audit_out *o, const char *s, size_t n)
{
	static const char xd[] = "0123456789abcdef";
	struct audit_out save = *o;

	if (!audit_put_str(o, s, n))
		return;
	/* Not UTF-8: event_json_bytes's \xNN form, whose backslash the
	 * writer escapes in turn. */
	*o = save;
	AUDIT_PUT_LIT(o, "\"");
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c < 0x7f && c != '\\') {
			if (c == '"')
				AUDIT_PUT_LIT(o, "\\\"");
			else
				audit_put(o, &s[i], 1);
		} else {
			char esc[4] = { '\\', 'x', xd[c >> 4], xd[c & 15] };

			AUDIT_PUT_LIT(o, "\\");
			audit_put(o, esc, sizeof(esc));
		}
	}
	AUDIT_PUT_LIT(o, "\"");
}

/*
 * The most an access record's members take beside its three names: the
 * keys and literals (under 600 bytes), fourteen numbers, two digests, and
 * comm and path at six bytes a byte at worst (\u00XX). With the line's head
 * that is far below AUDIT_LINE_MAX, so checking the room once for the
 * whole record, rather than piece by piece, refuses no record that fits.
 */
#define ACCESS_MAX (1024 + 14 * AUDIT_INT_MAX + 2 * (8 + SHA256_HEX_LEN) + \
		    6 * (IG_COMM_LEN + IG_PATH_MAX) + 4)

_Static_assert(ACCESS_MAX + 3 * 256 + 256 < AUDIT_LINE_MAX,
	       "an access record must fit a line whatever its strings hold");

/* A string from the record: the cursor goes to the writer and back. */
static char *put_bytes_at(struct audit_out *o, char *q, const char *s, size_t n)
{
	o->p = q;
	event_put_bytes(o, s, n);
	return o->p;
}

void event_put_access(struct audit_out *o, const struct ig_event *ev, enum ig_mode mode,
		      const char *userspace_hex, const char *interp_hex)
{
	const char *hook = names_hook(ev->hook), *reason = names_reason(ev->reason);
	const char *kind = ev->hook == IG_HOOK_MODULE || ev->hook == IG_HOOK_KREAD ?
		names_kread(ev->prot) : "";
	size_t hook_len = strlen(hook), reason_len = strlen(reason), kind_len = strlen(kind);
	bool hashed = ev->flags & IG_F_HASHED;
	char *q = o->p;

	/* Room for all of it at once, then a bare pointer (audit_u64_at and
	 * the like): the record is a few dozen pieces. */
	if ((size_t)(o->end - q) < ACCESS_MAX + hook_len + reason_len + kind_len) {
		o->over = true;
		o->p = o->end;
		return;
	}
	/* The order and the forms of event_to_json's json_pack, key by key. */
	q = AUDIT_LIT_AT(q, ",\"hook\":");
	q = audit_plain_at(q, hook, hook_len);
	/* Literals, not names_decision(): this is the per-event hot path. */
	if (ev->decision == IG_DENY)
		q = AUDIT_LIT_AT(q, ",\"decision\":\"deny\",\"would_deny\":");
	else
		q = AUDIT_LIT_AT(q, ",\"decision\":\"allow\",\"would_deny\":");
	if (ev->flags & IG_F_WOULD_DENY)
		q = AUDIT_LIT_AT(q, "true,\"reason\":");
	else
		q = AUDIT_LIT_AT(q, "false,\"reason\":");
	q = audit_plain_at(q, reason, reason_len);
	if (mode == IG_MODE_ENFORCE)
		q = AUDIT_LIT_AT(q, ",\"mode\":\"enforce\",\"pid\":");
	else
		q = AUDIT_LIT_AT(q, ",\"mode\":\"monitor\",\"pid\":");
	q = audit_u64_at(q, ev->pid);
	q = AUDIT_LIT_AT(q, ",\"tid\":");
	q = audit_u64_at(q, ev->tid);
	q = AUDIT_LIT_AT(q, ",\"ppid\":");
	q = audit_u64_at(q, ev->ppid);
	q = AUDIT_LIT_AT(q, ",\"uid\":");
	q = audit_u64_at(q, ev->uid);
	q = AUDIT_LIT_AT(q, ",\"gid\":");
	q = audit_u64_at(q, ev->gid);
	q = AUDIT_LIT_AT(q, ",\"comm\":");
	q = put_bytes_at(o, q, ev->comm, strnlen(ev->comm, IG_COMM_LEN));
	q = AUDIT_LIT_AT(q, ",\"path\":");
	if (ev->flags & IG_F_PATH_ERR)
		q = AUDIT_LIT_AT(q, "\"\"");
	else
		q = put_bytes_at(o, q, ev->path, strnlen(ev->path, IG_PATH_MAX));
	q = AUDIT_LIT_AT(q, ",\"dev\":");
	q = audit_u64_at(q, ev->dev);
	q = AUDIT_LIT_AT(q, ",\"ino\":");
	q = audit_int_at(q, (long long)ev->ino);	/* json_int_t, as jansson has it */
	if (userspace_hex) {
		q = AUDIT_LIT_AT(q, ",\"digest\":\"sha256:");
		memcpy(q, userspace_hex, SHA256_HEX_LEN);
		q = AUDIT_LIT_AT(q + SHA256_HEX_LEN, "\",\"digest_source\":\"userspace\"");
	} else if (hashed) {
		q = AUDIT_LIT_AT(q, ",\"digest\":\"sha256:");
		digest_to_hex(ev->digest, q);	/* its NUL is written over next */
		q = AUDIT_LIT_AT(q + SHA256_HEX_LEN, "\",\"digest_source\":\"ima\"");
	} else {
		q = AUDIT_LIT_AT(q, ",\"digest\":null,\"digest_source\":\"none\"");
	}
	q = AUDIT_LIT_AT(q, ",\"hash_error\":");
	/* -hash_error as an int, wrapping as the negation did */
	q = audit_int_at(q, (int)(0U - (unsigned int)ev->hash_error));
	q = AUDIT_LIT_AT(q, ",\"hash_algo\":");
	q = audit_int_at(q, ev->hash_algo);
	q = AUDIT_LIT_AT(q, ",\"cgroup_id\":");
	q = audit_int_at(q, (long long)ev->cgroup_id);
	q = AUDIT_LIT_AT(q, ",\"mnt_ns\":");
	q = audit_u64_at(q, ev->mnt_ns);
	q = AUDIT_LIT_AT(q, ",\"pid_ns\":");
	q = audit_u64_at(q, ev->pid_ns);
	q = AUDIT_LIT_AT(q, ",\"rule\":");
	q = audit_int_at(q, ev->rule);
	if (ev->flags & IG_F_UNLINKED)
		q = AUDIT_LIT_AT(q, ",\"unlinked\":true");
	if (ev->flags & IG_F_FOREIGN_PATH)
		q = AUDIT_LIT_AT(q, ",\"foreign_path\":true");
	if (ev->flags & IG_F_IDENT_ERR)
		q = AUDIT_LIT_AT(q, ",\"identity_unknown\":true");
	if (ev->hook == IG_HOOK_MODULE || ev->hook == IG_HOOK_KREAD) {
		q = AUDIT_LIT_AT(q, ",\"kind\":");
		q = audit_plain_at(q, kind, kind_len);
	}
	if (ev->hook == IG_HOOK_SCRIPT) {
		q = AUDIT_LIT_AT(q, ",\"interp\":");
		q = audit_u64_at(q, ev->interp);
		if (interp_hex) {
			q = AUDIT_LIT_AT(q, ",\"interp_sha256\":\"sha256:");
			memcpy(q, interp_hex, SHA256_HEX_LEN);
			q = AUDIT_LIT_AT(q + SHA256_HEX_LEN, "\"");
		} else {
			q = AUDIT_LIT_AT(q, ",\"interp_sha256\":null");
		}
	}
	o->p = q;
}

/* enum ig_tamper, the trail's spelling; the found kinds after the refused. */
static const char *const tamper_names[IG_TAMPER_MAX] = {
	[IG_TAMPER_NONE] = "none",
	[IG_TAMPER_SIGNAL] = "signal",
	[IG_TAMPER_PTRACE] = "ptrace",
	[IG_TAMPER_RLIMIT] = "rlimit",
	[IG_TAMPER_STOP] = "stop",
	[IG_TAMPER_MAP_WRITE] = "map-write",
	[IG_TAMPER_PROG_FD] = "prog-fd",
	[IG_TAMPER_LINK_FD] = "link-fd",
	[IG_TAMPER_PIN_OPEN] = "pin-open",
	[IG_TAMPER_PIN_UNLINK] = "pin-unlink",
	[IG_TAMPER_PIN_RENAME] = "pin-rename",
	[IG_TAMPER_UMOUNT] = "umount",
	[IG_TAMPER_LINK_GONE] = "link-gone",
	[IG_TAMPER_PROG_CHANGED] = "prog-changed",
	[IG_TAMPER_POLICY_CHANGED] = "policy-changed",
};

static const char *const guard_kind_names[] = {
	[0] = "pin", [IG_GUARD_MAP] = "map", [IG_GUARD_PROG] = "prog", [IG_GUARD_LINK] = "link",
	[IG_GUARD_LINK_PIN] = "link-pin", [IG_GUARD_DAEMON] = "daemon",
};

const char *event_tamper_name(unsigned int what)
{
	return what < IG_TAMPER_MAX && tamper_names[what] ? tamper_names[what] : "unknown";
}

bool event_tamper_refused(unsigned int what)
{
	/* What was refused has a caller; what the daemon found has not. */
	return what > IG_TAMPER_NONE && what < IG_TAMPER_LINK_GONE;
}

void event_put_tamper(json_t *r, const struct ig_event *ev)
{
	char comm[IG_COMM_LEN + 1];
	bool refused = event_tamper_refused(ev->tamper);

	memcpy(comm, ev->comm, IG_COMM_LEN);
	comm[IG_COMM_LEN] = '\0';
	json_object_set_new(r, "what", json_string(event_tamper_name(ev->tamper)));
	json_object_set_new(r, "action", json_string(refused ? "refused" : "found"));
	json_object_set_new(r, "object",
			    json_string(ev->dev < sizeof(guard_kind_names) / sizeof(*guard_kind_names)
					? guard_kind_names[ev->dev] : "unknown"));
	json_object_set_new(r, "id", json_integer((json_int_t)ev->ino));
	json_object_set_new(r, "name", event_json_bytes(ev->path_len ? ev->path : ""));
	/* the signal, ptrace mode or resource; the bpf(2) command, the fd's
	 * open mode, the permission mask asked or the umount flags */
	json_object_set_new(r, "arg", json_integer((json_int_t)ev->prot));
	if (!refused)
		return;
	json_object_set_new(r, "error", json_integer((int)(0U - (unsigned int)ev->hash_error)));
	json_object_set_new(r, "pid", json_integer((json_int_t)ev->pid));
	json_object_set_new(r, "tid", json_integer((json_int_t)ev->tid));
	json_object_set_new(r, "ppid", json_integer((json_int_t)ev->ppid));
	json_object_set_new(r, "uid", json_integer((json_int_t)ev->uid));
	json_object_set_new(r, "gid", json_integer((json_int_t)ev->gid));
	json_object_set_new(r, "comm", event_json_bytes(comm));
	json_object_set_new(r, "cgroup_id", json_integer((json_int_t)ev->cgroup_id));
}

json_t *event_counters_to_json(const struct ig_counters *c)
{
	json_t *runs = json_object(), *denies = json_object();

	for (int h = 0; h < IG_HOOK_MAX; h++)
		json_object_set_new(runs, names_hook(h), json_integer((json_int_t)c->runs[h]));
	for (int r = 1; r < IG_REASON_MAX; r++)
		if (r != IG_REASON_ALLOWLISTED && r != IG_REASON_RULE_ALLOW &&
		    r != IG_REASON_RULE_AUDIT)
			json_object_set_new(denies, names_reason(r),
					    json_integer((json_int_t)c->denies[r]));
	return json_pack("{s:I, s:I, s:o, s:o, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
			 "events", (json_int_t)c->events, "lost", (json_int_t)c->lost,
			 "runs", runs, "denies", denies,
			 "hash_errors", (json_int_t)c->hash_errors,
			 "order_violations", (json_int_t)c->order_violations,
			 "record_full", (json_int_t)c->record_full,
			 "hashes", (json_int_t)c->hashes, "cache_hits", (json_int_t)c->cache_hits,
			 "wakeups", (json_int_t)c->wakeups, "open_skips", (json_int_t)c->open_skips,
			 "name_hits", (json_int_t)c->name_hits, "folds", (json_int_t)c->folds,
			 "tamper", (json_int_t)c->tamper);
}
