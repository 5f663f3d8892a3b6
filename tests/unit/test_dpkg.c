// SPDX-License-Identifier: GPL-2.0-only
/*
 * dpkg_db_load and dpkg_db_hash on a root written here: the status file's
 * states and continuation lines, list names with and without the
 * architecture, md5sums and Conffiles deciding the owner, a diversion and
 * a directory that is a symlink. The host test t_allowlist_installed runs
 * the same on this host's real database and on real packages.
 */
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
#include <openssl/evp.h>

#include "allowlist/allowlist.h"
#include "allowlist/dpkg.h"
#include "util/digest.h"
#include "util/hex.h"
#include "tmpdir.h"

static char dir[TMPDIR_MAX];

static void put(const char *rel, const char *text)
{
	char path[TMPDIR_MAX + 256], *slash;
	FILE *f;

	assert_true(snprintf(path, sizeof(path), "%s/%s", dir, rel) < (int)sizeof(path));
	for (slash = strchr(path + strlen(dir) + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		mkdir(path, 0755);
		*slash = '/';
	}
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void md5_hex(const char *text, char out[33])
{
	unsigned char d[16];
	unsigned int n = 0;

	assert_true(EVP_Digest(text, strlen(text), d, &n, EVP_md5(), NULL));
	hex_encode(d, 16, out);
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

static void expect(const struct allowlist *al, const char *path, const char *text,
		   const char *source)
{
	const struct allowlist_entry *e = find(al, path);
	uint8_t d[SHA256_LEN];

	assert_non_null(e);
	assert_int_equal(sha256_buf(text, strlen(text), d), 0);
	assert_memory_equal(e->digest, d, SHA256_LEN);
	assert_string_equal(e->source, source);
}

static const char prog[] = "\x7f" "ELF a program";
static const char prog_real[] = "\x7f" "ELF the diverted program";
static const char wrapper[] = "#!/bin/sh\nexec real\n";
static const char shared[] = "#!/bin/sh\necho shared\n";
static const char conf[] = "#!/bin/sh\necho conffile\n";

static void write_root(void)
{
	char m[33], line[TMPDIR_MAX + 64];

	put("usr/bin/prog", prog);
	put("usr/bin/prog.real", prog_real);
	put("usr/bin/prog-wrap", wrapper);
	put("usr/share/x/shared.sh", shared);
	put("etc/init.d/svc", conf);
	put("usr/share/doc/text", "plain text\n");
	snprintf(line, sizeof(line), "%s/bin", dir);
	assert_int_equal(symlink("usr/bin", line), 0);
	put("var/lib/dpkg/status",
	    "Package: tool\n"
	    "Status: install ok installed\n"
	    "Architecture: amd64\n"
	    "Version: 1:2.0-1\n"
	    "Conffiles:\n"
	    " /etc/init.d/svc CONFMD5\n"
	    " /etc/old obsolete-md5 obsolete\n"
	    "Description: a tool\n"
	    " over two lines\n"
	    "\n"
	    "Package: libx\n"
	    "Status: install ok installed\n"
	    "Architecture: amd64\n"
	    "Multi-Arch: same\n"
	    "Version: 3\n"
	    "\n"
	    "Package: libx\n"
	    "Status: install ok unpacked\n"
	    "Architecture: i386\n"
	    "Multi-Arch: same\n"
	    "Version: 3\n"
	    "\n"
	    "Package: gone\n"
	    "Status: deinstall ok config-files\n"
	    "Architecture: all\n"
	    "Version: 9\n");
	/* The status file's md5 of the conffile, filled in now. */
	{
		char path[TMPDIR_MAX + 64], buf[1024];
		FILE *f;
		size_t n;
		char *at;

		snprintf(path, sizeof(path), "%s/var/lib/dpkg/status", dir);
		f = fopen(path, "r");
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		buf[n] = '\0';
		md5_hex(conf, m);
		at = strstr(buf, "CONFMD5");
		memmove(at + 32, at + 7, strlen(at + 7) + 1);
		memcpy(at, m, 32);
		put("var/lib/dpkg/status", buf);
	}
	/* tool lists /bin/prog (merged /usr: on disk in /usr/bin), which the
	 * package wrap diverted to /usr/bin/prog.real, and a conffile. */
	put("var/lib/dpkg/info/tool.list", "/.\n/bin\n/bin/prog\n/etc/init.d/svc\n/usr/share/doc/text\n");
	md5_hex(prog_real, m);
	snprintf(line, sizeof(line), "%s  bin/prog\n", m);
	put("var/lib/dpkg/info/tool.md5sums", line);
	put("var/lib/dpkg/diversions", "/bin/prog\n/usr/bin/prog.real\nwrap\n");
	put("var/lib/dpkg/info/libx:amd64.list", "/usr/share/x/shared.sh\n");
	put("var/lib/dpkg/info/libx:i386.list", "/usr/share/x/shared.sh\n");
	put("var/lib/dpkg/info/gone.list", "/usr/bin/prog-wrap\n");
}

static int setup(void **state)
{
	(void)state;
	if (tmpdir_make(dir, "dpkg"))
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return tmpdir_remove(dir) ? -1 : 0;
}

static void test_dpkg_database(void **state)
{
	struct dpkg_db *db = NULL;
	struct allowlist *al = allowlist_new();
	struct dpkg_stats st;
	char real[TMPDIR_MAX + 8];

	(void)state;
	write_root();
	assert_non_null(al);
	assert_int_equal(dpkg_db_load(dir, &db), 0);
	assert_int_equal(dpkg_db_hash(db, 2, false, al, &st), 0);
	/* tool and the two libx instances; gone keeps only its conffiles. */
	assert_int_equal(st.packages, 3);
	/* /bin/prog is diverted (wrap is not tool) to prog.real, resolved
	 * through /bin -> usr/bin; its md5sums say tool shipped it. */
	expect(al, "/usr/bin/prog.real", prog_real, "deb:tool=1:2.0-1");
	assert_null(find(al, "/usr/bin/prog"));
	assert_null(find(al, "/bin/prog.real"));
	assert_int_equal(st.diverted, 1);
	/* The conffile, checked against the status file's Conffiles md5. */
	expect(al, "/etc/init.d/svc", conf, "deb:tool=1:2.0-1");
	/* Listed by both Multi-Arch: same instances: one entry. */
	expect(al, "/usr/share/x/shared.sh", shared, "deb:libx=3");
	assert_int_equal(st.shared, 1);
	/* Not a package's any more: not listed here. */
	assert_null(find(al, "/usr/bin/prog-wrap"));
	assert_int_equal(st.modified, 0);
	assert_int_equal(st.hashed, 3);
	assert_int_equal(st.other, 1);
	assert_true(dpkg_db_owns(db, "/usr/bin/prog.real"));
	assert_true(dpkg_db_owns(db, "/usr/share/x/shared.sh"));
	assert_false(dpkg_db_owns(db, "/usr/bin/prog-wrap"));
	assert_false(dpkg_db_owns(db, "/usr/bin/prog"));
	dpkg_db_free(db);
	allowlist_free(al);

	/* An edited conffile is no package's content any more. */
	put("etc/init.d/svc", "#!/bin/sh\necho edited\n");
	al = allowlist_new();
	assert_int_equal(dpkg_db_load(dir, &db), 0);
	assert_int_equal(dpkg_db_hash(db, 1, false, al, &st), 0);
	expect(al, "/etc/init.d/svc", "#!/bin/sh\necho edited\n", "file");
	assert_int_equal(st.modified, 1);
	dpkg_db_free(db);
	allowlist_free(al);

	/* No status file: an error, nothing loaded. */
	snprintf(real, sizeof(real), "%s/usr", dir);
	assert_int_equal(dpkg_db_load(real, &db), -ENOENT);
	assert_null(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dpkg_database),
	};

	return cmocka_run_group_tests_name("dpkg", tests, setup, teardown);
}
