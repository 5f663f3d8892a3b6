/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * `imaguard allowlist build`: walk trees and hash what the kernel would be
 * asked to execute or map (ELF files and #! scripts) into an allowlist.
 */
#ifndef IMAGUARD_ALLOWLIST_BUILD_H
#define IMAGUARD_ALLOWLIST_BUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct allowlist;

#define BUILD_MAX_JOBS 256	/* hashing threads, at most */

struct build_opts {
	const char *const *roots;	/* files or directories; resolved to absolute paths */
	size_t nroots;
	const char *const *excludes;	/* absolute prefixes matched on whole components */
	size_t nexcludes;
	unsigned int jobs;		/* hashing threads; 0: one per online CPU */
	const char *source;		/* each entry's source; NULL: "file" */
	bool one_file_system;		/* do not descend into other mounts */
	bool progress;			/* a progress line on stderr (a terminal) */
	/* Also interpreted code: files whose name has one of these extensions
	 * (without the '.'; "*": every regular file), whatever their first
	 * bytes (NULL: ELF and #! only). */
	const char *const *script_exts;
	/* --installed: roots are inside root (NULL: "/"), and entries carry
	 * paths as seen from inside it; files skip() says a package owns are
	 * left to the package side and counted in owned. */
	const char *root;
	bool (*skip)(const char *path, void *ctx);
	void *skip_ctx;
};

struct build_stats {
	uint64_t files;		/* regular files opened */
	uint64_t hashed;	/* of those, ELF or #! and hashed */
	uint64_t bytes;		/* bytes hashed */
	uint64_t other;		/* regular files with other content, left out */
	uint64_t special;	/* symlinks, devices, FIFOs, sockets: never opened */
	uint64_t excluded;	/* paths that matched --exclude (not descended) */
	uint64_t vanished;	/* removed between the directory read and the open */
	uint64_t failed;	/* could not be read, or changed under the walk */
	uint64_t owned;		/* left out: a package owns them (skip) */
};

/*
 * Walk o->roots and add an entry to al for each ELF or #! file. Problems with
 * single files are reported and counted in st->failed; the return value is
 * 0 or a negative errno for what stops the walk (no memory, no threads).
 */
int build_run(const struct build_opts *o, struct allowlist *al, struct build_stats *st);

/* The file's first bytes decide whether it is hashed: \x7fELF or #!. */
bool build_wanted(const void *head, size_t len);
/* Whether a file is hashed by its name whatever its first bytes: a kernel
 * module compressed as the kernel reads it (.ko.xz, .ko.zst, .ko.gz). */
bool build_wanted_name(const char *path);
/* Is path code by its name: its last component's extension (after the last
 * '.') is one of exts (NULL-terminated; "" matches a name with no '.', "*"
 * every file)? */
bool build_script_name(const char *path, const char *const *exts);

#endif
