// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "util/cli.h"

enum { OPT_LONG_ONLY = 256 };

static const struct cli_opt opts[] = {
	{ "output", 'o', "FILE", "write to FILE" },
	{ "quiet", 'q', NULL, "say less" },
	{ "long-only", OPT_LONG_ONLY, "N", "a long option" },
	{ "pin", 'p', "[=DIR]", "an optional argument" },
	{ 0 },
};

static const struct cli_cmd cmd = {
	.path = "test cmd", .args = "FILE...", .summary = "a test command", .opts = opts,
};

static void test_cli_parse_u64_accepts(void **state)
{
	uint64_t v = 0;

	(void)state;
	assert_int_equal(cli_parse_u64(&cmd, "serial", "0", 0, 10, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(cli_parse_u64(&cmd, "serial", "18446744073709551615", 0, UINT64_MAX, &v),
			 0);
	assert_true(v == UINT64_MAX);
}

static void test_cli_parse_u64_rejects(void **state)
{
	static const char *const bad[] = { "", "-1", "+1", " 1", "\t1", "\n1", "1 ", "1x", "0x10",
					   "abc" };
	uint64_t v = 42;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(cli_parse_u64(&cmd, "n", bad[i], 0, 100, &v), -EINVAL);
	assert_int_equal(cli_parse_u64(&cmd, "n", "101", 0, 100, &v), -ERANGE);
	assert_int_equal(cli_parse_u64(&cmd, "n", "4", 5, 100, &v), -ERANGE);
	assert_int_equal(cli_parse_u64(&cmd, "n", "18446744073709551616", 0, UINT64_MAX, &v),
			 -ERANGE);
	assert_int_equal(v, 42); /* untouched on failure */
}

static void test_cli_next_options_and_positionals(void **state)
{
	char *argv[] = { "cmd", "-q", "--output", "out.json", "a", "--long-only=7", "-",
			 "-q", "--", "-x", "--output", NULL };
	const char *arg;
	int argc = 11;

	(void)state;
	assert_int_equal(cli_next(&cmd, argc, argv, &arg), 'q');
	assert_int_equal(cli_next(&cmd, argc, argv, &arg), 'o');
	assert_string_equal(arg, "out.json");
	/* Options after a positional are options; "-" is a positional. */
	assert_int_equal(cli_next(&cmd, argc, argv, &arg), OPT_LONG_ONLY);
	assert_string_equal(arg, "7");
	assert_int_equal(cli_next(&cmd, argc, argv, &arg), 'q');
	/* "--" ends the options: what follows is a file name, whatever it looks like. */
	assert_int_equal(cli_next(&cmd, argc, argv, &arg), CLI_END);
	assert_int_equal(argc - optind, 4);
	assert_string_equal(argv[optind], "a");
	assert_string_equal(argv[optind + 1], "-");
	assert_string_equal(argv[optind + 2], "-x");
	assert_string_equal(argv[optind + 3], "--output");
}

static const struct cli_cmd *const no_cmds[] = { NULL };

static const struct cli_cmd group = {
	.path = "test", .args = "COMMAND [ARG]...", .summary = "a test group", .opts = opts,
	.subcmds = no_cmds,
};

static void test_cli_next_group_stops_at_command(void **state)
{
	char *leaf1[] = { "cmd", "a", "-q", NULL };
	char *argv[] = { "test", "-q", "sub", "-o", "x", NULL };
	char *leaf2[] = { "cmd", "b", "-q", NULL };
	const char *arg;

	(void)state;
	assert_int_equal(cli_next(&cmd, 3, leaf1, &arg), 'q');
	assert_int_equal(cli_next(&cmd, 3, leaf1, &arg), CLI_END);
	/* A group's options end at the command word; the rest is the command's. */
	assert_int_equal(cli_next(&group, 5, argv, &arg), 'q');
	assert_int_equal(cli_next(&group, 5, argv, &arg), CLI_END);
	assert_int_equal(optind, 2);
	assert_string_equal(argv[2], "sub");
	assert_string_equal(argv[3], "-o");
	/* And the next leaf permutes again. */
	assert_int_equal(cli_next(&cmd, 3, leaf2, &arg), 'q');
	assert_int_equal(cli_next(&cmd, 3, leaf2, &arg), CLI_END);
	assert_string_equal(leaf2[optind], "b");
}

static void test_cli_next_optional_argument(void **state)
{
	char *argv[] = { "cmd", "--pin", "a", "--pin=d", "-p", "-pe", "--pin=", NULL };
	const char *arg;
	int argc = 7;

	(void)state;
	assert_int_equal(cli_next(&cmd, argc, argv, &arg), 'p');
	assert_null(arg);
	assert_int_equal(cli_next(&cmd, argc, argv, &arg), 'p');
	assert_string_equal(arg, "d");
	/* "-p" alone takes nothing, only an attached "-pe" does. */
	assert_int_equal(cli_next(&cmd, argc, argv, &arg), 'p');
	assert_null(arg);
	assert_int_equal(cli_next(&cmd, argc, argv, &arg), 'p');
	assert_string_equal(arg, "e");
	assert_int_equal(cli_next(&cmd, argc, argv, &arg), 'p');
	assert_string_equal(arg, "");
	/* "--pin a" is the flag and a positional, as getopt_long has it. */
	assert_int_equal(cli_next(&cmd, argc, argv, &arg), CLI_END);
	assert_int_equal(argc - optind, 1);
	assert_string_equal(argv[optind], "a");
}

static void test_cli_next_bad_option_and_missing_arg(void **state)
{
	char *argv1[] = { "cmd", "--bogus", NULL };
	char *argv2[] = { "cmd", "-o", NULL };
	const char *arg;

	(void)state;
	assert_int_equal(cli_next(&cmd, 2, argv1, &arg), CLI_BAD);
	assert_int_equal(cli_next(&cmd, 2, argv2, &arg), CLI_BAD);
}

static void test_cli_next_help(void **state)
{
	char *argv[] = { "cmd", "--help", NULL };
	const char *arg;

	(void)state;
	assert_int_equal(cli_next(&cmd, 2, argv, &arg), CLI_HELP);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cli_parse_u64_accepts),
		cmocka_unit_test(test_cli_parse_u64_rejects),
		cmocka_unit_test(test_cli_next_options_and_positionals),
		cmocka_unit_test(test_cli_next_group_stops_at_command),
		cmocka_unit_test(test_cli_next_optional_argument),
		cmocka_unit_test(test_cli_next_bad_option_and_missing_arg),
		cmocka_unit_test(test_cli_next_help),
	};

	return cmocka_run_group_tests_name("cli", tests, NULL, NULL);
}
