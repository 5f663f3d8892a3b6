// SPDX-License-Identifier: GPL-2.0-only
/*
 * The audit trail in Elastic Common Schema shape (docs/audit-format.md,
 * "ECS output"): each record becomes one document, a summary one per repeat,
 * with the fields ECS names where it has one and everything else under
 * "imaguard". The trail stays the record of truth: nothing here is chained.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "audit/audit.h"
#include "util/digest.h"

/* What the mapping takes from a record itself, by key; the rest goes to
 * "imaguard" as it is. */
static const char *const mapped_access[] = {
	"type", "time", "decision", "pid", "tid", "ppid", "uid", "gid", "comm",
	"path", "ino", "digest", NULL,
};
static const char *const mapped_summary[] = { "type", "time", "repeats", NULL };
static const char *const mapped_start[] = { "type", "time", "host", "kernel", "pid", NULL };
static const char *const mapped_other[] = { "type", "time", NULL };

static bool in(const char *const *keys, const char *k)
{
	for (; *keys; keys++)
		if (!strcmp(*keys, k))
			return true;
	return false;
}

/* obj[a][b] = v (v's reference taken), making obj[a] when it lacks one. */
static int put2(json_t *obj, const char *a, const char *b, json_t *v)
{
	json_t *sub = json_object_get(obj, a);

	if (!v)
		return -ENOMEM;
	if (!sub) {
		sub = json_object();
		if (!sub || json_object_set_new(obj, a, sub)) {
			json_decref(v);
			return -ENOMEM;
		}
	}
	return json_object_set_new(sub, b, v) ? -ENOMEM : 0;
}

/* obj[a][b][c] = v, making what it lacks. */
static int put3(json_t *obj, const char *a, const char *b, const char *c, json_t *v)
{
	json_t *sub = json_object_get(obj, a);

	if (!sub) {
		sub = json_object();
		if (!sub || json_object_set_new(obj, a, sub)) {
			json_decref(v);
			return -ENOMEM;
		}
	}
	return put2(sub, b, c, v);
}

/* An integer as ECS's keyword fields have it (user.id, file.inode). */
static json_t *keyword_int(const json_t *v)
{
	char buf[24];

	if (!json_is_integer(v))
		return json_is_string(v) ? json_copy((json_t *)v) : NULL;
	snprintf(buf, sizeof(buf), "%lld", (long long)json_integer_value(v));
	return json_string(buf);
}

/* The fields every document has: @timestamp, event.*, host.name, and the
 * record's own keys that no ECS field took, under "imaguard". */
static json_t *doc_new(struct audit_ecs *st, const json_t *rec, const char *kind,
		       const char *action, const char *outcome, const char *const *mapped)
{
	json_t *d = json_object(), *im = json_object(), *v;
	const char *k;
	int err = 0;

	if (!d || !im)
		goto nomem;
	err |= json_object_set(d, "@timestamp", json_object_get(rec, "time"));
	err |= put2(d, "ecs", "version", json_string(AUDIT_ECS_VERSION));
	err |= put2(d, "event", "kind", json_string(kind));
	err |= put2(d, "event", "module", json_string("imaguard"));
	err |= put2(d, "event", "dataset", json_string("imaguard.audit"));
	err |= put2(d, "event", "action", json_string(action));
	err |= put2(d, "event", "outcome", json_string(outcome));
	if (st->host[0])
		err |= put2(d, "host", "name", json_string(st->host));
	json_object_foreach((json_t *)rec, k, v)
		if (!in(mapped, k))
			err |= json_object_set(im, k, v);
	err |= json_object_set(im, "type", json_object_get(rec, "type"));
	err |= json_object_set_new(d, "imaguard", im);
	im = NULL;
	if (err)
		goto nomem;
	return d;
nomem:
	json_decref(im);
	json_decref(d);
	return NULL;
}

/* Add the finished document d to out, or drop it when building it failed
 * (err); out takes d either way, so nothing is freed twice. */
static int doc_append(json_t *out, json_t *d, int err)
{
	if (err) {
		json_decref(d);
		return -ENOMEM;
	}
	return json_array_append_new(out, d) ? -ENOMEM : 0;
}

/* file.path, file.name and file.hash.sha256 (when the digest is one). */
static int put_file(json_t *d, const json_t *path, const json_t *digest)
{
	const char *p = json_string_value(path), *slash;
	char hex[SHA256_HEX_LEN + 1];
	json_t *hash;
	int err = 0;

	if (p && p[0]) {
		slash = strrchr(p, '/');
		err |= put2(d, "file", "path", json_string(p));
		err |= put2(d, "file", "name", json_string(slash ? slash + 1 : p));
	}
	if (!audit_digest_hex(digest, hex)) {
		hash = json_pack("{s:s}", "sha256", hex);
		err |= put2(d, "file", "hash", hash);
	}
	return err ? -ENOMEM : 0;
}

