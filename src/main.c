// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmd/commands.h"
#include "enforcer/enforcer.h"
#include "util/log.h"

static int run_version(const struct cli_cmd *cmd, int argc, char **argv)
{
	const char *arg;
	int c;

	while ((c = cli_next(cmd, argc, argv, &arg)) != CLI_END)
		return c == CLI_HELP ? EXIT_OK : EXIT_USAGE;
	if (optind < argc)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	printf("imaguard %s\n", IMAGUARD_VERSION);
	return EXIT_OK;
}

static const struct cli_cmd cmd_version = {
	.path = "version",
	.summary = "print the version and exit",
	.run = run_version,
};

static const struct cli_cmd *const top_cmds[] = {
	&cmd_allowlist,
	&cmd_audit,
	&cmd_hash,
	&cmd_probe,
	&cmd_report,
	&cmd_rules,
	&cmd_run,
	&cmd_status,
	&cmd_stop,
	&cmd_unlock_token,
	&cmd_version,
	NULL,
};

/* Only for --help: main() turns --version into the version command. */
static const struct cli_opt top_opts[] = {
	{ "version", 256, NULL, "print the version and exit (as 'imaguard version')" },
	{ 0 },
};

static const struct cli_cmd top = {
	.path = "",
	.args = "COMMAND [ARG]...",
	.summary = "integrity-measurement enforcer: IMA file hashes checked by BPF-LSM "
		   "against a signed allowlist",
	.subcmds = top_cmds,
	.opts = top_opts,
	.details = "Run 'imaguard COMMAND --help' for a command's options.",
};

/* What a command printed counts only once it is written: a full disk or a
 * closed pipe under 'allowlist show', 'rules match' or --help must not exit
 * 0 with the answer lost. A command that failed has said why already. */
static int close_stdout(int rc)
{
	int err = 0;

	if (fflush(stdout))
		err = errno;
	else if (ferror(stdout))
		err = EIO;
	if (err && rc == EXIT_OK) {
		pr_err("cannot write to standard output: %s", strerror(err));
		return EXIT_FAIL;
	}
	return rc;
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "--version"))
		argv[1] = "version";
	enforcer_log_libbpf();
	return close_stdout(cli_dispatch(&top, argc, argv));
}
