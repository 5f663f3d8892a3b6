/* SPDX-License-Identifier: GPL-2.0-only */
/* The daemon behind `imaguard run`: its options, and where it keeps what
 * `status` and `stop` read. */
#ifndef IMAGUARD_DAEMON_H
#define IMAGUARD_DAEMON_H

#include <stdbool.h>

#include "imaguard/enforcer.h"

#define PIN_DIR_DEFAULT "/sys/fs/bpf/imaguard"
#define AUDIT_LOG_DEFAULT "/var/log/imaguard/audit.log"
#define STATUS_FILE "status.json"
#define LOCK_FILE "run.lock"
/* Locked mode's hand-over: `stop --unlock` puts the token here and sends
 * SIGTERM; the daemon answers a refusal in UNLOCK_RESULT_FILE. */
#define UNLOCK_TOKEN_FILE "unlock.token"
#define UNLOCK_RESULT_FILE "unlock.result"
#define TRUST_MAX 16

struct daemon_opts {
	const char *allowlist, *sig, *rules, *audit_log, *state_dir, *pidfile, *pin_dir;
	const char *ecs_log;	/* NULL, or the ECS copy of the audit log */
	const char *trust[TRUST_MAX];
	int ntrust;
	int ntrust_file;	/* of them from the config file, until the command line gives one */
	enum ig_mode mode;
	unsigned int trust_fs;	/* enum ig_trust_fs bits (--trust-fs, repeatable) */
	unsigned int kbuf_allow;	/* 1 << enum ig_kread (--allow-kernel-buffer) */
	bool log_all;
	bool unpin;
	bool locked;		/* SIGTERM stops only with a valid unlock token */
	int summary_s;
};

/* The daemon with options o, until a signal stops it: an exit status (EXIT_*). */
int daemon_run(const struct daemon_opts *o);

#endif
