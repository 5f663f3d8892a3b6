// SPDX-License-Identifier: GPL-2.0-only
/*
 * dpkg's database, read as dpkg(1) lays it out under /var/lib/dpkg:
 *
 * - status: one deb822 paragraph per package; Status's third word is the
 *   state, and only states in which the files are on disk count
 *   (installed, unpacked, half-configured, half-installed, triggers-*).
 *   Conffiles lists " <path> <md5>" lines.
 * - info/<pkg>.list, or info/<pkg>:<arch>.list for a Multi-Arch: same
 *   package (one instance per architecture): one path per line, with the
 *   directories. dpkg records the name the package ships, not where a
 *   diversion put it.
 * - info/<pkg>[:<arch>].md5sums: "<md5>  <path without the leading />".
 * - diversions: three lines per diversion: the path, where it goes, and the
 *   package that made it (":" for a local one). A package's file at the
 *   path is on disk at the new name, except the diverting package's own.
 *
 * Each listed path is resolved inside the root (a list says /bin/ls; on a
 * merged-/usr system the kernel sees /usr/bin/ls, the name an allowlist and
 * the reports use), hashed once however many packages list it, and
 * attributed to the package whose md5sums match its content. Paths several
 * packages list (Multi-Arch: same instances, files moved by Replaces) go to
 * the first of those that shipped these bytes, by package name.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "allowlist/allowlist.h"
#include "allowlist/build.h"
#include "allowlist/dpkg.h"
#include "util/digest.h"
#include "util/hex.h"
#include "util/log.h"
#include "util/utf8.h"

#define MD5_LEN 16
#define DB_MAX (256u << 20)	/* a status or list file larger than this is not dpkg's */
#define CHUNK (128 * 1024)
#define PROGRESS_NS 100000000L

struct pkg {
	char *name, *arch, *version;
	char *source;		/* deb:<name>=<version> */
	bool multiarch_same;
	char *conffiles;	/* the field's raw text, or NULL */
};

/* One path one package lists. */
struct owned {
	char *path;		/* resolved, as seen from inside the root */
	uint32_t pkg;
	bool has_md5;
	uint8_t md5[MD5_LEN];
};

struct diversion {
	char *from, *to, *by;	/* by: NULL for a local diversion */
};

/* One distinct path, hashed once: owned[first..first+n) list it. */
struct item {
	size_t first, n;
	enum { IT_PENDING, IT_WANTED, IT_OTHER, IT_SPECIAL, IT_MISSING, IT_FAILED } state;
	uint8_t sha[SHA256_LEN], md5[MD5_LEN];
	uint64_t bytes;
	int err;
};

struct dpkg_db {
	char *root;		/* resolved; "/" for the host */
	int rootfd;
	struct pkg *pkgs;
	size_t npkgs, pkgcap;
	struct owned *owned;
	size_t nowned, ownedcap;
	struct diversion *divs;
	size_t ndivs, divcap;
	uint64_t diverted;
	/* the directory last resolved, cached: lists come in tree order */
	char *dir_in, *dir_out;
};

/* ---- small helpers ---------------------------------------------------------- */

static int grow(void **v, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return 0;
	size_t c = *cap ? 2 * *cap : 64;
	void *p = realloc(*v, c * size);

	if (!p)
		return -ENOMEM;
	*v = p;
	*cap = c;
	return 0;
}

/* A file of the database, NUL-terminated. -ENOENT is not reported: the
 * caller knows which files may be absent. */
static int db_read(const struct dpkg_db *db, const char *rel, char **text, size_t *len)
{
	int fd = openat(db->rootfd, rel, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	size_t cap = 0;
	char *buf = NULL;
	struct stat st;
	int err = 0;

	*len = 0;
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return -EINVAL;
	}
	for (;;) {
		ssize_t n;

		if (*len + 1 >= cap) {
			size_t c = cap ? 2 * cap : (size_t)st.st_size + 4096;
			char *p = c > DB_MAX ? NULL : realloc(buf, c);

			if (!p) {
				err = c > DB_MAX ? -EFBIG : -ENOMEM;
				break;
			}
			buf = p;
			cap = c;
		}
		n = read(fd, buf + *len, cap - 1 - *len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			break;
		}
		if (!n)
			break;
		*len += (size_t)n;
	}
	close(fd);
	if (err) {
		free(buf);
		return err;
	}
	buf[*len] = '\0';
	*text = buf;
	return 0;
}

