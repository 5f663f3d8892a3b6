/* SPDX-License-Identifier: GPL-2.0-only */
/* Subcommands and their options come from tables: one table gives getopt its
 * long options and --help its text, so neither is written twice. */
#ifndef IMAGUARD_CLI_H
#define IMAGUARD_CLI_H

#include <stdbool.h>
#include <stdint.h>

/* Exit statuses of every command. */
enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

/* Keys returned by cli_next() besides an option's own key. */
enum { CLI_END = -1, CLI_HELP = -2, CLI_BAD = -3 };

struct cli_opt {
	const char *name;	/* long name without "--" */
	int key;		/* short option letter, or a value >= 256 for long-only */
	/* NULL: a flag; else the argument's name in --help. A name in brackets,
	 * "[=DIR]", makes the argument optional: "--name" alone (*arg is then
	 * NULL) or "--name=DIR", never "--name DIR", as getopt_long's
	 * optional_argument has it. */
	const char *arg;
	const char *help;
};

struct cli_cmd {
	const char *path;	/* words after "imaguard", e.g. "allowlist build" */
	const char *args;	/* positional arguments for the usage line */
	const char *summary;
	int (*run)(const struct cli_cmd *cmd, int argc, char **argv);
	const struct cli_opt *opts;	/* ends with an entry whose name is NULL */
	const struct cli_cmd *const *subcmds;	/* NULL-terminated */
	const char *details;	/* optional paragraph printed after the options */
};

static inline bool cli_opt_arg_optional(const struct cli_opt *o)
{
	return o->arg && o->arg[0] == '[';
}

/*
 * Iterate over argv's options as getopt_long does. Options may follow the
 * positional arguments, except in a command with subcommands, and "--" ends
 * them. Returns an option's key, CLI_END when they are done (argv is then
 * permuted so that the positional arguments are argv[optind..argc-1]), CLI_HELP
 * after printing --help (the command returns EXIT_OK) or CLI_BAD after naming
 * the bad option (the command returns EXIT_USAGE). *arg gets the argument.
 */
int cli_next(const struct cli_cmd *cmd, int argc, char **argv, const char **arg);

/* Print "usage: ..." plus options to stdout. */
void cli_help(const struct cli_cmd *cmd);
/* Report a usage error with a hint at --help; returns EXIT_USAGE. */
int cli_usage_error(const struct cli_cmd *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Run the subcommand argv[0] names from cmd->subcmds. */
int cli_dispatch(const struct cli_cmd *cmd, int argc, char **argv);

/* Strict number parsing: the whole string, base 10, within [min, max]. A bad
 * number is a usage error of cmd: "imaguard: invalid <what> '<s>': <why>"
 * and the usage line (cli_usage_error); returns -EINVAL/-ERANGE. */
int cli_parse_u64(const struct cli_cmd *cmd, const char *what, const char *s, uint64_t min,
		  uint64_t max, uint64_t *out);
/* The same parse without a message: 0, -EINVAL (not such a number) or -ERANGE. */
int cli_strtou64(const char *s, uint64_t min, uint64_t max, uint64_t *out);

#endif
