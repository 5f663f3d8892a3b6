// SPDX-License-Identifier: GPL-2.0-only
/*
 * `imaguard allowlist propose`: the next allowlist from what monitor mode saw
 * running. The output is the base list plus one "observed" entry per (digest,
 * path) that ran unlisted; it is unsigned on purpose, so that a person reviews
 * the printed diff before `allowlist sign` makes it trusted.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "allowlist/head.h"
#include "allowlist/allowlist.h"
#include "cmd/commands.h"
#include "util/fileio.h"
#include "util/log.h"
#include "report/report.h"
#include "crypto/sig.h"
#include "util/rfc3339.h"

enum { OPT_SIG = 256, OPT_BASE, OPT_ACCEPT_BROKEN, OPT_CREATED };

struct proposal {
	const struct allowlist *base;
	struct allowlist *next;
	size_t added, already;
	FILE *diff;	/* the "added" lines, printed after the headline */
	int err;
};

static int propose_one(const struct report_ran *ran, void *ctx)
{
	struct proposal *p = ctx;
	struct allowlist_entry e = { .path = (char *)ran->path, .source = "observed" };
	char first[RFC3339_NS_BUF], comment[160];
	int err;

	if (digest_from_hex(ran->digest, SHA256_HEX_LEN, e.digest))
		return 0;
	if (p->base && allowlist_lookup(p->base, e.digest, ran->path)) {
		p->already++;
		return 0;
	}
	if (ran->first_ns != INT64_MAX) {
		/* to the second: a comment for people */
		rfc3339_format_ns(ran->first_ns, first);
		first[19] = 'Z';
		first[20] = '\0';
	} else {
		snprintf(first, sizeof(first), "unknown");
	}
	snprintf(comment, sizeof(comment), "observed %llu time%s, first %s on %.64s",
		 (unsigned long long)ran->count, ran->count == 1 ? "" : "s", first,
		 ran->host_first ? ran->host_first : "?");
	e.comment = comment;
	/* an empty path (a record without one) would not be a path at all */
	if (!ran->path[0])
		e.path = NULL;
	err = allowlist_add(p->next, &e);
	if (err) {
		pr_err("cannot add '%s' (%s) to the proposal: %s", ran->path, ran->digest,
		       strerror(-err));
		return err;
	}
	p->added++;
	fprintf(p->diff, "  + %s  %s  (%s)\n", ran->digest, ran->path, comment);
	return 0;
}

static int copy_base(const struct allowlist *base, struct allowlist *next)
{
	for (size_t i = 0; i < allowlist_count(base); i++) {
		int err = allowlist_add(next, allowlist_entry_at(base, i));

		if (err)
			return err;
	}
	if (allowlist_expires(base))
		return allowlist_set_expires(next, allowlist_expires(base));
	return 0;
}

static int write_list(const struct allowlist *al, const char *out)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int err;

	if (!f)
		return -errno;
	err = allowlist_write(al, f);
	if (fclose(f) && !err)
		err = -EIO;
	if (!err)
		err = fileio_write_atomic(out, buf, len, 0644);
	else
		pr_err("cannot write '%s': %s", out, strerror(-err));
	free(buf);
	return err;
}

/* Base entries no log shows running: the report already knows them. */
static void print_removable(const json_t *doc)
{
	json_t *never = json_object_get(doc, "never_executed"), *e;
	size_t i;

	if (!json_is_array(never))
		return;
	printf("never seen executing, could be removed: %zu\n", json_array_size(never));
	json_array_foreach(never, i, e) {
		const char *path = json_string_value(json_object_get(e, "path"));
		const char *src = json_string_value(json_object_get(e, "source"));

		printf("  - %s  %s%s%s%s\n", json_string_value(json_object_get(e, "digest")),
		       path ? path : "(any path)", src ? "  (" : "", src ? src : "", src ? ")" : "");
	}
}

/* The base's Debian package versions: which ran, which never did; and what
 * ran that none of them shipped (the observed entries come from there). */
