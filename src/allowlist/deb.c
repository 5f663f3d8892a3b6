// SPDX-License-Identifier: GPL-2.0-only
/*
 * A .deb is an ar archive: "debian-binary" ("2.0\n"), then control.tar[.*]
 * (the package's metadata; ./control holds Package and Version), then
 * data.tar[.*] (the files as installed), in that order (deb(5)). Each tar
 * member is read as a second libarchive archive whose input is the outer
 * archive's current member, so one sequential pass over the file decodes,
 * classifies and hashes everything and nothing is written anywhere. The
 * order lets the source be known before the first file is hashed; a package
 * with data before control is refused, as dpkg refuses it.
 */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "allowlist/allowlist.h"
#include "allowlist/build.h"
#include "allowlist/deb.h"
#include "util/log.h"
#include "util/utf8.h"

#define CHUNK (128 * 1024)	/* as util/sha256.c reads files */
#define HEAD_MIN 4		/* enough bytes for build_wanted() */
#define CONTROL_MAX (1 << 20)	/* dpkg's control files are a few KiB */
#define WHY_LEN 512
#define PROGRESS_NS 100000000L	/* progress line at most ten times a second */

/* Per thread: the fetched algorithm, a context and a buffer, reused. */
struct hasher {
	EVP_MD *md;
	EVP_MD_CTX *ctx;
	unsigned char *buf;
};

static void hasher_free(struct hasher *h)
{
	free(h->buf);
	EVP_MD_CTX_free(h->ctx);
	EVP_MD_free(h->md);
}

static int hasher_init(struct hasher *h)
{
	h->md = EVP_MD_fetch(NULL, "SHA256", NULL);
	h->ctx = EVP_MD_CTX_new();
	h->buf = malloc(CHUNK);
	if (!h->md || !h->ctx || !h->buf) {
		hasher_free(h);
		return -ENOMEM;
	}
	return 0;
}

