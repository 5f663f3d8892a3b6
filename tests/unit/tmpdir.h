/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Temporary directories for the unit tests: one fresh directory per test (or
 * per group) under $TMPDIR, paths joined inside it without silent
 * truncation, and the whole tree removed afterwards whatever the test left
 * in it. Include after <cmocka.h>.
 */
#ifndef IMAGUARD_TESTS_TMPDIR_H
#define IMAGUARD_TESTS_TMPDIR_H

#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

/* Room for any directory tmpdir_make() makes. */
#define TMPDIR_MAX PATH_MAX

/* Make "$TMPDIR/ig-NAME-XXXXXX" (TMPDIR unset or empty: /tmp) into dir,
 * which has room for TMPDIR_MAX bytes. Returns 0 or a negative errno. */
static inline int tmpdir_make(char dir[TMPDIR_MAX], const char *name)
{
	const char *base = getenv("TMPDIR");
	int n;

	if (!base || !*base)
		base = "/tmp";
	n = snprintf(dir, TMPDIR_MAX, "%s/ig-%s-XXXXXX", base, name);
	if (n < 0 || n >= TMPDIR_MAX)
		return -ENAMETOOLONG;
	return mkdtemp(dir) ? 0 : -errno;
}

/* DIR/NAME into buf; a path that does not fit fails the test rather than
 * naming some other file. Returns buf. */
static inline char *tmpdir_join(char *buf, size_t size, const char *dir, const char *name)
{
	int n = snprintf(buf, size, "%s/%s", dir, name);

	assert_true(n >= 0 && (size_t)n < size);
	return buf;
}

static inline int tmpdir_remove_one(const char *path, const struct stat *st, int type,
				    struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(path) ? -errno : 0;
}

/* Remove dir and everything under it, symlinks not followed. Returns 0 or
 * the first negative errno met. */
static inline int tmpdir_remove(const char *dir)
{
	int err = nftw(dir, tmpdir_remove_one, 16, FTW_DEPTH | FTW_PHYS);

	/* -1 is nftw's own failure; any other value is the callback's -errno */
	return err == -1 ? -errno : err;
}

#endif /* IMAGUARD_TESTS_TMPDIR_H */
