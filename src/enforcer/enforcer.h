/* SPDX-License-Identifier: GPL-2.0-only */
/* Userspace side of the enforcer unit: open, load, attach in a proven order,
 * consume events, read counters. Layouts: include/imaguard/enforcer.h. */
#ifndef IMAGUARD_SRC_ENFORCER_H
#define IMAGUARD_SRC_ENFORCER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "imaguard/enforcer.h"

struct enforcer;

struct enforcer_opts {
	enum ig_mode mode;
	unsigned int ringbuf_bytes;	/* 0: the object's default; else a power of two >= page */
	unsigned int trust_fs;		/* enum ig_trust_fs bits */
	unsigned int kbuf_allow;	/* 1 << enum ig_kread: kinds allowed from a buffer */
	/* Judge interpreters' code at file_open even where file_post_open
	 * exists (to show what that hook can measure; see docs/design.md). */
	bool script_at_open;
	/* Guard the chain's own objects for this process (bpf/tamper.bpf.h):
	 * the daemon sets it, a test driver that must reach the maps does not. */
	bool guard;
	/* A test's: probe re-entry with the program every kernel guards, to
	 * show that enforcer_attach then refuses (enforcer_reentry_probe). */
	bool reentry_probe_tracing;
};

/* One path rule as the kernel sees it; its index is its position in the array. */
struct enforcer_rule {
	const char *path;	/* absolute and normalised; a directory ends in '/' */
	enum ig_rule_kind kind;	/* IG_RULE_EXACT, IG_RULE_DIR or IG_RULE_TREE */
	enum ig_action action;
	unsigned int hooks;	/* bit (1 << IG_HOOK_*) per hook */
};

/* One allowlist entry: the digest anywhere, or only at bind_path. */
struct enforcer_allow {
	__u8 digest[IG_SHA256_LEN];
	const char *bind_path;	/* NULL: any path */
};

/* Called for every event; a non-zero return stops enforcer_poll(). */
typedef int (*enforcer_event_fn)(void *ctx, const struct ig_event *ev);

/* 0 when "bpf" is in the active LSM list; otherwise a message names the fix. */
int enforcer_lsm_check(void);
/* Route libbpf's own messages through util/log (warnings; the rest at debug). */
void enforcer_log_libbpf(void);

int enforcer_open(struct enforcer **out, const struct enforcer_opts *opts);
/* Build complete new rules, allowlist, interpreter and code extension maps
 * (the last two as enforcer_set_interps and enforcer_set_script_exts left
 * them) and put all four in force in one step; on failure the old policy
 * stays whole. */
int enforcer_set_policy(struct enforcer *e, const struct enforcer_rule *rules, size_t nrules,
			const struct enforcer_allow *allow, size_t nallow);
/*
 * Interpreters, by digest (a renamed copy is still one): a task that execs
 * one has every file it opens for reading as code judged like an exec
 * (hook "script"). Kept for the next enforcer_set_policy, which puts them
 * in force with its rules and allowlist in one flip; 0 or a negative
 * errno. An event's interp field is the digest's index, the same for the
 * chain's life: enforcer_interp_digest names it.
 */
int enforcer_set_interps(struct enforcer *e, const __u8 (*digests)[IG_SHA256_LEN], size_t n);
/* The digest behind an event's interp index; false for none. */
bool enforcer_interp_digest(const struct enforcer *e, __u32 idx, __u8 digest[IG_SHA256_LEN]);
/* What makes a file code: its name's extension (without the '.', shorter
 * than IG_EXT_LEN; "" for a name with no '.'), "*" for every regular file.
 * Kept for the next enforcer_set_policy, as the interpreters are. */
int enforcer_set_script_exts(struct enforcer *e, const char *const *exts, size_t n);
/* The default code extensions (NULL-terminated). */
extern const char *const enforcer_script_exts_default[];
/* "file_post_open" or "file_open": where the script chain is attached. */
const char *enforcer_script_hook(const struct enforcer *e);
/* Whether the chain loaded its program of this name (of two alternatives,
 * the kernel may have the hook of one only): what a benchmark's floor
 * mirrors. */
