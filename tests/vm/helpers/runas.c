// SPDX-License-Identifier: GPL-2.0-only
/*
 * runas UID PATH [ARG...]: from root, become uid and gid UID with no
 * supplementary groups and no capabilities, then execve PATH (argv[0] is
 * PATH). On failure prints "err <ERRNO> <step>" and exits 1; PATH refused
 * by the kernel is "err <ERRNO> execve", as execit prints it.
 */
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

static int die(const char *step)
{
	printf("err %s %s\n", strerrorname_np(errno) ?: "?", step);
	return 1;
}

int main(int argc, char **argv)
{
	char *end;
	unsigned long id;

	if (argc < 3) {
		fprintf(stderr, "usage: runas UID PATH [ARG...]\n");
		return 2;
	}
	errno = 0;
	id = strtoul(argv[1], &end, 10);
	if (errno || *end || end == argv[1] || id > 65535) {
		fprintf(stderr, "runas: bad uid '%s'\n", argv[1]);
		return 2;
	}
	if (setgroups(0, NULL))
		return die("setgroups");
	if (setgid((gid_t)id))
		return die("setgid");
	if (setuid((uid_t)id))
		return die("setuid");
	execve(argv[2], argv + 2, environ);
	return die("execve");
}
