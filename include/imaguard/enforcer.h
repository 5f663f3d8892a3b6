/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The interface between bpf/enforcer.bpf.c and src/enforcer/: the event
 * sent to userspace, the keys and values of the maps the loader fills
 * (rules, allowlist), the counters, the flag bits and the sizes both sides
 * rely on. Userspace never spells any of these twice. What only the kernel
 * side keeps (the record the stages hand on, the per-inode caches) is in
 * bpf/enforcer.bpf.h.
 */
#ifndef IMAGUARD_ENFORCER_H
#define IMAGUARD_ENFORCER_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define IG_PATH_MAX	4096	/* PATH_MAX, terminating NUL included */
#define IG_DIGEST_MAX	64	/* IMA's largest digest (SHA-512) */
#define IG_SHA256_LEN	32
#define IG_COMM_LEN	16

enum ig_hook {
	IG_HOOK_EXEC = 0,	/* bprm_check_security */
	IG_HOOK_MMAP = 1,	/* mmap_file */
	IG_HOOK_OPEN = 2,	/* file_open */
	IG_HOOK_SCRIPT = 3,	/* code read by an interpreter: file_post_open, else file_open */
	IG_HOOK_MAX,
};

/* ig_event.hook of events outside the three chains (no rules, no runs
 * counter): code the kernel itself reads (ig_event.prot holds the enum
 * ig_kread kind), and attempts on the daemon or its chain, refused or
 * found, which are no access at all (IG_HOOK_TAMPER: see enum ig_tamper). */
#define IG_HOOK_MODULE	8	/* kernel_read_file, kernel_load_data: a module */
#define IG_HOOK_KREAD	9	/* the same for firmware, kexec images, policies */
#define IG_HOOK_TAMPER	10	/* an attempt on the daemon or its chain: enum ig_tamper */

/* ig_event.prot of an IG_HOOK_MODULE or IG_HOOK_KREAD event: what the
 * kernel reads (its kernel_read_file_id / kernel_load_data_id). */
enum ig_kread {
	IG_KREAD_OTHER = 0,
	IG_KREAD_MODULE,
	IG_KREAD_FIRMWARE,
	IG_KREAD_KEXEC_IMAGE,
	IG_KREAD_KEXEC_INITRAMFS,
	IG_KREAD_POLICY,
	IG_KREAD_X509,
	IG_KREAD_MAX,
};

/* Stages mark the record as they run; the loader's probe reads the marks. */
enum ig_stage {
	IG_STAGE_FILTER  = 1 << 0,
	IG_STAGE_MEASURE = 1 << 1,
	IG_STAGE_EMIT    = 1 << 2,
};
#define IG_STAGES_ALL (IG_STAGE_FILTER | IG_STAGE_MEASURE | IG_STAGE_EMIT)

enum ig_decision {
	IG_ALLOW = 0,
	IG_DENY = 1,
};

enum ig_reason {
	IG_REASON_NONE = 0,		/* measured, nothing to check against (monitor, no list) */
	IG_REASON_ALLOWLISTED,
	IG_REASON_NOT_ALLOWLISTED,
	IG_REASON_RULE_DENY,
	IG_REASON_RULE_ALLOW,
	IG_REASON_RULE_AUDIT,
	IG_REASON_HASH_ERROR,
	IG_REASON_TEXT_BUSY,		/* a write to content mapped executable since it was judged */
	IG_REASON_QUOTA,		/* its user's records in flight at their quota (IG_ERR_QUOTA) */
	IG_REASON_PROC_MEM,		/* a write open of a process's memory file (/proc/PID/mem) */
	IG_REASON_MAX,
};

/* ig_event.flags */
enum ig_flag {
	IG_F_NEED_HASH	= 1 << 0,	/* stage 1 asks stage 2 for the digest */
	IG_F_HASHED	= 1 << 1,	/* digest holds a full SHA-256 */
	IG_F_PROBE	= 1 << 2,	/* the loader's own order probe: always refused */
	IG_F_PATH_ERR	= 1 << 3,	/* bpf_d_path failed or truncated: path unusable */
	IG_F_WOULD_DENY	= 1 << 4,	/* monitor mode: enforce would have refused */
	IG_F_ORDER_BAD	= 1 << 5,	/* a stage found the marks out of order */
	IG_F_CACHED	= 1 << 6,	/* digest from the hash cache: stage 2 did not hash */
	IG_F_CACHE_FILL	= 1 << 7,	/* a cache miss that stage 3 may fill */
	IG_F_STALE	= 1 << 8,	/* not measured: no digest would be the content's (hash_error says why) */
	IG_F_UNLINKED	= 1 << 9,	/* no link at the printed path (" (deleted)"): no allow rule */
	IG_F_FOREIGN_PATH = 1 << 10,	/* path not proven the host's (another root or mount
					 * namespace): no allow rule, no bind_path entry */
	IG_F_VERSION	= 1 << 11,	/* an audited open: ig_event.version names the content */
	IG_F_IDENT_ERR	= 1 << 12,	/* with IG_F_FOREIGN_PATH: the file's directories could not
					 * be walked to match the rules by identity: refused */
};

