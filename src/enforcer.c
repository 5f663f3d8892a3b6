// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "enforcer.h"
#include "enforcer.skel.h"
#include "log.h"

#define LSM_LIST "/sys/kernel/security/lsm"
#define PROBE_TIMEOUT_MS 5000

/* One hook's three programs, in stage order. */
struct hook_progs {
	struct bpf_program *stage[3];
};

struct enforcer {
	struct enforcer_bpf *skel;
	struct ring_buffer *rb;
	struct bpf_link *links[IG_HOOK_MAX][3];
	bool reversed;		/* attached 1,2,3 instead of 3,2,1 */
	enforcer_event_fn handler;
	void *handler_ctx;
	/* probe in flight */
	pid_t probe_pid;
	bool probe_seen;
	struct ig_event *probe_ev;
};

static const char *const hook_names[IG_HOOK_MAX] = { "exec", "mmap", "open" };
static const char *const reason_names[IG_REASON_MAX] = {
	[IG_REASON_NONE] = "measured",
	[IG_REASON_ALLOWLISTED] = "allowlisted",
	[IG_REASON_NOT_ALLOWLISTED] = "not-allowlisted",
	[IG_REASON_RULE_DENY] = "rule-deny",
	[IG_REASON_RULE_ALLOW] = "rule-allow",
	[IG_REASON_RULE_AUDIT] = "rule-audit",
	[IG_REASON_HASH_ERROR] = "hash-error",
};

const char *ig_hook_name(unsigned int hook)
{
	return hook < IG_HOOK_MAX ? hook_names[hook] : "unknown";
}

const char *ig_reason_name(unsigned int reason)
{
	return reason < IG_REASON_MAX ? reason_names[reason] : "unknown";
}