static int fail(char *why, size_t len, int err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(char *why, size_t len, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
	return err;
}

/* libarchive's own words, which say "truncated" or name the bad header. */
static int archive_fail(struct archive *a, char *why, size_t len, const char *what)
{
	const char *s = archive_error_string(a);
	int e = archive_errno(a);

	return fail(why, len, -EINVAL, "%s: %s", what, s ? s : strerror(e > 0 ? e : EIO));
}

/* ---- the member as an archive of its own --------------------------------- */

struct member {
	struct archive *outer;
	_Atomic uint64_t *bytes;	/* package bytes read, for progress; may be NULL */
	char *why;		/* the outer archive's error, which names the real cause */
	size_t whylen;
	bool failed;
};

static la_ssize_t member_read(struct archive *inner, void *data, const void **buf)
{
	struct member *m = data;
	size_t size;
	la_int64_t offset;
	int r = archive_read_data_block(m->outer, buf, &size, &offset);

	if (r == ARCHIVE_EOF)
		return 0;
	if (r == ARCHIVE_OK && m->bytes)
		atomic_fetch_add_explicit(m->bytes, size, memory_order_relaxed);
	if (r != ARCHIVE_OK) {
		m->failed = true;
		archive_fail(m->outer, m->why, m->whylen, "cannot read the package");
		archive_set_error(inner, EIO, "%s", m->why);
		return -1;
	}
	return (la_ssize_t)size;
}

static struct archive *member_open(struct member *m)
{
	struct archive *a = archive_read_new();

	/* The compressions deb(5) allows, and none other: no external
	 * programs are ever run for a filter. */
	if (!a || archive_read_support_format_tar(a) != ARCHIVE_OK ||
	    archive_read_support_filter_gzip(a) != ARCHIVE_OK ||
	    archive_read_support_filter_xz(a) != ARCHIVE_OK ||
	    archive_read_support_filter_zstd(a) != ARCHIVE_OK ||
	    archive_read_support_filter_bzip2(a) != ARCHIVE_OK ||
	    archive_read_support_filter_lzma(a) != ARCHIVE_OK ||
	    archive_read_open(a, m, NULL, member_read, NULL) != ARCHIVE_OK) {
		if (a && !m->failed)
			archive_fail(a, m->why, m->whylen, "cannot open a member");
		archive_read_free(a);
		return NULL;
	}
	return a;
}

/* The inner archive's error, unless the outer one failed under it. */
static int inner_fail(struct member *m, struct archive *in, const char *what)
{
	if (m->failed)
		return -EINVAL;
	return archive_fail(in, m->why, m->whylen, what);
}

/* ---- control ---------------------------------------------------------------- */

/* "Name: value" at a line's start (deb822 field names are case-insensitive). */
static int control_field(const char *text, size_t len, const char *name, char **out)
{
	size_t nlen = strlen(name);

	for (size_t at = 0; at < len;) {
		const char *line = text + at, *nl = memchr(line, '\n', len - at);
		size_t llen = nl ? (size_t)(nl - line) : len - at;

		at += llen + 1;
		if (llen <= nlen || strncasecmp(line, name, nlen) || line[nlen] != ':')
			continue;
		line += nlen + 1;
		llen -= nlen + 1;
		while (llen && (*line == ' ' || *line == '\t'))
			line++, llen--;
		while (llen && (line[llen - 1] == ' ' || line[llen - 1] == '\t' ||
				line[llen - 1] == '\r'))
			llen--;
		for (size_t i = 0; i < llen; i++)
			if ((unsigned char)line[i] <= ' ' || (unsigned char)line[i] >= 0x7f)
				return -EINVAL;
		if (!llen)
			return -EINVAL;
		*out = strndup(line, llen);
		return *out ? 0 : -ENOMEM;
	}
	return -ENOENT;
}

static int read_control(struct member *m, struct deb_pkg *pkg)
{
	struct archive *in = member_open(m);
	struct archive_entry *e;
	char *text = NULL;
	size_t len = 0;
	int r, err = 0;
	bool found = false;

	if (!in)
		return -EINVAL;
	while (!found && (r = archive_read_next_header(in, &e)) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname(e);

		if (!name || (strcmp(name, "./control") && strcmp(name, "control")))
			continue;
		if (archive_entry_filetype(e) != AE_IFREG) {
			err = fail(m->why, m->whylen, -EINVAL, "control is not a regular file");
			goto cleanup;
		}
		found = true;
		text = malloc(CONTROL_MAX);
		if (!text) {
			err = -ENOMEM;
			goto cleanup;
		}
		for (;;) {
			la_ssize_t n = archive_read_data(in, text + len, CONTROL_MAX - len);

			if (n < 0) {
				err = inner_fail(m, in, "cannot read control");
				goto cleanup;
			}
			if (!n)
				break;
			len += (size_t)n;
			if (len == CONTROL_MAX) {
				err = fail(m->why, m->whylen, -EFBIG, "control is larger than %d bytes",
					   CONTROL_MAX);
				goto cleanup;
			}
		}
	}
	if (!found) {
		if (r != ARCHIVE_EOF)
			err = inner_fail(m, in, "cannot read control.tar");
		else
			err = fail(m->why, m->whylen, -EINVAL, "control.tar has no control file");
		goto cleanup;
	}
	err = control_field(text, len, "Package", &pkg->package);
	if (!err)
		err = control_field(text, len, "Version", &pkg->version);
	if (err == -ENOENT || err == -EINVAL) {
		err = fail(m->why, m->whylen, -EINVAL, "control has no valid %s field",
			   pkg->package ? "Version" : "Package");
		goto cleanup;
	}
	if (err)
		goto cleanup;
	if (asprintf(&pkg->source, "deb:%s=%s", pkg->package, pkg->version) < 0) {
		pkg->source = NULL;
		err = -ENOMEM;
	}
cleanup:
	free(text);
	archive_read_free(in);
	return err;
}

/* ---- data ------------------------------------------------------------------- */

/* "./usr/bin/x", "usr/bin/x" or "/usr/bin/x": "/usr/bin/x". NULL for the
 * root itself; -EINVAL for a ".." component, which would install outside. */
static int installed_path(const char *name, char **out)
{
	const char *p = name;

	*out = NULL;
	for (;;) {
		if (p[0] == '/')
			p++;
		else if (p[0] == '.' && (p[1] == '/' || !p[1]))
			p += 1;
		else
			break;
	}
	for (const char *c = p; *c;) {
		size_t n = strcspn(c, "/");

		if (n == 2 && c[0] == '.' && c[1] == '.')
			return -EINVAL;
		c += n;
		c += *c == '/';
	}
	if (!*p)
		return 0;
	if (asprintf(out, "/%s", p) < 0) {
		*out = NULL;
		return -ENOMEM;
	}
	return 0;
}

static int pkg_append(struct deb_pkg *pkg, char *path, const uint8_t digest[SHA256_LEN])
{
	if (pkg->count == pkg->cap) {
		size_t cap = pkg->cap ? 2 * pkg->cap : 16;
		struct deb_file *f = realloc(pkg->files, cap * sizeof(*f));

		if (!f)
			return -ENOMEM;
		pkg->files = f;
		pkg->cap = cap;
	}
	pkg->files[pkg->count].path = path;
	memcpy(pkg->files[pkg->count].digest, digest, SHA256_LEN);
	pkg->count++;
	return 0;
}

/* A hard link shares its target's content: listed when the target is. */
static int add_hardlink(struct deb_pkg *pkg, const char *target, char *path)
{
	char *t;
	int err = installed_path(target, &t);

	if (err)
		return err;
	for (size_t i = 0; t && i < pkg->count; i++) {
		if (pkg->files[i].path && !strcmp(pkg->files[i].path, t)) {
			free(t);
			return pkg_append(pkg, path, pkg->files[i].digest);
		}
	}
	free(t);
	free(path);
	return 0;
}

/* The current entry's content: classified on its first bytes, hashed whole
 * when wanted, or skipped. *wanted says which. */
static int hash_entry(struct hasher *h, struct member *m, struct archive *in, struct deb_pkg *pkg,
		      uint8_t digest[SHA256_LEN], bool *wanted)
{
	size_t have = 0;
	uint64_t total;
	la_ssize_t n;

	*wanted = false;
	do {
		n = archive_read_data(in, h->buf + have, CHUNK - have);
		if (n < 0)
			return inner_fail(m, in, "cannot read data.tar");
		have += (size_t)n;
	} while (n && have < HEAD_MIN);
	if (!build_wanted(h->buf, have))
		return 0;
	*wanted = true;
	total = have;
	if (!EVP_DigestInit_ex2(h->ctx, h->md, NULL) || !EVP_DigestUpdate(h->ctx, h->buf, have))
		return -EIO;
	while ((n = archive_read_data(in, h->buf, CHUNK)) > 0) {
		if (!EVP_DigestUpdate(h->ctx, h->buf, (size_t)n))
			return -EIO;
		total += (uint64_t)n;
	}
	if (n < 0)
		return inner_fail(m, in, "cannot read data.tar");
	if (!EVP_DigestFinal_ex(h->ctx, digest, NULL))
		return -EIO;
	pkg->bytes += total;
	return 0;
}

static int read_data(struct hasher *h, struct member *m, struct deb_pkg *pkg)
{
	struct archive *in = member_open(m);
	struct archive_entry *e;
	int r, err = 0;

	if (!in)
		return -EINVAL;
	while ((r = archive_read_next_header(in, &e)) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname(e), *link = archive_entry_hardlink(e);
		uint8_t digest[SHA256_LEN];
		char *path;
		bool wanted;

		if (!name)
			name = archive_entry_pathname_utf8(e);
		if (!name) {
			err = fail(m->why, m->whylen, -EINVAL, "data.tar: a member without a name");
			break;
		}
		err = installed_path(name, &path);
		if (err == -EINVAL)
			fail(m->why, m->whylen, err, "data.tar: '%s' leads outside the root", name);
		if (err)
			break;
		if (path && !utf8_valid(path)) {
			pr_warn("'%s': path is not UTF-8; entry recorded without it", path);
			free(path);
			path = NULL;
		}
		if (link) {
			err = add_hardlink(pkg, link, path);
			if (err == -EINVAL)
				fail(m->why, m->whylen, err, "data.tar: '%s' leads outside the root",
				     link);
			if (err)
				break;
			continue;
		}
		if (archive_entry_filetype(e) != AE_IFREG) {
			pkg->special++;
			free(path);
			continue;
		}
		pkg->regular++;
		err = hash_entry(h, m, in, pkg, digest, &wanted);
		if (!err && wanted)
			err = pkg_append(pkg, path, digest);
		else
			free(path);
		if (err)
			break;
	}
	if (!err && r != ARCHIVE_EOF)
		err = inner_fail(m, in, "cannot read data.tar");
	archive_read_free(in);
	return err;
}

/* ---- the package -------------------------------------------------------------- */

/* "control.tar", "control.tar.xz", ...: the member named stem, compressed or not. */
static bool member_is(const char *name, const char *stem)
{
	size_t n = strlen(stem);

	return !strncmp(name, stem, n) && (!name[n] || name[n] == '.');
}

static int check_format(struct archive *a, char *why, size_t len)
{
	char v[16];
	la_ssize_t n = archive_read_data(a, v, sizeof(v) - 1);

	if (n < 0)
		return archive_fail(a, why, len, "cannot read the package");
	v[n] = '\0';
	/* dpkg reads any 2.x: the minor version is for additions it can skip. */
	if (strncmp(v, "2.", 2) || !strchr(v, '\n'))
		return fail(why, len, -EINVAL, "not a Debian binary package (format '%.*s')",
			    (int)strcspn(v, "\n"), v);
	return 0;
}

static int read_pkg(struct hasher *h, const char *path, struct deb_pkg *pkg, char *why,
		    size_t whylen, _Atomic uint64_t *bytes)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	struct member m = { .why = why, .whylen = whylen, .bytes = bytes };
	bool seen_format = false, seen_control = false, seen_data = false;
	int r, err = 0;

	if (!a)
		return fail(why, whylen, -ENOMEM, "%s", strerror(ENOMEM));
	m.outer = a;
	if (archive_read_support_format_ar(a) != ARCHIVE_OK ||
	    archive_read_open_filename(a, path, CHUNK) != ARCHIVE_OK) {
		err = archive_fail(a, why, whylen, "cannot open");
		goto cleanup;
	}
	while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname(e);

		if (!name)
			name = "";
		if (!seen_format) {
			if (strcmp(name, "debian-binary")) {
				err = fail(why, whylen, -EINVAL, "not a Debian binary package (first "
					   "member '%s', not debian-binary)", name);
				goto cleanup;
			}
			err = check_format(a, why, whylen);
			if (err)
				goto cleanup;
			seen_format = true;
		} else if (member_is(name, "control.tar") && !seen_control) {
			err = read_control(&m, pkg);
			if (err)
				goto cleanup;
			seen_control = true;
		} else if (member_is(name, "data.tar") && !seen_data) {
			if (!seen_control) {
				err = fail(why, whylen, -EINVAL, "data.tar comes before control.tar");
				goto cleanup;
			}
			err = read_data(h, &m, pkg);
			if (err)
				goto cleanup;
			seen_data = true;
		} else if (name[0] != '_') {
			/* deb(5): members starting with '_' may be added; others not. */
			err = fail(why, whylen, -EINVAL, "unexpected member '%s'", name);
			goto cleanup;
		}
	}
	/* Reading on to the end catches a file cut after its last member that
	 * still ends in a complete tar, and trailing garbage. */
	if (r != ARCHIVE_EOF) {
		err = archive_fail(a, why, whylen, "cannot read the package");
		goto cleanup;
	}
	if (!seen_format || !seen_control || !seen_data)
		err = fail(why, whylen, -EINVAL, "not a Debian binary package (no %s member)",
			   !seen_format ? "debian-binary" : !seen_control ? "control.tar" : "data.tar");
