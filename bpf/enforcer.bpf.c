// SPDX-License-Identifier: GPL-2.0-only
/*
 * imaguard's kernel side: three chained programs on each of four LSM hooks,
 * one on file_mprotect, eight watchers that make the caches forget, one
 * that counts executable maps out, those that guard the daemon and the
 * enforcer's own objects, two that judge code the kernel itself reads, and
 * two that keep the interpreter mark.
 *
 *   program               section                      stage               fails
 *   ig_exec_filter        lsm/bprm_check_security      1 filter            closed (a)
 *   ig_exec_measure       lsm.s/bprm_check_security    2 measure           closed (a)
 *   ig_exec_emit          lsm/bprm_check_security      3 decide and emit   closed (a)
 *   ig_mmap_filter        lsm/mmap_file                1, PROT_EXEC only   closed (a)
 *   ig_mmap_measure       lsm.s/mmap_file              2                   closed (a)
 *   ig_mmap_emit          lsm/mmap_file                3                   closed (a)
 *   ig_mprotect           lsm/file_mprotect            1 alone             closed (b)
 *   ig_open_filter        lsm/file_open                1, under open rules open (c; j, l)
 *   ig_open_measure       lsm.s/file_open              2                   open (c)
 *   ig_open_emit          lsm/file_open                3, event only       open (c)
 *   ig_script_filter      lsm/file_post_open           1, interpreters'    closed (a, i)
 *   ig_script_measure     lsm.s/file_post_open         2   code only       closed (a, i)
 *   ig_script_emit        lsm/file_post_open           3                   closed (a, i)
 *   ig_script_open_*      lsm(.s)/file_open            1-3, where the kernel
 *                                                      has no file_post_open  closed (a, i)
 *   ig_interp_commit      lsm/bprm_committed_creds     the task's mark     never refuses (i)
 *   ig_interp_fork        lsm/task_alloc               mark to new tasks   closed (i)
 *   ig_truncate           lsm/path_truncate            watcher: digests    closed (e)
 *   ig_map_end            fexit/vm_mmap_pgoff          watcher: maps       closed (j)
 *   ig_lw_release         lsm/file_release             watcher: IMA's      closed (k)
 *   ig_lw_close           fentry/ima_file_free         the same, without   closed (k)
 *   ig_lw_free            lsm/file_free_security       file_release (6.1)  closed (k)
 *   ig_names_instantiate  lsm/d_instantiate            watcher: one inode  never refuses (d)
 *   ig_names_rename       fexit/vfs_rename             watcher: all names  never refuses (d)
 *   ig_names_detach       fexit/__detach_mounts        watcher: all names  never refuses (d)
 *   ig_names_mount        fexit/path_mount             watcher: all names  never refuses (d)
 *   ig_names_umount       fexit/path_umount            watcher: all names  never refuses (d)
 *   ig_names_move_mount   fexit/do_move_mount          watcher: all names  never refuses (d)
 *   ig_names_pivotroot    fexit/chroot_fs_refs         watcher: all names  never refuses (d)
 *   ig_guard_exit         tp_btf/sched_process_exit    the daemon's end,   never refuses
 *                                                      a thread's records,
 *                                                      a mark's end (i)
 *   ig_guard_kill         lsm/task_kill                the daemon guarded  closed (g)
 *   ig_guard_ptrace       lsm/ptrace_access_check      the daemon guarded  closed (g)
 *   ig_guard_rlimit       lsm/task_setrlimit           the daemon guarded  closed (g)
 *   ig_guard_map          lsm/bpf_map                  guard: map fds      closed (g)
 *   ig_guard_prog         lsm/bpf_prog                 guard: prog fds     closed (g)
 *   ig_guard_bpf          lsm/bpf                      guard: link fds     closed (g)
 *   ig_guard_pin_open     lsm/inode_permission         guard: link pins    closed (g)
 *   ig_guard_unlink       lsm/inode_unlink             guard: pins         closed (g)
 *   ig_guard_rmdir        lsm/inode_rmdir              guard: pin dir      closed (g)
 *   ig_guard_rename       lsm/inode_rename             guard: pins         closed (g)
 *   ig_guard_umount       lsm/sb_umount                guard: pins' bpffs  closed (g)
 *   ig_kread              lsm.s/kernel_read_file       kernel code, alone  closed (h)
 *   ig_kload              lsm/kernel_load_data         kernel code, alone  closed (h)
 *
 * (a) An exec or executable map that cannot be measured (no room for its
 *     record, its user's quota of records spent, no scratch slot free to
 *     build it in, a helper error, a
 *     digest other than a full SHA-256, a file truncated by name or with
 *     a writer open, anything but a regular file, a memfd not sealed
 *     against writes, a file on FUSE, on a network or cluster file system
 *     or on an overlay mounted in a user namespace, or on root's overlay
 *     with a layer file (the real inode, overlay.bpf.h) someone other than
 *     root can write or that cannot be found, unless ig_trust_fs trusts
 *     it) is a hash error, and one
 *     whose digest is not in the allowlist (or with no allowlist at all)
 *     is not allowlisted: both are refused in enforce mode and recorded as
 *     would-deny in monitor mode. An unmeasured file must not run.
 * (b) Under the mm's lock nothing may sleep to hash nor print a path: the
 *     digest comes from the hash cache or it is a hash error, as in (a); the
 *     name is the one remembered on the inode or none (path-free entries).
 * (c) Opens are recorded, never refused by digest, only by a deny rule or
 *     an unknown path (f): at file_open the file is not yet readable by the
 *     kernel (FMODE_CAN_READ is set after the hook), so IMA can give a
 *     digest only when it already holds one; otherwise the event carries
 *     the hash error and the content version, and userspace measures the
 *     file itself once per version. An allowed audited open's repeats of
 *     the same version by the same name are counted in stage 1
 *     (folds.bpf.h), never sent.
 * (d) Watchers only make a cache forget; each passes the verdict it was
 *     given. A spurious bump costs one more path walk or measurement.
 *     Where the kernel may skip a watcher's run (ig_names_heartbeat), a
 *     remembered name is trusted only while the loader keeps looking for
 *     skips (names_fresh): without it every access resolves its path.
 * (e) A watcher too, but a truncate(2) by name it cannot mark (no memory)
 *     is refused in enforce mode (see ig_truncate).
 * (f) Paths: rules match a path printed in full. A file with no link at
 *     the printed path (IG_F_UNLINKED: unlinked while open, a memfd, an
 *     O_TMPFILE file) gets no allow rule, the digest decides (closed);
 *     deny and audit rules match it as printed. A path that cannot be
 *     printed (IG_F_PATH_ERR: past PATH_MAX, or a mprotect's name not
 *     remembered) on a hook some deny or audit rule names is refused as by
 *     a deny rule, an open too (closed: it may be a name such a rule
 *     names); on other hooks the digest decides, and such an open is
 *     never remembered as unwatched. A path not proven the host's
 *     (IG_F_FOREIGN_PATH, path_host_relative: the task in another mount
 *     namespace or under another root, or the file on a mount not in the
 *     host's namespace) gets no allow rule and satisfies no bind_path
 *     entry: the digest decides against path-free entries (closed). Deny
 *     and audit rules match such a path as printed and, on a hook some
 *     deny or audit rule names, by the file's identity too
 *     (identity.bpf.h: its name in its directory and the directories above
 *     it, by device and inode, and each directory by its name in its
 *     parent, up its d_parent chain): a name made up there escapes none of
 *     them, nor does a rule's directory made after the load or made again. A walk that cannot end (deeper than 64, a
 *     dentry unreadable) is refused as by a deny rule (IG_F_IDENT_ERR;
 *     closed). Host paths never walk: they match by name alone.
 * (g) guard.bpf.h and tamper.bpf.h: no process but the daemon may send it
 *     a signal that stops or ends it, trace it or reach its memory, or
 *     change its limits; nor take a writable fd to the enforcer's maps, an
 *     fd to its programs or links, or remove, rename or open a link pin:
 *     refused in either mode, each a `tamper` event. The daemon is one
 *     tgid (ig_guard_tgid), set by `imaguard run` before load and cleared
 *     as it exits (ig_guard_exit); then a process of its executable may
 *     adopt the chain (and becomes the daemon) or remove its pins. A loader
 *     that records no executable (the test driver) guards nothing.
 * (h) kmod.bpf.h: a file the kernel reads as code (a module, a kexec image,
 *     firmware) is measured and judged against path-free allowlist entries
 *     in one sleepable program, as in (a); a buffer handed to the kernel
 *     (init_module, kexec_load) has no file to measure: a hash error,
 *     refused in enforce mode.
 *
 * (i) Interpreted code (interp.bpf.h): a task that exec'd a named
 *     interpreter has each regular file it opens for reading with a code
 *     extension judged as in (a). On file_post_open the file is readable
 *     and stage 2 hashes it; where only file_open exists (6.1) the digest
 *     must be cached or IMA's from an earlier measured open, else it is a
 *     hash error (refused). A fork whose mark finds no memory is refused
 *     in enforce mode. Not judged (fails open, documented): files with no
 *     code extension (a name with no '.' unless "" is listed), interpreters
 *     exec'd with no digest (a hash error; a rule-allowed exec is measured
 *     for the mark while the policy names interpreters), running before
 *     the attach where the loader could not mark them (src/enforcer/
 *     interp.c), or before a policy named them, inline code. A flip
 *     re-resolves each mark under the new policy at the task's next open. While no task holds a mark anywhere
 *     (ig_interp_live, never below the truth), the script filter, fork and
 *     commit leave on that one word, before any task-storage lookup.
 * (j) An executable map counted in flight (mapped.bpf.h) is counted out
 *     there; a run the kernel skips leaves writes to that file refused
 *     until its inode is freed. ig_open_filter and ig_truncate refuse a
 *     write to content mapped executable in enforce mode, whatever the
 *     open rules (closed).
 * (k) Watchers of IMA's last-writer check (lastwriter.bpf.h): a close they
 *     cannot account for counts as one IMA may have missed, and the file's
 *     next exec or map is a hash error until a writer closes it alone
 *     (closed).
 * (l) procmem.bpf.h: ig_open_filter refuses a write open of a process's
 *     memory file (/proc/PID/mem, /proc/PID/task/TID/mem), through which
 *     the kernel forces writes into read-only code, in enforce mode,
 *     whatever the open rules (closed); a would-deny in monitor mode.
 *
 * Stage 1 reads the context and the full path (bpf_d_path), matches the path
 * rules and stores a record in `records`, keyed by (tid, hook): stage 2 may
 * sleep, so per-CPU storage would be clobbered meanwhile, and the hook in the
 * key keeps an mmap nested in an exec from meeting the exec's record.
 * Stage 2 holds it as long as the file's read takes, which a user can make
 * forever (a FUSE read never answered), so each record counts against the
 * user the task answers to (quota.bpf.h): past its quota that user's own
 * exec or map is refused as a quota (closed, as in (a)), and no one
 * else's. Every way a record goes gives its count back: stage 3, the same
 * thread's next record on that hook, the thread's end (ig_guard_exit).
 * Stage 1 itself builds the record in per-CPU scratch, but in a slot it
 * claims: it keeps its CPU, yet may be preempted (preempt=full, PREEMPT_RT)
 * and another task run stage 1 there meanwhile. With every slot of the
 * CPU held it builds in a slot of a pool all CPUs share, with that full
 * too in task storage; with none of that to be had either,
 * it decides alone with a hash error (see scratch), failing closed as in
 * (a), and as in (f) for an open under a deny or audit rule.
 *
 * The trampoline runs a hook's programs newest first, so the loader attaches
 * stage 3, then 2, then 1, and proves the order with a probe exec before it
 * declares itself ready. A non-zero return stops the chain, so a stage that
 * refuses sends its own event: no denial goes unrecorded.
 *
 * Enforcement never waits on userspace: rules and the allowlist are maps the
 * daemon fills whole. A policy is one rules map, one allowlist map, one
 * interpreter map and one code extension map (interp.bpf.h) and its rules'
 * identities (identity.bpf.h), kept in the same slot (0 or 1) of five
 * map-in-map arrays; ig_policy's low bit names
 * the slot in force (the word counts flips). The loader fills the other
 * slot of all five, then flips ig_policy with one store, so an access never
 * meets the new list with the old rules, nor the reverse. Stage 1 reads ig_policy once and keeps it in
 * the record: stage 3 checks the allowlist of the policy whose rules stage
 * 1 matched, even if a flip came in between.
 *
 * Each concern that spares work has its own header: rules.bpf.h (path
 * rules), hash_cache.bpf.h (each inode's content hashed once), names.bpf.h
 * (each name resolved once), opens.bpf.h (unwatched opens skip the path
 * walk), folds.bpf.h (an allowed map's or audited open's repeats counted,
 * not sent) and
 * watchers.bpf.h; seqcount.bpf.h lets the hottest of them read without
 * the lock; paths.bpf.h tells whether a printed path is the
 * file's own; identity.bpf.h matches deny and audit rules by the file's
 * identity where it is not; verdict.bpf.h judges an access and sends its event;
 * scratch.bpf.h gives stage 1 a record no other task holds; quota.bpf.h
 * counts each user's records in flight; mapped.bpf.h
 * keeps content mapped executable from being rewritten in place;
 * procmem.bpf.h keeps code from being written through /proc/PID/mem;
 * enforcer.bpf.h holds the layouts and kernel constants only this side uses.
 * An exec or map left with nothing to measure (digest cached, or allowed by
 * rule) is decided in stage 1 with stage 3's own code, and stages 2 and 3
 * pass; the loader's probe always takes the whole chain, which is how the
 * order is proven.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "enforcer.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* Load-time knobs, set between open and load. */
