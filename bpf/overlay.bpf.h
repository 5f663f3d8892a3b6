/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The real file under an overlay's file, and who can change its bytes.
 *
 * IMA keeps the digest it took on the overlay's inode, and
 * bpf_ima_file_hash hands that digest back; IMA compares the real inode's
 * version only in its own hook, which runs after this chain's. So the
 * digest of an overlay file holds only while nobody writes its real file
 * (the layer's inode) in place: a user who can write it there could run
 * other bytes under a listed digest. Reading and mapping an overlay file
 * go to the real file that ovl_open opened (file->private_data: a struct
 * file on 6.1 and 6.12, a container whose first member is that file in
 * later kernels), whose inode is the upper one once the file was copied up,
 * the lower one before (or the data layer's, under metacopy): the rule
 * below covers every layer alike.
 *
 * Included by bpf/enforcer.bpf.c alone, after hash_cache.bpf.h (cacheable_sb).
 */
#ifndef IG_BPF_OVERLAY_H
#define IG_BPF_OVERLAY_H

#define IG_S_IWGRP	00020
#define IG_S_IWOTH	00002
#define IG_SB_RDONLY	(1 << 0)

/* The context overlayfs keeps in file->private_data in kernels after
 * 6.12; on 6.1 and 6.12 no such type exists and private_data is the real
 * file itself. */
struct ovl_file___ig {
	struct file *realfile;
} __attribute__((preserve_access_index));

/*
 * The inode of the real file under the overlay file file, or NULL when it
 * cannot be told. The pointer read is only believed when it reads as a
 * file opened on that inode: its operations and page cache are the
 * inode's, as do_dentry_open makes them for a regular file. Anything else
 * (a layout this code does not know, a type it could not be told about
 * because overlayfs was loaded after the chain) is NULL, which the caller
 * treats as untrusted.
 */
static __always_inline struct inode *ovl_real_inode(struct file *file)
{
	void *priv = BPF_CORE_READ(file, private_data);
	struct file *real;
	struct inode *inode;

	if (bpf_core_type_exists(struct ovl_file___ig)) {
		if (!bpf_core_field_exists(struct ovl_file___ig, realfile))
			return NULL; /* fails closed: a layout not known here */
		real = BPF_CORE_READ((struct ovl_file___ig *)priv, realfile);
	} else {
		real = priv;
	}
	if (!real)
		return NULL; /* fails closed: no real file */
	inode = BPF_CORE_READ(real, f_inode);
	if (!inode)
		return NULL; /* fails closed: not a file */
	if (BPF_CORE_READ(real, f_op) != BPF_CORE_READ(inode, i_fop) ||
	    BPF_CORE_READ(real, f_mapping) != BPF_CORE_READ(inode, i_mapping))
		return NULL; /* fails closed: does not read as a file opened on its inode */
	return inode;
}

/*
 * Whether someone other than root can have written, or can write, the
 * bytes under the overlay file file in place (true also when that cannot
 * be told: fail closed). Its real inode must be a regular file on a file
 * system whose content changes only through this kernel (cacheable_sb: not
 * FUSE, not a network file system, not an overlay stacked on an overlay),
 * and then:
 * - on a read-only superblock nobody writes it (remounting is root's);
 * - owned by root (uid 0 of the initial namespace: a kuid is global), since
 *   the owner can always grant itself write;
 * - with neither group nor other write in its mode. A POSIX access ACL
 *   needs no reading (i_acl may be ACL_NOT_CACHED, unread from disk): the
 *   mode's group bits are its mask whenever it has one, and no named user
 *   or group is granted more than the mask, so without those two bits only
 *   the owner (root) can write, whatever the ACL holds;
 * - with no writer open on it now (i_writecount), root's included: the
 *   bytes could change under the digest while it is open.
 * Its directory's permissions are not looked at: a user who can replace
 * the file makes a new real inode, hence a new overlay inode, which IMA
 * measures afresh.
 */
static __always_inline bool ovl_real_untrusted(struct file *file)
{
	struct inode *real = ovl_real_inode(file);
	unsigned long flags;
	umode_t mode;

	if (!real)
		return true; /* fails closed: no real file */
	flags = BPF_CORE_READ(real, i_sb, s_flags);
	if (!cacheable_sb(flags, BPF_CORE_READ(real, i_sb, s_magic)))
		return true; /* fails closed: its bytes can change outside this kernel */
	mode = BPF_CORE_READ(real, i_mode);
	if ((mode & IG_S_IFMT) != IG_S_IFREG)
		return true; /* fails closed: not what ovl_open opens for a regular file */
	if (BPF_CORE_READ(real, i_writecount.counter) > 0)
		return true; /* fails closed: a writer is open */
	if (flags & IG_SB_RDONLY)
		return false; /* trusted: nobody writes it */
	return BPF_CORE_READ(real, i_uid.val) != 0 || (mode & (IG_S_IWGRP | IG_S_IWOTH));
}

#endif
