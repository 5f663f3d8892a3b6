// SPDX-License-Identifier: GPL-2.0-only
/*
 * netmount TYPE SOURCE DIR OPTIONS: mount(2) SOURCE on DIR as TYPE with
 * OPTIONS handed to the file system as text ("vers=4.2,addr=127.0.0.1"
 * for nfs4), which is how the kernel's network file systems read them.
 * On failure prints "err <ERRNO> mount" and exits 1.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: netmount TYPE SOURCE DIR OPTIONS\n");
		return 2;
	}
	if (mount(argv[2], argv[3], argv[1], 0, argv[4])) {
		printf("err %s mount\n", strerrorname_np(errno) ?: "?");
		return 1;
	}
	return 0;
}
