/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Debian packages read without installing them: the ar container, the
 * control member's Package and Version, and a SHA-256 of every regular file
 * in the data member that the allowlist would list (ELF or #!), hashed as
 * the archive streams by, never written to disk. libarchive reads the
 * formats (ar, tar, gzip/xz/zstd/bzip2).
 */
#ifndef IMAGUARD_ALLOWLIST_DEB_H
#define IMAGUARD_ALLOWLIST_DEB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/digest.h"

struct allowlist;

struct deb_file {
	char *path;		/* the installed path, absolute; NULL when not UTF-8 */
	uint8_t digest[SHA256_LEN];
};

struct deb_pkg {
	char *package, *version;
	char *source;		/* "deb:<package>=<version>" */
	struct deb_file *files;	/* ELF and #! files, in archive order */
	size_t count, cap;
	uint64_t regular;	/* regular files in the data member */
	uint64_t bytes;		/* bytes hashed */
	uint64_t special;	/* symlinks, directories, devices: never entries */
};

/*
 * Read the package at path into *pkg (zeroed by the caller). On failure
 * returns a negative errno and why holds the reason (libarchive's words for
 * a corrupt or truncated archive); *pkg is then freed and zeroed.
 */
int deb_read(const char *path, struct deb_pkg *pkg, char *why, size_t whylen);
void deb_pkg_fini(struct deb_pkg *pkg);

/*
 * Expand the arguments: a file is taken as given, a directory gives its
 * *.deb files (not descending), sorted by name. A directory without any is
 * an error. Each problem is reported; 0 or a negative errno. *out is a
 * NULL-terminated array of strings for deb_list_free.
 */
int deb_list(const char *const *args, size_t nargs, char ***out, size_t *count);
void deb_list_free(char **list);

/*
 * Read every file on up to jobs threads (0: one per online CPU) into
 * pkgs[0..n), in the order given. Each package that cannot be read is
 * reported as "'FILE': why"; the result is then -EINVAL (all are still tried,
 * so that every bad one is named), else 0. The caller frees each pkgs[i].
 * With progress, a line on stderr says packages done of n and MB/s.
 */
int deb_read_all(char *const *files, size_t n, unsigned int jobs, bool progress,
		 struct deb_pkg *pkgs);

/*
 * Add pkg's files to al with its source. A file that an earlier package
 * already added with the same digest and path (a program that did not
 * change between two versions) stays listed once, under the earlier source;
 * *shared counts those. 0 or a negative errno.
 */
int deb_add_to_allowlist(const struct deb_pkg *pkg, struct allowlist *al, uint64_t *shared);

#endif