const volatile __u32 ig_mode = IG_MODE_MONITOR;
/* What these programs do, as a daemon taking over a pinned chain sees it. */
const volatile __u32 ig_chain_version = IG_CHAIN_VERSION;
const volatile __u64 ig_hash_seed = 0;	/* random per load: see struct ig_rule_key */
/* The host's mount namespace (the inode number of /proc/1/ns/mnt, else of
 * the loader's own, read at load; an adopted chain keeps the one it was
 * loaded with): the only one whose paths allow rules and bind_path entries
 * trust. 0: none. */
const volatile __u64 ig_host_mnt_ns = 0;
/* File-system kinds trusted although their content can change under IMA's
 * digest (enum ig_trust_fs bits; see content_error). */
const volatile __u32 ig_trust_fs = 0;
/* The kernel preempts everywhere, so it may skip a watcher's run: names
 * are recalled only while the loader keeps ig_names_until ahead (see
 * names_fresh). 0: never skipped, never needed. */
const volatile __u32 ig_names_heartbeat = 0;

/* Runtime: bumped by the loader after every policy swap: remembered names,
 * their verdicts and folds of another value are forgotten (struct
 * ig_name_key, whose rules_gen also holds the slot, so a name matched
 * against one policy is never recalled under the other). */
__u32 ig_rules_gen;
/* Runtime: its low bit, the slot (0 or 1) of `rules`, `allowlist`,
 * `interps` and `script_exts` in force; the loader adds one with one store
 * once all maps of the new policy are in the other slot, so that the word
 * also tells one policy from the next (interp.bpf.h). */
__u32 ig_policy;
/* Runtime: the hooks (1 << IG_HOOK_*) some rule in force names, and those
 * some deny or audit rule names (IG_HOOK_WATCHED). The loader
 * widens it to both lists' hooks before a rules swap and narrows it after,
 * so it never lacks a hook the rules in force have. Read before the rules. */
__u32 ig_rule_hooks;
/* Runtime, with ig_names_heartbeat: remembered names may be recalled up to
 * this moment (CLOCK_MONOTONIC ns), which the loader moves on each time it
 * finds no watcher run skipped. */
__u64 ig_names_until;
/* In its own map: the loader rewrites .bss whole when it adopts a pinned
 * chain, which must never undo a bump made here. */
__u32 ig_path_gen SEC(".data.names");
/* Records stored by stage 1 and not yet dropped by stage 3, at least: a
 * record replaced in place is counted twice, never one less. While it is 0
 * no record exists anywhere, so stages 2 and 3 need not look. Its own map,
 * for the same reason as ig_path_gen. */
__u64 ig_records_live SEC(".data.live");

/* A plain load: a task always sees its own earlier increment, and nothing
 * else can take the count below the records that exist. */
