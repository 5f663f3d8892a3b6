// SPDX-License-Identifier: GPL-2.0-only
/*
 * imaguard's kernel side: three chained programs on each of three LSM hooks.
 *
 *   hook                 stage 1 filter (lsm)       stage 2 measure (lsm.s)  stage 3 decide+emit (lsm)
 *   bprm_check_security  always                     bpf_ima_file_hash        allowlist, event, verdict
 *   mmap_file            a file mapped PROT_EXEC    bpf_ima_file_hash        allowlist, event, verdict
 *   file_open            only under an open rule    bpf_ima_file_hash        event (opens are audited)
 *
 * At file_open the file is not yet readable by the kernel (FMODE_CAN_READ is
 * set after the hook), so IMA can give a digest only when it already holds
 * one for the file; otherwise the open's event carries the hash error and
 * userspace measures the file itself.
 *
 * Stage 1 reads the context and the full path (bpf_d_path), matches the path
 * rules and stores a record in `records`, keyed by (tid, hook): stage 2 may
 * sleep, so per-CPU storage would be clobbered meanwhile, and the hook in the
 * key keeps an mmap nested in an exec from meeting the exec's record.
 *
 * The trampoline runs a hook's programs newest first, so the loader attaches
 * stage 3, then 2, then 1, and proves the order with a probe exec before it
 * declares itself ready. A non-zero return stops the chain, so a stage that
 * refuses sends its own event: no denial goes unrecorded.
 *
 * Enforcement never waits on userspace: rules and the allowlist are maps the
 * daemon fills whole and swaps in one step (map-in-map slots).
 *
 * Each (inode, content version) is hashed once: stage 1 takes a digest from
 * the per-inode hash cache when nothing can have written the file since it
 * was measured, stage 3 fills the cache after a measurement, and every grant
 * of write access bumps the inode's generation (struct ig_hash_cache).
 *
 * Each name is resolved once too: an exec or map by a name already seen
 * takes the path, its hash and the rules' verdict from the inode (struct
 * ig_name) until its rename (any directory's rename: every name), a mount
 * change, an unlink or a rules or allowlist swap. An exec or map left with
 * nothing to measure (digest cached, or allowed by rule) is then decided in
 * stage 1 with stage 3's own code, and stages 2 and 3 pass; the loader's
 * probe always takes the whole chain, which is how the order is proven.
 *
 * And each allowed map is sent once per daemon fold epoch: the daemon keeps
 * only a count of a map's repeats, so stage 1 counts them itself once one
 * was sent (struct ig_fold), until the name, the content or the lists change.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "imaguard/enforcer.h"

#define EPERM		1
#define EPROTONOSUPPORT	93
#define PROT_EXEC	0x4
#define VM_EXEC		0x4
#define FMODE_WRITE	0x2
#define SB_KERNMOUNT	(1 << 22)
/* truncate(2) by name: x86_64 truncate, ia32 truncate and truncate64 */
#define NR_TRUNCATE	76
#define NR_IA32_TRUNCATE	92
#define NR_IA32_TRUNCATE64	193

char LICENSE[] SEC("license") = "GPL";

/* Load-time knobs, set between open and load. */
const volatile __u32 ig_mode = IG_MODE_MONITOR;
/* What these programs do, as a daemon taking over a pinned chain sees it. */
const volatile __u32 ig_chain_version = IG_CHAIN_VERSION;
const volatile __u64 ig_hash_seed = 0;	/* random per load: see struct ig_rule_key */

/* Runtime: bumped by the loader after every rules or allowlist swap:
 * remembered names, their verdicts and folds of another value are forgotten
 * (struct ig_name_key). */
__u32 ig_rules_gen;
/* Runtime: the hooks (1 << IG_HOOK_*) some rule in force names. The loader
 * widens it to both lists' hooks before a rules swap and narrows it after,
 * so it never lacks a hook the rules in force have. Read before the rules. */
__u32 ig_rule_hooks;
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

/*
 * In-flight records: one per thread inside a hook at once, in records when
 * the path fits IG_SHORT_PATH_MAX bytes (the value cut there), else in
 * records_long; a key is in one of them at most (stage 1 clears the other).
 * When the one it needs is full, stage 1 decides alone: an exec or
 * executable map that cannot be handed on to be measured is a hash error,
 * refused in enforce mode (fail closed).
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	/* Sizes, no types: the value is a cut struct ig_record, which has no
	 * type of its own, and 6.1 refuses a map typed by its key alone. */
	__uint(key_size, sizeof(struct ig_rec_key));
	__uint(value_size, IG_RECORD_SHORT_LEN);
} records SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct ig_rec_key);
	__type(value, struct ig_record);
} records_long SEC(".maps");

