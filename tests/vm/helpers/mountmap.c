// SPDX-License-Identifier: GPL-2.0-only
/*
 * mountmap umount|detach|pivot ...: map a file executable, change the
 * mounts so that the file's name changes while its dentry and mount stay
 * the same, and map it again by the same access. Prints one line per map,
 *
 *   before|after <verdict> <name>
 *
 * (<verdict> "ok" or the refusal's errno name, <name> what the kernel
 * calls the file for this process: readlink of its descriptor in /proc),
 * and exits 0 when both maps were tried, 2 on a usage or setup error.
 *
 *   umount MNT FILE       from inside MNT (a mount point): MNT/FILE, then
 *                         umount2(MNT, MNT_DETACH), then FILE again from the
 *                         now detached mount.
 *   detach SRC MP FILE    a child in a mount namespace of its own binds the
 *                         directory SRC on MP and maps MP/FILE from inside;
 *                         this namespace removes MP (the kernel takes the
 *                         other namespace's mount off it); the child maps
 *                         FILE again.
 *   pivot DIR BIN FILE    in a mount namespace of its own: a tmpfs on DIR,
 *                         a second on DIR/q/new holding a copy of BIN as
 *                         FILE; a chroot to DIR; a child chrooted to /q
 *                         maps FILE from inside /new; pivot_root(2) puts that second
 *                         tmpfs in place of the first; the child (whose
 *                         root pivot_root leaves alone) maps it again.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define LEN 4096

static int proc_fd = -1;	/* /proc, opened before any chroot */

static void die(const char *what)
{
	fprintf(stderr, "mountmap: %s: %s\n", what, strerror(errno));
	exit(2);
}

/* One map of PATH: its line, into buf. */
static void map_line(const char *when, const char *path, char *buf, size_t len)
{
	char link[64], name[4096] = "?";
	const char *verdict = "ok";
	ssize_t n;
	void *p;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die(path);
	snprintf(link, sizeof(link), "self/fd/%d", fd);
	n = readlinkat(proc_fd, link, name, sizeof(name) - 1);
	if (n >= 0)
		name[n] = 0;
	p = mmap(NULL, LEN, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED)
		verdict = strerrorname_np(errno) ?: "?";
	else
		munmap(p, LEN);
	close(fd);
	snprintf(buf, len, "%s %s %s\n", when, verdict, name);
}

static void say(const char *when, const char *path)
{
	char line[4200];

	map_line(when, path, line, sizeof(line));
	fputs(line, stdout);
	fflush(stdout);
}

/* A child's line, sent to the parent. */
static void send_line(int fd, const char *when, const char *path)
{
	char line[4200];

	map_line(when, path, line, sizeof(line));
	if (write(fd, line, strlen(line)) < 0)
		die("write");
}

static void pass_line(int fd)
{
	char line[4200];
	ssize_t n = read(fd, line, sizeof(line) - 1);

	if (n <= 0) {
		fprintf(stderr, "mountmap: the child stopped before its map\n");
		exit(2);
	}
	line[n] = 0;
	fputs(line, stdout);
	fflush(stdout);
}

/* The ends of the two pipes each side keeps, so that either side's death
 * ends the other's wait. */
static pid_t fork_pair(int up[2], int down[2])
{
	pid_t pid;

	if (pipe(up) || pipe(down))
		die("pipe");
	pid = fork();
	if (pid < 0)
		die("fork");
	close(pid ? up[1] : up[0]);
	close(pid ? down[0] : down[1]);
	return pid;
}

static void wait_go(int fd)
{
	char c;

	if (read(fd, &c, 1) != 1)
		exit(2); /* the parent gave up */
}

static void go(int fd)
{
	if (write(fd, "g", 1) != 1)
		die("write");
}

static int reap(pid_t pid)
{
	int st;

	if (waitpid(pid, &st, 0) < 0)
		die("waitpid");
	return WIFEXITED(st) && !WEXITSTATUS(st) ? 0 : 2;
}