/*
 * What an IG_HOOK_TAMPER event (a `tamper` record) reports, in
 * ig_event.tamper: an attempt on the daemon or on imaguard's own objects
 * that was refused, or a change the daemon found. A refusal carries the
 * caller's pid, tid, ppid, uid, gid, comm and cgroup; each event the
 * object's kind (enum ig_guard_kind) in dev and its id in ino, the detail
 * in prot (below), a pin's or link's name in path, the errno given in
 * hash_error.
 */
enum ig_tamper {
	IG_TAMPER_NONE = 0,
	/* Refused, aimed at the daemon (IG_GUARD_DAEMON, its tgid): */
	IG_TAMPER_SIGNAL,	/* prot: the signal number (task_kill) */
	IG_TAMPER_PTRACE,	/* prot: the ptrace access mode, PTRACE_MODE_* */
	IG_TAMPER_RLIMIT,	/* prot: the resource, RLIMIT_* (task_setrlimit) */
	IG_TAMPER_STOP,		/* prot: the signal; a locked daemon's stop without a
				 * valid unlock token (the daemon refuses it) */
	/* Refused, aimed at its objects: */
	IG_TAMPER_MAP_WRITE,	/* a writable fd to one of its maps; prot: fmode */
	IG_TAMPER_PROG_FD,	/* an fd to one of its programs */
	IG_TAMPER_LINK_FD,	/* an fd to one of its links, by id; prot: the bpf cmd */
	IG_TAMPER_PIN_OPEN,	/* a link's pin opened; prot: the permission mask */
	IG_TAMPER_PIN_UNLINK,	/* a pin, or the pin directory, removed */
	IG_TAMPER_PIN_RENAME,	/* a pin renamed, or one planted in the directory */
	IG_TAMPER_UMOUNT,	/* the bpffs holding the pins unmounted; prot: flags */
	/* Found by the daemon, not refused: */
	IG_TAMPER_LINK_GONE,	/* a link no longer reachable, or the chain's probe failed */
	IG_TAMPER_PROG_CHANGED,	/* a link runs a program whose tag is not the one loaded */
	IG_TAMPER_POLICY_CHANGED, /* the policy slot in force, or its maps, not the daemon's */
	IG_TAMPER_MAX,
};

/* The objects the guard programs keep from everyone but the daemon: their
 * ids (and the link pins' inode numbers) in the guard_ids map. */
enum ig_guard_kind {
	IG_GUARD_MAP = 1,
	IG_GUARD_PROG = 2,
	IG_GUARD_LINK = 3,
	IG_GUARD_LINK_PIN = 4,	/* id: a link pin's inode number on the pin file system */
	IG_GUARD_DAEMON = 5,	/* id: the daemon's tgid (never in guard_ids) */
};

struct ig_guard_key {
	__u32 kind;		/* enum ig_guard_kind */
	__u32 id;
};

#define IG_GUARD_IDS_MAX 1024

/* Bumped whenever what the programs do changes in a way a daemon must not
 * inherit from a chain an older build pinned (enforcer_adopt refuses it). */
#define IG_CHAIN_VERSION 15

enum ig_mode {
	IG_MODE_MONITOR = 0,
	IG_MODE_ENFORCE = 1,
};

/* File-system kinds the operator trusts although their content can change
 * under IMA's digest (the ig_trust_fs load-time knob, `--trust-fs`). */
