// SPDX-License-Identifier: GPL-2.0-only
/*
 * memfdrun PATH fexecve|execveat|procfd [sealed]: copy PATH into a
 * memfd_create file and exec it by fexecve(), by execveat(fd, "",
 * AT_EMPTY_PATH) or by execve("/proc/self/fd/N"); "sealed" seals it against
 * writes, growth and shrink first. On failure prints "err <errno>" and
 * exits 1.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

extern char **environ;

int main(int argc, char **argv)
{
	char buf[65536], proc[64];
	char *args[] = { argv[1], NULL };
	ssize_t n;
	bool sealed = argc == 4 && !strcmp(argv[3], "sealed");
	int in, fd;

	if (argc != 3 && !sealed) {
		fprintf(stderr, "usage: memfdrun PATH fexecve|execveat|procfd [sealed]\n");
		return 2;
	}
	in = open(argv[1], O_RDONLY);
	fd = memfd_create("memfdrun", sealed ? MFD_ALLOW_SEALING : 0);
	if (in < 0 || fd < 0) {
		printf("err %d\n", errno);
		return 1;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(fd, buf, n) != n) {
			printf("err %d\n", errno);
			return 1;
		}
	close(in);
	if (sealed && fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK)) {
		printf("err %d\n", errno);
		return 1;
	}
	if (!strcmp(argv[2], "fexecve")) {
		fexecve(fd, args, environ);
	} else if (!strcmp(argv[2], "execveat")) {
		syscall(SYS_execveat, fd, "", args, environ, AT_EMPTY_PATH);
	} else if (!strcmp(argv[2], "procfd")) {
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
		execve(proc, args, environ);
	} else {
		fprintf(stderr, "memfdrun: unknown way '%s'\n", argv[2]);
		return 2;
	}
	printf("err %d\n", errno);
	fflush(stdout);
	return 1;
}
