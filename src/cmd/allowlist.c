// SPDX-License-Identifier: GPL-2.0-only
/*
 * `imaguard allowlist sign|verify|show`, and the group table that also holds
 * build and import.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "allowlist/allowlist.h"
#include "cmd/commands.h"
#include "util/fileio.h"
#include "util/log.h"
#include "crypto/sig.h"
#include "allowlist/state.h"

enum { OPT_SIG = 256, OPT_STATE_DIR, OPT_COMMIT };

/* ---- sign ----------------------------------------------------------------- */

static int run_sign(const struct cli_cmd *cmd, int argc, char **argv)
{
	const char *arg, *key = NULL, *out = NULL;
	uint8_t *data = NULL, *sig = NULL;
	size_t len, siglen;
	struct allowlist *al = NULL;
	char *outpath = NULL, *b64 = NULL, *line = NULL, why[512];
	int c, rc = EXIT_FAIL;

	while ((c = cli_next(cmd, argc, argv, &arg)) != CLI_END) {
		switch (c) {
		case 'k':
			key = arg;
			break;
		case 'o':
			out = arg;
			break;
		case CLI_HELP:
			return EXIT_OK;
		default:
			return EXIT_USAGE;
		}
	}
	if (!key)
		return cli_usage_error(cmd, "--key is required");
	if (argc - optind != 1)
		return cli_usage_error(cmd, "exactly one FILE is required");
	arg = argv[optind];

	if (fileio_read_once(arg, ALLOWLIST_MAX_SIZE, &data, &len))
		goto cleanup;
	/* A signature vouches for the list: refuse to vouch for one that every
	 * verifier would reject anyway. */
	if (allowlist_parse(data, len, &al, why, sizeof(why))) {
		pr_err("cannot sign '%s': not a valid allowlist: %s", arg, why);
		goto cleanup;
	}
	if (sig_sign_file(key, data, len, &sig, &siglen))
		goto cleanup;
	b64 = sig_base64_encode(sig, siglen);
	if (!b64 || asprintf(&line, "%s\n", b64) < 0) {
		line = NULL;
		pr_err("cannot sign '%s': %s", arg, strerror(ENOMEM));
		goto cleanup;
	}
	if (!out) {
		if (asprintf(&outpath, "%s.sig", arg) < 0) {
			outpath = NULL;
			goto cleanup;
		}
		out = outpath;
	}
	if (fileio_write_atomic(out, line, strlen(line), 0644))
		goto cleanup;
	rc = EXIT_OK;
cleanup:
	allowlist_free(al);
	free(data);
	free(sig);
	free(b64);
	free(line);
	free(outpath);
	return rc;
}

static const struct cli_opt sign_opts[] = {
	{ "key", 'k', "PRIV.pem", "private key (PEM): Ed25519, ECDSA P-256 or RSA >= 2048 bits" },
	{ "output", 'o', "SIG", "write the signature here (default: FILE.sig)" },
	{ 0 },
};

static const struct cli_cmd cmd_allowlist_sign = {
	.path = "allowlist sign",
	.args = "--key PRIV.pem [-o SIG] FILE",
	.summary = "write a detached signature of an allowlist",
	.run = run_sign,
	.opts = sign_opts,
	.details = "The signature is written base64-encoded on one line. Ed25519 signs the\n"
		   "file itself; ECDSA and RSA sign its SHA-256 (RSA with PKCS#1 v1.5), as\n"
		   "`openssl pkeyutl -sign -rawin` and `openssl dgst -sha256 -sign` do. FILE\n"
		   "must be a valid allowlist. See docs/signing.md.",
};

/* ---- verify --------------------------------------------------------------- */

/* Add each --trust key; all are loaded before anything is verified, so a bad
 * key is reported even when another would have done. */
static int add_trust(struct sig_keyring *kr, const char *path)
{
	return sig_keyring_add_file(kr, path) ? -EINVAL : 0;
}

/* State read from a directory that is not there is "nothing accepted yet",
 * which passes any serial: right for the daemon's own directory on its first
 * run, wrong for a path the operator typed, which is far more likely to be
 * mistyped than new. */
static int check_state_dir(const char *dir)
{
	struct stat sb;
	int err;

	if (stat(dir, &sb)) {
		err = -errno;
		pr_err("cannot use state directory '%s': %s", dir, strerror(-err));
		return err;
	}
	if (!S_ISDIR(sb.st_mode)) {
		pr_err("cannot use state directory '%s': %s", dir, strerror(ENOTDIR));
		return -ENOTDIR;
	}
	return 0;
}

