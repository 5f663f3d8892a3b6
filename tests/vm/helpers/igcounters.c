// SPDX-License-Identifier: GPL-2.0-only
/*
 * igcounters PIDFILE FILE [SECONDS]: ask the driver whose pid PIDFILE holds
 * to write its counters (SIGUSR1) and wait until FILE has been replaced,
 * then print it. Waiting here rather than in a shell loop keeps the wait
 * from exec'ing anything: no hook runs between the signal and the snapshot
 * except the driver's own. Exits 1 when the driver does not answer in time
 * (default 60 s).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int changed(const struct stat *a, const char *path)
{
	struct stat b;

	if (stat(path, &b))
		return 0;
	return b.st_ino != a->st_ino || b.st_mtim.tv_sec != a->st_mtim.tv_sec ||
	       b.st_mtim.tv_nsec != a->st_mtim.tv_nsec || b.st_size != a->st_size;
}

int main(int argc, char **argv)
{
	const struct timespec tick = { 0, 20 * 1000 * 1000 };
	struct stat before = { 0 };
	char line[4096];
	long secs = argc > 3 ? atol(argv[3]) : 60;
	FILE *f;
	int pid;

	if (argc < 3 || argc > 4 || secs <= 0) {
		fprintf(stderr, "usage: igcounters PIDFILE FILE [SECONDS]\n");
		return 2;
	}
	f = fopen(argv[1], "r");
	if (!f || fscanf(f, "%d", &pid) != 1 || pid <= 0) {
		fprintf(stderr, "igcounters: no pid in '%s'\n", argv[1]);
		return 1;
	}
	fclose(f);
	if (stat(argv[2], &before))
		before.st_ino = 0;
	if (kill(pid, SIGUSR1)) {
		fprintf(stderr, "igcounters: cannot signal %d: %s\n", pid, strerror(errno));
		return 1;
	}
	for (long i = 0; !changed(&before, argv[2]); i++) {
		if (i >= secs * 50) {
			fprintf(stderr, "igcounters: '%s' not rewritten within %ld s\n", argv[2], secs);
			return 1;
		}
		nanosleep(&tick, NULL);
	}
	f = fopen(argv[2], "r");
	if (!f || !fgets(line, sizeof(line), f)) {
		fprintf(stderr, "igcounters: cannot read '%s'\n", argv[2]);
		return 1;
	}
	fclose(f);
	fputs(line, stdout);
	return 0;
}
