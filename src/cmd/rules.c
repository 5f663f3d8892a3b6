// SPDX-License-Identifier: GPL-2.0-only
/* `imaguard rules check|match`: validate and lint a rules file, and ask the
 * reference matcher which rule decides a path. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/commands.h"
#include "util/log.h"
#include "util/names.h"
#include "rules/rules.h"

enum { OPT_STRICT = 256 };

static int run_check(const struct cli_cmd *cmd, int argc, char **argv)
{
	struct rules *r = NULL;
	struct rules_warning *w = NULL;
	const char *arg;
	bool strict = false;
	size_t nw = 0;
	int c, rc = EXIT_FAIL;

	while ((c = cli_next(cmd, argc, argv, &arg)) != CLI_END) {
		switch (c) {
		case OPT_STRICT:
			strict = true;
			break;
		case CLI_HELP:
			return EXIT_OK;
		default:
			return EXIT_USAGE;
		}
	}
	if (argc - optind != 1)
		return cli_usage_error(cmd, "exactly one FILE is required");
	arg = argv[optind];
	if (rules_load(arg, &r))
		goto cleanup;
	if (rules_lint(r, &w, &nw)) {
		pr_err("cannot lint '%s': %s", arg, strerror(ENOMEM));
		goto cleanup;
	}
	for (size_t i = 0; i < nw; i++)
		pr_warn("%s: %s", arg, w[i].msg);
	printf("%s: valid: %zu rule%s, %zu warning%s\n", arg, r->n, r->n == 1 ? "" : "s", nw,
	       nw == 1 ? "" : "s");
	rc = strict && nw ? EXIT_FAIL : EXIT_OK;
cleanup:
	free(w);
	rules_free(r);
	return rc;
}

static const struct cli_opt check_opts[] = {
	{ "strict", OPT_STRICT, NULL, "exit 1 on warnings too" },
	{ 0 },
};

static const struct cli_cmd cmd_rules_check = {
	.path = "rules check",
	.args = "[--strict] FILE",
	.summary = "validate an imaguard-rules/1 file and warn about rules that do nothing or "
		   "too much",
	.run = run_check,
	.opts = check_opts,
	.details = "Exit status 1 when FILE is invalid (the reason is printed), 0 otherwise\n"
		   "(warnings go to stderr). Warnings: a recursive allow on '/'; a rule that\n"
		   "never decides on a hook because a rule on the same path always wins (a\n"
		   "stronger action, or the same action earlier in the file); an allow on\n"
		   "'open' that no audit or deny rule on 'open' overlaps (opens are watched\n"
		   "only under those). See allowlists/README.md for the precedence.",
};

static int run_match(const struct cli_cmd *cmd, int argc, char **argv)
{
	enum ig_hook hook = IG_HOOK_EXEC;
	struct rules *r = NULL;
	const char *arg;
	int c;

	while ((c = cli_next(cmd, argc, argv, &arg)) != CLI_END) {
		switch (c) {
		case 'k':
			for (hook = 0; hook < IG_HOOK_MAX; hook++)
				if (!strcmp(arg, names_hook(hook)))
					break;
			if (hook == IG_HOOK_MAX)
				return cli_usage_error(cmd, "unknown hook '%s' (want exec, mmap or "
							    "open)", arg);
			break;
		case CLI_HELP:
			return EXIT_OK;
		default:
			return EXIT_USAGE;
		}
	}
	if (argc - optind < 2)
		return cli_usage_error(cmd, "a rules FILE and at least one PATH are required");
	if (rules_load(argv[optind], &r))
		return EXIT_FAIL;
	for (int i = optind + 1; i < argc; i++) {
		const struct rule *m = rules_match(r, argv[i], hook);

		if (m)
			printf("%s\t%s\trule %u\t%s\n", names_action(m->action), names_hook(hook),
			       m->index, argv[i]);
		else
			printf("none\t%s\t-\t%s\n", names_hook(hook), argv[i]);
	}
	rules_free(r);
	return EXIT_OK;
}

static const struct cli_opt match_opts[] = {
	{ "hook", 'k', "HOOK", "exec (default), mmap or open" },
	{ 0 },
};

static const struct cli_cmd cmd_rules_match = {
	.path = "rules match",
	.args = "[--hook HOOK] FILE PATH...",
	.summary = "print which rule of FILE decides each PATH (the reference matcher)",
	.run = run_match,
	.opts = match_opts,
	.details = "One line per PATH: action, hook, \"rule N\" (its index in the file, from 0)\n"
		   "and PATH, separated by tabs; \"none\" and \"-\" when no rule matches. PATH is\n"
		   "matched as given, as the kernel matches its resolved path.",
};

static const struct cli_cmd *const rules_cmds[] = { &cmd_rules_check, &cmd_rules_match, NULL };

static int run_rules(const struct cli_cmd *cmd, int argc, char **argv)
{
	return cli_dispatch(cmd, argc, argv);
}

const struct cli_cmd cmd_rules = {
	.path = "rules",
	.args = "COMMAND [ARG]...",
	.summary = "check path rules files and query the reference matcher",
	.run = run_rules,
	.subcmds = rules_cmds,
};
