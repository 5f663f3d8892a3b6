// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/openat2.h>

#include "enforcer/idents.h"
#include "util/log.h"

#ifndef STATX_MNT_ID
#define STATX_MNT_ID 0x00001000U
#endif

#define IDENT_NAME_MAX 255	/* NAME_MAX: the longest name a dentry has */

/* One line of the mount table: its id, its super_block's s_dev, where. */
struct mnt {
	unsigned long long id;
	__u32 dev;
	char *point;
};

struct mnts {
	struct mnt *v;
	size_t n;
};

/* The kernel's dev_t (MKDEV: major << 20 | minor), as in sb->s_dev. */
static __u32 kdev(unsigned int major, unsigned int minor)
{
	return (__u32)major << 20 | (minor & 0xfffff);
}

/* Undo mountinfo's octal escapes (\040 for a space) in place. */
static void unescape(char *s)
{
	char *w = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*w++ = (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 | (s[3] - '0'));
			s += 3;
		} else {
			*w++ = *s;
		}
	}
	*w = '\0';
}

static void mnts_free(struct mnts *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->v[i].point);
	free(m->v);
	m->v = NULL;
	m->n = 0;
}

/* The mount table; a line it cannot parse is left out (its mounts then
 * give no identity: matched by name only). */
static int mnts_read(const char *path, struct mnts *m)
{
	FILE *f = fopen(path, "re");
	char *line = NULL;
	size_t cap = 0;
	int err = 0;

	if (!f) {
		err = -errno;
		pr_warn("cannot read the mount table '%s': %s", path, strerror(-err));
		return err;
	}
	while (getline(&line, &cap, f) > 0) {
		unsigned long long id, parent;
		unsigned int major, minor;
		char point[PATH_MAX + 1];
		struct mnt *v;

		/* id parent major:minor root point ...; %4096s: PATH_MAX */
		if (sscanf(line, "%llu %llu %u:%u %*s %4096s", &id, &parent, &major, &minor,
			   point) != 5)
			continue;
		unescape(point);
		v = realloc(m->v, (m->n + 1) * sizeof(*v));
		if (!v) {
			err = -ENOMEM;
			break;
		}
		m->v = v;
		v[m->n].point = strdup(point);
		if (!v[m->n].point) {
			err = -ENOMEM;
			break;
		}
		v[m->n].id = id;
		v[m->n].dev = kdev(major, minor);
		m->n++;
	}
	free(line);
	fclose(f);
	return err;
}

/* Where rule paths are resolved: the host's root, and its mount table. */
struct host {
	int root;		/* O_PATH fd of the root the paths are relative to */
	struct mnts m;
};

/*
 * The device and inode of path as the kernel keeps them, path resolved
 * below h->root as the host resolves it, refusing a symbolic link anywhere
 * on the way (-ELOOP): the kernel prints no name through one, so such a
 * rule never matches by name either. The device is the super_block's, from
 * the mount table's line for the mount path is on, where stat's may be
 * another (a btrfs subvolume's). -ENOTDIR when a directory was wanted.
 */
static int ident_of(const struct host *h, const char *path, bool dir, __u32 *dev, __u64 *ino)
{
	struct open_how how = {
		.flags = O_PATH | O_CLOEXEC,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	const char *rel = path[1] ? path + 1 : ".";
	struct statx st;
	int fd, err = 0;

	fd = (int)syscall(SYS_openat2, h->root, rel, &how, sizeof(how));
	if (fd < 0)
		return -errno;
	if (statx(fd, "", AT_EMPTY_PATH, STATX_TYPE | STATX_INO | STATX_MNT_ID, &st))
		err = -errno;
	else if (dir && !S_ISDIR(st.stx_mode))
		err = -ENOTDIR;
	close(fd);
	if (err)
		return err;
	*ino = st.stx_ino;
	*dev = kdev(st.stx_dev_major, st.stx_dev_minor);
	if (st.stx_mask & STATX_MNT_ID)
		for (size_t i = 0; i < h->m.n; i++)
			if (h->m.v[i].id == st.stx_mnt_id)
				*dev = h->m.v[i].dev;
	return 0;
}

struct ident_set {
	struct ident_entry *v;
	size_t n, cap;
};

/* Rule i's key: its action on each of its hooks. */
static int set_add(struct ident_set *s, const struct ig_ident_key *k,
		   const struct enforcer_rule *r, size_t i)
{
	struct ident_entry *e;

	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 16;

		e = realloc(s->v, cap * sizeof(*e));
		if (!e)
			return -ENOMEM;
		s->v = e;
		s->cap = cap;
	}
	e = &s->v[s->n++];
	memset(e, 0, sizeof(*e));
	e->key = *k;
	for (int h = 0; h < IG_HOOK_MAX; h++) {
		e->val.rule[h] = -1;
		if (r->hooks & (1u << h)) {
			e->val.action[h] = r->action;
			e->val.rule[h] = (__s32)i;
		}
	}
	return 0;
}