/* The next line of text at *at (NUL-terminated in place), or NULL. */
static char *next_line(char **at)
{
	char *line = *at, *nl;

	if (!*line)
		return NULL;
	nl = strchr(line, '\n');
	if (nl) {
		*nl = '\0';
		*at = nl + 1;
	} else {
		*at = line + strlen(line);
	}
	return line;
}

/* ---- status ------------------------------------------------------------------- */

static bool files_on_disk(const char *status)
{
	static const char *const states[] = {
		"installed", "unpacked", "half-configured", "half-installed",
		"triggers-awaited", "triggers-pending",
	};
	const char *state = strrchr(status, ' ');

	if (!state)
		return false;
	state++;
	for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++)
		if (!strcmp(state, states[i]))
			return true;
	return false;
}

/* Field "Name: value" of a paragraph (lines joined by \n), value in place. */
struct para {
	char *package, *arch, *version, *status, *multiarch, *conffiles;
};

static void para_field(struct para *p, char *line, char **last)
{
	char *colon = strchr(line, ':'), *v;

	*last = NULL;
	if (!colon)
		return;
	*colon = '\0';
	v = colon + 1;
	while (*v == ' ' || *v == '\t')
		v++;
	if (!strcasecmp(line, "Package"))
		p->package = v;
	else if (!strcasecmp(line, "Architecture"))
		p->arch = v;
	else if (!strcasecmp(line, "Version"))
		p->version = v;
	else if (!strcasecmp(line, "Status"))
		p->status = v;
	else if (!strcasecmp(line, "Multi-Arch"))
		p->multiarch = v;
	else if (!strcasecmp(line, "Conffiles"))
		*last = p->conffiles = v;
}

static int add_pkg(struct dpkg_db *db, const struct para *p)
{
	struct pkg *k;

	if (!p->package || !p->version || !p->status || !files_on_disk(p->status))
		return 0;
	if (!*p->version || !utf8_valid(p->package) || !utf8_valid(p->version))
		return 0;
	if (grow((void **)&db->pkgs, &db->pkgcap, db->npkgs, sizeof(*db->pkgs)))
		return -ENOMEM;
	k = &db->pkgs[db->npkgs];
	*k = (struct pkg){
		.name = strdup(p->package),
		.arch = strdup(p->arch ? p->arch : ""),
		.version = strdup(p->version),
		.multiarch_same = p->multiarch && !strcmp(p->multiarch, "same"),
		.conffiles = p->conffiles ? strdup(p->conffiles) : NULL,
	};
	db->npkgs++;
	if (!k->name || !k->arch || !k->version || (p->conffiles && !k->conffiles) ||
	    asprintf(&k->source, "deb:%s=%s", k->name, k->version) < 0) {
		k->source = NULL;
		return -ENOMEM;
	}
	return 0;
}

static int read_status(struct dpkg_db *db)
{
	char *text = NULL, *at, *line, *cont = NULL;
	struct para p = { 0 };
	size_t len;
	int err = db_read(db, "var/lib/dpkg/status", &text, &len);

	if (err) {
		pr_err("cannot read '%s%svar/lib/dpkg/status': %s", db->root,
		       strcmp(db->root, "/") ? "/" : "", strerror(-err));
		return err;
	}
	at = text;
	for (;;) {
		line = next_line(&at);
		if (!line || !*line) {
			err = add_pkg(db, &p);
			if (err || !line)
				break;
			p = (struct para){ 0 };
			cont = NULL;
			continue;
		}
		if (line[0] == ' ' || line[0] == '\t') {
			/* A continuation line: kept for Conffiles, whose lines
			 * are joined back with the \n next_line took out. */
			if (cont)
				line[-1] = '\n';
			continue;
		}
		para_field(&p, line, &cont);
	}
	free(text);
	if (err)
		pr_err("cannot read the dpkg status: %s", strerror(-err));
	return err;
}

/* ---- diversions --------------------------------------------------------------- */

