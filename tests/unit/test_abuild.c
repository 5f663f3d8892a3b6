// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "allowlist/build.h"
#include "allowlist/head.h"
#include "allowlist/allowlist.h"
#include "util/cli.h"
#include "util/digest.h"
#include "util/utf8.h"
#include "tmpdir.h"

static const char elf_data[] = "\x7f" "ELF\x02\x01\x01 a pretend executable";
static const char elf2_data[] = "\x7f" "ELF\x02\x01\x01 another one, in a subdirectory";
static const char script_data[] = "#!/bin/sh\necho hello\n";
static const char text_data[] = "just text, never executed\n";
static const char outside_data[] = "\x7f" "ELF outside the tree";

struct tree {
	char root[TMPDIR_MAX];		/* the tree that is walked */
	char outside[TMPDIR_MAX];	/* a directory a symlink points into */
};

static void put(const char *dir, const char *name, const void *data, size_t len, mode_t mode)
{
	char path[PATH_MAX];
	int fd;

	tmpdir_join(path, sizeof(path), dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
}

static void sub(const char *dir, const char *name, char *out, size_t outlen)
{
	tmpdir_join(out, outlen, dir, name);
}

/*
 * root/bin/prog        ELF
 * root/bin/run.sh      #! script
 * root/bin/notes.txt   text: left out
 * root/bin/empty       empty: left out
 * root/bin/link        symlink to prog: not followed
 * root/bin/escape      symlink to outside/: not followed
 * root/bin/fifo        FIFO: never opened (would block)
 * root/lib/deep/x.so   ELF
 * root/lib64/y.so      the same ELF bytes as prog
 */
static int tree_setup(void **state)
{
	struct tree *t = calloc(1, sizeof(*t));
	char p[PATH_MAX];

	assert_non_null(t);
	assert_int_equal(tmpdir_make(t->root, "abuild"), 0);
	assert_int_equal(tmpdir_make(t->outside, "abuild-out"), 0);
	put(t->outside, "secret", outside_data, sizeof(outside_data) - 1, 0755);

	sub(t->root, "bin", p, sizeof(p));
	assert_int_equal(mkdir(p, 0755), 0);
	put(p, "prog", elf_data, sizeof(elf_data) - 1, 0755);
	put(p, "run.sh", script_data, sizeof(script_data) - 1, 0755);
	put(p, "notes.txt", text_data, sizeof(text_data) - 1, 0644);
	put(p, "empty", "", 0, 0644);
	sub(t->root, "bin/link", p, sizeof(p));
	assert_int_equal(symlink("prog", p), 0);
	sub(t->root, "bin/escape", p, sizeof(p));
	assert_int_equal(symlink(t->outside, p), 0);
	sub(t->root, "bin/fifo", p, sizeof(p));
	assert_int_equal(mkfifo(p, 0644), 0);

	sub(t->root, "lib", p, sizeof(p));
	assert_int_equal(mkdir(p, 0755), 0);
	sub(t->root, "lib/deep", p, sizeof(p));
	assert_int_equal(mkdir(p, 0755), 0);
	put(p, "x.so", elf2_data, sizeof(elf2_data) - 1, 0644);
	sub(t->root, "lib64", p, sizeof(p));
	assert_int_equal(mkdir(p, 0755), 0);
	put(p, "y.so", elf_data, sizeof(elf_data) - 1, 0644);
	*state = t;
	return 0;
}

static int tree_teardown(void **state)
{
	struct tree *t = *state;

	if (tmpdir_remove(t->root) || tmpdir_remove(t->outside))
		fprintf(stderr, "cannot remove the test tree\n");
	free(t);
	return 0;
}

/* A bad document field is a usage error of the command that was given it. */
static int head_apply(struct allowlist *al, struct allowlist_head h)
{
	static const struct cli_cmd cmd = { .path = "allowlist build", .summary = "" };

	return allowlist_head_apply(&cmd, &h, al);
}

static struct allowlist *build(const char *root, const char *const *excl, size_t nexcl,
			       unsigned int jobs, struct build_stats *st)
{
	const char *roots[] = { root };
	struct build_opts o = {
		.roots = roots, .nroots = 1, .excludes = excl, .nexcludes = nexcl, .jobs = jobs,
	};
	struct allowlist_head h = { .serial = "7", .created = "2026-01-01T00:00:00Z" };
	struct allowlist *al = allowlist_new();

	assert_non_null(al);
	assert_int_equal(head_apply(al, h), 0);
	assert_int_equal(build_run(&o, al, st), 0);
	return al;
}

static const struct allowlist_entry *find(const struct allowlist *al, const char *path)
{
	for (size_t i = 0; i < allowlist_count(al); i++) {
		const struct allowlist_entry *e = allowlist_entry_at(al, i);

		if (e->path && !strcmp(e->path, path))
			return e;
	}
	return NULL;
}

static void expect_entry(const struct allowlist *al, const char *root, const char *rel,
			 const char *data, size_t len)
{
	char p[PATH_MAX];
	uint8_t d[SHA256_LEN];
	const struct allowlist_entry *e;

	sub(root, rel, p, sizeof(p));
	e = find(al, p);
	assert_non_null(e);
	assert_int_equal(sha256_buf(data, len, d), 0);
	assert_memory_equal(e->digest, d, SHA256_LEN);
	assert_string_equal(e->source, "file");
	assert_false(e->bind_path);
}

static char *to_string(const struct allowlist *al)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(allowlist_write(al, f), 0);
	fclose(f);
	return buf;
}

