/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Interpreted code: a task that exec'd an interpreter (named by digest in
 * `interps`, so that a renamed copy is still one) has every regular file
 * it opens for reading whose name ends in a code extension (`script_exts`)
 * judged like an exec, on the hook IG_HOOK_SCRIPT ("script").
 *
 * The mark: stage 3 of an exec (or stage 1 deciding alone) notes in the
 * task's storage whether the digest it judged is an interpreter's
 * (pending); bprm_committed_creds makes the last such note of a successful
 * exec the task's (interp), so that a `#!` script's own bprm_check is
 * overtaken by its interpreter's; task_alloc hands the mark to every new
 * thread and process the task makes.
 *
 * Included by bpf/enforcer.bpf.c alone, after its globals and maps.
 */
#ifndef IG_BPF_INTERP_H
#define IG_BPF_INTERP_H

/* Interpreters: digest to 1-based index in the loader's list (the event's
 * interp field). Filled by the loader, in place. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, IG_INTERP_MAX);
	__type(key, struct ig_interp_key);
	__type(value, __u32);
} interps SEC(".maps");

/* Code extensions (the name after its last '.', NUL-padded); the entry
 * "*" makes every regular file read by an interpreter code. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, IG_SCRIPT_EXT_MAX);
	__type(key, struct ig_ext_key);
	__type(value, __u32);
} script_exts SEC(".maps");

struct ig_interp_task {
	__u32 pending;	/* the exec being judged: its interpreter index, 0: none */
	__u32 interp;	/* the program this task runs: its interpreter index, 0: none */
};

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

/* An exec judged (stage 3, or stage 1 alone): note whether it runs an
 * interpreter. An exec with no digest (allowed by a path rule, a hash
 * error) is not one: its task's scripts go unjudged (fails open; an
 * exec with a hash error is refused in enforce mode anyway). No memory
 * for the note: the same (fails open, counted nowhere; see docs). A note
 * left by an exec that failed after its verdict is overwritten by the
 * next exec's; only one decided with no verdict at all (no record room,
 * no scratch slot: refused in enforce mode) could inherit it, in monitor
 * mode, where it only means more is judged. */
static __always_inline void interp_note_exec(const struct ig_event *ev)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct ig_interp_key k = {};
	struct ig_interp_task *t;
	__u32 *idx = NULL;

	__u32 now;
	bool was;

	if (ev->flags & IG_F_HASHED) {
		__builtin_memcpy(k.digest, ev->digest, IG_SHA256_LEN);
		idx = bpf_map_lookup_elem(&interps, &k);
	}
	if (!idx && !interp_any())
		return; /* no task holds a note or mark: this one's stays empty */
	t = bpf_task_storage_get(&interp_task, task, 0,
				 idx ? BPF_LOCAL_STORAGE_GET_F_CREATE : 0);
	if (!t)
		return;
	now = idx ? *idx : 0;
	was = t->pending || t->interp;
	interp_count_up(was, now || t->interp);
	t->pending = now;
	interp_count_down(was, now || t->interp);
}

/* The exec succeeded: its note becomes the task's mark. */
static __always_inline void interp_commit(void)
{
	struct ig_interp_task *t;
	bool was;

	if (!interp_any())
		return; /* no task holds a note or mark: nothing to make this one's */
	t = bpf_task_storage_get(&interp_task, bpf_get_current_task_btf(), 0, 0);
	if (!t)
		return;
	was = t->pending || t->interp;
	t->interp = t->pending;
	t->pending = 0;
	interp_count_down(was, t->interp);
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

/* The interpreter index of the current task, 0: not an interpreter. */
static __always_inline __u32 interp_current(void)
{
	struct ig_interp_task *t;

	if (!interp_any())
		return 0; /* no task is marked, this one neither (see ig_interp_live) */
	t = bpf_task_storage_get(&interp_task, bpf_get_current_task_btf(), 0, 0);
	return t ? t->interp : 0;
}

#define IG_FMODE_READ	0x1
#define IG_NAME_SCAN	64	/* bytes of a file name looked at for its extension */

/* A regular file opened for reading: the only opens that can be code an
 * interpreter reads. Two loads, before any lookup. */
static __always_inline bool script_readable(struct file *file)
{
	struct inode *inode = file->f_inode;

	return (file->f_mode & IG_FMODE_READ) && inode &&
	       (inode->i_mode & IG_S_IFMT) == IG_S_IFREG;
}

/*
 * Is this open code read by an interpreter? A regular file opened for
 * reading, whose name's extension (after the last '.', in the first
 * IG_NAME_SCAN bytes of the name) is a code extension, one with no '.'
 * when the empty extension is listed, or any such file when "*" is. One pass keeps the bytes after the last '.' seen; a
 * name longer than IG_NAME_SCAN is judged by its first bytes only, so an
 * extension past them is not seen (fails open; documented).
 */
static __always_inline bool script_open(struct file *file)
{
	struct ig_ext_key any = { .ext = "*" };
	struct ig_ext_key k = {};
	char name[IG_NAME_SCAN];
	__u64 ext = 0;
	__u32 len = 0;
	bool dot = false;
	int n, i;

	if (!script_readable(file))
		return false; /* not read through this open, or not a regular file */
	if (bpf_map_lookup_elem(&script_exts, &any))
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
		return bpf_map_lookup_elem(&script_exts, &k) != NULL;
	if (!len || len >= IG_EXT_LEN)
		return false; /* "x." or past 7 bytes: no extension that could be listed */
	__builtin_memcpy(k.ext, &ext, sizeof(k.ext));
	return bpf_map_lookup_elem(&script_exts, &k) != NULL;
}

#endif