static int read_diversions(struct dpkg_db *db)
{
	char *text = NULL, *at, *l[3];
	size_t len;
	int err = db_read(db, "var/lib/dpkg/diversions", &text, &len);

	if (err == -ENOENT)
		return 0;
	if (err) {
		pr_err("cannot read dpkg's diversions: %s", strerror(-err));
		return err;
	}
	at = text;
	for (;;) {
		struct diversion *d;

		l[0] = next_line(&at);
		l[1] = next_line(&at);
		l[2] = next_line(&at);
		if (!l[0])
			break;
		if (!l[1] || !l[2] || l[0][0] != '/' || l[1][0] != '/') {
			pr_err("dpkg's diversions file is malformed (not three lines per "
			       "diversion)");
			err = -EINVAL;
			break;
		}
		if (grow((void **)&db->divs, &db->divcap, db->ndivs, sizeof(*db->divs))) {
			err = -ENOMEM;
			break;
		}
		d = &db->divs[db->ndivs++];
		*d = (struct diversion){ strdup(l[0]), strdup(l[1]),
					 strcmp(l[2], ":") ? strdup(l[2]) : NULL };
		if (!d->from || !d->to || (strcmp(l[2], ":") && !d->by)) {
			err = -ENOMEM;
			break;
		}
	}
	free(text);
	return err;
}

/* Where pkg's file path is on disk. */
static const char *divert(struct dpkg_db *db, const struct pkg *pkg, const char *path)
{
	for (size_t i = 0; i < db->ndivs; i++) {
		const struct diversion *d = &db->divs[i];

		if (strcmp(d->from, path))
			continue;
		if (d->by && !strcmp(d->by, pkg->name))
			return path;
		db->diverted++;
		return d->to;
	}
	return path;
}

/* ---- paths ---------------------------------------------------------------------- */

/*
 * path resolved inside the root: its directory through realpath(3) (a
 * symlinked directory such as /bin on merged /usr), its last component as
 * it is, since the file itself may be a symlink the package ships. A
 * directory that does not exist, or that leads out of the root, stays as
 * written, and opening through it later fails rather than reads elsewhere.
 */
static int resolve(struct dpkg_db *db, const char *path, char **out)
{
	const char *slash = strrchr(path, '/');
	size_t dlen = (size_t)(slash - path), rlen = strlen(db->root);
	char *dir, *full, *real;

	*out = NULL;
	if (!dlen)
		return (*out = strdup(path)) ? 0 : -ENOMEM;
	if (db->dir_in && strlen(db->dir_in) == dlen && !strncmp(db->dir_in, path, dlen))
		goto join;
	dir = strndup(path, dlen);
	if (!dir)
		return -ENOMEM;
	if (asprintf(&full, "%s%s", strcmp(db->root, "/") ? db->root : "", dir) < 0) {
		free(dir);
		return -ENOMEM;
	}
	real = realpath(full, NULL);
	free(full);
	free(db->dir_in);
	free(db->dir_out);
	db->dir_in = dir;
	db->dir_out = NULL;
	if (real && !strcmp(db->root, "/")) {
		db->dir_out = real;
	} else if (real && !strncmp(real, db->root, rlen) && (real[rlen] == '/' || !real[rlen])) {
		db->dir_out = strdup(real[rlen] ? real + rlen : "/");
		free(real);
	} else {
		free(real);
		db->dir_out = strdup(dir);
	}
	if (!db->dir_out)
		return -ENOMEM;
join:
	if (asprintf(out, "%s%s", strcmp(db->dir_out, "/") ? db->dir_out : "", slash) < 0) {
		*out = NULL;
		return -ENOMEM;
	}
	return 0;
}

/* ---- lists ---------------------------------------------------------------------- */

/* The md5 for path in a md5sums text ("<md5>  <path without />" lines) or
 * a Conffiles field (" <path> <md5>[ obsolete]" lines). */
struct md5sum {
	const char *path;	/* with the leading / */
	uint8_t md5[MD5_LEN];
};

static int cmp_md5sum(const void *a, const void *b)
{
	return strcmp(((const struct md5sum *)a)->path, ((const struct md5sum *)b)->path);
}