enum ig_trust_fs {
	/* overlayfs mounted from a user namespace other than the initial one:
	 * whoever owns that namespace can change a lower file under the digest
	 * IMA keeps on the overlay inode; and a file of any overlay whose layer
	 * file someone other than root can write in place, or whose layer file
	 * cannot be found. */
	IG_TRUST_FS_OVERLAY = 1 << 0,
	/* FUSE (fuse, fuseblk, virtiofs: one magic), whoever mounted it: its
	 * server is a process that can serve other bytes after IMA's read. */
	IG_TRUST_FS_FUSE = 1 << 1,
	/* Network and cluster file systems (NFS, SMB/CIFS, 9p, Ceph, AFS,
	 * Coda, GFS2, OCFS2, ...: bpf/remote_fs.bpf.h): a server or another
	 * node changes a file with no write through this kernel. */
	IG_TRUST_FS_REMOTE = 1 << 2,
};

/*
 * Remembered names on a kernel that preempts everywhere (the
 * ig_names_heartbeat load-time knob): the kernel may skip a run of the
 * watchers that forget them, and only the loader can see the skips. It
 * looks every tick of its poll, and each time it finds nothing left to
 * forget stores in ig_names_until (the programs' .bss) the moment, in
 * CLOCK_MONOTONIC nanoseconds, up to which a name may be recalled:
 * IG_NAMES_FRESH_MS after that look.
 */
#define IG_NAMES_FRESH_MS 250

/* ig_rule_hooks (the programs' .bss): bit 1 << h, some rule in force names
 * hook h; bit IG_HOOK_WATCHED(h), some deny or audit rule does, so that an
 * access to a file whose path cannot be resolved is refused there. */
#define IG_HOOK_WATCHED(h) (1u << (8 + (h)))

/* Rule actions; the numeric order is the precedence between equally specific rules. */
enum ig_action {
	IG_ACT_NONE  = 0,
	IG_ACT_ALLOW = 1,	/* trust the path: no digest check */
	IG_ACT_AUDIT = 2,	/* measure and record (the only way an open is measured) */
	IG_ACT_DENY  = 3,	/* refuse whatever the digest */
};

enum ig_rule_kind {
	IG_RULE_EXACT = 0,	/* the file itself */
	IG_RULE_DIR = 1,	/* direct children of a directory */
	IG_RULE_TREE = 2,	/* everything below a directory */
	/* Not a rule: under a directory's key, the file rules on its direct
	 * children folded into one value per hook (the loader adds it). An
	 * open's directory with no audit or deny here, and none from its
	 * directory and tree rules, has only unwatched children. */
	IG_RULE_FILES = 3,
};

/*
 * Rules live in a hash map keyed by a seeded hash of the path bytes (a
 * directory's key covers its trailing '/'), the length and the kind. Stage 1
 * hashes the resolved path once, byte by byte, looking up each directory
 * prefix as it passes its '/'; the seed is random per load, so nobody can
 * aim a path at another rule's key. Both sides hash with ig_path_hash_step().
 */
struct ig_rule_key {
	__u64 hash;
	__u32 len;
	__u32 kind;		/* enum ig_rule_kind */
};

/* What a key decides, per hook: the winning action and the rule's index. */
struct ig_rule_val {
	__s32 rule[IG_HOOK_MAX];
	__u8 action[IG_HOOK_MAX];
	__u8 pad;
};

static inline __u64 ig_path_hash_step(__u64 h, __u8 c)
{
	h ^= c;
	h *= 0x9e3779b97f4a7c15ULL;
	return h ^ (h >> 29);
}

/*
 * Rules by identity, for a path not proven the host's (IG_F_FOREIGN_PATH),
 * which may name any file: the loader resolves each rule's path in the
 * host's namespace to its directory's device and inode (a directory or tree
 * rule; a tree rule also gets the root of each file system mounted below
 * it), or to its directory's and its own name there (a file rule: a file
 * replaced by a rename is still the one named). A directory or tree rule
 * is also keyed by its directory's name in its parent, so that a directory
 * made after the load, or made again, is still the one named; its parent
 * gets a gate key, so that the walk hashes a directory's name only where
 * some rule names a directory there. Stage 1 walks the file's d_parent
 * chain, which follows the file system and no mount, and the nearest match
 * wins as a longer path does. Value: struct ig_rule_val (a gate's: on each
 * hook the strongest action of the rules named under it).
 */
enum ig_ident_kind {
	IG_IDENT_FILE = 0,	/* the child name_hash/name_len of directory (dev, ino) */
	IG_IDENT_DIR = 1,	/* the direct children of directory (dev, ino) */
	IG_IDENT_TREE = 2,	/* everything below directory (dev, ino) */
	IG_IDENT_NAMED_DIR = 3,	/* the direct children of child name_hash/name_len of (dev, ino) */
	IG_IDENT_NAMED_TREE = 4, /* everything below child name_hash/name_len of (dev, ino) */
	IG_IDENT_GATE = 5,	/* (dev, ino) has a child some NAMED_* key names */
};

