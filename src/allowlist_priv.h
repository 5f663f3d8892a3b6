/* SPDX-License-Identifier: GPL-2.0-only */
/* Shared between the allowlist's own files only. */
#ifndef IMAGUARD_ALLOWLIST_PRIV_H
#define IMAGUARD_ALLOWLIST_PRIV_H

#include "allowlist.h"

/* allowlist_add for strings that jansson has already checked as UTF-8. */
int allowlist_add_checked(struct allowlist *al, const struct allowlist_entry *e);

/* Size the tables for n entries at once (the parser guesses n from the
 * file's size), so a large list is not rehashed again and again. */
int allowlist_reserve(struct allowlist *al, size_t n);

/* The parser's fast path for plain entries; tests and the fuzzer turn it
 * off to check that it reads exactly what jansson reads. */
extern bool allowlist_parse_fast;

#endif
