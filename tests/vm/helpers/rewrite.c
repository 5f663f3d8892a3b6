// SPDX-License-Identifier: GPL-2.0-only
/*
 * rewrite [--uid N] FILE OLD NEW: replace the first occurrence of the bytes
 * OLD in FILE with NEW (as long as OLD), in place: the file is opened for
 * writing without truncation and the new bytes written at OLD's offset, as
 * `dd conv=notrunc` would, so the inode, its size and its name stay.
 * --uid N first becomes uid/gid N (from root), with no supplementary
 * groups, in the initial user namespace. Prints "rewritten" and exits 0,
 * or "err <ERRNO> <step>" and exits 1.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char buf[1 << 22];

static int fail(const char *step)
{
	printf("err %s %s\n", strerrorname_np(errno) ?: "?", step);
	return 1;
}

int main(int argc, char **argv)
{
	size_t len, have = 0;
	const char *at;
	ssize_t n = 0;
	int i = 1, fd;

	if (argc == 6 && !strcmp(argv[1], "--uid")) {
		uid_t uid = (uid_t)strtoul(argv[2], NULL, 10);

		if (setgroups(0, NULL) || setgid(uid) || setuid(uid))
			return fail("setuid");
		i = 3;
	} else if (argc != 4) {
		fprintf(stderr, "usage: rewrite [--uid N] FILE OLD NEW\n");
		return 2;
	}
	len = strlen(argv[i + 1]);
	if (!len || strlen(argv[i + 2]) != len) {
		fprintf(stderr, "rewrite: OLD and NEW must be as long, and not empty\n");
		return 2;
	}
	fd = open(argv[i], O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return fail("open");
	while (have < sizeof(buf) && (n = read(fd, buf + have, sizeof(buf) - have)) > 0)
		have += (size_t)n;
	if (n < 0)
		return fail("read");
	at = memmem(buf, have, argv[i + 1], len);
	if (!at) {
		errno = ENOENT;
		return fail("find");
	}
	if (pwrite(fd, argv[i + 2], len, at - buf) != (ssize_t)len)
		return fail("pwrite");
	if (close(fd))
		return fail("close");
	printf("rewritten\n");
	return 0;
}
