/* SPDX-License-Identifier: GPL-2.0-only */
/* Shared between the allowlist's own files only. */
#ifndef IMAGUARD_ALLOWLIST_PRIV_H
#define IMAGUARD_ALLOWLIST_PRIV_H

#include "allowlist.h"

/* allowlist_add for strings that jansson has already checked as UTF-8. */
int allowlist_add_checked(struct allowlist *al, const struct allowlist_entry *e);

#endif
