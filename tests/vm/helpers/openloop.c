// SPDX-License-Identifier: GPL-2.0-only
/*
 * openloop [--uid N] COUNT PATH: open PATH read-only and close it again,
 * COUNT times; with --uid, first become uid and gid N (from root). Prints
 * "ok COUNT" and exits 0 when every open succeeded, "err <ERRNO> <step>"
 * and exits 1 at the first failure.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int fail(const char *step)
{
	int err = errno;

	printf("err %s %s\n", strerrorname_np(err) ?: "?", step);
	return 1;
}

int main(int argc, char **argv)
{
	unsigned long count, uid = 0;
	bool drop = false;
	char *end;
	int i = 1;

	if (argc == 5 && !strcmp(argv[1], "--uid")) {
		uid = strtoul(argv[2], &end, 10);
		if (*end || !argv[2][0])
			return fprintf(stderr, "openloop: bad uid '%s'\n", argv[2]), 2;
		drop = true;
		i = 3;
	}
	if (argc != i + 2) {
		fprintf(stderr, "usage: openloop [--uid N] COUNT PATH\n");
		return 2;
	}
	count = strtoul(argv[i], &end, 10);
	if (*end || !argv[i][0])
		return fprintf(stderr, "openloop: bad count '%s'\n", argv[i]), 2;
	if (drop && (setgroups(0, NULL) || setresgid(uid, uid, uid) || setresuid(uid, uid, uid)))
		return fail("setuid");
	for (unsigned long n = 0; n < count; n++) {
		int fd = open(argv[i + 1], O_RDONLY | O_CLOEXEC);

		if (fd < 0)
			return fail("open");
		close(fd);
	}
	printf("ok %lu\n", count);
	return 0;
}
