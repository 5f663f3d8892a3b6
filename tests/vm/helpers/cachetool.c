// SPDX-License-Identifier: GPL-2.0-only
/*
 * cachetool: the ways of changing a file that the hash cache must notice,
 * each done with the one system call it is about.
 *
 *   cachetool truncate PATH SIZE   truncate(2) by name: write access without an open
 *   cachetool mapwrite PATH OFF    open O_RDWR, map it MAP_SHARED|PROT_WRITE, close the
 *                                  fd, print "mapped", wait for a line on stdin, flip
 *                                  the byte at OFF through the map, unmap, print "done"
 *   cachetool memfd LISTED OTHER   a memfd holding LISTED is exec'd (fexecve in a
 *                                  child), then rewritten in place to OTHER and exec'd
 *                                  again: prints "<status> <status>" (exit codes,
 *                                  or "err <errno>" when fexecve failed)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static int die(const char *what)
{
	printf("err %s %s\n", strerrorname_np(errno) ?: "?", what);
	return 1;
}

static int mapwrite(const char *path, long off)
{
	char line[16];
	struct stat st;
	char *p;
	int fd;

	fd = open(path, O_RDWR);
	if (fd < 0 || fstat(fd, &st))
		return die("open");
	if (off < 0 || off >= st.st_size)
		return die("offset");
	p = mmap(NULL, st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return die("mmap");
	close(fd); /* the map alone keeps write access */
	printf("mapped\n");
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		return die("stdin");
	p[off] ^= 0x5a;
	if (munmap(p, st.st_size))
		return die("munmap");
	printf("done\n");
	return 0;
}

static int copy_into(int dst, const char *src)
{
	char buf[65536];
	ssize_t n;
	int fd = open(src, O_RDONLY);

	if (fd < 0 || ftruncate(dst, 0) || lseek(dst, 0, SEEK_SET))
		return -1;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (write(dst, buf, n) != n)
			return -1;
	close(fd);
	return n < 0 ? -1 : 0;
}

/* fexecve fd in a child; its exit status, or -errno of a failed exec. */
static int run_fd(int fd)
{
	int pipefd[2], status, err = 0;
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid == 0) {
		char *argv[] = { "memfd", NULL }, *envp[] = { NULL };
		int null = open("/dev/null", O_WRONLY);

		if (null >= 0)
			dup2(null, STDOUT_FILENO);
		fexecve(fd, argv, envp);
		err = errno;
		if (write(pipefd[1], &err, sizeof(err)) < 0)
			_exit(126);
		_exit(127);
	}
	close(pipefd[1]);
	if (read(pipefd[0], &err, sizeof(err)) != sizeof(err))
		err = 0;
	close(pipefd[0]);
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	if (err)
		return -err;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void print_status(int r)
{
	if (r < 0)
		printf("err %s", strerrorname_np(-r) ?: "?");
	else
		printf("%d", r);
}

static int memfd(const char *listed, const char *other)
{
	int fd = memfd_create("cachetool", MFD_CLOEXEC);
	int a, b;

	if (fd < 0)
		return die("memfd_create");
	if (copy_into(fd, listed))
		return die("copy");
	a = run_fd(fd);
	if (copy_into(fd, other))
		return die("copy");
	b = run_fd(fd);
	print_status(a);
	printf(" ");
	print_status(b);
	printf("\n");
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "truncate"))
		return truncate(argv[2], atol(argv[3])) ? die("truncate") : 0;
	if (argc == 4 && !strcmp(argv[1], "mapwrite"))
		return mapwrite(argv[2], atol(argv[3]));
	if (argc == 4 && !strcmp(argv[1], "memfd"))
		return memfd(argv[2], argv[3]);
	fprintf(stderr, "usage: cachetool truncate PATH SIZE | mapwrite PATH OFF | "
			"memfd LISTED OTHER\n");
	return 2;
}
