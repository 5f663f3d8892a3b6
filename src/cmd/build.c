// SPDX-License-Identifier: GPL-2.0-only
/* `imaguard allowlist build`: the options and the summary around the walk. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "allowlist/allowlist.h"
#include "allowlist/build.h"
#include "allowlist/deb.h"
#include "allowlist/dpkg.h"
#include "allowlist/head.h"
#include "cmd/commands.h"
#include "enforcer/enforcer.h"
#include "util/log.h"
#include "util/utf8.h"

enum {
	OPT_SERIAL = 256,
	OPT_CREATED,
	OPT_EXPIRES,
	OPT_EXCLUDE,
	OPT_SOURCE,
	OPT_DEB,
	OPT_SCRIPTS,
	OPT_INSTALLED,
	OPT_ROOT,
};

static const struct cli_opt build_options[] = {
	{ "output", 'o', "FILE", "write the allowlist to FILE (atomically) instead of stdout" },
	{ "serial", OPT_SERIAL, "N", "serial number, at most 2^63-1 (default: the created "
	  "time in seconds)" },
	{ "created", OPT_CREATED, "TIME", "created time, RFC 3339 (default: $SOURCE_DATE_EPOCH, "
					  "else now)" },
	{ "expires", OPT_EXPIRES, "TIME", "expiry: RFC 3339, or +<N>d for N days after created" },
	{ "exclude", OPT_EXCLUDE, "PREFIX", "leave out PREFIX and everything below it "
					    "(repeatable)" },
	{ "source", OPT_SOURCE, "S", "the entries' source (default: file)" },
	{ "deb", OPT_DEB, NULL, "each PATH is a Debian package (.deb) or a directory of them: "
				"hash their files without installing them" },
	{ "scripts", OPT_SCRIPTS, NULL, "also interpreted code: files named with a code "
					"extension (.py .pyc .pl .pm .rb .php .js .mjs .cjs .lua "
					".tcl .sh .bash .awk), as the kernel judges them" },
	{ "installed", OPT_INSTALLED, NULL, "the packages installed (dpkg's database), and the "
					    "files under each PATH that no package owns" },
	{ "root", OPT_ROOT, "DIR", "with --installed: the system mounted at DIR (default: /)" },
	{ "jobs", 'j', "N", "hashing threads (default: one per online CPU)" },
	{ "one-file-system", 'x', NULL, "do not descend into other mounted file systems" },
	{ "keep-going", 'k', NULL, "write the allowlist even if some files could not be read" },
	{ "quiet", 'q', NULL, "no progress line or summary, even on a terminal" },
	{ 0 },
};

static void print_summary(const struct build_stats *st)
{
	pr_info("%llu of %llu files hashed (%.1f MB); %llu other files, %llu symlinks or "
		"special files, %llu excluded, %llu vanished, %llu failed",
		(unsigned long long)st->hashed, (unsigned long long)st->files, st->bytes / 1e6,
		(unsigned long long)st->other, (unsigned long long)st->special,
		(unsigned long long)st->excluded, (unsigned long long)st->vanished,
		(unsigned long long)st->failed);
}

/* --deb: every package is read (in parallel) before anything is added, so
 * that a bad one stops the build with nothing written, and packages are
 * added in the order given, so an unchanged file shared by two versions
 * always keeps the same source. */
static int build_debs(const char *const *args, size_t nargs, unsigned int jobs, bool summary,
		      struct allowlist *al)
{
	struct deb_pkg *pkgs = NULL;
	char **files = NULL;
	size_t n = 0;
	uint64_t shared = 0, hashed = 0, regular = 0, special = 0, bytes = 0;
	int err;

