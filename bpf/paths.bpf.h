/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Whether the path bpf_d_path printed is the file's own: a file with no
 * link at that path (unlinked, a memfd), and a path not proven the host's
 * (another root or mount namespace, a detached mount). Allow rules and
 * bind_path entries trust only a path that passes both. Included by
 * enforcer.bpf.c after the context.
 */
#ifndef IG_BPF_PATHS_H
#define IG_BPF_PATHS_H

/*
 * No link at the path the event names, told from the dentry and the inode,
 * never from the printed " (deleted)", which a real name may end in: the
 * dentry was unlinked (unhashed and not a root: the kernel's d_unlinked,
 * which is when d_path adds the suffix; the inode may keep other links),
 * or the inode has no link at all (a memfd or an O_TMPFILE file: the
 * pseudo name of the first ends in the suffix too, though its dentry is a
 * root). Read after the path is printed: a dentry unhashed before that is
 * never hashed again, so a path printed with the suffix is always marked.
 */
static __always_inline bool file_unlinked(struct file *file)
{
	struct dentry *dentry = file->f_path.dentry;
	struct inode *inode = file->f_inode;

	if (inode && inode->i_nlink == 0)
		return true;
	return dentry && !dentry->d_hash.pprev && dentry->d_parent != dentry;
}

/* The count of changes to the task's root and working directory (fs->seq),
 * odd while one is under way; FS_SEQ_NONE when it cannot be read (this
 * kernel keeps it otherwise): the root is then read once, unguarded. */
#define FS_SEQ_NONE (~0ULL)
static __always_inline __u64 fs_seq(void)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct fs_struct *fs = task->fs;

	if (!fs || !bpf_core_field_exists(fs->seq.seqcount.sequence))
		return FS_SEQ_NONE;
	return *(volatile unsigned int *)&fs->seq.seqcount.sequence;
}

/*
 * The path printed for the file is the host's own: the task is in the host's
 * mount namespace, its root is that namespace's root (its root mount, or the
 * mount on top of it, as after switch_root from an initramfs), and the
 * file's mount is in that namespace. bpf_d_path prints relative to the
 * task's root and through its mounts, so a root elsewhere (chroot), another
 * namespace's mounts (unshare -m and a bind mount) or a detached mount
 * (open_tree) can show any content at any name. False when any of it cannot
 * be read (fail closed: no allow rule, the digest decides). A few loads; the
 * struct mount around a vfsmount is found by the running kernel's offset.
 */
static __always_inline bool path_host_relative(struct ig_event *ev, struct file *file,
					       __u64 seq)
{
	struct task_struct *task = bpf_get_current_task_btf();
	unsigned long off = bpf_core_field_offset(struct mount, mnt);
	struct fs_struct *fs = task->fs;
	struct vfsmount *root_mnt;
	struct mnt_namespace *ns;
	struct mount *top, *rm, *fm;

	if (!ig_host_mnt_ns || ev->mnt_ns != ig_host_mnt_ns)
		return false; /* another mount namespace, or none known: fail closed */
	ns = task->nsproxy->mnt_ns;
	if (!fs || !ns)
		return false; /* no root to prove: fail closed */
	root_mnt = fs->root.mnt;
	if (!root_mnt || fs->root.dentry != root_mnt->mnt_root)
		return false; /* a root inside a mount, a chroot: fail closed */
	top = BPF_CORE_READ(ns, root);
	/* Read, not loaded: arithmetic on a scalar, not a typed pointer. */
	rm = (struct mount *)((unsigned long)BPF_CORE_READ(fs, root.mnt) - off);
	if (rm != top && (BPF_CORE_READ(rm, mnt_parent) != top ||
			  BPF_CORE_READ(rm, mnt_mountpoint) != BPF_CORE_READ(top, mnt.mnt_root)))
		return false; /* a root on another mount, a chroot: fail closed */
	if (!file->f_path.mnt)
		return false; /* no mount to place it in: fail closed */
	fm = (struct mount *)((unsigned long)BPF_CORE_READ(file, f_path.mnt) - off);
	if (BPF_CORE_READ(fm, mnt_ns) != ns)
		return false; /* detached, internal or another namespace's: fail closed */
	/* seq: read before the path was printed or recalled. A root changed
	 * since (another thread sharing it, a chroot and back) may have
	 * printed it from elsewhere: fail closed. */
	asm volatile("" ::: "memory");
	return seq == FS_SEQ_NONE || (!(seq & 1) && fs_seq() == seq);
}

#endif
