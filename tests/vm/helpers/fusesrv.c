// SPDX-License-Identifier: GPL-2.0-only
/*
 * fusesrv MNT FIRST THEN SWITCH [hang]: mount a FUSE file system on MNT
 * holding one file, MNT/f (mode 0755), and serve it from the background: its
 * bytes are FIRST's while the file SWITCH does not exist, THEN's once it
 * does. Each open drops the page cache (no FOPEN_KEEP_CACHE) and attributes
 * are never cached, so every exec reads what the server says now: a FUSE
 * server that lies after IMA's first read. Speaks /dev/fuse directly (no
 * libfuse).
 *
 * hang: every user may reach the file (allow_other), a read of it is never
 * answered, and opens keep the page cache (dropping it would wait on the
 * page the unanswered read holds): whatever reads it waits until the
 * connection is aborted (umount -f, or fusectl's abort).
 * Prints "err <ERRNO> <step>" and exits 1 on failure; exits 0 once mounted.
 * The server exits when MNT is unmounted.
 *
 * Beside f, a directory holds a file x with the same bytes: the directory is
 * MNT/a while SWITCH does not exist and MNT/b once it does, a rename done on
 * the server, which this kernel learns of only by looking the new name up.
 */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <linux/fuse.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#define BUF (256 * 1024)

static const char *first, *then, *sw;
static int hang;
static char content[64 * 1024];

static int fail(const char *step)
{
	printf("err %s %s\n", strerrorname_np(errno) ?: "?", step);
	return 1;
}

/* The file's bytes as the server tells them now. */
static size_t load(void)
{
	int fd = open(access(sw, F_OK) ? first : then, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return 0;
	n = read(fd, content, sizeof(content));
	close(fd);
	return n > 0 ? (size_t)n : 0;
}

enum { INO_F = 2, INO_DIR, INO_X };

/* The directory's name as the server tells it now. */
static const char *dir_name(void)
{
	return access(sw, F_OK) ? "a" : "b";
}

static void attr(struct fuse_attr *a, __u64 ino)
{
	bool dir = ino == FUSE_ROOT_ID || ino == INO_DIR;

	memset(a, 0, sizeof(*a));
	a->ino = ino;
	a->nlink = dir ? 2 : 1;
	a->mode = dir ? (S_IFDIR | 0755) : (S_IFREG | 0755);
	a->size = dir ? 0 : load();
	a->blksize = 4096;
	a->blocks = (a->size + 511) / 512;
}

static void reply(int fd, __u64 unique, int error, const void *data, size_t len)
{
	struct fuse_out_header oh = { .len = sizeof(oh) + len, .error = error, .unique = unique };
	struct iovec iov[2] = { { &oh, sizeof(oh) }, { (void *)data, len } };

	if (writev(fd, iov, data && len ? 2 : 1) < 0 && errno != ENOENT)
		perror("fusesrv: reply");
}

static void serve(int fd)
{
	static char buf[BUF];

	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		struct fuse_in_header *ih = (void *)buf;
		void *in = buf + sizeof(*ih);

		if (n < 0 && (errno == EINTR || errno == ENOENT || errno == EAGAIN))
			continue;
		if (n < (ssize_t)sizeof(*ih))
			return; /* ENODEV: unmounted */
		switch (ih->opcode) {
		case FUSE_INIT: {
			struct fuse_init_in *ii = in;
			struct fuse_init_out io = { .major = FUSE_KERNEL_VERSION,
						    .minor = ii->minor < 31 ? ii->minor : 31,
						    .max_readahead = ii->max_readahead,
						    .max_write = 4096 };

			reply(fd, ih->unique, 0, &io, sizeof(io));
			break;
		}
		case FUSE_LOOKUP: {
			struct fuse_entry_out eo = { 0 };

			if (ih->nodeid == FUSE_ROOT_ID && !strcmp(in, "f"))
				eo.nodeid = INO_F;
			else if (ih->nodeid == FUSE_ROOT_ID && !strcmp(in, dir_name()))
				eo.nodeid = INO_DIR;
			else if (ih->nodeid == INO_DIR && !strcmp(in, "x"))
				eo.nodeid = INO_X;
			if (!eo.nodeid) {
				reply(fd, ih->unique, -ENOENT, NULL, 0);
				break;
			}
			attr(&eo.attr, eo.nodeid);
			reply(fd, ih->unique, 0, &eo, sizeof(eo));
			break;
		}
		case FUSE_GETATTR: {
			struct fuse_attr_out ao = { 0 };

			attr(&ao.attr, ih->nodeid);
			reply(fd, ih->unique, 0, &ao, sizeof(ao));
			break;
		}
		case FUSE_OPEN: {
			struct fuse_open_out oo = { .open_flags = hang ? FOPEN_KEEP_CACHE : 0 };

			reply(fd, ih->unique, 0, &oo, sizeof(oo));
			break;
		}
		case FUSE_READ: {
			struct fuse_read_in *ri = in;
			size_t len = load(), off = ri->offset, want = ri->size;

			if (hang)
				break; /* never answered */
			off = off < len ? off : len;
			want = want < len - off ? want : len - off;
			reply(fd, ih->unique, 0, content + off, want);
			break;
		}
		case FUSE_RELEASE:
		case FUSE_FLUSH:
			reply(fd, ih->unique, 0, NULL, 0);
			break;
		case FUSE_FORGET:
		case FUSE_BATCH_FORGET:
		case FUSE_INTERRUPT:
			break; /* no reply */
		case FUSE_DESTROY:
			reply(fd, ih->unique, 0, NULL, 0);
			return;
		default:
			reply(fd, ih->unique, -ENOSYS, NULL, 0);
		}
	}
}

int main(int argc, char **argv)
{
	char opts[128];
	int fd, null;

	if (argc != 5 && !(argc == 6 && !strcmp(argv[5], "hang"))) {
		fprintf(stderr, "usage: fusesrv MNT FIRST THEN SWITCH [hang]\n");
		return 2;
	}
	first = argv[2];
	then = argv[3];
	sw = argv[4];
	hang = argc == 6;
	fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return fail("open");
	snprintf(opts, sizeof(opts), "fd=%d,rootmode=40000,user_id=%u,group_id=%u%s", fd,
		 (unsigned int)getuid(), (unsigned int)getgid(), hang ? ",allow_other" : "");
	if (mount("fusesrv", argv[1], "fuse", MS_NOSUID | MS_NODEV, opts))
		return fail("mount");
	switch (fork()) {
	case -1:
		return fail("fork");
	case 0:
		/* Off the caller's output: a shell's $(...) waits for it. */
		if ((null = open("/dev/null", O_RDWR)) < 0 || dup2(null, 0) < 0 ||
		    dup2(null, 1) < 0 || dup2(null, 2) < 0)
			_exit(1);
		serve(fd);
		_exit(0);
	}
	return 0;
}
