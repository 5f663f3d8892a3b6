// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "enforcer/idents.h"
#include "enforcer/priv.h"
#include "util/log.h"

__u64 enforcer_path_hash(const struct enforcer *e, const char *path, size_t len)
{
	__u64 h = e->hash_seed;

	for (size_t i = 0; i < len; i++)
		h = ig_path_hash_step(h, (__u8)path[i]);
	return h;
}

/* Put a freshly filled inner map into a slot of an outer map-in-map that
 * is not in force (ig_policy names the other one). */
static int stage_in(int outer_fd, __u32 slot, int inner_fd, const char *what)
{
	int err;

	err = bpf_map_update_elem(outer_fd, &slot, &inner_fd, BPF_ANY);
	if (err) {
		err = -errno;
		pr_err("cannot put the new %s in place: %s", what, strerror(-err));
	}
	return err;
}

/* A filled inner map never changes again, not even by this daemon: a new
 * policy is new maps in the other slot. The programs only read it. */
static int freeze(int fd, const char *what)
{
	if (bpf_map_freeze(fd)) {
		int err = -errno;

		pr_err("cannot freeze the new %s map: %s", what, strerror(-err));
		return err;
	}
	return 0;
}

/* The id of the inner map in slot of outer; 0 for none. */
static __u32 slot_id(int outer_fd, __u32 slot)
{
	__u32 id = 0;

	return bpf_map_lookup_elem(outer_fd, &slot, &id) ? 0 : id;
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

/* A new rules map, filled, in *fdp, and the hooks its rules name; nothing
 * in force changes. */
static int rules_build(struct enforcer *e, const struct enforcer_rule *rules, size_t n,
		       int *fdp, __u32 *hooksp)
{
	/* A rule's key, and a file rule's IG_RULE_FILES key on its directory. */
	struct rule_slot *slots = calloc(n ? 2 * n : 1, sizeof(*slots));
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
				if (r->action == IG_ACT_AUDIT || r->action == IG_ACT_DENY)
					hooks |= IG_HOOK_WATCHED(h);
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
	err = guard_add_fd(e, IG_GUARD_MAP, fd); /* before a byte is in it */
	if (err)
		goto cleanup;
	for (size_t i = 0; i < out; i++) {
		if (bpf_map_update_elem(fd, &slots[i].key, &slots[i].val, BPF_NOEXIST)) {
			err = -errno;
			pr_err("cannot fill the rules map: %s", strerror(-err));
			goto cleanup;
		}
	}
	err = freeze(fd, "rules");
	if (err)
		goto cleanup;
	*fdp = fd;
	*hooksp = hooks;
	fd = -1;
cleanup:
	if (fd >= 0)
		close(fd);
	free(slots);
	return err;
}

/* A new allowlist map, filled, in *fdp; nothing in force changes. */
static int allow_build(struct enforcer *e, const struct enforcer_allow *allow, size_t n, int *fdp)
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
	err = guard_add_fd(e, IG_GUARD_MAP, fd); /* before a byte is in it */
	if (err)
		goto cleanup;
	if (n && bpf_map_update_batch(fd, keys, vals, &count, NULL)) {
		err = -errno;
		pr_err("cannot fill the allowlist map (%u of %zu entries in): %s", count, n,
		       strerror(-err));
		goto cleanup;
	}
	err = freeze(fd, "allowlist");
	if (err)
		goto cleanup;
	*fdp = fd;
	fd = -1;
cleanup:
	if (fd >= 0)
		close(fd);
	free(keys);
	free(vals);
	return err;
}

/* A digest's index for the chain's life (see interp_ids), given it the
 * first time; 0 when there is no memory for it. */
static __u32 interp_id(struct enforcer *e, const __u8 digest[IG_SHA256_LEN])
{
	__u8 (*ids)[IG_SHA256_LEN];

	for (size_t i = 0; i < e->ninterp_ids; i++)
		if (!memcmp(e->interp_ids[i], digest, IG_SHA256_LEN))
			return i + 1;
	ids = realloc(e->interp_ids, (e->ninterp_ids + 1) * IG_SHA256_LEN);
	if (!ids)
		return 0;
	e->interp_ids = ids;
	memcpy(ids[e->ninterp_ids++], digest, IG_SHA256_LEN);
	return e->ninterp_ids;
}

bool enforcer_interp_digest(const struct enforcer *e, __u32 idx, __u8 digest[IG_SHA256_LEN])
{
	if (!idx || idx > e->ninterp_ids)
		return false;
	memcpy(digest, e->interp_ids[idx - 1], IG_SHA256_LEN);
	return true;
}

/* A new, frozen hash map of n keys of klen bytes (values vlen), in *fdp;
 * nothing in force changes. */
