// SPDX-License-Identifier: GPL-2.0-only
/* `imaguard audit verify`: is the trail intact, and if not, where it breaks;
 * `imaguard audit ecs`: the trail as Elastic Common Schema documents. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

#include "audit/audit.h"
#include "cmd/commands.h"
#include "util/digest.h"
#include "util/log.h"

enum { OPT_PREV_HASH = 256, OPT_HOST };

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
		   "Digests have the form of the log's format, which a start record names\n"
		   "(format 2: sha256:<hex> or null everywhere; format 1, a start record\n"
		   "without format: bare hex or \"\" in summaries); a mixed form, or a format\n"
		   "newer than this build reads, is named as the first bad line.\n"
		   "A LOG whose first line continues the LOG given before it, as after\n"
		   "rotation, is checked from that log's last line. Compressed (.gz) logs\n"
		   "are read as they are; '-' reads standard input. An edit to the very\n"
		   "last line cannot show in the chain: compare its hash with one kept\n"
		   "elsewhere. Exit 0 when every LOG is intact, 1 when one is not or cannot\n"
		   "be read, 2 on a usage error.",
};

/* ---- audit ecs ------------------------------------------------------------ */

/* Every log intact, each checked as `audit verify` would (a log may
 * continue the one before it): the trail is what the documents claim. */
static int ecs_verify_all(int argc, char **argv, int first)
{
	char last[sizeof(((struct audit_verify_result *)0)->last_hash)] = "";
	struct audit_verify_result res;

	for (int i = first; i < argc; i++) {
		int err = audit_verify_file(argv[i], NULL, &res);

		if (err == -EBADMSG && res.bad_line == 1 && last[0]) {
			struct audit_verify_result cont;
			int cerr = audit_verify_file(argv[i], last, &cont);

			if (!cerr || (cerr == -EBADMSG && cont.bad_line > 1)) {
				err = cerr;
				res = cont;
			}
		}
		if (err == -EBADMSG) {
			pr_err("cannot convert '%s': line %llu: %s", argv[i],
			       (unsigned long long)res.bad_line, res.why);
			return -EBADMSG;
		}
		if (err) {
			pr_err("cannot read '%s': %s", argv[i], strerror(-err));
			return err;
		}
		memcpy(last, res.last_hash, sizeof(last));
	}
	return 0;
}

/* One log's records, line by line (plain or gzip), as documents into f. */
static int ecs_convert(struct audit_ecs *st, const char *path, FILE *f)
{
	char *buf = malloc(AUDIT_LINE_MAX + 2);
	gzFile gz = gzopen(path, "rb");
	json_t *docs = json_array(), *d, *rec;
	uint64_t no = 0;
	size_t i;
	int err = 0;

	if (!buf || !gz || !docs) {
		err = gz ? -ENOMEM : -errno;
		goto cleanup;
	}
	while (gzgets(gz, buf, AUDIT_LINE_MAX + 2)) {
		no++;
		rec = json_loads(buf, 0, NULL);
		err = audit_ecs_map(st, rec, docs);
		json_decref(rec);
		if (err) {
			pr_err("cannot convert '%s': line %llu: %s", path, (unsigned long long)no,
			       err == -EINVAL ? "not a record" : strerror(-err));
			goto cleanup;
		}
		json_array_foreach(docs, i, d) {
			if (json_dumpf(d, f, JSON_COMPACT) || fputc('\n', f) == EOF) {
				err = -EIO;
				pr_err("cannot write the documents: %s", strerror(errno));
				goto cleanup;
			}
		}
		json_array_clear(docs);
	}
cleanup:
	if (gz)
		gzclose(gz);
	if (err == -ENOMEM)
		pr_err("cannot convert '%s': %s", path, strerror(ENOMEM));
	else if (err && err != -EINVAL && err != -EIO && no == 0)
		pr_err("cannot read '%s': %s", path, strerror(-err));
	json_decref(docs);
	free(buf);
	return err;
}

/* Written to a temporary file beside out and renamed over it at the end:
 * a failed conversion leaves nothing behind. */
static int run_ecs(const struct cli_cmd *cmd, int argc, char **argv)
{
	const char *out = NULL, *host = NULL, *arg;
	char tmp[PATH_MAX] = "";
	struct audit_ecs st;
	FILE *f = stdout;
	int key, fd, rc = EXIT_FAIL;

	while ((key = cli_next(cmd, argc, argv, &arg)) != CLI_END) {
		switch (key) {
		case 'o': out = arg; break;
		case OPT_HOST: host = arg; break;
		case CLI_HELP: return EXIT_OK;
		default: return EXIT_USAGE;
		}
	}
	if (optind >= argc)
		return cli_usage_error(cmd, "a log file is required");
	if (ecs_verify_all(argc, argv, optind))
		return EXIT_FAIL;
	if (out && strcmp(out, "-")) {
		if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", out) >= (int)sizeof(tmp)) {
			pr_err("cannot write '%s': %s", out, strerror(ENAMETOOLONG));
			return EXIT_FAIL;
		}
		fd = mkostemp(tmp, O_CLOEXEC);
		if (fd < 0 || !(f = fdopen(fd, "w"))) {
			pr_err("cannot write '%s': %s", out, strerror(errno));
			if (fd >= 0) {
				close(fd);
				unlink(tmp);
			}
			return EXIT_FAIL;
		}
		fchmod(fd, 0644);
	}
	audit_ecs_init(&st, host);
	for (int i = optind; i < argc; i++)
		if (ecs_convert(&st, argv[i], f))
			goto cleanup;
	if (fflush(f) || (tmp[0] && fsync(fileno(f)))) {
		pr_err("cannot write '%s': %s", tmp[0] ? out : "standard output", strerror(errno));
		goto cleanup;
	}
	if (tmp[0]) {
		if (fclose(f)) {
			f = NULL;
			pr_err("cannot write '%s': %s", out, strerror(errno));
			goto cleanup;
		}
		f = NULL;
		if (rename(tmp, out)) {
			pr_err("cannot write '%s': %s", out, strerror(errno));
			goto cleanup;
		}
		tmp[0] = '\0';
	}
	rc = EXIT_OK;
cleanup:
	if (tmp[0]) {
		if (f)
			fclose(f);
		unlink(tmp);
	}
	return rc;
}

static const struct cli_opt ecs_opts[] = {
	{ "output", 'o', "FILE", "write the documents to FILE (default: standard output)" },
	{ "host", OPT_HOST, "NAME", "host.name for records before the first start record" },
	{ 0 },
};

static const struct cli_cmd cmd_audit_ecs = {
	.path = "audit ecs",
	.args = "[OPTION]... LOG...",
	.summary = "write audit logs as Elastic Common Schema documents, one JSON object a line",
	.run = run_ecs,
	.opts = ecs_opts,
	.details = "Each LOG is checked first, as 'audit verify' does (a LOG may continue the one\n"
		   "before it); a log that is not intact is refused and nothing is written.\n"
		   "Every record gives one document, a summary one per repeat: @timestamp,\n"
		   "event.kind, event.action, event.outcome, host.name; for access records\n"
		   "process.pid, process.name (process.executable for exec), process.parent.pid,\n"
		   "user.id, file.path and file.hash.sha256; the record's other keys under\n"
		   "imaguard (seq, prev, reason, allowlist_serial, ...). Logs of either format\n"
		   "are read, plain or gzip. The mapping is in docs/audit-format.md. Exit 0\n"
		   "when every LOG was converted, 1 otherwise, 2 on a usage error.",
};

static const struct cli_cmd *const audit_cmds[] = { &cmd_audit_verify, &cmd_audit_ecs, NULL };

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
