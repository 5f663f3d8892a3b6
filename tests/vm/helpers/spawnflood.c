// SPDX-License-Identifier: GPL-2.0-only
/*
 * spawnflood N PATH: posix_spawn PATH (no arguments) N times, waiting for
 * each; prints "spawned N failed F" and exits 0 when every spawn succeeded.
 */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

extern char **environ;

int main(int argc, char **argv)
{
	long n, ok = 0, failed = 0;

	if (argc != 3) {
		fprintf(stderr, "usage: spawnflood N PATH\n");
		return 2;
	}
	n = strtol(argv[1], NULL, 10);
	for (long i = 0; i < n; i++) {
		char *args[] = { argv[2], NULL };
		pid_t pid;
		int st;

		if (posix_spawn(&pid, argv[2], NULL, NULL, args, environ) ||
		    waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st)) {
			failed++;
			continue;
		}
		ok++;
	}
	printf("spawned %ld failed %ld\n", ok, failed);
	return failed ? 1 : 0;
}