static void private_ns(void)
{
	if (unshare(CLONE_NEWNS))
		die("unshare");
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		die("mount --make-rprivate /");
}

static int do_umount(const char *mnt, const char *file)
{
	if (chdir(mnt))
		die(mnt);
	say("before", file);
	if (umount2(mnt, MNT_DETACH))
		die("umount -l");
	say("after", file);
	return 0;
}

static int do_detach(const char *src, const char *mp, const char *file)
{
	int up[2], down[2];
	pid_t pid;

	pid = fork_pair(up, down);
	if (!pid) {
		private_ns();
		if (mount(src, mp, NULL, MS_BIND, NULL))
			die("mount --bind");
		if (chdir(mp))
			die(mp);
		send_line(up[1], "before", file);
		wait_go(down[0]);
		send_line(up[1], "after", file);
		_exit(0);
	}
	pass_line(up[0]);
	if (rmdir(mp))
		die("rmdir");
	go(down[1]);
	pass_line(up[0]);
	return reap(pid);
}

static void copy(const char *from, const char *to)
{
	char buf[65536];
	int in, out;
	ssize_t n;

	in = open(from, O_RDONLY | O_CLOEXEC);
	out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0755);
	if (in < 0 || out < 0)
		die("copy");
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, n) != n)
			die("copy");
	if (n < 0 || close(out))
		die("copy");
	close(in);
}

static int pivot_child(const char *dir, const char *bin, const char *file)
{
	char path[4096];
	int up[2], down[2];
	pid_t pid;

	private_ns();
	if (mount("pv", dir, "tmpfs", 0, NULL))
		die("mount tmpfs");
	snprintf(path, sizeof(path), "%s/q", dir);
	if (mkdir(path, 0755))
		die("mkdir q");
	snprintf(path, sizeof(path), "%s/q/new", dir);
	if (mkdir(path, 0755) || mount("pvnew", path, "tmpfs", 0, NULL))
		die("mount q/new");
	snprintf(path, sizeof(path), "%s/q/new/old", dir);
	if (mkdir(path, 0755))
		die("mkdir q/new/old");
	snprintf(path, sizeof(path), "%s/q/new/%s", dir, file);
	copy(bin, path);
	/* pivot_root(2) needs a root that is a mount with a parent: not
	 * the initramfs. */
	if (chroot(dir) || chdir("/"))
		die("chroot");

	pid = fork_pair(up, down);
	if (!pid) {
		/* From inside the mount: /q/new is no mount point after. */
		if (chroot("/q") || chdir("/new"))
			die("chroot /q");
		send_line(up[1], "before", file);
		wait_go(down[0]);
		send_line(up[1], "after", file);
		_exit(0);
	}
	pass_line(up[0]);
	if (syscall(SYS_pivot_root, "/q/new", "/q/new/old"))
		die("pivot_root");
	go(down[1]);
	pass_line(up[0]);
	return reap(pid);
}

static int do_pivot(const char *dir, const char *bin, const char *file)
{
	pid_t pid = fork();

	if (pid < 0)
		die("fork");
	if (!pid)
		_exit(pivot_child(dir, bin, file)); /* this namespace keeps its mounts */
	return reap(pid);
}

int main(int argc, char **argv)
{
	proc_fd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (proc_fd < 0)
		die("/proc");
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 4 && !strcmp(argv[1], "umount"))
		return do_umount(argv[2], argv[3]);
	if (argc == 5 && !strcmp(argv[1], "detach"))
		return do_detach(argv[2], argv[3], argv[4]);
	if (argc == 5 && !strcmp(argv[1], "pivot"))
		return do_pivot(argv[2], argv[3], argv[4]);
	fprintf(stderr, "usage: mountmap umount MNT FILE | detach SRC MP FILE | pivot DIR BIN FILE\n");
	return 2;
}
