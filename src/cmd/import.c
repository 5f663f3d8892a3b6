// SPDX-License-Identifier: GPL-2.0-only
/*
 * `imaguard allowlist import`: sha256sum output, Keylime runtime policies,
 * fapolicyd trust files, Santa rules and IMA's ascii measurement list, into
 * one imaguard-allowlist/1 file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "allowlist/allowlist.h"
#include "allowlist/head.h"
#include "allowlist/import/import.h"
#include "cmd/commands.h"
#include "util/log.h"
#include "util/utf8.h"

#define INPUT_MAX ((size_t)1 << 30)

/*
 * Inputs are read to the end rather than by their size: securityfs reports
 * ascii_runtime_measurements as an empty file, and "-" may be a pipe.
 */
static int read_input(const char *path, char **bufp, size_t *lenp)
{
	bool is_stdin = !strcmp(path, "-");
	int fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	size_t len = 0, cap = 1 << 16;
	char *buf = NULL, *nb;
	struct stat st;
	int err = 0;

	if (fd < 0) {
		err = -errno;
		pr_err("cannot open '%s': %s", path, strerror(-err));
		return err;
	}
	if (!is_stdin && !fstat(fd, &st) && S_ISDIR(st.st_mode)) {
		err = -EISDIR;
		pr_err("cannot read '%s': %s", path, strerror(EISDIR));
		goto cleanup;
	}
	for (;;) {
		ssize_t n;

		if (!buf || len == cap) {
			if (buf)
				cap *= 2;
			if (cap > INPUT_MAX + 1)
				cap = INPUT_MAX + 1;
			if (len == cap) {
				err = -EFBIG;
				pr_err("cannot read '%s': larger than %zu bytes", path, INPUT_MAX);
				goto cleanup;
			}
			nb = realloc(buf, cap);
			if (!nb) {
				err = -ENOMEM;
				pr_err("cannot read '%s': %s", path, strerror(ENOMEM));
				goto cleanup;
			}
			buf = nb;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			pr_err("cannot read '%s': %s", path, strerror(-err));
			goto cleanup;
		}
		if (!n)
			break;
		len += (size_t)n;
	}
	*bufp = buf;
	*lenp = len;
	buf = NULL;
cleanup:
	free(buf);
	if (!is_stdin)
		close(fd);
	return err;
}

/* What was written, not how many records were read: records for the same
 * digest and path are one entry (Santa's identifier and sha256 rules, a
 * sha256sum --tag line after the plain one). */
static void report(const struct import *im, size_t nfiles)
{
	size_t entries = allowlist_count(im->al);
	uint64_t merged = im->imported - entries;
	char dups[64] = "";

	if (merged)
		snprintf(dups, sizeof(dups), " (%llu duplicate record%s merged)",
			 (unsigned long long)merged, merged == 1 ? "" : "s");
	pr_info("imported %zu entr%s from %zu file%s%s, skipped %llu", entries,
		entries == 1 ? "y" : "ies", nfiles, nfiles == 1 ? "" : "s", dups,
		(unsigned long long)import_skipped(im));
	for (size_t i = 0; i < im->nskips; i++)
		pr_info("  skipped %llu: %s (first at %s)",
			(unsigned long long)im->skips[i].count, im->skips[i].reason,
			im->skips[i].first);
	if (im->pathless)
		pr_warn("%llu %s kept without %s path: not UTF-8",
			(unsigned long long)im->pathless, im->pathless == 1 ? "entry" : "entries",
			im->pathless == 1 ? "its" : "their");
}

/* ---- the command ---------------------------------------------------------------- */

enum {
	OPT_FROM = 256,
	OPT_SERIAL,
	OPT_CREATED,
	OPT_EXPIRES,
	OPT_SOURCE,
	OPT_SKIP_BAD,
};