static __always_inline __u64 records_live(void)
{
	return *(volatile __u64 *)&ig_records_live;
}
/* Runtime: bumped by the loader at every attach; cache entries of another
 * epoch are stale (writes while detached went unseen). */
__u32 ig_cache_epoch;
/* Runtime: the loader's probe child, whose exec is measured then refused. */
__u32 ig_probe_tgid;
/* Runtime: the daemon's fold epoch (struct ig_fold); 0: nothing is folded.
 * ig_fold_epochs: the last one begun, so that none is ever used twice. */
__u32 ig_fold_epoch;
__u32 ig_fold_epochs;

/* ---- in-flight records per user: quota.bpf.h ---------------------------- */

#include "quota.bpf.h"

/*
 * In-flight records: one per thread inside a hook at once, in records when
 * the path fits IG_SHORT_PATH_MAX bytes (the value cut there), else in
 * records_long; a key is in one of them at most (stage 1 clears the other).
 * Each holds IG_RECORDS_MAX, allocated as used, and each record is counted
 * against its owner (quota.bpf.h). When its owner's quota is spent, or the
 * map it needs is full, stage 1 decides alone (counted: record_full when
 * full): an exec or executable map that cannot be handed on to be measured
 * is refused in enforce mode (fail closed), as a quota or a hash error; an
 * open passes with the error in its event.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, IG_RECORDS_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	/* Sizes, no types: the value is a cut struct ig_record, which has no
	 * type of its own, and 6.1 refuses a map typed by its key alone. */
	__uint(key_size, sizeof(struct ig_rec_key));
	__uint(value_size, IG_RECORD_SHORT_LEN);
} records SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, IG_RECORDS_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct ig_rec_key);
	__type(value, struct ig_record);
} records_long SEC(".maps");

/* Rules: slot ig_policy holds the map in force, the other one the previous
 * or the next policy's; the loader fills a new one whole, sized to its
 * keys, so it never fills. An empty slot means no rules: every exec and map
 * is measured and checked against the allowlist. */
/* Inner maps give sizes, not BTF types: clang leaves a struct that is only
 * reached through a pointer in a map definition as a forward declaration. */
struct rules_inner {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__uint(key_size, sizeof(struct ig_rule_key));
	__uint(value_size, sizeof(struct ig_rule_val));
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 2);
	__type(key, __u32);
	__array(values, struct rules_inner);
} rules SEC(".maps");

/* The allowlist: slot ig_policy holds the map in force (the same slot as
 * its rules), never LRU, never partial: the loader fills a new map, sized
 * to the list, in the other slot, so it never fills. An empty slot allows
 * nothing (fail closed). */
struct allow_inner {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__uint(key_size, sizeof(struct ig_allow_key));
	__uint(value_size, sizeof(__u32));
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 2);
	__type(key, __u32);
	__array(values, struct allow_inner);
} allowlist SEC(".maps");

/* Events to userspace: 4 MiB unless the loader sets another size. A full
 * ring loses the event and counts it (lost); the decision is already made
 * and never waits for a reader. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 22);
} events SEC(".maps");

/* Per-CPU counters (struct ig_counters): one per CPU, it cannot fill. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ig_counters);
} counters SEC(".maps");

static __always_inline struct ig_counters *counters_get(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&counters, &zero);
}

/* The map a policy keeps in outer (rules or allowlist); NULL: none. */
static __always_inline void *slot(void *outer, __u32 policy)
{
	return bpf_map_lookup_elem(outer, &policy);
}

/* ---- caches and rules, one concern per header -------------------------- */

#include "rules.bpf.h"
#include "remote_fs.bpf.h"
#include "seqcount.bpf.h"
#include "hash_cache.bpf.h"
#include "overlay.bpf.h"
#include "names.bpf.h"
#include "opens.bpf.h"
#include "folds.bpf.h"
#include "watchers.bpf.h"

/* ---- context --------------------------------------------------------------- */

/* The task's side of the context. Direct loads through the hook's BTF
 * pointers: each costs one instruction where a probe read costs a helper
 * call. */
static __always_inline void fill_task(struct ig_event *ev, __u32 hook)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u64 uid_gid = bpf_get_current_uid_gid();
	struct upid upid = {};
	struct pid *pid;
	__u32 level;

	ev->time_ns = bpf_ktime_get_boot_ns();
	ev->hook = hook;
	ev->tid = (__u32)pid_tgid;
	ev->pid = pid_tgid >> 32;
	ev->uid = (__u32)uid_gid;
	ev->gid = uid_gid >> 32;
	ev->ppid = task->real_parent->tgid;
	ev->cgroup_id = bpf_get_current_cgroup_id();
	ev->mnt_ns = task->nsproxy->mnt_ns->ns.inum;
	pid = task->thread_pid;
	level = pid->level;
	if (level == 0) {
		/* The first namespace's entry: a constant offset, so loads. */
		ev->pid_ns = pid->numbers[0].ns->ns.inum;
	} else {
		/* An index into the pid's levels: not a constant offset, so read. */
		bpf_core_read(&upid, sizeof(upid), &pid->numbers[level & 31]);
		ev->pid_ns = BPF_CORE_READ(upid.ns, ns.inum);
	}
	/* Word loads where the helper copies byte by byte. comm[15] is always
	 * NUL (__set_task_comm pads); a rename meanwhile may tear it, as it
	 * may the helper's copy. */
	__builtin_memcpy(ev->comm, task->comm, sizeof(ev->comm));
	ev->rule = -1;
}

/* The task's and the inode's. */
static __always_inline void fill_inode(struct ig_event *ev, struct inode *inode, __u32 hook)
{
	fill_task(ev, hook);
	ev->dev = inode->i_sb->s_dev;
	ev->ino = inode->i_ino;
}

static __always_inline void fill_context(struct ig_event *ev, struct file *file, __u32 hook)
{
	fill_inode(ev, file->f_inode, hook);
}

/* No usable path: recorded, never matched against a rule (the digest alone
 * decides, against path-free allowlist entries). */
static __always_inline void path_unknown(struct ig_event *ev)
{
	ev->flags |= IG_F_PATH_ERR;
	ev->path[0] = '\0';
	ev->path_len = 1;
}

static __always_inline void resolve_path(struct ig_event *ev, struct file *file)
{
	long n;

	n = bpf_d_path(&file->f_path, ev->path, sizeof(ev->path));
	if (n <= 0 || n > IG_PATH_MAX)
		path_unknown(ev); /* unresolvable or too long */
	else
		ev->path_len = n;
}

/* ---- whether a printed path is the file's own: paths.bpf.h -------------- */

#include "paths.bpf.h"

/* ---- rules by the file's identity, for foreign paths: identity.bpf.h ---- */

#include "identity.bpf.h"

/* ---- interpreters and the code they read: interp.bpf.h ------------------- */

#include "interp.bpf.h"

/* ---- verdicts and events: verdict.bpf.h ---------------------------------- */

#include "verdict.bpf.h"

/* ---- no write to content mapped executable: mapped.bpf.h ---------------- */

#include "mapped.bpf.h"

/* ---- no write to a process's memory file: procmem.bpf.h ----------------- */

#include "procmem.bpf.h"

/* ---- IMA's last writer: lastwriter.bpf.h --------------------------------- */

#include "lastwriter.bpf.h"

/* ---- in-flight records ---------------------------------------------------- */

/* The record of owner at key in map is deleted: its count given back. */
static __always_inline void drop_record(void *map, struct ig_rec_key *key, __u32 owner)
{
	if (!bpf_map_delete_elem(map, key)) {
		__sync_fetch_and_add(&ig_records_live, -1);
		quota_give(owner);
	}
}

/* Whatever record key has in map, left by a chain cut short after stage 1. */
static __always_inline void drop_stale(void *map, struct ig_rec_key *key)
{
	struct ig_record *rec = bpf_map_lookup_elem(map, key);

	if (rec)
		drop_record(map, key, rec->owner);
}

/* Stage 1 hands rec on: 0, IG_ERR_QUOTA when its owner's quota is spent,
 * IG_ERR_NO_RECORD when the map it belongs in is full. */
