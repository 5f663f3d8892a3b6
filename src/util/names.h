/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The one spelling of each name the kernel side's enums have in the audit
 * trail, the rules, the status and the report: hooks, reasons, rule actions
 * and modes. Every other file reads them from here.
 */
#ifndef IMAGUARD_UTIL_NAMES_H
#define IMAGUARD_UTIL_NAMES_H

#include "imaguard/enforcer.h"

/* The name of a value; "unknown" for one out of range. */
const char *names_hook(unsigned int hook);		/* exec, mmap, open; module, kernel_read, tamper */
const char *names_kread(unsigned int kind);		/* enum ig_kread: module, firmware, ... */
const char *names_reason(unsigned int reason);		/* measured, allowlisted, ... */
const char *names_action(unsigned int action);		/* none, allow, audit, deny */
const char *names_mode(unsigned int mode);		/* monitor, enforce */
const char *names_decision(unsigned int decision);	/* allow, deny */

/* The value a name spells, or -1 (NULL included). */
int names_hook_parse(const char *s);
int names_reason_parse(const char *s);
int names_action_parse(const char *s);
int names_mode_parse(const char *s);
int names_decision_parse(const char *s);

#endif