static void test_abuild_wanted(void **state)
{
	(void)state;
	assert_true(build_wanted("\x7f" "ELF", 4));
	assert_true(build_wanted("#!", 2));
	assert_true(build_wanted("#!/usr/bin/env python3\n", 23));
	assert_false(build_wanted("\x7f" "EL", 3));
	assert_false(build_wanted("#", 1));
	assert_false(build_wanted("", 0));
	assert_false(build_wanted("# comment\n", 10));
	assert_false(build_wanted("MZ\x90\x00", 4));
	/* Compressed kernel modules go by name: the kernel reads them as stored. */
	assert_true(build_wanted_name("/lib/modules/6.12.0/kernel/lib/crc7.ko.xz"));
	assert_true(build_wanted_name("/lib/modules/x/a.ko.zst"));
	assert_true(build_wanted_name("/lib/modules/x/a.ko.gz"));
	assert_false(build_wanted_name("/usr/share/doc/a/changelog.gz"));
	assert_false(build_wanted_name("/lib/modules/x/a.ko"));
	assert_false(build_wanted_name(".ko.xz"));
}

static void test_abuild_script_name(void **state)
{
	static const char *const exts[] = { "py", "sh", "pyc", NULL };
	static const char *const all[] = { "*", NULL };

	(void)state;
	assert_true(build_script_name("/usr/lib/python3/os.py", exts));
	assert_true(build_script_name("/x/__pycache__/os.cpython-311.pyc", exts));
	assert_true(build_script_name("run.sh", exts));
	assert_false(build_script_name("/etc/os.py/data", exts)); /* the last component's */
	assert_false(build_script_name("/usr/bin/python3", exts));
	assert_false(build_script_name("/x/README", exts));
	assert_false(build_script_name("/x/notes.txt", exts));
	assert_false(build_script_name("/x/a.pyx", exts));
	assert_false(build_script_name("/x/a.py", NULL));
	assert_true(build_script_name("/x/README", all));
	assert_true(build_script_name("/x/README", (const char *const[]){ "", NULL }));
	assert_false(build_script_name("/x/a.py", (const char *const[]){ "", NULL }));
}

static void test_abuild_utf8(void **state)
{
	(void)state;
	assert_true(utf8_valid("/usr/bin/ls"));
	assert_true(utf8_valid("/opt/caf\xc3\xa9/\xe2\x82\xac/\xf0\x9f\x98\x80"));
	assert_false(utf8_valid("/bad/\xff"));
	assert_false(utf8_valid("/overlong/\xc0\xaf"));
	assert_false(utf8_valid("/surrogate/\xed\xa0\x80"));
	assert_false(utf8_valid("/cut/\xe2\x82"));
	assert_false(utf8_valid("/past-max/\xf4\x90\x80\x80"));
}

