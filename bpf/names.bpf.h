/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Remembered names: each name is resolved once. An exec or map by a name
 * already seen takes the path, its hash and the rules' verdict from the
 * inode (struct ig_name) until its rename (any directory's rename: every
 * name), a mount change, an unlink or a rules or allowlist swap; and only
 * on file systems whose renames all pass through this kernel
 * (renames_seen): elsewhere every access resolves its path.
 *
 * Included by bpf/enforcer.bpf.c alone, after its globals and maps.
 */
#ifndef IG_BPF_NAMES_H
#define IG_BPF_NAMES_H

/* Names of files executed or mapped (struct ig_name): freed with the inode.
 * One per inode, no fixed capacity: with no memory for one, the next exec
 * or map of the file walks its path again. */
struct {
	__uint(type, BPF_MAP_TYPE_INODE_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct ig_name);
} names SEC(".maps");

/* Whether every rename of this file system's names goes through this
 * kernel's vfs_rename, which the watchers follow: only then can a name
 * remembered here be told stale. A network or FUSE file system renames on
 * the server and this kernel just moves its dentries (d_splice_alias of a
 * directory found under a new name): no bump, so nothing is remembered
 * there. An overlay counts as local when made in the initial user
 * namespace (its layers are root's); one made in another can have its
 * layers renamed under it by whoever owns that namespace. */
static __always_inline bool renames_seen(struct inode *inode)
{
	struct super_block *sb = inode->i_sb;

	if (sb && sb->s_magic == OVERLAYFS_SUPER_MAGIC)
		return BPF_CORE_READ(sb, s_user_ns, level) == 0;
	return cacheable(inode);
}

/*
 * May a remembered name be trusted now? Where the kernel preempts
 * everywhere it may skip a watcher's run, and the bump that run owed is
 * made by the loader once it sees the skip; so a name is recalled only up
 * to IG_NAMES_FRESH_MS after the loader last looked and found nothing owed.
 * A daemon that is gone, stopped or busy (a long reload) lets that moment
 * pass, and every access resolves its path again (fails safe: only slower).
 * Elsewhere the knob is 0 and the verifier drops the check.
 */
static __always_inline bool names_fresh(void)
{
	if (!ig_names_heartbeat)
		return true;
	return bpf_ktime_get_ns() <= *(volatile __u64 *)&ig_names_until;
}

/*
 * The name this access reaches the file by (struct ig_name_key); false when
 * it cannot be told without printing it: walk the path then.
 *
 * A subprogram, not inlined: inlined into stage 1, the compiler keeps the
 * key's fields in registers and zeroes all five of them before each of
 * the checks below, in case it leaves there (about 60 instructions on
 * every open, map and exec). Called, the key is built once in the
 * caller's stack.
 */
static __noinline bool name_key(struct ig_name_key *k, struct file *file)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct dentry *dentry = file->f_path.dentry;
	struct fs_struct *fs = task->fs;
	__u32 seq;

	k->epoch = 0; /* nothing to remember by, until the key is whole */
	if (!names_fresh())
		return false; /* a skipped watcher run may be unseen: resolve */
	if (!fs || !dentry)
		return false; /* no root to name it from */
	if (!dentry->d_hash.pprev)
		return false; /* unlinked: bpf_d_path adds " (deleted)" */
	if (!file->f_inode || !renames_seen(file->f_inode))
		return false; /* renamed behind this kernel's back: resolve every time */
	/* Read before the path is (if at all), so that a move of this dentry
	 * after it makes the key stale; odd while one is under way. */
	seq = dentry->d_seq.seqcount.sequence;
	if (seq & 1)
		return false; /* being moved: resolve it and keep nothing */
	k->d_seq = seq;
	k->dentry = (__u64)dentry;
	k->mnt = (__u64)file->f_path.mnt;
	k->root_dentry = (__u64)fs->root.dentry;
	k->root_mnt = (__u64)fs->root.mnt;
	k->epoch = ig_cache_epoch;
	return true;
}

static __always_inline bool name_key_same(const struct ig_name_key *a,
					  const struct ig_name_key *b)
{
	return a->dentry == b->dentry && a->mnt == b->mnt && a->root_dentry == b->root_dentry &&
	       a->root_mnt == b->root_mnt && a->rules_gen == b->rules_gen &&
	       a->path_gen == b->path_gen && a->epoch == b->epoch && a->d_seq == b->d_seq;
}

enum name_found {
	NAME_NONE,	/* resolve and match */
	NAME_PATH,	/* path and its hash known; match the rules for this hook */
	NAME_FULL,	/* the rules' verdict for this hook too */
};

/*
 * An exec or map by a name remembered on the inode: the path, its hash and,
 * when this hook was matched under the same rules, the winning rule. Any
 * failure means the path is resolved and matched as if nothing were kept.
 */
static __always_inline enum name_found name_recall(struct ig_event *ev, struct file *file,
						   __u32 hook, struct ig_name_key *k)
{
	enum name_found found = NAME_NONE;
	struct ig_name *nm;

	if (!file->f_inode || hook >= IG_HOOK_MAX || !name_key(k, file))
		return NAME_NONE;
	nm = bpf_inode_storage_get(&names, file->f_inode, 0, 0);
	if (!nm)
		return NAME_NONE;
	bpf_spin_lock(&nm->lock);
	if (nm->key.epoch && name_key_same(&nm->key, k) && nm->path_len &&
	    nm->path_len <= IG_NAME_PATH_MAX) {
		__builtin_memcpy(ev->path, nm->path, IG_NAME_PATH_MAX);
		ev->path_len = nm->path_len;
		ev->path_hash = nm->path_hash;
		found = NAME_PATH;
		if (nm->matched & (1U << hook)) {
			ev->rule = nm->rule[hook];
			ev->action = nm->action[hook];
			found = NAME_FULL;
		}
	}
	bpf_spin_unlock(&nm->lock);
	return found;
}

/* Keep what stage 1 worked out for this name and hook. */
static __always_inline void name_remember(const struct ig_event *ev, struct file *file,
					  __u32 hook, const struct ig_name_key *k)
{
	struct ig_name *nm;

	if (!file->f_inode || !k->epoch || hook >= IG_HOOK_MAX)
		return; /* no key was made: nothing to remember */
	if ((ev->flags & IG_F_PATH_ERR) || ev->path_len > IG_NAME_PATH_MAX)
		return; /* unresolved or too long to keep: resolved every time */
	nm = bpf_inode_storage_get(&names, file->f_inode, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!nm)
		return; /* no memory: the next access walks the path again */
	bpf_spin_lock(&nm->lock);
	seq_write_begin(&nm->seq); /* key and folds: fold_find reads them lock-free */
	if (!name_key_same(&nm->key, k)) {
		nm->key = *k;
		nm->matched = 0;
		nm->fold.epoch = 0;
		nm->open_fold.epoch = 0;
		__builtin_memcpy(nm->path, ev->path, IG_NAME_PATH_MAX);
		nm->path_len = ev->path_len;
		nm->path_hash = ev->path_hash;
	}
	nm->rule[hook] = ev->rule;
	nm->action[hook] = ev->action;
	nm->matched |= 1U << hook;
	seq_write_end(&nm->seq);
	bpf_spin_unlock(&nm->lock);
}

#endif
