/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Content judged is content run, after the judgment too: while a file's
 * content is mapped executable, nobody may open it for writing or truncate
 * it by name (the kernel stopped denying writes to mapped files in 5.15; it
 * still denies them for a program being exec'd, not for a library, nor for
 * a program that ld.so maps). Without this, a process maps listed bytes,
 * and a writer rewrites them in place while it runs: the page cache is
 * shared, so the running process executes bytes never judged.
 *
 *   exec_mapped      in the inode's hash cache entry: the file was mapped
 *                    executable, or made so by mprotect, while this chain
 *                    ran. Set before the map's writer check; never cleared.
 *   maps_inflight    executable maps between their mmap_file hook and the
 *                    end of vm_mmap_pgoff, where the new mapping joins the
 *                    inode's mappings (i_mmap) at last; the mapper can
 *                    stretch that gap at will (another of its threads holds
 *                    the mm's lock). Counted per bucket of inodes, since
 *                    the program that counts a map out is an fexit program,
 *                    which cannot reach inode storage.
 *
 * A write open (or a truncate by name) of a file with exec_mapped set is
 * refused while the file has any mapping, or while its bucket counts a map
 * in flight. The mapper marks, counts, then checks for a writer; the writer
 * takes write access, then reads the mark and the count; each side's
 * atomic is a full barrier, so one of the two always sees the other. A map
 * in flight on another file of the same bucket only delays a write to a
 * file once mapped executable (the bucket is chosen by a per-load seed,
 * out of a user's reach).
 *
 * Included by bpf/enforcer.bpf.c alone, after verdict.bpf.h.
 */
#ifndef IG_BPF_MAPPED_H
#define IG_BPF_MAPPED_H

#define IG_INFLIGHT_BUCKETS 1024

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, IG_INFLIGHT_BUCKETS);
	__type(key, __u32);
	__type(value, __u64);
} maps_inflight SEC(".maps");

/* A regular file outside the kernel's internal mounts. */
static __always_inline bool markable(struct inode *inode)
{
	return inode && (inode->i_mode & IG_S_IFMT) == IG_S_IFREG && inode->i_sb &&
	       !(inode->i_sb->s_flags & SB_KERNMOUNT);
}

/* The in-flight count of inode's bucket; NULL never happens (an index in
 * range), and is then no count at all. */
static __always_inline __u64 *inflight_bucket(struct inode *inode)
{
	__u64 h = (inode->i_ino ^ ((__u64)inode->i_sb->s_dev << 32)) + ig_hash_seed;
	__u32 i;

	h *= 0x9E3779B97F4A7C15ULL;
	i = (h >> 54) & (IG_INFLIGHT_BUCKETS - 1);
	return bpf_map_lookup_elem(&maps_inflight, &i);
}

/*
 * An executable map (inflight: counted until map_end) or a mprotect of
 * file is about to be judged: mark its inode. False when the mark cannot be
 * made (no memory for the inode's entry): the caller refuses the map (fail
 * closed), since the content could then be rewritten under it. Only regular
 * files outside the kernel's internal mounts take a mark: a memfd is judged
 * by its seals (content_error). *hcp is the inode's entry, or NULL (not
 * markable), for the filter's fold (fold_count) to use again.
 */
static __always_inline bool map_begin(struct file *file, bool inflight,
				      struct ig_hash_cache **hcp)
{
	struct inode *inode = file->f_inode;
	struct ig_hash_cache *hc;
	__u64 *n;

	*hcp = NULL;
	if (!markable(inode))
		return true; /* nothing to mark: content_error judges these */
	hc = bpf_inode_storage_get(&hash_cache, inode, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!hc)
		return false;
	*hcp = hc;
	hc->exec_mapped = 1;
	n = inflight_bucket(inode);
	if (!n)
		return false;
	/* The atomic orders the mark before the writer check that follows
	 * (cache_lookup); as a count it pairs with map_end. */
	__sync_fetch_and_add(n, inflight ? 1 : 0);
	return true;
}

/* vm_mmap_pgoff returned: the map that map_begin counted is in i_mmap now,
 * or failed. An underflow (a map refused by an LSM that runs before BPF,
 * or hooked before this chain attached, so never counted) is undone at
 * once; meanwhile it reads as a map in flight, which only delays a writer
 * (fail closed). */
static __always_inline void map_end(struct file *file)
{
	struct inode *inode = file->f_inode;
	__u64 *n;

	if (!markable(inode))
		return; /* map_begin counted nothing */
	n = inflight_bucket(inode);
	if (n && __sync_fetch_and_add(n, -1) == 0)
		__sync_fetch_and_add(n, 1);
}

