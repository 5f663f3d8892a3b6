// SPDX-License-Identifier: GPL-2.0-only
/*
 * memfdexec PATH [fexecve|execveat|procfd] [ARG...]: copy PATH into a
 * memfd_create() file and execute that copy: with fexecve(), with
 * execveat(fd, "", ..., AT_EMPTY_PATH), or with execve("/proc/self/fd/N").
 * The copy runs in this process on success; on failure prints
 * "err <ERRNO> <how>" and exits 1.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

extern char **environ;

static int fail(const char *call)
{
	int err = errno;

	printf("err %s %s\n", strerrorname_np(err) ?: "?", call);
	return 1;
}

static int copy(int in, int out)
{
	char buf[65536];
	ssize_t n;

	while ((n = read(in, buf, sizeof(buf))) > 0)
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(out, buf + off, (size_t)(n - off));

			if (w < 0)
				return -1;
			off += w;
		}
	return n < 0 ? -1 : 0;
}

int main(int argc, char **argv)
{
	const char *how = argc > 2 ? argv[2] : "fexecve";
	char *args[64] = { argv[1] };
	char procpath[64];
	int in, fd;

	if (argc < 2 || argc > 2 + 62 ||
	    (strcmp(how, "fexecve") && strcmp(how, "execveat") && strcmp(how, "procfd"))) {
		fprintf(stderr, "usage: memfdexec PATH [fexecve|execveat|procfd] [ARG...]\n");
		return 2;
	}
	for (int i = 3; i < argc; i++)
		args[i - 2] = argv[i];
	in = open(argv[1], O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return fail("open");
	/* No MFD_CLOEXEC: the descriptor must survive for /proc/self/fd/N. */
	fd = memfd_create("memfdexec", 0);
	if (fd < 0)
		return fail("memfd_create");
	if (copy(in, fd))
		return fail("copy");
	close(in);

	if (!strcmp(how, "fexecve")) {
		fexecve(fd, args, environ);
	} else if (!strcmp(how, "execveat")) {
		syscall(SYS_execveat, fd, "", args, environ, AT_EMPTY_PATH);
	} else {
		snprintf(procpath, sizeof(procpath), "/proc/self/fd/%d", fd);
		execve(procpath, args, environ);
	}
	return fail(how);
}