/* Stage 1 builds a record here before storing it: too big for the stack,
 * and never held across a sleep. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ig_record);
} scratch SEC(".maps");

/* Rules: slot 0 holds the map in force; the loader swaps in a new one whole.
 * An empty slot means no rules. */
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
	__uint(max_entries, 1);
	__type(key, __u32);
	__array(values, struct rules_inner);
} rules SEC(".maps");

/* The allowlist: slot 0 holds the map in force, never LRU, never partial:
 * the loader fills a new map and swaps it in. An empty slot allows nothing. */
struct allow_inner {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__uint(key_size, sizeof(struct ig_allow_key));
	__uint(value_size, sizeof(__u32));
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);
	__type(key, __u32);
	__array(values, struct allow_inner);
} allowlist SEC(".maps");

/* The hash cache (struct ig_hash_cache): freed with its inode. */
struct {
	__uint(type, BPF_MAP_TYPE_INODE_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct ig_hash_cache);
} hash_cache SEC(".maps");

/* Names of files executed or mapped (struct ig_name): freed with the inode. */
struct {
	__uint(type, BPF_MAP_TYPE_INODE_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct ig_name);
} names SEC(".maps");

/* Folded repeats per slot; [0] counts the slots handed out. The daemon
 * reads it mapped. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, IG_FOLD_SLOTS);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, __u64);
} folds SEC(".maps");

/* Never read here. Putting a map into it makes the kernel wait for every
 * running non-sleepable program (the map-in-map update's synchronize_rcu):
 * the loader's way to know that none still folds into an old epoch. */
struct quiesce_inner {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);
	__type(key, __u32);
	__array(values, struct quiesce_inner);
} quiesce SEC(".maps");

/* Events to userspace. A full ring loses the event and counts it; the
 * decision is already made and never waits for a reader. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 22);
} events SEC(".maps");

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

static __always_inline void *slot(void *outer)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(outer, &zero);
}

/* ---- path rules ---------------------------------------------------------- */

struct match_ctx {
	struct ig_event *ev;
	void *rules;
	__u64 hash;
	__u64 parent_hash;	/* hash up to and including the last '/' */
	__u32 parent_len;
	__u32 hook;
	__u32 best_spec;	/* specificity of the best match: prefix length, or ~0 for exact */
	__u32 best_action;
	__s32 best_rule;
};

static __always_inline void consider(struct match_ctx *m, __u64 hash, __u32 len, __u32 kind,
				     __u32 spec)
{
	struct ig_rule_key key = { .hash = hash, .len = len, .kind = kind };
	struct ig_rule_val *v;
	__u32 hook = m->hook;
	__u32 action;

	if (hook >= IG_HOOK_MAX)
		return;
	v = bpf_map_lookup_elem(m->rules, &key);
	if (!v)
		return;
	action = v->action[hook];
	if (action == IG_ACT_NONE)
		return;
	/* The most specific path wins; between equals, deny > audit > allow. */
	if (spec > m->best_spec || (spec == m->best_spec && action > m->best_action)) {
		m->best_spec = spec;
		m->best_action = action;
		m->best_rule = v->rule[hook];
	}
}

static long match_byte(__u32 i, void *data)
{
	struct match_ctx *m = data;
	__u8 c = m->ev->path[i & (IG_PATH_MAX - 1)];

	if (!c)
		return 1;
	m->hash = ig_path_hash_step(m->hash, c);
	if (c == '/') {
		m->parent_hash = m->hash;
		m->parent_len = i + 1;
		if (m->rules)
			consider(m, m->hash, i + 1, IG_RULE_TREE, i + 1);
	}
	return 0;
}

/* What the rules say of every child of the path's directory: the winner
 * among its directory and tree rules, and where its file rules are kept. */
struct dir_match {
	__u64 hash;		/* the directory's, '/' included: its IG_RULE_FILES key */
	__u32 len;
	__u32 action;		/* IG_ACT_DENY until the path is matched: watched */
};

/*
 * Hash the path and find the winning rule for this hook. Rules are matched
 * only on a path resolved in full: a path bpf_d_path could not give us
 * matches nothing, so it can never reach an allow rule (it meets the
 * digest check instead).
 */
static __always_inline void match_rules(struct ig_event *ev, __u32 hook, void *rules,
					struct dir_match *dm)
{
	struct match_ctx m = {
		.ev = ev, .rules = rules, .hash = ig_hash_seed, .hook = hook, .best_rule = -1,
	};
	__u32 len;

	dm->action = IG_ACT_DENY;
	if (ev->flags & IG_F_PATH_ERR)
		return;
	bpf_loop(IG_PATH_MAX, match_byte, &m, 0);
	len = ev->path_len - 1;
	ev->path_hash = m.hash;
	if (rules)
		consider(&m, m.parent_hash, m.parent_len, IG_RULE_DIR, m.parent_len);
	dm->hash = m.parent_hash;
	dm->len = m.parent_len;
	dm->action = m.best_action;
	if (rules)
		consider(&m, m.hash, len, IG_RULE_EXACT, ~0U);
	ev->rule = m.best_rule;
	ev->action = m.best_action;
}

