/* SPDX-License-Identifier: GPL-2.0-only */
/* Shared between the enforcer's own files only: the state of one chain,
 * the names its maps and programs are pinned under, and the helpers that
 * reach its globals. */
#ifndef IMAGUARD_ENFORCER_PRIV_H
#define IMAGUARD_ENFORCER_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "enforcer/enforcer.h"
#include "enforcer/idents.h"
#include "enforcer.skel.h"

/* The maps a running chain is reached through, pinned under these names. */
enum emap {
	EM_EVENTS, EM_COUNTERS, EM_RULES, EM_ALLOW, EM_RODATA, EM_BSS, EM_FOLDS, EM_QUIESCE,
	EM_INTERPS, EM_SCRIPT_EXTS, EM_GUARD, EM_GUARD_IDS, EM_IDENTS,
	EM_MAX
};
static const char *const emap_names[EM_MAX] = {
	"events", "counters", "rules", "allowlist", "rodata", "bss", "folds", "quiesce",
	"interps", "script-exts", "guard", "guard-ids", "idents",
};

/* Programs outside the chain, attached before it and pinned as link-<name>:
 * those that keep its caches honest, the one judging a mprotect that
 * makes a file mapping executable (one program: it cannot measure), those
 * that guard the daemon, and those judging code the kernel reads. */
enum aux {
	AUX_TRUNCATE, AUX_RENAME, AUX_MOUNT, AUX_UMOUNT, AUX_MOVE_MOUNT, AUX_PIVOTROOT,
	AUX_DETACH, AUX_INSTANTIATE, AUX_MPROTECT,
	/* the guard of the daemon (bpf/guard.bpf.h) and of the chain's own
	 * objects (bpf/tamper.bpf.h), and who the daemon is */
	AUX_GUARD_EXIT, AUX_GUARD_KILL, AUX_GUARD_PTRACE, AUX_GUARD_RLIMIT,
	AUX_GUARD_MAP, AUX_GUARD_PROG, AUX_GUARD_BPF, AUX_GUARD_PIN_OPEN,
	AUX_GUARD_UNLINK, AUX_GUARD_RMDIR, AUX_GUARD_RENAME, AUX_GUARD_UMOUNT,
	AUX_KREAD, AUX_KLOAD,
	AUX_INTERP_COMMIT, AUX_INTERP_FORK,
	AUX_MAP_END,
	AUX_LW_CLOSE, AUX_LW_FREE,
	AUX_MAX
};
static const char *const aux_names[AUX_MAX] = {
	"truncate", "rename", "mount", "umount", "move-mount", "pivotroot", "detach-mounts",
	"instantiate", "mprotect",
	"guard-exit", "guard-kill", "guard-ptrace", "guard-rlimit",
	"guard-map", "guard-prog", "guard-bpf", "guard-pin-open", "guard-unlink",
	"guard-rmdir", "guard-rename", "guard-umount",
	"kernel-read", "kernel-load",
	"interp-commit", "interp-fork",
	"map-end",
	"lastwriter-close", "lastwriter-free",
};

/* The map-in-map arrays a policy keeps one inner map in, per slot: all of
 * them are filled in the idle slot and put in force by one flip. */
enum policy_map { PM_RULES, PM_ALLOW, PM_INTERPS, PM_EXTS, PM_IDENTS, POLICY_MAPS };
static const int policy_maps[POLICY_MAPS] = {
	[PM_RULES] = EM_RULES, [PM_ALLOW] = EM_ALLOW,
	[PM_INTERPS] = EM_INTERPS, [PM_EXTS] = EM_SCRIPT_EXTS, [PM_IDENTS] = EM_IDENTS,
};
static const char *const policy_map_names[POLICY_MAPS] = {
	"rules", "allowlist", "interpreters", "code extensions", "rule identities",
};