cleanup:
	if (err == -ENOMEM && !*why)
		fail(why, whylen, err, "%s", strerror(ENOMEM));
	archive_read_free(a);
	if (err)
		deb_pkg_fini(pkg);
	return err;
}

int deb_read(const char *path, struct deb_pkg *pkg, char *why, size_t whylen)
{
	struct hasher h;
	int err;

	why[0] = '\0';
	if (hasher_init(&h))
		return fail(why, whylen, -ENOMEM, "%s", strerror(ENOMEM));
	err = read_pkg(&h, path, pkg, why, whylen, NULL);
	hasher_free(&h);
	return err;
}

void deb_pkg_fini(struct deb_pkg *pkg)
{
	if (!pkg)
		return;
	for (size_t i = 0; i < pkg->count; i++)
		free(pkg->files[i].path);
	free(pkg->files);
	free(pkg->package);
	free(pkg->version);
	free(pkg->source);
	*pkg = (struct deb_pkg){ 0 };
}

/* ---- many packages ------------------------------------------------------------- */

struct pool {
	char *const *files;
	struct deb_pkg *pkgs;
	char (*why)[WHY_LEN];
	int *errs;
	size_t *order;			/* largest package first */
	off_t *sizes;
	size_t n;
	_Atomic size_t next, done;
	_Atomic uint64_t bytes;		/* of the packages, as read */

