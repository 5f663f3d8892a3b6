// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stddef.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "enforcer/enforcer.h"
#include "enforcer.skel.h"
#include "util/log.h"
#include "util/names.h"

#define LSM_LIST "/sys/kernel/security/lsm"
#define PROBE_TIMEOUT_MS 5000

/* The counters are summed over CPUs as an array of __u64. */
_Static_assert(sizeof(struct ig_counters) % sizeof(__u64) == 0, "ig_counters is all __u64");
/* Stage 3 sends the header plus path_len bytes of path. */
_Static_assert(IG_EVENT_HDR_LEN + IG_PATH_MAX <= sizeof(struct ig_event), "event layout");

/* One hook's three programs, in stage order. */
struct hook_progs {
	struct bpf_program *stage[3];
};

/* The maps a running chain is reached through, pinned under these names. */
enum emap {
	EM_EVENTS, EM_COUNTERS, EM_RULES, EM_ALLOW, EM_RODATA, EM_BSS, EM_FOLDS, EM_QUIESCE,
	EM_MAX
};
static const char *const emap_names[EM_MAX] = {
	"events", "counters", "rules", "allowlist", "rodata", "bss", "folds", "quiesce",
};

/* Programs outside the chain, attached before it and pinned as link-<name>:
 * those that keep its caches honest, and the one judging a mprotect that
 * makes a file mapping executable (one program: it cannot measure). */
enum aux {
	AUX_TRUNCATE, AUX_RENAME, AUX_MOUNT, AUX_UMOUNT, AUX_MOVE_MOUNT, AUX_PIVOTROOT,
	AUX_DETACH, AUX_INSTANTIATE, AUX_MPROTECT, AUX_MAX
};
static const char *const aux_names[AUX_MAX] = {
	"truncate", "rename", "mount", "umount", "move-mount", "pivotroot", "detach-mounts",
	"instantiate", "mprotect",
};

struct enforcer {
	struct enforcer_bpf *skel;	/* NULL for an adopted chain */
	int fds[EM_MAX];		/* the skeleton's, or owned when adopted */
	bool adopted;
	enum ig_mode mode;
	struct ring_buffer *rb;
	struct bpf_link *links[IG_HOOK_MAX][3];
	struct bpf_link *aux_links[AUX_MAX];
	__u64 hash_seed;
	bool reversed;
	struct ig_event proof;	/* the order probe's event */		/* attached 1,2,3 instead of 3,2,1 */
	enforcer_event_fn handler;
	void *handler_ctx;
	/* probe in flight */
	pid_t probe_pid;
	bool probe_seen;
	struct ig_event *probe_ev;
	__u64 *folds;			/* the folds map, mapped by enforcer_fold_counts */
	/* names_check: the watchers' skipped runs seen so far, and when */
	__u64 names_missed;
	struct timespec names_checked, names_warned;
};

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

/* The globals as they are: mapped with the skeleton, else read from the map. */
static int bss_read(const struct enforcer *e, struct enforcer_bpf__bss *bss)
{
	__u32 zero = 0;

	if (e->skel) {
		*bss = *e->skel->bss;
		return 0;
	}
	return bpf_map_lookup_elem(e->fds[EM_BSS], &zero, bss) ? -errno : 0;
}

static int bss_set(struct enforcer *e, size_t off, __u32 v)
{
	struct enforcer_bpf__bss bss;
	__u32 zero = 0;
	int err;

	if (e->skel) { /* mapped: a plain store */
		memcpy((char *)e->skel->bss + off, &v, sizeof(v));
		return 0;
	}
	err = bss_read(e, &bss);
	if (err)
		return err;
	memcpy((char *)&bss + off, &v, sizeof(v));
	return bpf_map_update_elem(e->fds[EM_BSS], &zero, &bss, BPF_ANY) ? -errno : 0;
}

#define BSS_SET(e, field, v) bss_set(e, offsetof(struct enforcer_bpf__bss, field), v)

