// SPDX-License-Identifier: GPL-2.0-only
/*
 * The walk and the hashing behind `imaguard allowlist build`.
 *
 * One walker (the calling thread) reads directories through openat() on
 * descriptors it holds open, so no path is resolved twice and a symlink
 * swapped into the tree cannot redirect the walk: names are looked up one
 * component at a time with O_NOFOLLOW. The walker also opens each regular
 * file and checks with fstat() that the file it opened is the one fstatat()
 * saw; only then does the descriptor go to the hashing threads through a
 * bounded queue. Hashing threads read the first bytes, keep ELF files and #!
 * scripts, and hash them whole. The queue's bound also bounds the number of
 * open descriptors, and the allowlist sorts its entries when written, so the
 * order in which threads finish does not matter.
 */
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <linux/magic.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "allowlist/build.h"
#include "allowlist/allowlist.h"
#include "util/digest.h"
#include "util/log.h"
#include "util/utf8.h"

#define HEAD_LEN 4096		/* first read: type check, and hashed as well */
#define MAX_DEPTH 1024		/* directories held open at once, at most */
#define PROGRESS_NS 100000000L	/* progress line at most ten times a second */

struct job {
	int fd;
	char *path;
	off_t size;
};

/* A bounded FIFO of opened files, from the walker to the hashing threads. */
struct queue {
	pthread_mutex_t lock;
	pthread_cond_t not_empty, not_full;
	struct job *slots;
	size_t cap, head, count;
	bool closed;		/* the walker is done: workers drain and stop */
};

struct build {
	const struct build_opts *o;
	const char *source;
	struct allowlist *al;
	pthread_mutex_t al_lock;
	struct queue q;

	/* Atomic: the progress thread reads them while the others count. */
	_Atomic uint64_t files, hashed, bytes, other, special, excluded, vanished, failed, owned;
	_Atomic int fatal;	/* first error that stops the build, as -errno */

	/* Messages and the progress line share stderr: one lock, and a message
	 * first clears the line the progress thread drew. */
	pthread_mutex_t out_lock;
	pthread_cond_t progress_wake;
	bool progress_done, line_drawn;
	struct timespec started;

	/* The walker's current path; grows, may exceed PATH_MAX. */
	char *path;
	size_t path_cap;
	dev_t root_dev;
	size_t strip;		/* o->root's length: paths are recorded without it */
};

/* The walker's path as seen from inside o->root. */
static const char *inner(const struct build *b, const char *path)
{
	return path[b->strip] ? path + b->strip : "/";
}

static void build_msg(struct build *b, enum log_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void build_msg(struct build *b, enum log_level lvl, const char *fmt, ...)
{
	char text[PATH_MAX + 256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&b->out_lock);
	if (b->line_drawn) {
		fputs("\r\033[K", stderr);
		b->line_drawn = false;
	}
	log_msg(lvl, "%s", text);
	pthread_mutex_unlock(&b->out_lock);
}

static void count(_Atomic uint64_t *c, uint64_t n)
{
	atomic_fetch_add_explicit(c, n, memory_order_relaxed);
}

static uint64_t get(_Atomic uint64_t *c)
{
	return atomic_load_explicit(c, memory_order_relaxed);
}

static void set_fatal(struct build *b, int err)
{
	int none = 0;

	atomic_compare_exchange_strong(&b->fatal, &none, err);
}

/* ---- queue ------------------------------------------------------------- */

static int queue_init(struct queue *q, size_t cap)
{
	q->slots = calloc(cap, sizeof(*q->slots));
	if (!q->slots)
		return -ENOMEM;
	q->cap = cap;
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->not_empty, NULL);
	pthread_cond_init(&q->not_full, NULL);
	return 0;
}

static void queue_fini(struct queue *q)
{
	if (!q->slots)
		return;
	pthread_mutex_destroy(&q->lock);
	pthread_cond_destroy(&q->not_empty);
	pthread_cond_destroy(&q->not_full);
	free(q->slots);
}

static void queue_push(struct queue *q, const struct job *j)
{
	pthread_mutex_lock(&q->lock);
	while (q->count == q->cap)
		pthread_cond_wait(&q->not_full, &q->lock);
	q->slots[(q->head + q->count) % q->cap] = *j;
	q->count++;
	pthread_cond_signal(&q->not_empty);
	pthread_mutex_unlock(&q->lock);
}

