// SPDX-License-Identifier: GPL-2.0-only
/* `imaguard audit verify`: is the trail intact, and if not, where it breaks. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "audit/audit.h"
#include "cmd/commands.h"
#include "util/digest.h"
#include "util/log.h"

enum { OPT_PREV_HASH = 256 };

static int verify_one(const char *path, const char *prev, struct audit_verify_result *res)
{
	if (!strcmp(path, "-"))
		return audit_verify_fd(STDIN_FILENO, prev, res);
	return audit_verify_file(path, prev, res);
}

/*
 * Logs are checked in the order given. A log whose first line does not start
 * a chain of its own (prev is not zeros) may continue the log named before it,
 * as a rotated log's successor does: it is checked again from that log's last
 * hash, and only that counts.
 */
static int run_verify(const struct cli_cmd *cmd, int argc, char **argv)
{
	char last[sizeof(((struct audit_verify_result *)0)->last_hash)] = "";
	const char *prev = NULL, *arg, *after = NULL;
	uint8_t d[SHA256_LEN];
	int key, rc = EXIT_OK;

	while ((key = cli_next(cmd, argc, argv, &arg)) != CLI_END) {
		switch (key) {
		case OPT_PREV_HASH: prev = arg; break;
		case CLI_HELP: return EXIT_OK;
		default: return EXIT_USAGE;
		}
	}
	if (optind >= argc)
		return cli_usage_error(cmd, "a log file is required");
	if (prev && digest_from_hex(prev, strlen(prev), d))
		return cli_usage_error(cmd, "--prev-hash needs 64 hex digits, not '%s'", prev);
	for (int i = optind; i < argc; i++) {
		struct audit_verify_result res;
		const char *path = argv[i];
		int err = verify_one(path, prev, &res);

		if (err == -EBADMSG && res.bad_line == 1 && !prev && last[0] &&
		    strcmp(path, "-")) {
			struct audit_verify_result cont;
			int cerr = audit_verify_file(path, last, &cont);

			/* it does continue the log before if its first line holds */
			if (!cerr || (cerr == -EBADMSG && cont.bad_line > 1)) {
				err = cerr;
				res = cont;
				after = argv[i - 1];
			}
		}
		if (!err) {
			printf("%s: intact, %llu records", path, (unsigned long long)res.lines);
			if (prev)
				printf(" (from the given hash)");
			else if (after)
				printf(" (continues '%s')", after);
			putchar('\n');
		} else if (err == -EBADMSG) {
			pr_err("'%s': line %llu: %s", path, (unsigned long long)res.bad_line,
			       res.why);
			rc = EXIT_FAIL;
		} else {
			pr_err("cannot read '%s': %s", path, strerror(-err));
			rc = EXIT_FAIL;
		}
		/* a later log may continue this one only if this one is whole */
		memcpy(last, err ? "" : res.last_hash, err ? 1 : sizeof(last));
		prev = NULL;
		after = NULL;
	}
	return rc;
}

static const struct cli_opt verify_opts[] = {
	{ "prev-hash", OPT_PREV_HASH, "HEX", "the first LOG continues a rotated log whose last line "
	  "hashes to HEX" },
	{ 0 },
};

static const struct cli_cmd cmd_audit_verify = {
	.path = "audit verify",
	.args = "[OPTION]... LOG...",
	.summary = "check each audit log's hash chain; name the first bad line and why",
	.run = run_verify,
	.opts = verify_opts,
	.details = "Each line must be a JSON object with type, time, seq and prev: type one\n"
		   "of start, access, summary, reload, lost, tamper, stop; time RFC 3339 UTC with\n"
		   "nanoseconds (2026-11-22T23:59:59.123456789Z); seq counts up by one from 1\n"
		   "and prev is the SHA-256 of the line before (64 zeros on the first line).\n"
		   "A LOG whose first line continues the LOG given before it, as after\n"
		   "rotation, is checked from that log's last line. Compressed (.gz) logs\n"
		   "are read as they are; '-' reads standard input. An edit to the very\n"
		   "last line cannot show in the chain: compare its hash with one kept\n"
		   "elsewhere. Exit 0 when every LOG is intact, 1 when one is not or cannot\n"
		   "be read, 2 on a usage error.",
};

static const struct cli_cmd *const audit_cmds[] = { &cmd_audit_verify, NULL };

static int run_audit(const struct cli_cmd *cmd, int argc, char **argv)
{
	return cli_dispatch(cmd, argc, argv);
}

const struct cli_cmd cmd_audit = {
	.path = "audit",
	.args = "COMMAND [ARG]...",
	.summary = "work with the hash-chained audit trail",
	.run = run_audit,
	.subcmds = audit_cmds,
	.details = "Run 'imaguard audit COMMAND --help' for a command's options.",
};
