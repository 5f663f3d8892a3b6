/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The hash cache: each (inode, content version) is hashed once. Stage 1
 * takes a digest from the per-inode cache when nothing can have written the
 * file since it was measured, stage 3 fills the cache after a measurement,
 * and every grant of write access bumps the inode's generation (struct
 * ig_hash_cache).
 *
 * Included by bpf/enforcer.bpf.c alone, after its globals and maps.
 */
#ifndef IG_BPF_HASH_CACHE_H
#define IG_BPF_HASH_CACHE_H

/* The hash cache (struct ig_hash_cache): freed with its inode. One entry per
 * inode, no fixed capacity: when the kernel has no memory for an entry the
 * file is measured as if there were no cache (and see ig_truncate). */
struct {
	__uint(type, BPF_MAP_TYPE_INODE_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct ig_hash_cache);
} hash_cache SEC(".maps");

/* File systems whose content changes only through this kernel's VFS, where
 * every writer holds write access (by the superblock's flags and magic).
 * Anything else is hashed every time. */
static __always_inline bool cacheable_sb(unsigned long flags, unsigned long magic)
{
	if (flags & SB_KERNMOUNT)
		return false; /* memfd and other internal mounts: writers hold no write access */
	switch (magic) {
	case 0xEF53:		/* ext2/3/4 */
	case 0x01021994:	/* tmpfs */
	case 0x858458f6:	/* ramfs (the initramfs) */
	case 0x58465342:	/* xfs */
	case 0x9123683E:	/* btrfs */
	case 0xF2F52010:	/* f2fs */
	case 0x73717368:	/* squashfs */
	case 0xE0F5E1E2:	/* erofs */
		return true;
	}
	return false;
}

static __always_inline bool cacheable(struct inode *inode)
{
	struct super_block *sb = inode->i_sb;

	return sb && cacheable_sb(sb->s_flags, sb->s_magic);
}

#define IG_SEALS_FIXED	(F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

/* The seals of a file on an internal shmem or hugetlbfs mount (a memfd, SysV
 * shared memory, a shared map of /dev/zero): 0 for anything else there. The
 * inode is embedded in the file system's own inode, whose seals are read
 * through the offsets of the running kernel. */
static __always_inline __u32 internal_seals(struct inode *inode, unsigned long magic)
{
	struct hugetlbfs_inode_info *hi;
	struct shmem_inode_info *si;

	if (magic == TMPFS_MAGIC) {
		si = (void *)inode - bpf_core_field_offset(struct shmem_inode_info, vfs_inode);
		return BPF_CORE_READ(si, seals);
	}
	if (magic == HUGETLBFS_MAGIC && bpf_core_type_exists(struct hugetlbfs_inode_info)) {
		hi = (void *)inode - bpf_core_field_offset(struct hugetlbfs_inode_info, vfs_inode);
		return BPF_CORE_READ(hi, seals);
	}
	return 0;
}

/* bpf/overlay.bpf.h, included after this file. */
static __always_inline bool ovl_real_untrusted(struct file *file);

/* File systems whose content can change under the digest IMA keeps, which
 * bpf_ima_file_hash hands back (IMA's own staleness checks run only in its
 * own hook, after this one), unless the operator trusts them (ig_trust_fs):
 * - FUSE, whoever mounted it: a server can serve other bytes after IMA's
 *   read (fuseblk and virtiofs share the magic);
 * - a network or cluster file system (remote_fs): its server or another
 *   node changes the bytes with no write through this kernel;
 * - an overlay mounted from a user namespace other than the initial one:
 *   whoever owns that namespace owns its layers and can rewrite a lower
 *   file in place under the overlay inode. Only the initial namespace has
 *   level 0, a test that needs no knob and holds whatever namespace the
 *   loader runs in. Root's overlays (every container image) are made in
 *   the initial one;
 * - a file of root's overlay whose real (layer) file someone other than
 *   root can write in place, or whose real file cannot be told
 *   (ovl_real_untrusted). One knob trusts both kinds of overlay. */
static __always_inline bool untrusted_fs(struct file *file, struct super_block *sb)
{
	unsigned long magic = sb->s_magic;

	if (magic == FUSE_SUPER_MAGIC)
		return !(ig_trust_fs & IG_TRUST_FS_FUSE);
	if (remote_fs(magic))
		return !(ig_trust_fs & IG_TRUST_FS_REMOTE);
	if (magic == OVERLAYFS_SUPER_MAGIC && !(ig_trust_fs & IG_TRUST_FS_OVERLAY))
		return BPF_CORE_READ(sb, s_user_ns, level) != 0 || ovl_real_untrusted(file);
	return false;
}