/* Does any rule in force name this hook? A load, for the open fast path. */
static __always_inline bool hook_has_rules(__u32 hook)
{
	return *(volatile __u32 *)&ig_rule_hooks & (1U << hook);
}

/* ---- context --------------------------------------------------------------- */

/* Direct loads through the hook's BTF pointers: each costs one instruction
 * where a probe read costs a helper call. */
static __always_inline void fill_context(struct ig_event *ev, struct file *file, __u32 hook)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u64 uid_gid = bpf_get_current_uid_gid();
	struct inode *inode = file->f_inode;
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
	ev->dev = inode->i_sb->s_dev;
	ev->ino = inode->i_ino;
	ev->rule = -1;
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

/* ---- the hash cache ------------------------------------------------------ */

/* File systems whose content changes only through this kernel's VFS, where
 * every writer holds write access. Anything else is hashed every time. */
static __always_inline bool cacheable(struct inode *inode)
{
	struct super_block *sb = inode->i_sb;
	unsigned long magic;

	if (!sb || (sb->s_flags & SB_KERNMOUNT))
		return false; /* memfd and other internal mounts: writers hold no write access */
	magic = sb->s_magic;
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

/*
 * Stage 1: a digest from the cache, or the generation to fill it at. Any
 * failure here only means the file is measured as if there were no cache.
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
	if ((hc && hc->truncated) || inode->i_writecount.counter > 0) {
		/* Fail closed: IMA keeps a digest until the last writer
		 * closes, so it may hand back the one from before a writer
		 * that is still open, or before a truncate(2) (ig_truncate). */
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
	if (inode->i_writecount.counter > 0)
		return; /* a writer came since the check above: measure, never cache */
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

/* ---- names ----------------------------------------------------------------- */

/* The name this access reaches the file by (struct ig_name_key); false when
 * it cannot be told without printing it: walk the path then. */
static __always_inline bool name_key(struct ig_name_key *k, struct file *file)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct dentry *dentry = file->f_path.dentry;
	struct fs_struct *fs = task->fs;
	__u32 seq;

	k->epoch = 0; /* nothing to remember by, until the key is whole */
	if (!fs || !dentry)
		return false; /* no root to name it from */
	if (!dentry->d_hash.pprev)
		return false; /* unlinked: bpf_d_path adds " (deleted)" */
	/* Read before the path is (if at all), so that a move of this dentry
	 * after it makes the key stale; odd while one is under way. */
	seq = dentry->d_seq.seqcount.sequence;
	if (seq & 1)
		return false; /* being moved: resolve it and keep nothing */
	k->d_seq = seq;
	k->dentry = (__u64)dentry;
	k->mnt = (__u64)file->f_path.mnt;
	k->root_dentry = (__u64)fs->root.dentry;
	k->root_mnt = (__u64)fs->root.mnt;
	k->epoch = ig_cache_epoch;
	return true;
}

static __always_inline bool name_key_same(const struct ig_name_key *a,
					  const struct ig_name_key *b)
{
	return a->dentry == b->dentry && a->mnt == b->mnt && a->root_dentry == b->root_dentry &&
	       a->root_mnt == b->root_mnt && a->rules_gen == b->rules_gen &&
	       a->path_gen == b->path_gen && a->epoch == b->epoch && a->d_seq == b->d_seq;
}

/*
 * An unwatched open is remembered in an inode's storage under one of two
 * names: the file's own (hc->open), or its directory's for every child
 * (hc->children). children is a constant wherever these are inlined.
 */
static __always_inline bool unwatched_known(struct inode *inode, bool children,
					    const struct ig_name_key *k)
{
	struct ig_hash_cache *hc;
	struct ig_name_key *m;
	bool same;

	hc = bpf_inode_storage_get(&hash_cache, inode, 0, 0);
	if (!hc)
		return false;
	m = children ? &hc->children : &hc->open;
	bpf_spin_lock(&hc->lock);
	same = m->epoch && name_key_same(m, k);
	bpf_spin_unlock(&hc->lock);
	return same;
}

static __always_inline void unwatched_keep(struct inode *inode, bool children,
					   const struct ig_name_key *k)
{
	struct ig_hash_cache *hc;

	hc = bpf_inode_storage_get(&hash_cache, inode, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!hc)
		return; /* no memory: the next open walks its path again */
	bpf_spin_lock(&hc->lock);
	if (children)
		hc->children = *k;
	else
		hc->open = *k;
	bpf_spin_unlock(&hc->lock);
}

static __always_inline void open_remember_unwatched(struct file *file,
						    const struct ig_name_key *k)
{
	if (!file->f_inode || !k->epoch)
		return; /* no key was made: nothing to remember */
	unwatched_keep(file->f_inode, false, k);
}