static int set_build(struct enforcer *e, const char *name, const char *what, const void *keys,
		     size_t klen, const void *vals, size_t vlen, size_t n, int *fdp)
{
	int fd, err;

	fd = bpf_map_create(BPF_MAP_TYPE_HASH, name, klen, vlen, n ? n : 1, NULL);
	if (fd < 0) {
		err = -errno;
		pr_err("cannot create the %s map (%zu entries): %s", what, n, strerror(-err));
		return err;
	}
	err = guard_add_fd(e, IG_GUARD_MAP, fd); /* before a byte is in it */
	for (size_t i = 0; !err && i < n; i++)
		if (bpf_map_update_elem(fd, (const char *)keys + i * klen,
					(const char *)vals + i * vlen, BPF_ANY)) {
			err = -errno;
			pr_err("cannot fill the %s map: %s", what, strerror(-err));
		}
	if (!err)
		err = freeze(fd, what);
	if (err) {
		close(fd);
		return err;
	}
	*fdp = fd;
	return 0;
}

/* The identities of the policy's rules (enforcer/idents.h), v[0..n): what
 * a file reached by a name not proven the host's is matched by. */
static int idents_build(struct enforcer *e, const struct ident_entry *v, size_t n, int *fdp)
{
	struct ig_ident_key *keys = calloc(n ? n : 1, sizeof(*keys));
	struct ig_rule_val *vals = calloc(n ? n : 1, sizeof(*vals));
	int err = -ENOMEM;

	if (keys && vals) {
		for (size_t i = 0; i < n; i++) {
			keys[i] = v[i].key;
			vals[i] = v[i].val;
		}
		err = set_build(e, "ig_idents", "rule identities", keys, sizeof(*keys), vals,
				sizeof(*vals), n, fdp);
	}
	free(keys);
	free(vals);
	return err;
}

/* The interpreters staged for this policy, each at its lasting index. */
static int interps_build(struct enforcer *e, int *fdp)
{
	size_t n = e->ninterps_next;
	struct ig_interp_key *keys = calloc(n ? n : 1, sizeof(*keys));
	__u32 *idx = calloc(n ? n : 1, sizeof(*idx));
	int err = 0;

	if (!keys || !idx)
		err = -ENOMEM;
	for (size_t i = 0; !err && i < n; i++) {
		memcpy(keys[i].digest, e->interps_next[i], IG_SHA256_LEN);
		idx[i] = interp_id(e, keys[i].digest);
		if (!idx[i])
			err = -ENOMEM;
	}
	if (!err)
		err = set_build(e, "ig_interps", "interpreters", keys, sizeof(*keys), idx,
				sizeof(*idx), n, fdp);
	free(keys);
	free(idx);
	return err;
}

/* The code extensions staged for this policy, else the defaults. */
static int exts_build(struct enforcer *e, int *fdp)
{
	__u32 one[IG_SCRIPT_EXT_MAX];
	int err;

	for (size_t i = 0; i < IG_SCRIPT_EXT_MAX; i++)
		one[i] = 1;
	if (!e->exts_next) {
		size_t n = 0;

		while (enforcer_script_exts_default[n])
			n++;
		err = enforcer_set_script_exts(e, enforcer_script_exts_default, n);
		if (err)
			return err;
	}
	return set_build(e, "ig_exts", "code extensions", e->exts_next, sizeof(*e->exts_next),
			 one, sizeof(one[0]), e->nexts_next, fdp);
}

/* The indices of an adopted chain's interpreters, from the inner maps both
 * slots hold: whichever policy judged an event still in the ring, its
 * interp is named, and new digests take indices after them. */
int maps_interp_ids_recover(struct enforcer *e)
{
	size_t max = 0;
	int err = 0;

	for (__u32 slot = 0; slot < 2 && !err; slot++) {
		LIBBPF_OPTS(bpf_get_fd_by_id_opts, ro, .open_flags = BPF_F_RDONLY);
		struct ig_interp_key k, next;
		__u32 id = slot_id(e->fds[EM_INTERPS], slot), idx;
		int fd;

		if (!id)
			continue; /* nothing in this slot */
		fd = bpf_map_get_fd_by_id_opts(id, &ro);
		if (fd < 0)
			return -errno;
		for (int r = bpf_map_get_next_key(fd, NULL, &next); !r && !err;
		     r = bpf_map_get_next_key(fd, &k, &next)) {
			k = next;
			if (bpf_map_lookup_elem(fd, &k, &idx) || !idx || idx > IG_INTERP_MAX * 64)
				continue; /* gone meanwhile, or not an index this loader gives */
			if (idx > max) {
				__u8 (*ids)[IG_SHA256_LEN] = realloc(e->interp_ids,
								     (size_t)idx * IG_SHA256_LEN);

				if (!ids) {
					err = -ENOMEM;
					break;
				}
				memset(ids[max], 0, (idx - max) * IG_SHA256_LEN);
				e->interp_ids = ids;
				max = idx;
			}
			memcpy(e->interp_ids[idx - 1], k.digest, IG_SHA256_LEN);
		}
		close(fd);
	}
	e->ninterp_ids = max;
	return err;
}

