// SPDX-License-Identifier: GPL-2.0-only
/*
 * execit [--after FILE] PATH [ARG...]: execve PATH with the arguments given
 * (argv[0] is PATH). On success PATH runs in this process; on failure prints
 * "err <ERRNO> execve" and exits 1, so a test reads the exact errno that a
 * shell would hide behind its own message.
 *
 * --after FILE waits (up to 120 s) until FILE exists before the execve: a
 * process started before an enforcer that refuses every exec can still make
 * the attempt once the enforcer is ready.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

int main(int argc, char **argv)
{
	const struct timespec tick = { 0, 20 * 1000 * 1000 };
	int i = 1, err;

	if (argc > 2 && !strcmp(argv[1], "--after")) {
		for (int n = 0; access(argv[2], F_OK); n++) {
			if (n == 120 * 50) {
				printf("err ETIMEDOUT after\n");
				return 1;
			}
			nanosleep(&tick, NULL);
		}
		i = 3;
	}
	if (i >= argc) {
		fprintf(stderr, "usage: execit [--after FILE] PATH [ARG...]\n");
		return 2;
	}
	execve(argv[i], argv + i, environ);
	err = errno;
	printf("err %s execve\n", strerrorname_np(err) ?: "?");
	return 1;
}
