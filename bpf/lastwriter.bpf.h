/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * IMA's last writer: IMA keeps a file's digest until the last writer closes
 * it, and tells "last" by the count of writers (i_writecount) as each
 * closes, before the count drops. Two writers that close at the same moment
 * can each see the other, and then IMA keeps the digest of the bytes before
 * them, which bpf_ima_file_hash hands back (t_ima_lastwriter: an
 * unprivileged user's rewritten script ran as listed). So the chain looks
 * at each close of a regular file open for writing as IMA does, right
 * before it (fentry on ima_file_free, on both kernels), and keeps on the
 * inode whether the latest such close was alone (IMA forgot the digest
 * there) or not (IMA may have kept it): struct ig_hash_cache's ima_unsure,
 * ordered by a global sequence (close_seq) so that a close noted late never
 * overwrites a later one. While ima_unsure is set, an exec or map of the
 * file is a hash error (stage 1, cache_lookup), refused in enforce mode,
 * until a writer closes it alone again (IMA then measures afresh).
 *
 * Where the kernel has the file_release LSM hook (6.12, not 6.1: IMA
 * itself looks from there), ig_lw_release notes the close on the inode at
 * once.
 * Elsewhere (6.1) a tracing program, which cannot reach inode storage,
 * looks: the fentry notes what it saw in the closing task's storage, and
 * the file's last LSM hook (file_free_security, later in the same __fput,
 * in the same task) moves it to the inode.
 *
 * Included by bpf/enforcer.bpf.c alone, after hash_cache.bpf.h.
 */
#ifndef IG_BPF_LASTWRITER_H
#define IG_BPF_LASTWRITER_H

/* Runtime: the order of the closes noted (0: none yet). */
__u64 ig_close_seq;

/* What the fentry saw of the close the task is in: the file, its place in
 * the order, and whether it was the only writer. */
struct ig_closing {
	__u64 file;
	__u64 seq;
	__u32 alone;
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct ig_closing);
} closing SEC(".maps");

/* IMA's own test at this close (ima_check_last_writer): the only writer,
 * before its count drops. */
static __always_inline bool lw_alone(struct file *file)
{
	return file->f_inode->i_writecount.counter == 1;
}

static __always_inline bool lw_watched(struct file *file)
{
	struct inode *inode = file->f_inode;

	return (file->f_mode & FMODE_WRITE) && inode &&
	       (inode->i_mode & IG_S_IFMT) == IG_S_IFREG;
}

/* Keep on the inode what the close numbered seq saw: alone or not. A close
 * that was alone needs no entry where there is none (nothing is unsure);
 * one that was not makes one. */
static __always_inline void lw_note(struct inode *inode, __u64 seq, bool alone)
{
	struct ig_hash_cache *hc;

	hc = bpf_inode_storage_get(&hash_cache, inode, 0,
				   alone ? 0 : BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!hc)
		return; /* alone: nothing to forget; not alone, no memory: see the limits */
	bpf_spin_lock(&hc->lock);
	if (seq > hc->close_seq) {
		hc->close_seq = seq;
		hc->ima_unsure = !alone;
	}
	bpf_spin_unlock(&hc->lock);
}

#endif