static bool queue_pop(struct queue *q, struct job *j)
{
	bool got = false;

	pthread_mutex_lock(&q->lock);
	while (!q->count && !q->closed)
		pthread_cond_wait(&q->not_empty, &q->lock);
	if (q->count) {
		*j = q->slots[q->head];
		q->head = (q->head + 1) % q->cap;
		q->count--;
		got = true;
		pthread_cond_signal(&q->not_full);
	}
	pthread_mutex_unlock(&q->lock);
	return got;
}

static void queue_close(struct queue *q)
{
	pthread_mutex_lock(&q->lock);
	q->closed = true;
	pthread_cond_broadcast(&q->not_empty);
	pthread_mutex_unlock(&q->lock);
}

/* ---- content ------------------------------------------------------------ */

bool build_wanted(const void *head, size_t len)
{
	const unsigned char *h = head;

	if (len >= 4 && !memcmp(h, "\x7f" "ELF", 4))
		return true;
	return len >= 2 && h[0] == '#' && h[1] == '!';
}

bool build_wanted_name(const char *path)
{
	static const char *const suffixes[] = { ".ko.xz", ".ko.zst", ".ko.gz" };
	size_t n = strlen(path);

	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		size_t k = strlen(suffixes[i]);

		if (n > k && !strcmp(path + n - k, suffixes[i]))
			return true;
	}
	return false;
}

bool build_script_name(const char *path, const char *const *exts)
{
	const char *base = strrchr(path, '/');
	const char *dot;

	base = base ? base + 1 : path;
	dot = strrchr(base, '.');
	for (; exts && *exts; exts++) {
		if (!strcmp(*exts, "*"))
			return true;
		if (dot && !strcmp(dot + 1, *exts))
			return true;
		if (!dot && !**exts)
			return true; /* "": a name with no '.' */
	}
	return false;
}

/* Called by the hashing threads: classify, hash, add. */
static void hash_job(struct build *b, struct sha256_reader *r, const struct job *j)
{
	struct allowlist_entry e = { .source = (char *)b->source };
	unsigned char head[HEAD_LEN];
	uint64_t bytes = 0;
	ssize_t n;
	int err;

	do
		n = read(j->fd, head, sizeof(head));
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		build_msg(b, LOG_ERR, "cannot read '%s': %s", j->path, strerror(errno));
		count(&b->failed, 1);
		return;
	}
	if (!build_wanted(head, (size_t)n) && !build_wanted_name(j->path) &&
	    !build_script_name(j->path, b->o->script_exts)) {
		count(&b->other, 1);
		return;
	}
	/* Doubles the kernel's read-ahead for the rest of a large file; small
	 * files are read in one or two calls and gain nothing from it. */
	if (j->size > 1 << 20)
		posix_fadvise(j->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	err = sha256_reader_fd(r, j->fd, head, (size_t)n, e.digest, &bytes);
	if (err) {
		build_msg(b, LOG_ERR, "cannot read '%s': %s", j->path, strerror(-err));
		count(&b->failed, 1);
		return;
	}
	if (utf8_valid(j->path)) {
		e.path = (char *)inner(b, j->path);
	} else {
		build_msg(b, LOG_WARN, "'%s': path is not UTF-8; entry recorded without it",
			  j->path);
	}
	pthread_mutex_lock(&b->al_lock);
	err = allowlist_add(b->al, &e);
	pthread_mutex_unlock(&b->al_lock);
	if (err) {
		build_msg(b, LOG_ERR, "cannot add '%s': %s", j->path, strerror(-err));
		set_fatal(b, err);
		return;
	}
	count(&b->hashed, 1);
	count(&b->bytes, bytes);
}

static void *hash_thread(void *arg)
{
	struct build *b = arg;
	struct sha256_reader *r = sha256_reader_new();
	struct job j;

	if (!r)
		set_fatal(b, -ENOMEM);
	while (queue_pop(&b->q, &j)) {
		/* Without a reader, or after a fatal error, the queue is still
		 * drained so the walker never blocks on a full queue. */
		if (r && !atomic_load(&b->fatal))
			hash_job(b, r, &j);
		close(j.fd);
		free(j.path);
	}
	sha256_reader_free(r);
	return NULL;
}

/* ---- progress ------------------------------------------------------------ */

static double elapsed(const struct build *b)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - b->started.tv_sec) + (now.tv_nsec - b->started.tv_nsec) / 1e9;
}