/*
 * Stage 1, exec and executable maps: why the content has no digest to judge
 * it by, or 0. IMA hashes i_size bytes of whatever it is given, so a device
 * or anonymous inode reads as the empty file: only a regular file has a
 * content digest. A file on an internal mount (a memfd) takes writes from a
 * descriptor that holds no write access, so neither IMA nor the cache can
 * see its content change, during the exec or after it: only one sealed
 * against every write, growth and shrink holds still. A file on a mount
 * whose content can change under IMA's digest (untrusted_fs) has no digest
 * either, unless the operator trusts that kind of file system. A few loads,
 * one read for an internal mount, a dozen for an overlay's real file.
 */
static __always_inline __s32 content_error(struct file *file)
{
	struct inode *inode = file->f_inode;
	struct super_block *sb;

	if (!inode || (inode->i_mode & IG_S_IFMT) != IG_S_IFREG)
		return IG_ERR_NOT_REGULAR;
	sb = inode->i_sb;
	/* Fails closed when it decides: refused in enforce mode. */
	if (sb && untrusted_fs(file, sb))
		return IG_ERR_UNTRUSTED_FS;
	if (!sb || !(sb->s_flags & SB_KERNMOUNT))
		return 0;
	if ((internal_seals(inode, sb->s_magic) & IG_SEALS_FIXED) != IG_SEALS_FIXED)
		return IG_ERR_UNSEALED;
	return 0;
}

/*
 * Stage 1: a digest from the cache, or the generation to fill it at. Any
 * failure here only means the file is measured as if there were no cache;
 * a writer that is or may be open makes it a hash error.
 */
static __always_inline void cache_lookup(struct ig_record *rec, struct file *file)
{
	struct inode *inode = file->f_inode;
	struct ig_hash_cache *hc;
	bool hit;
	__u64 gen;

	if (!inode)
		return;
	hc = bpf_inode_storage_get(&hash_cache, inode, 0, 0);
	if ((hc && (hc->truncated || hc->ima_unsure)) || inode->i_writecount.counter > 0) {
		/* Fail closed: IMA keeps a digest until the last writer
		 * closes, so it may hand back the one from before a writer
		 * that is still open, before a truncate(2) (ig_truncate), or
		 * before writers that closed together (lastwriter.bpf.h). */
		rec->ev.flags |= IG_F_STALE;
		rec->ev.hash_error = IG_ERR_STALE;
		return;
	}
	if (!cacheable(inode))
		return;
	if (!hc)
		hc = bpf_inode_storage_get(&hash_cache, inode, 0,
					   BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!hc)
		return; /* no memory for the entry: measure */
	/* gen first, then the writer count (a fetch-add orders the two). */
	gen = __sync_fetch_and_add(&hc->gen, 0);
	if (inode->i_writecount.counter > 0) {
		/* Fail closed: a writer came since the check above, and IMA
		 * keeps its digest until that writer closes, as above. */
		rec->ev.flags |= IG_F_STALE;
		rec->ev.hash_error = IG_ERR_STALE;
		return;
	}
	bpf_spin_lock(&hc->lock);
	hit = hc->valid && hc->valid_gen == hc->gen && hc->epoch == ig_cache_epoch;
	if (hit)
		__builtin_memcpy(rec->ev.digest, hc->digest, IG_SHA256_LEN);
	bpf_spin_unlock(&hc->lock);
	rec->cache_gen = gen; /* a hit's digest is valid at gen: see fold_mark */
	if (hit) {
		rec->ev.flags |= IG_F_HASHED | IG_F_CACHED;
		rec->ev.hash_algo = bpf_core_enum_value(enum hash_algo, HASH_ALGO_SHA256);
	} else {
		rec->ev.flags |= IG_F_CACHE_FILL;
	}
}

/* Stage 3: keep a fresh full SHA-256, unless write access was granted since
 * stage 1 read the generation. */
static __always_inline void cache_fill(struct ig_record *rec, struct file *file)
{
	struct inode *inode = file->f_inode;
	struct ig_hash_cache *hc;

	if (!inode)
		return;
	hc = bpf_inode_storage_get(&hash_cache, inode, 0, 0);
	if (!hc)
		return; /* gone (or never made): nothing to fill */
	bpf_spin_lock(&hc->lock);
	if (hc->gen == rec->cache_gen) {
		__builtin_memcpy(hc->digest, rec->ev.digest, IG_SHA256_LEN);
		hc->valid_gen = rec->cache_gen;
		hc->epoch = ig_cache_epoch;
		hc->valid = 1;
	}
	bpf_spin_unlock(&hc->lock);
}

/* Write access was just granted: whatever the cache holds for inode is stale
 * from now on. A writer's close makes IMA look again, so a truncate(2)
 * before it stops mattering: while it is open, i_writecount says so. */
static __always_inline void cache_invalidate(struct inode *inode)
{
	struct ig_hash_cache *hc;

	if (!inode)
		return;
	hc = bpf_inode_storage_get(&hash_cache, inode, 0, 0);
	if (!hc)
		return;
	__sync_fetch_and_add(&hc->gen, 1);
	hc->truncated = 0;
}

#endif