static int entry_cmp(const void *a, const void *b)
{
	return memcmp(&((const struct ident_entry *)a)->key,
		      &((const struct ident_entry *)b)->key, sizeof(struct ig_ident_key));
}

/* Two rules on one identity: per hook deny > audit > allow, and among
 * equals the earlier rule keeps its index, as in the rules map. */
static void val_fold(struct ig_rule_val *v, const struct ig_rule_val *w)
{
	for (int h = 0; h < IG_HOOK_MAX; h++)
		if (w->action[h] > v->action[h] ||
		    (w->action[h] == v->action[h] && w->rule[h] >= 0 && w->rule[h] < v->rule[h])) {
			v->action[h] = w->action[h];
			v->rule[h] = w->rule[h];
		}
}

static void not_resolved(size_t i, const char *path, int err, bool named)
{
	const char *why = err == -ELOOP ? "a symbolic link on the way" : strerror(-err);

	if (named)
		pr_info("rule %zu: no identity for '%s' (%s): it holds by its name in its "
			"directory until it is found",
			i, path, why);
	else
		pr_warn("rule %zu: no identity for '%s' (%s): it holds by name only until the "
			"path is found",
			i, path, why);
}

static __u64 name_hash(__u64 seed, const char *name, size_t len)
{
	__u64 h = seed;

	for (size_t b = 0; b < len; b++)
		h = ig_path_hash_step(h, (__u8)name[b]);
	return h;
}

/*
 * A directory or tree rule's directory dir (no '/' at its end) by its name
 * in its parent, and the parent's gate: whatever inode the directory has
 * now, or later (made after the load, removed and made again), the walk
 * finds it there. Needs the parent alone; none for the root. 1 when added,
 * 0 when the parent has no identity, or a negative errno.
 */
static int named_add(struct ident_set *s, const struct host *h, const char *dir, __u64 seed,
		     const struct enforcer_rule *r, size_t i)
{
	const char *last = strrchr(dir, '/');
	struct ig_ident_key k = { .kind = IG_IDENT_GATE };
	char parent[PATH_MAX];
	size_t plen, nlen;
	int err;

	if (!last || !last[1])
		return 0; /* the root: no parent to name it in */
	nlen = strlen(last + 1);
	if (nlen > IDENT_NAME_MAX)
		return 0; /* no directory has such a name */
	plen = last > dir ? (size_t)(last - dir) : 1;
	memcpy(parent, dir, plen);
	parent[plen] = '\0';
	if (ident_of(h, parent, true, &k.dev, &k.ino))
		return 0;
	err = set_add(s, &k, r, i);
	if (err)
		return err;
	k.kind = r->kind == IG_RULE_TREE ? IG_IDENT_NAMED_TREE : IG_IDENT_NAMED_DIR;
	k.name_len = nlen;
	k.name_hash = name_hash(seed, last + 1, nlen);
	err = set_add(s, &k, r, i);
	return err ? err : 1;
}

/* The roots of file systems mounted below a tree rule's directory dir
 * (with its '/'): the walk up from their files ends there. */