struct enforcer {
	struct enforcer_bpf *skel;	/* NULL for an adopted chain */
	int fds[EM_MAX];		/* the skeleton's, or owned when adopted */
	bool adopted;
	enum ig_mode mode;
	unsigned int trust_fs;		/* enum ig_trust_fs bits the chain was loaded with */
	unsigned int kbuf_allow;	/* 1 << enum ig_kread, the same */
	struct ring_buffer *rb;
	struct bpf_link *links[IG_HOOK_MAX][3];
	struct bpf_link *aux_links[AUX_MAX];
	__u64 hash_seed;
	bool reversed;			/* attached 1,2,3 instead of 3,2,1 */
	bool script_post_open;		/* the script chain is on file_post_open, not file_open */
	bool lw_release;		/* closes are watched at file_release, not ima_file_free */
	bool reentry_probe_tracing;	/* enforcer_opts' */
	struct ig_event proof;		/* the order probe's event */
	enforcer_event_fn handler;
	void *handler_ctx;
	/* probe in flight */
	pid_t probe_pid;
	bool probe_seen;
	struct ig_event *probe_ev;
	__u64 *folds;			/* the folds map, mapped by enforcer_fold_counts */
	/* names_check: the watchers' skipped runs seen so far, and when;
	 * whether names need its heartbeat (the ig_names_heartbeat knob) */
	__u64 names_missed;
	struct timespec names_checked, names_warned;
	bool names_heartbeat;
	/* guard.c: the tags of the programs each link must run (tags_known),
	 * the policy this daemon put in force (policy_slot -1: none yet), and
	 * what the checks found (one record per kind until it is mended). */
	bool guard;
	bool tags_known;
	__u8 tags[IG_HOOK_MAX][3][BPF_TAG_SIZE];
	__u8 aux_tags[AUX_MAX][BPF_TAG_SIZE];
	int policy_slot;
	__u32 policy_ids[POLICY_MAPS];	/* the inner maps' ids, in policy_maps order */
	/* The interpreters and code extensions the next enforcer_set_policy
	 * puts in force with its rules and allowlist (exts NULL: the
	 * defaults). */
	__u8 (*interps_next)[IG_SHA256_LEN];
	size_t ninterps_next;
	struct ig_ext_key *exts_next;
	size_t nexts_next;
	/* Every interpreter digest a policy of this chain named, at its index
	 * - 1: a digest keeps its index for the chain's life (an adopted
	 * chain's are read back from both slots), so that an event's interp
	 * names one program whichever policy judged it. */
	__u8 (*interp_ids)[IG_SHA256_LEN];
	size_t ninterp_ids;
	struct timespec guard_checked;
	/* idents_check: the rules this daemon put in force (paths copied)
	 * and the identities they had at the last look, and when that was
	 * and a failure last said (enforcer/maps.c, enforcer_idents_refresh). */
	struct enforcer_rule *rules;
	size_t nrules;
	struct ident_entry *idents;
	size_t nidents;
	struct timespec idents_checked, idents_warned;
	long idents_every_ms;		/* poll.c: from one look to the next */
	int mounts_fd;			/* init's mount table, polled for changes */
	bool mounts_open;		/* mounts_fd opened (or tried) */
	unsigned int tamper_seen;	/* bit (1 << IG_TAMPER_*) reported and not mended */
	unsigned long long tamper_found;
};

/* The globals as they are: mapped with the skeleton, else read from the map. */
static inline int bss_read(const struct enforcer *e, struct enforcer_bpf__bss *bss)
{
	__u32 zero = 0;

	if (e->skel) {
		*bss = *e->skel->bss;
		return 0;
	}
	return bpf_map_lookup_elem(e->fds[EM_BSS], &zero, bss) ? -errno : 0;
}

/* Store len bytes of v at off in the globals. */
static inline int bss_set(struct enforcer *e, size_t off, const void *v, size_t len)
{
	struct enforcer_bpf__bss bss;
	__u32 zero = 0;
	int err;

	if (e->skel) { /* mapped: a plain store */
		memcpy((char *)e->skel->bss + off, v, len);
		return 0;
	}
	err = bss_read(e, &bss);
	if (err)
		return err;
	memcpy((char *)&bss + off, v, len);
	return bpf_map_update_elem(e->fds[EM_BSS], &zero, &bss, BPF_ANY) ? -errno : 0;
}

static inline int bss_set_u32(struct enforcer *e, size_t off, __u32 v)
{
	return bss_set(e, off, &v, sizeof(v));
}

static inline int bss_set_u64(struct enforcer *e, size_t off, __u64 v)
{
	return bss_set(e, off, &v, sizeof(v));
}

/* Store v in the global field, at its own width (32 or 64 bits). */
#define BSS_FIELD_SIZE(field) sizeof(((struct enforcer_bpf__bss *)0)->field)
#define BSS_SET(e, field, v)                                                              \
	(BSS_FIELD_SIZE(field) == sizeof(__u64)                                           \
		 ? bss_set_u64(e, offsetof(struct enforcer_bpf__bss, field), (__u64)(v))  \
		 : bss_set_u32(e, offsetof(struct enforcer_bpf__bss, field), (__u32)(v)))

/* Remembered unwatched opens were judged under the old rules: forget them.
 * 0, or the error that left them remembered. */