/* Remembered unwatched opens were judged under the old rules. */
static void bss_bump_rules_gen(struct enforcer *e)
{
	struct enforcer_bpf__bss bss;

	if (e->skel) {
		__atomic_fetch_add(&e->skel->bss->ig_rules_gen, 1, __ATOMIC_SEQ_CST);
		return;
	}
	if (!bss_read(e, &bss))
		BSS_SET(e, ig_rules_gen, bss.ig_rules_gen + 1);
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
	case IG_HOOK_OPEN:
		*hp = (struct hook_progs){ { s->progs.ig_open_filter, s->progs.ig_open_measure,
					     s->progs.ig_open_emit } };
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
	e->mode = opts->mode;
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
	e->skel->rodata->ig_mode = opts->mode;
	e->skel->rodata->ig_hash_seed = e->hash_seed;
	if (opts->ringbuf_bytes) {
		err = bpf_map__set_max_entries(e->skel->maps.events, opts->ringbuf_bytes);
		if (err) {
			pr_err("invalid ring buffer size %u: %s", opts->ringbuf_bytes,
			       strerror(-err));
			goto fail;
		}
	}
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
	e->rb = ring_buffer__new(e->fds[EM_EVENTS], on_ringbuf, e, NULL);
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

__u64 enforcer_path_hash(const struct enforcer *e, const char *path, size_t len)
{
	__u64 h = e->hash_seed;

	for (size_t i = 0; i < len; i++)
		h = ig_path_hash_step(h, (__u8)path[i]);
	return h;
}

/* Put a freshly filled inner map into slot 0 of an outer map-in-map: the
 * kernel switches from the old map to the new one in one step. */
static int swap_in(int outer_fd, int inner_fd, const char *what)
{
	__u32 zero = 0;
	int err;

	err = bpf_map_update_elem(outer_fd, &zero, &inner_fd, BPF_ANY);
	if (err) {
		err = -errno;
		pr_err("cannot swap in the new %s: %s", what, strerror(-err));
	}
	return err;
}

struct rule_slot {
	struct ig_rule_key key;
	struct ig_rule_val val;
};

static int rule_slot_cmp(const void *a, const void *b)
{
	return memcmp(&((const struct rule_slot *)a)->key, &((const struct rule_slot *)b)->key,
		      sizeof(struct ig_rule_key));
}

/* Fold w into v, per hook: deny > audit > allow, and among equals the rule
 * earlier in the file keeps its index. */
static void rule_val_fold(struct ig_rule_val *v, const struct ig_rule_val *w)
{
	for (int h = 0; h < IG_HOOK_MAX; h++) {
		bool better = w->action[h] > v->action[h] ||
			      (w->action[h] == v->action[h] && w->rule[h] >= 0 &&
			       w->rule[h] < v->rule[h]);

		if (better) {
			v->action[h] = w->action[h];
			v->rule[h] = w->rule[h];
		}
	}
}

static void rule_val_init(struct ig_rule_val *v)
{
	memset(v, 0, sizeof(*v));
	for (int h = 0; h < IG_HOOK_MAX; h++)
		v->rule[h] = -1;
}

int enforcer_set_rules(struct enforcer *e, const struct enforcer_rule *rules, size_t n)
{
	/* A rule's key, and a file rule's IG_RULE_FILES key on its directory. */
	struct rule_slot *slots = calloc(n ? 2 * n : 1, sizeof(*slots));
	struct enforcer_bpf__bss bss;
	__u32 hooks = 0;
	size_t used = 0;
	int fd = -1, err = 0;

	if (!slots)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const struct enforcer_rule *r = &rules[i];
		size_t len = strlen(r->path);

		if (r->path[0] != '/' || len >= IG_PATH_MAX ||
		    (r->kind != IG_RULE_EXACT) != (r->path[len - 1] == '/')) {
			pr_err("rule %zu: invalid path '%s' for its kind", i, r->path);
			err = -EINVAL;
			goto cleanup;
		}
		slots[used].key = (struct ig_rule_key){
			.hash = enforcer_path_hash(e, r->path, len), .len = len, .kind = r->kind,
		};
		rule_val_init(&slots[used].val);
		for (int h = 0; h < IG_HOOK_MAX; h++)
			if (r->hooks & (1u << h)) {
				slots[used].val.action[h] = r->action;
				slots[used].val.rule[h] = i;
				hooks |= 1u << h;
			}
		used++;
		if (r->kind == IG_RULE_EXACT) {
			size_t dir_len = strrchr(r->path, '/') - r->path + 1;

			slots[used].key = (struct ig_rule_key){
				.hash = enforcer_path_hash(e, r->path, dir_len),
				.len = dir_len,
				.kind = IG_RULE_FILES,
			};
			slots[used].val = slots[used - 1].val;
			used++;
		}
	}
	qsort(slots, used, sizeof(*slots), rule_slot_cmp);
	/* Merge equal keys: two rules on the same path and kind become one value. */
	size_t out = 0;
	for (size_t i = 0; i < used; i++) {
		if (out && !rule_slot_cmp(&slots[out - 1], &slots[i])) {
			rule_val_fold(&slots[out - 1].val, &slots[i].val);
			continue;
		}
		slots[out++] = slots[i];
	}

	fd = bpf_map_create(BPF_MAP_TYPE_HASH, "ig_rules", sizeof(struct ig_rule_key),
			    sizeof(struct ig_rule_val), out ? out : 1, NULL);
	if (fd < 0) {
		err = -errno;
		pr_err("cannot create the rules map (%zu keys): %s", out, strerror(-err));
		goto cleanup;
	}
	for (size_t i = 0; i < out; i++) {
		if (bpf_map_update_elem(fd, &slots[i].key, &slots[i].val, BPF_NOEXIST)) {
			err = -errno;
			pr_err("cannot fill the rules map: %s", strerror(-err));
			goto cleanup;
		}
	}
	/* Both lists' hooks while either may be in force (see ig_rule_hooks):
	 * without that, no swap. */
	err = bss_read(e, &bss);
	if (!err)
		err = BSS_SET(e, ig_rule_hooks, bss.ig_rule_hooks | hooks);
	if (err) {
		pr_err("cannot widen the hooks with rules before the swap: %s", strerror(-err));
		goto cleanup;
	}
	err = swap_in(e->fds[EM_RULES], fd, "rules");
	if (err)
		goto cleanup; /* the wider set stays: it costs lookups, never a record */
	bss_bump_rules_gen(e); /* after the swap: see ig_rules_gen */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	BSS_SET(e, ig_rule_hooks, hooks); /* failing, the wider set stays */
cleanup:
	if (fd >= 0)
		close(fd);
	free(slots);
	return err;
}

