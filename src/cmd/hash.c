// SPDX-License-Identifier: GPL-2.0-only
/*
 * `imaguard hash [FILE]...`: SHA-256 in sha256sum's own format, so that its
 * output feeds `sha256sum -c` and `allowlist import --from sha256sum`. With
 * --allowlist each line gains a first column, "allowed" or "denied", which
 * keeps the name last and so unambiguous.
 */
#include <errno.h>
#include <getopt.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "allowlist/allowlist.h"
#include "cmd/commands.h"
#include "util/log.h"
#include "crypto/sig.h"

enum { OPT_SIG = 256 };

/* sha256sum's rule: a name holding a backslash or a newline is written with
 * those escaped and the line starts with a backslash. */
static void print_line(const char *verdict, const uint8_t d[SHA256_LEN], const char *name)
{
	char hex[SHA256_HEX_LEN + 1];
	bool esc = strpbrk(name, "\\\n\r") != NULL;

	digest_to_hex(d, hex);
	if (verdict)
		printf("%s ", verdict);
	printf("%s%s  ", esc ? "\\" : "", hex);
	for (const char *p = name; *p; p++) {
		if (esc && *p == '\\')
			fputs("\\\\", stdout);
		else if (esc && *p == '\n')
			fputs("\\n", stdout);
		else if (esc && *p == '\r')
			fputs("\\r", stdout);
		else
			putchar(*p);
	}
	putchar('\n');
}

static int hash_one(const char *name, uint8_t d[SHA256_LEN])
{
	int fd = strcmp(name, "-") ? open(name, O_RDONLY | O_CLOEXEC) : STDIN_FILENO;
	int err;

	if (fd < 0) {
		err = -errno;
		pr_err("cannot open '%s': %s", name, strerror(-err));
		return err;
	}
	err = sha256_fd(fd, d, NULL);
	if (err)
		pr_err("cannot read '%s': %s", name, strerror(-err));
	if (fd != STDIN_FILENO)
		close(fd);
	return err;
}

static int run_hash(const struct cli_cmd *cmd, int argc, char **argv)
{
	static char *stdin_only[] = { "-" };
	struct allowlist_load_opts o = { 0 };
	struct sig_keyring *kr = sig_keyring_new();
	struct allowlist *al = NULL;
	const char *arg;
	char **files;
	int c, nfiles, rc = EXIT_USAGE;

	if (!kr) {
		pr_err("cannot hash: %s", strerror(ENOMEM));
		return EXIT_FAIL;
	}
	while ((c = cli_next(cmd, argc, argv, &arg)) != CLI_END) {
		switch (c) {
		case 'a':
			o.path = arg;
			break;
		case 't':
			if (sig_keyring_add_file(kr, arg)) {
				rc = EXIT_FAIL;
				goto cleanup;
			}
			break;
		case OPT_SIG:
			o.sig_path = arg;
			break;
		case CLI_HELP:
			rc = EXIT_OK;
			goto cleanup;
		default:
			goto cleanup;
		}
	}
	files = argv + optind;
	nfiles = argc - optind;
	if (!nfiles) { /* sha256sum's rule: no FILE is standard input */
		files = stdin_only;
		nfiles = 1;
	}
	if (!o.path && (sig_keyring_count(kr) || o.sig_path)) {
		rc = cli_usage_error(cmd, "--trust and --sig need --allowlist");
		goto cleanup;
	}
	if (o.path && !sig_keyring_count(kr)) {
		rc = cli_usage_error(cmd, "--allowlist needs at least one --trust key");
		goto cleanup;
	}
	rc = EXIT_FAIL;
	if (o.path) {
		o.trust = kr;
		if (allowlist_load_verified(&o, &al))
			goto cleanup;
	}
	rc = EXIT_OK;
	for (int i = 0; i < nfiles; i++) {
		uint8_t d[SHA256_LEN];
		const char *verdict = NULL;

		if (hash_one(files[i], d)) {
			rc = EXIT_FAIL;
			continue;
		}
		if (al) {
			/* bind_path entries name the resolved path, as the kernel sees it */
			char *real = strcmp(files[i], "-") ? realpath(files[i], NULL) : NULL;

			verdict = allowlist_lookup(al, d, real ? real : files[i]) ? "allowed"
										   : "denied";
			if (*verdict == 'd')
				rc = EXIT_FAIL;
			free(real);
		}
		print_line(verdict, d, files[i]);
	}
	if (fflush(stdout)) {
		pr_err("cannot write the output: %s", strerror(errno));
		rc = EXIT_FAIL;
	}
cleanup:
	allowlist_free(al);
	sig_keyring_free(kr);
	return rc;
}

static const struct cli_opt hash_opts[] = {
	{ "allowlist", 'a', "FILE", "also say whether each FILE's digest is allowed by this list" },
	{ "trust", 't', "PUB.pem", "trusted public key for --allowlist (repeatable)" },
	{ "sig", OPT_SIG, "SIG", "signature of --allowlist (default: its name + .sig)" },
	{ 0 },
};

const struct cli_cmd cmd_hash = {
	.path = "hash",
	.args = "[--allowlist FILE --trust PUB.pem [--sig SIG]] [FILE]...",
	.summary = "print the SHA-256 of each FILE, and whether a signed allowlist allows it",
	.run = run_hash,
	.opts = hash_opts,
	.details = "With no FILE, or when FILE is -, standard input is read (named -).\n"
		   "Without --allowlist the output is exactly sha256sum's. With it, each line\n"
		   "starts with \"allowed\" or \"denied\" and a space, then the sha256sum line;\n"
		   "the allowlist is verified first as `allowlist verify` does, and the exit\n"
		   "status is 1 when any FILE is denied or unreadable.",
};
