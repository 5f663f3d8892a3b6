// SPDX-License-Identifier: GPL-2.0-only
/*
 * execit [--after FILE] [--open FILE] PATH [ARG...]: execve PATH with the
 * arguments given (argv[0] is PATH). On success PATH runs in this process;
 * on failure prints "err <ERRNO> execve" and exits 1, so a test reads the
 * exact errno that a shell would hide behind its own message.
 *
 * --after FILE waits (up to 120 s) until FILE exists before the execve: a
 * process started before an enforcer that refuses every exec can still make
 * the attempt once the enforcer is ready.
 *
 * --open FILE keeps this process on the CPU it runs on, then opens FILE for
 * reading and reads a byte before the execve: the same task, on the same
 * CPU, has opened a file as the program it ran before (what a per-CPU memo
 * of that program would remember) when PATH starts.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static int wait_for(const char *file)
{
	const struct timespec tick = { 0, 20 * 1000 * 1000 };

	for (int n = 0; access(file, F_OK); n++) {
		if (n == 120 * 50) {
			printf("err ETIMEDOUT after\n");
			return 1;
		}
		nanosleep(&tick, NULL);
	}
	return 0;
}

static int open_here(const char *file)
{
	cpu_set_t set;
	char c;
	int fd, cpu = sched_getcpu();

	CPU_ZERO(&set);
	if (cpu < 0 || (CPU_SET(cpu, &set), sched_setaffinity(0, sizeof(set), &set))) {
		printf("err %s sched_setaffinity\n", strerrorname_np(errno) ?: "?");
		return 1;
	}
	fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || read(fd, &c, 1) < 0) {
		printf("err %s open\n", strerrorname_np(errno) ?: "?");
		return 1;
	}
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	int i = 1, err;

	if (argc > i + 1 && !strcmp(argv[i], "--after")) {
		if (wait_for(argv[i + 1]))
			return 1;
		i += 2;
	}
	if (argc > i + 1 && !strcmp(argv[i], "--open")) {
		if (open_here(argv[i + 1]))
			return 1;
		i += 2;
	}
	if (i >= argc) {
		fprintf(stderr, "usage: execit [--after FILE] [--open FILE] PATH [ARG...]\n");
		return 2;
	}
	execve(argv[i], argv + i, environ);
	err = errno;
	printf("err %s execve\n", strerrorname_np(err) ?: "?");
	return 1;
}
