/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The verdict on an access and its event: the allowlist lookup in the
 * policy stage 1 read, refusal in enforce mode or would-deny in monitor
 * mode, the counters, and the ring buffer. Stage 3's work, and stage 1's
 * for an exec or map with nothing left to measure (finish_alone).
 * Included by enforcer.bpf.c after its maps and the concern headers.
 */
#ifndef IG_BPF_VERDICT_H
#define IG_BPF_VERDICT_H

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

/* Send ev, reserved in the ring by its maker, and count it. */
static __always_inline void submit_counted(struct ig_event *ev, struct ig_counters *c)
{
	__u64 flags = wakeup_flags(ev);

	bpf_ringbuf_submit(ev, flags);
	if (c) {
		c->events++;
		if (flags != BPF_RB_NO_WAKEUP)
			c->wakeups++;
	}
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

static __always_inline bool allowlisted(struct ig_event *ev, __u32 policy)
{
	struct ig_allow_key key = {};
	void *list = slot(&allowlist, policy);

	if (!list)
		return false; /* fail closed: no allowlist allows nothing */
	__builtin_memcpy(key.digest, ev->digest, IG_SHA256_LEN);
	if (bpf_map_lookup_elem(list, &key))
		return true;
	if (ev->flags & (IG_F_PATH_ERR | IG_F_FOREIGN_PATH))
		return false; /* a path-bound entry needs the host's path, resolved in full */
	key.path_hash = ev->path_hash;
	key.path_len = ev->path_len - 1;
	return bpf_map_lookup_elem(list, &key) != NULL;
}

/*
 * The verdict on a measured (or rule-decided) access, counted: stage 3's
 * job, and stage 1's for a map with nothing left to measure. policy: the
 * slot whose rules stage 1 matched. The caller sends the event.
 */
static __always_inline int judge(struct ig_event *ev, __u32 policy, __u32 hook,
				 struct ig_counters *c)
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
	} else if (allowlisted(ev, policy)) {
		ev->reason = IG_REASON_ALLOWLISTED;
	} else {
		verdict = refuse(ev, IG_REASON_NOT_ALLOWLISTED, c);
	}
	if (hook == IG_HOOK_EXEC)
		interp_note_exec(ev, policy); /* made the task's only if the exec succeeds */
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

	verdict = judge(ev, rec->policy, hook, c);
	if (hook == IG_HOOK_MMAP && !verdict &&
	    !(ev->flags & (IG_F_WOULD_DENY | IG_F_PROBE | IG_F_STALE)))
		ev->fold_slot = fold_take(epoch);
	if (emit(ev, c) && ev->fold_slot)
		fold_mark(rec, file, k, epoch);
	return verdict;
}

#endif
