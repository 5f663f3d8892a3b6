/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The imaguard-rules/1 document: path rules that decide before, or instead
 * of, the digest check.
 *
 *   {"format":"imaguard-rules/1","rules":[{"action":"deny","path":"/tmp/",
 *    "recursive":true,"hooks":["exec","mmap"],"comment":"..."}]}
 *
 * A path ending in '/' is a directory rule: it matches the directory's direct
 * children, or with "recursive":true everything below it (never the directory
 * itself). Any other path matches exactly that file. Paths are absolute and
 * normalised: no "//", no "." or ".." component. "hooks" defaults to exec and
 * mmap. "recursive" defaults to false and is only valid on directory rules.
 *
 * Precedence (rules_match is the reference the kernel side is tested
 * against): the most specific matching rule wins. An exact file rule beats
 * any directory rule; a longer directory beats a shorter one; a recursive and
 * a non-recursive rule on the same directory are equally specific. Between
 * equally specific rules deny beats audit beats allow, and then the earlier
 * rule in the file wins (that last tie only chooses which index is reported).
 */
#ifndef IMAGUARD_RULES_H
#define IMAGUARD_RULES_H

#include <stdbool.h>
#include <stddef.h>

#include "imaguard/enforcer.h"

#define RULES_FORMAT "imaguard-rules/1"
#define RULES_MAX_SIZE (16u << 20)

#define RULE_HOOK_BIT(h) (1u << (h))
#define RULE_HOOKS_DEFAULT (RULE_HOOK_BIT(IG_HOOK_EXEC) | RULE_HOOK_BIT(IG_HOOK_MMAP))

struct rule {
	unsigned int index;	/* position in the file, from 0 */
	unsigned int line;	/* where it starts in the file, from 1; 0 when unknown */
	enum ig_action action;
	char *path;
	size_t len;		/* strlen(path) */
	bool dir;		/* path ends in '/' */
	bool recursive;
	unsigned int hooks;	/* RULE_HOOK_BIT(IG_HOOK_*) */
	char *comment;		/* NULL when none */
};

/*
 * Optional top-level fields, for interpreted code (hook "script"):
 *   "interpreters": ["/usr/bin/python3.11", "sha256:<hex>", ...]  named by
 *       path (hashed when the policy is applied) or by digest;
 *   "default_interpreters": true|false  (default true) also the usual
 *       interpreters that exist on this host (rules_default_interpreters);
 *   "script_extensions": ["py", ...]  what makes a file code (without the
 *       '.'; "": a name with no '.'; "*": every regular file); default:
 *       the enforcer's list.
 */
struct rules {
	struct rule *v;
	size_t n;
	char **interps;		/* paths or "sha256:<hex>" */
	size_t ninterps;
	char **script_exts;	/* NULL: the default set */
	size_t nexts;
	bool no_default_interps;
};

/* The usual interpreters' paths, looked for at start (NULL-terminated); a
 * '*' in one is a glob. Those that exist are hashed. */
extern const char *const rules_default_interpreters[];

/* Strict parse, as allowlist_parse: -EINVAL with a message naming the line
 * ("line N: ", but for a missing top-level field) and the rule if any. */
int rules_parse(const void *buf, size_t len, struct rules **out, char *err, size_t errlen);
/* Read path once (as fileio_read_once) and parse; reports errors with pr_err. */
int rules_load(const char *path, struct rules **out);
void rules_free(struct rules *r);

/* The rule that decides path at hook, or NULL when none matches. */
const struct rule *rules_match(const struct rules *r, const char *path, enum ig_hook hook);

struct rules_warning {
	unsigned int rule;	/* index of the rule warned about */
	char msg[192];		/* "line N: rule I: ..." ("rule I: ..." without a line) */
};

/*
 * Warnings about a valid rule set: a rule that allows everything, a hook on
 * which a rule can never decide (another rule on the same path always wins),
 * an allow rule on open with nothing to make an exception from. *out is
 * malloc'ed (NULL when there is nothing to say). 0 or -ENOMEM.
 */
int rules_lint(const struct rules *r, struct rules_warning **out, size_t *n);

#endif
