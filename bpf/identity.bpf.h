/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Rules by identity: an access whose printed path is not proven the host's
 * (IG_F_FOREIGN_PATH: another root, another mount namespace, a mount
 * outside the host's) may show any file at any name, so a name no rule
 * names proves nothing. On a hook some deny or audit rule names, stage 1
 * then finds the rules of the file's own place in its file system: its
 * directory and its name there, then each directory above it, by device
 * and inode (struct ig_ident_key, filled by the loader from the host's
 * names). d_parent follows the file system, never a mount, so a bind mount,
 * a chroot or a detached mount that shows the file elsewhere still reaches
 * the rule's directory. Each directory on the way also matches by its name
 * in its parent (IG_IDENT_NAMED_*, keyed by the parent's identity), as the
 * loader names each directory or tree rule's directory whenever its parent
 * exists: a rule's directory made after the load, or removed and made
 * again with a new inode, is still the one named, at once and with no
 * reload. A directory's name is read and hashed only where its parent has
 * a gate (IG_IDENT_GATE) for the hook: one lookup per level otherwise.
 * Host-relative paths never come here: they match by name alone
 * (rules.bpf.h), at no cost more.
 *
 * Included by bpf/enforcer.bpf.c alone, after paths.bpf.h.
 */
#ifndef IG_BPF_IDENTITY_H
#define IG_BPF_IDENTITY_H

/* A walk deeper than this fails closed (refused on a watched hook): deeper
 * trees are rare, and nothing past it could be matched. */
#define IG_IDENT_DEPTH 64
/* The longest name a dentry has (NAME_MAX). */
#define IG_IDENT_NAME_MAX 255

/* Identities of a policy's rules: slot ig_policy holds the map in force,
 * filled whole by the loader with the policy's rules and put in force by
 * the same flip, so a reload never pairs the old identities with the new
 * rules. Sized to its keys, it never fills. An empty slot (rules whose
 * paths did not exist at load) matches nothing: such a rule holds by name
 * only until the loader, resolving the paths again while the policy is in
 * force, finds its path and flips to a map with it. */
struct idents_inner {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__uint(key_size, sizeof(struct ig_ident_key));
	__uint(value_size, sizeof(struct ig_rule_val));
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 2);
	__type(key, __u32);
	__array(values, struct idents_inner);
} idents SEC(".maps");

struct ident_walk {
	void *map;
	__u64 dentry;		/* the directory reached so far */
	__u64 name;		/* the file's name bytes (level 0) */
	__u64 hash;		/* its hash, as it is read */
	__u32 name_len;
	__u32 dev;
	__u32 hook;
	__u32 action;		/* the nearest match's, IG_ACT_NONE until one */
	__s32 rule;
	__u32 state;		/* IDENT_WALKING, then how the walk ended */
};

enum { IDENT_WALKING, IDENT_MATCHED, IDENT_TOP, IDENT_ERR };

/* Look key up for the walk's hook: a better action at this level wins. */
static __always_inline void ident_consider(struct ident_walk *w, struct ig_ident_key *key)
{
	struct ig_rule_val *v;
	__u32 hook = w->hook;
	__u32 action;

	if (hook >= IG_HOOK_MAX)
		return; /* no such hook: no rule names it */
	v = bpf_map_lookup_elem(w->map, key);
	if (!v)
		return; /* no rule on this identity: the walk goes on */
	action = v->action[hook];
	if (action > w->action) {
		w->action = action;
		w->rule = v->rule[hook];
	}
}

/* Eight of the name's bytes into its hash. */
static long ident_name_step(__u32 i, void *data)
{
	struct ident_walk *w = data;
	__u32 off = i * 8, left, k;
	__u8 buf[16];

	if (off >= w->name_len)
		return 1; /* the whole name is in the hash */
	left = w->name_len - off;
	if (left > 8)
		left = 8;
	/* The mask proves the size to the verifier, which may see another
	 * copy of left than the one clamped; the barrier keeps it. */
	barrier_var(left);
	left &= 15;
	if (bpf_probe_read_kernel(buf, left, (void *)(w->name + off))) {
		w->state = IDENT_ERR;
		return 1;
	}
	for (k = 0; k < 8 && k < left; k++)
		w->hash = ig_path_hash_step(w->hash, buf[k]);
	return 0;
}

/*
 * The hash of the len bytes of a directory's name at name into *hash, in a
 * function of its own: global, so the verifier goes through it once and
 * not at each state of the walk that calls it, and with a plain bounded
 * loop, so it adds no frame below the walk's. Nonzero: no such name, or it
 * cannot be read (the caller fails closed).
 */
__noinline int ig_ident_name_hash(__u64 name, __u32 len, __u64 *hash)
{
	__u64 h = ig_hash_seed;
	__u32 off, left, k;
	__u8 buf[16];

	if (!hash || len > IG_IDENT_NAME_MAX)
		return -1; /* no such name: the caller fails closed */
	for (off = 0; off < IG_IDENT_NAME_MAX + 1 && off < len; off += 8) {
		left = len - off;
		if (left > 8)
			left = 8;
		/* As in ident_name_step: the mask proves the size. */
		barrier_var(left);
		left &= 15;
		if (bpf_probe_read_kernel(buf, left, (void *)(name + off)))
			return -1; /* unreadable: the caller fails closed */
		for (k = 0; k < 8 && k < left; k++)
			h = ig_path_hash_step(h, buf[k]);
	}
	*hash = h;
	return 0;
}

/*
 * The rules that name directory dir by its name in its parent (inode
 * pino): its named directory rules when it is the file's own (first), its
 * named tree rules. Only where the parent's gate says some rule names a
 * directory there on this hook is the name read and hashed. A name that
 * cannot be read sets IDENT_ERR: the caller fails closed.
 */
static __always_inline void ident_named(struct ident_walk *w, struct dentry *dir, __u64 pino,
					bool first)
{
	struct ig_ident_key key = { .dev = w->dev, .ino = pino, .kind = IG_IDENT_GATE };
	struct ig_rule_val *gate;
	__u32 hook = w->hook;

	if (hook >= IG_HOOK_MAX)
		return; /* no such hook: no rule names it */
	gate = bpf_map_lookup_elem(w->map, &key);
	if (!gate || gate->action[hook] == IG_ACT_NONE)
		return; /* no rule names a directory here: nothing to hash */
	key.name_len = BPF_CORE_READ(dir, d_name.len);
	if (ig_ident_name_hash((__u64)BPF_CORE_READ(dir, d_name.name), key.name_len,
			       &key.name_hash)) {
		w->state = IDENT_ERR; /* no such name, or unreadable: fail closed */
		return;
	}
	if (first) {
		key.kind = IG_IDENT_NAMED_DIR;
		ident_consider(w, &key);
	}
	key.kind = IG_IDENT_NAMED_TREE;
	ident_consider(w, &key);
}

/* One directory up: its directory and tree rules at the first level, its
 * tree rules above, each by its inode and by its name in its parent. The
 * top of the file system ends the walk (d_parent of a root is itself): a
 * rule above it is another file system's. */
static long ident_step(__u32 i, void *data)
{
	struct ident_walk *w = data;
	struct dentry *d = (struct dentry *)w->dentry;
	struct ig_ident_key key = { .dev = w->dev };
	struct dentry *parent, *pparent;
	struct inode *inode;

	parent = BPF_CORE_READ(d, d_parent);
	if (!parent) {
		w->state = IDENT_ERR; /* unreadable: the caller fails closed */
		return 1;
	}
	if (parent == d) {
		/* The top of the file system: no rule of its own above (one on
		 * a mount point is the mounted root's: see the loader). */
		w->state = IDENT_TOP;
		return 1;
	}
	inode = BPF_CORE_READ(parent, d_inode);
	if (!inode) {
		w->state = IDENT_ERR; /* a directory with no inode: fail closed */
		return 1;
	}
	key.ino = BPF_CORE_READ(inode, i_ino);
	if (i == 0) {
		key.kind = IG_IDENT_DIR;
		ident_consider(w, &key);
	}
	key.kind = IG_IDENT_TREE;
	ident_consider(w, &key);
	pparent = BPF_CORE_READ(parent, d_parent);
	if (!pparent) {
		w->state = IDENT_ERR; /* unreadable: the caller fails closed */
		return 1;
	}
	if (pparent != parent) {
		/* Not the top: its name in its parent too. */
		inode = BPF_CORE_READ(pparent, d_inode);
		if (!inode) {
			w->state = IDENT_ERR; /* a directory with no inode: fail closed */
			return 1;
		}
		ident_named(w, parent, BPF_CORE_READ(inode, i_ino), i == 0);
		if (w->state == IDENT_ERR)
			return 1; /* its name unreadable: the caller fails closed */
	}
	if (w->action != IG_ACT_NONE) {
		w->state = IDENT_MATCHED; /* the nearest directory's rules win */
		return 1;
	}
	w->dentry = (__u64)parent;
	return 0;
}

/*
 * The rules of the file's identity for hook: the nearest wins, as the most
 * specific path does by name (its name in its directory, then its
 * directory, then each one above, each by its inode and by its name in its
 * parent); at one level deny > audit > allow. A
 * rename while the walk runs makes it see the file by its old name or its
 * new: either is a name it was reached by. An allow found here only stops
 * the walk, as a longer allow rule shadows a shorter deny by name; the
 * caller gives no allow to a foreign path. False: the walk could not end
 * (too deep, a dentry unreadable), and the caller fails closed.
 */
static __always_inline bool ident_match(struct file *file, __u32 hook, __u32 policy,
					__s32 *rule, __u32 *action)
{
	struct dentry *dentry = file->f_path.dentry;
	struct inode *inode = file->f_inode;
	struct ig_ident_key key = {};
	struct ident_walk w = { .hook = hook, .rule = -1 };
	struct dentry *dir;

	*rule = -1;
	*action = IG_ACT_NONE;
	w.map = bpf_map_lookup_elem(&idents, &policy);
	if (!w.map)
		return true; /* open: no policy in force, so no rule to match (the printed path's hold) */
	if (!dentry || !inode)
		return false; /* nothing to walk from: fail closed */
	w.dev = inode->i_sb->s_dev;
	w.dentry = (__u64)dentry;
	dir = dentry->d_parent;
	if (dir && dir != dentry && dir->d_inode) {
		/* Its name in its directory: file rules. */
		w.name = (__u64)dentry->d_name.name;
		w.name_len = dentry->d_name.len;
		w.hash = ig_hash_seed;
		if (w.name_len > IG_IDENT_NAME_MAX)
			return false; /* no such name: fail closed */
		bpf_loop((IG_IDENT_NAME_MAX + 8) / 8, ident_name_step, &w, 0);
		if (w.state == IDENT_ERR)
			return false; /* name unreadable: fail closed */
		key.dev = w.dev;
		key.ino = dir->d_inode->i_ino;
		key.name_hash = w.hash;
		key.name_len = w.name_len;
		key.kind = IG_IDENT_FILE;
		ident_consider(&w, &key);
	}
	if (w.action == IG_ACT_NONE) {
		bpf_loop(IG_IDENT_DEPTH, ident_step, &w, 0);
		if (w.state == IDENT_WALKING || w.state == IDENT_ERR)
			return false; /* deeper than the bound, or unreadable: fail closed */
	}
	*rule = w.rule;
	*action = w.action;
	return true;
}

/*
 * A foreign path on a hook some deny or audit rule names: the rules of the
 * file's identity join those of its printed name, the stronger deciding
 * (deny > audit; an allow gives nothing here: the caller has already taken
 * allows from a foreign path). A walk that cannot end is refused as a path
 * that cannot be printed is (IG_F_IDENT_ERR; fail closed: it may be a file
 * a deny or audit rule names).
 */
static __always_inline void ident_apply(struct ig_event *ev, struct file *file, __u32 hook,
					__u32 policy)
{
	__u32 action;
	__s32 rule;

	if (!ident_match(file, hook, policy, &rule, &action)) {
		ev->flags |= IG_F_IDENT_ERR;
		ev->action = IG_ACT_DENY;
		ev->rule = -1;
		return;
	}
	if (action > IG_ACT_ALLOW && action > ev->action) {
		ev->action = action;
		ev->rule = rule;
	}
}

#endif