static void test_abuild_walk_tree(void **state)
{
	struct tree *t = *state;
	struct build_stats st;
	struct allowlist *al = build(t->root, NULL, 0, 2, &st);
	char p[PATH_MAX];

	assert_int_equal(allowlist_count(al), 4);
	expect_entry(al, t->root, "bin/prog", elf_data, sizeof(elf_data) - 1);
	expect_entry(al, t->root, "bin/run.sh", script_data, sizeof(script_data) - 1);
	expect_entry(al, t->root, "lib/deep/x.so", elf2_data, sizeof(elf2_data) - 1);
	expect_entry(al, t->root, "lib64/y.so", elf_data, sizeof(elf_data) - 1);
	/* Neither symlink was followed: nothing under their names, nothing
	 * from the directory outside. */
	sub(t->root, "bin/link", p, sizeof(p));
	assert_null(find(al, p));
	sub(t->root, "bin/escape/secret", p, sizeof(p));
	assert_null(find(al, p));
	assert_int_equal(st.files, 6);
	assert_int_equal(st.hashed, 4);
	assert_int_equal(st.other, 2);
	assert_int_equal(st.special, 3);
	assert_int_equal(st.failed, 0);
	assert_int_equal(st.bytes, 2 * (sizeof(elf_data) - 1) + sizeof(script_data) - 1 +
					   sizeof(elf2_data) - 1);
	allowlist_free(al);
}

static void test_abuild_excludes_whole_components(void **state)
{
	struct tree *t = *state;
	struct build_stats st;
	char lib[PATH_MAX], notes[PATH_MAX];
	const char *excl[] = { lib, notes };
	struct allowlist *al;

	tmpdir_join(lib, sizeof(lib), t->root, "lib/");	/* trailing slash is fine */
	sub(t->root, "bin/notes.txt", notes, sizeof(notes));
	al = build(t->root, excl, 2, 1, &st);
	/* lib/ is gone, lib64/ (same prefix, another component) is not. */
	assert_int_equal(allowlist_count(al), 3);
	sub(t->root, "lib/deep/x.so", lib, sizeof(lib));
	assert_null(find(al, lib));
	expect_entry(al, t->root, "lib64/y.so", elf_data, sizeof(elf_data) - 1);
	assert_int_equal(st.excluded, 2);
	assert_int_equal(st.files, 4);
	allowlist_free(al);
}

static void test_abuild_deterministic_across_jobs(void **state)
{
	struct tree *t = *state;
	struct build_stats st;
	char *first = NULL;

	for (unsigned int jobs = 1; jobs <= 8; jobs *= 2) {
		for (int run = 0; run < 2; run++) {
			struct allowlist *al = build(t->root, NULL, 0, jobs, &st);
			char *s = to_string(al);

			if (!first)
				first = s;
			else {
				assert_string_equal(first, s);
				free(s);
			}
			allowlist_free(al);
		}
	}
	assert_non_null(strstr(first, "\"serial\": 7"));
	assert_non_null(strstr(first, "\"created\": \"2026-01-01T00:00:00Z\""));
	free(first);
}

static void test_abuild_file_root_and_missing_root(void **state)
{
	struct tree *t = *state;
	struct build_stats st;
	char prog[PATH_MAX], missing[PATH_MAX];
	struct allowlist *al;

	sub(t->root, "bin/prog", prog, sizeof(prog));
	al = build(prog, NULL, 0, 1, &st);
	assert_int_equal(allowlist_count(al), 1);
	assert_non_null(find(al, prog));
	allowlist_free(al);

	sub(t->root, "no-such-dir", missing, sizeof(missing));
	al = build(missing, NULL, 0, 1, &st);
	assert_int_equal(allowlist_count(al), 0);
	assert_int_equal(st.failed, 1);
	allowlist_free(al);
}

static void test_abuild_symlink_root_is_resolved(void **state)
{
	struct tree *t = *state;
	struct build_stats st;
	char link[PATH_MAX], secret[PATH_MAX];
	struct allowlist *al;

	/* Named on the command line, a symlink is resolved (find -H), and
	 * entries carry the real path. */
	sub(t->root, "bin/escape", link, sizeof(link));
	al = build(link, NULL, 0, 1, &st);
	sub(t->outside, "secret", secret, sizeof(secret));
	assert_int_equal(allowlist_count(al), 1);
	assert_non_null(find(al, secret));
	allowlist_free(al);
}

static void test_abuild_pseudo_fs_not_walked(void **state)
{
	struct build_stats st;
	struct allowlist *al;

	(void)state;
	if (access("/proc/self/exe", F_OK))
		skip();		/* no procfs mounted here */
	/* Reading procfs or sysfs files fails or has side effects: never walked. */
	al = build("/proc", NULL, 0, 1, &st);
	assert_int_equal(allowlist_count(al), 0);
	assert_int_equal(st.files, 0);
	assert_int_equal(st.failed, 0);
	assert_int_equal(st.excluded, 1);
	allowlist_free(al);
}

