// SPDX-License-Identifier: GPL-2.0-only
/*
 * renamerace map|open rename|move|move_mount FROM TO ROUNDS [SUB]: move
 * FROM to TO and back ROUNDS times, by rename(2), by mount(2) MS_MOVE or by
 * move_mount(2) (FROM a mount point, TO an empty directory, for both),
 * while a second thread, on another CPU,
 * keeps reaching the file by whatever name it has: an executable map of one
 * descriptor held open (map), or an open and close of its FROM name (open),
 * for as long as each move takes.
 * The file is FROM itself, or FROM/SUB when SUB is given (a directory or a
 * mount moved). Between the LSM hook and the kernel's move, that thread
 * sees the old name; whatever it leaves remembered then must not outlive
 * the move.
 *
 * After each move the main thread (comm "checker"; the other is "racer")
 * reaches the file once itself:
 *   map:  TO is in a directory whose maps a rule denies, FROM in one where
 *         they are allowed: the map by the TO name must be refused (EPERM)
 *         and the map by the FROM name allowed. Each wrong verdict counts.
 *   open: TO is in a directory an audit rule watches: each open by the TO
 *         name must be recorded, which the caller counts in the events
 *         (comm checker).
 * Prints "rounds N wrong W racer R" (N: rounds done, R: the racer's
 * accesses) and exits 1 when W > 0, 2 on a usage or setup error or a move
 * that failed.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <unistd.h>

#define LEN 4096

static char from[4096], to[4096];	/* the file's two names */
static bool open_mode;
static enum { BY_RENAME, BY_MS_MOVE, BY_MOVE_MOUNT } how;
static int fd = -1;
static atomic_bool stop, moving;
static atomic_ulong racer_n;

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set); /* best effort: one CPU still races, less often */
}

/* 0: allowed, else the errno of the refusal. */
static int map_once(void)
{
	void *p = mmap(NULL, LEN, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);

	if (p == MAP_FAILED)
		return errno;
	munmap(p, LEN);
	return 0;
}

static void open_once(const char *path)
{
	int f = open(path, O_RDONLY | O_CLOEXEC);

	if (f >= 0)
		close(f);
}

static void *racer(void *arg)
{
	(void)arg;
	pin(1);
	prctl(PR_SET_NAME, "racer");
	while (!atomic_load(&stop)) {
		/* Only while a move is under way: the window is inside it, and
		 * accesses outside it would only flood the events. */
		if (!atomic_load(&moving))
			continue;
		if (open_mode)
			open_once(from);
		else
			map_once();
		atomic_fetch_add(&racer_n, 1);
	}
	return NULL;
}

static int do_move(const char *a, const char *b)
{
	static const char *const name[] = { "rename", "mount --move", "move_mount" };
	int err;

	atomic_store(&moving, true);
	if (how == BY_MS_MOVE)
		err = mount(a, b, NULL, MS_MOVE, NULL);
	else if (how == BY_MOVE_MOUNT)
		err = move_mount(AT_FDCWD, a, AT_FDCWD, b, 0);
	else
		err = rename(a, b);
	atomic_store(&moving, false);
	if (!err)
		return 0;
	fprintf(stderr, "renamerace: %s %s %s: %s\n", name[how], a, b, strerror(errno));
	return -1;
}

int main(int argc, char **argv)
{
	unsigned long rounds, i, wrong = 0;
	pthread_t t;
	int err;

	if ((argc != 6 && argc != 7) || (strcmp(argv[1], "map") && strcmp(argv[1], "open")) ||
	    (strcmp(argv[2], "rename") && strcmp(argv[2], "move") &&
	     strcmp(argv[2], "move_mount")) ||
	    !(rounds = strtoul(argv[5], NULL, 10))) {
		fprintf(stderr,
			"usage: renamerace map|open rename|move|move_mount FROM TO ROUNDS [SUB]\n");
		return 2;
	}
	open_mode = !strcmp(argv[1], "open");
	how = !strcmp(argv[2], "move") ? BY_MS_MOVE :
	      !strcmp(argv[2], "move_mount") ? BY_MOVE_MOUNT : BY_RENAME;
	snprintf(from, sizeof(from), "%s%s%s", argv[3], argc == 7 ? "/" : "", argc == 7 ? argv[6] : "");
	snprintf(to, sizeof(to), "%s%s%s", argv[4], argc == 7 ? "/" : "", argc == 7 ? argv[6] : "");
	fd = open(from, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "renamerace: %s: %s\n", from, strerror(errno));
		return 2;
	}
	pin(0);
	prctl(PR_SET_NAME, "checker");
	if (pthread_create(&t, NULL, racer, NULL)) {
		fprintf(stderr, "renamerace: cannot start the racer\n");
		return 2;
	}
	for (i = 0; i < rounds; i++) {
		if (do_move(argv[3], argv[4]))
			break;
		if (open_mode) {
			open_once(to);
		} else if ((err = map_once()) != EPERM) {
			wrong++;
			fprintf(stderr, "round %lu: map of %s %s\n", i, to,
				err ? strerror(err) : "allowed");
		}
		if (do_move(argv[4], argv[3]))
			break;
		if (!open_mode && (err = map_once()) != 0) {
			wrong++;
			fprintf(stderr, "round %lu: map of %s refused: %s\n", i, from, strerror(err));
		}
	}
	atomic_store(&stop, true);
	pthread_join(t, NULL);
	printf("rounds %lu wrong %lu racer %lu\n", i, wrong, atomic_load(&racer_n));
	if (i < rounds)
		return 2;
	return wrong ? 1 : 0;
}
