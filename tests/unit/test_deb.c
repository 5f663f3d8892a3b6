// SPDX-License-Identifier: GPL-2.0-only
/*
 * deb_read on packages written by libarchive's own writer (ar, tar, and
 * the compressions dpkg-deb uses): the cases real packages from the archive
 * do not show, such as hard links, members out of order, a path leading
 * outside the root, a control file without Version. The host test
 * t_allowlist_deb covers packages built by dpkg-deb.
 */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "allowlist/allowlist.h"
#include "allowlist/deb.h"
#include "util/digest.h"
#include "tmpdir.h"

static const char elf_data[] = "\x7f" "ELF\x02\x01\x01 a pretend program";
static const char script_data[] = "#!/bin/sh\necho hello\n";
static const char text_data[] = "documentation\n";

struct item {
	const char *name;
	int type;		/* AE_IFREG, AE_IFDIR, AE_IFLNK; 0 ends the list */
	const char *data;	/* regular file content, or the symlink's target */
	const char *hardlink;	/* a hard link to this earlier member */
};

#define DIR_(n) { .name = (n), .type = AE_IFDIR }
#define REG(n, d) { .name = (n), .type = AE_IFREG, .data = (d) }
#define LNK(n, t) { .name = (n), .type = AE_IFLNK, .data = (t) }
#define HARD(n, t) { .name = (n), .type = AE_IFREG, .hardlink = (t) }
#define END { .type = 0 }

struct buf {
	char *p;
	size_t len;
};

/* A tar (filter: ARCHIVE_FILTER_NONE, _GZIP, _XZ or _ZSTD) in memory. */
static struct buf make_tar(int filter, const struct item *it)
{
	size_t cap = 1 << 20, used = 0;
	struct buf b = { .p = malloc(cap) };
	struct archive *a = archive_write_new();

	assert_non_null(b.p);
	assert_int_equal(archive_write_set_format_pax_restricted(a), ARCHIVE_OK);
	assert_int_equal(archive_write_add_filter(a, filter), ARCHIVE_OK);
	assert_int_equal(archive_write_open_memory(a, b.p, cap, &used), ARCHIVE_OK);
	for (; it->type; it++) {
		struct archive_entry *e = archive_entry_new();
		size_t len = it->data && it->type == AE_IFREG ? strlen(it->data) : 0;

		archive_entry_set_pathname(e, it->name);
		archive_entry_set_filetype(e, it->type);
		archive_entry_set_perm(e, it->type == AE_IFREG ? 0755 : 0777);
		if (it->hardlink) {
			archive_entry_set_hardlink(e, it->hardlink);
			len = 0;
		}
		if (it->type == AE_IFLNK)
			archive_entry_set_symlink(e, it->data);
		archive_entry_set_size(e, len);
		assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
		if (len)
			assert_int_equal(archive_write_data(a, it->data, len), (la_ssize_t)len);
		archive_entry_free(e);
	}
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	b.len = used;
	return b;
}

struct member {
	const char *name;
	struct buf data;
};

static void make_deb(const char *path, const struct member *m, size_t n)
{
	struct archive *a = archive_write_new();

	assert_int_equal(archive_write_set_format_ar_svr4(a), ARCHIVE_OK);
	assert_int_equal(archive_write_open_filename(a, path), ARCHIVE_OK);
	for (size_t i = 0; i < n; i++) {
		struct archive_entry *e = archive_entry_new();

		archive_entry_set_pathname(e, m[i].name);
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0644);
		archive_entry_set_size(e, m[i].data.len);
		assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
		assert_int_equal(archive_write_data(a, m[i].data.p, m[i].data.len),
				 (la_ssize_t)m[i].data.len);
		archive_entry_free(e);
	}
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
}

static struct buf text(const char *s)
{
	struct buf b = { .p = strdup(s), .len = strlen(s) };

	assert_non_null(b.p);
	return b;
}

static const struct item control_ok[] = {
	DIR_("./"),
	REG("./control", "Package: foo\nVersion: 1:2.0-1~bpo1\nArchitecture: amd64\n"
				 "Description: a test\n more text\n"),
	END,
};

static const struct item data_ok[] = {
	DIR_("./"),
	DIR_("./usr/"),
	DIR_("./usr/bin/"),
	REG("./usr/bin/prog", elf_data),
	REG("./usr/bin/run.sh", script_data),
	REG("./usr/share/doc/foo/README", text_data),
	LNK("./usr/bin/link", "prog"),
	HARD("./usr/bin/prog-hard", "./usr/bin/prog"),
	HARD("./usr/share/doc/foo/README-hard", "./usr/share/doc/foo/README"),
	END,
};

