/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Folded repeats: each allowed map, and each allowed audited open of a
 * content version, is sent once per daemon fold epoch. The daemon keeps only
 * a count of their repeats, so stage 1 counts them itself once one was sent
 * (struct ig_fold), until the name, the content or the lists change.
 *
 * Included by bpf/enforcer.bpf.c alone, after its globals and maps.
 */
#ifndef IG_BPF_FOLDS_H
#define IG_BPF_FOLDS_H

/* Folded repeats per slot; [0] counts the slots handed out. The daemon
 * reads it mapped. IG_FOLD_SLOTS slots: once an epoch has taken them all,
 * allowed maps are sent as if folding were off (the daemon begins a new
 * epoch once half are taken). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, IG_FOLD_SLOTS);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, __u64);
} folds SEC(".maps");

/* Never read here. Putting a map into it makes the kernel wait for every
 * running non-sleepable program (the map-in-map update's synchronize_rcu):
 * the loader's way to know that none still folds into an old epoch. One
 * slot, filled and emptied by the loader. */
struct quiesce_inner {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);
	__type(key, __u32);
	__array(values, struct quiesce_inner);
} quiesce SEC(".maps");

static __always_inline __u32 fold_epoch(void)
{
	return *(volatile __u32 *)&ig_fold_epoch;
}

/*
 * The repeat of a record sent with fold f: counted in its slot when, for
 * content (a digest, or an audited open's version), the content is still
 * the one f was taken for: the generation first, then no writer, as
 * cache_lookup reads them. hc is the inode's cache entry where the caller
 * has it already (a map: map_begin), else NULL. False: sent as usual (fail
 * safe).
 */
static __always_inline bool fold_count(struct inode *inode, const struct ig_fold *f,
				       bool content, struct ig_counters *c,
				       struct ig_hash_cache *hc)
{
	__u32 slot = f->slot;
	__u64 *count;

	if (content) {
		if (!hc)
			hc = bpf_inode_storage_get(&hash_cache, inode, 0, 0);
		if (!hc || hc->truncated || hc->ima_unsure || __sync_fetch_and_add(&hc->gen, 0) != f->gen ||
		    inode->i_writecount.counter > 0)
			return false; /* the content may have changed: judged and sent */
	}
	count = bpf_map_lookup_elem(&folds, &slot);
	if (!count)
		return false; /* a slot out of range is never handed out */
	__sync_fetch_and_add(count, 1);
	if (c)
		c->folds++;
	return true;
}

/* The fold kept on inode under name k in this epoch (the open's when open,
 * else the map's): copied into *f, false when there is none. Read without
 * the lock (every repeated map comes here): a reading torn by a write is
 * none (seqcount.bpf.h), and the map is judged and sent. */
static __always_inline bool fold_find(struct inode *inode, const struct ig_name_key *k,
				      __u32 epoch, bool open, struct ig_fold *f)
{
	struct ig_fold *kept;
	struct ig_name *nm;
	bool same;
	__u32 seq;

	nm = bpf_inode_storage_get(&names, inode, 0, 0);
	if (!nm)
		return false; /* never sent with a slot: judged and sent (fail safe) */
	kept = open ? &nm->open_fold : &nm->fold;
	seq = seq_read_begin(&nm->seq);
	same = kept->epoch == epoch && name_key_same(&nm->key, k);
	*f = *kept;
	return seq_read_valid(&nm->seq, seq) && same;
}

/* Record sent with its slot under epoch: keep its fold on inode (the
 * open's when open, else the map's) if the name is still k. */
static __always_inline void fold_store(struct inode *inode, const struct ig_name_key *k,
				       const struct ig_record *rec, __u32 epoch, bool open)
{
	struct ig_fold *kept;
	struct ig_name *nm;

	nm = bpf_inode_storage_get(&names, inode, 0, 0);
	if (!nm)
		return; /* no memory for the name: every repeat is sent (fail safe) */
	bpf_spin_lock(&nm->lock);
	if (name_key_same(&nm->key, k)) {
		kept = open ? &nm->open_fold : &nm->fold;
		seq_write_begin(&nm->seq);
		kept->epoch = epoch;
		kept->slot = rec->ev.fold_slot;
		kept->hashed = !!(rec->ev.flags & IG_F_HASHED);
		kept->gen = rec->cache_gen;
		seq_write_end(&nm->seq);
	}
	bpf_spin_unlock(&nm->lock);
}

/*
 * A repeat of an allowed map already sent under this fold epoch, by the same
 * name, of the same content: counted in its slot instead of sent. False
 * means the map is judged and sent as usual (fail safe: any doubt here costs
 * an event, never a verdict).
 */
static __always_inline bool fold_repeat(struct file *file, struct ig_name_key *k,
					struct ig_counters *c, struct ig_hash_cache *hc)
{
	struct inode *inode = file->f_inode;
	__u32 epoch = fold_epoch();
	struct ig_fold f = {};

