// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "enforcer/idents.h"
#include "tmpdir.h"

#define SEED 0x1234abcdULL
#define HOOK_BIT(h) (1u << (h))

static char base[TMPDIR_MAX];	/* canonical: realpath of the test's directory */

static int setup(void **state)
{
	char made[TMPDIR_MAX];

	(void)state;
	if (tmpdir_make(made, "idents"))
		return -1;
	return realpath(made, base) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	return tmpdir_remove(base);
}

static char *at(char *buf, const char *name)
{
	return tmpdir_join(buf, TMPDIR_MAX, base, name);
}

static void mkfile(const char *path)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fclose(f);
}

/* The entry of kind for directory dir (and name), or NULL. */
static const struct ident_entry *find(const struct ident_entry *v, size_t n, const char *dir,
				      enum ig_ident_kind kind, const char *name)
{
	struct stat st;
	__u64 h = SEED;

	assert_int_equal(stat(dir, &st), 0);
	for (const char *c = name; c && *c; c++)
		h = ig_path_hash_step(h, (__u8)*c);
	for (size_t i = 0; i < n; i++) {
		const struct ig_ident_key *k = &v[i].key;

		if (k->ino == st.st_ino && k->kind == kind &&
		    k->name_len == (name ? strlen(name) : 0) && k->name_hash == (name ? h : 0))
			return &v[i];
	}
	return NULL;
}

/* A directory rule, a tree rule, a file rule: each its directory's
 * identity (the file's name with it), a directory or tree rule its name in
 * its parent too, with the parent's gate; a path that does not exist, a
 * symbolic link on the way and a file named as a directory give no
 * identity of their own, only their name where the parent has one. */
static void test_idents_resolve_kinds(void **state)
{
	char d[TMPDIR_MAX], t[TMPDIR_MAX], f[TMPDIR_MAX], link[TMPDIR_MAX], p[5][TMPDIR_MAX + 16];
	struct ident_entry *v = NULL;
	const struct ident_entry *e;
	size_t n = 0;

	(void)state;
	assert_int_equal(mkdir(at(d, "dir"), 0755), 0);
	assert_int_equal(mkdir(at(t, "tree"), 0755), 0);
	mkfile(at(f, "dir/file"));
	assert_int_equal(symlink(d, at(link, "link")), 0);
	snprintf(p[0], sizeof(p[0]), "%s/", d);
	snprintf(p[1], sizeof(p[1]), "%s/", t);
	snprintf(p[2], sizeof(p[2]), "%s", f);
	snprintf(p[3], sizeof(p[3]), "%s/", link);
	snprintf(p[4], sizeof(p[4]), "%s/", f);
	const struct enforcer_rule rules[] = {
		{ p[0], IG_RULE_DIR, IG_ACT_AUDIT, HOOK_BIT(IG_HOOK_OPEN) },
		{ p[1], IG_RULE_TREE, IG_ACT_DENY, HOOK_BIT(IG_HOOK_EXEC) },
		{ p[2], IG_RULE_EXACT, IG_ACT_DENY, HOOK_BIT(IG_HOOK_EXEC) },
		{ p[3], IG_RULE_DIR, IG_ACT_DENY, HOOK_BIT(IG_HOOK_EXEC) },
		{ p[4], IG_RULE_DIR, IG_ACT_DENY, HOOK_BIT(IG_HOOK_EXEC) },
		{ "/nonexistent-ig-test/x/", IG_RULE_TREE, IG_ACT_DENY, HOOK_BIT(IG_HOOK_EXEC) },
	};

	assert_int_equal(idents_resolve(rules, 6, SEED, "/", "/nonexistent-ig-test/mountinfo", false, &v,
					&n),
			 0);
	assert_int_equal(n, 9);
	e = find(v, n, d, IG_IDENT_DIR, NULL);
	assert_non_null(e);
	assert_int_equal(e->val.action[IG_HOOK_OPEN], IG_ACT_AUDIT);
	assert_int_equal(e->val.rule[IG_HOOK_OPEN], 0);
	assert_int_equal(e->val.action[IG_HOOK_EXEC], IG_ACT_NONE);
	assert_int_equal(e->val.rule[IG_HOOK_EXEC], -1);
	e = find(v, n, t, IG_IDENT_TREE, NULL);
	assert_non_null(e);
	assert_int_equal(e->val.action[IG_HOOK_EXEC], IG_ACT_DENY);
	assert_int_equal(e->val.rule[IG_HOOK_EXEC], 1);
	e = find(v, n, d, IG_IDENT_FILE, "file");
	assert_non_null(e);
	assert_int_equal(e->val.action[IG_HOOK_EXEC], IG_ACT_DENY);
	assert_int_equal(e->val.rule[IG_HOOK_EXEC], 2);
	e = find(v, n, base, IG_IDENT_NAMED_DIR, "dir");
	assert_non_null(e);
	assert_int_equal(e->val.action[IG_HOOK_OPEN], IG_ACT_AUDIT);
	assert_int_equal(e->val.rule[IG_HOOK_OPEN], 0);
	e = find(v, n, base, IG_IDENT_NAMED_TREE, "tree");
	assert_non_null(e);
	assert_int_equal(e->val.rule[IG_HOOK_EXEC], 1);
	assert_non_null(find(v, n, base, IG_IDENT_NAMED_DIR, "link"));
	assert_non_null(find(v, n, d, IG_IDENT_NAMED_DIR, "file"));
	assert_non_null(find(v, n, base, IG_IDENT_GATE, NULL));
	assert_non_null(find(v, n, d, IG_IDENT_GATE, NULL));
	free(v);
}