static inline int bss_bump_rules_gen(struct enforcer *e)
{
	struct enforcer_bpf__bss bss;
	int err;

	if (e->skel) {
		__atomic_fetch_add(&e->skel->bss->ig_rules_gen, 1, __ATOMIC_SEQ_CST);
		return 0;
	}
	err = bss_read(e, &bss);
	return err ? err : BSS_SET(e, ig_rules_gen, bss.ig_rules_gen + 1);
}

/*
 * Put the policy word in force (its low bit the slot; one more than the
 * word before, so that a task's interpreter mark resolved under another
 * policy is told apart: bpf/interp.bpf.h) and forget what was remembered
 * under the old one, in one write where the globals are reached through
 * the map: a slot is filled again at the next swap, so it must never meet
 * its names of the time before (struct ig_name_key).
 */
static inline int bss_flip_policy(struct enforcer *e, __u32 word)
{
	struct enforcer_bpf__bss bss;
	__u32 zero = 0;
	int err;

	if (e->skel) {
		__atomic_store_n(&e->skel->bss->ig_policy, word, __ATOMIC_SEQ_CST);
		__atomic_fetch_add(&e->skel->bss->ig_rules_gen, 1, __ATOMIC_SEQ_CST);
		return 0;
	}
	err = bss_read(e, &bss);
	if (err)
		return err;
	bss.ig_policy = word;
	bss.ig_rules_gen++;
	return bpf_map_update_elem(e->fds[EM_BSS], &zero, &bss, BPF_ANY) ? -errno : 0;
}

/* After the attach: mark every task running one of the in-force policy's
 * interpreters since before it (interp.c); 0 or a negative errno. */
int enforcer_interp_mark_running(struct enforcer *e);

/* Which of the hooks the chain chooses between the running kernel has
 * (file_post_open, file_release), from one read of its BTF; no BTF: none. */
void enforcer_kernel_hooks(bool *post_open, bool *release);
/* Which of the script hook's two program sets e's object loads (opened,
 * not loaded yet): file_post_open's, or file_open's. */
void enforcer_script_set(struct enforcer *e, bool post_open);
/* Which programs e's object loads (opened, not loaded yet) to watch
 * writers' closes: ig_lw_release at file_release, where the kernel has
 * it, else ig_lw_close and ig_lw_free (bpf/lastwriter.bpf.h). */
void enforcer_lastwriter_set(struct enforcer *e, bool release);
/* Both choices above as like made them: e's object (opened, not loaded
 * yet) then loads the programs like's runs. */
void enforcer_sets_like(struct enforcer *e, const struct enforcer *like);

/* Hook h's stage st (0 filter, 1 measure, 2 emit) program, of the set this
 * enforcer loaded (the script hook has two: see enforcer_open); NULL for
 * a hook with none. */
static inline struct bpf_program *stage_prog(const struct enforcer *e, int h, int st)
{
	const struct enforcer_bpf *s = e->skel;
	struct bpf_program *const p[IG_HOOK_MAX][3] = {
		[IG_HOOK_EXEC] = { s->progs.ig_exec_filter, s->progs.ig_exec_measure,
				   s->progs.ig_exec_emit },
		[IG_HOOK_MMAP] = { s->progs.ig_mmap_filter, s->progs.ig_mmap_measure,
				   s->progs.ig_mmap_emit },
		[IG_HOOK_OPEN] = { s->progs.ig_open_filter, s->progs.ig_open_measure,
				   s->progs.ig_open_emit },
		[IG_HOOK_SCRIPT] = { s->progs.ig_script_filter, s->progs.ig_script_measure,
				     s->progs.ig_script_emit },
	};

	if (h == IG_HOOK_SCRIPT && !e->script_post_open) {
		struct bpf_program *const o[3] = { s->progs.ig_script_open_filter,
						   s->progs.ig_script_open_measure,
						   s->progs.ig_script_open_emit };
		return o[st];
	}
	return h >= 0 && h < IG_HOOK_MAX && st >= 0 && st < 3 ? p[h][st] : NULL;
}

/* Whether aux program a is part of this chain: where closes are watched
 * at file_release, the one program there takes both slots' work, and the
 * second slot (lastwriter-free) has no program, link or pin. Needs no
 * skeleton (an adopted chain has none). */
static inline bool aux_used(const struct enforcer *e, enum aux a)
{
	return a != AUX_LW_FREE || !e->lw_release;
}