static int run_verify(const struct cli_cmd *cmd, int argc, char **argv)
{
	struct allowlist_load_opts o = { 0 };
	struct sig_keyring *kr = sig_keyring_new();
	struct allowlist *al = NULL;
	const char *arg;
	time_t exp;
	int c, rc = EXIT_FAIL;

	if (!kr) {
		pr_err("cannot verify: %s", strerror(ENOMEM));
		return EXIT_FAIL;
	}
	while ((c = cli_next(cmd, argc, argv, &arg)) != CLI_END) {
		switch (c) {
		case 't':
			if (add_trust(kr, arg))
				goto cleanup;
			break;
		case OPT_SIG:
			o.sig_path = arg;
			break;
		case OPT_STATE_DIR:
			o.state_dir = arg;
			break;
		case OPT_COMMIT:
			o.commit = true;
			break;
		case CLI_HELP:
			rc = EXIT_OK;
			goto cleanup;
		default:
			rc = EXIT_USAGE;
			goto cleanup;
		}
	}
	if (!sig_keyring_count(kr)) {
		rc = cli_usage_error(cmd, "at least one --trust key is required");
		goto cleanup;
	}
	if (o.commit && !o.state_dir) {
		rc = cli_usage_error(cmd, "--commit needs --state-dir");
		goto cleanup;
	}
	if (argc - optind != 1) {
		rc = cli_usage_error(cmd, "exactly one FILE is required");
		goto cleanup;
	}
	/* --commit makes the directory, one level, as the daemon's first run
	 * does: it is where the state is set up. */
	if (o.state_dir && !o.commit && check_state_dir(o.state_dir))
		goto cleanup;
	o.path = argv[optind];
	o.trust = kr;
	if (allowlist_load_verified(&o, &al))
		goto cleanup;
	printf("%s: valid: serial %llu, %zu entries", o.path,
	       (unsigned long long)allowlist_serial(al), allowlist_count(al));
	if (allowlist_expiry(al, &exp))
		printf(", expires %s", allowlist_expires(al));
	printf("%s\n", o.commit ? ", serial recorded" : "");
	rc = EXIT_OK;
cleanup:
	allowlist_free(al);
	sig_keyring_free(kr);
	return rc;
}

static const struct cli_opt verify_opts[] = {
	{ "trust", 't', "PUB.pem", "trusted public key (PEM); repeat for several, any one may sign" },
	{ "sig", OPT_SIG, "SIG", "detached signature (default: FILE.sig)" },
	{ "state-dir", OPT_STATE_DIR, "DIR",
	  "refuse a serial lower than DIR's record, or the same serial with other content" },
	{ "commit", OPT_COMMIT, NULL,
	  "after every check passed, record this serial and SHA-256 in --state-dir" },
	{ 0 },
};

static const struct cli_cmd cmd_allowlist_verify = {
	.path = "allowlist verify",
	.args = "--trust PUB.pem [--trust PUB.pem]... [--sig SIG] [--state-dir DIR [--commit]] FILE",
	.summary = "check an allowlist's signature, format, expiry and serial",
	.run = run_verify,
	.opts = verify_opts,
	.details = "Exit status 0 when FILE is valid, 1 when it is not (the reason is printed),\n"
		   "2 on a usage error. The file is read once; the signature is checked over\n"
		   "exactly the bytes that are then parsed. With --state-dir the serial is\n"
		   "checked against the state the daemon keeps (default of `imaguard run`:\n"
		   STATE_DIR_DEFAULT ") but written only with --commit, so a dry run\n"
		   "never moves the floor. Without --commit DIR must be an existing\n"
		   "directory: one without a record accepts any serial, a path that is not\n"
		   "there is refused; --commit creates it, as the daemon's first run does.",
};

/* ---- show ----------------------------------------------------------------- */

struct source_count {
	const char *name;
	size_t n;
};

static int cmp_str(const void *a, const void *b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;

	if (!x || !y)
		return (x != NULL) - (y != NULL);
	return strcmp(x, y);
}

static int cmp_count(const void *a, const void *b)
{
	const struct source_count *x = a, *y = b;

	if (x->n != y->n)
		return x->n < y->n ? 1 : -1;
	return cmp_str(&x->name, &y->name);
}

/* Entries per source, most common first; with by_name, only "COUNT\tSOURCE"
 * lines in source order, so that a package's versions stand together. */
static int print_sources(const struct allowlist *al, bool by_name)
{
	size_t n = allowlist_count(al), ns = 0, pkgs = 0, versions = 0, in_pkgs = 0;
	const char **names = malloc((n ? n : 1) * sizeof(*names));
	struct source_count *sc = malloc((n ? n : 1) * sizeof(*sc));
	const char *last_pkg = NULL;
	size_t last_len = 0;

	if (!names || !sc) {
		free(names);
		free(sc);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		names[i] = allowlist_entry_at(al, i)->source;
	qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; i < n; i++) {
		if (ns && !cmp_str(&sc[ns - 1].name, &names[i]))
			sc[ns - 1].n++;
		else
			sc[ns++] = (struct source_count){ names[i], 1 };
	}
	/* deb:<package>=<version>: in name order, one package's versions are
	 * adjacent. */
	for (size_t i = 0; i < ns; i++) {
		const char *s = sc[i].name, *eq = s ? strchr(s, '=') : NULL;

		if (!s || strncmp(s, "deb:", 4) || !eq)
			continue;
		versions++;
		in_pkgs += sc[i].n;
		if (!last_pkg || last_len != (size_t)(eq - s) || strncmp(last_pkg, s, last_len))
			pkgs++;
		last_pkg = s;
		last_len = (size_t)(eq - s);
	}
	if (by_name) {
		for (size_t i = 0; i < ns; i++)
			printf("%zu\t%s\n", sc[i].n, sc[i].name ? sc[i].name : "(none)");
		goto out;
	}
	qsort(sc, ns, sizeof(*sc), cmp_count);
	if (versions)
		printf("packages:  %zu in %zu versions (%zu entries)\n", pkgs, versions, in_pkgs);
	printf("sources:   %zu\n", ns);
	for (size_t i = 0; i < ns; i++)
		printf("  %8zu  %s\n", sc[i].n, sc[i].name ? sc[i].name : "(none)");
out:
	free(names);
	free(sc);
	return 0;
}

