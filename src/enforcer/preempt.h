/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Can this kernel preempt a task inside a BPF program, and so skip a
 * watcher's run (poll.c, names_check)? No libbpf here, so that it can be
 * tested alone on made-up sources.
 */
#ifndef IMAGUARD_ENFORCER_PREEMPT_H
#define IMAGUARD_ENFORCER_PREEMPT_H

#include <stdbool.h>

/* Where the answer is read from. */
struct enforcer_preempt_src {
	const char *debugfs;	/* the model in force: /sys/kernel/debug/sched/preempt */
	const char *version;	/* the build's: uname -v */
	const char *release;	/* uname -r, naming the build's config-<release> */
	const char *cmdline;	/* the boot line: /proc/cmdline */
	const char *boot;	/* the directory of config-<release>: /boot */
};

/*
 * Preemptible everywhere (preempt=full, PREEMPT_RT, the lazy model)? The
 * model in force, where debugfs shows it; else the build's, and, for a
 * kernel that picks its model at boot (PREEMPT_DYNAMIC), the boot line's
 * or the build's default from its config. What cannot be told counts as
 * yes (fails safe: names then need the heartbeat).
 */
bool enforcer_preempts_in(const struct enforcer_preempt_src *src);

/* The same for the running kernel, from its own sources. */
bool enforcer_preempts_everywhere(void);

#endif