int enforcer_lsm_check(void)
{
	char buf[512], *tok, *save = NULL;
	ssize_t n;
	int fd, err;

	fd = open(LSM_LIST, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		pr_err("cannot read '%s': %s (is securityfs mounted?)", LSM_LIST, strerror(-err));
		return err;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	err = n < 0 ? -errno : 0;
	close(fd);
	if (err) {
		pr_err("cannot read '%s': %s", LSM_LIST, strerror(-err));
		return err;
	}
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		if (!strcmp(tok, "bpf"))
			return 0;
	pr_err("BPF-LSM is not active: 'bpf' is missing from the LSM list '%s'; "
	       "boot with lsm=%s,bpf (or build with CONFIG_BPF_LSM=y and bpf in CONFIG_LSM)",
	       buf, buf);
	return -EOPNOTSUPP;
}

static void hook_progs(const struct enforcer *e, unsigned int hook, struct hook_progs *hp)
{
	const struct enforcer_bpf *s = e->skel;

	switch (hook) {
	case IG_HOOK_EXEC:
		*hp = (struct hook_progs){ { s->progs.ig_exec_filter, s->progs.ig_exec_measure,
					     s->progs.ig_exec_emit } };
		break;
	case IG_HOOK_MMAP:
		*hp = (struct hook_progs){ { s->progs.ig_mmap_filter, s->progs.ig_mmap_measure,
					     s->progs.ig_mmap_emit } };
		break;
	default:
		*hp = (struct hook_progs){ { NULL } };
	}
}

static int on_ringbuf(void *ctx, void *data, size_t size)
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

int enforcer_open(struct enforcer **out, const struct enforcer_opts *opts)
{
	struct enforcer *e;
	int err;

	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->skel = enforcer_bpf__open();
	if (!e->skel) {
		err = -errno;
		pr_err("cannot open the BPF object: %s", strerror(-err));
		goto fail;
	}
	e->skel->rodata->ig_mode = opts->mode;
	err = enforcer_bpf__load(e->skel);
	if (err) {
		pr_err("cannot load the BPF programs: %s", strerror(-err));
		goto fail;
	}
	e->rb = ring_buffer__new(bpf_map__fd(e->skel->maps.events), on_ringbuf, e, NULL);
	if (!e->rb) {
		err = -errno;
		pr_err("cannot set up the event ring buffer: %s", strerror(-err));
		goto fail;
	}
	*out = e;
	return 0;
fail:
	enforcer_free(e);
	return err;
}

static void detach_all(struct enforcer *e)
{
	for (int h = 0; h < IG_HOOK_MAX; h++)
		for (int s = 0; s < 3; s++) {
			bpf_link__destroy(e->links[h][s]);
			e->links[h][s] = NULL;
		}
}

static int attach_all(struct enforcer *e, bool reversed)
{
	for (int h = 0; h < IG_HOOK_MAX; h++) {
		struct hook_progs hp;

		hook_progs(e, h, &hp);
		for (int i = 0; i < 3; i++) {
			/* Normal: stage 3 first, so that it runs last. */
			int s = reversed ? i : 2 - i;
			int err;

			if (!hp.stage[s])
				continue;
			e->links[h][s] = bpf_program__attach_lsm(hp.stage[s]);
			if (!e->links[h][s]) {
				err = -errno;
				pr_err("cannot attach '%s': %s", bpf_program__name(hp.stage[s]),
				       strerror(-err));
				detach_all(e);
				return err;
			}
		}
	}
	e->reversed = reversed;
	return 0;
}

int enforcer_attach(struct enforcer *e, const char *prove_path)
{
	struct ig_event ev;
	int err;

	for (int attempt = 0; attempt < 2; attempt++) {
		bool reversed = attempt == 1;

		err = attach_all(e, reversed);
		if (err)
			return err;
		err = enforcer_probe(e, prove_path, &ev);
		if (err == 0 && ev.stages == IG_STAGES_ALL && !(ev.flags & IG_F_ORDER_BAD)) {
			pr_debug("chain order proven with attach order %s",
				 enforcer_attach_order(e));
			return 0;
		}
		pr_debug("attach order %s failed the probe (stages %#x, flags %#x, err %d)",
			 enforcer_attach_order(e), err ? 0 : ev.stages, err ? 0 : ev.flags, err);
		detach_all(e);
	}
	pr_err("cannot prove the order of the three programs on this kernel: the probe exec "
	       "of '%s' did not run filter, measure, emit in order with either attach order",
	       prove_path);
	return -ENOTRECOVERABLE;
}

const char *enforcer_attach_order(const struct enforcer *e)
{
	return e->reversed ? "1,2,3" : "3,2,1";
}

static long elapsed_ms(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
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
	e->skel->bss->ig_probe_tgid = pid;
	e->probe_pid = pid;
	e->probe_seen = false;
	e->probe_ev = ev;
	if (write(go[1], &c, 1) != 1)
		err = -errno;
	close(go[1]);
	if (waitpid(pid, &status, 0) < 0 && !err)
		err = -errno;
	e->skel->bss->ig_probe_tgid = 0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (!err && !e->probe_seen && elapsed_ms(&t0) < PROBE_TIMEOUT_MS) {
		int n = ring_buffer__poll(e->rb, 100);

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

void enforcer_set_handler(struct enforcer *e, enforcer_event_fn fn, void *ctx)
{
	e->handler = fn;
	e->handler_ctx = ctx;
}

int enforcer_poll(struct enforcer *e, int timeout_ms)
{
	return ring_buffer__poll(e->rb, timeout_ms);
}

int enforcer_counters(struct enforcer *e, struct ig_counters *sum)
{
	int ncpu = libbpf_num_possible_cpus();
	struct ig_counters *per;
	__u32 zero = 0;
	int err;

	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	per = calloc(ncpu, sizeof(*per));
	if (!per)
		return -ENOMEM;
	err = bpf_map_lookup_elem(bpf_map__fd(e->skel->maps.counters), &zero, per);
	if (err) {
		err = -errno;
		goto cleanup;
	}
	memset(sum, 0, sizeof(*sum));
	for (int cpu = 0; cpu < ncpu; cpu++) {
		const __u64 *src = (const __u64 *)&per[cpu];
		__u64 *dst = (__u64 *)sum;

		for (size_t i = 0; i < sizeof(*sum) / sizeof(__u64); i++)
			dst[i] += src[i];
	}
cleanup:
	free(per);
	return err;
}

void enforcer_free(struct enforcer *e)
{
	if (!e)
		return;
	detach_all(e);
	ring_buffer__free(e->rb);
	enforcer_bpf__destroy(e->skel);
	free(e);
}