	err = deb_list(args, nargs, &files, &n);
	if (err)
		return err;
	pkgs = calloc(n ? n : 1, sizeof(*pkgs));
	if (!pkgs) {
		pr_err("out of memory");
		err = -ENOMEM;
		goto cleanup;
	}
	err = deb_read_all(files, n, jobs, summary, pkgs);
	if (err) {
		if (err != -ENOMEM && n > 1)
			pr_err("no allowlist written");
		goto cleanup;
	}
	for (size_t i = 0; i < n; i++) {
		err = deb_add_to_allowlist(&pkgs[i], al, &shared);
		if (err) {
			pr_err("cannot add the files of '%s': %s", files[i], strerror(-err));
			goto cleanup;
		}
		hashed += pkgs[i].count;
		regular += pkgs[i].regular;
		special += pkgs[i].special;
		bytes += pkgs[i].bytes;
	}
	if (summary)
		pr_info("%zu packages: %llu of %llu files hashed (%.1f MB), %llu of them listed "
			"already by an earlier package; %llu links, directories or special files",
			n, (unsigned long long)hashed, (unsigned long long)regular, bytes / 1e6,
			(unsigned long long)shared, (unsigned long long)special);
cleanup:
	for (size_t i = 0; pkgs && i < n; i++)
		deb_pkg_fini(&pkgs[i]);
	free(pkgs);
	deb_list_free(files);
	return err;
}

static bool owned_by_package(const char *path, void *db)
{
	return dpkg_db_owns(db, path);
}

/* --installed: the packages' files from dpkg's lists, then the walk of the
 * PATHs for what no package owns. Failures of both count together. */
static int build_installed(struct build_opts *o, const char *root, bool summary,
			   struct allowlist *al, uint64_t *failed)
{
	struct dpkg_db *db = NULL;
	struct dpkg_stats ds = { 0 };
	struct build_stats st = { 0 };
	char *real = NULL;
	int err;

	err = dpkg_db_load(root, &db);
	if (err)
		return err;
	err = dpkg_db_hash(db, o->jobs, o->progress, al, &ds);
	if (err) {
		pr_err("allowlist build stopped: %s", strerror(-err));
		goto cleanup;
	}
	if (summary || ds.failed)
		pr_info("%llu packages: %llu files hashed (%.1f MB) of %llu paths listed; %llu "
			"other files, %llu links, directories or special files, %llu missing, "
			"%llu diverted, %llu owned by several packages, %llu modified since "
			"installed, %llu failed",
			(unsigned long long)ds.packages, (unsigned long long)ds.hashed,
			ds.bytes / 1e6, (unsigned long long)ds.paths, (unsigned long long)ds.other,
			(unsigned long long)ds.special, (unsigned long long)ds.missing,
			(unsigned long long)ds.diverted, (unsigned long long)ds.shared,
			(unsigned long long)ds.modified, (unsigned long long)ds.failed);
	*failed = ds.failed;
	if (!o->nroots)
		goto cleanup;
	real = realpath(root, NULL);
	if (!real) {
		err = -errno;
		pr_err("cannot resolve '%s': %s", root, strerror(-err));
		goto cleanup;
	}
	o->root = real;
	o->skip = owned_by_package;
	o->skip_ctx = db;
	err = build_run(o, al, &st);
	if (err) {
		pr_err("allowlist build stopped: %s", strerror(-err));
		goto cleanup;
	}
	if (summary || st.failed)
		print_summary(&st);
	if (summary)
		pr_info("%llu files under the PATHs belong to a package; %llu of the others "
			"listed with source file", (unsigned long long)st.owned,
			(unsigned long long)st.hashed);
	*failed += st.failed;
cleanup:
	o->root = NULL;
	free(real);
	dpkg_db_free(db);
	return err;
}