	pthread_mutex_t lock;		/* the progress line */
	pthread_cond_t wake;
	bool finished;
	struct timespec started;
};

static void *pool_thread(void *arg)
{
	struct pool *p = arg;
	struct hasher h;
	bool ready = !hasher_init(&h);
	size_t k, i;

	while ((k = atomic_fetch_add(&p->next, 1)) < p->n) {
		i = p->order[k];
		p->why[i][0] = '\0';
		if (!ready)
			p->errs[i] = fail(p->why[i], WHY_LEN, -ENOMEM, "%s", strerror(ENOMEM));
		else
			p->errs[i] = read_pkg(&h, p->files[i], &p->pkgs[i], p->why[i], WHY_LEN,
					      &p->bytes);
		atomic_fetch_add(&p->done, 1);
	}
	if (ready)
		hasher_free(&h);
	return NULL;
}

/*
 * Packages are handed out largest first: a large package taken last would
 * leave every other thread idle while one decompresses it. The results
 * stay in the order given.
 */
static int cmp_size(const void *a, const void *b, void *arg)
{
	const off_t *sizes = arg;
	off_t x = sizes[*(const size_t *)a], y = sizes[*(const size_t *)b];

	if (x != y)
		return x > y ? -1 : 1;
	return *(const size_t *)a < *(const size_t *)b ? -1 : 1;
}

