/* SPDX-License-Identifier: GPL-2.0-only */
/* The imaguard-allowlist/1 document in memory: built, written, parsed, indexed. */
#ifndef IMAGUARD_ALLOWLIST_H
#define IMAGUARD_ALLOWLIST_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "digest.h"

#define ALLOWLIST_FORMAT "imaguard-allowlist/1"

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

/* Document fields; strings are copied. created/expires are RFC 3339 (expires may be NULL). */
void allowlist_set_serial(struct allowlist *al, uint64_t serial);
int allowlist_set_created(struct allowlist *al, const char *rfc3339);
int allowlist_set_expires(struct allowlist *al, const char *rfc3339);

/*
 * Add an entry (strings copied). The same digest and path twice with the same
 * data is merged; with conflicting data it is refused with -EEXIST.
 */
int allowlist_add(struct allowlist *al, const struct allowlist_entry *e);

/* Write the document as JSON, entries sorted by (digest, path): the same input
 * always gives the same bytes. 0 or a negative errno. */
int allowlist_write(const struct allowlist *al, FILE *f);

#endif
