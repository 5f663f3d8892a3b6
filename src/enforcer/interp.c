// SPDX-License-Identifier: GPL-2.0-only
/*
 * Interpreters that were running before the chain was attached: the kernel
 * marks a task at the exec it judges (bpf/interp.bpf.h), so a shell or a
 * python started before then carries no mark and its scripts would go
 * unjudged. Once attached, the loader walks /proc, hashes each process's
 * program (/proc/PID/exe) and gives every task of one whose digest the
 * policy in force names the mark the kernel would have given it.
 *
 * The kernel stays the judge of every exec it saw: while the walk runs
 * (ig_interp_walk) each successful exec leaves its task storage, and the
 * loader stores its marks with BPF_NOEXIST, so a program exec'd during the
 * walk keeps the kernel's verdict, never the loader's older reading. The
 * live count (ig_interp_live) is raised before a store and given back when
 * the store fails: it never falls below the tasks marked.
 *
 * A task storage map takes a pidfd as its key from userspace. Before Linux
 * 6.9 pidfd_open takes a thread-group leader only (no PIDFD_THREAD): there
 * the other threads of a process running at the attach stay unmarked (the
 * threads it makes later inherit the mark of the thread making them).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "enforcer/priv.h"
#include "util/digest.h"
#include "util/log.h"

#ifndef PIDFD_THREAD
#define PIDFD_THREAD O_EXCL	/* a thread's id, not only a leader's (6.9) */
#endif

/* A program already hashed in this walk, by what names its content. */
struct exe_seen {
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
	bool interp;
	__u8 digest[IG_SHA256_LEN];
};

struct walk {
	struct enforcer *e;
	int set_fd;		/* the interpreters of the policy in force */
	int task_fd;		/* interp_task */
	bool by_thread;		/* pidfd_open takes any thread (PIDFD_THREAD) */
	bool again;		/* the second pass: threads left are counted once */
	struct exe_seen *seen;
	size_t nseen;
	unsigned int marked, failed, threads_left;
};

static int pidfd_open(pid_t pid, unsigned int flags)
{
	return (int)syscall(SYS_pidfd_open, pid, flags);
}

/* Whether the process behind pidfd is still running (so that /proc/PID
 * opened after pidfd was its own, not a new process's with the same id). */
static bool pidfd_alive(int pidfd)
{
	return !syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0);
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* Is the program exe (open) one of the policy's interpreters? Its digest in
 * digest; each program is hashed once per walk. */
static int exe_interp(struct walk *w, int exe, __u8 digest[IG_SHA256_LEN], bool *interp)
{
	struct ig_interp_key k;
	struct exe_seen *s;
	struct stat st;
	__u32 idx;
	int err;

	if (fstat(exe, &st))
		return -errno;
	for (size_t i = 0; i < w->nseen; i++) {
		s = &w->seen[i];
		if (s->dev == st.st_dev && s->ino == st.st_ino && s->size == st.st_size &&
		    s->mtime.tv_sec == st.st_mtim.tv_sec && s->mtime.tv_nsec == st.st_mtim.tv_nsec) {
			memcpy(digest, s->digest, IG_SHA256_LEN);
			*interp = s->interp;
			return 0;
		}
	}
	err = sha256_fd(exe, digest, NULL);
	if (err)
		return err;
	memcpy(k.digest, digest, IG_SHA256_LEN);
	*interp = !bpf_map_lookup_elem(w->set_fd, &k, &idx);
	s = realloc(w->seen, (w->nseen + 1) * sizeof(*s));
	if (s) { /* no memory to remember it: hashed again next time */
		w->seen = s;
		s = &w->seen[w->nseen++];
		s->dev = st.st_dev;
		s->ino = st.st_ino;
		s->size = st.st_size;
		s->mtime = st.st_mtim;
		s->interp = *interp;
		memcpy(s->digest, digest, IG_SHA256_LEN);
	}
	return 0;
}

/* Mark the task behind pidfd as running the interpreter digest, unless the
 * kernel has decided for it already (BPF_NOEXIST). */
static void mark_task(struct walk *w, int pidfd, const __u8 digest[IG_SHA256_LEN])
{
	struct ig_interp_task m = { .interp = 1 };
	__u64 *live = &w->e->skel->data_live->ig_interp_live;

	memcpy(m.digest, digest, IG_SHA256_LEN);
	/* Up before the store, so that the count never falls below the marks. */
	__atomic_fetch_add(live, 1, __ATOMIC_SEQ_CST);
	if (!bpf_map_update_elem(w->task_fd, &pidfd, &m, BPF_NOEXIST)) {
		/* After the store: a script filter's memo of this task as
		 * running none is stale from here (bpf/interp.bpf.h). */
		__atomic_fetch_add(&w->e->skel->data_live->ig_interp_gen, 1, __ATOMIC_SEQ_CST);
		w->marked++;
		return;
	}
	if (errno != EEXIST && errno != ESRCH)
		w->failed++; /* no memory: this task's scripts go unjudged */
	__atomic_fetch_sub(live, 1, __ATOMIC_SEQ_CST);
}

