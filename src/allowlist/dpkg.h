/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The packages installed on a host (or in a mounted image), read through
 * dpkg's own database: the status file for each package's state, version
 * and conffiles, info/<pkg>[:<arch>].list for the files it owns,
 * info/<pkg>[:<arch>].md5sums for what it shipped, and the diversions file
 * for files dpkg-divert moved aside.
 */
#ifndef IMAGUARD_ALLOWLIST_DPKG_H
#define IMAGUARD_ALLOWLIST_DPKG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct allowlist;

struct dpkg_stats {
	uint64_t packages;	/* installed (files unpacked) */
	uint64_t paths;		/* distinct paths the lists name */
	uint64_t hashed;	/* ELF or #! regular files, hashed */
	uint64_t bytes;		/* bytes hashed */
	uint64_t other;		/* regular files with other content */
	uint64_t special;	/* directories, symlinks, devices */
	uint64_t missing;	/* listed but absent */
	uint64_t shared;	/* hashed files owned by more than one package */
	uint64_t diverted;	/* list entries moved by a diversion */
	uint64_t modified;	/* content differs from the package's md5sums */
	uint64_t failed;	/* could not be read */
};

struct dpkg_db;

/*
 * Read the database under root ("/" for this host; the tree an image is
 * mounted at otherwise). Paths are resolved inside root. 0 or a negative
 * errno, reported.
 */
int dpkg_db_load(const char *root, struct dpkg_db **out);
void dpkg_db_free(struct dpkg_db *db);

/* Whether path (as seen from inside root, resolved) belongs to a package. */
bool dpkg_db_owns(const struct dpkg_db *db, const char *path);

/*
 * Hash every ELF and #! file the packages own, on jobs threads (0: one per
 * online CPU), into al with source deb:<package>=<version>; a file whose
 * content differs from what its package's md5sums say it shipped gets the
 * source "file" and a warning. Unreadable files are reported and counted.
 * 0 or a negative errno for what stops the build.
 */
int dpkg_db_hash(struct dpkg_db *db, unsigned int jobs, bool progress, struct allowlist *al,
		 struct dpkg_stats *st);

#endif