static void print_packages(const json_t *doc)
{
	json_t *pk = json_object_get(doc, "packages"), *e;
	json_t *ran = json_object_get(pk, "ran"), *never = json_object_get(pk, "never_ran");
	json_t *other = json_object_get(pk, "not_shipped");
	size_t i;

	if (!json_is_array(ran) || !json_is_array(never) || !json_is_array(other) ||
	    !(json_array_size(ran) + json_array_size(never)))
		return;
	printf("package versions seen running: %zu\n", json_array_size(ran));
	json_array_foreach(ran, i, e)
		printf("  %s=%s  %lld of %lld files, %lld executions\n",
		       json_string_value(json_object_get(e, "package")),
		       json_string_value(json_object_get(e, "version")),
		       json_integer_value(json_object_get(e, "executed")),
		       json_integer_value(json_object_get(e, "listed")),
		       json_integer_value(json_object_get(e, "executions")));
	printf("package versions never seen running: %zu\n", json_array_size(never));
	json_array_foreach(never, i, e)
		printf("  %s=%s  %lld files\n", json_string_value(json_object_get(e, "package")),
		       json_string_value(json_object_get(e, "version")),
		       json_integer_value(json_object_get(e, "listed")));
	printf("ran, shipped by no listed package: %zu\n", json_array_size(other));
	json_array_foreach(other, i, e) {
		const char *src = json_string_value(json_object_get(e, "source"));
		const char *path = json_string_value(json_object_get(e, "path"));

		printf("  %s  %s  (%s)\n",
		       json_string_value(json_object_get(e, "digest")) ?: "(no digest)",
		       path ? path : "(no path)", src ? src : "not listed");
	}
}

static int run_propose(const struct cli_cmd *cmd, int argc, char **argv)
{
	struct allowlist_load_opts lo = { 0 };
	struct report_opts ro = { 0 };
	struct proposal p = { 0 };
	struct sig_keyring *kr = sig_keyring_new();
	struct allowlist *base = NULL;
	struct report *r = NULL;
	json_t *doc = NULL;
	const char *arg, *out = NULL, *created = NULL;
	char *diff = NULL, now[21];
	size_t difflen = 0;
	bool accept_broken = false;
	time_t t;
	int c, err, rc = EXIT_FAIL;

	if (!kr) {
		pr_err("cannot propose: %s", strerror(ENOMEM));
		return EXIT_FAIL;
	}
	while ((c = cli_next(cmd, argc, argv, &arg)) != CLI_END) {
		switch (c) {
		case OPT_BASE:
			lo.path = arg;
			break;
		case 't':
			if (sig_keyring_add_file(kr, arg))
				goto cleanup;
			break;
		case OPT_SIG:
			lo.sig_path = arg;
			break;
		case 'o':
			out = arg;
			break;
		case OPT_ACCEPT_BROKEN:
			accept_broken = true;
			break;
		case OPT_CREATED:
			if (rfc3339_parse(arg, &t)) {
				rc = cli_usage_error(cmd,
						     "invalid --created '%s': not an RFC 3339 "
						     "time (2027-01-31T00:00:00Z)",
						     arg);
				goto cleanup;
			}
			created = arg;
			break;
		case CLI_HELP:
			rc = EXIT_OK;
			goto cleanup;
		default:
			rc = EXIT_USAGE;
			goto cleanup;
		}
	}
	if (!out) {
		rc = cli_usage_error(cmd, "-o NEW is required");
		goto cleanup;
	}
	if (optind >= argc) {
		rc = cli_usage_error(cmd, "at least one LOG is required");
		goto cleanup;
	}
	if (lo.path && !sig_keyring_count(kr)) {
		rc = cli_usage_error(cmd, "--base needs at least one --trust key");
		goto cleanup;
	}
	if (!lo.path && (sig_keyring_count(kr) || lo.sig_path)) {
		rc = cli_usage_error(cmd, "--trust and --sig need --base");
		goto cleanup;
	}
	if (lo.path) {
		/* the proposal inherits every entry: only a list that verifies may
		 * pass them on */
		lo.trust = kr;
		if (allowlist_load_verified(&lo, &base))
			goto cleanup;
		/* serial + 1 would be a list that no parser takes */
		if (allowlist_serial(base) >= ALLOWLIST_SERIAL_MAX) {
			pr_err("cannot propose from '%s': its serial %llu is the highest an "
			       "allowlist can have (2^63-1), there is no next one",
			       lo.path, (unsigned long long)allowlist_serial(base));
			goto cleanup;
		}
	}

	ro.al = base;
	ro.allowlist_path = lo.path;
	r = report_new(&ro);
	if (!r)
		goto nomem;
	for (int i = optind; i < argc; i++)
		if (report_add_log(r, argv[i]))
			goto cleanup;
	if (!report_chains_ok(r)) {
		if (!accept_broken) {
			pr_err("refusing to propose from logs whose hash chain does not verify "
			       "(see the warnings above; --accept-broken-chain overrides)");
			goto cleanup;
		}
		pr_warn("proposing from logs whose hash chain does not verify, as asked");
	}

	p.base = base;
	p.next = allowlist_new();
	p.diff = open_memstream(&diff, &difflen);
	if (!p.next || !p.diff)
		goto nomem;
	if (base && (err = copy_base(base, p.next))) {
		pr_err("cannot copy the base allowlist: %s", strerror(-err));
		goto cleanup;
	}
	allowlist_set_serial(p.next, base ? allowlist_serial(base) + 1 : 1);
	rfc3339_format(time(NULL), now);
	if (allowlist_set_created(p.next, created ? created : now))
		goto nomem;
	/* the base's expiry, kept, may fall before a later --created */
	allowlist_warn_expiry(p.next);
	if (report_foreach_ran(r, propose_one, &p))
		goto cleanup;
	if (fclose(p.diff)) {
		p.diff = NULL;
		goto nomem;
	}
	p.diff = NULL;
	err = report_build(r, &doc);
	if (err)
		goto nomem;
	if (write_list(p.next, out))
		goto cleanup;

	printf("proposed '%s': serial %llu, %zu entries (%zu from the base, %zu observed)\n", out,
	       (unsigned long long)allowlist_serial(p.next), allowlist_count(p.next),
	       base ? allowlist_count(base) : 0, p.added);
	printf("added: %zu\n%s", p.added, diff ? diff : "");
	if (p.already)
		printf("already listed and seen running: %zu\n", p.already);
	print_removable(doc);
	print_packages(doc);
	if (report_enforce_records(r))
		printf("left out: %llu access records from enforce mode\n",
		       (unsigned long long)report_enforce_records(r));
	printf("review, then sign: imaguard allowlist sign --key KEY %s\n", out);
	rc = EXIT_OK;
	goto cleanup;
nomem:
	pr_err("cannot propose: %s", strerror(ENOMEM));
cleanup:
	if (p.diff)
		fclose(p.diff);
	free(diff);
	allowlist_free(p.next);
	json_decref(doc);
	report_free(r);
	allowlist_free(base);
	sig_keyring_free(kr);
	return rc;
}