static __always_inline int record_store(struct ig_rec_key *key, struct ig_record *rec)
{
	bool fits = rec->ev.path_len <= IG_SHORT_PATH_MAX;
	int err;

	/* One per key: a chain cut short after stage 1 may have left one in
	 * either map, which stages 2 and 3 would otherwise find first, and
	 * whose count is given back before this one's is taken. None can
	 * exist while nothing is live. */
	if (records_live()) {
		drop_stale(&records, key);
		drop_stale(&records_long, key);
	}
	rec->owner = quota_owner();
	err = quota_take(rec->owner);
	if (err)
		return err;
	if (fits)
		err = bpf_map_update_elem(&records, key, rec, BPF_ANY);
	else
		err = bpf_map_update_elem(&records_long, key, rec, BPF_ANY);
	if (err) {
		quota_give(rec->owner);
		return IG_ERR_NO_RECORD;
	}
	__sync_fetch_and_add(&ig_records_live, 1);
	return 0;
}

/* A thread's end: a record a chain cut short left under its tid would keep
 * its owner's count up for good; none outlives the thread. */
static __always_inline void records_exit(struct task_struct *p)
{
	struct ig_rec_key key = { .tid = p->pid };
	__u32 hook;

	if (!records_live())
		return; /* no record anywhere: nothing to drop */
#pragma unroll
	for (hook = 0; hook < IG_HOOK_MAX; hook++) {
		key.hook = hook;
		drop_stale(&records, &key);
		drop_stale(&records_long, &key);
	}
}

/* ---- stage 1's scratch: scratch.bpf.h ----------------------------------- */

#include "scratch.bpf.h"

/* ---- the three stages ---------------------------------------------------- */

/* Stage 1's work, in the scratch slot it claims: *held and *bit name the
 * slot to give back, *own the task's record to free, set once claimed
 * (see stage_filter). */
static __always_inline int filter_body(struct file *file, __u32 hook, __u32 prot,
				       bool measurable, struct ig_hash_cache *hc,
				       __u64 **held, __u64 *bit, bool *own)
{
	struct ig_counters *c = counters_get();
	/* The generations before the rules they describe (see ig_rules_gen);
	 * the policy read once: rules here and the allowlist in stage 3 are
	 * the same policy's. */
	__u32 word = *(volatile __u32 *)&ig_policy;
	__u32 policy = word & 1;
	struct ig_name_key name = {
		.rules_gen = ig_rules_gen << 1 | policy, .path_gen = ig_path_gen,
	};
	struct ig_name_key dir_name = {};
	struct dentry *dir = NULL;
	struct dir_match dm = {};
	enum name_found found = NAME_NONE;
	struct ig_rec_key key = {};
	void *rule_map;
	struct ig_event *ev;
	struct ig_record *rec;
	__u32 interp = 0;
	int verdict, err;
	__u64 seq;

	/* A repeat already sent leaves here, counted in its fold slot. */
	if (hook == IG_HOOK_MMAP && fold_repeat(file, &name, c, hc))
		return 0;
	if (hook == IG_HOOK_OPEN) {
		/* Unwatched opens leave here: with no open rule, after a
		 * load; else once their name, or every name in their
		 * directory, was found unwatched, after inode storage
		 * lookups. */
		if (!hook_has_rules(hook))
			return 0;
		if (open_known_unwatched(file, &name) ||
		    open_known_by_dir(file, &name, &dir_name, &dir)) {
			if (c)
				c->open_skips++;
			return 0;
		}
		/* An audited open's repeat already sent leaves here, counted
		 * in its fold slot (folds.bpf.h). */
		if (fold_open_repeat(file, &name, c))
			return 0;
	}
	/* A script: judged only if this policy's interpreters and extensions
	 * say so, as its rules and allowlist judge it (interp.bpf.h). */
	if (hook == IG_HOOK_SCRIPT && !(interp = script_interp(file, word)))
		return 0; /* not code an interpreter reads under this policy: not judged */
	rule_map = slot(&rules, policy);
	if (c)
		c->runs[hook]++;
	rec = scratch_claim(held, bit, own);
	if (!rec)
		return filter_busy(file, hook, prot, IG_ERR_BUSY, c); /* nowhere to build: see scratch */
	ev = &rec->ev;
	rec->file = (__u64)file;
	rec->policy = policy;
	if (hook == IG_HOOK_OPEN)
		rec->name = name; /* for its fold (fold_open_mark) */
	__builtin_memset(ev, 0, IG_EVENT_HDR_LEN);
	fill_context(ev, file, hook);
	ev->prot = prot;
	ev->interp = interp;
	ev->stages = IG_STAGE_FILTER;
	if (ig_probe_tgid && ev->pid == ig_probe_tgid)
		ev->flags |= IG_F_PROBE;
	seq = fs_seq(); /* before the path: path_host_relative */
	if (hook != IG_HOOK_OPEN)
		found = name_recall(ev, file, hook, &name);
	if (found == NAME_NONE && measurable)
		resolve_path(ev, file);
	else if (found == NAME_NONE)
		path_unknown(ev); /* a mprotect: bpf_d_path is not allowed there */
	if (found != NAME_FULL) {
		match_rules(ev, hook, rule_map, &dm);
		if (hook != IG_HOOK_OPEN)
			name_remember(ev, file, hook, &name);
	} else if (c) {
		c->name_hits++;
	}
	if (file_unlinked(file)) {
		ev->flags |= IG_F_UNLINKED;
		if (ev->action == IG_ACT_ALLOW) {
			/* Fail closed: a path with no link there is not the file's;
			 * the digest decides, as under no rule (deny and audit
			 * rules still hold). Remembered names are of linked
			 * dentries only (name_key), so none brings an allow back. */
			ev->action = IG_ACT_NONE;
			ev->rule = -1;
		}
	}
	if (!path_host_relative(ev, file, seq)) {
		ev->flags |= IG_F_FOREIGN_PATH;
		if (ev->action == IG_ACT_ALLOW) {
			/* Fail closed: the name may show any content (another
			 * root or mount namespace); the digest decides against
			 * path-free entries. Checked on every access, after a
			 * recalled verdict too (deny and audit rules hold). */
			ev->action = IG_ACT_NONE;
			ev->rule = -1;
		}
		if (hook_watched(hook)) {
			/* Deny and audit rules by the file's identity too,
			 * failing closed where it cannot be walked
			 * (identity.bpf.h). The directory's name is not
			 * remembered as unwatched: its name proves nothing of
			 * its children's identities. */
			ident_apply(ev, file, hook, policy);
			dir = NULL;
		}
	}
	if ((ev->flags & IG_F_PATH_ERR) && hook_watched(hook)) {
		/* Fail closed: a path not known may be one a deny or audit rule
		 * of this hook names; refused as by a deny rule, the event
		 * saying why (path error, no rule index). */
		ev->action = IG_ACT_DENY;
		ev->rule = -1;
	}

	switch (ev->action) {
	case IG_ACT_DENY:
		/* Refused whatever the digest: no need to measure. */
		verdict = refuse(ev, IG_REASON_RULE_DENY, c);
		if (verdict || hook == IG_HOOK_OPEN) {
			emit(ev, c);
			return verdict;
		}
		ev->flags |= IG_F_NEED_HASH; /* monitor: the would-deny record gets its digest */
		break;
	case IG_ACT_ALLOW:
		if (hook == IG_HOOK_OPEN) {
			open_remember(file, dir, &dir_name, &name, &dm, rule_map);
			return 0; /* an allowed open is an unwatched open */
		}
		ev->reason = IG_REASON_RULE_ALLOW;
		/* The rule decides, but an interpreter's exec needs its
		 * digest for the task's mark (interp_note_exec): from the
		 * cache, else measured, while this policy names any. Failing
		 * to measure it leaves the exec allowed and unmarked (open,
		 * as before: the rule trusts the path). */
		if (hook == IG_HOOK_EXEC && interp_wants_digest(policy))
			ev->flags |= IG_F_NEED_HASH;
		break;
	case IG_ACT_AUDIT:
		ev->flags |= IG_F_NEED_HASH;
		break;
	default:
		if (hook == IG_HOOK_OPEN) {
			/* Only a name matched in full is known unwatched: an
			 * unresolved one walks again next time (fail safe). */
			if (!(ev->flags & IG_F_PATH_ERR))
				open_remember(file, dir, &dir_name, &name, &dm, rule_map);
			return 0; /* opens are measured only under an audit rule */
		}
		ev->flags |= IG_F_NEED_HASH;
	}

	if (ev->flags & IG_F_NEED_HASH) {
		if (hook != IG_HOOK_OPEN)
			ev->hash_error = content_error(file);
		if (ev->hash_error)
			/* Fail closed: no digest to judge it by, decided here
			 * (refused in enforce mode). Opens are only recorded. */
			ev->flags |= IG_F_STALE;
		else
			cache_lookup(rec, file);
		if (hook == IG_HOOK_OPEN)
			open_version(rec, file);
	}

	/* An exec or map with nothing left to measure (digest cached,
	 * allowed by rule, or known stale) is decided here: stages 2 and 3
	 * find no record and pass. The loader's probe always takes the
	 * whole chain: that is how the order is proven. */
	if (hook != IG_HOOK_OPEN && !(ev->flags & IG_F_PROBE) &&
	    (!(ev->flags & IG_F_NEED_HASH) || (ev->flags & (IG_F_CACHED | IG_F_STALE))))
		return finish_alone(rec, file, &name, hook, c);
	if (!measurable) {
		/* Fail closed: nothing here can measure it (refused in enforce mode). */
		ev->hash_error = IG_ERR_UNMEASURED;
		return finish_alone(rec, file, &name, hook, c);
	}

	key.tid = (__u32)bpf_get_current_pid_tgid();
	key.hook = hook;
	err = record_store(&key, rec);
	if (!err)
		return 0;
	/* Nowhere to hand the record on: it cannot be measured. */
	if (c && err == IG_ERR_NO_RECORD)
		c->record_full++;
	ev->hash_error = err;
	if (hook == IG_HOOK_OPEN || ev->reason == IG_REASON_RULE_ALLOW)
		verdict = 0;
	else if (err == IG_ERR_QUOTA)
		verdict = refuse(ev, IG_REASON_QUOTA, c); /* its owner's own refusal */
	else
		verdict = refuse(ev, IG_REASON_HASH_ERROR, c);
	emit(ev, c);
	return verdict;
}

