// SPDX-License-Identifier: GPL-2.0-only
/*
 * execflood PATH N: run PATH N times, one after the other, as fast as
 * posix_spawn and waitpid allow, its output thrown away. Prints
 * "execs <succeeded> of <N>" (succeeded: spawned and exited 0) and exits 0
 * only when all N succeeded.
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

int main(int argc, char **argv)
{
	posix_spawn_file_actions_t fa;
	char *args[] = { argv[1], NULL };
	long n, ok = 0, firsterr = 0;
	char *end;

	if (argc != 3 || (n = strtol(argv[2], &end, 10)) <= 0 || *end) {
		fprintf(stderr, "usage: execflood PATH N\n");
		return 2;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	for (long i = 0; i < n; i++) {
		int status, err;
		pid_t pid;

		err = posix_spawn(&pid, argv[1], &fa, NULL, args, environ);
		if (err) {
			if (!firsterr)
				firsterr = err;
			continue;
		}
		if (waitpid(pid, &status, 0) == pid && WIFEXITED(status) && !WEXITSTATUS(status))
			ok++;
	}
	posix_spawn_file_actions_destroy(&fa);
	if (firsterr)
		printf("execs %ld of %ld (first error %s)\n", ok, n,
		       strerrorname_np((int)firsterr) ?: "?");
	else
		printf("execs %ld of %ld\n", ok, n);
	return ok == n ? 0 : 1;
}