/* Whether write access to inode, whose cache entry is hc (NULL: none),
 * must be refused: see the top of this file. */
static __always_inline bool write_busy_in(struct inode *inode, struct ig_hash_cache *hc)
{
	__u64 *n;

	if (!hc || !hc->exec_mapped)
		return false; /* open: never mapped executable while this chain ran */
	if (!markable(inode))
		return false; /* open: map_begin marks no such inode (content_error judges it) */
	/* The writer's i_writecount increment came first (an atomic): an
	 * executable map that has not counted itself yet will see it. */
	n = inflight_bucket(inode);
	if (!n || *(volatile __u64 *)n)
		return true;
	return inode->i_mapping && BPF_CORE_READ(inode, i_mapping, i_mmap.rb_root.rb_node);
}

static __always_inline bool write_busy(struct inode *inode)
{
	if (!markable(inode))
		return false;
	return write_busy_in(inode, bpf_inode_storage_get(&hash_cache, inode, 0, 0));
}

/*
 * Refuse write access for reason: -err in enforce mode, a would-deny in
 * monitor mode. The event is an open's (a truncate by name too), with the
 * path (none for a truncate: 6.1 prints paths only on hooks that may
 * sleep, and path_truncate is not one) and, when the cache holds it, the
 * digest of the content. With no room in the ring the verdict stands,
 * counted as lost.
 */
static __always_inline int open_refuse(const struct path *path, struct inode *inode,
				       __u32 reason, int err)
{
	struct ig_counters *c = counters_get();
	struct ig_hash_cache *hc;
	struct ig_event *ev;
	long n;
	int verdict;

	ev = bpf_ringbuf_reserve(&events, sizeof(*ev), 0);
	if (!ev) {
		if (c)
			c->lost++;
		if (ig_mode != IG_MODE_ENFORCE)
			return 0;
		if (c && reason < IG_REASON_MAX)
			c->denies[reason]++;
		return -err;
	}
	__builtin_memset(ev, 0, IG_EVENT_HDR_LEN);
	fill_inode(ev, inode, IG_HOOK_OPEN);
	ev->stages = IG_STAGE_FILTER;
	if (path) {
		n = bpf_d_path((struct path *)path, ev->path, sizeof(ev->path));
		if (n <= 0 || n > IG_PATH_MAX)
			path_unknown(ev);
		else
			ev->path_len = n;
	} else {
		path_unknown(ev);
	}
	hc = bpf_inode_storage_get(&hash_cache, inode, 0, 0);
	if (hc) {
		bpf_spin_lock(&hc->lock);
		if (hc->valid && hc->valid_gen == hc->gen && hc->epoch == ig_cache_epoch) {
			__builtin_memcpy(ev->digest, hc->digest, IG_SHA256_LEN);
			ev->flags |= IG_F_HASHED | IG_F_CACHED;
		}
		bpf_spin_unlock(&hc->lock);
		if (ev->flags & IG_F_HASHED)
			ev->hash_algo = bpf_core_enum_value(enum hash_algo, HASH_ALGO_SHA256);
	}
	verdict = refuse(ev, reason, c) ? -err : 0;
	submit_counted(ev, c);
	return verdict;
}

/* Refuse write access to content mapped executable: ETXTBSY, as the kernel
 * answers a write to a running program; the digest is that of what is
 * mapped. */
static __always_inline int write_refuse(const struct path *path, struct inode *inode)
{
	return open_refuse(path, inode, IG_REASON_TEXT_BUSY, ETXTBSY);
}

/*
 * An open for writing (do_dentry_open took write access before the hook):
 * refused while the content is mapped executable (closed, see the top of
 * this file), else the cached digest is forgotten (cache_invalidate). One
 * lookup serves both: an inode with no cache entry was never mapped
 * executable while this chain ran and has no digest to forget. Returns the
 * verdict.
 */
static __always_inline int write_open(struct file *file)
{
	struct inode *inode = file->f_inode;
	struct ig_hash_cache *hc;
	int ret;

	if (!inode)
		return 0; /* open: no inode, nothing to write to */
	hc = bpf_inode_storage_get(&hash_cache, inode, 0, 0);
	if (!hc)
		/* Open, and nothing lost: no entry is no mark (never mapped
		 * executable while this chain ran) and no digest to forget. */
		return 0;
	if (write_busy_in(inode, hc)) {
		ret = write_refuse(&file->f_path, inode);
		if (ret)
			return ret;
	}
	__sync_fetch_and_add(&hc->gen, 1);
	hc->truncated = 0;
	return 0;
}

#endif