/* Caller holds out_lock. */
static void draw_progress(struct build *b, bool final)
{
	double secs = elapsed(b), mb = get(&b->bytes) / 1e6;

	fprintf(stderr, "\rimaguard: %llu files, %llu hashed, %.1f MB, %.1f MB/s%s\033[K",
		(unsigned long long)get(&b->files), (unsigned long long)get(&b->hashed), mb,
		secs > 0 ? mb / secs : 0.0, final ? "" : " ...");
	if (final)
		fputc('\n', stderr);
	b->line_drawn = !final;
}

static void *progress_thread(void *arg)
{
	struct build *b = arg;
	struct timespec until;

	pthread_mutex_lock(&b->out_lock);
	while (!b->progress_done) {
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += PROGRESS_NS;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&b->progress_wake, &b->out_lock, &until);
		if (!b->progress_done)
			draw_progress(b, false);
	}
	draw_progress(b, true);
	pthread_mutex_unlock(&b->out_lock);
	return NULL;
}

/* ---- walk ---------------------------------------------------------------- */

static bool excluded(const struct build *b, const char *path)
{
	for (size_t i = 0; i < b->o->nexcludes; i++) {
		const char *x = b->o->excludes[i];
		size_t n = strlen(x);

		while (n > 1 && x[n - 1] == '/')
			n--;
		if (n == 1 && x[0] == '/')
			return true;
		/* Whole components: /usr/lib excludes /usr/lib/x, not /usr/lib64. */
		if (!strncmp(path, x, n) && (path[n] == '/' || !path[n]))
			return true;
	}
	return false;
}

static int path_push(struct build *b, size_t len, const char *name)
{
	size_t need = len + 1 + strlen(name) + 1;

	if (need > b->path_cap) {
		size_t cap = need * 2;
		char *p = realloc(b->path, cap);

		if (!p)
			return -ENOMEM;
		b->path = p;
		b->path_cap = cap;
	}
	/* The root "/" already ends in the separator. */
	if (len && b->path[len - 1] != '/')
		b->path[len++] = '/';
	strcpy(b->path + len, name);
	return 0;
}

static void walk_dir(struct build *b, int dfd, dev_t dev, int depth);

/* The walk saw st; fd is what open() gave. Anything else than the same
 * object means the name was replaced in between. */
static bool same_file(const struct stat *seen, const struct stat *got)
{
	return seen->st_dev == got->st_dev && seen->st_ino == got->st_ino &&
	       (seen->st_mode & S_IFMT) == (got->st_mode & S_IFMT);
}

static void visit_file(struct build *b, int fd, const struct stat *st)
{
	struct job j = { .fd = fd, .size = st->st_size, .path = strdup(b->path) };

	count(&b->files, 1);
	if (!j.path) {
		close(fd);
		set_fatal(b, -ENOMEM);
		return;
	}
	queue_push(&b->q, &j);
}

/*
 * Kernel interfaces that look like files: reading some of them has side
 * effects or never ends, and none holds a program. Checked only where the
 * walk crosses into another file system, so it costs one statfs per mount.
 */
static bool pseudo_fs(int fd)
{
	static const unsigned long magic[] = {
		PROC_SUPER_MAGIC,    SYSFS_MAGIC,	  DEBUGFS_MAGIC,   TRACEFS_MAGIC,
		SECURITYFS_MAGIC,    CGROUP_SUPER_MAGIC, CGROUP2_SUPER_MAGIC, DEVPTS_SUPER_MAGIC,
		BPF_FS_MAGIC,	     PSTOREFS_MAGIC,	  EFIVARFS_MAGIC,  SELINUX_MAGIC,
		SMACK_MAGIC,
	};
	struct statfs sf;

	if (fstatfs(fd, &sf))
		return false;
	for (size_t i = 0; i < sizeof(magic) / sizeof(magic[0]); i++)
		if ((unsigned long)sf.f_type == magic[i])
			return true;
	return false;
}

/* Visit the entry name in directory dfd, which is on dev (the path is
 * already in b->path). */
