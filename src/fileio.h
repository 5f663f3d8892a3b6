/* SPDX-License-Identifier: GPL-2.0-only */
/* Reading trusted inputs once, and replacing files so no reader sees a part. */
#ifndef IMAGUARD_FILEIO_H
#define IMAGUARD_FILEIO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * Read a whole regular file of at most max bytes into *buf (malloc'ed, with a
 * NUL after the data that *len does not count). The file is opened with
 * O_NOFOLLOW|O_NONBLOCK and checked with fstat, so a symlink, FIFO, device or
 * directory is refused without blocking and without reading it. Errors are
 * reported with pr_err. 0 or a negative errno (-EFBIG when over max).
 */
int read_file_once(const char *path, size_t max, uint8_t **buf, size_t *len);

/*
 * Replace path with len bytes: a temporary file in the same directory is
 * written, fsync'ed and renamed over path, then the directory is fsync'ed.
 * A reader sees the old file or the new one, and a crash leaves no partial
 * file under path. Errors are reported with pr_err. 0 or a negative errno.
 */
int write_file_atomic(const char *path, const void *data, size_t len, mode_t mode);

#endif
