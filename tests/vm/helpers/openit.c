// SPDX-License-Identifier: GPL-2.0-only
/*
 * openit PATH...: open each PATH read-only and close it again. One line per
 * file, "ok PATH" or "err <ERRNO> PATH"; exits 0 when every open succeeded,
 * 1 otherwise.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int rc = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: openit PATH...\n");
		return 2;
	}
	for (int i = 1; i < argc; i++) {
		int fd = open(argv[i], O_RDONLY | O_CLOEXEC);

		if (fd < 0) {
			int err = errno;

			printf("err %s %s\n", strerrorname_np(err) ?: "?", argv[i]);
			rc = 1;
			continue;
		}
		close(fd);
		printf("ok %s\n", argv[i]);
	}
	return rc;
}