/* Two rules on one identity merge as in the rules map: deny beats audit,
 * the earlier of equals keeps its index; each hook on its own. A file rule
 * whose file does not exist yet still has its directory's identity. */
static void test_idents_resolve_merge(void **state)
{
	char d[TMPDIR_MAX], p[2][TMPDIR_MAX + 16];
	struct ident_entry *v = NULL;
	size_t n = 0;

	(void)state;
	assert_int_equal(mkdir(at(d, "merge"), 0755), 0);
	snprintf(p[0], sizeof(p[0]), "%s/", d);
	snprintf(p[1], sizeof(p[1]), "%s/later", d);
	const struct enforcer_rule rules[] = {
		{ p[0], IG_RULE_TREE, IG_ACT_AUDIT, HOOK_BIT(IG_HOOK_EXEC) | HOOK_BIT(IG_HOOK_OPEN) },
		{ p[0], IG_RULE_TREE, IG_ACT_DENY, HOOK_BIT(IG_HOOK_EXEC) },
		{ p[0], IG_RULE_TREE, IG_ACT_AUDIT, HOOK_BIT(IG_HOOK_OPEN) },
		{ p[1], IG_RULE_EXACT, IG_ACT_DENY, HOOK_BIT(IG_HOOK_MMAP) },
	};

	assert_int_equal(idents_resolve(rules, 4, SEED, "/", "/nonexistent-ig-test/mountinfo", false, &v,
					&n),
			 0);
	assert_int_equal(n, 4);
	const struct ident_entry *e = find(v, n, d, IG_IDENT_TREE, NULL);
	assert_non_null(e);
	assert_int_equal(e->val.action[IG_HOOK_EXEC], IG_ACT_DENY);
	assert_int_equal(e->val.rule[IG_HOOK_EXEC], 1);
	assert_int_equal(e->val.action[IG_HOOK_OPEN], IG_ACT_AUDIT);
	assert_int_equal(e->val.rule[IG_HOOK_OPEN], 0);
	e = find(v, n, base, IG_IDENT_NAMED_TREE, "merge");
	assert_non_null(e);
	assert_int_equal(e->val.action[IG_HOOK_EXEC], IG_ACT_DENY);
	assert_int_equal(e->val.rule[IG_HOOK_EXEC], 1);
	assert_int_equal(e->val.action[IG_HOOK_OPEN], IG_ACT_AUDIT);
	assert_int_equal(e->val.rule[IG_HOOK_OPEN], 0);
	e = find(v, n, d, IG_IDENT_FILE, "later");
	assert_non_null(e);
	assert_int_equal(e->val.action[IG_HOOK_MMAP], IG_ACT_DENY);
	assert_int_equal(e->val.rule[IG_HOOK_MMAP], 3);
	free(v);
}

/* A mount point strictly below a tree rule's directory (read from the
 * mount table, its octal escapes undone) is an identity of the rule too,
 * with the device the table gives its mount; one elsewhere is not. */
