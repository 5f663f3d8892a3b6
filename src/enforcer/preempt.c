// SPDX-License-Identifier: GPL-2.0-only
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

#include "enforcer/preempt.h"

/* Does a line of this file hold any of these words? */
static bool file_says(const char *path, const char *const *words)
{
	char buf[4096];
	bool found = false;
	FILE *f = fopen(path, "re");

	if (!f)
		return false;
	while (!found && fgets(buf, sizeof(buf), f))
		for (size_t i = 0; words[i] && !found; i++)
			found = strstr(buf, words[i]) != NULL;
	fclose(f);
	return found;
}

bool enforcer_preempts_in(const struct enforcer_preempt_src *src)
{
	static const char *const full[] = { "(full)", "(lazy)", NULL };
	static const char *const chosen[] = { "(none)", "(voluntary)", "(full)", "(lazy)", NULL };
	static const char *const boot_full[] = { "preempt=full", "preempt=lazy", NULL };
	static const char *const boot_not[] = { "preempt=none", "preempt=voluntary", NULL };
	static const char *const cfg_full[] = { "CONFIG_PREEMPT=y", "CONFIG_PREEMPT_LAZY=y", NULL };
	static const char *const cfg_not[] = {
		"CONFIG_PREEMPT_NONE=y", "CONFIG_PREEMPT_VOLUNTARY=y", NULL,
	};
	char config[512];

	if (file_says(src->debugfs, chosen))
		return file_says(src->debugfs, full);
	if (!src->version)
		return true; /* no build to tell by */
	if (strstr(src->version, "PREEMPT_RT"))
		return true;
	if (!strstr(src->version, "PREEMPT_DYNAMIC"))
		return strstr(src->version, "PREEMPT") != NULL;
	if (file_says(src->cmdline, boot_full))
		return true;
	if (file_says(src->cmdline, boot_not))
		return false;
	if (!src->release ||
	    snprintf(config, sizeof(config), "%s/config-%s", src->boot, src->release) >=
		    (int)sizeof(config))
		return true; /* no config to tell by */
	if (file_says(config, cfg_full))
		return true;
	return !file_says(config, cfg_not);
}

bool enforcer_preempts_everywhere(void)
{
	struct enforcer_preempt_src src = {
		.debugfs = "/sys/kernel/debug/sched/preempt",
		.cmdline = "/proc/cmdline",
		.boot = "/boot",
	};
	struct utsname u;

	if (!uname(&u)) {
		src.version = u.version;
		src.release = u.release;
	}
	return enforcer_preempts_in(&src);
}
