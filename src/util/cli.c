// SPDX-License-Identifier: GPL-2.0-only
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/cli.h"

#define CLI_MAX_OPTS 64

static const struct cli_cmd *cur_cmd;
static struct option longopts[CLI_MAX_OPTS + 2];
static char shortopts[CLI_MAX_OPTS * 3 + 4]; /* "+:", "x::" each, "h" */

static void build_getopt_tables(const struct cli_cmd *cmd)
{
	const struct cli_opt *o;
	int n = 0;
	char *s = shortopts;

	/* A leaf command takes options anywhere, GNU style ("--" ends them);
	 * a group's options end at its command word, whose own options follow. */
	if (cmd->subcmds)
		*s++ = '+';
	*s++ = ':'; /* missing arguments come back as ':' so we can name them */
	for (o = cmd->opts; o && o->name && n < CLI_MAX_OPTS; o++, n++) {
		int has_arg = !o->arg ? no_argument
			      : cli_opt_arg_optional(o) ? optional_argument : required_argument;

		longopts[n] = (struct option){ o->name, has_arg, NULL, o->key };
		if (o->key > 0 && o->key < 256) {
			*s++ = (char)o->key;
			if (o->arg)
				*s++ = ':';
			if (cli_opt_arg_optional(o))
				*s++ = ':';
		}
	}
	longopts[n++] = (struct option){ "help", no_argument, NULL, 'h' };
	longopts[n] = (struct option){ 0 };
	*s++ = 'h';
	*s = '\0';
}

int cli_next(const struct cli_cmd *cmd, int argc, char **argv, const char **arg)
{
	int c;

	if (cur_cmd != cmd) {
		cur_cmd = cmd;
		build_getopt_tables(cmd);
		optind = 0; /* not 1: glibc rereads the ordering ('+') only on 0 */
	}
	opterr = 0;
	c = getopt_long(argc, argv, shortopts, longopts, NULL);
	*arg = optarg;
	switch (c) {
	case -1:
		cur_cmd = NULL;
		return CLI_END;
	case 'h':
		cli_help(cmd);
		cur_cmd = NULL;
		return CLI_HELP;
	case ':':
		cli_usage_error(cmd, "option '%s' needs an argument", argv[optind - 1]);
		cur_cmd = NULL;
		return CLI_BAD;
	case '?':
		cli_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
		cur_cmd = NULL;
		return CLI_BAD;
	}
	return c;
}

void cli_help(const struct cli_cmd *cmd)
{
	const struct cli_opt *o;
	const struct cli_cmd *const *sub;

	printf("usage: imaguard%s%s%s%s\n\n%s\n", cmd->path[0] ? " " : "", cmd->path,
	       cmd->args ? " " : "", cmd->args ? cmd->args : "", cmd->summary);
	if (cmd->subcmds) {
		printf("\ncommands:\n");
		for (sub = cmd->subcmds; *sub; sub++) {
			const char *word = strrchr((*sub)->path, ' ');

			printf("  %-18s %s\n", word ? word + 1 : (*sub)->path, (*sub)->summary);
		}
	}
	printf("\noptions:\n");
	for (o = cmd->opts; o && o->name; o++) {
		char left[64];
		char shortname[8] = "    ";

		if (o->key > 0 && o->key < 256)
			snprintf(shortname, sizeof(shortname), "-%c, ", o->key);
		snprintf(left, sizeof(left), "%s--%s%s%s", shortname, o->name,
			 o->arg && !cli_opt_arg_optional(o) ? " " : "", o->arg ? o->arg : "");
		printf("  %-28s %s\n", left, o->help);
	}
	printf("  %-28s %s\n", "-h, --help", "show this help and exit");
	if (cmd->details)
		printf("\n%s\n", cmd->details);
}

int cli_usage_error(const struct cli_cmd *cmd, const char *fmt, ...)
{
	va_list ap;

	fputs("imaguard: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nusage: imaguard%s%s%s%s (see 'imaguard%s%s --help')\n",
		cmd->path[0] ? " " : "", cmd->path, cmd->args ? " " : "",
		cmd->args ? cmd->args : "", cmd->path[0] ? " " : "", cmd->path);
	return EXIT_USAGE;
}

int cli_dispatch(const struct cli_cmd *cmd, int argc, char **argv)
{
	const struct cli_cmd *const *sub;
	const char *word;

	if (argc < 2)
		return cli_usage_error(cmd, "a command is required");
	word = argv[1];
	if (!strcmp(word, "--help") || !strcmp(word, "-h") || !strcmp(word, "help")) {
		cli_help(cmd);
		return EXIT_OK;
	}
	for (sub = cmd->subcmds; *sub; sub++) {
		const char *last = strrchr((*sub)->path, ' ');

		if (!strcmp(last ? last + 1 : (*sub)->path, word))
			return (*sub)->run(*sub, argc - 1, argv + 1);
	}
	/* a group's only option is --help: anything else with a dash is a
	 * mistyped or misplaced option, not a command */
	if (word[0] == '-' && word[1])
		return cli_usage_error(cmd, "unknown option '%s'", word);
	return cli_usage_error(cmd, "unknown command '%s'", word);
}

int cli_strtou64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	/* strtoull would skip any leading blank and take a sign. */
	if (!s || !isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (*end)
		return -EINVAL;
	if (errno == ERANGE || v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int cli_parse_u64(const struct cli_cmd *cmd, const char *what, const char *s, uint64_t min,
		  uint64_t max, uint64_t *out)
{
	int err = cli_strtou64(s, min, max, out);

	if (err == -EINVAL)
		cli_usage_error(cmd, "invalid %s '%s': not a non-negative decimal number", what,
				s ? s : "");
	else if (err)
		cli_usage_error(cmd, "invalid %s '%s': must be between %llu and %llu", what, s,
				(unsigned long long)min, (unsigned long long)max);
	return err;
}
