// SPDX-License-Identifier: GPL-2.0-only
/* `imaguard allowlist build`: the options and the summary around the walk. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "allowlist/allowlist.h"
#include "allowlist/build.h"
#include "allowlist/head.h"
#include "cmd/commands.h"
#include "util/log.h"
#include "util/utf8.h"

enum {
	OPT_SERIAL = 256,
	OPT_CREATED,
	OPT_EXPIRES,
	OPT_EXCLUDE,
	OPT_SOURCE,
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

static int run_build(const struct cli_cmd *cmd, int argc, char **argv)
{
	struct build_opts o = { 0 };
	struct allowlist_head h = { 0 };
	struct build_stats st = { 0 };
	struct allowlist *al = NULL;
	const char *arg, *output = NULL;
	char **excludes = NULL;
	size_t nexcl = 0;
	bool keep_going = false, quiet = false;
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
	if (optind >= argc) {
		cli_usage_error(cmd, "at least one PATH is required");
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
	err = build_run(&o, al, &st);
	if (err) {
		pr_err("allowlist build stopped: %s", strerror(-err));
		goto cleanup;
	}
	if (o.progress || st.failed)
		print_summary(&st);
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
	.args = "[OPTION]... PATH...",
	.summary = "hash the ELF files and #! scripts under each PATH into an allowlist",
	.run = run_build,
	.opts = build_options,
	.details =
		"Directories are walked without following symbolic links (a PATH that is a\n"
		"symlink is resolved first); only regular files whose first bytes are \\x7fELF\n"
		"or #! are hashed. Entries carry the file's absolute path and a source, and\n"
		"are sorted, so the same tree with the same --serial and --created (or\n"
		"SOURCE_DATE_EPOCH) gives the same bytes whatever --jobs is.\n"
		"\n"
		"A file that cannot be read, or that is replaced while the walk looks at it,\n"
		"is reported; the walk goes on so that every such file is named, and then\n"
		"the command exits 1 without writing anything, unless --keep-going, which\n"
		"writes the allowlist without those files and exits 0. Files removed during\n"
		"the walk are counted, not failures. Kernel pseudo file systems (proc,\n"
		"sysfs, debugfs, cgroup and the like) are never walked, so '/' is safe to\n"
		"give. On a terminal a progress line shows files, bytes and rate on stderr.",
};
