// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/*
 * Both maps are built, then put in the slot not in force, then ig_policy
 * flips to that slot with one store: until the flip nothing in force has
 * changed, so any failure before it leaves the old list and the old rules
 * deciding together. The slot left behind is kept: a record stage 1 made
 * before the flip is judged against it (struct ig_record), and the next
 * policy replaces it.
 */
int enforcer_set_policy(struct enforcer *e, const struct enforcer_rule *rules, size_t nrules,
			const struct enforcer_allow *allow, size_t nallow)
{
	struct enforcer_bpf__bss bss;
	int rules_fd = -1, allow_fd = -1, err;
	__u32 hooks = 0, next, old_rules, old_allow;

	err = rules_build(e, rules, nrules, &rules_fd, &hooks);
	if (!err)
		err = allow_build(e, allow, nallow, &allow_fd);
	if (!err)
		err = bss_read(e, &bss);
	if (err)
		goto cleanup;
	next = !(bss.ig_policy & 1);
	old_rules = slot_id(e->fds[EM_RULES], next);
	old_allow = slot_id(e->fds[EM_ALLOW], next);
	err = stage_in(e->fds[EM_RULES], next, rules_fd, "rules");
	if (!err)
		err = stage_in(e->fds[EM_ALLOW], next, allow_fd, "allowlist");
	if (err)
		goto unstage;
	/* Both policies' hooks while either may be in force (see
	 * ig_rule_hooks): without that, no flip. */
	err = BSS_SET(e, ig_rule_hooks, bss.ig_rule_hooks | hooks);
	if (err) {
		pr_err("cannot widen the hooks with rules before the swap: %s", strerror(-err));
		goto unstage; /* the wider set may stay: it costs lookups, never a record */
	}
	err = bss_flip_policy(e, next);
	if (err) {
		pr_err("cannot switch to the new policy: %s", strerror(-err));
		goto unstage;
	}
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	BSS_SET(e, ig_rule_hooks, hooks); /* failing, the wider set stays */
	/* What the checks expect in force (guard.c); the maps replaced are
	 * gone from the kernel once no record holds them. */
	e->policy_slot = (int)next;
	e->policy_ids[0] = guard_obj_id(rules_fd);
	e->policy_ids[1] = guard_obj_id(allow_fd);
	guard_drop(e, IG_GUARD_MAP, old_rules);
	guard_drop(e, IG_GUARD_MAP, old_allow);
	goto cleanup;
unstage:
	/* Never in force: free the new maps now rather than at the next swap. */
	bpf_map_delete_elem(e->fds[EM_RULES], &next);
	bpf_map_delete_elem(e->fds[EM_ALLOW], &next);
	guard_drop(e, IG_GUARD_MAP, guard_obj_id(rules_fd));
	guard_drop(e, IG_GUARD_MAP, guard_obj_id(allow_fd));
cleanup:
	if (rules_fd >= 0)
		close(rules_fd);
	if (allow_fd >= 0)
		close(allow_fd);
	return err;
}
