// SPDX-License-Identifier: GPL-2.0-only
/*
 * nsovl UID LOWERDIRS MNT PROG [ARG...]: as user UID (from root), in a new
 * user and mount namespace where UID is root, mount a read-only overlay of
 * LOWERDIRS ("a:b", the overlay option's form) on MNT, then execv PROG. The
 * overlay is what any unprivileged user can make: its superblock belongs to
 * the new user namespace. On failure prints "err <ERRNO> <step>", exits 1.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

static int fail(const char *step)
{
	int e = errno;

	printf("err %s %s\n", strerrorname_np(e) ?: "?", step);
	return 1;
}

static int put(const char *file, const char *text)
{
	int fd = open(file, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

int main(int argc, char **argv)
{
	char map[64], opts[4096];
	uid_t uid;

	if (argc < 5) {
		fprintf(stderr, "usage: nsovl UID LOWERDIRS MNT PROG [ARG...]\n");
		return 2;
	}
	uid = (uid_t)strtoul(argv[1], NULL, 10);
	if (setgroups(0, NULL) || setgid(uid) || setuid(uid))
		return fail("setuid");
	/* The change of user left the process undumpable, its /proc files
	 * root's: uid_map could not be written. */
	if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0))
		return fail("dumpable");
	if (unshare(CLONE_NEWUSER | CLONE_NEWNS))
		return fail("unshare");
	snprintf(map, sizeof(map), "0 %u 1\n", (unsigned int)uid);
	if (put("/proc/self/setgroups", "deny") || put("/proc/self/uid_map", map) ||
	    put("/proc/self/gid_map", map))
		return fail("map");
	if (mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL))
		return fail("private");
	snprintf(opts, sizeof(opts), "lowerdir=%s", argv[2]);
	if (mount("overlay", argv[3], "overlay", MS_RDONLY, opts))
		return fail("mount");
	execv(argv[4], argv + 4);
	return fail("execv");
}
