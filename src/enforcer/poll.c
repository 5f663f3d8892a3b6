// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "enforcer/priv.h"
#include "util/log.h"

/* Stage 3 sends the header plus path_len bytes of path. */
_Static_assert(IG_EVENT_HDR_LEN + IG_PATH_MAX <= sizeof(struct ig_event), "event layout");

int enforcer_on_ringbuf(void *ctx, void *data, size_t size)
{
	struct enforcer *e = ctx;
	struct ig_event ev;

	if (size < IG_EVENT_HDR_LEN || size > sizeof(ev)) {
		pr_warn("dropping malformed event of %zu bytes", size);
		return 0;
	}
	memset(&ev, 0, sizeof(ev));
	memcpy(&ev, data, size);
	ev.path[IG_PATH_MAX - 1] = '\0';
	if (e->probe_pid && (ev.flags & IG_F_PROBE) && ev.pid == (__u32)e->probe_pid) {
		*e->probe_ev = ev;
		e->probe_seen = true;
		return 0;
	}
	return e->handler ? e->handler(e->handler_ctx, &ev) : 0;
}

void enforcer_set_handler(struct enforcer *e, enforcer_event_fn fn, void *ctx)
{
	e->handler = fn;
	e->handler_ctx = ctx;
}

int enforcer_epoll_fd(const struct enforcer *e)
{
	return ring_buffer__epoll_fd(e->rb);
}

/*
 * Routine events arrive without a wakeup (bpf/enforcer.bpf.c, wakeup_flags),
 * so a wait is cut into slices of at most POLL_SLICE_MS, each followed by a
 * drain: an event waits at most a slice, and a busy system wakes the reader
 * once per batch.
 */
#define POLL_SLICE_MS 50

/* The programs that forget remembered names once a move or a mount change
 * is done (bpf/enforcer.bpf.c, names_changed). */
static const enum aux names_watchers[] = {
	AUX_RENAME, AUX_MOUNT, AUX_UMOUNT, AUX_MOVE_MOUNT, AUX_PIVOTROOT, AUX_DETACH,
};

/* The runs of aux program a the kernel skipped; -errno when it cannot tell. */
static long long aux_misses(const struct enforcer *e, enum aux a)
{
	struct bpf_link_info link = {};
	struct bpf_prog_info info = {};
	__u32 link_len = sizeof(link), info_len = sizeof(info);
	int fd, err = 0;

	if (e->skel) {
		fd = bpf_program__fd(aux_prog(e, a));
		if (bpf_obj_get_info_by_fd(fd, &info, &info_len))
			return -errno;
		return (long long)info.recursion_misses;
	}
	/* Adopted: the program behind the pinned link. */
	if (!e->aux_links[a] ||
	    bpf_obj_get_info_by_fd(bpf_link__fd(e->aux_links[a]), &link, &link_len))
		return e->aux_links[a] ? -errno : -EBADF;
	fd = bpf_prog_get_fd_by_id(link.prog_id);
	if (fd < 0)
		return -errno;
	if (bpf_obj_get_info_by_fd(fd, &info, &info_len))
		err = -errno;
	close(fd);
	return err ? err : (long long)info.recursion_misses;
}

#define NAMES_CHECK_MS 100
#define NAMES_WARN_MS 60000

/* The last look found nothing owed: names may be recalled for
 * IG_NAMES_FRESH_MS from then (where the kernel needs the heartbeat). */
static int names_fresh_from(struct enforcer *e, const struct timespec *now)
{
	unsigned long long ns;

	if (!e->names_heartbeat)
		return 0;
	ns = (unsigned long long)now->tv_sec * 1000000000ULL + (unsigned long long)now->tv_nsec +
	     IG_NAMES_FRESH_MS * 1000000ULL;
	return BSS_SET(e, ig_names_until, ns);
}

/*
 * The watchers are fexit programs, and the kernel skips a run of one (a
 * "recursion miss") on a CPU where another task is inside it: one that was
 * preempted there, which only a kernel preemptible everywhere does
 * (preempt=full; none were ever seen without it). The bump that run owed
 * is lost, and names remembered before the change would be trusted after
 * it. So each poll, at most every NAMES_CHECK_MS, looks at the watchers'
 * misses, and a new one forgets every remembered name, by the rules
 * generation that every name key carries. Until then a name may be stale.
 * A bump that fails is owed still: the misses stay uncounted, and the next
 * poll tries again at once.
 */