static int parse_md5sums(char *text, char *conffiles, struct md5sum **out, size_t *n)
{
	struct md5sum *v = NULL;
	size_t cap = 0;
	char *at, *line;

	*n = 0;
	for (at = text ? text : (char *)""; (line = next_line(&at));) {
		char *sp = strchr(line, ' ');

		if (!sp || sp - line != 2 * MD5_LEN)
			continue;
		while (*sp == ' ')
			sp++;
		if (*sp == '/' || !*sp)
			continue;
		if (grow((void **)&v, &cap, *n, sizeof(*v)))
			goto nomem;
		/* md5sums paths lack the leading /: the space before serves. */
		sp[-1] = '/';
		v[*n].path = sp - 1;
		if (!hex_decode(line, 2 * MD5_LEN, v[*n].md5))
			(*n)++;
	}
	for (at = conffiles ? conffiles : (char *)""; (line = next_line(&at));) {
		char *p = line + strspn(line, " \t"), *sp = strchr(p, ' '), *m;

		if (*p != '/' || !sp)
			continue;
		*sp = '\0';
		m = sp + 1;
		if (strlen(m) < 2 * MD5_LEN || (m[2 * MD5_LEN] && m[2 * MD5_LEN] != ' '))
			continue;
		if (grow((void **)&v, &cap, *n, sizeof(*v)))
			goto nomem;
		v[*n].path = p;
		if (!hex_decode(m, 2 * MD5_LEN, v[*n].md5))
			(*n)++;
	}
	if (*n)
		qsort(v, *n, sizeof(*v), cmp_md5sum);
	*out = v;
	return 0;
nomem:
	free(v);
	return -ENOMEM;
}

static const struct md5sum *find_md5(const struct md5sum *v, size_t n, const char *path)
{
	struct md5sum key = { .path = path };

	return n ? bsearch(&key, v, n, sizeof(*v), cmp_md5sum) : NULL;
}

/* info/<name>:<arch>.<what> when it exists (Multi-Arch: same, and what
 * dpkg writes for every package of a foreign architecture), else
 * info/<name>.<what>. */
static int read_info(const struct dpkg_db *db, const struct pkg *pkg, const char *what,
		     char **text)
{
	char rel[PATH_MAX];
	size_t len;
	int err = -ENOENT;

	*text = NULL;
	if (*pkg->arch) {
		snprintf(rel, sizeof(rel), "var/lib/dpkg/info/%s:%s.%s", pkg->name, pkg->arch,
			 what);
		err = db_read(db, rel, text, &len);
	}
	if (err == -ENOENT) {
		snprintf(rel, sizeof(rel), "var/lib/dpkg/info/%s.%s", pkg->name, what);
		err = db_read(db, rel, text, &len);
	}
	return err;
}

static int read_list(struct dpkg_db *db, uint32_t idx)
{
	const struct pkg *pkg = &db->pkgs[idx];
	char *list = NULL, *sums = NULL, *at, *line;
	struct md5sum *md5 = NULL;
	size_t nmd5 = 0;
	int err;

	err = read_info(db, pkg, "list", &list);
	if (err == -ENOENT) {
		pr_warn("package '%s' is installed but dpkg has no file list for it", pkg->name);
		return 0;
	}
	if (err) {
		pr_err("cannot read the file list of '%s': %s", pkg->name, strerror(-err));
		return err;
	}
	err = read_info(db, pkg, "md5sums", &sums);
	if (err && err != -ENOENT) {
		pr_err("cannot read the md5sums of '%s': %s", pkg->name, strerror(-err));
		goto cleanup;
	}
	err = parse_md5sums(sums, pkg->conffiles, &md5, &nmd5);
	if (err)
		goto cleanup;
	for (at = list; (line = next_line(&at));) {
		const struct md5sum *m;
		struct owned *o;
		char *path;

		if (line[0] != '/' || !strcmp(line, "/.") || !strcmp(line, "/"))
			continue;
		if (!utf8_valid(line)) {
			pr_warn("'%s': a path of '%s' is not UTF-8; left out", line, pkg->name);
			continue;
		}
		err = resolve(db, divert(db, pkg, line), &path);
		if (err)
			goto cleanup;
		err = grow((void **)&db->owned, &db->ownedcap, db->nowned, sizeof(*db->owned));
		if (err) {
			free(path);
			goto cleanup;
		}
		o = &db->owned[db->nowned++];
		*o = (struct owned){ .path = path, .pkg = idx };
		/* md5sums name the file as shipped, before any diversion. */
		m = find_md5(md5, nmd5, line);
		if (m) {
			o->has_md5 = true;
			memcpy(o->md5, m->md5, MD5_LEN);
		}
	}
cleanup:
	free(md5);
	free(sums);
	free(list);
	return err;
}

