// SPDX-License-Identifier: GPL-2.0-only
/*
 * imaguard's kernel side: three chained programs on each of three LSM hooks.
 *
 *   hook                 stage 1 filter (lsm)     stage 2 measure (lsm.s)    stage 3 decide+emit (lsm)
 *   bprm_check_security  always: record           bpf_ima_file_hash          verdict, event, drop record
 *   mmap_file            file && PROT_EXEC        bpf_ima_file_hash          verdict, event, drop record
 *   file_open            only a watched open      bpf_ima_file_hash          verdict, event, drop record
 *
 * The trampoline runs a hook's programs newest first, so the loader attaches
 * stage 3, then 2, then 1, and proves the order with a probe exec before it
 * declares itself ready. A non-zero return stops the chain; the stage that
 * refuses therefore sends its own event. The stages share state through
 * `records`, a hash map keyed by (tid, hook): stage 2 may sleep, so per-CPU
 * storage would be clobbered by whatever runs on the CPU meanwhile.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "imaguard/enforcer.h"

#define EPERM		1
#define ENOENT		2
#define EPROTONOSUPPORT	93
#define PROT_EXEC	0x4

char LICENSE[] SEC("license") = "GPL";

/* Load-time knobs, set between open and load. */
const volatile __u32 ig_mode = IG_MODE_MONITOR;

/* Runtime: the loader's probe child, whose exec is measured then refused. */
__u32 ig_probe_tgid;

/*
 * In-flight records. Capacity: one per thread inside a hook at once. When it
 * is full, stage 1 decides alone: an exec or executable map fails closed in
 * enforce mode (it cannot be measured), and the event says why.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct ig_rec_key);
	__type(value, struct ig_record);
} records SEC(".maps");

/* Stage 1 builds a record here before copying it into `records`: too big for
 * the stack, and never held across a sleep. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ig_record);
} scratch SEC(".maps");

/* Events to userspace. Full ring: the event is lost and counted; the
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

static __always_inline void count_order_violation(void)
{
	struct ig_counters *c = counters_get();

	if (c)
		c->order_violations++;
}

static __always_inline void fill_context(struct ig_event *ev, struct file *file, __u32 hook)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u64 uid_gid = bpf_get_current_uid_gid();
	struct upid upid = {};
	struct pid *pid;
	__u32 level;
	long n;

	ev->time_ns = bpf_ktime_get_boot_ns();
	ev->hook = hook;
	ev->tid = (__u32)pid_tgid;
	ev->pid = pid_tgid >> 32;
	ev->uid = (__u32)uid_gid;
	ev->gid = uid_gid >> 32;
	ev->ppid = BPF_CORE_READ(task, real_parent, tgid);
	ev->cgroup_id = bpf_get_current_cgroup_id();
	ev->mnt_ns = BPF_CORE_READ(task, nsproxy, mnt_ns, ns.inum);
	pid = BPF_CORE_READ(task, thread_pid);
	level = BPF_CORE_READ(pid, level);
	bpf_core_read(&upid, sizeof(upid), &pid->numbers[level & 31]);
	ev->pid_ns = BPF_CORE_READ(upid.ns, ns.inum);
	bpf_get_current_comm(ev->comm, sizeof(ev->comm));
	ev->dev = BPF_CORE_READ(file, f_inode, i_sb, s_dev);
	ev->ino = BPF_CORE_READ(file, f_inode, i_ino);
	ev->rule = -1;

	n = bpf_d_path(&file->f_path, ev->path, sizeof(ev->path));
	if (n <= 0 || n > IG_PATH_MAX) {
		/* Unresolvable or too long: the path never satisfies an allow rule. */
		ev->flags |= IG_F_PATH_ERR;
		ev->path[0] = '\0';
		ev->path_len = 1;
	} else {
		ev->path_len = n;
	}
}

