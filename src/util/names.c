// SPDX-License-Identifier: GPL-2.0-only
#include <string.h>

#include "util/names.h"

#define NAMES_COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const char *const hooks[] = {
	[IG_HOOK_EXEC] = "exec",
	[IG_HOOK_MMAP] = "mmap",
	[IG_HOOK_OPEN] = "open",
	[IG_HOOK_SCRIPT] = "script",
};
_Static_assert(NAMES_COUNT(hooks) == IG_HOOK_MAX, "a hook without a name");

static const char *const reasons[] = {
	[IG_REASON_NONE] = "measured",
	[IG_REASON_ALLOWLISTED] = "allowlisted",
	[IG_REASON_NOT_ALLOWLISTED] = "not-allowlisted",
	[IG_REASON_RULE_DENY] = "rule-deny",
	[IG_REASON_RULE_ALLOW] = "rule-allow",
	[IG_REASON_RULE_AUDIT] = "rule-audit",
	[IG_REASON_HASH_ERROR] = "hash-error",
	[IG_REASON_TEXT_BUSY] = "text-busy",
	[IG_REASON_QUOTA] = "quota",
	[IG_REASON_PROC_MEM] = "proc-mem",
};
_Static_assert(NAMES_COUNT(reasons) == IG_REASON_MAX, "a reason without a name");

static const char *const actions[] = {
	[IG_ACT_NONE] = "none",
	[IG_ACT_ALLOW] = "allow",
	[IG_ACT_AUDIT] = "audit",
	[IG_ACT_DENY] = "deny",
};
_Static_assert(NAMES_COUNT(actions) == IG_ACT_DENY + 1, "an action without a name");

static const char *const modes[] = {
	[IG_MODE_MONITOR] = "monitor",
	[IG_MODE_ENFORCE] = "enforce",
};
_Static_assert(NAMES_COUNT(modes) == IG_MODE_ENFORCE + 1, "a mode without a name");

static const char *const decisions[] = {
	[IG_ALLOW] = "allow",
	[IG_DENY] = "deny",
};
_Static_assert(NAMES_COUNT(decisions) == IG_DENY + 1, "a decision without a name");

static const char *name(const char *const *tab, unsigned int n, unsigned int v)
{
	return v < n && tab[v] ? tab[v] : "unknown";
}

static int parse(const char *const *tab, unsigned int n, const char *s)
{
	for (unsigned int i = 0; s && i < n; i++)
		if (tab[i] && !strcmp(s, tab[i]))
			return (int)i;
	return -1;
}

const char *names_hook(unsigned int v)
{
	/* Events outside the chains: never a rule's hook (names_hook_parse). */
	switch (v) {
	case IG_HOOK_MODULE: return "module";
	case IG_HOOK_KREAD: return "kernel_read";
	case IG_HOOK_TAMPER: return "tamper";
	default: return name(hooks, NAMES_COUNT(hooks), v);
	}
}

const char *names_kread(unsigned int v)
{
	static const char *const kinds[] = {
		[IG_KREAD_OTHER] = "other", [IG_KREAD_MODULE] = "module",
		[IG_KREAD_FIRMWARE] = "firmware", [IG_KREAD_KEXEC_IMAGE] = "kexec-image",
		[IG_KREAD_KEXEC_INITRAMFS] = "kexec-initramfs", [IG_KREAD_POLICY] = "policy",
		[IG_KREAD_X509] = "x509-certificate",
	};
	_Static_assert(NAMES_COUNT(kinds) == IG_KREAD_MAX, "a kind without a name");

	return name(kinds, NAMES_COUNT(kinds), v);
}

const char *names_reason(unsigned int v)
{
	return name(reasons, NAMES_COUNT(reasons), v);
}

const char *names_action(unsigned int v)
{
	return name(actions, NAMES_COUNT(actions), v);
}

const char *names_mode(unsigned int v)
{
	return name(modes, NAMES_COUNT(modes), v);
}

int names_hook_parse(const char *s)
{
	return parse(hooks, NAMES_COUNT(hooks), s);
}

int names_reason_parse(const char *s)
{
	return parse(reasons, NAMES_COUNT(reasons), s);
}

int names_action_parse(const char *s)
{
	return parse(actions, NAMES_COUNT(actions), s);
}

int names_mode_parse(const char *s)
{
	return parse(modes, NAMES_COUNT(modes), s);
}

const char *names_decision(unsigned int v)
{
	return name(decisions, NAMES_COUNT(decisions), v);
}

int names_decision_parse(const char *s)
{
	return parse(decisions, NAMES_COUNT(decisions), s);
}
