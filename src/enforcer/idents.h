/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Rules by identity (struct ig_ident_key): each rule's path resolved in
 * this process's namespace, where the daemon runs, to what the kernel
 * walks up to from a file reached by any other name. No libbpf here, so
 * that it can be tested alone.
 */
#ifndef IMAGUARD_ENFORCER_IDENTS_H
#define IMAGUARD_ENFORCER_IDENTS_H

#include <stdbool.h>
#include <stddef.h>

#include "enforcer/enforcer.h"

struct ident_entry {
	struct ig_ident_key key;
	struct ig_rule_val val;
};

/*
 * The identities of rules[0..n), equal keys merged as the rules map merges
 * them (deny > audit > allow, then the earlier rule), in *out (malloc'ed;
 * NULL when none) and *nout. Names hash with seed as paths do
 * (enforcer_path_hash). Paths are resolved below root with the mount table
 * mountinfo; root NULL: init's (/proc/1/root, /proc/1/mountinfo), the
 * host's even where this process has a mount namespace of its own, else
 * this process's own (/, /proc/self/mountinfo). The mount table gives each
 * mount's device and the roots of file systems mounted below a tree rule's
 * directory. A rule whose path does not exist, is not a directory where one
 * is named, or is reached through a symbolic link (the kernel never prints
 * such a name, so it never matches by name either) has no identity:
 * reported unless quiet, and matched by name only until a later resolve
 * finds it (the loader resolves again while the policy is in force). A
 * directory or tree rule is also named in its parent (IG_IDENT_NAMED_*,
 * with the parent's IG_IDENT_GATE) whenever the parent resolves, whether
 * or not its directory does. 0 or a negative errno.
 */
int idents_resolve(const struct enforcer_rule *rules, size_t n, __u64 seed, const char *root,
		   const char *mountinfo, bool quiet, struct ident_entry **out, size_t *nout);

#endif
