// SPDX-License-Identifier: GPL-2.0-only
/*
 * kload finit|init FILE: load the kernel module FILE once, with
 * finit_module(2) (the kernel reads the file) or init_module(2) (from a
 * buffer this program read). Prints "loaded: ..." and exits 0, or
 * "refused: ...: <errno text>" and exits 1.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct stat st;
	long rc;
	char *buf;
	int fd;

	if (argc != 3 || (strcmp(argv[1], "finit") && strcmp(argv[1], "init"))) {
		fprintf(stderr, "usage: kload finit|init FILE\n");
		return 2;
	}
	fd = open(argv[2], O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st)) {
		perror(argv[2]);
		return 2;
	}
	if (!strcmp(argv[1], "finit")) {
		rc = syscall(__NR_finit_module, fd, "", 0);
	} else {
		buf = malloc(st.st_size ? st.st_size : 1);
		if (!buf || read(fd, buf, st.st_size) != st.st_size) {
			perror("read");
			return 2;
		}
		rc = syscall(__NR_init_module, buf, (unsigned long)st.st_size, "");
	}
	if (rc) {
		printf("refused: %s %s: %s\n", argv[1], argv[2], strerror(errno));
		return 1;
	}
	printf("loaded: %s %s\n", argv[1], argv[2]);
	return 0;
}
