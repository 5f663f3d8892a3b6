// SPDX-License-Identifier: GPL-2.0-only
/*
 * scratchrace LISTED UNLISTED SECONDS PAIRS: 2 * PAIRS processes, all on
 * CPU 0, half mapping LISTED and half UNLISTED with PROT_READ|PROT_EXEC
 * (then unmapping it) in a loop for SECONDS. With the kernel preemptible
 * everywhere (preempt=full), one of them preempted inside stage 1 lets the
 * others run stage 1 on the same CPU meanwhile. In enforce mode every map
 * of LISTED must succeed and every map of UNLISTED fail with EPERM.
 * Prints "listed ok N refused N; unlisted ok N refused N"; exits 0 when
 * both hold, 1 when one map went the wrong way, 2 on a usage or setup
 * error.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_PAIRS 16

struct tally {
	unsigned long ok, refused, other;
};

/* Map path until the deadline; the tally goes to fd. */
static int mapper(const char *path, time_t deadline, int fd)
{
	struct tally t = { 0 };
	unsigned long n = 0;
	cpu_set_t set;
	struct stat st;
	void *p;
	int f;

	CPU_ZERO(&set);
	CPU_SET(0, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		perror("scratchrace: sched_setaffinity"); /* still runs, races less */
	f = open(path, O_RDONLY | O_CLOEXEC);
	if (f < 0 || fstat(f, &st) || st.st_size == 0) {
		fprintf(stderr, "scratchrace: %s: %s\n", path, strerror(errno));
		return 2;
	}
	for (;;) {
		if ((++n & 63) == 0 && time(NULL) >= deadline)
			break;
		p = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_EXEC, MAP_PRIVATE, f, 0);
		if (p != MAP_FAILED) {
			t.ok++;
			munmap(p, (size_t)st.st_size);
		} else if (errno == EPERM) {
			t.refused++;
		} else {
			t.other++;
		}
	}
	if (write(fd, &t, sizeof(t)) != sizeof(t))
		return 2;
	return 0;
}

int main(int argc, char **argv)
{
	struct tally sum[2] = { { 0 } }, t;
	int fds[2], status, bad = 0;
	pid_t pid;
	long secs, pairs, i;
	time_t deadline;

	if (argc != 5 || (secs = atol(argv[3])) <= 0 || (pairs = atol(argv[4])) <= 0 ||
	    pairs > MAX_PAIRS) {
		fprintf(stderr, "usage: scratchrace LISTED UNLISTED SECONDS PAIRS (1-%d)\n", MAX_PAIRS);
		return 2;
	}
	deadline = time(NULL) + secs;
	for (i = 0; i < 2 * pairs; i++) {
		if (pipe(fds))
			return 2;
		pid = fork();
		if (pid < 0)
			return 2;
		if (pid == 0) {
			close(fds[0]);
			_exit(mapper(argv[1 + (i & 1)], deadline, fds[1]));
		}
		close(fds[1]);
		/* Read back in order once all are running: keep the read end. */
		if (dup2(fds[0], 100 + (int)i) < 0)
			return 2;
		close(fds[0]);
	}
	for (i = 0; i < 2 * pairs; i++) {
		if (read(100 + (int)i, &t, sizeof(t)) != sizeof(t)) {
			bad = 2;
			continue;
		}
		sum[i & 1].ok += t.ok;
		sum[i & 1].refused += t.refused;
		sum[i & 1].other += t.other;
	}
	while (wait(&status) > 0)
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			bad = 2;
	printf("listed ok %lu refused %lu; unlisted ok %lu refused %lu; other errors %lu\n",
	       sum[0].ok, sum[0].refused, sum[1].ok, sum[1].refused, sum[0].other + sum[1].other);
	if (bad)
		return bad;
	if (sum[0].refused || sum[1].ok || sum[0].other || sum[1].other)
		return 1;
	return sum[0].ok && sum[1].refused ? 0 : 2;
}