/* Stage 1. Returns 0 with a record stored, or the verdict it reached alone. */
static __always_inline int stage_filter(struct file *file, __u32 hook, __u32 prot)
{
	struct ig_rec_key key = { .tid = (__u32)bpf_get_current_pid_tgid(), .hook = hook };
	struct ig_counters *c = counters_get();
	struct ig_record *rec;
	__u32 zero = 0;

	if (c)
		c->runs[hook]++;
	rec = bpf_map_lookup_elem(&scratch, &zero);
	if (!rec)
		return 0; /* fail open: a per-CPU array lookup of index 0 cannot fail */
	__builtin_memset(&rec->ev, 0, IG_EVENT_HDR_LEN);
	fill_context(&rec->ev, file, hook);
	rec->ev.prot = prot;
	rec->ev.stages = IG_STAGE_FILTER;
	rec->ev.flags |= IG_F_NEED_HASH;
	if (ig_probe_tgid && rec->ev.pid == ig_probe_tgid)
		rec->ev.flags |= IG_F_PROBE;

	if (bpf_map_update_elem(&records, &key, rec, BPF_ANY)) {
		/* No room to hand over: this stage decides (see `records`). */
		if (c)
			c->record_full++;
		return 0;
	}
	return 0;
}

/* Stage 2: the digest, if stage 1 asked for it. */
static __always_inline int stage_measure(struct file *file, __u32 hook)
{
	struct ig_rec_key key = { .tid = (__u32)bpf_get_current_pid_tgid(), .hook = hook };
	struct ig_record *rec;
	long algo;

	rec = bpf_map_lookup_elem(&records, &key);
	if (!rec)
		return 0; /* stage 1 wanted nothing here; stage 3 judges the order */
	if (rec->ev.stages != IG_STAGE_FILTER)
		rec->ev.flags |= IG_F_ORDER_BAD;
	rec->ev.stages |= IG_STAGE_MEASURE;
	if (!(rec->ev.flags & IG_F_NEED_HASH))
		return 0;

	algo = bpf_ima_file_hash(file, rec->ev.digest, sizeof(rec->ev.digest));
	rec->ev.hash_algo = algo;
	if (algo == (long)bpf_core_enum_value(enum hash_algo, HASH_ALGO_SHA256))
		rec->ev.flags |= IG_F_HASHED;
	else
		rec->ev.hash_error = algo < 0 ? algo : -EPROTONOSUPPORT;
	return 0;
}

static __always_inline void emit(struct ig_event *ev, struct ig_counters *c)
{
	__u64 len = ev->path_len;

	if (len > IG_PATH_MAX)
		len = IG_PATH_MAX;
	if (bpf_ringbuf_output(&events, ev, IG_EVENT_HDR_LEN + len, 0)) {
		if (c)
			c->lost++;
		return;
	}
	if (c)
		c->events++;
}

/* Stage 3: verdict and event; the record is dropped here. */
static __always_inline int stage_emit(__u32 hook)
{
	struct ig_rec_key key = { .tid = (__u32)bpf_get_current_pid_tgid(), .hook = hook };
	struct ig_counters *c = counters_get();
	struct ig_record *rec;
	int verdict = 0;

	rec = bpf_map_lookup_elem(&records, &key);
	if (!rec) {
		/* Stage 1 always leaves an exec record: none means the chain ran
		 * out of order (or the map was full, counted there). Fail open
		 * here; the loader refuses to start on an order it cannot prove. */
		if (hook == IG_HOOK_EXEC)
			count_order_violation();
		return 0;
	}
	if (rec->ev.stages != (IG_STAGE_FILTER | IG_STAGE_MEASURE)) {
		rec->ev.flags |= IG_F_ORDER_BAD;
		count_order_violation();
	}
	rec->ev.stages |= IG_STAGE_EMIT;

	if (rec->ev.hash_error && c)
		c->hash_errors++;

	if (rec->ev.flags & IG_F_PROBE) {
		/* The probe's exec is measured, then refused: nothing runs. */
		rec->ev.decision = IG_DENY;
		verdict = -EPERM;
	}

	emit(&rec->ev, c);
	bpf_map_delete_elem(&records, &key);
	return verdict;
}

/* ---- bprm_check_security ---- */
SEC("lsm/bprm_check_security")
int BPF_PROG(ig_exec_filter, struct linux_binprm *bprm, int ret)
{
	if (ret)
		return ret;
	return stage_filter(bprm->file, IG_HOOK_EXEC, 0);
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
	return stage_emit(IG_HOOK_EXEC);
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
	return stage_filter(file, IG_HOOK_MMAP, prot);
}

SEC("lsm.s/mmap_file")
int BPF_PROG(ig_mmap_measure, struct file *file, unsigned long reqprot, unsigned long prot,
	     unsigned long flags, int ret)
{
	if (ret)
		return ret;
	if (!file)
		return 0; /* anonymous: stage 1 left no record */
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
	return stage_emit(IG_HOOK_MMAP);
}