/* Stage 1. Returns 0 to hand on to stages 2 and 3, or a verdict reached alone
 * (with its event sent). Without stages 2 and 3 (measurable false: a
 * mprotect), a digest the cache does not hold is a hash error, and a name
 * not remembered on the inode is not known. hc: the file's hash cache
 * entry where the hook has it already (a map: map_begin), else NULL. The
 * scratch slot the body claims is given back here, on every path out of
 * it. */
static __always_inline int stage_filter(struct file *file, __u32 hook, __u32 prot,
					bool measurable, struct ig_hash_cache *hc)
{
	__u64 *held = NULL;
	__u64 bit = 0;
	bool own = false;
	int verdict;

	verdict = filter_body(file, hook, prot, measurable, hc, &held, &bit, &own);
	if (held)
		__sync_fetch_and_and(held, ~bit);
	else if (own)
		bpf_task_storage_delete(&scratch_task, bpf_get_current_task_btf());
	return verdict;
}

/*
 * Stages 2 and 3 have work only where a record is live; everywhere else
 * (every unwatched open, a repeated map, a cached exec) they leave on one
 * word. The work is a subprogram of its own, so that the way out is the
 * program's whole body: no stack frame, no callee-saved registers to keep,
 * as near the floor's empty program as a check can be.
 */
static __noinline int stage_measure_rec(struct file *file, __u32 hook)
{
	struct ig_rec_key key = { .hook = hook };
	struct ig_record *rec;
	long algo;

	key.tid = (__u32)bpf_get_current_pid_tgid();
	rec = bpf_map_lookup_elem(&records, &key);
	if (!rec)
		rec = bpf_map_lookup_elem(&records_long, &key);
	if (!rec || rec->file != (__u64)file)
		return 0; /* stage 1 wanted nothing here; stage 3 judges the order */
	if (rec->ev.stages != IG_STAGE_FILTER)
		rec->ev.flags |= IG_F_ORDER_BAD;
	rec->ev.stages |= IG_STAGE_MEASURE;
	if (!(rec->ev.flags & IG_F_NEED_HASH) || (rec->ev.flags & (IG_F_CACHED | IG_F_STALE)))
		return 0; /* nothing asked, the cache answered, or no answer can be trusted */

	algo = bpf_ima_file_hash(file, rec->ev.digest, sizeof(rec->ev.digest));
	rec->ev.hash_algo = algo;
	/* Only a full SHA-256 counts: an error or another algorithm (ima_hash=sha1)
	 * is a hash error, never a truncated or padded digest. */
	if (algo == (long)bpf_core_enum_value(enum hash_algo, HASH_ALGO_SHA256))
		rec->ev.flags |= IG_F_HASHED;
	else
		rec->ev.hash_error = algo < 0 ? algo : -EPROTONOSUPPORT;
	return 0;
}

/* Stage 2: the digest, when stage 1 asked for it. */
static __always_inline int stage_measure(struct file *file, __u32 hook)
{
	/* Our own stage 1's increment, if it stored a record, is seen here. */
	if (!records_live())
		return 0; /* no record anywhere: stage 1 wanted nothing here */
	return stage_measure_rec(file, hook);
}

/* Stage 3's work on the record found in map, whose paths have room for
 * room bytes. */
static __always_inline int record_finish(struct ig_record *rec, void *map, __u32 room,
					 struct ig_rec_key *key, struct file *file, __u32 hook,
					 struct ig_counters *c)
{
	struct ig_event *ev = &rec->ev;
	__u32 epoch = 0;
	int verdict;

	if (rec->file != (__u64)file) {
		/* Left by a chain another program cut short after stage 1: not
		 * this access's. Stage 1 decided this one alone (an exec or
		 * map with nothing to measure), so pass. */
		drop_record(map, key, rec->owner);
		return 0;
	}
	if (ev->stages != (IG_STAGE_FILTER | IG_STAGE_MEASURE)) {
		ev->flags |= IG_F_ORDER_BAD;
		if (c)
			c->order_violations++;
	}
	ev->stages |= IG_STAGE_EMIT;
	if ((ev->flags & (IG_F_CACHE_FILL | IG_F_HASHED)) == (IG_F_CACHE_FILL | IG_F_HASHED))
		cache_fill(rec, file);
	verdict = judge(ev, rec->policy, hook, c);
	if (hook == IG_HOOK_OPEN)
		epoch = fold_open_take(rec);
	if (emit_from(ev, c, room) && epoch)
		fold_open_mark(rec, file, epoch);
	drop_record(map, key, rec->owner);
	return verdict;
}

static __noinline int stage_emit_rec(struct file *file, __u32 hook)
{
	struct ig_rec_key key = { .hook = hook };
	struct ig_counters *c;
	struct ig_record *rec;

	key.tid = (__u32)bpf_get_current_pid_tgid();
	c = counters_get();
	rec = bpf_map_lookup_elem(&records, &key);
	if (rec)
		return record_finish(rec, &records, IG_SHORT_PATH_MAX, &key, file, hook, c);
	rec = bpf_map_lookup_elem(&records_long, &key);
	if (rec)
		return record_finish(rec, &records_long, IG_PATH_MAX, &key, file, hook, c);
	return 0; /* none here: stage 1 decided alone or wanted nothing */
}

/* Stage 3: verdict and event; the record is dropped here. */
static __always_inline int stage_emit(struct file *file, __u32 hook)
{
	if (!records_live())
		return 0; /* no record anywhere: stage 1 decided alone or wanted nothing */
	return stage_emit_rec(file, hook);
}

/* ---- bprm_check_security ---- */
SEC("lsm/bprm_check_security")
int BPF_PROG(ig_exec_filter, struct linux_binprm *bprm, int ret)
{
	if (ret)
		return ret; /* refused by an earlier program: keep the refusal */
	return stage_filter(bprm->file, IG_HOOK_EXEC, 0, true, NULL);
}

SEC("lsm.s/bprm_check_security")
int BPF_PROG(ig_exec_measure, struct linux_binprm *bprm, int ret)
{
	if (ret)
		return ret;
	return stage_measure(bprm->file, IG_HOOK_EXEC);
}

SEC("lsm/bprm_check_security")
int BPF_PROG(ig_exec_emit, struct linux_binprm *bprm, int ret)
{
	if (ret)
		return ret;
	return stage_emit(bprm->file, IG_HOOK_EXEC);
}

