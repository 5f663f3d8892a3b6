/* SPDX-License-Identifier: GPL-2.0-only */
/* The imaguard-allowlist/1 document in memory: built, written, parsed, indexed. */
#ifndef IMAGUARD_ALLOWLIST_H
#define IMAGUARD_ALLOWLIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "util/digest.h"
#include "util/rfc3339.h"

#define ALLOWLIST_FORMAT "imaguard-allowlist/1"
#define ALLOWLIST_HASH_ALGO "sha256"

struct allowlist_entry {
	uint8_t digest[SHA256_LEN];
	char *path;		/* NULL when the entry has none */
	char *comment;		/* NULL when none */
	char *source;		/* NULL when none: "pkg 1.2", "file", "manual", "observed" */
	bool bind_path;		/* the digest allows only at path */
};

struct allowlist;

struct allowlist *allowlist_new(void);
void allowlist_free(struct allowlist *al);

/* The highest serial a file can carry: JSON parsers, jansson among them,
 * read integers as signed 64-bit, and a larger one would not load. */
#define ALLOWLIST_SERIAL_MAX ((uint64_t)INT64_MAX)

/* Document fields; strings are copied. created/expires are RFC 3339 (expires may be NULL). */
void allowlist_set_serial(struct allowlist *al, uint64_t serial);
int allowlist_set_created(struct allowlist *al, const char *rfc3339);
int allowlist_set_expires(struct allowlist *al, const char *rfc3339);

/*
 * Add an entry (strings copied). The same digest and path twice with the same
 * data is merged; with conflicting data it is refused with -EEXIST.
 * Strings must be valid UTF-8 (JSON cannot carry anything else) and a
 * bind_path entry needs an absolute path: -EINVAL otherwise.
 */
int allowlist_add(struct allowlist *al, const struct allowlist_entry *e);

/* Write the document as JSON, entries sorted by (digest, path): the same input
 * always gives the same bytes. 0 or a negative errno. */
int allowlist_write(const struct allowlist *al, FILE *f);

/* ---- reading ------------------------------------------------------------ */

/*
 * Parse an imaguard-allowlist/1 document from memory. On failure returns
 * -EINVAL (or -ENOMEM) and, when err is not NULL, a message naming the
 * problem, the entry and the line, e.g. "line 7: entry 3: bad digest".
 */
int allowlist_parse(const void *buf, size_t len, struct allowlist **out, char *err,
		    size_t errlen);

/*
 * The entry that allows digest at path, or NULL. An entry without bind_path
 * allows its digest anywhere; a bind_path entry only at exactly its path.
 * path may be NULL (only path-free entries can match then).
 */
const struct allowlist_entry *allowlist_lookup(const struct allowlist *al,
					       const uint8_t digest[SHA256_LEN], const char *path);

/* Accessors. Entries are numbered 0..count-1 in the order they were added
 * (for a parsed file: file order, duplicates merged). */
size_t allowlist_count(const struct allowlist *al);
const struct allowlist_entry *allowlist_entry_at(const struct allowlist *al, size_t i);
bool allowlist_has_serial(const struct allowlist *al);
uint64_t allowlist_serial(const struct allowlist *al);
const char *allowlist_created(const struct allowlist *al);	/* NULL when unset */
const char *allowlist_expires(const struct allowlist *al);	/* NULL when unset */
/* Expiry as seconds since the epoch; false when the allowlist never expires. */
bool allowlist_expiry(const struct allowlist *al, time_t *when);
/* SHA-256 of the file the allowlist was read from (allowlist_load_verified
 * sets it); false for a list built in memory. */
bool allowlist_file_sha256(const struct allowlist *al, uint8_t out[SHA256_LEN]);
void allowlist_set_file_sha256(struct allowlist *al, const uint8_t sha[SHA256_LEN]);

/* ---- the verified load the daemon and `allowlist verify` use ------------- */

#define ALLOWLIST_MAX_SIZE (512u << 20)
#define SIG_MAX_SIZE (64u << 10)

struct sig_keyring;

struct allowlist_load_opts {
	const char *path;		/* the allowlist */
	const char *sig_path;		/* NULL: path + ".sig" */
	const struct sig_keyring *trust;	/* at least one trusted public key */
	const char *state_dir;		/* NULL: no anti-rollback check */
	bool commit;			/* record serial and SHA-256 in state_dir on success */
	time_t now;			/* 0: the current time (tests set it) */
	size_t max_size;		/* 0: ALLOWLIST_MAX_SIZE */
};

/*
 * Everything that makes an allowlist acceptable, in one call: read the file
 * once (a regular file, not a symlink, at most max_size bytes), verify the
 * detached signature over exactly those bytes with any trusted key, parse the
 * same bytes, refuse an expired list, refuse a serial lower than the state
 * directory's or the same serial with other bytes, and only then, if asked,
 * record the serial and SHA-256 atomically. Each refusal is reported with
 * pr_err. 0 or a negative errno (-EBADMSG for a bad signature, -EINVAL for a
 * malformed file, -ESTALE for rollback, -EKEYEXPIRED for expiry).
 */
int allowlist_load_verified(const struct allowlist_load_opts *o, struct allowlist **out);

#endif
