// SPDX-License-Identifier: GPL-2.0-only
/*
 * `imaguard unlock-token`: sign the token that lets `imaguard stop --unlock`
 * end a daemon running in locked mode (crypto/token.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd/commands.h"
#include "crypto/token.h"
#include "util/fileio.h"
#include "util/log.h"
#include "util/rfc3339.h"

enum { OPT_KEY = 256, OPT_HOST, OPT_MACHINE_ID, OPT_NOT_BEFORE, OPT_VALID };

/* "90s", "30m", "1h", "2d" (a bare number is seconds): 0 or -EINVAL. */
static int parse_duration(const char *s, uint64_t *secs)
{
	char *end;
	unsigned long long v;
	uint64_t mult = 1;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *s == '-')
		return -EINVAL;
	if (*end) {
		switch (*end) {
		case 's': mult = 1; break;
		case 'm': mult = 60; break;
		case 'h': mult = 3600; break;
		case 'd': mult = 86400; break;
		default: return -EINVAL;
		}
		if (end[1])
			return -EINVAL;
	}
	if (!v || v > 366ULL * 86400 / mult)
		return -EINVAL;
	*secs = v * mult;
	return 0;
}

static int run_unlock_token(const struct cli_cmd *cmd, int argc, char **argv)
{
	const char *key = NULL, *host = NULL, *mid = NULL, *out = NULL, *arg;
	char here[256] = "", *text = NULL;
	time_t nb = time(NULL);
	uint64_t valid = 3600;
	size_t len;
	int c, err;

	while ((c = cli_next(cmd, argc, argv, &arg)) != CLI_END) {
		switch (c) {
		case OPT_KEY: key = arg; break;
		case OPT_HOST: host = arg; break;
		case OPT_MACHINE_ID: mid = arg; break;
		case 'o': out = arg; break;
		case OPT_NOT_BEFORE:
			if (rfc3339_parse(arg, &nb))
				return cli_usage_error(cmd, "invalid --not-before '%s': RFC 3339", arg);
			break;
		case OPT_VALID:
			if (parse_duration(arg, &valid))
				return cli_usage_error(cmd, "invalid --valid '%s': N[smhd], at most a "
						       "year", arg);
			break;
		case CLI_HELP: return EXIT_OK;
		default: return EXIT_USAGE;
		}
	}
	if (optind < argc)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	if (!key)
		return cli_usage_error(cmd, "--key is required");
	if (!host) {
		if (gethostname(here, sizeof(here) - 1))
			return cli_usage_error(cmd, "--host is required (no hostname here)");
		host = here;
	}
	if (!*host)
		return cli_usage_error(cmd, "empty --host");
	err = token_make(key, host, mid, nb, nb + (time_t)valid, &text, &len);
	if (err)
		return EXIT_FAIL; /* said why */
	if (out)
		err = fileio_write_atomic(out, text, len, 0600);
	else if (fwrite(text, 1, len, stdout) != len)
		err = -EIO;
	free(text);
	if (err) {
		pr_err("cannot write the token: %s", strerror(-err));
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

static const struct cli_opt unlock_opts[] = {
	{ "key", OPT_KEY, "PEM", "the private key (one the daemon's --trust keys verify)" },
	{ "host", OPT_HOST, "NAME", "the host it unlocks: its hostname (default: this one's)" },
	{ "machine-id", OPT_MACHINE_ID, "ID", "also its /etc/machine-id" },
	{ "not-before", OPT_NOT_BEFORE, "TIME", "start of validity, RFC 3339 (default: now)" },
	{ "valid", OPT_VALID, "DURATION", "how long from then: N[smhd] (default 1h)" },
	{ "output", 'o', "FILE", "write it to FILE (mode 0600) instead of stdout" },
	{ 0 },
};

const struct cli_cmd cmd_unlock_token = {
	.path = "unlock-token",
	.args = "--key PEM [OPTION]...",
	.summary = "sign a token that lets 'imaguard stop --unlock' end a daemon in locked mode",
	.run = run_unlock_token,
	.opts = unlock_opts,
	.details = "The token names the host and a window of validity and is signed with --key;\n"
		   "the daemon accepts it only with a key it trusts for the allowlist, on the\n"
		   "host named (hostname, and machine-id when given), within the window. It can\n"
		   "be used more than once inside the window: keep it short.",
};