/*
 * Unwatched opens by directory: once an open's path walk finds that no rule
 * watches any child of its directory (no directory or tree rule, no file
 * rule on a child: IG_RULE_FILES), the directory remembers that by its own
 * name (struct ig_name_key of the directory's dentry, with its d_seq), and
 * an open of any other child, a new file's first, skips the walk.
 *
 * The file's own d_seq (in k, read before) is read again after its
 * d_parent was used: unchanged, the file was in that directory throughout
 * (a move changes it). A file that is its mount's root is named by its
 * mount point, not by its directory: never by directory.
 */
static __always_inline struct dentry *dir_key(struct ig_name_key *dk,
					      const struct ig_name_key *k, struct file *file)
{
	struct dentry *dentry = file->f_path.dentry;
	struct dentry *dir;
	__u32 seq;

	dk->epoch = 0;
	if (!k->epoch || !dentry || dentry == file->f_path.mnt->mnt_root)
		return NULL; /* no name, or named by a mount point */
	dir = dentry->d_parent;
	if (!dir || dir == dentry || !dir->d_inode)
		return NULL; /* disconnected: no directory to name it by */
	seq = dir->d_seq.seqcount.sequence;
	if (seq & 1)
		return NULL; /* the directory is being moved */
	*dk = *k;
	dk->dentry = (__u64)dir;
	dk->d_seq = seq;
	return dir;
}

/* The file's d_seq is still the one its key was made with. */
static __always_inline bool file_not_moved(struct file *file, const struct ig_name_key *k)
{
	return file->f_path.dentry->d_seq.seqcount.sequence == k->d_seq;
}

/* Was every child of this file's directory, by this name of it, found
 * unwatched under these rules? dk and *dirp are left for remembering. */
static __always_inline bool open_dir_unwatched(struct file *file, const struct ig_name_key *k,
					       struct ig_name_key *dk, struct dentry **dirp)
{
	struct dentry *dir;

	dir = dir_key(dk, k, file);
	*dirp = dir;
	if (!dir)
		return false;
	return unwatched_known(dir->d_inode, true, dk) && file_not_moved(file, k);
}

/* Was this open found unwatched by its name, as this file by itself? */
static __always_inline bool open_known_unwatched(struct file *file, struct ig_name_key *k)
{
	if (!file->f_inode || !name_key(k, file))
		return false;
	return unwatched_known(file->f_inode, false, k);
}

#define IG_FMODE_CREATED 0x100000	/* f_mode: this open created the file (6.1, 6.12) */

/* Or as a child of its directory (after open_known_unwatched: k is made)?
 * Then it is remembered by itself from now on, the cheaper lookup; but not
 * by the open that created it, which may be its only one (a temporary
 * file): the next open remembers it. dk and *dirp are left for
 * remembering. */
static __always_inline bool open_known_by_dir(struct file *file, const struct ig_name_key *k,
					      struct ig_name_key *dk, struct dentry **dirp)
{
	if (!open_dir_unwatched(file, k, dk, dirp))
		return false;
	if (!(file->f_mode & IG_FMODE_CREATED))
		open_remember_unwatched(file, k);
	return true;
}

/* An unwatched open's walk: does it tell that no child of its directory is
 * watched? Then the directory remembers it (fail safe: any doubt leaves
 * the next child's open to its own walk). */
static __always_inline void open_remember_dir(struct file *file, struct dentry *dir,
					      const struct ig_name_key *dk,
					      const struct ig_name_key *k,
					      const struct dir_match *dm, void *rules)
{
	struct ig_rule_key fk = { .hash = dm->hash, .len = dm->len, .kind = IG_RULE_FILES };
	struct ig_rule_val *v;

	if (!dir || !dk->epoch)
		return; /* no key was made */
	if (dm->action == IG_ACT_AUDIT || dm->action == IG_ACT_DENY)
		return; /* a directory or tree rule watches the children (or no match was made) */
	v = rules ? bpf_map_lookup_elem(rules, &fk) : NULL;
	if (v && (v->action[IG_HOOK_OPEN] == IG_ACT_AUDIT ||
		  v->action[IG_HOOK_OPEN] == IG_ACT_DENY))
		return; /* a file rule watches one of them */
	if (!file_not_moved(file, k))
		return; /* moved during the walk: the path may name another directory */
	unwatched_keep(dir->d_inode, true, dk);
}

/* An unwatched open, after its walk: by itself, and by its directory where
 * that holds for every child. */
static __always_inline void open_remember(struct file *file, struct dentry *dir,
					  const struct ig_name_key *dk,
					  const struct ig_name_key *k,
					  const struct dir_match *dm, void *rules)
{
	open_remember_unwatched(file, k);
	open_remember_dir(file, dir, dk, k, dm, rules);
}

enum name_found {
	NAME_NONE,	/* resolve and match */
	NAME_PATH,	/* path and its hash known; match the rules for this hook */
	NAME_FULL,	/* the rules' verdict for this hook too */
};

