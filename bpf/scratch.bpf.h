/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Stage 1's scratch: where it builds a record before handing it on, safe
 * under full preemption. Included by enforcer.bpf.c after verdict.bpf.h
 * (filter_busy sends its own event).
 */
#ifndef IG_BPF_SCRATCH_H
#define IG_BPF_SCRATCH_H

/*
 * Stage 1 builds a record in a slot of scratch before storing it: too big
 * for the stack, and never held across a sleep. A non-sleepable LSM
 * program keeps its CPU but, since 6.1.54, may be preempted (preempt=full,
 * PREEMPT_RT), and other tasks may run stage 1 on that CPU meanwhile: so
 * each stage 1 claims a slot no other task holds (its bit in this CPU's
 * scratch_claims, set with one atomic fetch-or) and stage_filter gives it
 * back on its way out, whatever the path. IG_SCRATCH_SLOTS per CPU: they
 * fill only when that many tasks are preempted inside stage 1 on one CPU.
 * Then stage 1 builds in scratch_task, the task's own record, allocated
 * for this run and freed at its end. Only when that fails too (no memory,
 * or the kernel's task-storage lock held on this CPU by a preempted task)
 * does stage 1 have nowhere to build and decide alone (filter_busy): an
 * exec or executable map is a hash error (IG_ERR_BUSY), refused in enforce
 * mode (fail closed); an open passes with the error in its event, unless
 * a deny or audit rule names opens: then it is refused as an unknown path.
 */
#define IG_SCRATCH_SLOTS 8
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, IG_SCRATCH_SLOTS);
	__type(key, __u32);
	__type(value, struct ig_record);
} scratch SEC(".maps");

/* Bit i set: slot i of this CPU's scratch is held by a task in stage 1. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} scratch_claims SEC(".maps");

/* Stage 1's record when every slot of its CPU is held: the task's own. */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct ig_record);
} scratch_task SEC(".maps");

/* A slot of this CPU's scratch that no other task holds, else the task's
 * own record (scratch_task), or NULL when neither can be had. The CPU
 * cannot change under the program, but another task may run between any
 * two instructions, so a slot is taken only by the atomic fetch-or that
 * finds its bit clear. *held and *bit say what to give back, *own that the
 * task's record is to be freed. */
static __always_inline struct ig_record *scratch_claim(__u64 **held, __u64 *bit, bool *own)
{
	struct ig_record *rec;
	__u64 *claims;
	__u32 zero = 0, i;

	claims = bpf_map_lookup_elem(&scratch_claims, &zero);
	for (i = 0; claims && i < IG_SCRATCH_SLOTS; i++) {
		__u64 b = 1ULL << i;

		if (*(volatile __u64 *)claims & b)
			continue;
		if (__sync_fetch_and_or(claims, b) & b)
			continue; /* taken meanwhile by a task that ran in between */
		*held = claims;
		*bit = b;
		rec = bpf_map_lookup_elem(&scratch, &i);
		return rec; /* NULL never: i is below max_entries */
	}
	rec = bpf_task_storage_get(&scratch_task, bpf_get_current_task_btf(), NULL,
				   BPF_LOCAL_STORAGE_GET_F_CREATE);
	*own = rec != NULL;
	return rec;
}

/*
 * Stage 1 with no scratch slot free on this CPU: nowhere to build a record,
 * so no path and no rule; the event goes straight into the ring. An exec or
 * executable map cannot be measured: a hash error, refused in enforce mode
 * (fail closed). An open passes with the error in its event, unless a deny
 * or audit rule names opens: refused as an unknown path is (fail closed, as
 * for IG_F_PATH_ERR: it may be a name such a rule names).
 */
static __always_inline int filter_busy(struct file *file, __u32 hook, __u32 prot, __s32 err,
				       struct ig_counters *c)
{
	bool closed = hook != IG_HOOK_OPEN || hook_watched(hook);
	struct ig_event *ev;
	int verdict = 0;

	if (c)
		c->hash_errors++;
	ev = bpf_ringbuf_reserve(&events, IG_EVENT_HDR_LEN + 8, 0);
	if (!ev) {
		/* The same verdict, with no event to send (counted lost). */
		if (c)
			c->lost++;
		if (!closed || ig_mode != IG_MODE_ENFORCE)
			return 0;
		if (c)
			c->denies[hook == IG_HOOK_OPEN ? IG_REASON_RULE_DENY :
							 IG_REASON_HASH_ERROR]++;
		return -EPERM;
	}
	__builtin_memset(ev, 0, IG_EVENT_HDR_LEN + 8);
	fill_context(ev, file, hook);
	ev->prot = prot;
	ev->stages = IG_STAGE_FILTER;
	if (ig_probe_tgid && ev->pid == ig_probe_tgid)
		ev->flags |= IG_F_PROBE;
	path_unknown(ev);
	ev->flags |= IG_F_STALE;
	ev->hash_error = err;
	if (hook != IG_HOOK_OPEN)
		verdict = refuse(ev, IG_REASON_HASH_ERROR, c);
	else if (closed)
		verdict = refuse(ev, IG_REASON_RULE_DENY, c);
	else
		ev->reason = IG_REASON_HASH_ERROR;
	submit_counted(ev, c);
	return verdict;
}

#endif