	if (!epoch || !inode || !name_key(k, file))
		return false; /* folding off, or no name to know it by */
	if (!fold_find(inode, k, epoch, false, &f))
		return false;
	return fold_count(inode, &f, f.hashed, c, hc);
}

/* A slot for an allowed map about to be sent; 0 when folding is off or
 * every slot of this epoch is taken (the map's repeats are then sent). */
static __always_inline __u32 fold_take(__u32 epoch)
{
	__u32 zero = 0, slot;
	__u64 *taken, *count, n;

	if (!epoch)
		return 0;
	taken = bpf_map_lookup_elem(&folds, &zero);
	if (!taken || *taken >= IG_FOLD_SLOTS - 1)
		return 0;
	n = __sync_fetch_and_add(taken, 1) + 1;
	if (n >= IG_FOLD_SLOTS)
		return 0;
	slot = n;
	count = bpf_map_lookup_elem(&folds, &slot);
	if (!count)
		return 0;
	*count = 0;	/* left from an earlier epoch */
	return slot;
}

/* The map was sent with its slot: fold its repeats from now on, if the name
 * is still the one it was judged by. */
static __always_inline void fold_mark(const struct ig_record *rec, struct file *file,
				      const struct ig_name_key *k, __u32 epoch)
{
	if (!file->f_inode || !k->epoch)
		return; /* no name: every map is sent */
	fold_store(file->f_inode, k, rec, epoch, false);
}

/*
 * ---- audited opens. An open under an audit rule, allowed and not a
 * would-deny, folds like a map, by the name stage 1 made for it
 * (open_known_unwatched), but only while its content is the version its
 * record was sent for, hashed or not (IG_F_VERSION, fold_count): the hash
 * cache's generation and no writer open. That version exists only where
 * cache_lookup read the generation from an entry it found or made, before
 * it found no writer open: every later grant of write access finds that
 * entry and bumps it (write_open, ig_truncate), so no rewrite can leave a
 * fold standing, even of an inode that had no entry before its first
 * audited open. Without an entry (no memory, or a file system whose writes
 * the cache cannot follow) an open has no version and is sent every time.
 */

/* Stage 1, an audited open: the content version the record is sent with,
 * when cache_lookup read the generation (a hit or a fill, never stale). */
static __always_inline void open_version(struct ig_record *rec, struct file *file)
{
	if (!file->f_inode || !(rec->ev.flags & (IG_F_CACHED | IG_F_CACHE_FILL)))
		return; /* no entry, or a writer open: no version, sent every time */
	rec->ev.flags |= IG_F_VERSION;
	rec->ev.version = (__u64)file->f_inode->i_generation << 32 | (__u32)rec->cache_gen;
}

/* Stage 1, an open some rule watches, with k made (open_known_unwatched):
 * the repeat of an audited open already sent under this fold epoch, by the
 * same name, of the same content version: counted in its slot, not sent.
 * Runs after the unwatched opens left, so that they pay nothing for it. */
static __always_inline bool fold_open_repeat(struct file *file, const struct ig_name_key *k,
					     struct ig_counters *c)
{
	struct inode *inode = file->f_inode;
	__u32 epoch = fold_epoch();
	struct ig_fold f = {};

	if (!epoch || !inode || !k->epoch)
		return false; /* folding off, or no name to know it by */
	if (!fold_find(inode, k, epoch, true, &f))
		return false; /* another name, epoch or policy: judged and sent */
	return fold_count(inode, &f, true, c, NULL);
}

/* Stage 3, an open judged: a fold slot for an allowed audited open with a
 * content version and a name, else none (sent again next time). Returns
 * the fold epoch the slot was taken in, 0 for none. */
static __always_inline __u32 fold_open_take(struct ig_record *rec)
{
	struct ig_event *ev = &rec->ev;
	__u32 epoch;

	if (ev->reason != IG_REASON_RULE_AUDIT || ev->decision != IG_ALLOW ||
	    (ev->flags & (IG_F_WOULD_DENY | IG_F_PROBE | IG_F_STALE | IG_F_PATH_ERR)) ||
	    !(ev->flags & IG_F_VERSION) || !rec->name.epoch)
		return 0; /* a deny, a would-deny, or nothing to hold the fold by */
	epoch = fold_epoch();
	ev->fold_slot = fold_take(epoch);
	return ev->fold_slot ? epoch : 0;
}

/* Stage 3, the open was sent with its slot: fold its repeats from now on,
 * under the name stage 1 made, at the generation its version names. The
 * name is remembered on the inode as an exec's is (name_remember: one name
 * per inode, its printed path with it); no memory, or a path too long to
 * keep, and the repeats are sent (fail safe). */
static __always_inline void fold_open_mark(struct ig_record *rec, struct file *file, __u32 epoch)
{
	if (!file->f_inode)
		return; /* nothing to keep it on: every repeat is sent (fail safe) */
	name_remember(&rec->ev, file, IG_HOOK_OPEN, &rec->name);
	fold_store(file->f_inode, &rec->name, rec, epoch, true);
}

#endif
