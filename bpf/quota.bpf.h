/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * In-flight records per user: no user can take the room another's exec or
 * map needs. Included by enforcer.bpf.c before the record maps, which it
 * sizes.
 */
#ifndef IG_BPF_QUOTA_H
#define IG_BPF_QUOTA_H

/*
 * A record is held from stage 1 to stage 3, and stage 2 may wait as long as
 * the file's read does: a FUSE server that never answers, a huge sparse
 * file. Every record is counted against its owner, the user in the initial
 * user namespace the task's credentials answer to (quota_owner), and one
 * whose owner has spent its quota is never stored: the access is refused
 * as a quota (IG_ERR_QUOTA, reason quota), the owner's own and no one
 * else's.
 *
 *   IG_RECORDS_MAX      each record map's capacity, allocated as used
 *   IG_QUOTA_USER       records one owner other than root holds at once:
 *                       as many accesses measured at the same moment
 *                       (each holds one for its hash), far more than a
 *                       user's own cores can keep busy
 *   IG_QUOTA_ROOT       root's (uid 0 and the user namespaces it owns):
 *                       the whole map as it was before owners were counted
 *   IG_QUOTA_USERS_ALL  every owner but root together: the rest of a map,
 *                       so that root's quota is always there to take; 28
 *                       owners at their quota at once (28 accounts used
 *                       together) are needed to spend it
 *
 * Neither root nor the other owners together can fill a map, so a record
 * that finds no room (IG_ERR_NO_RECORD) is a kernel out of memory only.
 */
#define IG_RECORDS_MAX		32768
#define IG_QUOTA_USER		1024
#define IG_QUOTA_ROOT		4096
#define IG_QUOTA_USERS_ALL	(IG_RECORDS_MAX - IG_QUOTA_ROOT)

/* The key of the count of every owner but root: INVALID_UID, no
 * credential's uid and no namespace's owner. */
#define IG_OWNER_USERS		0xffffffffu
/* Owners counted since load: an entry is made at an owner's first record
 * and kept (deleting one at zero would race its next record). */
#define IG_QUOTA_OWNERS		65536
#define IG_USER_NS_LEVELS	32	/* the kernel's limit on user namespace nesting */

/* Records in flight per owner (uid in the initial user namespace), and of
 * every owner but root (IG_OWNER_USERS). Full (IG_QUOTA_OWNERS owners seen,
 * which only root can make so many of): a new owner's records are refused
 * as a quota, in enforce mode (closed). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, IG_QUOTA_OWNERS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u32);
	__type(value, __s64);
} inflight SEC(".maps");

/*
 * Whose quota the current task's records come out of: the real uid (as the
 * kernel's own count of a user's processes, RLIMIT_NPROC) of a task in the
 * initial user namespace; for a task in a user namespace, the owner of the
 * outermost one below the initial namespace, so that the uids a user maps
 * in namespaces of its own (subordinate ids included) are that user's.
 */
static __always_inline __u32 quota_owner(void)
{
	const struct cred *cred = bpf_get_current_task_btf()->real_cred;
	struct user_namespace *ns = cred->user_ns;
	__u32 i;

	if (!ns->level)
		return cred->uid.val;
	for (i = 0; i < IG_USER_NS_LEVELS && ns->level > 1; i++)
		ns = ns->parent;
	return ns->owner.val;
}

/* The count of owner, made at its first record; NULL: the map is full. */
static __always_inline __s64 *quota_count(__u32 owner)
{
	__s64 zero = 0, *n;

	n = bpf_map_lookup_elem(&inflight, &owner);
	if (n)
		return n;
	/* Another CPU may make it first: then this fails, and the lookup finds it. */
	bpf_map_update_elem(&inflight, &owner, &zero, BPF_NOEXIST);
	return bpf_map_lookup_elem(&inflight, &owner);
}

/* One given back. Only a record taken is given back, so the count never
 * goes below zero; were it ever to, it is put back at once (signed, so a
 * count that dipped refuses no one meanwhile). */
static __always_inline void count_give(__s64 *n)
{
	if (__sync_fetch_and_add(n, -1) <= 0)
		__sync_fetch_and_add(n, 1);
}

/* One taken if fewer than cap are held. Racing takers may pass cap for a
 * moment: each that finds it reached gives its own back. */
static __always_inline bool count_take(__s64 *n, __s64 cap)
{
	if (__sync_fetch_and_add(n, 1) < cap)
		return true;
	count_give(n);
	return false;
}

/* A record for owner: 0, or IG_ERR_QUOTA when its quota (or all users'
 * together) is spent or its count cannot be made. */
static __always_inline int quota_take(__u32 owner)
{
	__s64 *n = quota_count(owner), *all;

	if (!n)
		return IG_ERR_QUOTA; /* closed: no count, so no record */
	if (owner == 0)
		return count_take(n, IG_QUOTA_ROOT) ? 0 : IG_ERR_QUOTA; /* closed past it */
	if (!count_take(n, IG_QUOTA_USER))
		return IG_ERR_QUOTA; /* closed: the owner's own quota spent */
	all = quota_count(IG_OWNER_USERS);
	if (all && count_take(all, IG_QUOTA_USERS_ALL))
		return 0;
	count_give(n);
	return IG_ERR_QUOTA; /* closed: all users' share spent, root's left */
}

/* owner's record is gone. */
static __always_inline void quota_give(__u32 owner)
{
	__u32 users = IG_OWNER_USERS;
	__s64 *n;

	n = bpf_map_lookup_elem(&inflight, &owner);
	if (n)
		count_give(n);
	if (owner == 0)
		return;
	n = bpf_map_lookup_elem(&inflight, &users);
	if (n)
		count_give(n);
}

#endif