bool enforcer_has_prog(const struct enforcer *e, const char *name);
/* The seeded path hash both sides use for rule and allowlist keys. */
__u64 enforcer_path_hash(const struct enforcer *e, const char *path, size_t len);
/*
 * Whether this kernel skips a BPF-LSM program entered on a CPU where another
 * task is still inside it (its recursion guard): 0 when it does not, 1 when
 * it does, or a negative errno when the probe could not tell. With tracing,
 * the same probe on a sleepable fentry program, which every kernel guards.
 * The chain needs 0: enforcer_attach refuses otherwise.
 */
int enforcer_reentry_probe(bool tracing);
/* Attach stage 3, 2, 1 and prove the order with a probe exec of prove_path;
 * re-attach the other way round if the kernel runs them reversed. */
int enforcer_attach(struct enforcer *e, const char *prove_path);
/* Destroy the links (maps and programs stay loaded); enforcer_attach may
 * attach again. Pinned links must be unpinned first to really detach. */
void enforcer_detach(struct enforcer *e);
/* After attach: 0 when the kernel's IMA gave the probe a full SHA-256; else a
 * warning naming the problem (another ima_hash, no IMA) and a negative errno. */
int enforcer_ima_check(const struct enforcer *e);
/* Exec path as a probe: measured by the chain, then refused. *ev gets its event. */
int enforcer_probe(struct enforcer *e, const char *path, struct ig_event *ev);
/* Events not consumed by a probe go to this callback. */
void enforcer_set_handler(struct enforcer *e, enforcer_event_fn fn, void *ctx);
int enforcer_poll(struct enforcer *e, int timeout_ms);
/* Runs of the programs that follow renames and mounts that the kernel
 * skipped, as the last poll counted them; each new one made every
 * remembered name forgotten. */
unsigned long long enforcer_names_missed(const struct enforcer *e);
/* An fd that polls readable when events are waiting (for the caller's epoll). */
int enforcer_epoll_fd(const struct enforcer *e);
int enforcer_counters(struct enforcer *e, struct ig_counters *sum);
/*
 * Folded repeats (struct ig_fold): once an allowed map has been sent, its
 * repeats are counted in the kernel instead of sent. fold_counts maps the
 * counters (IG_FOLD_SLOTS of them; [0] counts the slots taken; NULL with
 * errno when it cannot). fold_stop ends folding and returns once no program
 * can still count into the old epoch; fold_start, only after a stop, frees
 * every slot and begins a new epoch. Every event naming a slot of the old
 * epoch must be read in between (pipeline_folds_renew does all three).
 */
const volatile __u64 *enforcer_fold_counts(struct enforcer *e);
int enforcer_fold_stop(struct enforcer *e);
void enforcer_fold_start(struct enforcer *e);
/* "3,2,1" or "1,2,3": the attach order that was proven. */
const char *enforcer_attach_order(const struct enforcer *e);
/*
 * Pinning keeps enforcement when the daemon exits or dies: the links (an LSM
 * program stays attached only through its link) and the maps go under dir,
 * on bpffs. A later run adopts them without a gap; unpin removes them.
 */
int enforcer_pin(struct enforcer *e, const char *dir);
/* -ENOENT when nothing is pinned there. The caller becomes the chain's
 * daemon (bpf/tamper.bpf.h): only a daemon may adopt. */
int enforcer_adopt(struct enforcer **out, const char *dir);
/* The pinned chain's maps, read-only, for its counters and mode: what
 * status may read while a daemon holds the chain. No events, no links. */
int enforcer_adopt_readonly(struct enforcer **out, const char *dir);
/* Changes to the chain found by the checks since it was loaded or adopted
 * (links gone, programs replaced, another policy in force). */
unsigned long long enforcer_tamper_found(const struct enforcer *e);
/* Removes every pin under dir and dir itself; returns how many were found. */
int enforcer_unpin(const char *dir);
/* enforcer_unpin, unless a process other than this one and except holds the
 * chain (a daemon driving it): then -EBUSY, said why, nothing removed. */
int enforcer_unpin_unheld(const char *dir, pid_t except);
bool enforcer_adopted(const struct enforcer *e);
enum ig_mode enforcer_mode(const struct enforcer *e);
/* The enum ig_trust_fs bits the chain was loaded with. */
unsigned int enforcer_trust_fs(const struct enforcer *e);
/* The kinds of code (1 << enum ig_kread) the chain lets the kernel take
 * from a buffer. */
unsigned int enforcer_kbuf_allow(const struct enforcer *e);
/* Detaches the chain unless it is pinned; an adopted chain stays attached. */
void enforcer_free(struct enforcer *e);

#endif