/*
 * An exec or map by a name remembered on the inode: the path, its hash and,
 * when this hook was matched under the same rules, the winning rule. Any
 * failure means the path is resolved and matched as if nothing were kept.
 */
static __always_inline enum name_found name_recall(struct ig_event *ev, struct file *file,
						   __u32 hook, struct ig_name_key *k)
{
	enum name_found found = NAME_NONE;
	struct ig_name *nm;

	if (!file->f_inode || hook >= IG_HOOK_MAX || !name_key(k, file))
		return NAME_NONE;
	nm = bpf_inode_storage_get(&names, file->f_inode, 0, 0);
	if (!nm)
		return NAME_NONE;
	bpf_spin_lock(&nm->lock);
	if (nm->key.epoch && name_key_same(&nm->key, k) && nm->path_len &&
	    nm->path_len <= IG_NAME_PATH_MAX) {
		__builtin_memcpy(ev->path, nm->path, IG_NAME_PATH_MAX);
		ev->path_len = nm->path_len;
		ev->path_hash = nm->path_hash;
		found = NAME_PATH;
		if (nm->matched & (1U << hook)) {
			ev->rule = nm->rule[hook];
			ev->action = nm->action[hook];
			found = NAME_FULL;
		}
	}
	bpf_spin_unlock(&nm->lock);
	return found;
}

/* Keep what stage 1 worked out for this name and hook. */
static __always_inline void name_remember(const struct ig_event *ev, struct file *file,
					  __u32 hook, const struct ig_name_key *k)
{
	struct ig_name *nm;

	if (!file->f_inode || !k->epoch || hook >= IG_HOOK_MAX)
		return; /* no key was made: nothing to remember */
	if ((ev->flags & IG_F_PATH_ERR) || ev->path_len > IG_NAME_PATH_MAX)
		return; /* unresolved or too long to keep: resolved every time */
	nm = bpf_inode_storage_get(&names, file->f_inode, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!nm)
		return; /* no memory: the next access walks the path again */
	bpf_spin_lock(&nm->lock);
	if (!name_key_same(&nm->key, k)) {
		nm->key = *k;
		nm->matched = 0;
		nm->fold.epoch = 0;
		__builtin_memcpy(nm->path, ev->path, IG_NAME_PATH_MAX);
		nm->path_len = ev->path_len;
		nm->path_hash = ev->path_hash;
	}
	nm->rule[hook] = ev->rule;
	nm->action[hook] = ev->action;
	nm->matched |= 1U << hook;
	bpf_spin_unlock(&nm->lock);
}

/* ---- folded repeats (struct ig_fold) --------------------------------------- */

static __always_inline __u32 fold_epoch(void)
{
	return *(volatile __u32 *)&ig_fold_epoch;
}

/*
 * A repeat of an allowed map already sent under this fold epoch, by the same
 * name, of the same content: counted in its slot instead of sent. False
 * means the map is judged and sent as usual (fail safe: any doubt here costs
 * an event, never a verdict).
 */
static __always_inline bool fold_repeat(struct file *file, struct ig_name_key *k,
					struct ig_counters *c)
{
	struct inode *inode = file->f_inode;
	__u32 epoch = fold_epoch();
	struct ig_hash_cache *hc;
	struct ig_fold f = {};
	struct ig_name *nm;
	__u64 *count;
	bool same;

	if (!epoch || !inode || !name_key(k, file))
		return false; /* folding off, or no name to know it by */
	nm = bpf_inode_storage_get(&names, inode, 0, 0);
	if (!nm)
		return false;
	bpf_spin_lock(&nm->lock);
	same = nm->fold.epoch == epoch && name_key_same(&nm->key, k);
	if (same)
		f = nm->fold;
	bpf_spin_unlock(&nm->lock);
	if (!same)
		return false;
	if (f.hashed) {
		/* The content the digest was sent for: the generation first,
		 * then no writer, as cache_lookup reads them. */
		hc = bpf_inode_storage_get(&hash_cache, inode, 0, 0);
		if (!hc || hc->truncated || __sync_fetch_and_add(&hc->gen, 0) != f.gen ||
		    inode->i_writecount.counter > 0)
			return false;
	}
	count = bpf_map_lookup_elem(&folds, &f.slot);
	if (!count)
		return false; /* a slot out of range is never handed out */
	__sync_fetch_and_add(count, 1);
	if (c)
		c->folds++;
	return true;
}

/* A slot for an allowed map about to be sent; 0 when folding is off or
 * every slot of this epoch is taken (the map's repeats are then sent). */
static __always_inline __u32 fold_take(__u32 epoch)
{
	__u32 zero = 0, slot;
	__u64 *taken, *count, n;

	if (!epoch)
		return 0;
	taken = bpf_map_lookup_elem(&folds, &zero);
	if (!taken || *taken >= IG_FOLD_SLOTS - 1)
		return 0;
	n = __sync_fetch_and_add(taken, 1) + 1;
	if (n >= IG_FOLD_SLOTS)
		return 0;
	slot = n;
	count = bpf_map_lookup_elem(&folds, &slot);
	if (!count)
		return 0;
	*count = 0;	/* left from an earlier epoch */
	return slot;
}

