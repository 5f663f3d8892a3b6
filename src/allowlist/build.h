/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * `imaguard allowlist build`: walk trees and hash what the kernel would be
 * asked to execute or map (ELF files and #! scripts) into an allowlist. Also
 * the document fields and output step that `allowlist import` shares.
 */
#ifndef IMAGUARD_ABUILD_H
#define IMAGUARD_ABUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct allowlist;
struct cli_cmd;

struct abuild_opts {
	const char *const *roots;	/* files or directories; resolved to absolute paths */
	size_t nroots;
	const char *const *excludes;	/* absolute prefixes matched on whole components */
	size_t nexcludes;
	unsigned int jobs;		/* hashing threads; 0: one per online CPU */
	const char *source;		/* each entry's source; NULL: "file" */
	bool one_file_system;		/* do not descend into other mounts */
	bool progress;			/* a progress line on stderr (a terminal) */
};

struct abuild_stats {
	uint64_t files;		/* regular files opened */
	uint64_t hashed;	/* of those, ELF or #! and hashed */
	uint64_t bytes;		/* bytes hashed */
	uint64_t other;		/* regular files with other content, left out */
	uint64_t special;	/* symlinks, devices, FIFOs, sockets: never opened */
	uint64_t excluded;	/* paths that matched --exclude (not descended) */
	uint64_t vanished;	/* removed between the directory read and the open */
	uint64_t failed;	/* could not be read, or changed under the walk */
};

/*
 * Walk o->roots and add an entry to al for each ELF or #! file. Problems with
 * single files are reported and counted in st->failed; the return value is
 * 0 or a negative errno for what stops the walk (no memory, no threads).
 */
int abuild_run(const struct abuild_opts *o, struct allowlist *al, struct abuild_stats *st);

/* The document fields, as given on the command line. */
struct abuild_head {
	const char *serial;	/* decimal; NULL: the created time in seconds */
	const char *created;	/* RFC 3339; NULL: $SOURCE_DATE_EPOCH, else now */
	const char *expires;	/* RFC 3339 or +<N>d after created; NULL: never */
};

/* Set serial, created and expires; a bad value (or $SOURCE_DATE_EPOCH) is a
 * usage error of cmd, reported with its usage line: -EINVAL. An expiry that
 * is past or before created is warned about (abuild_warn_expiry). */
int abuild_head_apply(const struct cli_cmd *cmd, const struct abuild_head *h, struct allowlist *al);

/*
 * Warn when al expires at or before now (the daemon and `allowlist verify`
 * refuse it) or before its created time. Such a list is still a valid
 * document, and writing one may be meant (a test of that refusal): a
 * warning, never an error.
 */
void abuild_warn_expiry(const struct allowlist *al);

/*
 * Write al to path through a temporary file and a rename, so that path
 * holds the old list or the new one, never a part; path NULL or "-" writes
 * to stdout. Errors are reported. 0 or a negative errno.
 */
int abuild_output(const struct allowlist *al, const char *path);

/* The file's first bytes decide whether it is hashed: \x7fELF or #!. */
bool abuild_wanted(const void *head, size_t len);


#endif