/* ---- mmap_file ---- */
SEC("lsm/mmap_file")
int BPF_PROG(ig_mmap_filter, struct file *file, unsigned long reqprot, unsigned long prot,
	     unsigned long flags, int ret)
{
	struct ig_hash_cache *hc;

	if (ret)
		return ret;
	if (!file || !(prot & PROT_EXEC))
		return 0; /* not an executable file mapping: nothing to judge */
	if (!map_begin(file, true, &hc))
		/* Fail closed: unmarked, the content could be rewritten
		 * under the mapping once judged (mapped.bpf.h). */
		return filter_busy(file, IG_HOOK_MMAP, prot, IG_ERR_NO_MARK, counters_get());
	return stage_filter(file, IG_HOOK_MMAP, prot, true, hc);
}

SEC("lsm.s/mmap_file")
int BPF_PROG(ig_mmap_measure, struct file *file, unsigned long reqprot, unsigned long prot,
	     unsigned long flags, int ret)
{
	if (ret)
		return ret;
	if (!file || !(prot & PROT_EXEC))
		return 0; /* stage 1 left no record */
	return stage_measure(file, IG_HOOK_MMAP);
}

SEC("lsm/mmap_file")
int BPF_PROG(ig_mmap_emit, struct file *file, unsigned long reqprot, unsigned long prot,
	     unsigned long flags, int ret)
{
	if (ret)
		return ret;
	if (!file || !(prot & PROT_EXEC))
		return 0; /* stage 1 left no record */
	return stage_emit(file, IG_HOOK_MMAP);
}

/*
 * ---- file_mprotect: a file mapping made executable after it was mapped is
 * an executable map of that file, judged and recorded as one ("mmap"). The
 * hook runs under the mm's lock, where no program may sleep to hash: the
 * digest comes from the hash cache (an earlier exec or executable map of
 * the same content) or it is a hash error, refused in enforce mode. Nor
 * may it print a path (bpf_d_path): the name is the one remembered on the
 * inode, or none (path_unknown).
 */
SEC("lsm/file_mprotect")
int BPF_PROG(ig_mprotect, struct vm_area_struct *vma, unsigned long reqprot,
	     unsigned long prot, int ret)
{
	struct file *file = vma->vm_file;
	struct ig_hash_cache *hc;

	if (ret)
		return ret; /* refused by an earlier program: keep the refusal */
	if (!file || !(prot & PROT_EXEC))
		return 0; /* not a file mapping turning executable: nothing to judge */
	if (vma->vm_flags & VM_EXEC)
		return 0; /* already executable: judged when it became so */
	if (!map_begin(file, false, &hc))
		/* Fail closed, as for a map (ig_mmap_filter). */
		return filter_busy(file, IG_HOOK_MMAP, prot, IG_ERR_NO_MARK, counters_get());
	return stage_filter(file, IG_HOOK_MMAP, prot, false, hc);
}

/* ---- file_open ---- */
SEC("lsm/file_open")
int BPF_PROG(ig_open_filter, struct file *file, int ret)
{
	if (ret)
		return ret;
	/* do_dentry_open took write access before this hook: the content may
	 * change from here on, unless it is mapped executable (mapped.bpf.h:
	 * refused in enforce mode, closed), and a process's memory file may not
	 * be opened for writing at all (procmem.bpf.h: refused in enforce mode,
	 * closed). */
	if ((file->f_mode & FMODE_WRITE) &&
	    ((ret = proc_mem_write_open(file)) || (ret = write_open(file))))
		return ret;
	return stage_filter(file, IG_HOOK_OPEN, 0, true, NULL);
}

SEC("lsm.s/file_open")
int BPF_PROG(ig_open_measure, struct file *file, int ret)
{
	if (ret)
		return ret;
	return stage_measure(file, IG_HOOK_OPEN);
}

SEC("lsm/file_open")
int BPF_PROG(ig_open_emit, struct file *file, int ret)
{
	if (ret)
		return ret;
	return stage_emit(file, IG_HOOK_OPEN);
}

/*
 * ---- path_truncate: write access without an open on truncate(2) by name.
 * Up to 6.1 the hook also runs for ftruncate and open(O_TRUNC), where a
 * writer's close follows and IMA looks again then; only truncate(2) leaves
 * a digest IMA already holds stale for good. So that one marks the inode: its execs
 * and executable maps are hash errors, refused in enforce mode, until a
 * writer opens it (and so will close it) or it is replaced by a new inode.
 */
SEC("lsm/path_truncate")
int BPF_PROG(ig_truncate, const struct path *path, int ret)
{
	struct inode *inode = path->dentry->d_inode;
	struct ig_hash_cache *hc;

	if (ret || !inode)
		return ret; /* refused already, or nothing to truncate */
	if (write_busy(inode)) {
		/* Closed: content mapped executable stays as judged (mapped.bpf.h). */
		ret = write_refuse(NULL, inode);
		if (ret)
			return ret;
	}
	if (!truncate_by_name()) {
		/* An open file's truncate: its writer's close follows. */
		cache_invalidate(inode);
		return 0;
	}
	hc = bpf_inode_storage_get(&hash_cache, inode, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!hc) {
		/* No memory for the mark (memcg pressure; the guest tests
		 * cannot provoke it). Unmarked, the new content would be
		 * judged by IMA's digest of the old for good, so fail closed
		 * where it matters: in enforce mode the truncate is refused
		 * and the content stays the one that digest is of. Monitor
		 * mode refuses nothing: the truncate goes ahead, and the
		 * file's records may carry the old digest. */
		return ig_mode == IG_MODE_ENFORCE ? -ENOMEM : 0;
	}
	hc->truncated = 1;
	__sync_fetch_and_add(&hc->gen, 1);
	return 0;
}

/*
 * ---- vm_mmap_pgoff's end: an executable map counted by ig_mmap_filter is
 * in i_mmap now, or failed; either way it is no longer in flight
 * (mapped.bpf.h). A run the kernel skips (another task preempted inside
 * this program on the CPU) leaves the count up: writes to that file are
 * refused until its inode is freed (closed).
 */
SEC("fexit/vm_mmap_pgoff")
int BPF_PROG(ig_map_end, struct file *file, unsigned long addr, unsigned long len,
	     unsigned long prot, unsigned long flag, unsigned long pgoff, unsigned long ret)
{
	if (file && (prot & PROT_EXEC))
		map_end(file);
	return 0;
}

/*
 * A close of a regular file open for writing, as IMA's own look at it
 * (lastwriter.bpf.h): was this writer alone? Where the kernel has the
 * file_release hook (6.12, not 6.1), IMA looks from that hook too, and the
 * writer's count drops only after it (put_file_access): an LSM program
 * reaches the inode's entry, and keeps the note at once.
 */
SEC("lsm/file_release")
int BPF_PROG(ig_lw_release, struct file *file)
{
	if (!lw_watched(file))
		return 0; /* not a writer's close of a regular file: IMA forgets nothing */
	lw_note(file->f_inode, __sync_add_and_fetch(&ig_close_seq, 1), lw_alone(file));
	return 0;
}

/*
 * Elsewhere (6.1), the same look right before IMA's own, from a tracing
 * program, which cannot reach inode storage: noted in the task, for
 * ig_lw_free. Never refuses (a void hook): a note it cannot keep leaves
 * nothing for ig_lw_free, which then counts the close as not alone.
 */
SEC("fentry/ima_file_free")
int BPF_PROG(ig_lw_close, struct file *file)
{
	struct ig_closing *c;

	if (!lw_watched(file))
		return 0; /* not a writer's close of a regular file: IMA forgets nothing */
	c = bpf_task_storage_get(&closing, bpf_get_current_task_btf(), 0,
				 BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!c)
		return 0; /* no memory: ig_lw_free finds no note, fails closed */
	c->file = (__u64)file;
	c->seq = __sync_add_and_fetch(&ig_close_seq, 1);
	c->alone = lw_alone(file);
	return 0;
}

/*
 * The same file's last hook, later in the same __fput and task: what the
 * close saw goes to the inode. No note for this file (none could be kept,
 * or another file's close ran in between) counts as not alone: closed, the
 * next exec or map of the file is refused until a writer closes it alone.
 */