static int cmp_owned(const void *a, const void *b, void *arg)
{
	const struct owned *x = a, *y = b;
	const struct pkg *pkgs = arg;
	int c = strcmp(x->path, y->path);

	if (c)
		return c;
	c = strcmp(pkgs[x->pkg].name, pkgs[y->pkg].name);
	return c ? c : strcmp(pkgs[x->pkg].arch, pkgs[y->pkg].arch);
}

int dpkg_db_load(const char *root, struct dpkg_db **out)
{
	struct dpkg_db *db = calloc(1, sizeof(*db));
	int err;

	*out = NULL;
	if (!db)
		return -ENOMEM;
	db->rootfd = -1;
	db->root = realpath(root, NULL);
	if (!db->root) {
		err = -errno;
		pr_err("cannot resolve '%s': %s", root, strerror(-err));
		goto fail;
	}
	db->rootfd = open(db->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (db->rootfd < 0) {
		err = -errno;
		pr_err("cannot open '%s': %s", db->root, strerror(-err));
		goto fail;
	}
	err = read_status(db);
	if (!err)
		err = read_diversions(db);
	for (uint32_t i = 0; !err && i < db->npkgs; i++)
		err = read_list(db, i);
	if (err)
		goto fail;
	if (db->nowned)
		qsort_r(db->owned, db->nowned, sizeof(*db->owned), cmp_owned, db->pkgs);
	*out = db;
	return 0;
fail:
	if (err == -ENOMEM)
		pr_err("cannot read dpkg's database: %s", strerror(ENOMEM));
	dpkg_db_free(db);
	return err;
}

void dpkg_db_free(struct dpkg_db *db)
{
	if (!db)
		return;
	for (size_t i = 0; i < db->npkgs; i++) {
		free(db->pkgs[i].name);
		free(db->pkgs[i].arch);
		free(db->pkgs[i].version);
		free(db->pkgs[i].source);
		free(db->pkgs[i].conffiles);
	}
	for (size_t i = 0; i < db->nowned; i++)
		free(db->owned[i].path);
	for (size_t i = 0; i < db->ndivs; i++) {
		free(db->divs[i].from);
		free(db->divs[i].to);
		free(db->divs[i].by);
	}
	if (db->rootfd >= 0)
		close(db->rootfd);
	free(db->pkgs);
	free(db->owned);
	free(db->divs);
	free(db->dir_in);
	free(db->dir_out);
	free(db->root);
	free(db);
}

static int cmp_path_owned(const void *key, const void *elem)
{
	return strcmp(key, ((const struct owned *)elem)->path);
}

bool dpkg_db_owns(const struct dpkg_db *db, const char *path)
{
	size_t lo = 0, hi = db->nowned;

	/* bsearch may land on any of a path's owners; any will do. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = cmp_path_owned(path, &db->owned[mid]);

		if (!c)
			return true;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return false;
}

/* ---- hashing -------------------------------------------------------------------- */

struct hashing {
	struct dpkg_db *db;
	struct item *items;
	size_t n;
	_Atomic size_t next, done;
	_Atomic uint64_t bytes;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool finished, line_drawn;
	struct timespec started;
};

/* Open path inside the root, no symlink followed anywhere: the
 * directories were resolved at load time, so one appearing now means the
 * tree changed under the build. */
static int open_inside(const struct dpkg_db *db, const char *path)
{
	struct open_how how = {
		.flags = O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK,
		.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH,
	};
	long fd = syscall(SYS_openat2, db->rootfd, path + 1, &how, sizeof(how));

	if (fd < 0 && errno == ENOSYS)
		fd = openat(db->rootfd, path + 1, (int)how.flags);
	return fd < 0 ? -errno : (int)fd;
}

static void hash_item(struct hashing *h, EVP_MD_CTX *sha, EVP_MD_CTX *md5, unsigned char *buf,
		      struct item *it)
{
	const char *path = h->db->owned[it->first].path;
	struct stat seen, got;
	ssize_t n;
	size_t have = 0;
	int fd;

	if (fstatat(h->db->rootfd, path + 1, &seen, AT_SYMLINK_NOFOLLOW)) {
		it->state = errno == ENOENT ? IT_MISSING : IT_FAILED;
		it->err = errno;
		return;
	}
	if (!S_ISREG(seen.st_mode)) {
		it->state = IT_SPECIAL;
		return;
	}
	fd = open_inside(h->db, path);
	if (fd < 0) {
		it->state = IT_FAILED;
		it->err = -fd;
		return;
	}
	if (fstat(fd, &got) || got.st_ino != seen.st_ino || got.st_dev != seen.st_dev ||
	    !S_ISREG(got.st_mode)) {
		it->state = IT_FAILED;
		it->err = ESTALE;
		goto done;
	}
	do {
		n = read(fd, buf + have, CHUNK - have);
		if (n > 0)
			have += (size_t)n;
	} while ((n > 0 && have < 4) || (n < 0 && errno == EINTR));
	if (n < 0) {
		it->state = IT_FAILED;
		it->err = errno;
		goto done;
	}
	if (!build_wanted(buf, have)) {
		it->state = IT_OTHER;
		goto done;
	}
	if (!EVP_DigestInit_ex2(sha, EVP_sha256(), NULL) || !EVP_DigestInit_ex2(md5, EVP_md5(), NULL))
		goto evp;
	for (;;) {
		if (!EVP_DigestUpdate(sha, buf, have) || !EVP_DigestUpdate(md5, buf, have))
			goto evp;
		it->bytes += have;
		atomic_fetch_add_explicit(&h->bytes, have, memory_order_relaxed);
		do
			n = read(fd, buf, CHUNK);
		while (n < 0 && errno == EINTR);
		if (n <= 0)
			break;
		have = (size_t)n;
	}
	if (n < 0) {
		it->state = IT_FAILED;
		it->err = errno;
		goto done;
	}
	if (!EVP_DigestFinal_ex(sha, it->sha, NULL) || !EVP_DigestFinal_ex(md5, it->md5, NULL))
		goto evp;
	it->state = IT_WANTED;
	goto done;
evp:
	it->state = IT_FAILED;
	it->err = EIO;
done:
	close(fd);
}

static void *hash_thread(void *arg)
{
	struct hashing *h = arg;
	EVP_MD_CTX *sha = EVP_MD_CTX_new(), *md5 = EVP_MD_CTX_new();
	unsigned char *buf = malloc(CHUNK);
	size_t i;

	while ((i = atomic_fetch_add(&h->next, 1)) < h->n) {
		if (sha && md5 && buf) {
			hash_item(h, sha, md5, buf, &h->items[i]);
		} else {
			h->items[i].state = IT_FAILED;
			h->items[i].err = ENOMEM;
		}
		atomic_fetch_add(&h->done, 1);
	}
	free(buf);
	EVP_MD_CTX_free(sha);
	EVP_MD_CTX_free(md5);
	return NULL;
}

static void draw(struct hashing *h, bool final)
{
	struct timespec now;
	double secs, mb = atomic_load(&h->bytes) / 1e6;

	clock_gettime(CLOCK_MONOTONIC, &now);
	secs = (now.tv_sec - h->started.tv_sec) + (now.tv_nsec - h->started.tv_nsec) / 1e9;
	fprintf(stderr, "\rimaguard: %zu of %zu installed files, %.1f MB, %.1f MB/s\033[K%s",
		atomic_load(&h->done), h->n, mb, secs > 0 ? mb / secs : 0.0, final ? "\n" : " ...");
}

static void *progress_thread(void *arg)
{
	struct hashing *h = arg;
	struct timespec until;

	pthread_mutex_lock(&h->lock);
	while (!h->finished) {
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += PROGRESS_NS;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&h->wake, &h->lock, &until);
		if (!h->finished)
			draw(h, false);
	}
	draw(h, true);
	pthread_mutex_unlock(&h->lock);
	return NULL;
}

/* The package these bytes came from: the first owner whose md5sums match,
 * else the first owner without md5sums for the path; NULL when every
 * owner's md5sums say it shipped something else. */
static const struct pkg *owner_of(const struct dpkg_db *db, const struct item *it, size_t *owners)
{
	const struct pkg *unknown = NULL, *match = NULL;

	*owners = 0;
	for (size_t k = it->first; k < it->first + it->n; k++) {
		const struct owned *o = &db->owned[k];

		if (k == it->first || o->pkg != db->owned[k - 1].pkg)
			(*owners)++;
		if (o->has_md5 && !memcmp(o->md5, it->md5, MD5_LEN) && !match)
			match = &db->pkgs[o->pkg];
		else if (!o->has_md5 && !unknown)
			unknown = &db->pkgs[o->pkg];
	}
	return match ? match : unknown;
}

static int collect(struct dpkg_db *db, struct hashing *h, struct allowlist *al,
		   struct dpkg_stats *st)
{
	for (size_t i = 0; i < h->n; i++) {
		const struct item *it = &h->items[i];
		const char *path = db->owned[it->first].path;
		struct allowlist_entry e = { .path = (char *)path };
		const struct pkg *pkg;
		size_t owners;
		int err;

		switch (it->state) {
		case IT_OTHER:
			st->other++;
			continue;
		case IT_SPECIAL:
			st->special++;
			continue;
		case IT_MISSING:
			st->missing++;
			continue;
		case IT_FAILED:
			pr_err("cannot read '%s': %s", path, strerror(it->err));
			st->failed++;
			continue;
		default:
			break;
		}
		pkg = owner_of(db, it, &owners);
		if (pkg) {
			e.source = pkg->source;
		} else {
			pr_warn("'%s': not what %s shipped (md5sums differ); listed with source "
				"file", path, db->pkgs[db->owned[it->first].pkg].name);
			e.source = "file";
			st->modified++;
		}
		st->shared += owners > 1;
		memcpy(e.digest, it->sha, SHA256_LEN);
		err = allowlist_add(al, &e);
		if (err && err != -EEXIST)
			return err;
		st->hashed++;
		st->bytes += it->bytes;
	}
	return 0;
}

int dpkg_db_hash(struct dpkg_db *db, unsigned int jobs, bool progress, struct allowlist *al,
		 struct dpkg_stats *st)
{
	struct hashing h = { .db = db };
	pthread_t *threads = NULL, pt;
	unsigned int started = 0;
	bool progress_started = false;
	int err = 0;

	*st = (struct dpkg_stats){ .packages = db->npkgs, .diverted = db->diverted };
	h.items = calloc(db->nowned ? db->nowned : 1, sizeof(*h.items));
	if (!h.items)
		return -ENOMEM;
	for (size_t i = 0; i < db->nowned; i++) {
		if (i && !strcmp(db->owned[i].path, db->owned[i - 1].path)) {
			h.items[h.n - 1].n++;
			continue;
		}
		h.items[h.n++] = (struct item){ .first = i, .n = 1 };
	}
	st->paths = h.n;
	if (!jobs) {
		long c = sysconf(_SC_NPROCESSORS_ONLN);

		jobs = c > 0 ? (c > BUILD_MAX_JOBS ? BUILD_MAX_JOBS : (unsigned int)c) : 1;
	}
	threads = calloc(jobs, sizeof(*threads));
	if (!threads) {
		err = -ENOMEM;
		goto cleanup;
	}
	pthread_mutex_init(&h.lock, NULL);
	pthread_cond_init(&h.wake, NULL);
	clock_gettime(CLOCK_MONOTONIC, &h.started);
	for (; started < jobs; started++)
		if (pthread_create(&threads[started], NULL, hash_thread, &h))
			break;
	if (!started) {
		pr_err("cannot start a hashing thread");
		err = -EAGAIN;
	}
	if (progress && started && !pthread_create(&pt, NULL, progress_thread, &h))
		progress_started = true;
	for (unsigned int i = 0; i < started; i++)
		pthread_join(threads[i], NULL);
	if (progress_started) {
		pthread_mutex_lock(&h.lock);
		h.finished = true;
		pthread_cond_signal(&h.wake);
		pthread_mutex_unlock(&h.lock);
		pthread_join(pt, NULL);
	}
	pthread_mutex_destroy(&h.lock);
	pthread_cond_destroy(&h.wake);
	if (!err)
		err = collect(db, &h, al, st);
cleanup:
	free(threads);
	free(h.items);
	return err;
}