static int run_build(const struct cli_cmd *cmd, int argc, char **argv)
{
	struct build_opts o = { 0 };
	struct allowlist_head h = { 0 };
	struct build_stats st = { 0 };
	struct allowlist *al = NULL;
	const char *arg, *output = NULL, *root = NULL;
	char **excludes = NULL;
	size_t nexcl = 0;
	bool keep_going = false, quiet = false, deb = false, installed = false;
	uint64_t jobs;
	int c, err, rc = EXIT_USAGE;

	excludes = calloc(argc, sizeof(*excludes));
	if (!excludes) {
		pr_err("out of memory");
		return EXIT_FAIL;
	}
	while ((c = cli_next(cmd, argc, argv, &arg)) != CLI_END) {
		switch (c) {
		case 'o':
			output = arg;
			break;
		case OPT_SERIAL:
			h.serial = arg;
			break;
		case OPT_CREATED:
			h.created = arg;
			break;
		case OPT_EXPIRES:
			h.expires = arg;
			break;
		case OPT_EXCLUDE: {
			char *x = realpath(arg, NULL);

			/* An exclude that does not exist (yet) is taken as
			 * written; it still has to be absolute to ever match. */
			if (!x && arg[0] != '/') {
				cli_usage_error(cmd, "--exclude '%s': not an absolute path and "
						     "does not exist", arg);
				goto cleanup;
			}
			excludes[nexcl] = x ? x : strdup(arg);
			if (!excludes[nexcl++]) {
				rc = EXIT_FAIL;
				goto cleanup;
			}
			break;
		}
		case OPT_SOURCE:
			if (!*arg || !utf8_valid(arg)) {
				cli_usage_error(cmd, "--source must be non-empty UTF-8");
				goto cleanup;
			}
			o.source = arg;
			break;
		case 'j':
			if (cli_parse_u64(cmd, "--jobs", arg, 1, BUILD_MAX_JOBS, &jobs))
				goto cleanup;
			o.jobs = (unsigned int)jobs;
			break;
		case OPT_DEB:
			deb = true;
			break;
		case OPT_SCRIPTS:
			o.script_exts = enforcer_script_exts_default;
			break;
		case OPT_INSTALLED:
			installed = true;
			break;
		case OPT_ROOT:
			root = arg;
			break;
		case 'x':
			o.one_file_system = true;
			break;
		case 'k':
			keep_going = true;
			break;
		case 'q':
			quiet = true;
			break;
		case CLI_HELP:
			rc = EXIT_OK;
			goto cleanup;
		default:
			goto cleanup;
		}
	}
	if (deb && installed) {
		cli_usage_error(cmd, "--deb and --installed exclude each other");
		goto cleanup;
	}
	if (root && !installed) {
		cli_usage_error(cmd, "--root needs --installed");
		goto cleanup;
	}
	if (installed && o.source) {
		cli_usage_error(cmd, "--installed sets each entry's source; --source is refused");
		goto cleanup;
	}
	if (optind >= argc && !installed) {
		cli_usage_error(cmd, "at least one PATH is required");
		goto cleanup;
	}
	if (deb && o.script_exts) {
		cli_usage_error(cmd, "--scripts takes no --deb");
		goto cleanup;
	}
	if (deb && (nexcl || o.source || o.one_file_system || keep_going)) {
		cli_usage_error(cmd, "--deb takes none of --exclude, --source, -x, --keep-going");
		goto cleanup;
	}
	o.roots = (const char *const *)argv + optind;
	o.nroots = argc - optind;
	o.excludes = (const char *const *)excludes;
	o.nexcludes = nexcl;
	o.progress = !quiet && isatty(STDERR_FILENO);

	al = allowlist_new();
	if (!al) {
		pr_err("out of memory");
		rc = EXIT_FAIL;
		goto cleanup;
	}
	if (allowlist_head_apply(cmd, &h, al))
		goto cleanup;
	rc = EXIT_FAIL;
	if (deb) {
		if (build_debs(o.roots, o.nroots, o.jobs, o.progress, al))
			goto cleanup;
		if (allowlist_output(al, output))
			goto cleanup;
		rc = EXIT_OK;
		goto cleanup;
	}
	if (installed) {
		if (build_installed(&o, root ? root : "/", o.progress, al, &st.failed))
			goto cleanup;
	} else {
		err = build_run(&o, al, &st);
		if (err) {
			pr_err("allowlist build stopped: %s", strerror(-err));
			goto cleanup;
		}
		if (o.progress || st.failed)
			print_summary(&st);
	}
	if (st.failed && !keep_going) {
		pr_err("%llu files could not be hashed: no allowlist written (--keep-going writes "
		       "one without them)", (unsigned long long)st.failed);
		goto cleanup;
	}
	if (st.failed)
		pr_warn("%llu files could not be hashed and are not in the allowlist",
			(unsigned long long)st.failed);
	if (allowlist_output(al, output))
		goto cleanup;
	rc = EXIT_OK;
cleanup:
	for (size_t i = 0; i < nexcl; i++)
		free(excludes[i]);
	free(excludes);
	allowlist_free(al);
	return rc;
}

