/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Interpreted code: a task that exec'd an interpreter (named by digest in
 * `interps`, so that a renamed copy is still one) has every regular file
 * it opens for reading whose name ends in a code extension (`script_exts`)
 * judged like an exec, on the hook IG_HOOK_SCRIPT ("script").
 *
 * Both sets are part of the policy: inner maps in the slot ig_policy names,
 * filled by the loader with the rules and the allowlist, frozen, put in
 * force by the same flip. An access is judged by one policy's interpreters,
 * extensions, rules and allowlist (script_code, then script_interp under
 * stage 1's own read), never a mix, and a reload that fails leaves the old
 * policy whole.
 *
 * The mark: stage 3 of an exec (or stage 1 deciding alone) notes in the
 * task's storage whether the digest it judged is an interpreter's in the
 * policy it judged under, and keeps the digest (pending); bprm_committed_creds
 * makes the last such note of a successful exec the task's (interp), so
 * that a `#!` script's own bprm_check is overtaken by its interpreter's;
 * task_alloc hands the mark to every new thread and process the task
 * makes. The mark holds the digest, and its index resolved under one
 * ig_policy word: the first open after a flip resolves it again under the
 * new policy (one lookup), so a policy that drops an interpreter stops
 * judging its running tasks, and one that names it again judges them again.
 *
 * An exec allowed by a path rule is measured too while the policy names
 * any interpreter (ig_interp_slots), so that an interpreter allowed by
 * path is marked; its verdict stays the rule's. A task running before the
 * chain was attached saw no exec: the loader marks those running an
 * interpreter once attached (src/enforcer/interp.c), with BPF_NOEXIST
 * while every exec leaves its storage (ig_interp_walk), so the kernel's
 * verdict on an exec always wins over the loader's reading of /proc.
 *
 * Included by bpf/enforcer.bpf.c alone, after its globals and maps.
 */
#ifndef IG_BPF_INTERP_H
#define IG_BPF_INTERP_H

/* A policy's interpreters: digest to its index (1-based, the event's
 * interp field; the loader keeps a digest's index for the chain's life, so
 * that the daemon names it by digest whichever policy judged the record).
 * Slot ig_policy holds the set in force, the other the previous or the
 * next policy's, filled whole by the loader with the policy's rules and
 * allowlist, frozen, and put in force by the same flip. An empty slot names
 * no interpreter: nothing is judged as a script (no policy yet). */
struct interps_inner {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__uint(key_size, sizeof(struct ig_interp_key));
	__uint(value_size, sizeof(__u32));
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 2);
	__type(key, __u32);
	__array(values, struct interps_inner);
} interps SEC(".maps");

/* A policy's code extensions (the name after its last '.', NUL-padded),
 * in the same slot as its interpreters; the entry "*" makes every regular
 * file read by an interpreter code. An empty slot beside a set of
 * interpreters makes every such file code (fails closed; the loader never
 * leaves one). */
struct exts_inner {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__uint(key_size, sizeof(struct ig_ext_key));
	__uint(value_size, sizeof(__u32));
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 2);
	__type(key, __u32);
	__array(values, struct exts_inner);
} script_exts SEC(".maps");

/* A task's mark: struct ig_interp_task (include/imaguard/enforcer.h). */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct ig_interp_task);
} interp_task SEC(".maps");

/*
 * Tasks holding a note or a mark (pending or interp not 0), at least: the
 * hot paths (every open's script filter, every fork and every exec's
 * commit) read this one word, and while it is 0 no task anywhere is an
 * interpreter's, so they leave before the task-storage lookup. Counted
 * up before a task's fields leave 0 and down after they return to 0 or at
 * the task's exit (interp_exit), so that it never falls below the tasks
 * marked; a task sees its own increment, or its parent's, made before it
 * could open anything as an interpreter. What it can miss is a decrement
 * (an exit while the chain is detached or not run, a fork failing after
 * task_alloc): then it stays above the truth, which costs only the lookups
 * it saves (never fails open). In its own map, as ig_records_live: an
 * adopting daemon rewrites .bss whole.
 */
