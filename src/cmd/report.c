// SPDX-License-Identifier: GPL-2.0-only
/* `imaguard report`: audit logs in, one compliance report out. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "allowlist/allowlist.h"
#include "cmd/commands.h"
#include "util/fileio.h"
#include "util/log.h"
#include "report/report.h"
#include "crypto/sig.h"

enum { OPT_SIG = 256, OPT_NOW };

enum fmt { FMT_JSON, FMT_MARKDOWN, FMT_HTML };

static int parse_format(const char *s, enum fmt *out)
{
	if (!strcmp(s, "json"))
		*out = FMT_JSON;
	else if (!strcmp(s, "markdown") || !strcmp(s, "md"))
		*out = FMT_MARKDOWN;
	else if (!strcmp(s, "html"))
		*out = FMT_HTML;
	else
		return -EINVAL;
	return 0;
}

/* The rendering goes to memory first so that -o FILE is replaced whole or
 * not at all. */
static int render(const json_t *doc, enum fmt fmt, const char *out)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int err;

	if (!f)
		return -errno;
	err = fmt == FMT_JSON	    ? report_write_json(doc, f)
	      : fmt == FMT_MARKDOWN ? report_write_markdown(doc, f)
				    : report_write_html(doc, f);
	if (fclose(f) && !err)
		err = -EIO;
	if (err)
		goto cleanup;
	if (out && strcmp(out, "-")) {
		err = fileio_write_atomic(out, buf, len, 0644);
	} else if (fwrite(buf, 1, len, stdout) != len || fflush(stdout)) {
		err = -EIO;
		pr_err("cannot write the report: %s", strerror(EIO));
	}
cleanup:
	free(buf);
	return err;
}

static int run_report(const struct cli_cmd *cmd, int argc, char **argv)
{
	struct allowlist_load_opts lo = { 0 };
	struct report_opts ro = { 0 };
	struct sig_keyring *kr = sig_keyring_new();
	struct allowlist *al = NULL;
	struct report *r = NULL;
	json_t *doc = NULL;
	const char *arg, *out = NULL;
	enum fmt fmt = FMT_JSON;
	bool fmt_set = false;
	int c, err, unreadable = 0, rc = EXIT_FAIL;

	if (!kr) {
		pr_err("cannot report: %s", strerror(ENOMEM));
		return EXIT_FAIL;
	}
	while ((c = cli_next(cmd, argc, argv, &arg)) != CLI_END) {
		switch (c) {
		case 'a':
			lo.path = arg;
			break;
		case 't':
			if (sig_keyring_add_file(kr, arg))
				goto cleanup;
			break;
		case OPT_SIG:
			lo.sig_path = arg;
			break;
		case 'f':
			if (parse_format(arg, &fmt)) {
				rc = cli_usage_error(cmd, "unknown format '%s'", arg);
				goto cleanup;
			}
			fmt_set = true;
			break;
		case 'o':
			out = arg;
			break;
		case OPT_NOW: {
			time_t t;

			if (rfc3339_parse(arg, &t)) {
				rc = cli_usage_error(cmd,
						     "invalid --now '%s': not an RFC 3339 time "
						     "(2027-01-31T00:00:00Z)",
						     arg);
				goto cleanup;
			}
			ro.now = arg;
			break;
		}
		case CLI_HELP:
			rc = EXIT_OK;
			goto cleanup;
		default:
			rc = EXIT_USAGE;
			goto cleanup;
		}
	}
	if (optind >= argc) {
		rc = cli_usage_error(cmd, "at least one LOG is required");
		goto cleanup;
	}
	if (!lo.path && (sig_keyring_count(kr) || lo.sig_path)) {
		rc = cli_usage_error(cmd, "--trust and --sig need --allowlist");
		goto cleanup;
	}
	if (lo.path && !sig_keyring_count(kr)) {
		rc = cli_usage_error(cmd, "--allowlist needs at least one --trust key");
		goto cleanup;
	}
	/* -o report.html says what it wants */
	if (!fmt_set && out) {
		const char *dot = strrchr(out, '.');

		if (dot && (!strcmp(dot, ".html") || !strcmp(dot, ".htm")))
			fmt = FMT_HTML;
		else if (dot && !strcmp(dot, ".md"))
			fmt = FMT_MARKDOWN;
	}
	if (lo.path) {
		/* The report states what the list allows: only a list that
		 * verifies may say so. */
		lo.trust = kr;
		if (allowlist_load_verified(&lo, &al))
			goto cleanup;
	}
	ro.al = al;
	ro.allowlist_path = lo.path;
	ro.progress = isatty(STDERR_FILENO);
	r = report_new(&ro);
	if (!r) {
		pr_err("cannot report: %s", strerror(ENOMEM));
		goto cleanup;
	}
	/* A log that cannot be read is in the report as unreadable; the run
	 * still fails at the end so that a script notices. */
	for (int i = optind; i < argc; i++) {
		err = report_add_log(r, argv[i]);
		if (err == -ENOMEM)
			goto cleanup;
		unreadable += err != 0;
	}
	err = report_build(r, &doc);
	if (err) {
		pr_err("cannot build the report: %s", strerror(-err));
		goto cleanup;
	}
	if (render(doc, fmt, out))
		goto cleanup;
	if (!report_chains_ok(r))
		pr_warn("the report covers logs whose chain does not verify");
	rc = unreadable ? EXIT_FAIL : EXIT_OK;
cleanup:
	json_decref(doc);
	report_free(r);
	allowlist_free(al);
	sig_keyring_free(kr);
	return rc;
}

static const struct cli_opt report_opts[] = {
	{ "allowlist", 'a', "FILE", "judge what ran against this signed allowlist" },
	{ "trust", 't', "PUB.pem", "trusted public key for --allowlist (repeatable)" },
	{ "sig", OPT_SIG, "SIG", "detached signature of --allowlist (default: FILE.sig)" },
	{ "format", 'f', "FORMAT", "json (default), markdown or html; -o NAME.html/.md implies it" },
	{ "output", 'o', "FILE", "write the report here (default: standard output)" },
	{ "now", OPT_NOW, "RFC3339", "the report's \"generated\" time (for reproducible output)" },
	{ 0 },
};

const struct cli_cmd cmd_report = {
	.path = "report",
	.args = "[--allowlist FILE --trust PUB.pem [--sig SIG]] [--format json|markdown|html] "
		"[-o FILE] LOG...",
	.summary = "compliance report from audit logs: JSON, Markdown or self-contained HTML",
	.run = run_report,
	.opts = report_opts,
	.details = "Each LOG (plain or gzip) has its hash chain verified first; the result is\n"
		   "stated per log, and a broken chain is flagged in the summary, not skipped.\n"
		   "Logs are streamed: memory grows with distinct (host, path, digest, hook)\n"
		   "tuples, not with log size. Exit status 0 when the report was written (even\n"
		   "when a chain is broken: the report says so), 1 otherwise. The JSON schema\n"
		   "(imaguard-report/1) is in docs/report.md.",
};