int enforcer_set_allowlist(struct enforcer *e, const struct enforcer_allow *allow, size_t n)
{
	struct ig_allow_key *keys = calloc(n ? n : 1, sizeof(*keys));
	__u32 *vals = calloc(n ? n : 1, sizeof(*vals));
	int fd = -1, err = 0;
	__u32 count = n;

	if (!keys || !vals) {
		err = -ENOMEM;
		goto cleanup;
	}
	for (size_t i = 0; i < n; i++) {
		memcpy(keys[i].digest, allow[i].digest, IG_SHA256_LEN);
		if (allow[i].bind_path) {
			size_t len = strlen(allow[i].bind_path);

			keys[i].path_hash = enforcer_path_hash(e, allow[i].bind_path, len);
			keys[i].path_len = len;
		}
	}
	/* max_entries may differ between fills: hash inner maps are not held
	 * to the template's size. */
	fd = bpf_map_create(BPF_MAP_TYPE_HASH, "ig_allow", sizeof(struct ig_allow_key),
			    sizeof(__u32), n ? n : 1, NULL);
	if (fd < 0) {
		err = -errno;
		pr_err("cannot create the allowlist map (%zu entries): %s", n, strerror(-err));
		goto cleanup;
	}
	if (n && bpf_map_update_batch(fd, keys, vals, &count, NULL)) {
		err = -errno;
		pr_err("cannot fill the allowlist map (%u of %zu entries in): %s", count, n,
		       strerror(-err));
		goto cleanup;
	}
	err = swap_in(e->fds[EM_ALLOW], fd, "allowlist");
	if (!err)
		bss_bump_rules_gen(e); /* names and folds judged by the old list go */
cleanup:
	if (fd >= 0)
		close(fd);
	free(keys);
	free(vals);
	return err;
}