__u64 ig_interp_live SEC(".data.live");

static __always_inline bool interp_any(void)
{
	return *(volatile __u64 *)&ig_interp_live != 0;
}

/* Marks given to tasks that had none, counted, for the script filter's
 * memo (ig_interp_none). In its own map, as ig_interp_live: an adopting
 * daemon rewrites .bss whole, and this count must never go back. */
__u64 ig_interp_gen SEC(".data.live");

static __always_inline void interp_gen_bump(void)
{
	__sync_fetch_and_add(&ig_interp_gen, 1);
}

/* Runtime: bit (1 << slot) set while that policy slot names at least one
 * interpreter. The loader sets the slot's bit with its maps, before the
 * flip that puts them in force. An exec allowed by a path rule is measured
 * for its mark only under such a policy (interp_wants_digest): with none
 * named, a rule-allowed exec costs what it did, one load more. */
__u32 ig_interp_slots;

/* Runtime: set by the loader while it marks the interpreters that were
 * running before the attach (src/enforcer/interp.c). Meanwhile every
 * successful exec leaves its task storage (interp_commit), so that the
 * loader's mark, stored with BPF_NOEXIST, never overwrites what the kernel
 * decided for an exec it saw: a program exec'd during the walk is judged
 * by its own exec, never by the loader's older reading of /proc. */
__u32 ig_interp_walk;

/* Does the exec being judged under policy slot need its digest for the
 * mark? Only while that policy names an interpreter. */
static __always_inline bool interp_wants_digest(__u32 slot)
{
	return (*(volatile __u32 *)&ig_interp_slots >> (slot & 1)) & 1;
}

/* A task's note and mark change from (pending, interp) was to now (each
 * "not 0" as a bool). Call with now before the store when it marks, with
 * was after the store when it unmarks: see ig_interp_live. */
static __always_inline void interp_count_up(bool was, bool now)
{
	if (!was && now)
		__sync_fetch_and_add(&ig_interp_live, 1);
}

static __always_inline void interp_count_down(bool was, bool now)
{
	if (was && !now)
		__sync_fetch_and_add(&ig_interp_live, -1);
}

/* The index of digest among the interpreters of policy slot; 0: not one. */
static __always_inline __u32 interp_index(const __u8 *digest, __u32 slot)
{
	struct ig_interp_key k = {};
	void *set = bpf_map_lookup_elem(&interps, &slot);
	__u32 *idx;

	if (!set)
		return 0; /* open: no policy set yet, which names no interpreter */
	__builtin_memcpy(k.digest, digest, IG_SHA256_LEN);
	idx = bpf_map_lookup_elem(set, &k);
	return idx ? *idx : 0;
}

/* An exec judged (stage 3, or stage 1 alone) under policy slot: note
 * whether it runs an interpreter of that policy, and which program. An
 * exec allowed by a path rule is measured too while the policy names an
 * interpreter (interp_wants_digest), its verdict still the rule's. An exec
 * with no digest (a hash error, a rule-allowed one whose measurement
 * failed) is not one: its task's scripts go unjudged (fails open; an exec
 * with a hash error and no allow rule is refused in enforce mode anyway).
 * No memory for the note: the same (fails open, counted nowhere; see
 * docs). A note left by an exec that failed after its verdict is
 * overwritten by the next exec's; only one decided with no verdict at all
 * (no record room, no scratch slot: refused in enforce mode) could inherit
 * it, in monitor mode, where it only means more is judged. A program the policy does not name leaves
 * no mark: a later policy that names it judges it from its next exec. */