/* The copies kept of the rules in force (rules_keep) and their identities. */
void maps_policy_free(struct enforcer *e)
{
	for (size_t i = 0; i < e->nrules; i++)
		free((char *)e->rules[i].path);
	free(e->rules);
	free(e->idents);
	e->rules = NULL;
	e->idents = NULL;
	e->nrules = e->nidents = 0;
}

/* The rules now in force and their identities v (taken), for
 * maps_idents_refresh; on no memory none are kept, and nothing is
 * resolved again until the next policy. */
static void rules_keep(struct enforcer *e, const struct enforcer_rule *rules, size_t n,
		       struct ident_entry *v, size_t nv)
{
	struct enforcer_rule *r = calloc(n ? n : 1, sizeof(*r));

	maps_policy_free(e);
	for (size_t i = 0; r && i < n; i++) {
		r[i] = rules[i];
		r[i].path = strdup(rules[i].path);
		if (!r[i].path) {
			for (size_t j = 0; j < i; j++)
				free((char *)r[j].path);
			free(r);
			r = NULL;
		}
	}
	if (!r) {
		pr_warn("no memory to keep the rules: their identities stay as they are now "
			"until the next reload");
		free(v);
		return;
	}
	e->rules = r;
	e->nrules = n;
	e->idents = v;
	e->nidents = nv;
	/* Just resolved: the next look is the poll's next, not at once. */
	clock_gettime(CLOCK_MONOTONIC, &e->idents_checked);
}

/*
 * The maps of a policy (rules, allowlist, interpreters, code extensions,
 * the rules' identities) are built, then put in the slot not in force, then ig_policy
 * flips to that slot with one store: until the flip nothing in force has
 * changed, so any failure before it leaves the old policy deciding whole.
 * The slot left behind is kept: a record stage 1 made before the flip is
 * judged against it (struct ig_record), and the next policy replaces it.
 * fds[m] that are in force already (a refresh of the identities alone)
 * are put in the other slot too, and never dropped from the guard.
 */
static int policy_put(struct enforcer *e, const int fds[POLICY_MAPS], __u32 hooks,
		      bool interps)
{
	struct enforcer_bpf__bss bss;
	__u32 next = 2, old[POLICY_MAPS], ids[POLICY_MAPS]; /* next: 2 until a slot is chosen */
	int err;

	for (int m = 0; m < POLICY_MAPS; m++)
		ids[m] = guard_obj_id(fds[m]);
	err = bss_read(e, &bss);
	if (err)
		goto unstage;
	next = !(bss.ig_policy & 1);
	for (int m = 0; m < POLICY_MAPS; m++)
		old[m] = slot_id(e->fds[policy_maps[m]], next);
	for (int m = 0; m < POLICY_MAPS && !err; m++)
		err = stage_in(e->fds[policy_maps[m]], next, fds[m], policy_map_names[m]);
	if (err)
		goto unstage;
	/* Whether the new policy names an interpreter, before it is in force
	 * (ig_interp_slots: a rule-allowed exec is measured for its mark). */
	err = BSS_SET(e, ig_interp_slots, (bss.ig_interp_slots & ~(1u << next)) |
					  (interps ? 1u << next : 0));
	if (err) {
		pr_err("cannot say whether the new policy names interpreters: %s", strerror(-err));
		goto unstage;
	}
	/* Both policies' hooks while either may be in force (see
	 * ig_rule_hooks): without that, no flip. */
	err = BSS_SET(e, ig_rule_hooks, bss.ig_rule_hooks | hooks);
	if (err) {
		pr_err("cannot widen the hooks with rules before the swap: %s", strerror(-err));
		goto unstage; /* the wider set may stay: it costs lookups, never a record */
	}
	err = bss_flip_policy(e, bss.ig_policy + 1); /* its low bit: next */
	if (err) {
		pr_err("cannot switch to the new policy: %s", strerror(-err));
		goto unstage;
	}
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	BSS_SET(e, ig_rule_hooks, hooks); /* failing, the wider set stays */
	/* What the checks expect in force (guard.c); the maps replaced are
	 * gone from the kernel once no record holds them. */
	e->policy_slot = (int)next;
	for (int m = 0; m < POLICY_MAPS; m++) {
		e->policy_ids[m] = ids[m];
		if (old[m] != ids[m])
			guard_drop(e, IG_GUARD_MAP, old[m]);
	}
	return 0;
unstage:
	/* Never in force: free the new maps now rather than at the next swap. */
	for (int m = 0; m < POLICY_MAPS; m++) {
		if (next < 2)
			bpf_map_delete_elem(e->fds[policy_maps[m]], &next);
		if (e->policy_slot < 0 || ids[m] != e->policy_ids[m])
			guard_drop(e, IG_GUARD_MAP, ids[m]);
	}
	return err;
}