static void plan(struct pool *p)
{
	for (size_t i = 0; i < p->n; i++) {
		struct stat st;

		p->order[i] = i;
		p->sizes[i] = stat(p->files[i], &st) ? 0 : st.st_size;
	}
	qsort_r(p->order, p->n, sizeof(*p->order), cmp_size, p->sizes);
}

/* "packages done/total, MB read, MB/s" on stderr, ten times a second.
 * Megabytes are those of the .deb files: what the disk and the
 * decompressors get through. */
static void draw(struct pool *p, bool final)
{
	struct timespec now;
	double secs, mb = atomic_load(&p->bytes) / 1e6;

	clock_gettime(CLOCK_MONOTONIC, &now);
	secs = (now.tv_sec - p->started.tv_sec) + (now.tv_nsec - p->started.tv_nsec) / 1e9;
	fprintf(stderr, "\rimaguard: %zu of %zu packages, %.1f MB, %.1f MB/s\033[K%s",
		atomic_load(&p->done), p->n, mb, secs > 0 ? mb / secs : 0.0, final ? "\n" : " ...");
}

static void *progress_thread(void *arg)
{
	struct pool *p = arg;
	struct timespec until;

	pthread_mutex_lock(&p->lock);
	while (!p->finished) {
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += PROGRESS_NS;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&p->wake, &p->lock, &until);
		if (!p->finished)
			draw(p, false);
	}
	draw(p, true);
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

int deb_read_all(char *const *files, size_t n, unsigned int jobs, bool progress,
		 struct deb_pkg *pkgs)
{
	struct pool p = { .files = files, .pkgs = pkgs, .n = n };
	pthread_t *threads = NULL, pt;
	unsigned int started = 0;
	bool progress_started = false;
	int err = 0;

	pthread_mutex_init(&p.lock, NULL);
	pthread_cond_init(&p.wake, NULL);
	clock_gettime(CLOCK_MONOTONIC, &p.started);

	if (!jobs) {
		long c = sysconf(_SC_NPROCESSORS_ONLN);

		jobs = c > 0 ? (c > BUILD_MAX_JOBS ? BUILD_MAX_JOBS : (unsigned int)c) : 1;
	}
	/* One package is one sequential stream: more threads than packages
	 * would only wait. */
	if (jobs > n)
		jobs = n ? (unsigned int)n : 1;
	p.why = calloc(n ? n : 1, sizeof(*p.why));
	p.errs = calloc(n ? n : 1, sizeof(*p.errs));
	threads = calloc(jobs, sizeof(*threads));
	p.order = calloc(n ? n : 1, sizeof(*p.order));
	p.sizes = calloc(n ? n : 1, sizeof(*p.sizes));
	if (!p.why || !p.errs || !threads || !p.order || !p.sizes) {
		err = -ENOMEM;
		goto cleanup;
	}
	plan(&p);
	for (; started < jobs; started++) {
		int e = pthread_create(&threads[started], NULL, pool_thread, &p);

		if (e) {
			if (!started) {
				pr_err("cannot start a hashing thread: %s", strerror(e));
				err = -e;
				goto cleanup;
			}
			break;	/* fewer threads still read every package */
		}
	}
	if (progress && !pthread_create(&pt, NULL, progress_thread, &p))
		progress_started = true;
	for (unsigned int i = 0; i < started; i++)
		pthread_join(threads[i], NULL);
	if (progress_started) {
		pthread_mutex_lock(&p.lock);
		p.finished = true;
		pthread_cond_signal(&p.wake);
		pthread_mutex_unlock(&p.lock);
		pthread_join(pt, NULL);
	}
	/* Reported in the order given, whichever thread finished first. */
	for (size_t i = 0; i < n; i++) {
		if (!p.errs[i])
			continue;
		pr_err("'%s': %s", files[i], p.why[i]);
		err = err ? err : -EINVAL;
		if (p.errs[i] == -ENOMEM)
			err = -ENOMEM;
	}
cleanup:
	pthread_mutex_destroy(&p.lock);
	pthread_cond_destroy(&p.wake);
	free(p.why);
	free(p.errs);
	free(p.order);
	free(p.sizes);
	free(threads);
	return err;
}