/* ---- folded repeats ---------------------------------------------------- */

#define FOLDS_BYTES ((size_t)IG_FOLD_SLOTS * sizeof(__u64))

/* Returns once every non-sleepable program that was running has finished:
 * the kernel waits for them when a map is put into a map-in-map. Folds are
 * counted and slots taken only in such programs (stage 1 of mmap_file and
 * the mprotect program). */
static int quiesce(struct enforcer *e)
{
	int inner, err = 0;
	__u32 zero = 0;

	inner = bpf_map_create(BPF_MAP_TYPE_ARRAY, "ig_quiesce", sizeof(__u32), sizeof(__u32), 1,
			       NULL);
	if (inner < 0 || bpf_map_update_elem(e->fds[EM_QUIESCE], &zero, &inner, BPF_ANY))
		err = -errno;
	if (inner >= 0)
		close(inner);
	if (err)
		pr_err("cannot wait for the running programs: %s", strerror(-err));
	return err;
}

int enforcer_fold_stop(struct enforcer *e)
{
	BSS_SET(e, ig_fold_epoch, 0);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return quiesce(e);
}

const volatile __u64 *enforcer_fold_counts(struct enforcer *e)
{
	void *m;

	if (e->folds)
		return e->folds;
	m = mmap(NULL, FOLDS_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, e->fds[EM_FOLDS], 0);
	if (m == MAP_FAILED) {
		int err = errno;

		pr_err("cannot map the fold counters: %s", strerror(err));
		errno = err;
		return NULL;
	}
	e->folds = m;
	return e->folds;
}

