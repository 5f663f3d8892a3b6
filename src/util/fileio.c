// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/fileio.h"
#include "util/log.h"

static const char *kind(mode_t m)
{
	if (S_ISDIR(m))
		return "a directory";
	if (S_ISFIFO(m))
		return "a FIFO";
	if (S_ISCHR(m) || S_ISBLK(m))
		return "a device";
	if (S_ISSOCK(m))
		return "a socket";
	return "not a regular file";
}

int fileio_open_checked(const char *path, size_t max, size_t *size)
{
	struct stat st;
	int fd, err;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		if (err == -ELOOP)
			pr_err("cannot open '%s': is a symbolic link (refused)", path);
		else
			pr_err("cannot open '%s': %s", path, strerror(-err));
		return err;
	}
	if (fstat(fd, &st)) {
		err = -errno;
		pr_err("cannot stat '%s': %s", path, strerror(-err));
	} else if (!S_ISREG(st.st_mode)) {
		err = -EINVAL;
		pr_err("cannot read '%s': %s (refused)", path, kind(st.st_mode));
	} else if ((uint64_t)st.st_size > max) {
		err = -EFBIG;
		pr_err("cannot read '%s': %lld bytes is over the limit of %zu bytes", path,
		       (long long)st.st_size, max);
	} else {
		*size = (size_t)st.st_size;
		return fd;
	}
	close(fd);
	return err;
}

int fileio_read_fd(int fd, const char *path, size_t max, struct readbuf *rb)
{
	for (;;) {
		ssize_t n;

		if (rb->len == rb->cap) {
			if (rb->cap > max) {
				pr_err("cannot read '%s': over the limit of %zu bytes", path, max);
				return -EFBIG;
			}
			if (rb->grow(rb, rb->cap * 2 > max + 1 ? max + 1 : rb->cap * 2)) {
				pr_err("cannot read '%s': %s", path, strerror(ENOMEM));
				return -ENOMEM;
			}
		}
		n = read(fd, rb->buf + rb->len, rb->cap - rb->len);
		if (n < 0) {
			int err = -errno;

			if (err == -EINTR)
				continue;
			pr_err("cannot read '%s': %s", path, strerror(-err));
			return err;
		}
		if (n == 0)
			break;
		rb->len += (size_t)n;
	}
	if (rb->len > max) {
		pr_err("cannot read '%s': over the limit of %zu bytes", path, max);
		return -EFBIG;
	}
	return 0;
}

/* The heap buffer keeps one byte past cap for the NUL. */
static int heap_grow(struct readbuf *rb, size_t cap)
{
	uint8_t *nb = realloc(rb->buf, cap + 1);

	if (!nb)
		return -ENOMEM;
	rb->buf = nb;
	rb->cap = cap;
	return 0;
}

int fileio_read_once(const char *path, size_t max, uint8_t **bufp, size_t *lenp)
{
	struct readbuf rb = { .grow = heap_grow };
	size_t size;
	int fd, err;

	fd = fileio_open_checked(path, max, &size);
	if (fd < 0)
		return fd;
	/* Size from fstat is a hint: the file may grow or shrink while read. One
	 * byte more than it is asked for so that growth is noticed. */
	err = heap_grow(&rb, size + 1);
	if (err)
		pr_err("cannot read '%s': %s", path, strerror(ENOMEM));
	else
		err = fileio_read_fd(fd, path, max, &rb);
	close(fd);
	if (err) {
		free(rb.buf);
		return err;
	}
	rb.buf[rb.len] = 0;
	*bufp = rb.buf;
	*lenp = rb.len;
	return 0;
}

int fileio_write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int fileio_write_atomic(const char *path, const void *data, size_t len, mode_t mode)
{
	char *tmp = NULL, *dir = NULL, *slash;
	int fd = -1, dfd = -1, err = 0;
	struct stat st;

	/* "-o /dev/null" or a FIFO is written to, never renamed over: replacing
	 * a device node with a regular file would break the whole system. */
	if (!stat(path, &st) && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
		fd = open(path, O_WRONLY | O_CLOEXEC);
		err = fd < 0 ? -errno : fileio_write_all(fd, data, len);
		if (fd >= 0 && close(fd) && !err)
			err = -errno;
		if (err)
			pr_err("cannot write '%s': %s", path, strerror(-err));
		return err;
	}

	if (asprintf(&tmp, "%s.tmpXXXXXX", path) < 0 || !(dir = strdup(path))) {
		err = -ENOMEM;
		pr_err("cannot write '%s': %s", path, strerror(ENOMEM));
		goto cleanup;
	}
	slash = strrchr(dir, '/');
	if (!slash)
		strcpy(dir, ".");
	else if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';

	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		pr_err("cannot create a temporary file for '%s': %s", path, strerror(-err));
		free(tmp);
		tmp = NULL;
		goto cleanup;
	}
	err = fileio_write_all(fd, data, len);
	if (!err && fchmod(fd, mode))
		err = -errno;
	if (!err && fsync(fd))
		err = -errno;
	if (!err && close(fd))
		err = -errno;
	fd = -1;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err) {
		pr_err("cannot write '%s': %s", path, strerror(-err));
		goto cleanup;
	}
	free(tmp);
	tmp = NULL;
	/* The rename is durable only once the directory itself is on disk. */
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || fsync(dfd)) {
		err = -errno;
		pr_err("cannot sync the directory of '%s': %s", path, strerror(-err));
	}
cleanup:
	if (fd >= 0)
		close(fd);
	if (dfd >= 0)
		close(dfd);
	if (tmp)
		unlink(tmp);
	free(tmp);
	free(dir);
	return err;
}
