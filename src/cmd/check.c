// SPDX-License-Identifier: GPL-2.0-only
/*
 * `imaguard allowlist check`: before an upgrade, the programs and libraries
 * that the packages would install and that the allowlist does not allow.
 * A non-zero exit lets an operator, or an apt hook, stop the upgrade before
 * the enforcer refuses the upgraded software.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "allowlist/allowlist.h"
#include "allowlist/build.h"
#include "allowlist/deb.h"
#include "cmd/commands.h"
#include "crypto/sig.h"
#include "util/fileio.h"
#include "util/log.h"

enum { OPT_SIG = 256, OPT_DEB };

static const struct cli_opt check_opts[] = {
	{ "allowlist", 'a', "FILE", "the allowlist to check against (required)" },
	{ "trust", 't', "PUB.pem", "verify FILE's signature, expiry and format as the daemon "
				   "does, with this key (repeatable)" },
	{ "sig", OPT_SIG, "SIG", "signature of FILE (default: FILE.sig); needs --trust" },
	{ "deb", OPT_DEB, NULL, "each PACKAGE is a .deb file or a directory of them (required)" },
	{ "jobs", 'j', "N", "packages read at once (default: one per online CPU)" },
	{ 0 },
};

/* Without a key the file is only parsed: a prediction needs the list's
 * content, and the list about to be signed is worth checking too. */
static int load_unverified(const char *path, struct allowlist **al)
{
	uint8_t *data = NULL;
	size_t len;
	char why[512];
	int err;

	err = fileio_read_once(path, ALLOWLIST_MAX_SIZE, &data, &len);
	if (err)
		return err;
	err = allowlist_parse(data, len, al, why, sizeof(why));
	if (err)
		pr_err("invalid allowlist '%s': %s", path, why);
	free(data);
	return err;
}

/* Print each file not allowed at its installed path; the count of them. */
static size_t report_missing(const struct allowlist *al, const struct deb_pkg *pkgs, size_t n,
			     size_t *npkgs, size_t *total)
{
	size_t missing = 0;

	*npkgs = 0;
	*total = 0;
	for (size_t i = 0; i < n; i++) {
		size_t before = missing;

		for (size_t j = 0; j < pkgs[i].count; j++) {
			const struct deb_file *f = &pkgs[i].files[j];
			char hex[SHA256_HEX_LEN + 1];

			if (allowlist_lookup(al, f->digest, f->path))
				continue;
			digest_to_hex(f->digest, hex);
			printf("%s  %s=%s  %s\n", hex, pkgs[i].package, pkgs[i].version,
			       f->path ? f->path : "(path not UTF-8)");
			missing++;
		}
		*total += pkgs[i].count;
		*npkgs += missing > before;
	}
	return missing;
}

static int run_check(const struct cli_cmd *cmd, int argc, char **argv)
{
	struct allowlist_load_opts lo = { 0 };
	struct sig_keyring *kr = sig_keyring_new();
	struct allowlist *al = NULL;
	struct deb_pkg *pkgs = NULL;
	char **files = NULL;
	const char *arg;
	size_t n = 0, missing, npkgs, total;
	uint64_t jobs = 0;
	bool deb = false;
	int c, rc = EXIT_USAGE;

	if (!kr) {
		pr_err("cannot check: %s", strerror(ENOMEM));
		return EXIT_FAIL;
	}
	while ((c = cli_next(cmd, argc, argv, &arg)) != CLI_END) {
		switch (c) {
		case 'a':
			lo.path = arg;
			break;
		case 't':
			if (sig_keyring_add_file(kr, arg)) {
				rc = EXIT_FAIL;
				goto cleanup;
			}
			break;
		case OPT_SIG:
			lo.sig_path = arg;
			break;
		case OPT_DEB:
			deb = true;
			break;
		case 'j':
			if (cli_parse_u64(cmd, "--jobs", arg, 1, BUILD_MAX_JOBS, &jobs))
				goto cleanup;
			break;
		case CLI_HELP:
			rc = EXIT_OK;
			goto cleanup;
		default:
			goto cleanup;
		}
	}
	if (!lo.path) {
		cli_usage_error(cmd, "--allowlist is required");
		goto cleanup;
	}
	if (lo.sig_path && !sig_keyring_count(kr)) {
		cli_usage_error(cmd, "--sig needs --trust");
		goto cleanup;
	}
	if (!deb) {
		cli_usage_error(cmd, "--deb is required (the packages to check)");
		goto cleanup;
	}
	if (optind >= argc) {
		cli_usage_error(cmd, "at least one PACKAGE is required");
		goto cleanup;
	}
	rc = EXIT_FAIL;
	if (sig_keyring_count(kr)) {
		lo.trust = kr;
		if (allowlist_load_verified(&lo, &al))
			goto cleanup;
	} else if (load_unverified(lo.path, &al)) {
		goto cleanup;
	}
	if (deb_list((const char *const *)argv + optind, argc - optind, &files, &n))
		goto cleanup;
	pkgs = calloc(n ? n : 1, sizeof(*pkgs));
	if (!pkgs) {
		pr_err("cannot check: %s", strerror(ENOMEM));
		goto cleanup;
	}
	if (deb_read_all(files, n, (unsigned int)jobs, isatty(STDERR_FILENO), pkgs))
		goto cleanup;
	missing = report_missing(al, pkgs, n, &npkgs, &total);
	if (missing)
		pr_info("%zu of %zu programs, libraries and scripts in %zu of %zu packages are not "
			"in '%s'", missing, total, npkgs, n, lo.path);
	else
		pr_info("nothing missing: '%s' allows the %zu programs, libraries and scripts "
			"of the %zu packages", lo.path, total, n);
	rc = missing ? EXIT_FAIL : EXIT_OK;
cleanup:
	for (size_t i = 0; pkgs && i < n; i++)
		deb_pkg_fini(&pkgs[i]);
	free(pkgs);
	deb_list_free(files);
	allowlist_free(al);
	sig_keyring_free(kr);
	return rc;
}

const struct cli_cmd cmd_allowlist_check = {
	.path = "allowlist check",
	.args = "--allowlist FILE [--trust PUB.pem [--sig SIG]] --deb PACKAGE...",
	.summary = "before an upgrade: which files of these packages the allowlist would refuse",
	.run = run_check,
	.opts = check_opts,
	.details =
		"Each PACKAGE is read as `allowlist build --deb` reads it, without installing\n"
		"it. For every ELF file and #! script that FILE does not allow at its\n"
		"installed path, one line goes to stdout: the SHA-256, PACKAGE=VERSION and\n"
		"the path, separated by two spaces; a summary goes to stderr. Exit status 0\n"
		"when FILE allows everything, 1 when something is missing or a package or\n"
		"FILE cannot be read, 2 on a usage error. With --trust, FILE is first\n"
		"verified as `allowlist verify` does; without, it is only parsed.",
};
