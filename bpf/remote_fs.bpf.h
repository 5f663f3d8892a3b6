/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Network and cluster file systems: another machine (a server, a peer node,
 * a hypervisor's share) changes a file's bytes with no write through this
 * kernel. Nothing here sees such a change, and neither does IMA: it keeps
 * the digest it took at the first exec until a writer through this kernel
 * closes, and bpf_ima_file_hash hands that digest back while the client
 * reads the new bytes. So an exec or executable map there has no digest to
 * judge it by (content_error, through untrusted_fs) unless the operator
 * trusts these file systems (IG_TRUST_FS_REMOTE).
 *
 * Known by the superblock's magic, one switch:
 *   NFS (2, 3, 4 share it), SMB/CIFS (the cifs client's two magics, and
 *   the old smbfs), 9p (virtio-9p shares of a host too), Ceph, AFS (the
 *   in-kernel kAFS client has its own), Coda and NCP (remote by design),
 *   OrangeFS (a userspace client daemon serves the content, as FUSE's
 *   server does), VirtualBox shared folders (the host writes them);
 *   GFS2 and OCFS2, cluster file systems whose other nodes write the same
 *   shared blocks. FUSE, virtiofs among its kinds, is judged by
 *   untrusted_fs itself. Lustre and other out-of-tree clients are not
 *   known here: their magic is not the kernel's to name.
 *
 * Included by bpf/enforcer.bpf.c alone, before hash_cache.bpf.h.
 */
#ifndef IG_BPF_REMOTE_FS_H
#define IG_BPF_REMOTE_FS_H

static __always_inline bool remote_fs(unsigned long magic)
{
	switch (magic) {
	case 0x6969:		/* NFS */
	case 0xFF534D42:	/* CIFS */
	case 0xFE534D42:	/* SMB2 and later (cifs.ko) */
	case 0x517B:		/* smbfs */
	case 0x01021997:	/* 9p (v9fs) */
	case 0x00c36400:	/* Ceph */
	case 0x5346414F:	/* AFS */
	case 0x6B414653:	/* kAFS */
	case 0x73757245:	/* Coda */
	case 0x564c:		/* NCP */
	case 0x20030528:	/* OrangeFS */
	case 0x786f4256:	/* vboxsf */
	case 0x01161970:	/* GFS2 */
	case 0x7461636f:	/* OCFS2 */
		return true;
	}
	return false;
}

#endif /* IG_BPF_REMOTE_FS_H */
