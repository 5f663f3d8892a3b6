// SPDX-License-Identifier: GPL-2.0-only
/*
 * mapcall PATH: map PATH executable (MAP_PRIVATE, PROT_READ|PROT_EXEC), as a
 * loader maps a library, and call its first byte as a function returning
 * int (x86-64 "mov eax, imm32; ret" is what the tests put there). Prints
 * "ret N", then waits for a line on standard input and calls it again,
 * printing "ret N" once more: if the second N differs, bytes written to
 * the file after the map ran in this process. Prints "err <ERRNO> <call>"
 * and exits 1 when a call fails.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static int fail(const char *call)
{
	printf("err %s %s\n", strerrorname_np(errno) ?: "?", call);
	return 1;
}

int main(int argc, char **argv)
{
	char line[16];
	int (*fn)(void);
	void *p;
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: mapcall PATH\n");
		return 2;
	}
	fd = open(argv[1], O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail("open");
	p = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED)
		return fail("mmap");
	close(fd);
	fn = (int (*)(void))p;
	printf("ret %d\n", fn());
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		return fail("read");
	printf("ret %d\n", fn());
	return 0;
}