static void visit(struct build *b, int dfd, dev_t dev, const char *name, int depth)
{
	struct stat seen, got;
	int fd, flags = O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY;

	if (excluded(b, inner(b, b->path))) {
		count(&b->excluded, 1);
		return;
	}
	if (fstatat(dfd, name, &seen, AT_SYMLINK_NOFOLLOW)) {
		if (errno == ENOENT) {
			count(&b->vanished, 1);
			return;
		}
		build_msg(b, LOG_ERR, "cannot stat '%s': %s", b->path, strerror(errno));
		count(&b->failed, 1);
		return;
	}
	if (S_ISDIR(seen.st_mode)) {
		if (b->o->one_file_system && seen.st_dev != b->root_dev) {
			count(&b->excluded, 1);
			return;
		}
		flags |= O_DIRECTORY;
	} else if (S_ISREG(seen.st_mode)) {
		if (b->o->skip && b->o->skip(inner(b, b->path), b->o->skip_ctx)) {
			count(&b->owned, 1);
			return;
		}
		/* A FIFO swapped in after the fstatat would block the open. */
		flags |= O_NONBLOCK;
	} else {
		count(&b->special, 1);
		return;
	}
	fd = openat(dfd, name, flags);
	if (fd < 0) {
		if (errno == ENOENT) {
			count(&b->vanished, 1);
			return;
		}
		/* ELOOP: a symlink now stands where the walk saw a file. */
		build_msg(b, LOG_ERR, "cannot open '%s': %s", b->path,
			  errno == ELOOP ? "replaced by a symbolic link during the walk"
					 : strerror(errno));
		count(&b->failed, 1);
		return;
	}
	if (fstat(fd, &got) || !same_file(&seen, &got)) {
		build_msg(b, LOG_ERR, "skipping '%s': replaced during the walk", b->path);
		count(&b->failed, 1);
		close(fd);
		return;
	}
	if (S_ISDIR(got.st_mode)) {
		if (got.st_dev != dev && pseudo_fs(fd)) {
			count(&b->excluded, 1);
			close(fd);
			return;
		}
		walk_dir(b, fd, got.st_dev, depth + 1);
	} else
		visit_file(b, fd, &got);
}

/* Takes ownership of dfd, a directory on dev. */
static void walk_dir(struct build *b, int dfd, dev_t dev, int depth)
{
	size_t len = strlen(b->path);
	struct dirent *de;
	DIR *d;

	if (depth > MAX_DEPTH) {
		build_msg(b, LOG_ERR, "skipping '%s': more than %d directories deep", b->path,
			  MAX_DEPTH);
		count(&b->failed, 1);
		close(dfd);
		return;
	}
	d = fdopendir(dfd);
	if (!d) {
		build_msg(b, LOG_ERR, "cannot read directory '%s': %s", b->path, strerror(errno));
		count(&b->failed, 1);
		close(dfd);
		return;
	}
	for (;;) {
		errno = 0;
		de = readdir(d);
		if (!de) {
			if (errno) {
				b->path[len] = '\0';
				build_msg(b, LOG_ERR, "cannot read directory '%s': %s", b->path,
					  strerror(errno));
				count(&b->failed, 1);
			}
			break;
		}
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (atomic_load(&b->fatal))
			break;
		if (path_push(b, len, de->d_name)) {
			set_fatal(b, -ENOMEM);
			break;
		}
		visit(b, dirfd(d), dev, de->d_name, depth);
		b->path[len] = '\0';
	}
	closedir(d);
}

