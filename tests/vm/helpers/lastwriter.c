// SPDX-License-Identifier: GPL-2.0-only
/*
 * lastwriter FILE LISTED PAYLOAD TRIES [UID]: race IMA's last-writer check. IMA
 * keeps a file's digest until the last writer closes it, and tells "last"
 * by the count of writers at the close; two writers that close at once can
 * both see the other, and then IMA keeps the digest of the bytes before
 * them. Each try:
 *   1. one writer puts LISTED's bytes in FILE and closes (IMA forgets);
 *   2. FILE runs (it must print what LISTED prints; IMA measures it);
 *   3. two threads open FILE for writing, one writes PAYLOAD's bytes (the
 *      same length as LISTED's), and both close at the same moment;
 *   4. FILE runs again: its bytes are PAYLOAD's.
 * With UID, all of it runs as that user (and group), FILE its own.
 * Prints "ran after N tries: OUTPUT" and exits 0 when step 4 ran, "refused
 * every time (N tries)" and exits 1 when it never did, "err ..." and exits 2
 * on failure.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static char listed[4096], payload[4096];
static size_t len;
static const char *file;
static pthread_barrier_t opened;
static int ready; /* writers at the close, spun on: a futex wake would part them */

static int fail(const char *step)
{
	printf("err %s %s\n", strerrorname_np(errno) ?: "?", step);
	return 2;
}

static size_t slurp(const char *path, char *buf)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, 4095);

	if (fd >= 0)
		close(fd);
	return n > 0 ? (size_t)n : 0;
}

/* Run FILE; its output (or "refused: ERRNO") in out. */
static void run(char *out, size_t room)
{
	int p[2], st;
	ssize_t n;
	pid_t pid;

	if (pipe(p))
		exit(fail("pipe"));
	pid = fork();
	if (pid == 0) {
		dup2(p[1], 1);
		execl(file, file, (char *)NULL);
		dprintf(1, "refused: %s", strerrorname_np(errno) ?: "?");
		_exit(127);
	}
	close(p[1]);
	n = read(p[0], out, room - 1);
	out[n > 0 ? n : 0] = '\0';
	close(p[0]);
	waitpid(pid, &st, 0);
	out[strcspn(out, "\n")] = '\0';
}

static void *writer(void *arg)
{
	int fd = open(file, O_WRONLY | O_CLOEXEC);

	pthread_barrier_wait(&opened);
	if (fd >= 0 && arg && pwrite(fd, payload, len, 0) != (ssize_t)len)
		perror("lastwriter: pwrite");
	__atomic_add_fetch(&ready, 1, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&ready, __ATOMIC_SEQ_CST) < 2)
		;
	if (fd >= 0)
		close(fd);
	return NULL;
}

int main(int argc, char **argv)
{
	char out[256], want[256];
	int tries, fd;

	if (argc != 5 && argc != 6) {
		fprintf(stderr, "usage: lastwriter FILE LISTED PAYLOAD TRIES [UID]\n");
		return 2;
	}
	file = argv[1];
	tries = atoi(argv[4]);
	len = slurp(argv[2], listed);
	if (!len || slurp(argv[3], payload) != len) {
		errno = EINVAL;
		return fail("LISTED and PAYLOAD must have the same length");
	}
	if (argc == 6) {
		uid_t uid = (uid_t)atoi(argv[5]);

		if (setgroups(0, NULL) || setresgid(uid, uid, uid) || setresuid(uid, uid, uid))
			return fail("setresuid");
	}
	pthread_barrier_init(&opened, NULL, 2);
	want[0] = '\0';
	for (int i = 1; i <= tries; i++) {
		pthread_t t[2];

		fd = open(file, O_WRONLY | O_TRUNC | O_CREAT | O_CLOEXEC, 0755);
		if (fd < 0 || write(fd, listed, len) != (ssize_t)len || close(fd))
			return fail("write LISTED");
		run(out, sizeof(out));
		if (!want[0])
			strcpy(want, out);
		if (strcmp(out, want) || !strncmp(out, "refused", 7)) {
			printf("err EPERM listed bytes: %s\n", out);
			return 2;
		}
		ready = 0;
		pthread_create(&t[0], NULL, writer, "payload");
		pthread_create(&t[1], NULL, writer, NULL);
		pthread_join(t[0], NULL);
		pthread_join(t[1], NULL);
		run(out, sizeof(out));
		if (strncmp(out, "refused", 7)) {
			printf("ran after %d tries: %s\n", i, out);
			return 0;
		}
	}
	printf("refused every time (%d tries)\n", tries);
	return 1;
}
