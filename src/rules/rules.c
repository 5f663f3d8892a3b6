// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "util/fileio.h"
#include "util/log.h"
#include "util/names.h"
#include "rules/rules.h"

static int failf(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int failf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* NULL when the path is acceptable, else why not. */
static const char *path_problem(const char *p, size_t len)
{
	if (p[0] != '/')
		return "not absolute";
	if (len >= IG_PATH_MAX)
		return "longer than PATH_MAX";
	for (const char *c = p; *c; ) {
		const char *next = strchr(c + 1, '/');
		size_t seg = next ? (size_t)(next - c - 1) : strlen(c + 1);

		/* c points at a '/'; the segment after it runs for seg bytes */
		if (seg == 0 && next)
			return "contains '//'";
		if ((seg == 1 && c[1] == '.') || (seg == 2 && c[1] == '.' && c[2] == '.'))
			return "contains a '.' or '..' component";
		if (!next)
			break;
		c = next;
	}
	return NULL;
}

static int parse_hooks(json_t *v, unsigned int *hooks, size_t idx, char *err, size_t errlen)
{
	size_t i;
	json_t *h;

	if (!json_is_array(v) || !json_array_size(v))
		return failf(err, errlen, "rule %zu: 'hooks' must be a non-empty array", idx);
	*hooks = 0;
	json_array_foreach(v, i, h) {
		const char *s = json_string_value(h);
		int k = names_hook_parse(s);
		unsigned int bit = k < 0 ? 0 : RULE_HOOK_BIT(k);

		if (!bit)
			return failf(err, errlen,
				     "rule %zu: unknown hook %s%.32s%s (want exec, mmap, open or "
				     "script)",
				     idx, s ? "'" : "", s ? s : "(not a string)", s ? "'" : "");
		if (*hooks & bit)
			return failf(err, errlen, "rule %zu: hook '%s' listed twice", idx, s);
		*hooks |= bit;
	}
	return 0;
}

static int parse_rule(json_t *o, struct rule *r, size_t idx, char *err, size_t errlen)
{
	const char *key, *why;
	json_t *v;
	bool have_action = false, have_path = false, have_recursive = false;

	if (!json_is_object(o))
		return failf(err, errlen, "rule %zu: not an object", idx);
	r->index = (unsigned int)idx;
	r->hooks = RULE_HOOKS_DEFAULT;
	json_object_foreach(o, key, v) {
		if (!strcmp(key, "action")) {
			int a = names_action_parse(json_string_value(v));

			if (a > IG_ACT_NONE)
				r->action = a;
			if (!r->action)
				return failf(err, errlen,
					     "rule %zu: 'action' must be \"deny\", \"allow\" or "
					     "\"audit\"",
					     idx);
			have_action = true;
		} else if (!strcmp(key, "path")) {
			const char *s = json_string_value(v);

			if (!s || strlen(s) != json_string_length(v))
				return failf(err, errlen,
					     "rule %zu: 'path' must be a string without NUL", idx);
			r->len = strlen(s);
			why = path_problem(s, r->len);
			if (why)
				return failf(err, errlen, "rule %zu: path '%.128s' %s", idx, s, why);
			r->path = strdup(s);
			if (!r->path)
				return -ENOMEM;
			r->dir = s[r->len - 1] == '/';
			have_path = true;
		} else if (!strcmp(key, "recursive")) {
			if (!json_is_boolean(v))
				return failf(err, errlen,
					     "rule %zu: 'recursive' must be true or false", idx);
			r->recursive = json_is_true(v);
			have_recursive = true;
		} else if (!strcmp(key, "hooks")) {
			int e = parse_hooks(v, &r->hooks, idx, err, errlen);

			if (e)
				return e;
		} else if (!strcmp(key, "comment")) {
			const char *s = json_string_value(v);

			if (!s || strlen(s) != json_string_length(v))
				return failf(err, errlen,
					     "rule %zu: 'comment' must be a string without NUL",
					     idx);
			r->comment = strdup(s);
			if (!r->comment)
				return -ENOMEM;
		} else {
			return failf(err, errlen, "rule %zu: unknown field '%.64s'", idx, key);
		}
	}
	if (!have_action)
		return failf(err, errlen, "rule %zu: missing 'action'", idx);
	if (!have_path)
		return failf(err, errlen, "rule %zu: missing 'path'", idx);
	if (have_recursive && r->recursive && !r->dir)
		return failf(err, errlen,
			     "rule %zu: 'recursive' needs a directory path ending in '/' (got "
			     "'%.128s')",
			     idx, r->path);
	return 0;
}

static size_t ws(const char *b, size_t len, size_t i)
{
	while (i < len && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r'))
		i++;
	return i;
}

/* Past the value at i of a document jansson accepted. Not through jansson:
 * its error position does not count a NUL that it lets follow a literal. */
static size_t skip_value(const char *b, size_t len, size_t i)
{
	size_t depth = 0;

	do {
		if (i >= len)
			return len;
		if (b[i] == '"') {
			for (i++; i < len && b[i] != '"'; i++)
				i += b[i] == '\\';
			i++;
		} else if (b[i] == '{' || b[i] == '[') {
			depth++;
			i++;
		} else if (b[i] == '}' || b[i] == ']') {
			depth--;
			i++;
		} else if (depth) {
			i++;
		} else {
			/* a literal or a number, with any NUL jansson let follow */
			while (i < len && (!b[i] || !strchr(",]} \t\n\r", b[i])))
				i++;
		}
	} while (depth);
	return i;
}

/*
 * Where a message points. jansson's tree keeps no positions, so the text is
 * walked again: to the value of the first top-level field named key, to
 * element idx of that value when idx is not SIZE_MAX, or to the document
 * itself when key is NULL. The offset found, or len when there is none.
 */
static size_t value_at(const char *b, size_t len, const char *key, size_t idx)
{
	size_t i = ws(b, len, 0), end;
	bool found = false;

	if (key && i < len && b[i] == '{') {
		for (i = ws(b, len, i + 1); !found && i < len && b[i] == '"';) {
			json_t *k;

			end = skip_value(b, len, i);
			k = json_loadb(b + i, end - i, JSON_DECODE_ANY, NULL);
			found = json_is_string(k) && !strcmp(json_string_value(k), key);
			json_decref(k);
			i = ws(b, len, end);
			if (i >= len || b[i] != ':')
				return len;
			i = ws(b, len, i + 1);
			if (!found)
				i = ws(b, len, skip_value(b, len, i));
			if (!found && i < len && b[i] == ',')
				i = ws(b, len, i + 1);
		}
		if (!found)
			return len;
		if (idx != SIZE_MAX) {
			if (i >= len || b[i] != '[')
				return len;
			i = ws(b, len, i + 1);
			for (size_t n = 0; n < idx && i < len; n++) {
				i = ws(b, len, skip_value(b, len, i));
				if (i >= len || b[i] != ',')
					return len;
				i = ws(b, len, i + 1);
			}
		}
	}
	return i;
}

static size_t count_lines(const char *b, size_t from, size_t to)
{
	size_t n = 0;

	for (size_t j = from; j < to; j++)
		n += b[j] == '\n';
	return n;
}

/* The line of value_at's offset, or 0 when there is none. Only errors pay
 * for this walk. */
static size_t line_of(const char *b, size_t len, const char *key, size_t idx)
{
	size_t i = value_at(b, len, key, idx);

	return i < len ? 1 + count_lines(b, 0, i) : 0;
}

/* Each rule's line, for the lint's warnings: one walk over the array, where
 * line_of per rule would walk it again for every rule. */
static void note_rule_lines(const char *b, size_t len, struct rules *r)
{
	size_t i = value_at(b, len, "rules", 0), at = 0, line = 1;

	for (size_t n = 0; n < r->n && i < len; n++) {
		line += count_lines(b, at, i);
		at = i;
		r->v[n].line = (unsigned int)line;
		i = ws(b, len, skip_value(b, len, i));
		if (i >= len || b[i] != ',')
			break;
		i = ws(b, len, i + 1);
	}
}

/* "line N: " before the message in err, when there is a line to name. */
static void name_line(char *err, size_t errlen, size_t line)
{
	char why[256];

	if (!err || !errlen || !line)
		return;
	snprintf(why, sizeof(why), "%s", err);
	snprintf(err, errlen, "line %zu: %s", line, why);
}

const char *const rules_default_interpreters[] = {
	"/usr/bin/python3*", "/usr/bin/perl", "/usr/bin/ruby*", "/usr/bin/php*",
	"/usr/bin/node", "/usr/bin/nodejs", "/usr/bin/lua*", "/usr/bin/tclsh*",
	"/bin/sh", "/bin/bash", "/bin/dash", "/bin/busybox", "/usr/bin/bash", "/usr/bin/dash",
	"/usr/bin/busybox", "/usr/bin/awk", "/usr/bin/gawk", "/usr/bin/mawk", NULL,
};

static void strv_free(char **v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

void rules_free(struct rules *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++) {
		free(r->v[i].path);
		free(r->v[i].comment);
	}
	free(r->v);
	strv_free(r->interps, r->ninterps);
	strv_free(r->script_exts, r->nexts);
	free(r);
}

/* A top-level array of strings, each checked by ok (NULL: fine, else why
 * not), copied into *out. */
static int parse_strv(json_t *v, const char *field, const char *(*ok)(const char *),
		      char ***out, size_t *n, char *err, size_t errlen)
{
	size_t i;
	json_t *e;

	if (!json_is_array(v))
		return failf(err, errlen, "'%s' must be an array of strings", field);
	*out = calloc(json_array_size(v) ? json_array_size(v) : 1, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	json_array_foreach(v, i, e) {
		const char *s = json_string_value(e), *why;

		if (!s || strlen(s) != json_string_length(e))
			return failf(err, errlen, "'%s' entry %zu: not a string without NUL",
				     field, i);
		why = ok(s);
		if (why)
			return failf(err, errlen, "'%s' entry %zu '%.128s': %s", field, i, s, why);
		(*out)[i] = strdup(s);
		if (!(*out)[i])
			return -ENOMEM;
		*n = i + 1;
	}
	return 0;
}

static const char *interp_problem(const char *s)
{
	if (!strncmp(s, "sha256:", 7)) {
		size_t n = strspn(s + 7, "0123456789abcdefABCDEF");

		return n == 64 && !s[71] ? NULL : "not sha256: and 64 hex digits";
	}
	return path_problem(s, strlen(s));
}

static const char *ext_problem(const char *s)
{
	if (!strcmp(s, "*"))
		return NULL; /* every file; "" is a name with no '.' */
	if (strlen(s) >= IG_EXT_LEN)
		return "an extension has at most 7 bytes";
	if (strchr(s, '.') || strchr(s, '/'))
		return "an extension has no '.' nor '/'";
	return NULL;
}

int rules_parse(const void *buf, size_t len, struct rules **out, char *err, size_t errlen)
{
	struct rules *r = NULL;
	json_t *doc, *v, *list = NULL;
	json_error_t je;
	const char *key;
	bool have_format = false;
	int rc = 0;

	if (err && errlen)
		err[0] = '\0';
	/* jansson's defaults already refuse trailing bytes and NUL in strings. */
	doc = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
	if (!doc)
		return failf(err, errlen, "line %d: invalid JSON: %s", je.line, je.text);
	if (!json_is_object(doc)) {
		rc = failf(err, errlen, "the document must be a JSON object");
		name_line(err, errlen, line_of(buf, len, NULL, 0));
		goto cleanup;
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		rc = -ENOMEM;
		goto cleanup;
	}
	json_object_foreach(doc, key, v) {
		if (!strcmp(key, "interpreters")) {
			if (r->interps)
				rc = failf(err, errlen, "'interpreters' given twice");
			else
				rc = parse_strv(v, key, interp_problem, &r->interps, &r->ninterps,
						err, errlen);
		} else if (!strcmp(key, "script_extensions")) {
			if (r->script_exts)
				rc = failf(err, errlen, "'script_extensions' given twice");
			else
				rc = parse_strv(v, key, ext_problem, &r->script_exts, &r->nexts,
						err, errlen);
		} else if (!strcmp(key, "default_interpreters")) {
			if (!json_is_boolean(v))
				rc = failf(err, errlen,
					   "'default_interpreters' must be true or false");
			r->no_default_interps = json_is_false(v);
		} else if (!strcmp(key, "format")) {
			if (!json_is_string(v) || strcmp(json_string_value(v), RULES_FORMAT))
				rc = failf(err, errlen, "unsupported format: want \"%s\"",
					   RULES_FORMAT);
			have_format = true;
		} else if (!strcmp(key, "rules")) {
			if (!json_is_array(v))
				rc = failf(err, errlen, "'rules' must be an array");
			list = v;
		} else {
			rc = failf(err, errlen, "unknown field '%.64s'", key);
		}
		if (rc) {
			name_line(err, errlen, line_of(buf, len, key, SIZE_MAX));
			goto cleanup;
		}
	}
	/* a missing field has no line to name */
	if (!have_format || !list) {
		rc = failf(err, errlen, "missing '%s'", have_format ? "rules" : "format");
		goto cleanup;
	}
	if (json_array_size(list) && !(r->v = calloc(json_array_size(list), sizeof(*r->v)))) {
		rc = -ENOMEM;
		goto cleanup;
	}
	for (size_t i = 0; i < json_array_size(list); i++) {
		r->n = i + 1;	/* so rules_free frees what parse_rule set */
		rc = parse_rule(json_array_get(list, i), &r->v[i], i, err, errlen);
		if (rc == -EINVAL)
			name_line(err, errlen, line_of(buf, len, "rules", i));
		if (rc)
			goto cleanup;
	}
	note_rule_lines(buf, len, r);
	*out = r;
	r = NULL;
cleanup:
	if (rc == -ENOMEM && err && errlen)
		snprintf(err, errlen, "out of memory");
	rules_free(r);
	json_decref(doc);
	return rc;
}

int rules_load(const char *path, struct rules **out)
{
	uint8_t *buf = NULL;
	size_t len;
	char why[256];
	int err;

	err = fileio_read_once(path, RULES_MAX_SIZE, &buf, &len);
	if (err)
		return err;
	err = rules_parse(buf, len, out, why, sizeof(why));
	if (err)
		pr_err("rules '%s' refused: %s", path, why);
	free(buf);
	return err;
}

/* How specific a match is: exact file rules rank above every directory
 * rule, then the longer path wins. Larger is more specific. */
static size_t specificity(const struct rule *r)
{
	return r->dir ? r->len : IG_PATH_MAX + r->len;
}

static bool rule_matches(const struct rule *r, const char *path)
{
	if (!r->dir)
		return !strcmp(path, r->path);
	if (strncmp(path, r->path, r->len) || !path[r->len])
		return false;
	return r->recursive || !strchr(path + r->len, '/');
}

/* Does a beat b when both match? */
static bool beats(const struct rule *a, const struct rule *b)
{
	if (specificity(a) != specificity(b))
		return specificity(a) > specificity(b);
	if (a->action != b->action)
		return a->action > b->action;	/* enum order: deny > audit > allow */
	return a->index < b->index;
}

const struct rule *rules_match(const struct rules *r, const char *path, enum ig_hook hook)
{
	const struct rule *best = NULL;

	if (!r || hook >= IG_HOOK_MAX)
		return NULL;
	for (size_t i = 0; i < r->n; i++) {
		const struct rule *c = &r->v[i];

		if (!(c->hooks & RULE_HOOK_BIT(hook)) || !rule_matches(c, path))
			continue;
		if (!best || beats(c, best))
			best = c;
	}
	return best;
}

/* ---- lint ----------------------------------------------------------------- */

struct lint {
	struct rules_warning *v;
	size_t n, cap;
	int err;
};

static void warn(struct lint *l, const struct rule *r, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void warn(struct lint *l, const struct rule *r, const char *fmt, ...)
{
	va_list ap;
	char *msg;
	int at;

	if (l->err)
		return;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 8;
		struct rules_warning *v = realloc(l->v, cap * sizeof(*v));

		if (!v) {
			l->err = -ENOMEM;
			return;
		}
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n].rule = r->index;
	msg = l->v[l->n].msg;
	/* "line N: " first, as the parse's errors have it */
	at = r->line ? snprintf(msg, sizeof(l->v[l->n].msg), "line %u: ", r->line) : 0;
	va_start(ap, fmt);
	vsnprintf(msg + at, sizeof(l->v[l->n].msg) - at, fmt, ap);
	va_end(ap);
	l->n++;
}

/*
 * s covers r when on one hook s matches every path r matches, just as
 * specifically, and wins the tie: then r never decides on that hook. Only a
 * rule on the same path can do that; a more specific rule elsewhere covers
 * part of r at most.
 */
static bool covers(const struct rule *s, const struct rule *r)
{
	return s != r && s->dir == r->dir && !strcmp(s->path, r->path) &&
	       (s->recursive || !r->recursive) && beats(s, r);
}

/* Is there a path that both rules match? */
static bool overlaps(const struct rule *a, const struct rule *b)
{
	const struct rule *p = a, *q = b;

	if (!a->dir)
		return rule_matches(b, a->path);
	if (!b->dir)
		return rule_matches(a, b->path);
	if (p->len > q->len) {
		p = b;
		q = a;
	}
	/* p is the shorter directory: q's paths lie below p, and at least one
	 * level deeper than p's direct children unless q is p. */
	if (strncmp(q->path, p->path, p->len))
		return false;
	return p->recursive || p->len == q->len;
}

/* An allow on open is an exception to an audit or deny on open; without a
 * rule to make an exception from, opens there are unwatched anyway. */
static bool open_exception_has_base(const struct rules *rs, const struct rule *r)
{
	for (size_t i = 0; i < rs->n; i++) {
		const struct rule *s = &rs->v[i];

		if (s != r && s->action != IG_ACT_ALLOW &&
		    (s->hooks & RULE_HOOK_BIT(IG_HOOK_OPEN)) && overlaps(s, r))
			return true;
	}
	return false;
}

int rules_lint(const struct rules *rs, struct rules_warning **out, size_t *n)
{
	struct lint l = { 0 };

	for (size_t i = 0; i < rs->n; i++) {
		const struct rule *r = &rs->v[i];
		unsigned int dead = 0;

		if (r->action == IG_ACT_ALLOW && r->len == 1 && r->recursive &&
		    (r->hooks & (RULE_HOOK_BIT(IG_HOOK_EXEC) | RULE_HOOK_BIT(IG_HOOK_MMAP))))
			warn(&l, r,
			     "rule %u: allows everything: recursive allow on '/' turns off the "
			     "digest check for every file",
			     r->index);
		for (int h = 0; h < IG_HOOK_MAX; h++) {
			if (!(r->hooks & RULE_HOOK_BIT(h)))
				continue;
			for (size_t j = 0; j < rs->n; j++) {
				const struct rule *s = &rs->v[j];

				if ((s->hooks & RULE_HOOK_BIT(h)) && covers(s, r)) {
					warn(&l, r,
					     "rule %u: never decides on '%s': rule %u (%s '%s'%s) "
					     "always wins there",
					     r->index, names_hook(h), s->index,
					     names_action(s->action), s->path,
					     s->recursive ? " recursive" : "");
					dead |= RULE_HOOK_BIT(h);
					break;
				}
			}
		}
		if (dead == r->hooks)
			warn(&l, r, "rule %u: can never match: every hook it names is decided by "
				    "another rule", r->index);
		if (r->action == IG_ACT_ALLOW && (r->hooks & RULE_HOOK_BIT(IG_HOOK_OPEN)) &&
		    !(dead & RULE_HOOK_BIT(IG_HOOK_OPEN)) && !open_exception_has_base(rs, r))
			warn(&l, r,
			     "rule %u: 'open' has no effect: opens are watched only under an "
			     "audit or deny rule on open, and none covers '%s'",
			     r->index, r->path);
	}
	if (l.err) {
		free(l.v);
		return l.err;
	}
	*out = l.v;
	*n = l.n;
	return 0;
}