static const struct cli_opt propose_opts[] = {
	{ "base", OPT_BASE, "ALLOWLIST", "start from this signed allowlist (its serial + 1)" },
	{ "trust", 't', "PUB.pem", "trusted public key for --base (repeatable)" },
	{ "sig", OPT_SIG, "SIG", "detached signature of --base (default: ALLOWLIST.sig)" },
	{ "output", 'o', "NEW", "write the proposed allowlist here (required)" },
	{ "accept-broken-chain", OPT_ACCEPT_BROKEN, NULL,
	  "propose even from logs whose hash chain does not verify" },
	{ "created", OPT_CREATED, "RFC3339", "the proposal's created time (default: now)" },
	{ 0 },
};

const struct cli_cmd cmd_allowlist_propose = {
	.path = "allowlist propose",
	.args = "[--base ALLOWLIST --trust PUB.pem] [--accept-broken-chain] -o NEW LOG...",
	.summary = "propose the next allowlist from what ran in monitor mode",
	.run = run_propose,
	.opts = propose_opts,
	.details = "NEW holds the base's entries plus one entry, source \"observed\", for each\n"
		   "(digest, path) that ran (exec, executable mmap, or a script a named\n"
		   "interpreter read: hook script) in monitor mode and is not\n"
		   "listed; its comment gives the count and the first sighting. The serial is\n"
		   "the base's plus one (1 without a base; a base at the highest serial,\n"
		   "2^63-1, is refused). The diff is printed: what was added\n"
		   "and which base entries no log shows running. NEW is not signed: review it,\n"
		   "then `imaguard allowlist sign`. Logs whose chain does not verify are refused\n"
		   "unless --accept-broken-chain. See docs/report.md.",
};