static void names_check(struct enforcer *e)
{
	unsigned long long total = 0;
	struct timespec now;
	int err = 0, bump;

	/* With the heartbeat, every tick of a daemon's poll (DRAIN_MS) looks,
	 * so that names stay fresh while it runs. */
	if (e->names_checked.tv_sec &&
	    elapsed_ms(&e->names_checked) < (e->names_heartbeat ? NAMES_CHECK_MS / 2
								: NAMES_CHECK_MS))
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	e->names_checked = now;
	for (size_t i = 0; i < sizeof(names_watchers) / sizeof(names_watchers[0]); i++) {
		long long n = aux_misses(e, names_watchers[i]);

		if (n < 0)
			err = (int)-n;
		else
			total += (unsigned long long)n;
	}
	/* Fail safe: runs that cannot be counted are taken as missed. */
	if (!err && total <= e->names_missed) {
		names_fresh_from(e, &now);
		return;
	}
	bump = bss_bump_rules_gen(e);
	if (bump) {
		e->names_checked.tv_sec = 0; /* owed: again at the next poll */
		if (!e->names_warned.tv_sec || elapsed_ms(&e->names_warned) >= NAMES_WARN_MS) {
			pr_warn("cannot forget the remembered names after missed runs of the "
				"programs that follow renames and mounts: %s: trying again",
				strerror(-bump));
			e->names_warned = now;
		}
		return;
	}
	if (!e->names_warned.tv_sec || elapsed_ms(&e->names_warned) >= NAMES_WARN_MS) {
		if (err)
			pr_warn("cannot count the runs of the programs that follow renames and "
				"mounts: %s: every remembered name is forgotten", strerror(err));
		else
			pr_warn("the kernel skipped %llu run(s) of the programs that follow renames "
				"and mounts (recursion misses: it preempts everywhere, preempt=full): "
				"every remembered name is forgotten", total);
		e->names_warned = now;
	}
	if (total > e->names_missed)
		e->names_missed = total;
	if (!err)
		names_fresh_from(e, &now);
}

/*
 * When the rules' identities are resolved again (maps_idents_refresh): within
 * IDENTS_CHECK_MS of a change of init's mount table (a file system mounted
 * below a tree rule, a mount over a rule's directory), which poll(2) on
 * the table tells at the cost of one call; every IDENTS_SWEEP_MS whatever
 * changed (a rule path made after the load, more than a directory deep:
 * the kernel finds a rule's own directory made again by its name alone).
 * A look that takes longer (thousands of rules, a huge mount table) spaces
 * the next IDENTS_COST_SHARE times its own CPU time apart: at most 1 % of a
 * CPU. The flip a change puts in force is not counted: it is rare.
 */
#define IDENTS_CHECK_MS 100
#define IDENTS_SWEEP_MS 1000
#define IDENTS_COST_SHARE 100
#define IDENTS_WARN_MS 60000

void poll_mounts_watch(struct enforcer *e)
{
	if (e->mounts_open)
		return;
	e->mounts_open = true;
	e->mounts_fd = open("/proc/1/mountinfo", O_RDONLY | O_CLOEXEC);
	if (e->mounts_fd < 0)
		e->mounts_fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
}

/* Has init's mount table changed since the last look? Yes when it cannot
 * be told (fails safe: resolved again at every check). */
static bool mounts_changed(struct enforcer *e)
{
	struct pollfd p = { .fd = e->mounts_fd, .events = POLLPRI };

	if (!e->mounts_open || p.fd < 0 || poll(&p, 1, 0) < 0)
		return true;
	return p.revents & (POLLPRI | POLLERR);
}

static void idents_check(struct enforcer *e)
{
	long long cost_ns, every;
	struct timespec now;
	long since;
	int err;

	if (!e->nrules)
		return; /* no policy of ours: nothing was resolved */
	/* The load resolved them first (rules_keep set the time). */
	since = elapsed_ms(&e->idents_checked);
	if (since < e->idents_every_ms)
		return;
	if (since < IDENTS_SWEEP_MS && !mounts_changed(e))
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	e->idents_checked = now;
	err = maps_idents_refresh(e, &cost_ns);
	/* Its CPU time, not the wall's: a loaded host stretches the latter. */
	every = cost_ns / 1000000 * IDENTS_COST_SHARE;
	e->idents_every_ms = every > IDENTS_CHECK_MS ? (long)every : IDENTS_CHECK_MS;
	if (!err || (e->idents_warned.tv_sec && elapsed_ms(&e->idents_warned) < IDENTS_WARN_MS))
		return;
	pr_warn("cannot resolve the rules' identities again: %s: those in force stay, trying "
		"again", strerror(-err));
	e->idents_warned = now;
}

unsigned long long enforcer_names_missed(const struct enforcer *e)
{
	return e->names_missed;
}

int enforcer_poll(struct enforcer *e, int timeout_ms)
{
	struct timespec t0;

	guard_check(e);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		long left = timeout_ms < 0 ? POLL_SLICE_MS : timeout_ms - elapsed_ms(&t0);
		int n = ring_buffer__poll(e->rb, left < POLL_SLICE_MS ? (int)(left > 0 ? left : 0)
								      : POLL_SLICE_MS);
		int m;

		names_check(e); /* every slice: a long wait keeps names fresh */
		idents_check(e);
		if (n < 0)
			return n;
		m = ring_buffer__consume(e->rb);
		if (m < 0)
			return m;
		if (n + m > 0 || (timeout_ms >= 0 && elapsed_ms(&t0) >= timeout_ms))
			return n + m;
	}
}
