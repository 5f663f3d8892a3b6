/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The kernel side's own layouts, which userspace never reads: the record
 * the three stages hand to each other, and what the caches keep on an
 * inode. The layouts both sides use are in include/imaguard/enforcer.h.
 */
#ifndef IG_BPF_ENFORCER_H
#define IG_BPF_ENFORCER_H

#include "imaguard/enforcer.h"

/* The kernel's constants that vmlinux.h does not carry (macros, not types),
 * spelt once for every program and header of this side. */
#define EPERM		1
#define ETXTBSY		26
#define ENOMEM		12
#define EPROTONOSUPPORT	93
#define PROT_EXEC	0x4
#define VM_EXEC		0x4
#define FMODE_WRITE	0x2
#define SB_KERNMOUNT	(1 << 22)
#define IG_S_IFMT	0170000
#define IG_S_IFDIR	0040000
#define IG_S_IFREG	0100000
#define TMPFS_MAGIC	0x01021994
#define HUGETLBFS_MAGIC	0x958458f6
#define OVERLAYFS_SUPER_MAGIC	0x794c7630
#define FUSE_SUPER_MAGIC	0x65735546
#define F_SEAL_SHRINK	0x0002
#define F_SEAL_GROW	0x0004
#define F_SEAL_WRITE	0x0008

/* The tid-keyed record map: the hook is part of the key so that an open
 * nested inside an exec (the interpreter, say) never meets the exec's record. */
struct ig_rec_key {
	__u32 tid;
	__u32 hook;
};

/*
 * A name as bpf_d_path would print it, without printing it: the (mount,
 * dentry) reached, seen from the caller's root. It holds while the policy
 * (rules_gen: ig_rules_gen and the slot ig_policy), the dentry's own name (its d_seq, which every move of the
 * dentry changes as it moves it) and the names above it (ig_path_gen,
 * bumped once a directory rename or a mount change is done) stay as they
 * were, and the dentry is not unlinked. All of them are read before the
 * path is, so a change that races the path walk leaves a key that no
 * access after the change's bump matches. A new dentry for the inode
 * (which may reuse a freed one's address and d_seq) forgets what the inode
 * remembers. Remembered on the inode for unwatched opens
 * (ig_hash_cache.open) and for execs and maps (ig_name).
 */
struct ig_name_key {
	__u64 dentry, mnt, root_dentry, root_mnt;
	__u32 rules_gen, path_gen;
	__u32 epoch;		/* 0: empty */
	__u32 d_seq;
};

struct ig_record {
	__u64 cache_gen;	/* the cache generation stage 1 read: a miss fills at it,
				 * a hit's digest is valid at it */
	__u64 file;		/* the struct file stage 1 judged: a record left behind
				 * by a chain cut short never meets another file */
	__u32 policy;		/* ig_policy as stage 1 read it: stage 3 checks that
				 * slot's allowlist, the one of the rules stage 1 matched */
	__u32 owner;		/* whose quota it counts against (quota.bpf.h) */
	/* An open: the name stage 1 knew it by (epoch 0: none), which its
	 * fold is kept under (fold_open_mark). */
	struct ig_name_key name;
	struct ig_event ev;	/* last: a short record ends inside its path */
};

/* A record whose path fits IG_SHORT_PATH_MAX bytes (NUL included) is stored
 * cut after them: stage 1 copies the whole value per exec, and most paths
 * are short. */
#define IG_SHORT_PATH_MAX 256
#define IG_RECORD_SHORT_LEN \
	(__builtin_offsetof(struct ig_record, ev) + IG_EVENT_HDR_LEN + IG_SHORT_PATH_MAX)

