/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Path rules: stage 1 hashes the resolved path once, byte by byte, with
 * the load's seed, looking each directory prefix up as it passes its '/',
 * and keeps the most specific rule for the hook (struct ig_rule_key).
 *
 * Included by bpf/enforcer.bpf.c alone, after its globals and maps.
 */
#ifndef IG_BPF_RULES_H
#define IG_BPF_RULES_H

struct match_ctx {
	struct ig_event *ev;
	void *rules;
	__u64 hash;
	__u64 parent_hash;	/* hash up to and including the last '/' */
	__u32 parent_len;
	__u32 hook;
	__u32 best_spec;	/* specificity of the best match: prefix length, or ~0 for exact */
	__u32 best_action;
	__s32 best_rule;
};

static __always_inline void consider(struct match_ctx *m, __u64 hash, __u32 len, __u32 kind,
				     __u32 spec)
{
	struct ig_rule_key key = { .hash = hash, .len = len, .kind = kind };
	struct ig_rule_val *v;
	__u32 hook = m->hook;
	__u32 action;

	if (hook >= IG_HOOK_MAX)
		return;
	v = bpf_map_lookup_elem(m->rules, &key);
	if (!v)
		return;
	action = v->action[hook];
	if (action == IG_ACT_NONE)
		return;
	/* The most specific path wins; between equals, deny > audit > allow. */
	if (spec > m->best_spec || (spec == m->best_spec && action > m->best_action)) {
		m->best_spec = spec;
		m->best_action = action;
		m->best_rule = v->rule[hook];
	}
}

static long match_byte(__u32 i, void *data)
{
	struct match_ctx *m = data;
	__u8 c = m->ev->path[i & (IG_PATH_MAX - 1)];

	if (!c)
		return 1;
	m->hash = ig_path_hash_step(m->hash, c);
	if (c == '/') {
		m->parent_hash = m->hash;
		m->parent_len = i + 1;
		if (m->rules)
			consider(m, m->hash, i + 1, IG_RULE_TREE, i + 1);
	}
	return 0;
}

/* What the rules say of every child of the path's directory: the winner
 * among its directory and tree rules, and where its file rules are kept. */
struct dir_match {
	__u64 hash;		/* the directory's, '/' included: its IG_RULE_FILES key */
	__u32 len;
	__u32 action;		/* IG_ACT_DENY until the path is matched: watched */
};

/*
 * Hash the path and find the winning rule for this hook. Rules are matched
 * only on a path resolved in full: a path bpf_d_path could not give us
 * matches nothing, so it can never reach an allow rule (it meets the
 * digest check instead, or a refusal where a deny or audit rule names the
 * hook: stage_filter).
 */
static __always_inline void match_rules(struct ig_event *ev, __u32 hook, void *rules,
					struct dir_match *dm)
{
	struct match_ctx m = {
		.ev = ev, .rules = rules, .hash = ig_hash_seed, .hook = hook, .best_rule = -1,
	};
	__u32 len;

	dm->action = IG_ACT_DENY;
	if (ev->flags & IG_F_PATH_ERR)
		return;
	bpf_loop(IG_PATH_MAX, match_byte, &m, 0);
	len = ev->path_len - 1;
	ev->path_hash = m.hash;
	if (rules)
		consider(&m, m.parent_hash, m.parent_len, IG_RULE_DIR, m.parent_len);
	dm->hash = m.parent_hash;
	dm->len = m.parent_len;
	dm->action = m.best_action;
	if (rules)
		consider(&m, m.hash, len, IG_RULE_EXACT, ~0U);
	ev->rule = m.best_rule;
	ev->action = m.best_action;
}

/* Does any rule in force name this hook? A load, for the open fast path. */
static __always_inline bool hook_has_rules(__u32 hook)
{
	return *(volatile __u32 *)&ig_rule_hooks & (1U << hook);
}

/* Does any deny or audit rule in force name this hook? Then an access whose
 * path cannot be resolved may be one it names. */
static __always_inline bool hook_watched(__u32 hook)
{
	return *(volatile __u32 *)&ig_rule_hooks & IG_HOOK_WATCHED(hook);
}

#endif
