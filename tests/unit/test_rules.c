// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "rules/rules.h"

#define HOOKS_EM RULE_HOOKS_DEFAULT
#define HOOKS_ALL (RULE_HOOKS_DEFAULT | RULE_HOOK_BIT(IG_HOOK_OPEN))

static struct rules *parse_ok(const char *doc)
{
	struct rules *r = NULL;
	char why[256];

	if (rules_parse(doc, strlen(doc), &r, why, sizeof(why)))
		fail_msg("unexpected rejection: %s", why);
	return r;
}

static void parse_bad(const char *doc, const char *want)
{
	struct rules *r = NULL;
	char why[256];
	int err = rules_parse(doc, strlen(doc), &r, why, sizeof(why));

	if (!err)
		fail_msg("accepted: %s", doc);
	assert_int_equal(err, -EINVAL);
	assert_null(r);
	if (!strstr(why, want))
		fail_msg("message '%s' lacks '%s'", why, want);
}

#define DOC(rules) "{\"format\":\"imaguard-rules/1\",\"rules\":[" rules "]}"
/* No rules, and more top-level fields. */
#define DOCX(more) "{\"format\":\"imaguard-rules/1\",\"rules\":[]" more "}"

static void test_rules_parse_fields(void **state)
{
	struct rules *r;

	(void)state;
	r = parse_ok(DOC("{\"action\":\"deny\",\"path\":\"/tmp/\",\"recursive\":true},"
			 "{\"action\":\"audit\",\"path\":\"/etc/shadow\",\"hooks\":[\"open\"],"
			 "\"comment\":\"c\"},"
			 "{\"action\":\"allow\",\"path\":\"/opt/app/\"}"));
	assert_int_equal(r->n, 3);
	assert_int_equal(r->v[0].action, IG_ACT_DENY);
	assert_true(r->v[0].dir);
	assert_true(r->v[0].recursive);
	assert_int_equal(r->v[0].hooks, RULE_HOOKS_DEFAULT);
	assert_int_equal(r->v[1].index, 1);
	assert_false(r->v[1].dir);
	assert_int_equal(r->v[1].hooks, RULE_HOOK_BIT(IG_HOOK_OPEN));
	assert_string_equal(r->v[1].comment, "c");
	assert_int_equal(r->v[2].action, IG_ACT_ALLOW);
	assert_false(r->v[2].recursive);
	rules_free(r);
	r = parse_ok(DOC(""));
	assert_int_equal(r->n, 0);
	rules_free(r);
}