int enforcer_set_policy(struct enforcer *e, const struct enforcer_rule *rules, size_t nrules,
			const struct enforcer_allow *allow, size_t nallow)
{
	struct ident_entry *v = NULL;
	int fds[POLICY_MAPS], err;
	size_t nv = 0;
	__u32 hooks = 0;
	int m;

	for (m = 0; m < POLICY_MAPS; m++)
		fds[m] = -1;
	err = rules_build(e, rules, nrules, &fds[PM_RULES], &hooks);
	if (!err)
		err = allow_build(e, allow, nallow, &fds[PM_ALLOW]);
	if (!err)
		err = interps_build(e, &fds[PM_INTERPS]);
	if (!err)
		err = exts_build(e, &fds[PM_EXTS]);
	if (!err) {
		poll_mounts_watch(e);
		err = idents_resolve(rules, nrules, e->hash_seed, NULL, NULL, false, &v, &nv);
	}
	if (!err)
		err = idents_build(e, v, nv, &fds[PM_IDENTS]);
	if (!err) {
		err = policy_put(e, fds, hooks, e->ninterps_next != 0);
	} else {
		/* Never staged: out of the guard's list at once. */
		for (m = 0; m < POLICY_MAPS; m++)
			if (fds[m] >= 0)
				guard_drop(e, IG_GUARD_MAP, guard_obj_id(fds[m]));
	}
	if (!err)
		rules_keep(e, rules, nrules, v, nv);
	else
		free(v);
	for (m = 0; m < POLICY_MAPS; m++)
		if (fds[m] >= 0)
			close(fds[m]);
	return err;
}

/*
 * The identities are resolved at each policy's load from the host's names;
 * a rule path made after it, a rule directory made again (a new inode), a
 * file system mounted below a tree rule since, all change them. The
 * daemon's poll resolves them again every IDENTS_CHECK_MS (poll.c) and,
 * where they differ, puts a policy in force that is the one in force with
 * the new identities: its rules, allowlist, interpreters and extensions
 * are the same maps, in both slots, so a record made under either slot is
 * judged the same.
 */
int maps_idents_refresh(struct enforcer *e, long long *cost_ns)
{
	struct enforcer_bpf__bss bss;
	struct ident_entry *v = NULL;
	int fds[POLICY_MAPS], err;
	long long t0;
	size_t nv = 0;

	*cost_ns = 0;
	if (e->policy_slot < 0 || !e->nrules)
		return 0; /* no policy of ours, or no rule to resolve */
	t0 = thread_cpu_ns();
	err = idents_resolve(e->rules, e->nrules, e->hash_seed, NULL, NULL, true, &v, &nv);
	*cost_ns = thread_cpu_ns() - t0;
	if (err)
		return err;
	if (nv == e->nidents && (!nv || !memcmp(v, e->idents, nv * sizeof(*v)))) {
		free(v);
		return 0;
	}
	for (int m = 0; m < POLICY_MAPS; m++)
		fds[m] = -1;
	err = bss_read(e, &bss);
	for (int m = 0; m < POLICY_MAPS && !err; m++) {
		if (m == PM_IDENTS)
			continue;
		fds[m] = bpf_map_get_fd_by_id(e->policy_ids[m]);
		if (fds[m] < 0)
			err = -errno;
	}
	if (!err)
		err = idents_build(e, v, nv, &fds[PM_IDENTS]);
	if (!err)
		err = policy_put(e, fds, bss.ig_rule_hooks,
				 bss.ig_interp_slots & (1u << e->policy_slot));
	else if (fds[PM_IDENTS] >= 0)
		guard_drop(e, IG_GUARD_MAP, guard_obj_id(fds[PM_IDENTS]));
	for (int m = 0; m < POLICY_MAPS; m++)
		if (fds[m] >= 0)
			close(fds[m]);
	if (err) {
		free(v);
		return err;
	}
	pr_info("the rules' identities changed (%zu, were %zu): in force", nv, e->nidents);
	free(e->idents);
	e->idents = v;
	e->nidents = nv;
	return 0;
}