struct ig_ident_key {
	__u64 ino;		/* the directory's i_ino */
	__u64 name_hash;	/* FILE, NAMED_*: ig_path_hash_step over the name, else 0 */
	__u32 dev;		/* the directory's super_block s_dev (major << 20 | minor) */
	__u32 name_len;		/* FILE, NAMED_*: the name's bytes, else 0 */
	__u32 kind;		/* enum ig_ident_kind */
	__u32 pad;
};

/*
 * Allowlist entries, keyed by the raw SHA-256; a path-bound entry also
 * carries the hash and length of its path (ig_path_hash_step over the path),
 * a path-free entry zero for both.
 */
struct ig_allow_key {
	__u8 digest[IG_SHA256_LEN];
	__u64 path_hash;
	__u32 path_len;
	__u32 pad;
};

/*
 * One event per decision. Stage 3 sends only the bytes up to the end of the
 * path (path_len), so the common short path costs a short ring-buffer record.
 */
struct ig_event {
	__u64 time_ns;		/* bpf_ktime_get_boot_ns() */
	__u64 cgroup_id;
	__u64 ino;
	__u64 path_hash;	/* ig_path_hash_step over the path, NUL excluded */
	__u32 dev;		/* kernel dev_t: major << 20 | minor */
	__u32 hook;		/* enum ig_hook */
	__u32 decision;		/* enum ig_decision */
	__u32 reason;		/* enum ig_reason */
	__u32 flags;		/* enum ig_flag */
	__u32 stages;		/* enum ig_stage marks, in the order they ran */
	__u32 pid;		/* tgid */
	__u32 tid;
	__u32 ppid;
	__u32 uid;
	__u32 gid;
	__u32 mnt_ns;
	__u32 pid_ns;
	__s32 rule;		/* index of the winning rule, -1 for none */
	__u32 action;		/* enum ig_action of that rule */
	__s32 hash_error;	/* the helper's negative errno, or -EPROTO for a wrong algorithm */
	__s32 hash_algo;	/* the helper's return: enum hash_algo, or the error */
	__u32 prot;		/* mmap_file: prot */
	__u32 path_len;		/* bytes in path, NUL included; 0 when unknown */
	__u32 fold_slot;	/* its repeats are counted in folds[fold_slot]; 0: none */
	__u32 interp;		/* script: the interpreter's 1-based index in the loader's
				 * list (enforcer_set_interps); 0: none */
	__u32 tamper;		/* enum ig_tamper with IG_HOOK_TAMPER, else 0 */
	/* With IG_F_VERSION (an audited open of a file whose writes the hash
	 * cache follows, no writer open): the content's version, the inode's
	 * i_generation in the high half and the low half of its hash-cache
	 * generation (bumped at every grant of write access) in the low one.
	 * Another version of the same path and inode is other content, or may
	 * be: the daemon hashes and records it anew. 0 without the flag. */
	__u64 version;
	__u8 digest[IG_DIGEST_MAX];
	char comm[IG_COMM_LEN];
	char path[IG_PATH_MAX];
};

#define IG_EVENT_HDR_LEN __builtin_offsetof(struct ig_event, path)

/*
 * Folded repeats. The daemon records a map's or an audited open's first
 * sighting and only counts its repeats (hook, path and digest the same; for
 * an open with no digest, the same content version) for its summaries, so
 * once an allowed map or audited open of a remembered name has been sent,
 * the kernel counts the repeats itself: stage 1 adds one to folds[slot] and
 * sends nothing. The event that was sent names the slot
 * (ig_event.fold_slot), which is how the daemon knows whose count it is.
 * folds[0] counts the slots handed out.
 */
#define IG_FOLD_SLOTS 65536

/* ig_event.hash_error when stage 1 had no room for the record. */
#define IG_ERR_NO_RECORD (-28)	/* -ENOSPC */
/* ig_event.hash_error when the user the task answers to (its real uid, or
 * the owner of its outermost user namespace) holds as many records in
 * flight as its quota allows: the access cannot be measured, refused as a
 * quota (IG_REASON_QUOTA) in enforce mode; an open passes with it. */
#define IG_ERR_QUOTA (-122)	/* -EDQUOT */
/* ig_event.hash_error when every scratch slot of stage 1's CPU and of the
 * pool all CPUs share was held (that many tasks preempted inside stage 1),
 * and no record of the task's own could be had: no record was built. */