/* The map was sent with its slot: fold its repeats from now on, if the name
 * is still the one it was judged by. */
static __always_inline void fold_mark(const struct ig_record *rec, struct file *file,
				      const struct ig_name_key *k, __u32 epoch)
{
	struct ig_name *nm;

	if (!file->f_inode || !k->epoch)
		return; /* no name: every map is sent */
	nm = bpf_inode_storage_get(&names, file->f_inode, 0, 0);
	if (!nm)
		return;
	bpf_spin_lock(&nm->lock);
	if (name_key_same(&nm->key, k)) {
		nm->fold.epoch = epoch;
		nm->fold.slot = rec->ev.fold_slot;
		nm->fold.hashed = !!(rec->ev.flags & IG_F_HASHED);
		nm->fold.gen = rec->cache_gen;
	}
	bpf_spin_unlock(&nm->lock);
}

/* ---- verdicts and events ------------------------------------------------- */

/*
 * Routine events go without a wakeup: the reader drains on its own short
 * timer, so a busy system costs one wakeup per batch, not one per record.
 * A refusal wakes the reader at once (forced: BPF's default wakes only a
 * reader that has read everything, and routine records may be unread), and
 * so does a backlog past an eighth of the ring, long before it could fill.
 */
static __always_inline __u64 wakeup_flags(const struct ig_event *ev)
{
	if (ev->decision == IG_DENY || (ev->flags & IG_F_WOULD_DENY))
		return BPF_RB_FORCE_WAKEUP; /* even with unread routine records ahead of it */
	if (bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) * 8 >=
	    bpf_ringbuf_query(&events, BPF_RB_RING_SIZE))
		return BPF_RB_FORCE_WAKEUP;
	return BPF_RB_NO_WAKEUP;
}

/* Send ev, whose path has room for room bytes (a short record's fewer);
 * false when the ring had no room (counted as lost). */
static __always_inline bool emit_from(struct ig_event *ev, struct ig_counters *c, __u32 room)
{
	__u64 len = ev->path_len;
	__u64 flags = wakeup_flags(ev);

	if (len > room)
		len = room;
	if (bpf_ringbuf_output(&events, ev, IG_EVENT_HDR_LEN + len, flags)) {
		if (c)
			c->lost++;
		return false;
	}
	if (c) {
		c->events++;
		if (flags != BPF_RB_NO_WAKEUP)
			c->wakeups++;
	}
	return true;
}

static __always_inline bool emit(struct ig_event *ev, struct ig_counters *c)
{
	return emit_from(ev, c, IG_PATH_MAX);
}

/* Record a refusal: a denial in enforce mode, a would-deny in monitor mode. */
static __always_inline int refuse(struct ig_event *ev, __u32 reason, struct ig_counters *c)
{
	ev->reason = reason;
	if (ig_mode != IG_MODE_ENFORCE) {
		ev->flags |= IG_F_WOULD_DENY;
		return 0;
	}
	ev->decision = IG_DENY;
	if (c && reason < IG_REASON_MAX)
		c->denies[reason]++;
	return -EPERM;
}

static __always_inline bool allowlisted(struct ig_event *ev)
{
	struct ig_allow_key key = {};
	void *list = slot(&allowlist);

	if (!list)
		return false; /* fail closed: no allowlist allows nothing */
	__builtin_memcpy(key.digest, ev->digest, IG_SHA256_LEN);
	if (bpf_map_lookup_elem(list, &key))
		return true;
	if (ev->flags & IG_F_PATH_ERR)
		return false; /* a path-bound entry needs the path resolved in full */
	key.path_hash = ev->path_hash;
	key.path_len = ev->path_len - 1;
	return bpf_map_lookup_elem(list, &key) != NULL;
}

/*
 * The verdict on a measured (or rule-decided) access, counted: stage 3's
 * job, and stage 1's for a map with nothing left to measure. The caller
 * sends the event.
 */
static __always_inline int judge(struct ig_event *ev, __u32 hook, struct ig_counters *c)
{
	int verdict = 0;

	if (ev->hash_error && c)
		c->hash_errors++;
	if ((ev->flags & IG_F_NEED_HASH) && c) {
		if (ev->flags & IG_F_CACHED)
			c->cache_hits++;
		else if (!(ev->flags & IG_F_STALE))
			c->hashes++;
	}

	if (ev->flags & IG_F_PROBE) {
		/* The loader's probe: measured, then refused, so nothing runs. */
		ev->decision = IG_DENY;
		verdict = -EPERM;
	} else if (ev->reason == IG_REASON_RULE_ALLOW || ev->reason == IG_REASON_RULE_DENY) {
		/* Decided by rule in stage 1 (a deny reaches here only in monitor mode). */
	} else if (hook == IG_HOOK_OPEN) {
		ev->reason = IG_REASON_RULE_AUDIT; /* opens are recorded, never refused by digest */
	} else if (!(ev->flags & IG_F_HASHED)) {
		verdict = refuse(ev, IG_REASON_HASH_ERROR, c);
	} else if (allowlisted(ev)) {
		ev->reason = IG_REASON_ALLOWLISTED;
	} else {
		verdict = refuse(ev, IG_REASON_NOT_ALLOWLISTED, c);
	}
	return verdict;
}