void enforcer_fold_start(struct enforcer *e)
{
	struct enforcer_bpf__bss bss;
	__u32 epoch;

	if (bss_read(e, &bss))
		return; /* folding stays off */
	/* Never an epoch used before on this chain: names keep their stamps. */
	epoch = bss.ig_fold_epochs + 1 ? bss.ig_fold_epochs + 1 : 1;
	__atomic_store_n(&e->folds[0], 0, __ATOMIC_SEQ_CST);
	BSS_SET(e, ig_fold_epochs, epoch);
	/* Every slot is free before any program can see the new epoch. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	BSS_SET(e, ig_fold_epoch, epoch);
}

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

static struct bpf_program *aux_prog(const struct enforcer *e, enum aux a)
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
	default:		return NULL;
	}
}

static int attach_all(struct enforcer *e, bool reversed)
{
	/* The caches' invalidation first, and a new epoch: whatever changed
	 * while nothing watched makes every older entry stale. */
	for (int a = 0; a < AUX_MAX; a++) {
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
			e->proof = ev;
			pr_debug("chain order proven with attach order %s",
				 enforcer_attach_order(e));
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

/*
 * The watchers are fexit programs, and the kernel skips a run of one (a
 * "recursion miss") on a CPU where another task is inside it: one that was
 * preempted there, which only a kernel preemptible everywhere does
 * (preempt=full; none were ever seen without it). The bump that run owed
 * is lost, and names remembered before the change would be trusted after
 * it. So each poll, at most every NAMES_CHECK_MS, looks at the watchers'
 * misses, and a new one forgets every remembered name, by the rules
 * generation that every name key carries. Until then a name may be stale.
 */
static void names_check(struct enforcer *e)
{
	unsigned long long total = 0;
	struct timespec now;
	int err = 0;

	if (e->names_checked.tv_sec && elapsed_ms(&e->names_checked) < NAMES_CHECK_MS)
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
	if (!err && total <= e->names_missed)
		return;
	bss_bump_rules_gen(e);
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
}

unsigned long long enforcer_names_missed(const struct enforcer *e)
{
	return e->names_missed;
}

int enforcer_poll(struct enforcer *e, int timeout_ms)
{
	struct timespec t0;

	names_check(e);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		long left = timeout_ms < 0 ? POLL_SLICE_MS : timeout_ms - elapsed_ms(&t0);
		int n = ring_buffer__poll(e->rb, left < POLL_SLICE_MS ? (int)(left > 0 ? left : 0)
								      : POLL_SLICE_MS);
		int m;

		if (n < 0)
			return n;
		m = ring_buffer__consume(e->rb);
		if (m < 0)
			return m;
		if (n + m > 0 || (timeout_ms >= 0 && elapsed_ms(&t0) >= timeout_ms))
			return n + m;
	}
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

static const char *const stage_names[3] = { "filter", "measure", "emit" };

static int pin_path(char *buf, size_t len, const char *dir, const char *kind, const char *a,
		    const char *b)
{
	int n = snprintf(buf, len, "%s/%s-%s%s%s", dir, kind, a, b ? "-" : "", b ? b : "");

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int enforcer_pin(struct enforcer *e, const char *dir)
{
	char path[4096];
	int err;

	if (e->adopted)
		return 0; /* already pinned where it was found */
	if (mkdir(dir, 0700) && errno != EEXIST) {
		err = -errno;
		pr_err("cannot create the pin directory '%s': %s", dir, strerror(-err));
		return err;
	}
	for (int m = 0; m < EM_MAX; m++) {
		err = pin_path(path, sizeof(path), dir, "map", emap_names[m], NULL);
		if (!err && bpf_obj_pin(e->fds[m], path))
			err = -errno;
		if (err)
			goto fail;
	}
	for (int h = 0; h < IG_HOOK_MAX; h++)
		for (int st = 0; st < 3; st++) {
			err = pin_path(path, sizeof(path), dir, "link", names_hook(h),
				       stage_names[st]);
			if (!err)
				err = bpf_link__pin(e->links[h][st], path);
			if (err)
				goto fail;
		}
	for (int a = 0; a < AUX_MAX; a++) {
		err = pin_path(path, sizeof(path), dir, "link", aux_names[a], NULL);
		if (!err)
			err = bpf_link__pin(e->aux_links[a], path);
		if (err)
			goto fail;
	}
	return 0;
fail:
	pr_err("cannot pin '%s': %s (is bpffs mounted on its parent?)", path, strerror(-err));
	enforcer_unpin(dir);
	return err;
}

int enforcer_unpin(const char *dir)
{
	char path[4096];
	int found = 0;

	for (int m = 0; m < EM_MAX; m++)
		if (!pin_path(path, sizeof(path), dir, "map", emap_names[m], NULL) && !unlink(path))
			found++;
	for (int h = 0; h < IG_HOOK_MAX; h++)
		for (int st = 0; st < 3; st++)
			if (!pin_path(path, sizeof(path), dir, "link", names_hook(h),
				      stage_names[st]) &&
			    !unlink(path))
				found++;
	for (int a = 0; a < AUX_MAX; a++)
		if (!pin_path(path, sizeof(path), dir, "link", aux_names[a], NULL) && !unlink(path))
			found++;
	rmdir(dir);
	return found;
}

/*
 * A process, other than this one and except, with a link of the chain
 * pinned at dir open: a daemon driving it, which unpinning would not stop.
 * Its pid, 0 for none (or nothing pinned), -errno when it cannot be told.
 */
static pid_t pin_holder(const char *dir, pid_t except)
{
	struct bpf_link_info info = {};
	__u32 len = sizeof(info), id;
	char path[4096], line[128];
	pid_t holder = 0;
	struct dirent *p, *f;
	DIR *procs, *fds;
	int fd;

	if (pin_path(path, sizeof(path), dir, "link", names_hook(IG_HOOK_EXEC),
		     stage_names[0]))
		return 0;
	fd = bpf_obj_get(path);
	if (fd < 0)
		return 0; /* nothing pinned there: nobody can hold it */
	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		close(fd);
		return -errno;
	}
	close(fd);
	id = info.id;
	procs = opendir("/proc");
	if (!procs)
		return -errno;
	while (!holder && (p = readdir(procs))) {
		pid_t pid = (pid_t)atoi(p->d_name);

		if (pid <= 0 || pid == getpid() || pid == except)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/fdinfo", pid);
		fds = opendir(path);
		if (!fds)
			continue; /* gone, or not ours to read */
		while (!holder && (f = readdir(fds))) {
			FILE *in;

			if (f->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "/proc/%d/fdinfo/%s", pid, f->d_name);
			in = fopen(path, "re");
			if (!in)
				continue;
			while (fgets(line, sizeof(line), in))
				if (!strncmp(line, "link_id:", 8) &&
				    strtoul(line + 8, NULL, 10) == id) {
					holder = pid;
					break;
				}
			fclose(in);
		}
		closedir(fds);
	}
	closedir(procs);
	return holder;
}

int enforcer_unpin_unheld(const char *dir, pid_t except)
{
	pid_t holder = pin_holder(dir, except);

	/* Removing the pins of a chain a daemon drives would not detach it:
	 * it would only end its enforcement once that daemon stops. */
	if (holder > 0) {
		pr_err("the chain pinned at '%s' is held by process %d (a daemon of another "
		       "--state-dir?): stop that one; nothing removed", dir, holder);
		return -EBUSY;
	}
	if (holder < 0)
		pr_warn("cannot tell whether another process holds the chain pinned at '%s': %s",
			dir, strerror(-holder));
	return enforcer_unpin(dir);
}

/* A map's value size, 0 when it cannot be told. */
static __u32 value_size(int fd)
{
	struct bpf_map_info info;
	__u32 len = sizeof(info);

	memset(&info, 0, sizeof(info));
	return bpf_obj_get_info_by_fd(fd, &info, &len) ? 0 : info.value_size;
}

int enforcer_adopt(struct enforcer **out, const char *dir)
{
	struct enforcer_bpf__rodata ro = {};
	struct enforcer *e;
	char path[4096];
	__u32 zero = 0;
	bool same;
	int err = 0;

	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->adopted = true;
	for (int m = 0; m < EM_MAX; m++) {
		err = pin_path(path, sizeof(path), dir, "map", emap_names[m], NULL);
		if (!err && (e->fds[m] = bpf_obj_get(path)) < 0)
			err = -errno;
		if (err)
			goto fail;
	}
	/* Before the links, whose set may differ too. Globals are written
	 * whole at this build's offsets, and the programs must be this
	 * build's: a chain loaded by another is not taken over. */
	same = value_size(e->fds[EM_BSS]) == sizeof(struct enforcer_bpf__bss) &&
	       value_size(e->fds[EM_RODATA]) == sizeof(ro);
	if (same && bpf_map_lookup_elem(e->fds[EM_RODATA], &zero, &ro)) {
		err = -errno;
		goto fail;
	}
	if (!same || ro.ig_chain_version != IG_CHAIN_VERSION) {
		pr_err("the chain pinned at '%s' was loaded by another build of imaguard: "
		       "'imaguard stop --pin-dir %s' first", dir, dir);
		err = -ESTALE;
		goto fail;
	}
	for (int h = 0; h < IG_HOOK_MAX; h++)
		for (int st = 0; st < 3; st++) {
			err = pin_path(path, sizeof(path), dir, "link", names_hook(h),
				       stage_names[st]);
			if (!err && !(e->links[h][st] = bpf_link__open(path)))
				err = -errno;
			if (err)
				goto fail;
		}
	for (int a = 0; a < AUX_MAX; a++) {
		err = pin_path(path, sizeof(path), dir, "link", aux_names[a], NULL);
		if (!err && !(e->aux_links[a] = bpf_link__open(path)))
			err = -errno;
		if (err)
			goto fail;
	}
	e->mode = ro.ig_mode;
	e->hash_seed = ro.ig_hash_seed;
	e->rb = ring_buffer__new(e->fds[EM_EVENTS], on_ringbuf, e, NULL);
	if (!e->rb) {
		err = -errno;
		goto fail;
	}
	*out = e;
	return 0;
fail:
	/* Nothing was detached: the pinned chain goes on enforcing. */
	pr_debug("cannot adopt '%s': %s", path, strerror(-err));
	enforcer_free(e);
	return err;
}

bool enforcer_adopted(const struct enforcer *e)
{
	return e->adopted;
}

enum ig_mode enforcer_mode(const struct enforcer *e)
{
	return e->mode;
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
	if (e->folds)
		munmap(e->folds, FOLDS_BYTES);
	enforcer_bpf__destroy(e->skel);
	free(e);
}
