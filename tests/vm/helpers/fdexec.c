// SPDX-License-Identifier: GPL-2.0-only
/*
 * fdexec PATH [unlink]: open PATH read-only, remove it when "unlink" is
 * given, then exec the open file by execveat(fd, "", AT_EMPTY_PATH), as
 * fexecve(3) does. On success PATH runs in this process; on failure prints
 * "err <ERRNO> <call>" and exits 1.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

extern char **environ;

static int fail(const char *call)
{
	int err = errno;

	printf("err %s %s\n", strerrorname_np(err) ?: "?", call);
	return 1;
}

int main(int argc, char **argv)
{
	char *args[] = { argv[1], NULL };
	int fd;

	if (argc < 2 || argc > 3 || (argc == 3 && strcmp(argv[2], "unlink"))) {
		fprintf(stderr, "usage: fdexec PATH [unlink]\n");
		return 2;
	}
	fd = open(argv[1], O_RDONLY);
	if (fd < 0)
		return fail("open");
	if (argc == 3 && unlink(argv[1]))
		return fail("unlink");
	syscall(SYS_execveat, fd, "", args, environ, AT_EMPTY_PATH);
	return fail("execveat");
}
