/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * `imaguard allowlist import`: allowlists from the formats people already
 * have. Each parser works on a buffer in memory (the fuzz targets call them
 * directly) and adds entries to an allowlist; what it leaves out is counted
 * by reason, never dropped silently.
 */
#ifndef IMAGUARD_IMPORT_H
#define IMAGUARD_IMPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct allowlist;

enum import_format {
	IMPORT_SHA256SUM,
	IMPORT_KEYLIME,
	IMPORT_FAPOLICYD,
	IMPORT_SANTA,
	IMPORT_IMALOG,
};

#define IMPORT_MAX_REASONS 32
#define IMPORT_REASON_LEN 80
#define IMPORT_WHERE_LEN 160

struct import_skip {
	char reason[IMPORT_REASON_LEN];	/* "sha1 digest", "santa CERTIFICATE rule" */
	char first[IMPORT_WHERE_LEN];	/* where it was seen first: "'x.log': line 3" */
	uint64_t count;
};

struct import {
	struct allowlist *al;
	const char *source;	/* each entry's source; NULL: the format's name */
	bool skip_bad;		/* a malformed line or entry is skipped and counted */
	bool verbose;		/* and reported on stderr as it is met */

	uint64_t imported;	/* records handed to the allowlist, which merges
				 * those for the same digest and path */
	uint64_t pathless;	/* of those, kept without a path that is not UTF-8 */
	struct import_skip skips[IMPORT_MAX_REASONS];
	size_t nskips;
	char err[512];		/* why import_buf failed: "'x.trust': line 7: ..." */
	bool malformed;		/* and that was a line or entry skip_bad would skip */
};

/* "sha256sum", "keylime", "fapolicyd", "santa", "ima-log"; 0 or -EINVAL. */
int import_format_parse(const char *name, enum import_format *out);
const char *import_format_name(enum import_format f);

/*
 * Parse buf (len bytes, no terminating NUL needed) in format f and add its
 * entries to im->al; name is the file name for messages. Returns 0, -EINVAL
 * for malformed input (im->err says where and why; nothing is printed) or
 * -ENOMEM. Entries added before a failure stay in im->al.
 */
int import_buf(struct import *im, enum import_format f, const char *name, const char *buf,
	       size_t len);

/* Total of im->skips' counts. */
uint64_t import_skipped(const struct import *im);

#endif