static void walk_root(struct build *b, const char *root)
{
	char *abs = NULL, *joined = NULL;
	struct stat st;
	int fd;

	if (b->strip && asprintf(&joined, "%s/%s", b->o->root, root) < 0) {
		set_fatal(b, -ENOMEM);
		return;
	}
	abs = realpath(joined ? joined : root, NULL);
	free(joined);
	/* Inside --root, a tree that resolves out of it is not the image's. */
	if (abs && b->strip && (strncmp(abs, b->o->root, b->strip) ||
				(abs[b->strip] && abs[b->strip] != '/'))) {
		build_msg(b, LOG_ERR, "skipping '%s': leads out of '%s'", root, b->o->root);
		count(&b->failed, 1);
		free(abs);
		return;
	}

	/* A symlink named on the command line is followed, as find -H does:
	 * /bin on a merged-/usr system is meant as /usr/bin. Below it, nothing
	 * is. Entries carry the resolved path, which is what the kernel sees. */
	if (!abs) {
		build_msg(b, LOG_ERR, "cannot resolve '%s': %s", root, strerror(errno));
		count(&b->failed, 1);
		return;
	}
	if (path_push(b, 0, abs)) {
		set_fatal(b, -ENOMEM);
		goto cleanup;
	}
	if (excluded(b, inner(b, b->path))) {
		count(&b->excluded, 1);
		goto cleanup;
	}
	fd = open(abs, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		build_msg(b, LOG_ERR, "cannot open '%s': %s", abs, strerror(errno));
		count(&b->failed, 1);
		goto cleanup;
	}
	if (fstat(fd, &st)) {
		build_msg(b, LOG_ERR, "cannot stat '%s': %s", abs, strerror(errno));
		count(&b->failed, 1);
		close(fd);
		goto cleanup;
	}
	b->root_dev = st.st_dev;
	if (pseudo_fs(fd)) {
		build_msg(b, LOG_WARN, "skipping '%s': a kernel pseudo file system", abs);
		count(&b->excluded, 1);
		close(fd);
	} else if (S_ISDIR(st.st_mode)) {
		walk_dir(b, fd, st.st_dev, 0);
	} else if (S_ISREG(st.st_mode)) {
		if (b->o->skip && b->o->skip(inner(b, b->path), b->o->skip_ctx)) {
			count(&b->owned, 1);
			close(fd);
		} else {
			visit_file(b, fd, &st);
		}
	} else {
		build_msg(b, LOG_WARN, "skipping '%s': not a regular file or directory", abs);
		count(&b->special, 1);
		close(fd);
	}
cleanup:
	free(abs);
}

/* Each queued file and each directory level holds a descriptor; the soft
 * limit is often 1024 while the hard one is far higher. */
static void raise_nofile(void)
{
	struct rlimit rl;

	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

int build_run(const struct build_opts *o, struct allowlist *al, struct build_stats *st)
{
	struct build b = { .o = o, .al = al, .source = o->source ? o->source : "file" };
	pthread_t *threads = NULL, progress;
	unsigned int jobs = o->jobs, started = 0;
	bool progress_started = false;
	int err = 0;

	if (!jobs) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);

		jobs = n > 0 ? (n > BUILD_MAX_JOBS ? BUILD_MAX_JOBS : (unsigned int)n) : 1;
	}
	/* o->root is resolved by the caller; "/" strips nothing. */
	if (o->root && strcmp(o->root, "/"))
		b.strip = strlen(o->root);
	raise_nofile();
	pthread_mutex_init(&b.al_lock, NULL);
	pthread_mutex_init(&b.out_lock, NULL);
	pthread_cond_init(&b.progress_wake, NULL);
	clock_gettime(CLOCK_MONOTONIC, &b.started);
	threads = calloc(jobs, sizeof(*threads));
	/* Enough queued files that no hashing thread waits for the walker
	 * while the walker is in a large directory of small files. */
	if (!threads || queue_init(&b.q, 64 * jobs)) {
		err = -ENOMEM;
		goto cleanup;
	}
	for (; started < jobs; started++) {
		err = -pthread_create(&threads[started], NULL, hash_thread, &b);
		if (err) {
			pr_err("cannot start a hashing thread: %s", strerror(-err));
			goto stop;
		}
	}
	if (o->progress && !pthread_create(&progress, NULL, progress_thread, &b))
		progress_started = true;

	for (size_t i = 0; i < o->nroots && !atomic_load(&b.fatal); i++)
		walk_root(&b, o->roots[i]);
stop:
	queue_close(&b.q);
	for (unsigned int i = 0; i < started; i++)
		pthread_join(threads[i], NULL);
	if (progress_started) {
		pthread_mutex_lock(&b.out_lock);
		b.progress_done = true;
		pthread_cond_signal(&b.progress_wake);
		pthread_mutex_unlock(&b.out_lock);
		pthread_join(progress, NULL);
	}
	if (!err)
		err = atomic_load(&b.fatal);
	*st = (struct build_stats){
		.files = get(&b.files),
		.hashed = get(&b.hashed),
		.bytes = get(&b.bytes),
		.other = get(&b.other),
		.special = get(&b.special),
		.excluded = get(&b.excluded),
		.vanished = get(&b.vanished),
		.failed = get(&b.failed),
		.owned = get(&b.owned),
	};
cleanup:
	queue_fini(&b.q);
	free(threads);
	free(b.path);
	pthread_mutex_destroy(&b.al_lock);
	pthread_mutex_destroy(&b.out_lock);
	pthread_cond_destroy(&b.progress_wake);
	return err;
}