static void test_rules_parse_rejects(void **state)
{
	(void)state;
	parse_bad("{\"format\":\"imaguard-rules/2\",\"rules\":[]}", "unsupported format");
	parse_bad("{\"rules\":[]}", "missing 'format'");
	parse_bad("{\"format\":\"imaguard-rules/1\"}", "missing 'rules'");
	parse_bad("{\"format\":\"imaguard-rules/1\",\"rules\":{}}", "'rules' must be an array");
	parse_bad("{\"format\":\"imaguard-rules/1\",\"rules\":[],\"x\":1}", "unknown field 'x'");
	parse_bad("{\"format\":\"imaguard-rules/1\",\"rules\":[],\"rules\":[]}",
		  "duplicate object key");
	parse_bad(DOC("") "x", "invalid JSON");
	parse_bad("[]", "must be a JSON object");
	parse_bad(DOC("1"), "rule 0: not an object");
	parse_bad(DOC("{\"path\":\"/x\"}"), "rule 0: missing 'action'");
	parse_bad(DOC("{\"action\":\"deny\"}"), "rule 0: missing 'path'");
	parse_bad(DOC("{\"action\":\"block\",\"path\":\"/x\"}"), "rule 0: 'action' must be");
	parse_bad(DOC("{\"action\":\"deny\",\"path\":\"/x\"},{\"action\":\"deny\",\"path\":\"x\"}"),
		  "rule 1: path 'x' not absolute");
	parse_bad(DOC("{\"action\":\"deny\",\"path\":\"\"}"), "not absolute");
	parse_bad(DOC("{\"action\":\"deny\",\"path\":\"/a//b\"}"), "contains '//'");
	parse_bad(DOC("{\"action\":\"deny\",\"path\":\"//\"}"), "contains '//'");
	parse_bad(DOC("{\"action\":\"deny\",\"path\":\"/a/../b\"}"), "'..' component");
	parse_bad(DOC("{\"action\":\"deny\",\"path\":\"/a/..\"}"), "'..' component");
	parse_bad(DOC("{\"action\":\"deny\",\"path\":\"/a/./b\"}"), "'..' component");
	parse_bad(DOC("{\"action\":\"deny\",\"path\":\"/.\"}"), "'..' component");
	parse_bad(DOC("{\"action\":\"deny\",\"path\":\"/a\\u0000\"}"), "invalid JSON");
	parse_bad(DOC("{\"action\":\"deny\",\"path\":\"/a\",\"recursive\":true}"),
		  "'recursive' needs a directory path");
	parse_bad(DOC("{\"action\":\"deny\",\"path\":\"/a/\",\"recursive\":1}"),
		  "'recursive' must be true or false");
	parse_bad(DOC("{\"action\":\"deny\",\"path\":\"/a/\",\"hooks\":[]}"),
		  "'hooks' must be a non-empty array");
	parse_bad(DOC("{\"action\":\"deny\",\"path\":\"/a/\",\"hooks\":\"exec\"}"),
		  "'hooks' must be a non-empty array");
	parse_bad(DOC("{\"action\":\"deny\",\"path\":\"/a/\",\"hooks\":[\"exec\",\"exec\"]}"),
		  "hook 'exec' listed twice");
	parse_bad(DOC("{\"action\":\"deny\",\"path\":\"/a/\",\"hooks\":[\"read\"]}"),
		  "unknown hook 'read'");
	parse_bad(DOC("{\"action\":\"deny\",\"path\":\"/a/\",\"hooks\":[1]}"), "unknown hook");
	parse_bad(DOC("{\"action\":\"deny\",\"path\":\"/a/\",\"glob\":\"*\"}"),
		  "rule 0: unknown field 'glob'");
	parse_bad(DOC("{\"action\":\"deny\",\"path\":\"/a/\",\"action\":\"allow\"}"),
		  "duplicate object key");
}

/* Every error names the line, as the allowlist's do: a rule's where the
 * rule starts, a field's where its value starts; only a field that is
 * missing from the document has none. */
static void test_rules_parse_interpreters(void **state)
{
	static const char hex[] =
		"sha256:00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
	struct rules *r;

	(void)state;
	r = parse_ok(DOC(""));
	assert_int_equal(r->ninterps, 0);
	assert_null(r->script_exts);
	assert_false(r->no_default_interps);
	rules_free(r);
	r = parse_ok("{\"format\":\"imaguard-rules/1\",\"rules\":[],"
		     "\"interpreters\":[\"/opt/py/bin/python3\",\"" "sha256:"
		     "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\"],"
		     "\"default_interpreters\":false,\"script_extensions\":[\"py\",\"*\"]}");
	assert_int_equal(r->ninterps, 2);
	assert_string_equal(r->interps[0], "/opt/py/bin/python3");
	assert_string_equal(r->interps[1], hex);
	assert_true(r->no_default_interps);
	assert_int_equal(r->nexts, 2);
	assert_string_equal(r->script_exts[1], "*");
	rules_free(r);
	parse_bad(DOCX(",\"interpreters\":[\"python3\"]"), "not absolute");
	parse_bad(DOCX(",\"interpreters\":[\"sha256:00\"]"), "64 hex digits");
	parse_bad(DOCX(",\"interpreters\":\"/bin/sh\""), "must be an array of strings");
	parse_bad(DOCX(",\"script_extensions\":[\".py\"]"), "no '.'");
	parse_bad(DOCX(",\"script_extensions\":[\"toolongext\"]"), "at most 7 bytes");
	parse_bad(DOCX(",\"default_interpreters\":1"), "true or false");
	r = parse_ok(DOC("{\"action\":\"allow\",\"path\":\"/srv/data/\",\"hooks\":[\"script\"]}"));
	assert_int_equal(r->v[0].hooks, RULE_HOOK_BIT(IG_HOOK_SCRIPT));
	rules_free(r);
}

