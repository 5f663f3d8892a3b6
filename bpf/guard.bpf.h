/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The daemon's own protection: no other process, root included, may stop,
 * kill, trace, read or write the memory of, or change the limits of the
 * running daemon (`imaguard run`). Who the daemon is comes from
 * tamper.bpf.h, the same name that guards the chain's objects: the tgid
 * in ig_guard_tgid, set by the loader (or claimed by a restarted daemon
 * adopting the chain) and cleared by the kernel as its leader exits, so
 * that a pid given later to another process is never guarded. A chain
 * without a daemon (the test driver, a pinned chain between two runs)
 * guards no process.
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
 * Each refusal is a `tamper` event (tamper_emit: IG_GUARD_DAEMON, its
 * tgid) and counted. All of it holds in monitor mode too: the daemon is
 * what records. Included after tamper.bpf.h.
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

/* The daemon's tgid, read once by each program; 0: none runs. */
static __always_inline __u32 daemon_tgid(void)
{
	return (__u32)*(volatile __u64 *)&ig_guard_tgid;
}

/* Whether the caller belongs to the daemon (its own threads included). */
static __always_inline bool current_is_daemon(__u32 tgid)
{
	return tgid && (__u32)(bpf_get_current_pid_tgid() >> 32) == tgid;
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

/* The refusal of an attempt on the daemon, recorded (closed). */
static __always_inline int daemon_refuse(__u32 what, __u32 detail, __u32 tgid)
{
	tamper_emit(what, IG_GUARD_DAEMON, tgid, detail, NULL);
	return -EPERM;
}

/* Whether the caller is someone other than the daemon reaching target,
 * the daemon's: then refused. tgid: the daemon's, read once. */
static __always_inline bool aims_at_daemon(struct task_struct *target, __u32 tgid)
{
	if (!tgid || !target || (__u32)target->tgid != tgid)
		return false; /* not the daemon (or none runs): not this guard's */
	/* The daemon on itself (its own threads included) is not an attack. */
	return !current_is_daemon(tgid);
}

#endif