static void test_abuild_unreadable_counts_as_failed(void **state)
{
	struct tree *t = *state;
	struct build_stats st;
	char p[PATH_MAX];
	struct allowlist *al;

	if (geteuid() == 0)
		skip();		/* root reads mode 000 files */
	sub(t->root, "bin", p, sizeof(p));
	put(p, "locked", elf_data, sizeof(elf_data) - 1, 0000);
	al = build(t->root, NULL, 0, 2, &st);
	assert_int_equal(st.failed, 1);
	assert_int_equal(allowlist_count(al), 4);
	allowlist_free(al);
	sub(t->root, "bin/locked", p, sizeof(p));
	unlink(p);
}

static void test_abuild_head_defaults_and_errors(void **state)
{
	struct allowlist *al = allowlist_new();
	struct allowlist_head h = { 0 };
	char *s;

	(void)state;
	setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
	h.expires = "+30d";
	assert_int_equal(head_apply(al, h), 0);
	s = to_string(al);
	assert_non_null(strstr(s, "\"serial\": 1700000000"));
	assert_non_null(strstr(s, "\"created\": \"2023-11-14T22:13:20Z\""));
	assert_non_null(strstr(s, "\"expires\": \"2023-12-14T22:13:20Z\""));
	free(s);

	setenv("SOURCE_DATE_EPOCH", "17e8", 1);
	assert_int_equal(head_apply(al, (struct allowlist_head){ 0 }), -EINVAL);
	unsetenv("SOURCE_DATE_EPOCH");
	assert_int_equal(head_apply(al,
				    (struct allowlist_head){ .created = "2026-13-01T00:00:00Z" }),
			 -EINVAL);
	assert_int_equal(head_apply(al, (struct allowlist_head){ .serial = "-1" }), -EINVAL);
	/* Above INT64_MAX the written file could not be read back. */
	assert_int_equal(head_apply(al, (struct allowlist_head){ .serial = "9223372036854775808" }),
			 -EINVAL);
	assert_int_equal(head_apply(al,
				    (struct allowlist_head){ .serial = "18446744073709551615" }),
			 -EINVAL);
	assert_int_equal(head_apply(al, (struct allowlist_head){ .serial = "9223372036854775807" }),
			 0);
	assert_true(allowlist_serial(al) == 9223372036854775807ULL);
	assert_int_equal(head_apply(al, (struct allowlist_head){ .expires = "+0d" }), -EINVAL);
	assert_int_equal(head_apply(al, (struct allowlist_head){ .expires = "tomorrow" }), -EINVAL);
	assert_int_equal(head_apply(al,
				    (struct allowlist_head){ .expires = "2027-01-31T00:00:00Z" }),
			 0);
	allowlist_free(al);
}

static void test_abuild_output_replaces_file(void **state)
{
	struct tree *t = *state;
	struct allowlist *al = allowlist_new();
	char path[PATH_MAX], buf[4096];
	char *want;
	ssize_t n;
	int fd;

	assert_int_equal(head_apply(al, (struct allowlist_head){ .serial = "3" }), 0);
	sub(t->root, "out.json", path, sizeof(path));
	put(t->root, "out.json", "old", 3, 0644);
	assert_int_equal(allowlist_output(al, path), 0);
	want = to_string(al);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_string_equal(buf, want);
	free(want);
	unlink(path);
	allowlist_free(al);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_abuild_wanted),
		cmocka_unit_test(test_abuild_script_name),
		cmocka_unit_test(test_abuild_utf8),
		cmocka_unit_test(test_abuild_walk_tree),
		cmocka_unit_test(test_abuild_excludes_whole_components),
		cmocka_unit_test(test_abuild_deterministic_across_jobs),
		cmocka_unit_test(test_abuild_file_root_and_missing_root),
		cmocka_unit_test(test_abuild_symlink_root_is_resolved),
		cmocka_unit_test(test_abuild_pseudo_fs_not_walked),
		cmocka_unit_test(test_abuild_unreadable_counts_as_failed),
		cmocka_unit_test(test_abuild_head_defaults_and_errors),
		cmocka_unit_test(test_abuild_output_replaces_file),
	};

	return cmocka_run_group_tests_name("abuild", tests, tree_setup, tree_teardown);
}
