// SPDX-License-Identifier: GPL-2.0-only
/*
 * `imaguard probe`: load the chain, prove its order, then have the kernel
 * measure each FILE through an exec that the chain refuses. Prints lines in
 * sha256sum's format, so a test can compare them with the file's real digest.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmd/commands.h"
#include "enforcer/enforcer.h"
#include "util/log.h"

static void print_stages(unsigned int stages)
{
	printf("%s%s%s", stages & IG_STAGE_FILTER ? "filter" : "",
	       stages & IG_STAGE_MEASURE ? ",measure" : "", stages & IG_STAGE_EMIT ? ",emit" : "");
}

static int run_probe(const struct cli_cmd *cmd, int argc, char **argv)
{
	struct enforcer_opts opts = { .mode = IG_MODE_MONITOR };
	struct enforcer *e = NULL;
	const char *arg, *prove = "/proc/self/exe";
	bool verbose = false;
	int c, err, rc = EXIT_OK;
	char self[4096];
	ssize_t n;

	while ((c = cli_next(cmd, argc, argv, &arg)) != CLI_END) {
		switch (c) {
		case 'v':
			verbose = true;
			break;
		case CLI_HELP:
			return EXIT_OK;
		default:
			return EXIT_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	/* The order proof execs this binary: readlink now, the child's
	 * /proc/self would name the child's own image anyway. */
	n = readlink(prove, self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		prove = self;
	}

	if (enforcer_lsm_check())
		return EXIT_FAIL;
	if (enforcer_open(&e, &opts))
		return EXIT_FAIL;
	err = enforcer_attach(e, prove);
	if (err) {
		rc = EXIT_FAIL;
		goto cleanup;
	}
	if (verbose)
		printf("chain: attached in order %s, proven by a probe exec of '%s'\n",
		       enforcer_attach_order(e), prove);

	for (int i = 0; i < argc; i++) {
		struct ig_event ev;

		err = enforcer_probe(e, argv[i], &ev);
		if (err) {
			pr_err("cannot measure '%s': %s", argv[i], strerror(-err));
			rc = EXIT_FAIL;
			continue;
		}
		if (!(ev.flags & IG_F_HASHED)) {
			pr_err("cannot measure '%s': hash error %d (algorithm %d)", argv[i],
			       ev.hash_error, ev.hash_algo);
			rc = EXIT_FAIL;
			continue;
		}
		for (int b = 0; b < IG_SHA256_LEN; b++)
			printf("%02x", ev.digest[b]);
		printf("  %s\n", argv[i]);
		if (verbose) {
			printf("  kernel path '%s' dev %u:%u ino %llu stages ", ev.path, ev.dev >> 20,
			       ev.dev & 0xfffff, (unsigned long long)ev.ino);
			print_stages(ev.stages);
			printf("\n");
		}
	}
cleanup:
	enforcer_free(e);
	return rc;
}

static const struct cli_opt probe_opts[] = {
	{ "verbose", 'v', NULL, "also print the attach order and each event's kernel fields" },
	{ 0 },
};

const struct cli_cmd cmd_probe = {
	.path = "probe",
	.args = "[OPTION]... [FILE]...",
	.summary = "load the BPF-LSM chain, prove its order, and print the kernel's IMA SHA-256 "
		   "of each FILE (measured through an exec the chain refuses)",
	.run = run_probe,
	.opts = probe_opts,
	.details = "Needs root, BPF-LSM active and IMA. FILE must be executable by root.",
};