static __always_inline void interp_note_exec(const struct ig_event *ev, __u32 slot)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct ig_interp_task *t;
	__u32 now = 0;
	bool was;

	if (ev->flags & IG_F_HASHED)
		now = interp_index(ev->digest, slot) != 0;
	if (!now && !interp_any())
		return; /* no task holds a note or mark: this one's stays empty */
	t = bpf_task_storage_get(&interp_task, task, 0,
				 now ? BPF_LOCAL_STORAGE_GET_F_CREATE : 0);
	if (!t)
		return;
	was = t->pending || t->interp;
	interp_count_up(was, now || t->interp);
	t->pending = now;
	if (now)
		__builtin_memcpy(t->pending_digest, ev->digest, IG_SHA256_LEN);
	interp_count_down(was, now || t->interp);
}

/* The exec succeeded: its note becomes the task's mark. */
static __always_inline void interp_commit(void)
{
	struct task_struct *task;
	struct ig_interp_task *t;
	bool was;

	if (!interp_any() && !*(volatile __u32 *)&ig_interp_walk)
		return; /* no task holds a note or mark: nothing to make this one's */
	task = bpf_get_current_task_btf();
	t = bpf_task_storage_get(&interp_task, task, 0, 0);
	if (!t && *(volatile __u32 *)&ig_interp_walk)
		/* The loader is marking running interpreters: leave this
		 * exec's verdict (an empty mark when it runs none) where its
		 * BPF_NOEXIST store will find it (see ig_interp_walk). No
		 * memory: the loader may mark it by the program it ran
		 * before (fails closed: more is judged, never less). */
		t = bpf_task_storage_get(&interp_task, task, 0,
					 BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!t)
		return; /* open: no note, no mark (not an interpreter's exec) */
	was = t->pending || t->interp;
	t->interp = t->pending;
	if (t->pending)
		__builtin_memcpy(t->digest, t->pending_digest, IG_SHA256_LEN);
	t->gen = 0; /* another program: resolved at its first open */
	t->idx = 0;
	t->pending = 0;
	if (t->interp)
		interp_gen_bump(); /* after the store: a memo of this task as none is stale */
	interp_count_down(was, t->interp);
}

/* A new task of a marked one: the same program, the same mark. */
static __always_inline void interp_fork_copy(struct ig_interp_task *n,
					     const struct ig_interp_task *t)
{
	n->interp = t->interp;
	n->gen = t->gen;
	n->idx = t->idx;
	__builtin_memcpy(n->digest, t->digest, IG_SHA256_LEN);
	n->pending = 0;
}

/* The task leaves: its mark with it (the storage goes when the task is
 * freed). */
static __always_inline void interp_exit(void)
{
	struct ig_interp_task *t;

	if (!interp_any())
		return; /* nothing to count down */
	t = bpf_task_storage_get(&interp_task, bpf_get_current_task_btf(), 0, 0);
	if (!t || (!t->pending && !t->interp))
		return;
	t->pending = 0;
	t->interp = 0;
	interp_count_down(true, false);
}

#define IG_FMODE_READ	0x1
/* FMODE_EXEC in f_mode, __FMODE_EXEC (the same bit) in f_flags, which
 * userspace cannot pass to open(2): the open of execve or uselib. */
#define IG_FMODE_EXEC	0x20
#define IG_NAME_SCAN	64	/* bytes of a file name looked at for its extension */

/* A regular file opened for reading, not by an exec: the only opens that
 * can be code an interpreter reads. A few loads, before any lookup. */
static __always_inline bool script_readable(struct file *file)
{
	struct inode *inode = file->f_inode;

	if ((file->f_mode | file->f_flags) & IG_FMODE_EXEC)
		/* An exec's own open (execve, uselib): judged as the program
		 * it is, at bprm_check or mmap_file, not as code read here
		 * (where file_open could give it no digest: a program an
		 * interpreter runs would be a hash error when "" or "*" is
		 * code). */
		return false;
	return (file->f_mode & IG_FMODE_READ) && inode &&
	       (inode->i_mode & IG_S_IFMT) == IG_S_IFREG;
}

