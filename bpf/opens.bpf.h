/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Unwatched opens: an open that no rule watches is remembered by its name,
 * or by its directory's for every child, so that the next one leaves stage
 * 1 before the path walk.
 *
 * Included by bpf/enforcer.bpf.c alone, after its globals and maps.
 */
#ifndef IG_BPF_OPENS_H
#define IG_BPF_OPENS_H

/*
 * An unwatched open is remembered in an inode's storage under one of two
 * names: the file's own (hc->open), or its directory's for every child
 * (hc->children). children is a constant wherever these are inlined.
 * Read without the lock (every open comes here): a reading torn by a
 * write is not a match (seqcount.bpf.h), and the open walks its path.
 */
static __always_inline bool unwatched_known(struct inode *inode, bool children,
					    const struct ig_name_key *k)
{
	struct ig_hash_cache *hc;
	struct ig_name_key *m;
	bool same;
	__u32 seq;

	hc = bpf_inode_storage_get(&hash_cache, inode, 0, 0);
	if (!hc)
		return false;
	m = children ? &hc->children : &hc->open;
	seq = seq_read_begin(&hc->names_seq);
	same = m->epoch && name_key_same(m, k);
	return seq_read_valid(&hc->names_seq, seq) && same;
}

static __always_inline void unwatched_keep(struct inode *inode, bool children,
					   const struct ig_name_key *k)
{
	struct ig_hash_cache *hc;

	hc = bpf_inode_storage_get(&hash_cache, inode, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!hc)
		return; /* no memory: the next open walks its path again */
	bpf_spin_lock(&hc->lock);
	seq_write_begin(&hc->names_seq);
	if (children)
		hc->children = *k;
	else
		hc->open = *k;
	seq_write_end(&hc->names_seq);
	bpf_spin_unlock(&hc->lock);
}

static __always_inline void open_remember_unwatched(struct file *file,
						    const struct ig_name_key *k)
{
	if (!file->f_inode || !k->epoch)
		return; /* no key was made: nothing to remember */
	unwatched_keep(file->f_inode, false, k);
}

/*
 * Unwatched opens by directory: once an open's path walk finds that no rule
 * watches any child of its directory (no directory or tree rule, no file
 * rule on a child: IG_RULE_FILES), the directory remembers that by its own
 * name (struct ig_name_key of the directory's dentry, with its d_seq), and
 * an open of any other child, a new file's first, skips the walk.
 *
 * The file's own d_seq (in k, read before) is read again after its
 * d_parent was used: unchanged, the file was in that directory throughout
 * (a move changes it). A file that is its mount's root is named by its
 * mount point, not by its directory: never by directory. A subprogram, as
 * name_key is and for the same reason: a new file's open (a create) comes
 * here every time.
 */
static __noinline struct dentry *dir_key(struct ig_name_key *dk, const struct ig_name_key *k,
					 struct file *file)
{
	struct dentry *dentry = file->f_path.dentry;
	struct dentry *dir;
	__u32 seq;

	dk->epoch = 0;
	if (!k->epoch || !dentry || dentry == file->f_path.mnt->mnt_root)
		return NULL; /* no name, or named by a mount point */
	dir = dentry->d_parent;
	if (!dir || dir == dentry || !dir->d_inode)
		return NULL; /* disconnected: no directory to name it by */
	seq = dir->d_seq.seqcount.sequence;
	if (seq & 1)
		return NULL; /* the directory is being moved */
	*dk = *k;
	dk->dentry = (__u64)dir;
	dk->d_seq = seq;
	return dir;
}

/* The file's d_seq is still the one its key was made with. */
static __always_inline bool file_not_moved(struct file *file, const struct ig_name_key *k)
{
	return file->f_path.dentry->d_seq.seqcount.sequence == k->d_seq;
}

/* Was every child of this file's directory, by this name of it, found
 * unwatched under these rules? dk and *dirp are left for remembering. */
static __always_inline bool open_dir_unwatched(struct file *file, const struct ig_name_key *k,
					       struct ig_name_key *dk, struct dentry **dirp)
{
	struct dentry *dir;

	dir = dir_key(dk, k, file);
	*dirp = dir;
	if (!dir)
		return false;
	return unwatched_known(dir->d_inode, true, dk) && file_not_moved(file, k);
}

/* Was this open found unwatched by its name, as this file by itself? */
static __always_inline bool open_known_unwatched(struct file *file, struct ig_name_key *k)
{
	if (!file->f_inode || !name_key(k, file))
		return false;
	return unwatched_known(file->f_inode, false, k);
}

#define IG_FMODE_CREATED 0x100000	/* f_mode: this open created the file (6.1, 6.12) */

/* Or as a child of its directory (after open_known_unwatched: k is made)?
 * Then it is remembered by itself from now on, the cheaper lookup; but not
 * by the open that created it, which may be its only one (a temporary
 * file): the next open remembers it. dk and *dirp are left for
 * remembering. */
static __always_inline bool open_known_by_dir(struct file *file, const struct ig_name_key *k,
					      struct ig_name_key *dk, struct dentry **dirp)
{
	if (!open_dir_unwatched(file, k, dk, dirp))
		return false;
	if (!(file->f_mode & IG_FMODE_CREATED))
		open_remember_unwatched(file, k);
	return true;
}

/* An unwatched open's walk: does it tell that no child of its directory is
 * watched? Then the directory remembers it (fail safe: any doubt leaves
 * the next child's open to its own walk). */
static __always_inline void open_remember_dir(struct file *file, struct dentry *dir,
					      const struct ig_name_key *dk,
					      const struct ig_name_key *k,
					      const struct dir_match *dm, void *rules)
{
	struct ig_rule_key fk = { .hash = dm->hash, .len = dm->len, .kind = IG_RULE_FILES };
	struct ig_rule_val *v;

	if (!dir || !dk->epoch)
		return; /* no key was made */
	if (dm->action == IG_ACT_AUDIT || dm->action == IG_ACT_DENY)
		return; /* a directory or tree rule watches the children (or no match was made) */
	v = rules ? bpf_map_lookup_elem(rules, &fk) : NULL;
	if (v && (v->action[IG_HOOK_OPEN] == IG_ACT_AUDIT ||
		  v->action[IG_HOOK_OPEN] == IG_ACT_DENY))
		return; /* a file rule watches one of them */
	if (!file_not_moved(file, k))
		return; /* moved during the walk: the path may name another directory */
	unwatched_keep(dir->d_inode, true, dk);
}

/* An unwatched open, after its walk: by itself, and by its directory where
 * that holds for every child. */
static __always_inline void open_remember(struct file *file, struct dentry *dir,
					  const struct ig_name_key *dk,
					  const struct ig_name_key *k,
					  const struct dir_match *dm, void *rules)
{
	open_remember_unwatched(file, k);
	open_remember_dir(file, dir, dk, k, dm, rules);
}

#endif