static int map_access(struct audit_ecs *st, const json_t *rec, json_t *out)
{
	const char *hook = json_string_value(json_object_get(rec, "hook"));
	bool deny = !strcmp(json_string_value(json_object_get(rec, "decision")) ?: "", "deny");
	bool exec = hook && !strcmp(hook, "exec");
	json_t *d = doc_new(st, rec, "event", hook ? hook : "access", deny ? "failure" : "success",
			    mapped_access), *v;
	int err = 0;

	if (!d)
		return -ENOMEM;
	err |= put2(d, "event", "category", json_pack("[s]", exec ? "process" : "file"));
	err |= put2(d, "event", "type", json_pack("[s, s]", exec ? "start" : "access",
						  deny ? "denied" : "allowed"));
	if ((v = json_object_get(rec, "reason")))
		err |= put2(d, "event", "reason", json_copy(v));
	if ((v = json_object_get(rec, "pid")))
		err |= put2(d, "process", "pid", json_copy(v));
	if ((v = json_object_get(rec, "tid")))
		err |= put3(d, "process", "thread", "id", json_copy(v));
	if ((v = json_object_get(rec, "ppid")))
		err |= put3(d, "process", "parent", "pid", json_copy(v));
	if ((v = json_object_get(rec, "comm")))
		err |= put2(d, "process", "name", json_copy(v));
	/* the program that runs is the file of an exec; a map or an open is
	 * made by a process whose program the record does not name */
	if (exec && json_string_length(json_object_get(rec, "path")))
		err |= put2(d, "process", "executable", json_copy(json_object_get(rec, "path")));
	if ((v = keyword_int(json_object_get(rec, "uid"))))
		err |= put2(d, "user", "id", v);
	if ((v = keyword_int(json_object_get(rec, "gid"))))
		err |= put2(d, "group", "id", v);
	err |= put_file(d, json_object_get(rec, "path"), json_object_get(rec, "digest"));
	if ((v = keyword_int(json_object_get(rec, "ino"))))
		err |= put2(d, "file", "inode", v);
	return doc_append(out, d, err);
}

/* One document per repeat: what ran again, and how often, in the period. */
static int map_summary(struct audit_ecs *st, const json_t *rec, json_t *out)
{
	json_t *it, *d;
	size_t i;
	int err;

	json_array_foreach(json_object_get(rec, "repeats"), i, it) {
		const char *hook = json_string_value(json_object_get(it, "hook"));
		json_t *v;

		d = doc_new(st, rec, "metric", hook ? hook : "repeat", "success", mapped_summary);
		if (!d)
			return -ENOMEM;
		err = put2(d, "event", "category", json_pack("[s]", hook && !strcmp(hook, "exec") ?
							     "process" : "file"));
		err |= put_file(d, json_object_get(it, "path"), json_object_get(it, "digest"));
		/* a repeat without them is mapped without them, as the other
		 * fields are: not a failure to build the document */
		if ((v = json_object_get(it, "count")))
			err |= json_object_set(json_object_get(d, "imaguard"), "count", v);
		if ((v = json_object_get(it, "hook")))
			err |= json_object_set(json_object_get(d, "imaguard"), "hook", v);
		if (doc_append(out, d, err))
			return -ENOMEM;
	}
	return 0;
}

static int map_other(struct audit_ecs *st, const json_t *rec, const char *type, json_t *out)
{
	bool start = !strcmp(type, "start");
	const char *outcome = "success";
	json_t *d, *v;
	int err = 0;

	if (start) {
		snprintf(st->host, sizeof(st->host), "%s",
			 json_string_value(json_object_get(rec, "host")) ?: "");
	} else if (!strcmp(type, "reload")) {
		outcome = json_is_true(json_object_get(rec, "ok")) ? "success" : "failure";
	} else if (!strcmp(type, "stop")) {
		v = json_object_get(rec, "reason");
		outcome = json_is_string(v) && !strcmp(json_string_value(v), "error") ? "failure" :
			  "success";
	} else if (!strcmp(type, "lost")) {
		outcome = "failure";	/* events the kernel could not hand on */
	}
	d = doc_new(st, rec, "event", type, outcome, start ? mapped_start : mapped_other);
	if (!d)
		return -ENOMEM;
	/* the daemon starting and ending, its policy changing; lost events
	 * fit no ECS category */
	if (start || !strcmp(type, "stop"))
		err |= put2(d, "event", "category", json_pack("[s]", "process")) |
		       put2(d, "event", "type", json_pack("[s]", start ? "start" : "end"));
	else if (!strcmp(type, "reload"))
		err |= put2(d, "event", "category", json_pack("[s]", "configuration")) |
		       put2(d, "event", "type", json_pack("[s]", "change"));
	if (start) {
		/* the daemon itself */
		if ((v = json_object_get(rec, "pid")))
			err |= put2(d, "process", "pid", json_copy(v));
		err |= put2(d, "process", "name", json_string("imaguard"));
		if ((v = json_object_get(rec, "kernel")))
			err |= put3(d, "host", "os", "kernel", json_copy(v));
	}
	return doc_append(out, d, err);
}

void audit_ecs_init(struct audit_ecs *st, const char *host)
{
	memset(st, 0, sizeof(*st));
	if (host)
		snprintf(st->host, sizeof(st->host), "%s", host);
}

int audit_ecs_map(struct audit_ecs *st, const json_t *rec, json_t *out)
{
	const char *type = json_string_value(json_object_get(rec, "type"));

	if (!json_is_object(rec) || !type || !json_is_string(json_object_get(rec, "time")) ||
	    !json_is_array(out))
		return -EINVAL;
	if (!strcmp(type, "access"))
		return map_access(st, rec, out);
	if (!strcmp(type, "summary"))
		return map_summary(st, rec, out);
	return map_other(st, rec, type, out);
}