/*
 * Is this open code read by an interpreter? A regular file opened for
 * reading, whose name's extension (after the last '.', in the first
 * IG_NAME_SCAN bytes of the name) is a code extension, one with no '.'
 * when the empty extension is listed, or any such file when "*" is. One pass keeps the bytes after the last '.' seen; a
 * name longer than IG_NAME_SCAN is judged by its first bytes only, so an
 * extension past them is not seen (fails open; documented). slot: the
 * policy whose extensions say.
 */
static __always_inline bool script_open(struct file *file, __u32 slot)
{
	struct ig_ext_key any = { .ext = "*" };
	struct ig_ext_key k = {};
	char name[IG_NAME_SCAN];
	__u64 ext = 0;
	__u32 len = 0;
	bool dot = false;
	void *exts;
	int n, i;

	if (!script_readable(file))
		return false; /* not read through this open, or not a regular file */
	exts = bpf_map_lookup_elem(&script_exts, &slot);
	if (!exts)
		return true; /* fails closed: no extensions beside the interpreters, all is code */
	if (bpf_map_lookup_elem(exts, &any))
		return true;
	n = bpf_probe_read_kernel_str(name, sizeof(name), file->f_path.dentry->d_name.name);
	if (n <= 1)
		return false; /* no name to judge it by (fails open: not code) */
	for (i = 0; i < IG_NAME_SCAN; i++) {
		char ch = name[i];

		if (!ch)
			break;
		if (ch == '.') {
			dot = true;
			ext = 0;
			len = 0;
		} else if (len < IG_EXT_LEN - 1) {
			ext |= (__u64)(unsigned char)ch << (8 * len);
			len++;
		} else {
			len = IG_EXT_LEN; /* longer than any extension kept */
		}
	}
	if (!dot)
		/* No extension: code only where the empty extension is listed
		 * (the all-zero key); else not code by name (fails open, as
		 * the operator chose). */
		return bpf_map_lookup_elem(exts, &k) != NULL;
	if (!len || len >= IG_EXT_LEN)
		return false; /* "x." or past 7 bytes: no extension that could be listed */
	__builtin_memcpy(k.ext, &ext, sizeof(k.ext));
	return bpf_map_lookup_elem(exts, &k) != NULL;
}

/* The task's mark with its index resolved under the policy whose
 * ig_policy word is word; NULL: the task runs no interpreter's program. */
static __always_inline struct ig_interp_task *interp_mark(__u32 word)
{
	struct ig_interp_task *t;

	t = bpf_task_storage_get(&interp_task, bpf_get_current_task_btf(), 0, 0);
	if (!t || !t->interp)
		return NULL; /* open: no mark, the task runs no interpreter's program */
	if (t->gen != word + 1) {
		/* A flip since (or never resolved): ask this policy. A word
		 * of ~0 leaves gen 0, so it asks every time (slower, right). */
		t->idx = interp_index(t->digest, word & 1);
		t->gen = word + 1;
	}
	return t;
}

/*
 * The script filter's memo, one per CPU: the last task found running no
 * interpreter's program under an ig_policy word, so that its next open on
 * this CPU skips the task-storage lookup that would find no mark again
 * (while any interpreter runs anywhere, every task's every read open asks).
 *
 * It holds only that negative answer, and only while nothing could have
 * made it wrong:
 *   - the task is named by its task_struct, tid and start time together,
 *     so that a task freed and another allocated in its place is not taken
 *     for it;
 *   - a flip changes the word (the policy's interpreters with it);
 *   - a mark given to a task that had none bumps ig_interp_gen after it is
 *     stored (interp_commit for an exec, the loader's walk for a task
 *     running before the attach); the memo keeps the count as read before
 *     its lookup, so a mark stored after that lookup leaves it stale. A
 *     new task's mark (task_alloc) is made before it runs, under a name no
 *     memo holds.
 * Under full preemption another task may run the filter on this CPU in the
 * middle of a write: the writer claims the memo by making its count odd
 * with one compare-and-swap (a claim lost is no memo, only slower), and a
 * reader takes the memo only if the count was even and unchanged around
 * its loads (seqcount.bpf.h).
 */
