// SPDX-License-Identifier: GPL-2.0-only
/*
 * deeppath DIR DEPTH make SRC | exec | open | mmap | remove: walk DEPTH nested
 * directories of 100-byte names below DIR, one at a time by O_PATH
 * descriptors (no open of a directory is judged, and the whole path may
 * exceed PATH_MAX). "make" creates them and copies SRC to a file "t" in the
 * deepest; the others print "ino <inode>" of that file and act on it by a
 * name relative to its directory: exec it (execveat), open it read-only, or
 * map it executable; "remove" removes the file and the directories again
 * (rm cannot, past PATH_MAX). Prints "ok" after a make, open, map or
 * remove; on failure
 * "err <ERRNO> <call>" and exits 1.
 */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

extern char **environ;

static int fail(const char *call)
{
	int err = errno;

	printf("err %s %s\n", strerrorname_np(err) ?: "?", call);
	return 1;
}

static int copy(const char *src, int dir)
{
	char buf[65536];
	ssize_t n;
	int in, out;

	in = open(src, O_RDONLY);
	if (in < 0)
		return -1;
	unlinkat(dir, "t", 0);
	out = openat(dir, "t", O_WRONLY | O_CREAT | O_EXCL, 0755);
	if (out < 0)
		return -1;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, n) != n)
			return -1;
	close(in);
	return close(out) || n < 0 ? -1 : 0;
}

int main(int argc, char **argv)
{
	char *args[] = { "t", NULL };
	const char *act = argc > 3 ? argv[3] : "";
	bool make = !strcmp(act, "make"), remove = !strcmp(act, "remove");
	int dirs[256];
	char seg[101];
	struct stat st;
	int dir, fd, depth;
	void *p;

	if (make ? argc != 5 : (argc != 4 || (strcmp(act, "exec") && strcmp(act, "open") &&
					       strcmp(act, "mmap") && !remove))) {
		fprintf(stderr, "usage: deeppath DIR DEPTH make SRC | exec | open | mmap | remove\n");
		return 2;
	}
	memset(seg, 'd', 100);
	seg[100] = '\0';
	depth = atoi(argv[2]);
	if (depth < 0 || depth > 255)
		return 2;
	dir = open(argv[1], O_PATH | O_DIRECTORY);
	if (dir < 0)
		return fail("open");
	for (int i = 0; i < depth; i++) {
		int next;

		if (make && mkdirat(dir, seg, 0755) && errno != EEXIST)
			return fail("mkdirat");
		next = openat(dir, seg, O_PATH | O_DIRECTORY);
		if (next < 0)
			return fail("openat");
		dirs[i] = dir;
		dir = next;
	}
	if (remove) {
		if (unlinkat(dir, "t", 0) && errno != ENOENT)
			return fail("unlinkat");
		for (int i = depth - 1; i >= 0; i--)
			if (unlinkat(dirs[i], seg, AT_REMOVEDIR))
				return fail("unlinkat");
		printf("ok\n");
		return 0;
	}
	if (make) {
		if (copy(argv[4], dir))
			return fail("copy");
		printf("ok\n");
		return 0;
	}
	if (fstatat(dir, "t", &st, 0))
		return fail("fstatat");
	printf("ino %llu\n", (unsigned long long)st.st_ino);
	fflush(stdout);
	if (!strcmp(act, "exec")) {
		syscall(SYS_execveat, dir, "t", args, environ, 0);
		return fail("execveat");
	}
	fd = openat(dir, "t", O_RDONLY);
	if (fd < 0)
		return fail("open");
	if (!strcmp(act, "mmap")) {
		p = mmap(NULL, st.st_size, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
		if (p == MAP_FAILED)
			return fail("mmap");
	}
	printf("ok\n");
	return 0;
}
