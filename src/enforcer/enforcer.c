// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "enforcer/preempt.h"
#include "enforcer/priv.h"
#include "util/log.h"

#define LSM_LIST "/sys/kernel/security/lsm"

/* The counters are summed over CPUs as an array of __u64. */
_Static_assert(sizeof(struct ig_counters) % sizeof(__u64) == 0, "ig_counters is all __u64");

static int libbpf_print(enum libbpf_print_level lvl, const char *fmt, va_list ap)
{
	/* libbpf's own lines end in a newline and are prefixed "libbpf: ". */
	enum log_level our = lvl == LIBBPF_WARN ? LOG_WARN : LOG_DEBUG;

	if (our > log_level)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

void enforcer_log_libbpf(void)
{
	libbpf_set_print(libbpf_print);
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

void enforcer_kernel_hooks(bool *post_open, bool *release)
{
	struct btf *vm = btf__load_vmlinux_btf();

	*post_open = vm && btf__find_by_name_kind(vm, "bpf_lsm_file_post_open", BTF_KIND_FUNC) >= 0;
	*release = vm && btf__find_by_name_kind(vm, "bpf_lsm_file_release", BTF_KIND_FUNC) >= 0;
	btf__free(vm);
}

void enforcer_script_set(struct enforcer *e, bool post_open)
{
	struct enforcer_bpf *s = e->skel;

	e->script_post_open = post_open;
	bpf_program__set_autoload(s->progs.ig_script_filter, post_open);
	bpf_program__set_autoload(s->progs.ig_script_measure, post_open);
	bpf_program__set_autoload(s->progs.ig_script_emit, post_open);
	bpf_program__set_autoload(s->progs.ig_script_open_filter, !post_open);
	bpf_program__set_autoload(s->progs.ig_script_open_measure, !post_open);
	bpf_program__set_autoload(s->progs.ig_script_open_emit, !post_open);
}

void enforcer_lastwriter_set(struct enforcer *e, bool release)
{
	struct enforcer_bpf *s = e->skel;

	e->lw_release = release;
	bpf_program__set_autoload(s->progs.ig_lw_release, release);
	bpf_program__set_autoload(s->progs.ig_lw_close, !release);
	bpf_program__set_autoload(s->progs.ig_lw_free, !release);
}

void enforcer_sets_like(struct enforcer *e, const struct enforcer *like)
{
	enforcer_script_set(e, like->script_post_open);
	enforcer_lastwriter_set(e, like->lw_release);
}

const char *const enforcer_script_exts_default[] = {
	"py", "pyc", "pl", "pm", "rb", "php", "js", "mjs", "cjs", "lua", "tcl", "sh", "bash",
	"awk", NULL,
};

const char *enforcer_script_hook(const struct enforcer *e)
{
	return e->script_post_open ? "file_post_open" : "file_open";
}

bool enforcer_has_prog(const struct enforcer *e, const char *name)
{
	struct bpf_program *p = bpf_object__find_program_by_name(e->skel->obj, name);

	return p && bpf_program__autoload(p);
}

/* Kept for the next enforcer_set_policy, which puts them in force with
 * its rules and allowlist; nothing in force changes here. */
int enforcer_set_interps(struct enforcer *e, const __u8 (*digests)[IG_SHA256_LEN], size_t n)
{
	__u8 (*d)[IG_SHA256_LEN];

	if (n > IG_INTERP_MAX)
		return -E2BIG;
	d = calloc(n ? n : 1, IG_SHA256_LEN);
	if (!d)
		return -ENOMEM;
	if (n)
		memcpy(d, digests, n * IG_SHA256_LEN);
	free(e->interps_next);
	e->interps_next = d;
	e->ninterps_next = n;
	return 0;
}

int enforcer_set_script_exts(struct enforcer *e, const char *const *exts, size_t n)
{
	struct ig_ext_key *k;

	if (n > IG_SCRIPT_EXT_MAX)
		return -E2BIG;
	k = calloc(n ? n : 1, sizeof(*k));
	if (!k)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		/* "": names with no '.' at all. */
		if (strlen(exts[i]) >= IG_EXT_LEN || strchr(exts[i], '.') ||
		    strchr(exts[i], '/')) {
			pr_err("invalid code extension '%s' (at most %d bytes, no '.' nor '/')",
			       exts[i], IG_EXT_LEN - 1);
			free(k);
			return -EINVAL;
		}
		memcpy(k[i].ext, exts[i], strlen(exts[i]));
	}
	free(e->exts_next);
	e->exts_next = k;
	e->nexts_next = n;
	return 0;
}

int enforcer_open(struct enforcer **out, const struct enforcer_opts *opts)
{
	struct enforcer *e;
	struct stat st;
	size_t n_ext;
	bool post_open, release;
	int err;

	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->mode = opts->mode;
	e->policy_slot = -1;
	e->skel = enforcer_bpf__open();
	if (!e->skel) {
		err = -errno;
		pr_err("cannot open the BPF object: %s", strerror(-err));
		goto fail;
	}
	if (getrandom(&e->hash_seed, sizeof(e->hash_seed), 0) != sizeof(e->hash_seed)) {
		err = -errno;
		pr_err("cannot seed the path hash: %s", strerror(-err));
		goto fail;
	}
	/* The mount namespace whose paths allow rules and bind_path entries
	 * trust: init's, the host's, even when this daemon runs in one of its
	 * own (a service manager's PrivateTmp= or ProtectSystem= makes one).
	 * Reading init's needs ptrace access to it; without that, this one,
	 * said aloud. Without either no path would be trusted: refuse. */
	if (stat("/proc/1/ns/mnt", &st)) {
		err = -errno;
		if (stat("/proc/self/ns/mnt", &st)) {
			err = -errno;
			pr_err("cannot read this process's mount namespace: %s", strerror(-err));
			goto fail;
		}
		pr_warn("cannot read init's mount namespace (%s): allow rules and bind_path "
			"entries apply only to processes in this daemon's", strerror(-err));
	}
	e->skel->rodata->ig_host_mnt_ns = st.st_ino;
	e->skel->rodata->ig_mode = opts->mode;
	e->skel->rodata->ig_hash_seed = e->hash_seed;
	e->skel->rodata->ig_trust_fs = opts->trust_fs;
	e->trust_fs = opts->trust_fs;
	e->reentry_probe_tracing = opts->reentry_probe_tracing;
	e->skel->rodata->ig_kbuf_allow = opts->kbuf_allow;
	e->names_heartbeat = enforcer_preempts_everywhere();
	e->skel->rodata->ig_names_heartbeat = e->names_heartbeat;
	if (e->names_heartbeat)
		pr_info("this kernel may preempt inside the programs: remembered names are "
			"trusted for %d ms after each check for skipped watcher runs",
			IG_NAMES_FRESH_MS);
	e->kbuf_allow = opts->kbuf_allow;
	if (opts->guard && (err = guard_arm(e)))
		goto fail;
	if (opts->ringbuf_bytes) {
		err = bpf_map__set_max_entries(e->skel->maps.events, opts->ringbuf_bytes);
		if (err) {
			pr_err("invalid ring buffer size %u: %s", opts->ringbuf_bytes,
			       strerror(-err));
			goto fail;
		}
	}
	/* One script chain of the two: file_post_open where the kernel has
	 * it (the file is readable there), else file_open. */
	enforcer_kernel_hooks(&post_open, &release);
	enforcer_script_set(e, !opts->script_at_open && post_open);
	enforcer_lastwriter_set(e, release);
	err = enforcer_bpf__load(e->skel);
	if (err) {
		pr_err("cannot load the BPF programs: %s", strerror(-err));
		goto fail;
	}
	e->fds[EM_EVENTS] = bpf_map__fd(e->skel->maps.events);
	e->fds[EM_COUNTERS] = bpf_map__fd(e->skel->maps.counters);
	e->fds[EM_RULES] = bpf_map__fd(e->skel->maps.rules);
	e->fds[EM_ALLOW] = bpf_map__fd(e->skel->maps.allowlist);
	e->fds[EM_RODATA] = bpf_map__fd(e->skel->maps.rodata);
	e->fds[EM_BSS] = bpf_map__fd(e->skel->maps.bss);
	e->fds[EM_FOLDS] = bpf_map__fd(e->skel->maps.folds);
	e->fds[EM_QUIESCE] = bpf_map__fd(e->skel->maps.quiesce);
	e->fds[EM_INTERPS] = bpf_map__fd(e->skel->maps.interps);
	e->fds[EM_SCRIPT_EXTS] = bpf_map__fd(e->skel->maps.script_exts);
	for (n_ext = 0; enforcer_script_exts_default[n_ext]; n_ext++)
		;
	err = enforcer_set_script_exts(e, enforcer_script_exts_default, n_ext);
	if (err)
		goto fail;
	e->fds[EM_GUARD] = bpf_map__fd(e->skel->maps.data_guard);
	e->fds[EM_GUARD_IDS] = bpf_map__fd(e->skel->maps.guard_ids);
	e->fds[EM_IDENTS] = bpf_map__fd(e->skel->maps.idents);
	err = guard_add_object(e);
	if (err)
		goto fail;
	e->rb = ring_buffer__new(e->fds[EM_EVENTS], enforcer_on_ringbuf, e, NULL);
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
	err = bpf_map_lookup_elem(e->fds[EM_COUNTERS], &zero, per);
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

enum ig_mode enforcer_mode(const struct enforcer *e)
{
	return e->mode;
}

unsigned int enforcer_trust_fs(const struct enforcer *e)
{
	return e->trust_fs;
}

unsigned int enforcer_kbuf_allow(const struct enforcer *e)
{
	return e->kbuf_allow;
}

void enforcer_free(struct enforcer *e)
{
	if (!e)
		return;
	if (e->adopted) {
		/* Close our handles only: the pins keep the chain attached. */
		for (int h = 0; h < IG_HOOK_MAX; h++)
			for (int st = 0; st < 3; st++)
				bpf_link__destroy(e->links[h][st]);
		for (int a = 0; a < AUX_MAX; a++)
			bpf_link__destroy(e->aux_links[a]);
		for (int m = 0; m < EM_MAX; m++)
			if (e->fds[m] > 0)
				close(e->fds[m]);
	} else {
		/* Pinned links stay attached when their last fd closes; unpinned
		 * ones detach here. */
		for (int h = 0; h < IG_HOOK_MAX; h++)
			for (int st = 0; st < 3; st++)
				bpf_link__destroy(e->links[h][st]);
		for (int a = 0; a < AUX_MAX; a++)
			bpf_link__destroy(e->aux_links[a]);
	}
	ring_buffer__free(e->rb);
	free(e->interps_next);
	free(e->exts_next);
	free(e->interp_ids);
	maps_policy_free(e);
	if (e->mounts_open && e->mounts_fd >= 0)
		close(e->mounts_fd);
	if (e->folds)
		munmap(e->folds, FOLDS_BYTES);
	enforcer_bpf__destroy(e->skel);
	free(e);
}