const struct cli_cmd cmd_allowlist_build = {
	.path = "allowlist build",
	.args = "[OPTION]... PATH...  |  --deb [OPTION]... FILE.deb|DIR...  |  "
		"--installed [--root DIR] [OPTION]... [PATH]...",
	.summary = "hash the ELF files and #! scripts under each PATH, or in Debian packages, "
		   "into an allowlist",
	.run = run_build,
	.opts = build_options,
	.details =
		"Directories are walked without following symbolic links (a PATH that is a\n"
		"symlink is resolved first); only regular files whose first bytes are \\x7fELF\n"
		"or #!, and compressed kernel modules (*.ko.xz, *.ko.zst, *.ko.gz, hashed as\n"
		"stored: the kernel reads them so), are hashed. Entries carry the file's\n"
		"absolute path and a source, and are sorted, so the same tree with the same\n"
		"--serial and --created (or SOURCE_DATE_EPOCH) gives the same bytes whatever\n"
		"--jobs is.\n"
		"\n"
		"A file that cannot be read, or that is replaced while the walk looks at it,\n"
		"is reported; the walk goes on so that every such file is named, and then\n"
		"the command exits 1 without writing anything, unless --keep-going, which\n"
		"writes the allowlist without those files and exits 0. Files removed during\n"
		"the walk are counted, not failures. Kernel pseudo file systems (proc,\n"
		"sysfs, debugfs, cgroup and the like) are never walked, so '/' is safe to\n"
		"give. On a terminal a progress line shows files, bytes and rate on stderr.\n"
		"With --scripts, files whose name has a code extension are hashed too, as\n"
		"the kernel judges what a named interpreter reads (a Python module, a\n"
		"sourced shell file, __pycache__/*.pyc).\n"
		"\n"
		"With --deb each PATH is a Debian package, or a directory whose *.deb files\n"
		"are all read (an apt cache, an `apt-get download` directory). Packages are\n"
		"read without installing them and nothing is extracted to disk; each entry\n"
		"carries the path the file installs to and the source deb:PACKAGE=VERSION\n"
		"from the package's control file. Symlinks and directories are not entries.\n"
		"A package that cannot be read (corrupt, truncated, not a .deb) is named\n"
		"with the reason and nothing is written.\n"
		"\n"
		"With --installed the packages dpkg has unpacked on this host (or under\n"
		"--root DIR) are read through dpkg's own database: each ELF file and #!\n"
		"script a package's file list names is hashed where it is on disk (after\n"
		"dpkg-divert diversions, its directory resolved as the kernel sees it) with\n"
		"the source deb:PACKAGE=VERSION; a file several packages list is hashed\n"
		"once and given to the first of them, by name, whose md5sums match it; a\n"
		"file whose content no owner's md5sums match is listed with the source\n"
		"file and a warning. Each PATH (inside DIR) is then walked as above, and\n"
		"the files there that no package owns are listed with the source file.",
};