static int tree_mounts(struct ident_set *s, const struct host *h, const char *dir,
		       const struct enforcer_rule *r, size_t i)
{
	size_t len = strlen(dir);

	for (size_t j = 0; j < h->m.n; j++) {
		struct ig_ident_key k = { .kind = IG_IDENT_TREE };
		int err;

		if (strncmp(h->m.v[j].point, dir, len) || !h->m.v[j].point[len])
			continue; /* not strictly below */
		err = ident_of(h, h->m.v[j].point, true, &k.dev, &k.ino);
		if (err)
			continue; /* hidden or gone: no name reaches it from here */
		err = set_add(s, &k, r, i);
		if (err)
			return err;
	}
	return 0;
}

int idents_resolve(const struct enforcer_rule *rules, size_t n, __u64 seed, const char *root,
		   const char *mountinfo, bool quiet, struct ident_entry **out, size_t *nout)
{
	struct ident_set s = { 0 };
	struct host h = { .root = -1 };
	char path[PATH_MAX];
	int err, named;

	*out = NULL;
	*nout = 0;
	if (!root) {
		/* init's root and mount table, where this process may have
		 * another (a unit's PrivateTmp=); its own where init's cannot
		 * be reached. */
		h.root = open("/proc/1/root", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (h.root >= 0 && !mountinfo)
			mountinfo = "/proc/1/mountinfo";
		root = "/";
	}
	if (h.root < 0)
		h.root = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (h.root < 0) {
		err = -errno;
		pr_err("cannot open the root rule paths are resolved in '%s': %s", root,
		       strerror(-err));
		return err;
	}
	/* none readable: stat's devices */
	mnts_read(mountinfo ? mountinfo : "/proc/self/mountinfo", &h.m);
	for (size_t i = 0; i < n; i++) {
		const struct enforcer_rule *r = &rules[i];
		const char *slash = strrchr(r->path, '/');
		size_t len = strlen(r->path), dlen;
		struct ig_ident_key k = { 0 };

		if (r->path[0] != '/' || !slash || len >= sizeof(path) || !r->hooks)
			continue; /* the rules map refuses it; nothing to add */
		/* The directory: the rule's own, or the file's. */
		dlen = slash > r->path ? (size_t)(slash - r->path) : 1;
		memcpy(path, r->path, dlen);
		path[dlen] = '\0';
		named = 0;
		if (r->kind != IG_RULE_EXACT) {
			named = named_add(&s, &h, path, seed, r, i);
			if (named < 0) {
				err = named;
				goto fail;
			}
		}
		err = ident_of(&h, path, true, &k.dev, &k.ino);
		if (err) {
			if (!quiet)
				not_resolved(i, r->path, err, named);
			continue;
		}
		if (r->kind == IG_RULE_EXACT) {
			const char *name = slash + 1;
			size_t nlen = strlen(name);

			if (!nlen || nlen > IDENT_NAME_MAX)
				continue; /* no file has such a name */
			k.kind = IG_IDENT_FILE;
			k.name_len = nlen;
			k.name_hash = name_hash(seed, name, nlen);
		} else {
			k.kind = r->kind == IG_RULE_TREE ? IG_IDENT_TREE : IG_IDENT_DIR;
		}
		err = set_add(&s, &k, r, i);
		if (!err && r->kind == IG_RULE_TREE)
			err = tree_mounts(&s, &h, r->path, r, i);
		if (err)
			goto fail;
	}
	mnts_free(&h.m);
	close(h.root);
	if (s.n) {
		size_t used = 0;

		qsort(s.v, s.n, sizeof(*s.v), entry_cmp);
		for (size_t i = 0; i < s.n; i++) {
			if (used && !entry_cmp(&s.v[used - 1], &s.v[i]))
				val_fold(&s.v[used - 1].val, &s.v[i].val);
			else
				s.v[used++] = s.v[i];
		}
		s.n = used;
	}
	*out = s.v;
	*nout = s.n;
	return 0;
fail:
	mnts_free(&h.m);
	close(h.root);
	free(s.v);
	return err;
}
