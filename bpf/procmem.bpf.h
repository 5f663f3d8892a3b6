/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Code written through a process's memory file: a write to /proc/PID/mem
 * (or /proc/PID/task/TID/mem) is forced into pages the process may not
 * write itself (FOLL_FORCE), its read-only text included. A listed program
 * that writes where it is told (`dd of=/proc/self/mem seek=ADDR
 * conv=notrunc`) then runs bytes that no exec or executable map brought
 * in, so none was judged. The mem file is opened for writing first, and
 * that open is refused here: EPERM in enforce mode, imaguard's answer to
 * every access its policy refuses (the kernel's own refusal of the open,
 * ptrace access denied, is EACCES: the two stay apart), a would-deny in
 * monitor mode, reason proc-mem. Reads of mem (debuggers, ps-like tools)
 * are not write opens and never reach this file.
 *
 * A mem file is a file on a procfs superblock whose name is "mem": every
 * such file procfs makes is a process's or a thread's memory (sysctl's
 * files under /proc/sys share the superblock but none is so named). Its
 * names are procfs's own: nothing on procfs can be created, linked or
 * renamed by a user, and a bind mount or a reopen through /proc/PID/fd
 * keeps the dentry, so the name cannot be dodged. A module's procfs entry
 * named "mem" would have its write opens refused too (closed).
 *
 * Included by bpf/enforcer.bpf.c alone, after mapped.bpf.h (open_refuse).
 */
#ifndef IG_BPF_PROCMEM_H
#define IG_BPF_PROCMEM_H

#define PROC_SUPER_MAGIC 0x9fa0

static __always_inline bool proc_mem_file(struct file *file)
{
	struct inode *inode = file->f_inode;
	struct dentry *d = file->f_path.dentry;
	char name[3];

	if (!inode || !inode->i_sb || inode->i_sb->s_magic != PROC_SUPER_MAGIC)
		return false; /* not procfs: no process's memory behind it */
	if (!d || d->d_name.len != sizeof(name))
		return false;
	if (bpf_probe_read_kernel(name, sizeof(name), d->d_name.name))
		return true; /* closed: a procfs name that cannot be read may be "mem" */
	return name[0] == 'm' && name[1] == 'e' && name[2] == 'm';
}

/* An open for writing: refused when it is of a mem file (see the top of
 * this file). Returns the verdict. */
static __always_inline int proc_mem_write_open(struct file *file)
{
	if (!proc_mem_file(file))
		return 0;
	return open_refuse(&file->f_path, file->f_inode, IG_REASON_PROC_MEM, EPERM);
}

#endif
