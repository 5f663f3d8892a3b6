/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A new allowlist's document fields, as given on the command line, and its
 * output: shared by `allowlist build`, `allowlist import` and `allowlist
 * propose`.
 */
#ifndef IMAGUARD_ALLOWLIST_HEAD_H
#define IMAGUARD_ALLOWLIST_HEAD_H

struct allowlist;
struct cli_cmd;

/* The document fields, as given on the command line. */
struct allowlist_head {
	const char *serial;	/* decimal; NULL: the created time in seconds */
	const char *created;	/* RFC 3339; NULL: $SOURCE_DATE_EPOCH, else now */
	const char *expires;	/* RFC 3339 or +<N>d after created; NULL: never */
};

/* Set serial, created and expires; a bad value (or $SOURCE_DATE_EPOCH) is a
 * usage error of cmd, reported with its usage line: -EINVAL. An expiry that
 * is past or before created is warned about (allowlist_warn_expiry). */
int allowlist_head_apply(const struct cli_cmd *cmd, const struct allowlist_head *h,
			 struct allowlist *al);

/*
 * Warn when al expires at or before now (the daemon and `allowlist verify`
 * refuse it) or before its created time. Such a list is still a valid
 * document, and writing one may be meant (a test of that refusal): a
 * warning, never an error.
 */
void allowlist_warn_expiry(const struct allowlist *al);

/*
 * Write al to path through a temporary file and a rename, so that path
 * holds the old list or the new one, never a part; path NULL or "-" writes
 * to stdout. Errors are reported. 0 or a negative errno.
 */
int allowlist_output(const struct allowlist *al, const char *path);

#endif