static void test_rules_parse_names_lines(void **state)
{
	static const struct {
		const char *doc, *want;
	} cases[] = {
		{ "{\n\"format\": \"imaguard-rules/1\",\n\"rules\": [\n"
		  "{\"action\": \"deny\", \"path\": \"/tmp/\"},\n"
		  "{\"action\": \"deny\", \"path\": \"/a/\", \"rules\": [1]},\n"
		  "{\"action\": \"deny\", \"path\": \"x\"}\n]}\n",
		  "line 5: rule 1: unknown field 'rules'" },
		{ "{\n\"format\": \"imaguard-rules/1\",\n\"rules\": [\n"
		  "{\"action\": \"deny\", \"path\": \"/tmp/\"},\n\n"
		  "  \"string\", {\"action\": \"deny\", \"path\": \"x\"}\n]}\n",
		  "line 6: rule 1: not an object" },
		{ "{\"rules\": [{\"action\": \"deny\", \"path\": \"/a/\"},\n"
		  "  {\"action\": \"deny\", \"path\": \"/b/\"}, {\"action\": \"deny\",\n"
		  "   \"path\": \"/c/\", \"hooks\": [\"read\"]}],\n"
		  "\"format\": \"imaguard-rules/1\"}",
		  "line 2: rule 2: unknown hook 'read'" },
		{ "{\"rules\": [],\n\"x\\u0079\": 1,\n\"format\": \"imaguard-rules/1\"}",
		  "line 2: unknown field 'xy'" },
		{ "{\"rules\": [],\n\"format\":\n\n \"imaguard-rules/2\"}",
		  "line 4: unsupported format" },
		{ "{\"format\": \"imaguard-rules/1\", \"rules\":\n{}}", "line 2: 'rules' must be" },
		{ "\n\n [1]", "line 3: the document must be a JSON object" },
		{ "{\"format\": \"imaguard-rules/1\",\n\"rules\": [],\n\"rules\": []}",
		  "line 3: invalid JSON: duplicate object key" },
		{ "{\"format\": \"imaguard-rules/1\"\n}", "missing 'rules'" },
	};

	/* jansson lets a NUL follow a literal; the line is still found */
	static const char nul[] = "{\"format\": \"imaguard-rules/1\", \"rules\": [\n"
				  "{\"action\": \"deny\", \"path\": \"/a/\", \"recursive\": true\0},\n"
				  "{\"action\": \"deny\", \"path\": \"x\"}]}";
	struct rules *r = NULL;
	char why[256];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(rules_parse(cases[i].doc, strlen(cases[i].doc), &r, why,
					     sizeof(why)), -EINVAL);
		if (strncmp(why, cases[i].want, strlen(cases[i].want)))
			fail_msg("case %zu: message '%s', want '%s'", i, why, cases[i].want);
	}
	assert_int_equal(rules_parse(nul, sizeof(nul) - 1, &r, why, sizeof(why)), -EINVAL);
	assert_string_equal(why, "line 3: rule 1: path 'x' not absolute");
}

static void test_rules_parse_accepts_edge_paths(void **state)
{
	struct rules *r;

	(void)state;
	/* dots inside names are not '.' components */
	r = parse_ok(DOC("{\"action\":\"deny\",\"path\":\"/a/.hidden/..x/\"},"
			 "{\"action\":\"deny\",\"path\":\"/\",\"recursive\":true}"));
	assert_int_equal(r->n, 2);
	assert_true(r->v[1].dir);
	rules_free(r);
}

/* ---- matcher -------------------------------------------------------------- */

#define R(act, p, rec, hk) { .action = IG_ACT_##act, .path = (char *)(p), .recursive = (rec), .hooks = (hk) }

static void fixup(struct rule *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		v[i].index = (unsigned int)i;
		v[i].len = strlen(v[i].path);
		v[i].dir = v[i].path[v[i].len - 1] == '/';
	}
}

static int match_index(struct rule *v, size_t n, const char *path, enum ig_hook h)
{
	struct rules rs = { .v = v, .n = n };
	const struct rule *m;

	fixup(v, n);
	m = rules_match(&rs, path, h);
	return m ? (int)m->index : -1;
}