/* Stage 1's verdict on an exec or map with nothing left to measure; an
 * allowed map takes a fold slot, so that its repeats are counted, not sent. */
static __always_inline int finish_alone(struct ig_record *rec, struct file *file,
					const struct ig_name_key *k, __u32 hook,
					struct ig_counters *c)
{
	struct ig_event *ev = &rec->ev;
	__u32 epoch = fold_epoch();
	int verdict;

	verdict = judge(ev, hook, c);
	if (hook == IG_HOOK_MMAP && !verdict &&
	    !(ev->flags & (IG_F_WOULD_DENY | IG_F_PROBE | IG_F_STALE)))
		ev->fold_slot = fold_take(epoch);
	if (emit(ev, c) && ev->fold_slot)
		fold_mark(rec, file, k, epoch);
	return verdict;
}

/* ---- in-flight records ---------------------------------------------------- */

static __always_inline void drop_record(void *map, struct ig_rec_key *key)
{
	if (!bpf_map_delete_elem(map, key))
		__sync_fetch_and_add(&ig_records_live, -1);
}

/* Stage 1 hands rec on; false when the map it belongs in is full. */
static __always_inline bool record_store(struct ig_rec_key *key, struct ig_record *rec)
{
	bool fits = rec->ev.path_len <= IG_SHORT_PATH_MAX;
	long err;

	/* One per key: a chain cut short after stage 1 may have left one in
	 * the other map, which stages 2 and 3 would otherwise find first.
	 * None can exist while nothing is live. */
	if (records_live())
		drop_record(fits ? (void *)&records_long : (void *)&records, key);
	if (fits)
		err = bpf_map_update_elem(&records, key, rec, BPF_ANY);
	else
		err = bpf_map_update_elem(&records_long, key, rec, BPF_ANY);
	if (err)
		return false;
	__sync_fetch_and_add(&ig_records_live, 1);
	return true;
}

/* ---- the three stages ---------------------------------------------------- */

/* Stage 1. Returns 0 to hand on to stages 2 and 3, or a verdict reached alone
 * (with its event sent). Without stages 2 and 3 (measurable false: a
 * mprotect), a digest the cache does not hold is a hash error, and a name
 * not remembered on the inode is not known. */
static __always_inline int stage_filter(struct file *file, __u32 hook, __u32 prot,
					bool measurable)
{
	struct ig_counters *c = counters_get();
	/* The generations before the rules they describe (see ig_rules_gen). */
	struct ig_name_key name = { .rules_gen = ig_rules_gen, .path_gen = ig_path_gen };
	struct ig_name_key dir_name = {};
	struct dentry *dir = NULL;
	struct dir_match dm = {};
	enum name_found found = NAME_NONE;
	struct ig_rec_key key = {};
	void *rule_map;
	struct ig_event *ev;
	struct ig_record *rec;
	__u32 zero = 0;
	int verdict;

	/* A repeat already sent leaves here, counted in its fold slot. */
	if (hook == IG_HOOK_MMAP && fold_repeat(file, &name, c))
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
	}
	rule_map = slot(&rules);
	if (c)
		c->runs[hook]++;
	rec = bpf_map_lookup_elem(&scratch, &zero);
	if (!rec)
		return 0; /* fail open: index 0 of a per-CPU array always exists */
	ev = &rec->ev;
	rec->file = (__u64)file;
	__builtin_memset(ev, 0, IG_EVENT_HDR_LEN);
	fill_context(ev, file, hook);
	ev->prot = prot;
	ev->stages = IG_STAGE_FILTER;
	if (ig_probe_tgid && ev->pid == ig_probe_tgid)
		ev->flags |= IG_F_PROBE;
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
		break;
	case IG_ACT_AUDIT:
		ev->flags |= IG_F_NEED_HASH;
		break;
	default:
		if (hook == IG_HOOK_OPEN) {
			open_remember(file, dir, &dir_name, &name, &dm, rule_map);
			return 0; /* opens are measured only under an audit rule */
		}
		ev->flags |= IG_F_NEED_HASH;
	}

	if (ev->flags & IG_F_NEED_HASH)
		cache_lookup(rec, file);

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
	if (record_store(&key, rec))
		return 0;
	/* Nowhere to hand the record on: it cannot be measured. */
	if (c)
		c->record_full++;
	ev->hash_error = IG_ERR_NO_RECORD;
	if (hook == IG_HOOK_OPEN || ev->reason == IG_REASON_RULE_ALLOW)
		verdict = 0;
	else
		verdict = refuse(ev, IG_REASON_HASH_ERROR, c);
	emit(ev, c);
	return verdict;
}

