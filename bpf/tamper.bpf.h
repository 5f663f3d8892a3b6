/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The enforcer guards its own objects: no process but the daemon may take a
 * writable fd to one of its maps, an fd to one of its programs or links, or
 * remove, rename or open the pins it left on bpffs, nor unmount the bpffs
 * that holds them. Each refusal is a tamper event (IG_HOOK_TAMPER) and
 * counted. This header also names the daemon, for this guard and for the
 * daemon's own (guard.bpf.h), and holds the one tamper emitter both use.
 *
 *   what is refused                     hook                       how it is told ours
 *   writable fd to a map (by id, pin)   lsm/bpf_map                guard_ids {MAP, id}
 *   fd to a program (by id)             lsm/bpf_prog               guard_ids {PROG, id}
 *   fd to a link by id                  lsm/bpf, LINK_GET_FD_BY_ID guard_ids {LINK, id}
 *   a link's pin opened (BPF_OBJ_GET)   lsm/inode_permission       guard_ids {LINK_PIN, ino}
 *   a pin removed, or the directory     lsm/inode_unlink, _rmdir   the pin directory's inode
 *   a pin renamed, or one moved in      lsm/inode_rename           the pin directory's inode
 *   the bpffs of the pins unmounted     lsm/sb_umount              the pin file system's dev
 *
 * A write needs a writable fd (update, delete, freeze, a writable mapping:
 * so also taking the ring buffer's records, whose consumer page is mapped
 * writable), a detach or a link update needs the link's fd: refusing the
 * fds refuses the acts. Read-only map fds stay free: `imaguard status`
 * reads the counters through them.
 *
 * Who the daemon is: ig_guard_tgid, set by the loader before load. When
 * its thread-group leader exits (ig_guard_exit) the chain is vacant, before
 * its pid can be given to anyone else: only a process
 * running the daemon's own executable (ig_guard_exe_*, the inode the
 * loader ran from) may then act on it, and the first one that takes a
 * writable map fd becomes the daemon (a restarted daemon adopting the
 * pinned chain); `imaguard stop` removes the pins the same way once the
 * daemon it stopped is gone. Unarmed (no executable recorded, as the test
 * driver loads it) nothing is refused: the guard is the daemon's.
 *
 * Included by bpf/enforcer.bpf.c alone, after its maps and counters.
 */
#ifndef IG_BPF_TAMPER_H
#define IG_BPF_TAMPER_H

#define BPF_FS_MAGIC	0xcafe4a11
#define IG_TAMPER_NAME_MAX 64

/* Runtime, in a section of their own: a daemon adopting the chain rewrites
 * .bss whole, which must never undo a claim made here. Set by the loader:
 * the executable before load, the pins once they exist. */
__u64 ig_guard_exe_ino SEC(".data.guard");
__u64 ig_guard_pin_ino SEC(".data.guard");
/* The daemon; 0: vacant. 64 bits: the atomics of BPF before v3 are. */
__u64 ig_guard_tgid SEC(".data.guard");
__u32 ig_guard_exe_dev SEC(".data.guard");
__u32 ig_guard_pin_dev SEC(".data.guard");	/* kernel dev_t; 0: not pinned */

/* The objects guarded: every map and program of this object, the links,
 * the inner maps of each policy, the link pins' inodes. The loader adds
 * them as they are made and drops an inner map's once it is replaced, so
 * it holds about sixty; full, a new policy is refused by the loader (the
 * old one stays in force), never left unguarded. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, IG_GUARD_IDS_MAX);
	__type(key, struct ig_guard_key);
	__type(value, __u32);
} guard_ids SEC(".maps");

static __always_inline bool guard_listed(__u32 kind, __u32 id)
{
	struct ig_guard_key k = { .kind = kind, .id = id };

	return bpf_map_lookup_elem(&guard_ids, &k) != NULL;
}

/* The caller runs the daemon's executable (the same inode). */
static __always_inline bool guard_same_exe(void)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct file *exe = BPF_CORE_READ(task, mm, exe_file);

	if (!exe)
		return false; /* a kernel thread: not the daemon */
	return BPF_CORE_READ(exe, f_inode, i_ino) == ig_guard_exe_ino &&
	       BPF_CORE_READ(exe, f_inode, i_sb, s_dev) == ig_guard_exe_dev;
}

/*
 * Whether the caller may act on the chain: the daemon, or while none runs
 * a process of its executable, which becomes the daemon when claim is set.
 */
static __always_inline bool guard_permits(bool claim)
{
	__u64 tgid = bpf_get_current_pid_tgid() >> 32;
	__u64 daemon = *(volatile __u64 *)&ig_guard_tgid;

	if (!ig_guard_exe_ino)
		return true; /* unarmed: a loader that does not guard (open, on purpose) */
	if (daemon)
		return daemon == tgid;
	if (!guard_same_exe())
		return false;
	if (!claim)
		return true;
	/* Two claimants at once: the first store wins, the other is refused. */
	daemon = __sync_val_compare_and_swap(&ig_guard_tgid, 0, tgid);
	return !daemon || daemon == tgid;
}

static __always_inline bool is_pin_dir(struct inode *inode)
{
	return inode && ig_guard_pin_dev && inode->i_ino == ig_guard_pin_ino &&
	       inode->i_sb->s_dev == ig_guard_pin_dev;
}

/* Count the refusal and send its event: what (enum ig_tamper), the
 * object's kind and id, the detail, a name or NULL; the caller's identity.
 * Woken at once: a tamper record is written as it comes. A full ring
 * buffer loses the event (counted as lost); the refusal stands and is
 * still counted. */
static __always_inline void tamper_emit(__u32 what, __u32 kind, __u32 id, __u32 arg,
					const void *name)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct ig_counters *c = counters_get();
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u64 uid_gid = bpf_get_current_uid_gid();
	struct ig_event *ev;
	long n;

	if (c)
		__sync_fetch_and_add(&c->tamper, 1);
	ev = bpf_ringbuf_reserve(&events, IG_EVENT_HDR_LEN + IG_TAMPER_NAME_MAX, 0);
	if (!ev) {
		if (c)
			c->lost++;
		return;
	}
	__builtin_memset(ev, 0, IG_EVENT_HDR_LEN);
	ev->time_ns = bpf_ktime_get_boot_ns();
	ev->hook = IG_HOOK_TAMPER;
	ev->tamper = what;
	ev->decision = IG_DENY;
	ev->hash_error = -EPERM;
	ev->dev = kind;
	ev->ino = id;
	ev->prot = arg;
	ev->rule = -1;
	ev->tid = (__u32)pid_tgid;
	ev->pid = pid_tgid >> 32;
	ev->uid = (__u32)uid_gid;
	ev->gid = uid_gid >> 32;
	ev->ppid = BPF_CORE_READ(task, real_parent, tgid);
	ev->cgroup_id = bpf_get_current_cgroup_id();
	bpf_get_current_comm(ev->comm, sizeof(ev->comm));
	ev->path[0] = '\0';
	n = name ? bpf_probe_read_kernel_str(ev->path, IG_TAMPER_NAME_MAX, name) : 0;
	ev->path_len = n > 0 ? n : 1;
	if (c)
		c->events++;
	bpf_ringbuf_submit(ev, BPF_RB_FORCE_WAKEUP);
}

/* A guarded act by someone else: refused (closed) and recorded. */
static __always_inline int tamper_refuse(__u32 what, __u32 kind, __u32 id, __u32 arg,
					 const void *name)
{
	tamper_emit(what, kind, id, arg, name);
	return -EPERM;
}

#endif
