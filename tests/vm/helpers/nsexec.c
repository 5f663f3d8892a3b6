// SPDX-License-Identifier: GPL-2.0-only
/*
 * nsexec [--uid N] bind SRC DST PATH [ARG...]
 * nsexec [--uid N] rbind SRC DST PATH [ARG...]
 * nsexec [--uid N] chroot DIR PATH [ARG...]
 *
 * Makes other content appear at a trusted name, then execve PATH:
 *   bind    in a new mount namespace, bind-mounts SRC over DST;
 *   rbind   the same with the mounts below SRC;
 *   chroot  changes root to DIR (the mount namespace is kept).
 * --uid N  first becomes uid/gid N (from root) and enters a new user
 *          namespace mapping it to 0, as any user may: the namespace
 *          trick needs no privilege.
 * On failure prints "err <ERRNO> <step>" and exits 1; PATH refused by the
 * kernel is "err <ERRNO> execve".
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <unistd.h>

extern char **environ;

static int die(const char *step)
{
	int err = errno;

	printf("err %s %s\n", strerrorname_np(err) ?: "?", step);
	fflush(stdout);
	exit(1);
}

static void write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY);

	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		die(path);
	close(fd);
}

/* A user namespace whose 0 is uid and gid n outside. */
static void become(unsigned n)
{
	char map[64];

	if (setgroups(0, NULL) || setresgid(n, n, n) || setresuid(n, n, n))
		die("setuid");
	/* The uid change made it undumpable: its /proc files would stay
	 * root's, and the maps could not be written. */
	if (prctl(PR_SET_DUMPABLE, 1))
		die("dumpable");
	if (unshare(CLONE_NEWUSER))
		die("unshare-user");
	snprintf(map, sizeof(map), "0 %u 1\n", n);
	write_file("/proc/self/setgroups", "deny");
	write_file("/proc/self/uid_map", map);
	write_file("/proc/self/gid_map", map);
}

int main(int argc, char **argv)
{
	int i = 1;

	if (argc > 3 && !strcmp(argv[1], "--uid")) {
		become(atoi(argv[2]));
		i = 3;
	}
	if (argc - i >= 4 && (!strcmp(argv[i], "bind") || !strcmp(argv[i], "rbind"))) {
		unsigned long rec = argv[i][0] == 'r' ? MS_REC : 0;


		if (unshare(CLONE_NEWNS))
			die("unshare-mnt");
		if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
			die("mount-private");
		if (mount(argv[i + 1], argv[i + 2], NULL, MS_BIND | rec, NULL))
			die("mount-bind");
		i += 3;
	} else if (argc - i >= 3 && !strcmp(argv[i], "chroot")) {
		if (chroot(argv[i + 1]) || chdir("/"))
			die("chroot");
		i += 2;
	} else {
		fprintf(stderr, "usage: nsexec [--uid N] bind|rbind SRC DST PATH [ARG...]\n"
				"       nsexec [--uid N] chroot DIR PATH [ARG...]\n");
		return 2;
	}
	fflush(stdout);
	execve(argv[i], argv + i, environ);
	die("execve");
	return 1;
}