static inline struct bpf_program *aux_prog(const struct enforcer *e, enum aux a)
{
	const struct enforcer_bpf *s = e->skel;

	switch (a) {
	case AUX_TRUNCATE:	return s->progs.ig_truncate;
	case AUX_RENAME:	return s->progs.ig_names_rename;
	case AUX_MOUNT:		return s->progs.ig_names_mount;
	case AUX_UMOUNT:	return s->progs.ig_names_umount;
	case AUX_MOVE_MOUNT:	return s->progs.ig_names_move_mount;
	case AUX_PIVOTROOT:	return s->progs.ig_names_pivotroot;
	case AUX_DETACH:	return s->progs.ig_names_detach;
	case AUX_INSTANTIATE:	return s->progs.ig_names_instantiate;
	case AUX_MPROTECT:	return s->progs.ig_mprotect;
	case AUX_GUARD_EXIT:	return s->progs.ig_guard_exit;
	case AUX_GUARD_KILL:	return s->progs.ig_guard_kill;
	case AUX_GUARD_PTRACE:	return s->progs.ig_guard_ptrace;
	case AUX_GUARD_RLIMIT:	return s->progs.ig_guard_rlimit;
	case AUX_GUARD_MAP:	return s->progs.ig_guard_map;
	case AUX_GUARD_PROG:	return s->progs.ig_guard_prog;
	case AUX_GUARD_BPF:	return s->progs.ig_guard_bpf;
	case AUX_GUARD_PIN_OPEN: return s->progs.ig_guard_pin_open;
	case AUX_GUARD_UNLINK:	return s->progs.ig_guard_unlink;
	case AUX_GUARD_RMDIR:	return s->progs.ig_guard_rmdir;
	case AUX_GUARD_RENAME:	return s->progs.ig_guard_rename;
	case AUX_GUARD_UMOUNT:	return s->progs.ig_guard_umount;
	case AUX_KREAD:		return s->progs.ig_kread;
	case AUX_KLOAD:		return s->progs.ig_kload;
	case AUX_INTERP_COMMIT:	return s->progs.ig_interp_commit;
	case AUX_INTERP_FORK:	return s->progs.ig_interp_fork;
	case AUX_MAP_END:	return s->progs.ig_map_end;
	case AUX_LW_CLOSE:	return e->lw_release ? s->progs.ig_lw_release : s->progs.ig_lw_close;
	case AUX_LW_FREE:	return s->progs.ig_lw_free;
	default:		return NULL;
	}
}

static inline long elapsed_ms(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/* This thread's CPU time, in ns. */
static inline long long thread_cpu_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

#define FOLDS_BYTES ((size_t)IG_FOLD_SLOTS * sizeof(__u64))

/* The ring buffer's callback (poll.c): the probe's event, else the handler. */
int enforcer_on_ringbuf(void *ctx, void *data, size_t size);

/* maps.c: an adopted chain's interpreter indices, read back from both
 * policy slots (interp_ids). */
int maps_interp_ids_recover(struct enforcer *e);

/* maps.c: the rules' identities resolved again; where they differ from
 * those in force, a policy with the new ones and everything else as it is
 * goes in force by one flip. 0 (also when nothing changed) or -errno, the
 * identities in force then kept; *cost_ns: the CPU time the resolving
 * took this thread. */
int maps_idents_refresh(struct enforcer *e, long long *cost_ns);
/* poll.c: before a policy's identities are first resolved, init's mount
 * table is watched (poll(2) tells a change from then on), so that none
 * after that resolve goes unseen. */
void poll_mounts_watch(struct enforcer *e);
/* maps.c: what enforcer_free releases of the policy's copies. */
void maps_policy_free(struct enforcer *e);

/* guard.c: the guard of the chain's own objects (bpf/tamper.bpf.h). */
/* Before load: this process is the daemon, its executable the one that may
 * adopt the chain once it is gone. */
int guard_arm(struct enforcer *e);
/* After load: every map and program of the object is guarded. */
int guard_add_object(struct enforcer *e);
/* One more object (kind enum ig_guard_kind) by its fd; drop one by id. */
int guard_add_fd(struct enforcer *e, __u32 kind, int fd);
void guard_drop(struct enforcer *e, __u32 kind, __u32 id);
/* After attach: the links, and the tags their programs must keep. */
int guard_add_links(struct enforcer *e);
/* After pin: the pin directory and the links' pins. */
int guard_add_pins(struct enforcer *e, const char *dir);
/* Adoption: the pinned links run this build's programs, or -ESTALE. */
int guard_adopt_tags(struct enforcer *e, const char *dir);
/* Every poll, at most once a second: links, tags and policy as they were
 * left; what differs is handed to the handler as a tamper event. */
void guard_check(struct enforcer *e);
/* The id of the map, program or link behind fd; 0 when it cannot be told. */
__u32 guard_obj_id(int fd);

#endif
