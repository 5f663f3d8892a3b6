/* SPDX-License-Identifier: GPL-2.0-only */
/* The interpreters and code extensions a policy gives the kernel (hook
 * "script"): the usual interpreters found on this host, unless the rules
 * say otherwise, and the rules' own, by path or digest. */
#ifndef IMAGUARD_DAEMON_INTERP_H
#define IMAGUARD_DAEMON_INTERP_H

#include "enforcer/enforcer.h"
#include "rules/rules.h"

/* Hash them and hand them to the enforcer for its next policy swap
 * (enforcer_set_policy puts them in force); r may be NULL (defaults only).
 * 0 or a negative errno; an interpreter the rules name by a path that
 * cannot be hashed is an error, a usual one that does not exist is
 * skipped. */
int interp_apply(struct enforcer *e, const struct rules *r);

#endif