static void test_idents_resolve_tree_mounts(void **state)
{
	char t[TMPDIR_MAX], in[TMPDIR_MAX], out[TMPDIR_MAX], mi[TMPDIR_MAX], p[TMPDIR_MAX + 16];
	struct ident_entry *v = NULL;
	size_t n = 0;
	FILE *f;

	(void)state;
	assert_int_equal(mkdir(at(t, "mtree"), 0755), 0);
	assert_int_equal(mkdir(at(in, "mtree/in ner"), 0755), 0);
	assert_int_equal(mkdir(at(out, "elsewhere"), 0755), 0);
	f = fopen(at(mi, "mountinfo"), "w");
	assert_non_null(f);
	fprintf(f, "999999 1 8:1 / %s/mtree/in\\040ner rw - tmpfs x rw\n", base);
	fprintf(f, "999998 1 8:2 / %s rw - tmpfs x rw\n", out);
	fprintf(f, "garbage\n");
	fclose(f);
	snprintf(p, sizeof(p), "%s/", t);
	const struct enforcer_rule rules[] = {
		{ p, IG_RULE_TREE, IG_ACT_DENY, HOOK_BIT(IG_HOOK_EXEC) },
	};

	assert_int_equal(idents_resolve(rules, 1, SEED, "/", mi, false, &v, &n), 0);
	assert_int_equal(n, 4);
	assert_non_null(find(v, n, t, IG_IDENT_TREE, NULL));
	const struct ident_entry *e = find(v, n, in, IG_IDENT_TREE, NULL);
	assert_non_null(e);
	assert_int_equal(e->val.rule[IG_HOOK_EXEC], 0);
	assert_null(find(v, n, out, IG_IDENT_TREE, NULL));
	free(v);
}

/* Paths are resolved below the root given, as the host's are below
 * init's: "/" there is that directory, and nothing climbs out of it. */
static void test_idents_resolve_root(void **state)
{
	char d[TMPDIR_MAX];
	struct ident_entry *v = NULL;
	size_t n = 0;

	(void)state;
	assert_int_equal(mkdir(at(d, "rooted"), 0755), 0);
	const struct enforcer_rule rules[] = {
		{ "/rooted/", IG_RULE_TREE, IG_ACT_DENY, HOOK_BIT(IG_HOOK_EXEC) },
		{ "/../rooted/x", IG_RULE_EXACT, IG_ACT_DENY, HOOK_BIT(IG_HOOK_EXEC) },
	};

	assert_int_equal(idents_resolve(rules, 2, SEED, base, "/nonexistent-ig-test/mountinfo", false, &v,
					&n),
			 0);
	assert_int_equal(n, 4);
	assert_non_null(find(v, n, d, IG_IDENT_TREE, NULL));
	assert_non_null(find(v, n, d, IG_IDENT_FILE, "x"));
	assert_non_null(find(v, n, base, IG_IDENT_NAMED_TREE, "rooted"));
	free(v);
}

/* A directory that does not exist yet is named in its parent, which gets a
 * gate for the hooks of the rules named there and no other; the root has
 * no parent to be named in, a parent that does not exist no identity. */
static void test_idents_resolve_named(void **state)
{
	char d[TMPDIR_MAX];
	struct ident_entry *v = NULL;
	const struct ident_entry *e;
	size_t n = 0;

	(void)state;
	assert_int_equal(mkdir(at(d, "named"), 0755), 0);
	const struct enforcer_rule rules[] = {
		{ "/named/later/", IG_RULE_TREE, IG_ACT_DENY, HOOK_BIT(IG_HOOK_EXEC) },
		{ "/named/soon/", IG_RULE_DIR, IG_ACT_AUDIT, HOOK_BIT(IG_HOOK_EXEC) },
		{ "/", IG_RULE_TREE, IG_ACT_AUDIT, HOOK_BIT(IG_HOOK_MMAP) },
		{ "/absent/later/", IG_RULE_TREE, IG_ACT_DENY, HOOK_BIT(IG_HOOK_EXEC) },
	};

	assert_int_equal(idents_resolve(rules, 4, SEED, base, "/nonexistent-ig-test/mountinfo",
					false, &v, &n),
			 0);
	assert_int_equal(n, 4);
	e = find(v, n, d, IG_IDENT_NAMED_TREE, "later");
	assert_non_null(e);
	assert_int_equal(e->val.action[IG_HOOK_EXEC], IG_ACT_DENY);
	assert_int_equal(e->val.rule[IG_HOOK_EXEC], 0);
	e = find(v, n, d, IG_IDENT_NAMED_DIR, "soon");
	assert_non_null(e);
	assert_int_equal(e->val.action[IG_HOOK_EXEC], IG_ACT_AUDIT);
	assert_int_equal(e->val.rule[IG_HOOK_EXEC], 1);
	e = find(v, n, d, IG_IDENT_GATE, NULL);
	assert_non_null(e);
	assert_int_equal(e->val.action[IG_HOOK_EXEC], IG_ACT_DENY);
	assert_int_equal(e->val.action[IG_HOOK_OPEN], IG_ACT_NONE);
	assert_non_null(find(v, n, base, IG_IDENT_TREE, NULL));
	free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_idents_resolve_kinds),
		cmocka_unit_test(test_idents_resolve_merge),
		cmocka_unit_test(test_idents_resolve_tree_mounts),
		cmocka_unit_test(test_idents_resolve_root),
		cmocka_unit_test(test_idents_resolve_named),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