/* debian-binary, control.tar.<c>, data.tar.<d> into dir/name. */
static void write_pkg(const char *path, int cfilter, const char *cname, const struct item *control,
		      int dfilter, const char *dname, const struct item *data)
{
	struct member m[3] = {
		{ "debian-binary", text("2.0\n") },
		{ cname, make_tar(cfilter, control) },
		{ dname, make_tar(dfilter, data) },
	};

	make_deb(path, m, 3);
	for (int i = 0; i < 3; i++)
		free(m[i].data.p);
}

static char dir[TMPDIR_MAX];

static int setup(void **state)
{
	(void)state;
	return tmpdir_make(dir, "deb") ? -1 : 0;
}

static int teardown(void **state)
{
	(void)state;
	return tmpdir_remove(dir) ? -1 : 0;
}

static void expect_file(const struct deb_pkg *p, size_t i, const char *path, const char *data)
{
	uint8_t d[SHA256_LEN];

	assert_true(i < p->count);
	assert_string_equal(p->files[i].path, path);
	assert_int_equal(sha256_buf(data, strlen(data), d), 0);
	assert_memory_equal(p->files[i].digest, d, SHA256_LEN);
}

static void check_ok(const char *path)
{
	struct deb_pkg p = { 0 };
	char why[512];

	assert_int_equal(deb_read(path, &p, why, sizeof(why)), 0);
	assert_string_equal(p.package, "foo");
	assert_string_equal(p.version, "1:2.0-1~bpo1");
	assert_string_equal(p.source, "deb:foo=1:2.0-1~bpo1");
	/* prog, run.sh and the hard link to prog; not the text, its hard
	 * link, the symlink or the directories. */
	assert_int_equal(p.count, 3);
	expect_file(&p, 0, "/usr/bin/prog", elf_data);
	expect_file(&p, 1, "/usr/bin/run.sh", script_data);
	expect_file(&p, 2, "/usr/bin/prog-hard", elf_data);
	assert_int_equal(p.regular, 3);
	assert_int_equal(p.special, 4);
	assert_int_equal(p.bytes, strlen(elf_data) + strlen(script_data));
	deb_pkg_fini(&p);
}

static void test_deb_read_compressions(void **state)
{
	static const struct {
		int filter;
		const char *suffix;
	} c[] = {
		{ ARCHIVE_FILTER_NONE, "" },
		{ ARCHIVE_FILTER_GZIP, ".gz" },
		{ ARCHIVE_FILTER_XZ, ".xz" },
		{ ARCHIVE_FILTER_ZSTD, ".zst" },
	};
	char path[PATH_MAX], cname[32], dname[32];

	(void)state;
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		snprintf(cname, sizeof(cname), "control.tar%s", c[i].suffix);
		snprintf(dname, sizeof(dname), "data.tar%s", c[i].suffix);
		tmpdir_join(path, sizeof(path), dir, "ok.deb");
		write_pkg(path, c[i].filter, cname, control_ok, c[i].filter, dname, data_ok);
		check_ok(path);
	}
}

static void expect_fail(const char *path, const char *why_part)
{
	struct deb_pkg p = { 0 };
	char why[512];

	assert_true(deb_read(path, &p, why, sizeof(why)) < 0);
	if (!strstr(why, why_part))
		fail_msg("'%s' does not say '%s'", why, why_part);
	assert_null(p.package);
	assert_null(p.files);
}

static void test_deb_read_refuses(void **state)
{
	static const struct item no_version[] = {
		REG("./control", "Package: foo\nArchitecture: all\n"),
		{ 0 },
	};
	static const struct item no_control[] = {
		REG("./md5sums", "x\n"),
		{ 0 },
	};
	static const struct item escape[] = {
		REG("./usr/bin/../../../etc/x", elf_data),
		{ 0 },
	};
	char path[PATH_MAX];

	(void)state;
	tmpdir_join(path, sizeof(path), dir, "bad.deb");
	write_pkg(path, ARCHIVE_FILTER_XZ, "control.tar.xz", no_version, ARCHIVE_FILTER_XZ,
		  "data.tar.xz", data_ok);
	expect_fail(path, "no valid Version field");
	write_pkg(path, ARCHIVE_FILTER_XZ, "control.tar.xz", no_control, ARCHIVE_FILTER_XZ,
		  "data.tar.xz", data_ok);
	expect_fail(path, "control.tar has no control file");
	write_pkg(path, ARCHIVE_FILTER_XZ, "control.tar.xz", control_ok, ARCHIVE_FILTER_XZ,
		  "data.tar.xz", escape);
	expect_fail(path, "leads outside the root");
	/* data before control: the source would not be known. */
	write_pkg(path, ARCHIVE_FILTER_XZ, "data.tar.xz", data_ok, ARCHIVE_FILTER_XZ,
		  "control.tar.xz", control_ok);
	expect_fail(path, "data.tar comes before control.tar");
	{
		struct member m[2] = {
			{ "debian-binary", text("3.0\n") },
			{ "control.tar", make_tar(ARCHIVE_FILTER_NONE, control_ok) },
		};

		make_deb(path, m, 2);
		expect_fail(path, "format '3.0'");
		free(m[0].data.p);
		m[0].data = text("2.0\n");
		make_deb(path, m, 2);
		expect_fail(path, "no data.tar member");
		free(m[0].data.p);
		free(m[1].data.p);
	}
	tmpdir_join(path, sizeof(path), dir, "missing.deb");
	expect_fail(path, "cannot open");
}

