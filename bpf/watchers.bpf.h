/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the watchers (the programs after the chain in bpf/enforcer.bpf.c)
 * test to tell a change that matters: a truncate(2) by name, and a rename
 * that moves more than one name.
 *
 * Included by bpf/enforcer.bpf.c alone, after its globals and maps.
 */
#ifndef IG_BPF_WATCHERS_H
#define IG_BPF_WATCHERS_H

/* truncate(2) by name: x86_64 truncate, ia32 truncate and truncate64 */
#define NR_TRUNCATE	76
#define NR_IA32_TRUNCATE	92
#define NR_IA32_TRUNCATE64	193

static __always_inline bool truncate_by_name(void)
{
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
	unsigned long nr = BPF_CORE_READ(regs, orig_ax);

	/* 92 and 193 are chown and getrlimit on x86_64, which never truncate. */
	return nr == NR_TRUNCATE || nr == NR_IA32_TRUNCATE || nr == NR_IA32_TRUNCATE64;
}

static __always_inline int names_changed(void)
{
	__sync_fetch_and_add(&ig_path_gen, 1);
	return 0;
}

#define IG_DCACHE_MOUNTED 0x00010000	/* d_flags: a mount point, in some namespace (6.1, 6.12) */

/* A rename that moves more than its own dentry's name: a directory's, or a
 * file's that another mount namespace has a mount on (the mount moves with
 * it; renaming it is refused only where it is mounted). */
static __always_inline bool moves_more(struct dentry *dentry)
{
	struct inode *inode;

	if (!dentry)
		return false;
	if (dentry->d_flags & IG_DCACHE_MOUNTED)
		return true;
	inode = dentry->d_inode;
	return inode && (inode->i_mode & IG_S_IFMT) == IG_S_IFDIR;
}

#endif