static const struct cli_opt import_opts[] = {
	{ "from", OPT_FROM, "FORMAT", "sha256sum, keylime, fapolicyd, santa or ima-log (required)" },
	{ "output", 'o', "FILE", "write the allowlist to FILE (atomically) instead of stdout" },
	{ "serial", OPT_SERIAL, "N", "serial number, at most 2^63-1 (default: the created "
	  "time in seconds)" },
	{ "created", OPT_CREATED, "TIME", "created time, RFC 3339 (default: $SOURCE_DATE_EPOCH, "
					  "else now)" },
	{ "expires", OPT_EXPIRES, "TIME", "expiry: RFC 3339, or +<N>d for N days after created" },
	{ "source", OPT_SOURCE, "S", "the entries' source (default: the format's name)" },
	{ "skip-bad", OPT_SKIP_BAD, NULL, "skip malformed lines or entries (each is reported) "
					  "instead of failing" },
	{ 0 },
};

static int run_import(const struct cli_cmd *cmd, int argc, char **argv)
{
	struct import im = { 0 };
	struct allowlist_head h = { 0 };
	const char *arg, *output = NULL, *from = NULL;
	enum import_format f = IMPORT_SHA256SUM;
	int c, err, rc = EXIT_USAGE;

	while ((c = cli_next(cmd, argc, argv, &arg)) != CLI_END) {
		switch (c) {
		case OPT_FROM:
			from = arg;
			break;
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
		case OPT_SOURCE:
			if (!*arg || !utf8_valid(arg))
				return cli_usage_error(cmd, "--source must be non-empty UTF-8");
			im.source = arg;
			break;
		case OPT_SKIP_BAD:
			im.skip_bad = true;
			im.verbose = true;
			break;
		case CLI_HELP:
			return EXIT_OK;
		default:
			return EXIT_USAGE;
		}
	}
	if (!from)
		return cli_usage_error(cmd, "--from FORMAT is required");
	if (import_format_parse(from, &f))
		return cli_usage_error(cmd, "unknown format '%s'", from);
	if (optind >= argc)
		return cli_usage_error(cmd, "at least one FILE is required ('-' reads stdin)");

	im.al = allowlist_new();
	if (!im.al) {
		pr_err("out of memory");
		return EXIT_FAIL;
	}
	if (allowlist_head_apply(cmd, &h, im.al))
		goto cleanup;
	rc = EXIT_FAIL;
	for (int i = optind; i < argc; i++) {
		char *buf = NULL;
		size_t len = 0;

		if (read_input(argv[i], &buf, &len))
			goto cleanup;
		err = import_buf(&im, f, argv[i], buf, len);
		free(buf);
		if (err) {
			if (err == -EINVAL)
				pr_err("%s", im.err);
			else
				pr_err("cannot import '%s': %s", argv[i], strerror(-err));
			/* the hint only where --skip-bad would get past */
			if (err == -EINVAL && im.malformed)
				pr_err("nothing written (--skip-bad skips malformed lines)");
			goto cleanup;
		}
	}
	report(&im, (size_t)(argc - optind));
	if (!allowlist_count(im.al))
		pr_warn("no entries imported: the allowlist is empty");
	if (allowlist_output(im.al, output))
		goto cleanup;
	rc = EXIT_OK;
cleanup:
	allowlist_free(im.al);
	return rc;
}

const struct cli_cmd cmd_allowlist_import = {
	.path = "allowlist import",
	.args = "--from FORMAT [OPTION]... FILE...",
	.summary = "convert sha256sum, Keylime, fapolicyd, Santa or IMA-log hashes into an "
		   "allowlist",
	.run = run_import,
	.opts = import_opts,
	.details =
		"Every FILE is read in FORMAT ('-' is stdin) into one allowlist; docs/import.md\n"
		"describes each format. Entries that are well-formed but unusable (another\n"
		"hash algorithm, a certificate rule, a violation record) are skipped and\n"
		"counted by reason in the summary on stderr. A malformed line or entry is an\n"
		"error naming the file and line (or entry): the command exits 1 and writes\n"
		"nothing. With --skip-bad each malformed line is reported, counted and\n"
		"skipped instead. Input that is not the format at all (not JSON, no rules\n"
		"list) is always an error.",
};