/* ---- arguments ----------------------------------------------------------------- */

struct strvec {
	char **v;
	size_t n, cap;
};

static int strvec_push(struct strvec *s, char *str)
{
	if (!str)
		return -ENOMEM;
	if (s->n + 2 > s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 16;
		char **v = realloc(s->v, cap * sizeof(*v));

		if (!v) {
			free(str);
			return -ENOMEM;
		}
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = str;
	s->v[s->n] = NULL;
	return 0;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool deb_name(const char *name)
{
	size_t n = strlen(name);

	return n > 4 && !strcmp(name + n - 4, ".deb") && name[0] != '.';
}

static int list_dir(const char *dir, struct strvec *s)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t first = s->n;
	int err = 0;

	if (!d) {
		err = -errno;
		pr_err("cannot open '%s': %s", dir, strerror(-err));
		return err;
	}
	while ((errno = 0, de = readdir(d))) {
		char *p;

		if (!deb_name(de->d_name))
			continue;
		if (asprintf(&p, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/",
			     de->d_name) < 0)
			p = NULL;
		err = strvec_push(s, p);
		if (err)
			break;
	}
	if (!err && errno) {
		err = -errno;
		pr_err("cannot read directory '%s': %s", dir, strerror(-err));
	}
	closedir(d);
	if (err)
		return err;
	if (s->n == first) {
		pr_err("'%s': no .deb files in this directory", dir);
		return -ENOENT;
	}
	qsort(s->v + first, s->n - first, sizeof(*s->v), cmp_name);
	return 0;
}

int deb_list(const char *const *args, size_t nargs, char ***out, size_t *count)
{
	struct strvec s = { 0 };
	int err = 0;

	for (size_t i = 0; i < nargs && !err; i++) {
		struct stat st;

		if (stat(args[i], &st)) {
			err = -errno;
			pr_err("cannot open '%s': %s", args[i], strerror(-err));
		} else if (S_ISDIR(st.st_mode)) {
			err = list_dir(args[i], &s);
		} else {
			err = strvec_push(&s, strdup(args[i]));
		}
	}
	if (err == -ENOMEM)
		pr_err("%s", strerror(ENOMEM));
	if (!err && !s.v) {
		s.v = calloc(1, sizeof(*s.v));
		if (!s.v) {
			pr_err("%s", strerror(ENOMEM));
			err = -ENOMEM;
		}
	}
	if (err) {
		deb_list_free(s.v);
		return err;
	}
	*out = s.v;
	*count = s.n;
	return 0;
}

void deb_list_free(char **list)
{
	for (size_t i = 0; list && list[i]; i++)
		free(list[i]);
	free(list);
}

/* ---- into the allowlist -------------------------------------------------------- */

int deb_add_to_allowlist(const struct deb_pkg *pkg, struct allowlist *al, uint64_t *shared)
{
	for (size_t i = 0; i < pkg->count; i++) {
		struct allowlist_entry e = { .path = pkg->files[i].path, .source = pkg->source };
		int err;

		memcpy(e.digest, pkg->files[i].digest, SHA256_LEN);
		err = allowlist_add(al, &e);
		/* The only conflict possible here: the same digest and path
		 * under another package's source. */
		if (err == -EEXIST) {
			(*shared)++;
			continue;
		}
		if (err)
			return err;
	}
	return 0;
}
