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
int fileio_read_once(const char *path, size_t max, uint8_t **buf, size_t *len);

/*
 * fileio_read_once's checks, for a reader of its own: open path with
 * O_NOFOLLOW|O_NONBLOCK and refuse anything but a regular file of at most
 * max bytes. The descriptor, with *size the size fstat gave (a hint: the
 * file may change while it is read), or a negative errno (reported).
 */
int fileio_open_checked(const char *path, size_t max, size_t *size);

/* A buffer fileio_read_fd fills: grow() makes room for cap bytes in all,
 * at most max + 1 (so that growth past max is seen); 0 or -ENOMEM. */
struct readbuf {
	uint8_t *buf;
	size_t len, cap;
	int (*grow)(struct readbuf *rb, size_t cap);
};

/* Read fd to its end into rb, at most max bytes. 0 or a negative errno
 * (reported, path naming the file). */
int fileio_read_fd(int fd, const char *path, size_t max, struct readbuf *rb);

/* Write all len bytes to fd, across short writes and EINTR. 0 or a
 * negative errno (not reported). */
int fileio_write_all(int fd, const void *data, size_t len);

/*
 * Replace path with len bytes: a temporary file in the same directory is
 * written, fsync'ed and renamed over path, then the directory is fsync'ed.
 * A reader sees the old file or the new one, and a crash leaves no partial
 * file under path. Errors are reported with pr_err. 0 or a negative errno.
 */
int fileio_write_atomic(const char *path, const void *data, size_t len, mode_t mode);

#endif
