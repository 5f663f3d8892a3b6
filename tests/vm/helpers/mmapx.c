// SPDX-License-Identifier: GPL-2.0-only
/*
 * mmapx PATH [exec|read|unlinked|mprotect]: open PATH read-only and map it
 * MAP_PRIVATE with PROT_READ|PROT_EXEC (default) or PROT_READ; "unlinked"
 * removes PATH between the open and an executable map; "mprotect" maps it
 * PROT_READ, then makes the mapping PROT_READ|PROT_EXEC with mprotect(2).
 * Prints "ok" and exits 0 when every call succeeds, "err <ERRNO> <call>"
 * and exits 1 when one fails.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static int fail(const char *call)
{
	int err = errno;

	printf("err %s %s\n", strerrorname_np(err) ?: "?", call);
	return 1;
}

int main(int argc, char **argv)
{
	int prot = PROT_READ | PROT_EXEC;
	struct stat st;
	size_t len;
	void *p;
	int fd;

	if (argc < 2 || argc > 3 ||
	    (argc == 3 && strcmp(argv[2], "exec") && strcmp(argv[2], "read") &&
	     strcmp(argv[2], "unlinked") && strcmp(argv[2], "mprotect"))) {
		fprintf(stderr, "usage: mmapx PATH [exec|read|unlinked|mprotect]\n");
		return 2;
	}
	if (argc == 3 && (!strcmp(argv[2], "read") || !strcmp(argv[2], "mprotect")))
		prot = PROT_READ;
	fd = open(argv[1], O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail("open");
	if (fstat(fd, &st))
		return fail("fstat");
	if (argc == 3 && !strcmp(argv[2], "unlinked") && unlink(argv[1]))
		return fail("unlink");
	/* An empty file still gets a page-sized request, so the hook runs. */
	len = st.st_size > 0 ? (size_t)st.st_size : 4096;
	p = mmap(NULL, len, prot, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED)
		return fail("mmap");
	if (argc == 3 && !strcmp(argv[2], "mprotect") && mprotect(p, len, PROT_READ | PROT_EXEC))
		return fail("mprotect");
	munmap(p, len);
	close(fd);
	printf("ok\n");
	return 0;
}
