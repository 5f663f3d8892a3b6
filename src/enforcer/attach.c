// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "enforcer/priv.h"
#include "util/log.h"

#define PROBE_TIMEOUT_MS 5000

static void detach_all(struct enforcer *e)
{
	for (int h = 0; h < IG_HOOK_MAX; h++)
		for (int s = 0; s < 3; s++) {
			bpf_link__destroy(e->links[h][s]);
			e->links[h][s] = NULL;
		}
	for (int a = 0; a < AUX_MAX; a++) {
		bpf_link__destroy(e->aux_links[a]);
		e->aux_links[a] = NULL;
	}
}

static int attach_all(struct enforcer *e, bool reversed)
{
	/* The caches' invalidation first, and a new epoch: whatever changed
	 * while nothing watched makes every older entry stale. */
	for (int a = 0; a < AUX_MAX; a++) {
		if (!aux_used(e, a))
			continue;
		e->aux_links[a] = bpf_program__attach(aux_prog(e, a)); /* LSM or fexit */
		if (!e->aux_links[a]) {
			int err = -errno;

			pr_err("cannot attach '%s': %s", bpf_program__name(aux_prog(e, a)),
			       strerror(-err));
			detach_all(e);
			return err;
		}
	}
	e->skel->bss->ig_cache_epoch++;
	/* Stale names are forgotten with the epoch, and the first poll's
	 * check makes them fresh: none is trusted before it. */
	e->skel->bss->ig_names_until = 0;
	for (int h = 0; h < IG_HOOK_MAX; h++) {
		for (int i = 0; i < 3; i++) {
			/* Normal: stage 3 first, so that it runs last. */
			int s = reversed ? i : 2 - i;
			int err;

			if (!stage_prog(e, h, s))
				continue;
			e->links[h][s] = bpf_program__attach_lsm(stage_prog(e, h, s));
			if (!e->links[h][s]) {
				err = -errno;
				pr_err("cannot attach '%s': %s", bpf_program__name(stage_prog(e, h, s)),
				       strerror(-err));
				detach_all(e);
				return err;
			}
		}
	}
	e->reversed = reversed;
	return 0;
}

/*
 * Stage 1 hands its record to stage 3 through stage 2, which sleeps in
 * bpf_ima_file_hash, and stage 1 itself can be preempted where the kernel
 * preempts everywhere. A kernel that skips a program entered on a CPU where
 * another task is still inside it (a recursion guard on LSM programs) would
 * skip a stage of whichever task came second: its access passes unjudged,
 * or is refused for a stage that never ran. Probed once per process: the
 * kernel does not change under it. Fails closed: a kernel that guards, or a
 * probe that cannot tell, loads no chain.
 */
static int reentry_check(const struct enforcer *e)
{
	static bool proven;
	int r;

	if (proven && !e->reentry_probe_tracing)
		return 0;
	r = enforcer_reentry_probe(e->reentry_probe_tracing);
	if (r == 0) {
		proven = !e->reentry_probe_tracing;
		return 0;
	}
	if (r == 1) {
		pr_err("this kernel skips a BPF-LSM program entered on a CPU where another task "
		       "is still inside it (a recursion guard): a stage of the chain could be "
		       "skipped, so it is not loaded; use a kernel that runs LSM programs "
		       "without that guard");
		return -EOPNOTSUPP;
	}
	pr_err("cannot tell whether this kernel skips a BPF-LSM program entered again on a "
	       "CPU: %s: the chain is not loaded (the probe needs userfaultfd and "
	       "sched_setaffinity)", strerror(-r));
	return r;
}

int enforcer_attach(struct enforcer *e, const char *prove_path)
{
	struct ig_event ev;
	int err;

	err = reentry_check(e);
	if (err)
		return err;
	for (int attempt = 0; attempt < 2; attempt++) {
		bool reversed = attempt == 1;

		err = attach_all(e, reversed);
		if (err)
			return err;
		err = enforcer_probe(e, prove_path, &ev);
		if (err == 0 && ev.stages == IG_STAGES_ALL && !(ev.flags & IG_F_ORDER_BAD)) {
			e->proof = ev;
			err = guard_add_links(e);
			if (err) {
				detach_all(e);
				return err;
			}
			pr_debug("chain order proven with attach order %s",
				 enforcer_attach_order(e));
			/* Every exec from now on is seen: those running
			 * before get their mark here (fails open: unmarked,
			 * their scripts go unjudged, as before). */
			err = enforcer_interp_mark_running(e);
			if (err)
				pr_warn("cannot mark the interpreters already running: %s",
					strerror(-err));
			return 0;
		}
		pr_warn("attach order %s failed the probe: stages %#x, flags %#x, %s",
			enforcer_attach_order(e), err ? 0 : ev.stages, err ? 0 : ev.flags,
			err ? strerror(-err) : "no error");
		detach_all(e);
	}
	pr_err("cannot prove the order of the three programs on this kernel: the probe exec "
	       "of '%s' did not run filter, measure, emit in order with either attach order",
	       prove_path);
	return -ENOTRECOVERABLE;
}

int enforcer_ima_check(const struct enforcer *e)
{
	const struct ig_event *ev = &e->proof;

	if (ev->flags & IG_F_HASHED)
		return 0;
	if (ev->hash_error == -EPROTONOSUPPORT) {
		pr_warn("IMA hashes with algorithm %d, not SHA-256: every measurement is a hash "
			"error; boot with ima_hash=sha256", ev->hash_algo);
		return -EPROTONOSUPPORT;
	}
	pr_warn("bpf_ima_file_hash failed on '%s': %s: is IMA built in (CONFIG_IMA=y)?",
		ev->path, strerror(-ev->hash_error));
	return ev->hash_error ? ev->hash_error : -EIO;
}

void enforcer_detach(struct enforcer *e)
{
	detach_all(e);
}

const char *enforcer_attach_order(const struct enforcer *e)
{
	return e->reversed ? "1,2,3" : "3,2,1";
}

int enforcer_probe(struct enforcer *e, const char *path, struct ig_event *ev)
{
	int go[2], status, err = 0;
	struct timespec t0;
	pid_t pid;
	char c = 0;

	if (pipe2(go, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0) {
		err = -errno;
		close(go[0]);
		close(go[1]);
		return err;
	}
	if (pid == 0) {
		char *const argv[] = { (char *)path, NULL };
		int null = open("/dev/null", O_RDWR);

		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(126);
		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 1);
			dup2(null, 2);
		}
		execv(path, argv);
		_exit(errno == EPERM ? 0 : 100 + (errno & 0x7f));
	}
	close(go[0]);
	BSS_SET(e, ig_probe_tgid, pid);
	e->probe_pid = pid;
	e->probe_seen = false;
	e->probe_ev = ev;
	if (write(go[1], &c, 1) != 1)
		err = -errno;
	close(go[1]);
	if (waitpid(pid, &status, 0) < 0 && !err)
		err = -errno;
	BSS_SET(e, ig_probe_tgid, 0);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (!err && !e->probe_seen && elapsed_ms(&t0) < PROBE_TIMEOUT_MS) {
		int n = enforcer_poll(e, 100);

		if (n < 0 && n != -EINTR)
			err = n;
	}
	e->probe_pid = 0;
	if (err)
		return err;
	if (!WIFEXITED(status))
		return -ECHILD;
	if (WEXITSTATUS(status) >= 100) {
		/* The exec failed before the hook, or ran (the chain did not refuse it). */
		return -(WEXITSTATUS(status) - 100);
	}
	if (WEXITSTATUS(status) != 0 || !e->probe_seen)
		return -ENODATA;
	return 0;
}
