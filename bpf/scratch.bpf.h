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
 * each stage 1 claims a slot no other task holds (its bit in a claims
 * word, set with one atomic fetch-or) and stage_filter gives it back on
 * its way out, whatever the path. It looks in three places, in order:
 *
 *   1. its CPU's IG_SCRATCH_SLOTS (scratch, scratch_claims): the only place
 *      an access normally looks; they fill only when that many tasks are
 *      preempted inside stage 1 on one CPU;
 *   2. IG_SCRATCH_SHARED slots shared by every CPU (scratch_shared,
 *      scratch_shared_claims), the search starting at a word picked by the
 *      CPU so that CPUs do not all meet on one;
 *   3. scratch_task, the task's own record, allocated for this run and
 *      freed at its end; on 6.1 it cannot be had while the kernel's
 *      task-storage lock of this CPU is held by a task preempted inside a
 *      task-storage operation, so it is the last resort, not the second.
 *
 * Anyone may fill them: a slot is held while its task is preempted inside
 * stage 1, whoever that task belongs to. Only once a CPU's IG_SCRATCH_SLOTS
 * and all IG_SCRATCH_SHARED are held at once (8 tasks preempted inside
 * stage 1 on that CPU and 256 more on any CPUs whose own 8 are held, so a
 * user needs 264 such tasks at once, not 9) and the task's own
 * record cannot be had either (no memory, or that lock held) does stage 1
 * have nowhere to build and decide alone (filter_busy): an exec or
 * executable map is a hash error (IG_ERR_BUSY), refused in enforce mode
 * (fail closed); an open passes with the error in its event, unless a deny
 * or audit rule names opens: then it is refused as an unknown path. A
 * claim in the pool may also lose a word to tasks on other CPUs claiming
 * in it at the same instant; after IG_SCRATCH_SHARED_TRIES looks it goes
 * on to the task's own record.
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

/*
 * The pool shared by every CPU, for a stage 1 whose CPU has no slot free:
 * IG_SCRATCH_SHARED records, sizeof(struct ig_record) (4,376 bytes) each,
 * 1,120,256 bytes once for the machine, not per CPU. Full, stage 1 goes on
 * to scratch_task. A multiple of 64: one claims word per 64 slots.
 */
#define IG_SCRATCH_SHARED 256
#define IG_SCRATCH_WORDS (IG_SCRATCH_SHARED / 64)
_Static_assert(IG_SCRATCH_SHARED % 64 == 0, "one whole claims word per 64 slots");
/* Looks at the pool's words before giving up: each full word once, and a
 * few more for a word whose free bit another CPU took at the same instant. */
#define IG_SCRATCH_SHARED_TRIES (2 * IG_SCRATCH_WORDS)
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, IG_SCRATCH_SHARED);
	__type(key, __u32);
	__type(value, struct ig_record);
} scratch_shared SEC(".maps");

/* Bit b of word w set: slot w * 64 + b of scratch_shared is held by a task
 * in stage 1, on whatever CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, IG_SCRATCH_WORDS);
	__type(key, __u32);
	__type(value, __u64);
} scratch_shared_claims SEC(".maps");

/* Stage 1's record when every slot of its CPU and of the pool is held: the
 * task's own. */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct ig_record);
} scratch_task SEC(".maps");

/* The index of the one bit set in b, without a branch: the bits below it
 * counted (the BPF instruction set has no count of trailing zeros). */
static __always_inline __u32 scratch_bit_index(__u64 b)
{
	__u64 x = b - 1;

	x = x - ((x >> 1) & 0x5555555555555555ULL);
	x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
	x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
	return (x * 0x0101010101010101ULL) >> 56;
}

/* A slot of the pool no other task holds, or NULL. Taken, as a CPU's, only
 * by the atomic fetch-or that finds its bit clear; a word all held sends
 * the search on to the next, one lost to another CPU is looked at again. */
static __always_inline struct ig_record *scratch_claim_shared(__u64 **held, __u64 *bit)
{
	__u32 w = bpf_get_smp_processor_id() % IG_SCRATCH_WORDS, slot;
	struct ig_record *rec;
	__u64 *claims, b, i; /* i 64 bits: see scratch_claim */

	for (i = 0; i < IG_SCRATCH_SHARED_TRIES; i++) {
		claims = bpf_map_lookup_elem(&scratch_shared_claims, &w);
		if (!claims)
			return NULL; /* never (w is below max_entries): on to
				      * scratch_task, and closed past it */
		b = ~*(volatile __u64 *)claims;
		if (!b) {
			w = (w + 1) % IG_SCRATCH_WORDS;
			continue;
		}
		b &= -b; /* its lowest clear bit */
		if (__sync_fetch_and_or(claims, b) & b)
			continue; /* taken meanwhile: look at this word again */
		slot = w * 64 + scratch_bit_index(b);
		rec = bpf_map_lookup_elem(&scratch_shared, &slot);
		if (!rec) {
			/* Never: slot is below max_entries. Give the bit back
			 * and go on to scratch_task (still fails closed past it). */
			__sync_fetch_and_and(claims, ~b);
			return NULL;
		}
		*held = claims;
		*bit = b;
		return rec;
	}
	return NULL; /* the pool full: on to scratch_task, and closed past it */
}

/* A slot of this CPU's scratch that no other task holds, else one of the
 * pool's, else the task's own record (scratch_task), or NULL when none can
 * be had. The CPU cannot change under the program, but another task may
 * run between any two instructions, so a slot is taken only by the atomic
 * fetch-or that finds its bit clear. *held and *bit say what to give back
 * (a bit of this CPU's word or of one of the pool's: the same atomic
 * fetch-and clears either), *own that the task's record is to be freed. */
static __always_inline struct ig_record *scratch_claim(__u64 **held, __u64 *bit, bool *own)
{
	struct ig_record *rec;
	__u64 *claims, i;
	__u32 zero = 0, slot;

	/* The loop's count is 64 bits wide so that, when the compiler keeps it
	 * on the stack, it lands in a whole aligned slot, which 6.1's verifier
	 * tracks (a 4-byte one it may not): untracked, the path that loses
	 * every race looks endless to it and the program is refused. */
	claims = bpf_map_lookup_elem(&scratch_claims, &zero);
	for (i = 0; claims && i < IG_SCRATCH_SLOTS; i++) {
		__u64 b = 1ULL << i;

		if (*(volatile __u64 *)claims & b)
			continue;
		if (__sync_fetch_and_or(claims, b) & b)
			continue; /* taken meanwhile by a task that ran in between */
		*held = claims;
		*bit = b;
		slot = i;
		rec = bpf_map_lookup_elem(&scratch, &slot);
		return rec; /* NULL never: slot is below max_entries */
	}
	rec = scratch_claim_shared(held, bit);
	if (rec)
		return rec;
	rec = bpf_task_storage_get(&scratch_task, bpf_get_current_task_btf(), NULL,
				   BPF_LOCAL_STORAGE_GET_F_CREATE);
	*own = rec != NULL;
	return rec; /* NULL: nowhere to build; filter_busy fails closed */
}

/*
 * Stage 1 with no scratch slot free on its CPU nor in the pool, and no
 * record of the task's own: nowhere to build a record, so no path and no
 * rule; the event goes straight into the ring. An exec or
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