/* Stage 2: the digest, when stage 1 asked for it. */
static __always_inline int stage_measure(struct file *file, __u32 hook)
{
	struct ig_rec_key key = { .hook = hook };
	struct ig_record *rec;
	long algo;

	/* Our own stage 1's increment, if it stored a record, is seen here. */
	if (!records_live())
		return 0; /* no record anywhere: stage 1 wanted nothing here */
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

/* Stage 3's work on the record found in map, whose paths have room for
 * room bytes. */
static __always_inline int record_finish(struct ig_record *rec, void *map, __u32 room,
					 struct ig_rec_key *key, struct file *file, __u32 hook,
					 struct ig_counters *c)
{
	struct ig_event *ev = &rec->ev;
	int verdict;

	if (rec->file != (__u64)file) {
		/* Left by a chain another program cut short after stage 1: not
		 * this access's. Stage 1 decided this one alone (an exec or
		 * map with nothing to measure), so pass. */
		drop_record(map, key);
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
	verdict = judge(ev, hook, c);
	emit_from(ev, c, room);
	drop_record(map, key);
	return verdict;
}

/* Stage 3: verdict and event; the record is dropped here. */
static __always_inline int stage_emit(struct file *file, __u32 hook)
{
	struct ig_rec_key key = { .hook = hook };
	struct ig_counters *c;
	struct ig_record *rec;

	if (!records_live())
		return 0; /* no record anywhere: stage 1 decided alone or wanted nothing */
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

/* ---- bprm_check_security ---- */
SEC("lsm/bprm_check_security")
int BPF_PROG(ig_exec_filter, struct linux_binprm *bprm, int ret)
{
	if (ret)
		return ret; /* refused by an earlier program: keep the refusal */
	return stage_filter(bprm->file, IG_HOOK_EXEC, 0, true);
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
	if (ret)
		return ret;
	if (!file || !(prot & PROT_EXEC))
		return 0; /* not an executable file mapping: nothing to judge */
	return stage_filter(file, IG_HOOK_MMAP, prot, true);
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

	if (ret)
		return ret; /* refused by an earlier program: keep the refusal */
	if (!file || !(prot & PROT_EXEC))
		return 0; /* not a file mapping turning executable: nothing to judge */
	if (vma->vm_flags & VM_EXEC)
		return 0; /* already executable: judged when it became so */
	return stage_filter(file, IG_HOOK_MMAP, prot, false);
}

/* ---- file_open ---- */
SEC("lsm/file_open")
int BPF_PROG(ig_open_filter, struct file *file, int ret)
{
	if (ret)
		return ret;
	/* do_dentry_open took write access before this hook: the content may
	 * change from here on. */
	if (file->f_mode & FMODE_WRITE)
		cache_invalidate(file->f_inode);
	return stage_filter(file, IG_HOOK_OPEN, 0, true);
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
static __always_inline bool truncate_by_name(void)
{
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
	unsigned long nr = BPF_CORE_READ(regs, orig_ax);

	/* 92 and 193 are chown and getrlimit on x86_64, which never truncate. */
	return nr == NR_TRUNCATE || nr == NR_IA32_TRUNCATE || nr == NR_IA32_TRUNCATE64;
}

SEC("lsm/path_truncate")
int BPF_PROG(ig_truncate, const struct path *path, int ret)
{
	struct inode *inode = path->dentry->d_inode;
	struct ig_hash_cache *hc;

	if (ret || !inode)
		return ret; /* refused already, or nothing to truncate */
	if (!truncate_by_name()) {
		/* An open file's truncate: its writer's close follows. */
		cache_invalidate(inode);
		return 0;
	}
	hc = bpf_inode_storage_get(&hash_cache, inode, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (hc) {
		hc->truncated = 1;
		__sync_fetch_and_add(&hc->gen, 1);
	}
	/* Without an entry (no memory) the mark is lost: IMA's digest is used,
	 * as it would be with no cache at all. */
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
static __always_inline int names_changed(void)
{
	__sync_fetch_and_add(&ig_path_gen, 1);
	return 0;
}

#define IG_S_IFMT  0170000
#define IG_S_IFDIR 0040000

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
		nm->key.epoch = 0;
		nm->fold.epoch = 0;
		bpf_spin_unlock(&nm->lock);
	}
	hc = bpf_inode_storage_get(&hash_cache, inode, 0, 0);
	if (hc) {
		bpf_spin_lock(&hc->lock);
		hc->open.epoch = 0;
		hc->children.epoch = 0;
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