#define IG_ERR_BUSY (-16)	/* -EBUSY */
/* ig_event.hash_error for a file truncated by name (IG_F_STALE). */
#define IG_ERR_STALE (-116)	/* -ESTALE */
/* ig_event.hash_error for a mprotect to executable of a file whose digest
 * the cache does not hold: it cannot be measured there. */
#define IG_ERR_UNMEASURED (-61)	/* -ENODATA */
/* ig_event.hash_error for an exec or executable map of anything but a
 * regular file (a device, an anonymous inode): it has no content digest. */
#define IG_ERR_NOT_REGULAR (-8)	/* -ENOEXEC */
/* ig_event.hash_error for an exec or executable map of a memfd (or other
 * file on an internal mount) not sealed against writes, growth and shrink:
 * its content may change under the digest. */
#define IG_ERR_UNSEALED (-26)	/* -ETXTBSY */
/* ig_event.hash_error for an exec or executable map of a file on a file
 * system whose content can change under IMA's digest without IMA seeing it
 * (FUSE, an overlay mounted in a user namespace, a file of root's overlay
 * whose layer file someone other than root can write, a network or
 * cluster file system), not trusted by the
 * operator (enum ig_trust_fs). */
#define IG_ERR_UNTRUSTED_FS (-66)	/* -EREMOTE */
/* ig_event.hash_error for code the kernel is handed in a buffer
 * (kernel_load_data: init_module, kexec_load): no file to measure. */
#define IG_ERR_NO_FILE (-9)	/* -EBADF */

/*
 * Interpreters and the code they read (IG_HOOK_SCRIPT): the interpreters
 * by digest, and the file-name extensions that make a file code; the
 * extension "*" makes every regular file an interpreter reads code.
 */
#define IG_INTERP_MAX		1024
#define IG_SCRIPT_EXT_MAX	256
#define IG_EXT_LEN		8	/* an extension's bytes, NUL included */

struct ig_interp_key {
	__u8 digest[IG_SHA256_LEN];
};

struct ig_ext_key {
	char ext[IG_EXT_LEN];	/* after the last '.', NUL-padded */
};

/*
 * A task's interpreter mark (the `interp_task` task storage,
 * bpf/interp.bpf.h). What it runs is kept by digest, not by index: whether
 * that program is an interpreter is the policy's to say, and a policy
 * flip may say otherwise. idx is its index in the policy whose ig_policy
 * word, plus one, is gen (0: not resolved yet); a task meeting another
 * word resolves again, one lookup, once per flip. The kernel writes it at
 * an exec and a fork; the loader writes one, with BPF_NOEXIST, for each
 * process that was running an interpreter before the chain was attached.
 */
struct ig_interp_task {
	__u32 pending;	/* the exec being judged runs an interpreter: 1, 0: none */
	__u32 interp;	/* the program this task runs was one at its exec: 1, 0: none */
	__u32 gen;	/* ig_policy + 1 when idx was resolved; 0: not yet */
	__u32 idx;	/* its index in that policy's interpreters; 0: not one there */
	__u8 pending_digest[IG_SHA256_LEN];
	__u8 digest[IG_SHA256_LEN];
};
/* ig_event.hash_error for an executable map or mprotect whose inode could
 * not be marked as mapped (no memory): its content could then be rewritten
 * under the mapping, so it is refused in enforce mode. */
#define IG_ERR_NO_MARK (-12)	/* -ENOMEM */

/* Per-CPU counters; userspace sums the CPUs. */
struct ig_counters {
	__u64 runs[IG_HOOK_MAX];	/* stage-1 runs per hook */
	__u64 events;			/* events submitted to the ring buffer */
	__u64 lost;			/* ring-buffer reserve/output failures */
	__u64 denies[IG_REASON_MAX];	/* refusals by reason */
	__u64 hash_errors;
	__u64 order_violations;
	__u64 record_full;		/* the record map was full */
	__u64 hashes;			/* bpf_ima_file_hash calls made by stage 2 */
	__u64 cache_hits;		/* digests taken from the hash cache instead */
	__u64 wakeups;			/* ring-buffer records submitted with a wakeup */
	__u64 open_skips;		/* opens known unwatched without a path walk */
	__u64 name_hits;		/* execs and maps named from ig_name, no path walk */
	__u64 folds;			/* maps and audited opens counted in a fold
					 * slot, not sent */
	__u64 tamper;			/* refused attempts on the daemon or its objects */
};

#endif
