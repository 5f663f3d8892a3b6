// SPDX-License-Identifier: GPL-2.0-only
/*
 * renameloop DIR SECONDS THREADS: THREADS threads, all on CPU 0, each moving
 * its own directory DIR/<n>/a to DIR/<n>/b and back by rename(2) for
 * SECONDS. With the kernel preemptible everywhere (preempt=full), a thread
 * preempted inside the program that runs after vfs_rename leaves it busy on
 * that CPU, and the next thread's rename there finds it so: the kernel
 * skips that run and counts a recursion miss. Prints "renames N"; exits 2
 * on a usage or setup error or a rename that failed.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static const char *dir;
static atomic_bool stop;
static atomic_ulong renames;
static atomic_int failed;

static void *mover(void *arg)
{
	long n = (long)arg;
	char a[4096], b[4096];
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(0, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		perror("renameloop: sched_setaffinity"); /* still runs, races less */
	snprintf(a, sizeof(a), "%s/%ld/a", dir, n);
	snprintf(b, sizeof(b), "%s/%ld/b", dir, n);
	while (!atomic_load(&stop)) {
		if (rename(a, b) || rename(b, a)) {
			fprintf(stderr, "renameloop: rename in '%s/%ld': %s\n", dir, n,
				strerror(errno));
			atomic_store(&failed, 1);
			atomic_store(&stop, true);
			break;
		}
		atomic_fetch_add(&renames, 2);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	struct timespec t = { 0 };
	pthread_t th[64];
	long secs, n;
	char p[4096];

	if (argc != 4 || (secs = atol(argv[2])) <= 0 || (n = atol(argv[3])) <= 0 || n > 64) {
		fprintf(stderr, "usage: renameloop DIR SECONDS THREADS (1-64)\n");
		return 2;
	}
	dir = argv[1];
	for (long i = 0; i < n; i++) {
		snprintf(p, sizeof(p), "%s/%ld", dir, i);
		if (mkdir(p, 0755) && errno != EEXIST)
			goto setup;
		snprintf(p, sizeof(p), "%s/%ld/a", dir, i);
		if (mkdir(p, 0755) && errno != EEXIST)
			goto setup;
	}
	for (long i = 0; i < n; i++)
		if (pthread_create(&th[i], NULL, mover, (void *)i)) {
			fprintf(stderr, "renameloop: cannot start a thread\n");
			return 2;
		}
	t.tv_sec = secs;
	nanosleep(&t, NULL);
	atomic_store(&stop, true);
	for (long i = 0; i < n; i++)
		pthread_join(th[i], NULL);
	printf("renames %lu\n", atomic_load(&renames));
	return atomic_load(&failed) ? 2 : 0;
setup:
	fprintf(stderr, "renameloop: mkdir '%s': %s\n", p, strerror(errno));
	return 2;
}