SEC("lsm/file_free_security")
int BPF_PROG(ig_lw_free, struct file *file)
{
	struct ig_closing *c;
	bool alone = false;
	__u64 seq;

	if (!lw_watched(file))
		return 0;
	c = bpf_task_storage_get(&closing, bpf_get_current_task_btf(), 0, 0);
	if (c && c->file == (__u64)file) {
		alone = c->alone;
		seq = c->seq;
		c->file = 0;
	} else {
		seq = __sync_add_and_fetch(&ig_close_seq, 1);
	}
	lw_note(file->f_inode, seq, alone);
	return 0;
}

/*
 * ---- names: a move of a directory or a change of mounts can change what
 * bpf_d_path prints for every file below, so remembered names are
 * forgotten, once the change is made: an access between the LSM hook and
 * the change still sees the old names, and would remember one of them
 * under a generation bumped at the hook. A file moved itself needs nothing
 * here: the move changes its dentry's d_seq, which is in its key. Creating
 * or removing a name changes no other name, unless a mount sits on it.
 * These run after the kernel function returns, whether it succeeded or not
 * (a bump is never wrong); until then, for the rest of that one call, an
 * access may still be named as it was just before the change.
 */
/* Every rename(2), also an exchange (either side may be the one). */
SEC("fexit/vfs_rename")
int BPF_PROG(ig_names_rename, struct renamedata *rd, int ret)
{
	if (moves_more(rd->old_dentry) || moves_more(rd->new_dentry))
		return names_changed();
	return 0;
}

/* A mount point unlinked, removed or renamed over: its mounts, in every
 * namespace, are taken off. */
SEC("fexit/__detach_mounts")
int BPF_PROG(ig_names_detach)
{
	return names_changed();
}

/*
 * A dentry given an inode: it may sit where a freed dentry of the same
 * inode sat, its d_seq counted from zero again, and so match a key made
 * for the old one. What the inode remembers by name is forgotten before
 * the new dentry can be used (an access through the old dentry held it,
 * so it was stored before). Also a new hard link's, at no harm.
 */
SEC("lsm/d_instantiate")
int BPF_PROG(ig_names_instantiate, struct dentry *dentry, struct inode *inode)
{
	struct ig_hash_cache *hc;
	struct ig_name *nm;

	if (!inode)
		return 0; /* a negative dentry names nothing */
	if (inode->i_sb && (inode->i_sb->s_flags & SB_KERNMOUNT))
		return 0; /* a pipe, socket or memfd: never hashed, so never named (name_key) */
	nm = bpf_inode_storage_get(&names, inode, 0, 0);
	if (nm) {
		bpf_spin_lock(&nm->lock);
		seq_write_begin(&nm->seq);
		nm->key.epoch = 0;
		nm->fold.epoch = 0;
		nm->open_fold.epoch = 0;
		seq_write_end(&nm->seq);
		bpf_spin_unlock(&nm->lock);
	}
	hc = bpf_inode_storage_get(&hash_cache, inode, 0, 0);
	if (hc) {
		bpf_spin_lock(&hc->lock);
		seq_write_begin(&hc->names_seq);
		hc->open.epoch = 0;
		hc->children.epoch = 0;
		seq_write_end(&hc->names_seq);
		bpf_spin_unlock(&hc->lock);
	}
	return 0;
}

/* mount(2) in all its forms, MS_MOVE included. */
SEC("fexit/path_mount")
int BPF_PROG(ig_names_mount)
{
	return names_changed();
}

/* umount(2). */
SEC("fexit/path_umount")
int BPF_PROG(ig_names_umount)
{
	return names_changed();
}

/* move_mount(2) (and mount(2)'s MS_MOVE, again). */
SEC("fexit/do_move_mount")
int BPF_PROG(ig_names_move_mount)
{
	return names_changed();
}

/* pivot_root(2), for every syscall ABI: the last step of a pivot that
 * changed the mounts. */
SEC("fexit/chroot_fs_refs")
int BPF_PROG(ig_names_pivotroot)
{
	return names_changed();
}

/*
 * ---- the guard (tamper.bpf.h, guard.bpf.h): the daemon and the
 * enforcer's own maps, programs, links and pins are the daemon's alone.
 * Each program passes what it is not about (a process or object not
 * guarded, the daemon itself, an unarmed guard: open, they are not the
 * chain's or are its own), keeps an earlier refusal, and refuses (closed)
 * a guarded act by anyone else, with a tamper event. Then code the kernel
 * itself reads (kmod.bpf.h). Outside the chains: one program per hook,
 * attached before the chains with the watchers.
 */
#include "tamper.bpf.h"
#include "guard.bpf.h"
#include "kmod.bpf.h"

SEC("lsm/task_kill")
int BPF_PROG(ig_guard_kill, struct task_struct *p, struct kernel_siginfo *info, int sig,
	     const struct cred *cred, int ret)
{
	__u32 tgid = daemon_tgid();

	if (ret)
		return ret; /* refused by an earlier program: keep the refusal */
	if (signal_harmless(sig))
		return 0;
	if (!tgid || !p || (__u32)p->tgid != tgid)
		return 0; /* not aimed at the daemon, or none runs */
	if (!cred && current_is_daemon(tgid))
		return 0; /* the daemon signalling itself */
	/* Closed, in either mode: it would stop or end the daemon. */
	return daemon_refuse(IG_TAMPER_SIGNAL, sig, tgid);
}

/* ptrace_may_access() in attach mode on the daemon: ptrace attach and
 * seize, process_vm_readv/writev, /proc/PID/mem, pidfd_getfd. Read mode
 * (ps, /proc/PID/stat, fd, maps) passes. */
SEC("lsm/ptrace_access_check")
int BPF_PROG(ig_guard_ptrace, struct task_struct *child, unsigned int mode, int ret)
{
	__u32 tgid = daemon_tgid();

	if (ret)
		return ret;
	if (!(mode & PTRACE_MODE_ATTACH) || !aims_at_daemon(child, tgid))
		return 0; /* a read-only look, or not the daemon */
	return daemon_refuse(IG_TAMPER_PTRACE, mode, tgid); /* closed, in either mode */
}

/* prlimit(2) on the daemon by another process. */
SEC("lsm/task_setrlimit")
int BPF_PROG(ig_guard_rlimit, struct task_struct *p, unsigned int resource,
	     struct rlimit *new_rlim, int ret)
{
	__u32 tgid = daemon_tgid();

	if (ret)
		return ret;
	if (!aims_at_daemon(p, tgid))
		return 0; /* not the daemon, or the daemon itself */
	return daemon_refuse(IG_TAMPER_RLIMIT, resource, tgid); /* closed, in either mode */
}

SEC("lsm/bpf_map")
int BPF_PROG(ig_guard_map, struct bpf_map *map, fmode_t fmode, int ret)
{
	if (ret)
		return ret; /* refused by an earlier program: keep the refusal */
	if (!(fmode & FMODE_WRITE))
		return 0; /* read-only: no entry written, no ring buffer consumed (open) */
	if (!guard_listed(IG_GUARD_MAP, map->id) || guard_permits(true))
		return 0;
	return tamper_refuse(IG_TAMPER_MAP_WRITE, IG_GUARD_MAP, map->id, fmode, NULL);
}

SEC("lsm/bpf_prog")
int BPF_PROG(ig_guard_prog, struct bpf_prog *prog, int ret)
{
	__u32 id = prog->aux->id;

	if (ret)
		return ret;
	if (!guard_listed(IG_GUARD_PROG, id) || guard_permits(false))
		return 0;
	return tamper_refuse(IG_TAMPER_PROG_FD, IG_GUARD_PROG, id, 0, NULL);
}

/* A link's fd is what detaches or replaces its program; by id it is asked
 * for here, by its pin in ig_guard_pin_open. */
SEC("lsm/bpf")
int BPF_PROG(ig_guard_bpf, int cmd, union bpf_attr *attr, unsigned int size, int ret)
{
	__u32 id;

	if (ret)
		return ret;
	if (cmd != BPF_LINK_GET_FD_BY_ID)
		return 0; /* maps and programs are judged when their fd is made */
	id = BPF_CORE_READ(attr, link_id);
	if (!guard_listed(IG_GUARD_LINK, id) || guard_permits(false))
		return 0;
	return tamper_refuse(IG_TAMPER_LINK_FD, IG_GUARD_LINK, id, cmd, NULL);
}