/* Every thread of process pid (its leader's pidfd open) that this kernel
 * lets us name. */
static void mark_threads(struct walk *w, pid_t pid, int pidfd, const __u8 digest[IG_SHA256_LEN])
{
	char dir[64];
	struct dirent *d;
	DIR *td;

	mark_task(w, pidfd, digest);
	snprintf(dir, sizeof(dir), "/proc/%d/task", (int)pid);
	td = opendir(dir);
	if (!td)
		return;
	while ((d = readdir(td))) {
		pid_t tid;
		int tfd;

		if (!all_digits(d->d_name))
			continue;
		tid = (pid_t)atoi(d->d_name);
		if (tid == pid)
			continue; /* the leader, marked above */
		if (!w->by_thread) {
			w->threads_left += !w->again;
			continue;
		}
		tfd = pidfd_open(tid, PIDFD_THREAD);
		if (tfd < 0)
			continue; /* gone meanwhile */
		mark_task(w, tfd, digest);
		close(tfd);
	}
	closedir(td);
}

static void mark_process(struct walk *w, pid_t pid)
{
	__u8 digest[IG_SHA256_LEN];
	bool interp = false;
	char path[64];
	int pidfd, exe;

	pidfd = pidfd_open(pid, 0);
	if (pidfd < 0)
		return; /* gone */
	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	exe = open(path, O_RDONLY | O_CLOEXEC);
	/* A kernel thread has no program; an exe gone cannot be hashed (a
	 * documented limit: such a process stays unmarked). */
	if (exe >= 0 && pidfd_alive(pidfd) && !exe_interp(w, exe, digest, &interp) && interp)
		mark_threads(w, pid, pidfd, digest);
	if (exe >= 0)
		close(exe);
	close(pidfd);
}

static void walk_proc(struct walk *w)
{
	struct dirent *d;
	DIR *proc = opendir("/proc");

	if (!proc) {
		pr_warn("cannot read /proc to mark the interpreters already running: %s",
			strerror(errno));
		return;
	}
	while ((d = readdir(proc)))
		if (all_digits(d->d_name))
			mark_process(w, (pid_t)atoi(d->d_name));
	closedir(proc);
}

int enforcer_interp_mark_running(struct enforcer *e)
{
	struct enforcer_bpf__bss bss;
	LIBBPF_OPTS(bpf_get_fd_by_id_opts, ro, .open_flags = BPF_F_RDONLY);
	struct walk w = { .e = e, .set_fd = -1 };
	__u32 slot, id = 0;
	int fd, err;

	if (!e->skel)
		return 0; /* an adopted chain was attached all along: it saw every exec */
	err = bss_read(e, &bss);
	if (err)
		return err;
	slot = bss.ig_policy & 1;
	if (!((bss.ig_interp_slots >> slot) & 1))
		return 0; /* the policy in force names no interpreter */
	if (bpf_map_lookup_elem(e->fds[EM_INTERPS], &slot, &id) || !id)
		return 0;
	w.set_fd = bpf_map_get_fd_by_id_opts(id, &ro);
	if (w.set_fd < 0)
		return -errno;
	w.task_fd = bpf_map__fd(e->skel->maps.interp_task);
	fd = pidfd_open(getpid(), PIDFD_THREAD);
	w.by_thread = fd >= 0;
	if (fd >= 0)
		close(fd);

	BSS_SET(e, ig_interp_walk, 1);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	/* Twice: a process forked during the first pass from one not yet
	 * marked, under an id the first pass had gone by, is met by the
	 * second (one forked after its parent's mark inherits it). */
	walk_proc(&w);
	w.again = true;
	walk_proc(&w);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	BSS_SET(e, ig_interp_walk, 0);

	pr_info("%u tasks already running an interpreter marked", w.marked);
	if (w.failed)
		pr_warn("%u tasks running an interpreter could not be marked: their scripts "
			"go unjudged", w.failed);
	if (w.threads_left)
		pr_warn("%u threads of interpreters running before the attach left unmarked: "
			"this kernel names a process's leader only (pidfd_open)", w.threads_left);
	free(w.seen);
	close(w.set_fd);
	return 0;
}