static void test_deb_versions_share_entries(void **state)
{
	static const struct item control2[] = {
		REG("./control", "Package: foo\nVersion: 1:2.0-2\n"),
		{ 0 },
	};
	static const struct item data2[] = {
		REG("./usr/bin/prog", "\x7f" "ELF changed"),
		REG("./usr/bin/run.sh", script_data),
		{ 0 },
	};
	char p1[PATH_MAX], p2[PATH_MAX];
	char *files[2] = { p1, p2 };
	struct deb_pkg pkgs[2] = { 0 };
	struct allowlist *al = allowlist_new();
	uint64_t shared = 0;

	(void)state;
	assert_non_null(al);
	tmpdir_join(p1, sizeof(p1), dir, "v1.deb");
	tmpdir_join(p2, sizeof(p2), dir, "v2.deb");
	write_pkg(p1, ARCHIVE_FILTER_GZIP, "control.tar.gz", control_ok, ARCHIVE_FILTER_GZIP,
		  "data.tar.gz", data_ok);
	write_pkg(p2, ARCHIVE_FILTER_ZSTD, "control.tar.zst", control2, ARCHIVE_FILTER_ZSTD,
		  "data.tar.zst", data2);
	assert_int_equal(deb_read_all(files, 2, 2, false, pkgs), 0);
	assert_int_equal(pkgs[0].count, 3);
	assert_int_equal(pkgs[1].count, 2);
	assert_int_equal(deb_add_to_allowlist(&pkgs[0], al, &shared), 0);
	assert_int_equal(deb_add_to_allowlist(&pkgs[1], al, &shared), 0);
	/* run.sh is the same in both: once, under the first version. */
	assert_int_equal(shared, 1);
	assert_int_equal(allowlist_count(al), 4);
	for (size_t i = 0; i < allowlist_count(al); i++) {
		const struct allowlist_entry *e = allowlist_entry_at(al, i);

		if (!strcmp(e->path, "/usr/bin/run.sh"))
			assert_string_equal(e->source, "deb:foo=1:2.0-1~bpo1");
	}
	deb_pkg_fini(&pkgs[0]);
	deb_pkg_fini(&pkgs[1]);
	allowlist_free(al);
}

static void test_deb_list_directories(void **state)
{
	char sub[PATH_MAX], path[PATH_MAX], given[PATH_MAX], **list = NULL;
	FILE *fp;
	const char *args[2];
	size_t n = 0;

	(void)state;
	tmpdir_join(sub, sizeof(sub), dir, "cache");
	assert_int_equal(mkdir(sub, 0755), 0);
	args[0] = sub;
	assert_int_equal(deb_list(args, 1, &list, &n), -ENOENT);	/* no .deb there */
	for (const char *const *f = (const char *const[]){ "b.deb", "a.deb", "notes.txt",
							      ".hidden.deb", NULL };
	     *f; f++) {
		fp = fopen(tmpdir_join(path, sizeof(path), sub, *f), "w");
		assert_non_null(fp);
		fclose(fp);
	}
	/* A file named on its own is taken whatever its name. */
	fp = fopen(tmpdir_join(given, sizeof(given), dir, "given.package"), "w");
	assert_non_null(fp);
	fclose(fp);
	args[1] = given;
	assert_int_equal(deb_list(args, 2, &list, &n), 0);
	assert_int_equal(n, 3);
	assert_non_null(strstr(list[0], "/cache/a.deb"));
	assert_non_null(strstr(list[1], "/cache/b.deb"));
	assert_string_equal(list[2], given);
	assert_null(list[3]);
	deb_list_free(list);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_deb_read_compressions),
		cmocka_unit_test(test_deb_read_refuses),
		cmocka_unit_test(test_deb_versions_share_entries),
		cmocka_unit_test(test_deb_list_directories),
	};

	return cmocka_run_group_tests_name("deb", tests, setup, teardown);
}