struct ig_interp_none {
	__u64 seq;	/* seqcount.bpf.h: seq_claim, seq_release */
	__u32 word;	/* the ig_policy word it was found unmarked under */
	__u32 tid;
	__u64 task;	/* its task_struct */
	__u64 start;	/* its start_time */
	__u64 gen;	/* ig_interp_gen, read before the lookup that found no mark */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ig_interp_none);
} interp_none SEC(".maps");

static __always_inline bool interp_none_known(struct ig_interp_none *m, struct task_struct *task,
					      __u32 word, __u64 gen)
{
	bool same;
	__u64 s;

	if (!m)
		return false;
	s = seq_read_begin(&m->seq);
	same = m->task == (__u64)task && m->start == task->start_time &&
	       m->tid == (__u32)task->pid && m->word == word && m->gen == gen;
	return seq_read_valid(&m->seq, s) && same;
}

static __always_inline void interp_none_keep(struct ig_interp_none *m, struct task_struct *task,
					     __u32 word, __u64 gen)
{
	if (!m || !seq_claim(&m->seq))
		return; /* held by a task preempted in its write: no memo (only slower) */
	m->task = (__u64)task;
	m->start = task->start_time;
	m->tid = task->pid;
	m->word = word;
	m->gen = gen;
	seq_release(&m->seq);
}

/* Does the current task run an interpreter's program under the policy
 * whose ig_policy word is word? The memo first, then the task's mark. */
static __always_inline bool interp_running(__u32 word)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct ig_interp_none *m;
	struct ig_interp_task *t;
	__u32 zero = 0;
	__u64 gen;

	m = bpf_map_lookup_elem(&interp_none, &zero);
	gen = *(volatile __u64 *)&ig_interp_gen; /* before the mark's loads */
	barrier();
	if (interp_none_known(m, task, word, gen))
		return false; /* open: found unmarked under this policy, and no mark given since */
	t = interp_mark(word);
	if (t && t->idx)
		return true;
	interp_none_keep(m, task, word, gen);
	return false; /* open: not an interpreter's task under this policy */
}

/*
 * Is this open code read by an interpreter, by the policy in force (the
 * ig_policy word read once)? The script filter's question, before stage 1:
 * the task's mark, resolved under that policy, then that policy's
 * extensions. In the common case (a task that runs no interpreter, found so
 * on this CPU before) a memo read; else one task-storage lookup and the
 * extension lookups; the outer array lookup is inlined by the verifier.
 */
static __always_inline bool script_code(struct file *file, __u32 word)
{
	if (!interp_running(word))
		return false; /* open: not an interpreter's task under this policy */
	return script_open(file, word & 1);
}

/*
 * Stage 1's own answer for a script open, under the ig_policy word it read
 * for the rules and the allowlist: the interpreter's index, 0 when this
 * policy would not judge it. The script filter answered under the same
 * word unless a flip came in between; then the mark was resolved under
 * another word and both questions are asked again, so that the access is
 * judged by one policy's interpreters, extensions, rules and allowlist.
 */
static __always_inline __u32 script_interp(struct file *file, __u32 word)
{
	struct ig_interp_task *t;
	bool same;

	t = bpf_task_storage_get(&interp_task, bpf_get_current_task_btf(), 0, 0);
	if (!t || !t->interp)
		return 0; /* open: no mark (the filter found one, so not reached) */
	same = t->gen == word + 1 && t->gen;
	if (same)
		return t->idx; /* the filter's answer, under this very policy */
	if (!script_code(file, word))
		return 0; /* open: this policy does not judge it, as if opened after the flip */
	return t->idx;
}

#endif
