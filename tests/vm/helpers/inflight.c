// SPDX-License-Identifier: GPL-2.0-only
/*
 * inflight UID hold N FILE READY
 * inflight UID map FILE
 * inflight UID exec PATH [ARG...]
 *
 * First becomes UID (gid UID, no supplementary groups), from root, with no
 * limit on its threads (RLIMIT_NPROC would stop it short of N), then:
 *   hold  opens FILE and maps it executable (PROT_READ|PROT_EXEC,
 *         MAP_PRIVATE) from N threads at once. Once every thread has made
 *         its call and none returned for 3 s (the rest still inside it),
 *         writes "stuck S refused R mapped M other O" to READY and stdout;
 *         when every call has returned prints "done refused R mapped M
 *         other O" and exits 0.
 *   map   maps FILE executable once: prints "mapped" or "err ERRNO mmap".
 *   exec  execve PATH; on failure prints "err ERRNO execve" and exits 1.
 * Setup failures print "err ERRNO STEP" and exit 2.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static int fd;
static unsigned long started, refused, mapped, other;

static int die(const char *step)
{
	printf("err %s %s\n", strerrorname_np(errno) ?: "?", step);
	fflush(stdout);
	exit(2);
}

static int map_once(void)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);

	if (p == MAP_FAILED)
		return errno;
	munmap(p, 4096);
	return 0;
}

static void *holder(void *arg)
{
	int err;

	(void)arg;
	__atomic_add_fetch(&started, 1, __ATOMIC_SEQ_CST);
	err = map_once();
	__atomic_add_fetch(err == 0 ? &mapped : err == EPERM ? &refused : &other, 1,
			   __ATOMIC_SEQ_CST);
	return NULL;
}

static unsigned long returned(void)
{
	return __atomic_load_n(&refused, __ATOMIC_SEQ_CST) +
	       __atomic_load_n(&mapped, __ATOMIC_SEQ_CST) +
	       __atomic_load_n(&other, __ATOMIC_SEQ_CST);
}

static int hold(unsigned long n, const char *ready)
{
	const struct timespec tick = { 0, 100 * 1000 * 1000 };
	unsigned long last = 0, quiet = 0, i;
	pthread_attr_t attr;
	char tmp[4096];
	pthread_t t;
	FILE *f;

	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	for (i = 0; i < n; i++)
		if ((errno = pthread_create(&t, &attr, holder, NULL)))
			die("pthread_create");
	/* Every call made, and none returning any more for 3 s. */
	while (__atomic_load_n(&started, __ATOMIC_SEQ_CST) < n || quiet < 30) {
		unsigned long r = returned();

		quiet = r == last ? quiet + 1 : 0;
		last = r;
		if (r == n)
			break;
		nanosleep(&tick, NULL);
	}
	/* Whole or not at all: the file appears by rename. */
	snprintf(tmp, sizeof(tmp), "%s.tmp", ready);
	f = fopen(tmp, "w");
	if (!f)
		die("ready");
	fprintf(f, "stuck %lu refused %lu mapped %lu other %lu\n", n - last, refused, mapped,
		other);
	if (fclose(f) || rename(tmp, ready))
		die("ready");
	printf("stuck %lu refused %lu mapped %lu other %lu\n", n - last, refused, mapped, other);
	fflush(stdout);
	while (returned() < n)
		nanosleep(&tick, NULL);
	printf("done refused %lu mapped %lu other %lu\n", refused, mapped, other);
	return 0;
}

int main(int argc, char **argv)
{
	struct rlimit unlimited = { RLIM_INFINITY, RLIM_INFINITY };
	uid_t uid;
	int err;

	if (argc < 4 || (!strcmp(argv[2], "hold") && argc != 6)) {
		fprintf(stderr, "usage: inflight UID hold N FILE READY\n"
				"       inflight UID map FILE\n"
				"       inflight UID exec PATH [ARG...]\n");
		return 2;
	}
	uid = (uid_t)strtoul(argv[1], NULL, 10);
	if (setrlimit(RLIMIT_NPROC, &unlimited))
		die("setrlimit");
	if (setgroups(0, NULL) || setresgid(uid, uid, uid) || setresuid(uid, uid, uid))
		die("setuid");
	if (!strcmp(argv[2], "exec")) {
		execve(argv[3], argv + 3, environ);
		printf("err %s execve\n", strerrorname_np(errno) ?: "?");
		return 1;
	}
	fd = open(argv[!strcmp(argv[2], "hold") ? 4 : 3], O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die("open");
	if (!strcmp(argv[2], "hold"))
		return hold(strtoul(argv[3], NULL, 10), argv[5]);
	if (strcmp(argv[2], "map")) {
		fprintf(stderr, "inflight: unknown command '%s'\n", argv[2]);
		return 2;
	}
	err = map_once();
	if (err) {
		printf("err %s mmap\n", strerrorname_np(err) ?: "?");
		return 1;
	}
	printf("mapped\n");
	return 0;
}