/*
 * A folded repeat (folds[] and IG_FOLD_SLOTS: the shared header) holds
 * while the name holds (struct ig_name_key: rules and allowlist
 * generation, names, mounts, root, attach epoch), the daemon's fold epoch
 * (ig_fold_epoch; 0: the daemon wants every map, or none runs) is the one
 * the slot was taken in, and, for a digest, while nothing could have
 * changed the content: the cache generation is the one the digest was
 * valid at and no writer is open (struct ig_hash_cache). An audited open's
 * fold holds only while the content is the one it was sent for, hashed or
 * not: the generation its record's version names and no writer open.
 */
struct ig_fold {
	__u32 epoch;		/* ig_fold_epoch the slot was taken in; 0: none */
	__u32 slot;
	__u64 gen;		/* hashed, or an open: ig_hash_cache.gen the record's
				 * content was read at */
	__u32 hashed;		/* 0: allowed by rule, no digest in the record */
	__u32 pad;
};

/* Longest path an ig_name keeps, NUL included; longer ones are resolved
 * every time. */
#define IG_NAME_PATH_MAX 256

/*
 * The name of a file executed or mapped, remembered on its inode so that
 * the next exec or map by the same name (struct ig_name_key) takes the path,
 * its hash and the winning rule from here instead of bpf_d_path and the rule
 * walk. One name per inode: another name replaces it. Everything under the
 * lock.
 */
struct ig_name {
	struct bpf_spin_lock lock;
	__u32 path_len;		/* bytes in path, NUL included */
	struct ig_name_key key;
	__u64 path_hash;
	__s32 rule[IG_HOOK_MAX];
	__u32 action[IG_HOOK_MAX];
	__u32 matched;		/* bit per hook: rule and action hold its match */
	/* Bumped around every write of key, fold and open_fold, for
	 * fold_find's lock-free read (seqcount.bpf.h). */
	__u32 seq;
	struct ig_fold fold;	/* mmap_file: its allowed map, sent and now counted */
	struct ig_fold open_fold; /* file_open: its audited open, the same */
	char path[IG_NAME_PATH_MAX];
};

/*
 * The hash cache: one per inode, in inode local storage (freed with the
 * inode, so a reused inode number never meets an old entry). The digest is
 * valid while nothing could have changed the content since it was measured:
 *
 *   gen        bumped after every grant of write access (file_open for
 *              write, path_truncate), i.e. after i_writecount went up and
 *              before the content can change;
 *   fill       stage 1 reads gen, then i_writecount: with no writer then,
 *              the content can only change after a later bump. Stage 3
 *              stores the digest only if gen is still the one read, under
 *              the lock, with valid_gen = that gen;
 *   hit        valid, valid_gen == gen and epoch == ig_cache_epoch (a new
 *              attach starts a new epoch: writes while detached went unseen).
 *
 * Files with a writer (i_writecount > 0, which includes shared writable
 * maps) are never filled from; kernel-internal mounts (memfd: its writers
 * hold no write access) and file systems whose content can change behind
 * the VFS (network, FUSE) are never cached.
 */
struct ig_hash_cache {
	struct bpf_spin_lock lock;
	__u32 valid;
	__u64 gen;
	__u64 valid_gen;
	__u32 epoch;
	__u32 truncated;	/* truncate(2) by name: see ig_truncate */
	__u8 digest[IG_SHA256_LEN];
	struct ig_name_key open;	/* an unwatched open's name, under the lock too */
	/* A directory: the name by which every child's open is unwatched
	 * (IG_RULE_FILES), under the lock too. */
	struct ig_name_key children;
	/* Content mapped executable (or made so by mprotect) at some time
	 * while this chain ran: set before the map's writer check, never
	 * cleared (mapped.bpf.h). */
	__u32 exec_mapped;
	/* IMA may still hold the digest of the bytes before the latest close
	 * of a writer, which was not alone (lastwriter.bpf.h); close_seq is
	 * that close's place in the order. Under the lock. */
	__u32 ima_unsure;
	__u64 close_seq;
	/* Bumped around every write of open and children, for
	 * unwatched_known's lock-free read (seqcount.bpf.h). */
	__u32 names_seq;
};

#endif
