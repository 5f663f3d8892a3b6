/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The daemon's own protection: no other process, root included, may stop,
 * kill, trace, read or write the memory of, or change the limits of the
 * running daemon (`imaguard run`). The daemon names itself in the globals
 * below once it holds the chain (a fresh load or an adoption), and clears
 * them when it stops; a chain without a daemon (the test driver, a pinned
 * chain between two runs) guards nothing.
 *
 * A pid alone is not a name: once a daemon died without clearing it (the
 * OOM killer, cgroup.kill), another process could be given its pid. So the
 * daemon is its tgid and the start time of its thread-group leader, in the
 * clock ticks /proc/PID/stat gives (start_boottime / (NSEC_PER_SEC /
 * USER_HZ); USER_HZ is 100 on every architecture Debian builds).
 *
 * What reaches the daemon, and where it is refused:
 *   task_kill            kill, tgkill, sigqueue, pidfd_send_signal: every
 *                        signal a process sends; signals the kernel sends
 *                        itself (the OOM killer, cgroup.kill, a terminal's
 *                        ^Z, SIGXCPU at RLIMIT_CPU) never pass here.
 *   ptrace_access_check  PTRACE_ATTACH and SEIZE, process_vm_readv and
 *                        writev, /proc/PID/mem, pidfd_getfd, kcmp: every
 *                        ptrace_may_access(); only the attach mode is
 *                        refused, so that ps and /proc/PID/{stat,fd,maps}
 *                        still read (PTRACE_MODE_READ).
 *   task_setrlimit       prlimit(2) on the daemon (RLIMIT_CPU would have the
 *                        kernel kill it; RLIMIT_NOFILE starve it).
 * Each refusal is a `tamper` event (IG_HOOK_TAMPER) and counted. All of it
 * holds in monitor mode too: the daemon is what records.
 */
#ifndef IG_BPF_GUARD_H
#define IG_BPF_GUARD_H

#define PTRACE_MODE_ATTACH	0x02
#define IG_SIGHUP	1
#define IG_SIGINT	2
#define IG_SIGTERM	15
#define IG_SIGCHLD	17
#define IG_SIGCONT	18
#define IG_SIGURG	23
#define IG_SIGWINCH	28
/* NSEC_PER_SEC / USER_HZ: /proc/PID/stat's clock ticks. */
#define IG_NS_PER_TICK	10000000ULL

/* Runtime: the daemon's tgid, 0 when none runs (nothing is guarded). */
__u32 ig_daemon_tgid;
/* Runtime: its leader's start time in clock ticks since boot. */
__u64 ig_daemon_start;

/* Whether task belongs to the daemon named in the globals. */
static __always_inline bool is_daemon(struct task_struct *task, __u32 tgid)
{
	__u64 start;

	if (!tgid || (__u32)task->tgid != tgid)
		return false;
	start = BPF_CORE_READ(task, group_leader, start_boottime);
	return start / IG_NS_PER_TICK == *(volatile __u64 *)&ig_daemon_start;
}

/* Signals another process may still send the daemon: 0 (is it alive?),
 * SIGHUP (reload), SIGTERM and SIGINT (stop: the daemon itself decides,
 * and in locked mode asks for an unlock token), and those whose default
 * action is to do nothing. Every other one stops or ends it. */
static __always_inline bool signal_harmless(int sig)
{
	switch (sig) {
	case 0:
	case IG_SIGHUP:
	case IG_SIGINT:
	case IG_SIGTERM:
	case IG_SIGCHLD:
	case IG_SIGCONT:
	case IG_SIGURG:
	case IG_SIGWINCH:
		return true;
	default:
		return false;
	}
}

/* The refusal of an attempt on the daemon, recorded: a short event (no
 * path) with the caller's identity. A full ring loses the record, counted,
 * never the refusal. */
static __always_inline int tamper_refuse(__u32 what, __u32 detail, __u32 tgid)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct ig_counters *c = counters_get();
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u64 uid_gid = bpf_get_current_uid_gid();
	struct ig_event *ev;

	if (c)
		__sync_fetch_and_add(&c->tamper, 1);
	ev = bpf_ringbuf_reserve(&events, IG_EVENT_HDR_LEN + 8, 0);
	if (!ev) {
		if (c)
			c->lost++;
		return -EPERM;
	}
	__builtin_memset(ev, 0, IG_EVENT_HDR_LEN);
	ev->time_ns = bpf_ktime_get_boot_ns();
	ev->hook = IG_HOOK_TAMPER;
	ev->decision = IG_DENY;
	ev->action = what;
	ev->prot = detail;
	ev->ino = tgid;
	ev->tid = (__u32)pid_tgid;
	ev->pid = pid_tgid >> 32;
	ev->uid = (__u32)uid_gid;
	ev->gid = uid_gid >> 32;
	ev->ppid = BPF_CORE_READ(task, real_parent, tgid);
	ev->cgroup_id = bpf_get_current_cgroup_id();
	ev->rule = -1;
	ev->flags = IG_F_PATH_ERR;
	ev->path_len = 1;
	ev->path[0] = '\0';
	bpf_get_current_comm(ev->comm, sizeof(ev->comm));
	bpf_ringbuf_submit(ev, BPF_RB_FORCE_WAKEUP);
	if (c)
		c->events++;
	return -EPERM;
}

/* Whether the caller is someone other than the daemon reaching target,
 * the daemon's: then refused. tgid: the daemon's, read once. */
static __always_inline bool guarded(struct task_struct *target, __u32 tgid)
{
	if (!tgid || !target || (__u32)target->tgid != tgid)
		return false; /* not the daemon (or none runs): not this guard's */
	if (!is_daemon(target, tgid))
		return false; /* a later process with the dead daemon's pid: not guarded */
	/* The daemon on itself (its own threads included) is not an attack. */
	return !is_daemon(bpf_get_current_task_btf(), tgid);
}

#endif