SEC("lsm/inode_permission")
int BPF_PROG(ig_guard_pin_open, struct inode *inode, int mask, int ret)
{
	if (ret)
		return ret;
	/* Two loads and a compare on every other inode: this hook is hot. */
	if (!ig_guard_pin_dev || inode->i_sb->s_dev != ig_guard_pin_dev)
		return 0;
	if (!guard_listed(IG_GUARD_LINK_PIN, inode->i_ino) || guard_permits(false))
		return 0;
	return tamper_refuse(IG_TAMPER_PIN_OPEN, IG_GUARD_LINK_PIN, inode->i_ino, mask, NULL);
}

SEC("lsm/inode_unlink")
int BPF_PROG(ig_guard_unlink, struct inode *dir, struct dentry *dentry, int ret)
{
	if (ret)
		return ret;
	if (!is_pin_dir(dir) || guard_permits(false))
		return 0;
	return tamper_refuse(IG_TAMPER_PIN_UNLINK, 0, dentry->d_inode ? dentry->d_inode->i_ino : 0,
			     0, dentry->d_name.name);
}

SEC("lsm/inode_rmdir")
int BPF_PROG(ig_guard_rmdir, struct inode *dir, struct dentry *dentry, int ret)
{
	if (ret)
		return ret;
	if (!is_pin_dir(dentry->d_inode) || guard_permits(false))
		return 0;
	return tamper_refuse(IG_TAMPER_PIN_UNLINK, 0, ig_guard_pin_ino, 0, dentry->d_name.name);
}

SEC("lsm/inode_rename")
int BPF_PROG(ig_guard_rename, struct inode *old_dir, struct dentry *old_dentry,
	     struct inode *new_dir, struct dentry *new_dentry, int ret)
{
	if (ret)
		return ret;
	if (!is_pin_dir(old_dir) && !is_pin_dir(new_dir) && !is_pin_dir(old_dentry->d_inode))
		return 0;
	if (guard_permits(false))
		return 0;
	return tamper_refuse(IG_TAMPER_PIN_RENAME, 0,
			     old_dentry->d_inode ? old_dentry->d_inode->i_ino : 0, 0,
			     old_dentry->d_name.name);
}

SEC("lsm/sb_umount")
int BPF_PROG(ig_guard_umount, struct vfsmount *mnt, int flags, int ret)
{
	if (ret)
		return ret;
	if (!ig_guard_pin_dev || mnt->mnt_sb->s_dev != ig_guard_pin_dev || guard_permits(false))
		return 0;
	return tamper_refuse(IG_TAMPER_UMOUNT, 0, ig_guard_pin_dev, flags, NULL);
}

/* The daemon's end leaves the chain vacant (see guard_permits). Any
 * thread's end drops the records a chain cut short left under its tid, so
 * that no count of records in flight outlives its thread (quota.bpf.h),
 * and takes its interpreter mark out of ig_interp_live (interp.bpf.h). */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(ig_guard_exit, struct task_struct *p)
{
	__u64 daemon = *(volatile __u64 *)&ig_guard_tgid;

	interp_exit(); /* p is current: each thread's mark counted out as it exits */
	if (daemon && (__u64)p->pid == daemon)
		__sync_val_compare_and_swap(&ig_guard_tgid, daemon, 0);
	records_exit(p);
	return 0;
}

/* A file the kernel reads as code or policy: measured, judged by the
 * allowlist (closed in enforce mode). Sleepable, to measure. */
SEC("lsm.s/kernel_read_file")
int BPF_PROG(ig_kread, struct file *file, enum kernel_read_file_id id, bool contents, int ret)
{
	if (ret)
		return ret;
	if (!file)
		return 0; /* nothing read: nothing to judge */
	return kread_judge(file, kread_kind(id));
}

/* Code or policy handed to the kernel in a buffer: nothing to measure,
 * refused in enforce mode (closed). */
SEC("lsm/kernel_load_data")
int BPF_PROG(ig_kload, enum kernel_load_data_id id, bool contents, int ret)
{
	if (ret)
		return ret;
	return kload_judge(kload_kind(id));
}

/*
 * ---- interpreted code (interp.bpf.h): a file an interpreter opens for
 * reading as code is judged like an exec, hook "script", failing closed
 * as in (a). It needs the file readable, which it is only once the open is
 * done: file_post_open (6.9 and later; sleepable for BPF from 6.11), where
 * stage 2 hashes it before the interpreter can read a byte. A kernel
 * without that hook judges it at file_open, where nothing can read it yet
 * (see (c)): the digest must come from the hash cache or from IMA's own
 * measurement of an earlier open; with neither it is a hash error, refused
 * in enforce mode. The loader loads one set of the two, by whether the
 * kernel has file_post_open. Then the interpreter mark: set by an exec's
 * verdict (interp_note_exec), made the task's at bprm_committed_creds,
 * handed to new tasks at task_alloc.
 */
static __always_inline int script_filter(struct file *file)
{
	/* The cheapest facts first: one word (no task marked anywhere), the
	 * open's own mode and type, then the task's storage. */
	if (!interp_any())
		return 0; /* no interpreter's task anywhere: nothing to judge (ig_interp_live) */
	if (!script_readable(file))
		return 0; /* not a regular file read through this open: not code read */
	if (!script_code(file, *(volatile __u32 *)&ig_policy))
		return 0; /* not an interpreter's code by the policy in force (script_code) */
	return stage_filter(file, IG_HOOK_SCRIPT, 0, true, NULL);
}

SEC("lsm/file_post_open")
int BPF_PROG(ig_script_filter, struct file *file, int mask, int ret)
{
	if (ret)
		return ret; /* refused by an earlier program: keep the refusal */
	return script_filter(file);
}

SEC("lsm.s/file_post_open")
int BPF_PROG(ig_script_measure, struct file *file, int mask, int ret)
{
	if (ret)
		return ret;
	return stage_measure(file, IG_HOOK_SCRIPT);
}

SEC("lsm/file_post_open")
int BPF_PROG(ig_script_emit, struct file *file, int mask, int ret)
{
	if (ret)
		return ret;
	return stage_emit(file, IG_HOOK_SCRIPT);
}

SEC("lsm/file_open")
int BPF_PROG(ig_script_open_filter, struct file *file, int ret)
{
	if (ret)
		return ret;
	return script_filter(file);
}

SEC("lsm.s/file_open")
int BPF_PROG(ig_script_open_measure, struct file *file, int ret)
{
	if (ret)
		return ret;
	/* Not readable yet: bpf_ima_file_hash gives IMA's digest of an
	 * earlier measurement, or an error (a hash error, refused). */
	return stage_measure(file, IG_HOOK_SCRIPT);
}

SEC("lsm/file_open")
int BPF_PROG(ig_script_open_emit, struct file *file, int ret)
{
	if (ret)
		return ret;
	return stage_emit(file, IG_HOOK_SCRIPT);
}

/* The exec succeeded: the program it judged last (the interpreter of a
 * `#!` script, after the script) is the one the task runs now. */
SEC("lsm/bprm_committed_creds")
int BPF_PROG(ig_interp_commit, struct linux_binprm *bprm)
{
	interp_commit();
	return 0;
}

/* A new thread or process of an interpreter's task is the interpreter too
 * (a forked python imports as its parent would). No memory for the mark:
 * refused in enforce mode (fails closed: unmarked, its scripts would go
 * unjudged); monitor mode lets it go unmarked. */
SEC("lsm/task_alloc")
int BPF_PROG(ig_interp_fork, struct task_struct *task, unsigned long clone_flags, int ret)
{
	struct ig_interp_task *t, *n;

	if (ret)
		return ret;
	if (!interp_any())
		return 0; /* open: no task is marked, the parent neither (ig_interp_live) */
	t = bpf_task_storage_get(&interp_task, bpf_get_current_task_btf(), 0, 0);
	if (!t || !t->interp)
		return 0; /* the parent is no interpreter: nothing to hand on */
	n = bpf_task_storage_get(&interp_task, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!n)
		return ig_mode == IG_MODE_ENFORCE ? -ENOMEM : 0;
	interp_count_up(n->pending || n->interp, true);
	interp_fork_copy(n, t);
	return 0;
}