static const struct cli_opt show_opts[] = {
	{ "by-source", 's', NULL, "only the entries per source, one \"COUNT<tab>SOURCE\" line "
				  "each, in source order" },
	{ 0 },
};

static int run_show(const struct cli_cmd *cmd, int argc, char **argv)
{
	struct allowlist *al = NULL;
	uint8_t *data = NULL, sha[SHA256_LEN];
	char hex[SHA256_HEX_LEN + 1], why[512];
	const char *arg;
	size_t len, bound = 0;
	time_t exp;
	bool by_source = false;
	int c, rc = EXIT_FAIL;

	while ((c = cli_next(cmd, argc, argv, &arg)) != CLI_END) {
		if (c != 's')
			return c == CLI_HELP ? EXIT_OK : EXIT_USAGE;
		by_source = true;
	}
	if (argc - optind != 1)
		return cli_usage_error(cmd, "exactly one FILE is required");
	arg = argv[optind];
	if (fileio_read_once(arg, ALLOWLIST_MAX_SIZE, &data, &len))
		goto cleanup;
	if (allowlist_parse(data, len, &al, why, sizeof(why))) {
		pr_err("invalid allowlist '%s': %s", arg, why);
		goto cleanup;
	}
	if (sha256_buf(data, len, sha)) {
		pr_err("cannot hash '%s'", arg);
		goto cleanup;
	}
	digest_to_hex(sha, hex);
	for (size_t i = 0; i < allowlist_count(al); i++)
		bound += allowlist_entry_at(al, i)->bind_path;
	if (by_source) {
		if (print_sources(al, true)) {
			pr_err("cannot summarise '%s': %s", arg, strerror(ENOMEM));
			goto cleanup;
		}
		rc = EXIT_OK;
		goto cleanup;
	}

	printf("file:      %s\n", arg);
	printf("sha256:    %s\n", hex);
	printf("format:    %s\n", ALLOWLIST_FORMAT);
	printf("serial:    %llu\n", (unsigned long long)allowlist_serial(al));
	printf("created:   %s\n", allowlist_created(al) ? allowlist_created(al) : "(not set)");
	if (allowlist_expiry(al, &exp))
		printf("expires:   %s%s\n", allowlist_expires(al),
		       exp <= time(NULL) ? " (expired)" : "");
	else
		printf("expires:   never\n");
	printf("entries:   %zu (%zu bound to their path)\n", allowlist_count(al), bound);
	if (print_sources(al, false)) {
		pr_err("cannot summarise '%s': %s", arg, strerror(ENOMEM));
		goto cleanup;
	}
	rc = EXIT_OK;
cleanup:
	allowlist_free(al);
	free(data);
	return rc;
}

static const struct cli_cmd cmd_allowlist_show = {
	.path = "allowlist show",
	.args = "[--by-source] FILE",
	.summary = "summarise an allowlist: entries, sources, serial, expiry, SHA-256",
	.run = run_show,
	.opts = show_opts,
	.details = "The file must be well-formed; its signature is not checked (use verify).\n"
		   "Sources of the form deb:PACKAGE=VERSION are also counted as packages\n"
		   "and versions.",
};

/* ---- the group -------------------------------------------------------------- */

static const struct cli_cmd *const allowlist_cmds[] = {
	&cmd_allowlist_build, &cmd_allowlist_import, &cmd_allowlist_sign,
	&cmd_allowlist_verify, &cmd_allowlist_show,
	&cmd_allowlist_propose, &cmd_allowlist_check,
	NULL,
};

static int run_allowlist(const struct cli_cmd *cmd, int argc, char **argv)
{
	return cli_dispatch(cmd, argc, argv);
}

const struct cli_cmd cmd_allowlist = {
	.path = "allowlist",
	.args = "COMMAND [ARG]...",
	.summary = "build, import, sign, verify and inspect signed allowlists",
	.run = run_allowlist,
	.subcmds = allowlist_cmds,
	.details = "Run 'imaguard allowlist COMMAND --help' for a command's options.",
};