/* Written-out cases of the precedence DESIGN.md states. */
static void test_rules_match_table(void **state)
{
	static const struct {
		struct rule rules[4];
		size_t n;
		const char *path;
		enum ig_hook hook;
		int want;
	} t[] = {
		/* exact beats directory, whatever the actions */
		{ { R(DENY, "/usr/bin/", false, HOOKS_EM), R(ALLOW, "/usr/bin/ls", false, HOOKS_EM) },
		  2, "/usr/bin/ls", IG_HOOK_EXEC, 1 },
		/* longer directory beats shorter */
		{ { R(DENY, "/usr/", true, HOOKS_EM), R(ALLOW, "/usr/bin/", false, HOOKS_EM) },
		  2, "/usr/bin/ls", IG_HOOK_EXEC, 1 },
		{ { R(ALLOW, "/usr/bin/", false, HOOKS_EM), R(DENY, "/usr/", true, HOOKS_EM) },
		  2, "/usr/bin/ls", IG_HOOK_MMAP, 0 },
		/* non-recursive: direct children only */
		{ { R(DENY, "/usr/", true, HOOKS_EM), R(ALLOW, "/usr/bin/", false, HOOKS_EM) },
		  2, "/usr/bin/x/ls", IG_HOOK_EXEC, 0 },
		{ { R(ALLOW, "/usr/bin/", false, HOOKS_EM) }, 1, "/usr/bin/x/ls", IG_HOOK_EXEC, -1 },
		/* a directory rule never matches the directory itself or a sibling prefix */
		{ { R(DENY, "/tmp/", true, HOOKS_EM) }, 1, "/tmp", IG_HOOK_EXEC, -1 },
		{ { R(DENY, "/tmp/", true, HOOKS_EM) }, 1, "/tmpx/a", IG_HOOK_EXEC, -1 },
		{ { R(DENY, "/tmp", false, HOOKS_EM) }, 1, "/tmp/a", IG_HOOK_EXEC, -1 },
		/* equals: deny > audit > allow, regardless of order */
		{ { R(ALLOW, "/x/", true, HOOKS_EM), R(AUDIT, "/x/", true, HOOKS_EM),
		    R(DENY, "/x/", true, HOOKS_EM) },
		  3, "/x/y", IG_HOOK_EXEC, 2 },
		{ { R(DENY, "/x/", true, HOOKS_EM), R(AUDIT, "/x/", true, HOOKS_EM) },
		  2, "/x/y", IG_HOOK_EXEC, 0 },
		{ { R(ALLOW, "/x/", true, HOOKS_EM), R(AUDIT, "/x/", false, HOOKS_EM) },
		  2, "/x/y", IG_HOOK_EXEC, 1 },
		/* same action, same specificity: the earlier rule is reported */
		{ { R(AUDIT, "/x/", true, HOOKS_EM), R(AUDIT, "/x/", false, HOOKS_EM) },
		  2, "/x/y", IG_HOOK_EXEC, 0 },
		/* hooks filter before precedence */
		{ { R(DENY, "/x/y", false, RULE_HOOK_BIT(IG_HOOK_EXEC)),
		    R(ALLOW, "/x/", true, HOOKS_EM) },
		  2, "/x/y", IG_HOOK_MMAP, 1 },
		{ { R(AUDIT, "/etc/", true, RULE_HOOK_BIT(IG_HOOK_OPEN)) }, 1, "/etc/passwd",
		  IG_HOOK_EXEC, -1 },
		{ { R(AUDIT, "/etc/", true, RULE_HOOK_BIT(IG_HOOK_OPEN)) }, 1, "/etc/passwd",
		  IG_HOOK_OPEN, 0 },
		/* root */
		{ { R(ALLOW, "/", true, HOOKS_EM) }, 1, "/a/b/c", IG_HOOK_EXEC, 0 },
		{ { R(ALLOW, "/", false, HOOKS_EM) }, 1, "/a/b/c", IG_HOOK_EXEC, -1 },
		{ { R(ALLOW, "/", false, HOOKS_EM) }, 1, "/init", IG_HOOK_EXEC, 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct rule v[4];
		int got;

		memcpy(v, t[i].rules, sizeof(v));
		got = match_index(v, t[i].n, t[i].path, t[i].hook);
		if (got != t[i].want)
			fail_msg("case %zu (%s): got rule %d, want %d", i, t[i].path, got, t[i].want);
	}
}

/*
 * An independent statement of the precedence, shaped like the kernel's walk:
 * look at the file's own exact rules, then at each ancestor directory from
 * the nearest up (its non-recursive rules only for the parent); the first
 * level with any rule decides, by action and then by file order.
 */
static int oracle(const struct rule *v, size_t n, const char *path, enum ig_hook h)
{
	size_t plen = strlen(path);
	char dir[64];
	int best = -1;

	for (size_t i = 0; i < n; i++)
		if ((v[i].hooks & RULE_HOOK_BIT(h)) && !v[i].dir && !strcmp(v[i].path, path) &&
		    (best < 0 || v[i].action > v[best].action))
			best = (int)i;
	if (best >= 0)
		return best;
	for (size_t cut = plen; cut-- > 0;) {
		bool parent;

		if (path[cut] != '/' || cut == plen - 1)
			continue;
		memcpy(dir, path, cut + 1);
		dir[cut + 1] = '\0';
		parent = !strchr(path + cut + 1, '/');
		for (size_t i = 0; i < n; i++)
			if ((v[i].hooks & RULE_HOOK_BIT(h)) && v[i].dir && !strcmp(v[i].path, dir) &&
			    (v[i].recursive || parent) && (best < 0 || v[i].action > v[best].action))
				best = (int)i;
		if (best >= 0)
			return best;
	}
	return -1;
}

/* Every ordered triple of rules drawn from a small universe, against every
 * path of a small tree and every hook: rules_match agrees with the oracle. */
static void test_rules_match_exhaustive(void **state)
{
	static const char *const rpaths[] = { "/", "/a/", "/a/b/", "/a", "/a/b", "/a/b/c" };
	static const char *const paths[] = { "/a", "/a/b", "/a/b/c", "/a/b/c/d", "/a/x",
					     "/b", "/ab", "/a/bc", "/a/b/" };
	static const unsigned int hooksets[] = { HOOKS_EM, RULE_HOOK_BIT(IG_HOOK_EXEC) |
								    RULE_HOOK_BIT(IG_HOOK_OPEN) };
	struct rule u[64];
	size_t nu = 0, checked = 0;

	(void)state;
	for (size_t p = 0; p < 6; p++)
		for (int rec = 0; rec < 2; rec++)
			for (int a = IG_ACT_ALLOW; a <= IG_ACT_DENY; a++)
				for (size_t hs = 0; hs < 2; hs++) {
					bool dir = rpaths[p][strlen(rpaths[p]) - 1] == '/';

					if (rec && !dir)
						continue;
					u[nu++] = (struct rule)R(ALLOW, rpaths[p], rec, hooksets[hs]);
					u[nu - 1].action = a;
				}
	assert_int_equal(nu, 54);
	for (size_t i = 0; i < nu; i++)
		for (size_t j = 0; j < nu; j++)
			for (size_t k = 0; k < nu; k++) {
				struct rule v[3] = { u[i], u[j], u[k] };

				fixup(v, 3);
				for (size_t p = 0; p < sizeof(paths) / sizeof(paths[0]); p++)
					for (int h = 0; h < IG_HOOK_MAX; h++) {
						int want = oracle(v, 3, paths[p], h);
						int got = match_index(v, 3, paths[p], h);

						if (got != want)
							fail_msg("rules %zu,%zu,%zu path %s hook %d: "
								 "got %d want %d",
								 i, j, k, paths[p], h, got, want);
						checked++;
					}
			}
	assert_true(checked > 4000000);
}

/* ---- lint ----------------------------------------------------------------- */

static size_t lint(const char *doc, const char *want)
{
	struct rules *r = parse_ok(doc);
	struct rules_warning *w = NULL;
	size_t n = 0;
	bool found = !want;

	assert_int_equal(rules_lint(r, &w, &n), 0);
	for (size_t i = 0; i < n; i++)
		if (want && strstr(w[i].msg, want))
			found = true;
	if (!found)
		fail_msg("no warning containing '%s' (%zu warnings, first: %s)", want, n,
			 n ? w[0].msg : "-");
	free(w);
	rules_free(r);
	return n;
}

static void test_rules_lint(void **state)
{
	(void)state;
	assert_int_equal(lint(DOC("{\"action\":\"deny\",\"path\":\"/tmp/\",\"recursive\":true},"
				  "{\"action\":\"audit\",\"path\":\"/etc/\",\"recursive\":true,"
				  "\"hooks\":[\"open\"]},"
				  "{\"action\":\"allow\",\"path\":\"/etc/hosts\",\"hooks\":[\"open\"]}"),
			      NULL),
			 0);
	lint(DOC("{\"action\":\"allow\",\"path\":\"/\",\"recursive\":true}"), "allows everything");
	lint(DOC("{\"action\":\"allow\",\"path\":\"/x/\"},{\"action\":\"allow\",\"path\":\"/x/\"}"),
	     "rule 1: can never match");
	lint(DOC("{\"action\":\"allow\",\"path\":\"/x/\"},{\"action\":\"deny\",\"path\":\"/x/\"}"),
	     "rule 0: never decides on 'exec': rule 1 (deny '/x/')");
	lint(DOC("{\"action\":\"audit\",\"path\":\"/x/\"},"
		 "{\"action\":\"deny\",\"path\":\"/x/\",\"recursive\":true}"),
	     "rule 0: can never match");
	/* equal actions: the earlier non-recursive rule is the one reported */
	assert_int_equal(lint(DOC("{\"action\":\"audit\",\"path\":\"/x/\"},"
				  "{\"action\":\"audit\",\"path\":\"/x/\",\"recursive\":true}"),
			      NULL),
			 0);
	/* a stronger non-recursive rule does not cover a recursive one */
	assert_int_equal(lint(DOC("{\"action\":\"allow\",\"path\":\"/x/\",\"recursive\":true},"
				  "{\"action\":\"deny\",\"path\":\"/x/\"}"),
			      NULL),
			 0);
	/* dead on one hook only */
	assert_int_equal(lint(DOC("{\"action\":\"allow\",\"path\":\"/x\",\"hooks\":[\"exec\",\"mmap\"]},"
				  "{\"action\":\"deny\",\"path\":\"/x\",\"hooks\":[\"exec\"]}"),
			      "rule 0: never decides on 'exec'"),
			 1);
	lint(DOC("{\"action\":\"allow\",\"path\":\"/etc/hosts\",\"hooks\":[\"open\"]}"),
	     "'open' has no effect");
	lint(DOC("{\"action\":\"audit\",\"path\":\"/etc/\",\"hooks\":[\"open\"]},"
		 "{\"action\":\"allow\",\"path\":\"/etc/x/y\",\"hooks\":[\"open\"]}"),
	     "'open' has no effect");
}

/* A warning names the line its rule starts on, as a parse error does: in a
 * file of hundreds of rules, "rule 212" alone sends the reader counting. */
static void test_rules_lint_names_lines(void **state)
{
	static const char doc[] =
		"{\n"
		"  \"format\": \"imaguard-rules/1\",\n"
		"  \"rules\": [\n"
		"    {\"action\": \"deny\", \"path\": \"/tmp/\", \"recursive\": true},\n"
		"    {\"action\": \"allow\",\n"
		"     \"comment\": \"a ] and a \\\" and a\\nnewline\",\n"
		"     \"path\": \"/x/\"},\n"
		"\n"
		"    {\"action\": \"deny\", \"path\": \"/x/\"},\n"
		"    {\"action\": \"allow\", \"path\": \"/\", \"recursive\": true}\n"
		"  ]\n"
		"}\n";
	struct rules *r = parse_ok(doc);
	struct rules_warning *w = NULL;
	size_t n = 0;

	(void)state;
	assert_int_equal(rules_lint(r, &w, &n), 0);
	assert_int_equal(n, 4);
	assert_string_equal(w[0].msg, "line 5: rule 1: never decides on 'exec': rule 2 (deny '/x/') "
				      "always wins there");
	assert_string_equal(w[1].msg, "line 5: rule 1: never decides on 'mmap': rule 2 (deny '/x/') "
				      "always wins there");
	assert_string_equal(w[2].msg, "line 5: rule 1: can never match: every hook it names is "
				      "decided by another rule");
	assert_string_equal(w[3].msg, "line 10: rule 3: allows everything: recursive allow on '/' "
				      "turns off the digest check for every file");
	free(w);
	rules_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rules_parse_fields),
		cmocka_unit_test(test_rules_parse_rejects),
		cmocka_unit_test(test_rules_parse_names_lines),
		cmocka_unit_test(test_rules_parse_interpreters),
		cmocka_unit_test(test_rules_parse_accepts_edge_paths),
		cmocka_unit_test(test_rules_match_table),
		cmocka_unit_test(test_rules_match_exhaustive),
		cmocka_unit_test(test_rules_lint),
		cmocka_unit_test(test_rules_lint_names_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
