// SPDX-License-Identifier: GPL-2.0-only
/*
 * The preemption model read from made-up sources, as each kind of kernel
 * shows it: the model in force in debugfs first, then the build, the boot
 * line and the build's config; what none tells counts as preemptible.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "enforcer/preempt.h"
#include "tmpdir.h"

static char base[TMPDIR_MAX];
static char debugfs[TMPDIR_MAX], cmdline[TMPDIR_MAX], config[TMPDIR_MAX];

static int setup(void **state)
{
	(void)state;
	if (tmpdir_make(base, "preempt"))
		return -1;
	tmpdir_join(debugfs, TMPDIR_MAX, base, "preempt");
	tmpdir_join(cmdline, TMPDIR_MAX, base, "cmdline");
	tmpdir_join(config, TMPDIR_MAX, base, "config-6.1.0-test");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return tmpdir_remove(base);
}

/* path holds text, or is gone (text NULL). */
static void put(const char *path, const char *text)
{
	FILE *f;

	if (!text) {
		remove(path);
		return;
	}
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* The answer with these sources; NULL text: that file is absent. */
static bool ask(const char *dbg, const char *version, const char *cmd, const char *cfg)
{
	struct enforcer_preempt_src src = {
		.debugfs = debugfs, .version = version, .release = "6.1.0-test",
		.cmdline = cmdline, .boot = base,
	};

	put(debugfs, dbg);
	put(cmdline, cmd);
	put(config, cfg);
	return enforcer_preempts_in(&src);
}

#define DYN "#1 SMP PREEMPT_DYNAMIC Debian 6.1.115-1 (2024-11-01)"
#define CMD "BOOT_IMAGE=/vmlinuz root=/dev/vda1 ro"
#define CFG_VOL "CONFIG_PREEMPT_BUILD=y\nCONFIG_PREEMPT_VOLUNTARY=y\nCONFIG_PREEMPT_DYNAMIC=y\n"

/* debugfs, where it is mounted, says what is in force, whatever else says. */
static void test_preempt_debugfs_decides(void **state)
{
	(void)state;
	assert_true(ask("none voluntary (full) lazy\n", DYN, CMD, CFG_VOL));
	assert_true(ask("none voluntary full (lazy)\n", DYN, CMD, CFG_VOL));
	assert_false(ask("none (voluntary) full\n", DYN, CMD " preempt=full", CFG_VOL));
	assert_false(ask("(none) voluntary full\n", "#1 SMP PREEMPT_RT", CMD, NULL));
}

/* Without debugfs: a build with one model says it. */
static void test_preempt_build_decides(void **state)
{
	(void)state;
	assert_true(ask(NULL, "#1 SMP PREEMPT_RT Tue", CMD " preempt=none", CFG_VOL));
	assert_true(ask(NULL, "#1 SMP PREEMPT Tue", CMD, NULL));
	assert_false(ask(NULL, "#1 SMP Tue", CMD " preempt=full", NULL));
	/* debugfs present but not showing a model (an older kernel): the build. */
	assert_false(ask("something else\n", "#1 SMP Tue", CMD, NULL));
}

/* A kernel that picks its model at boot: the boot line, else its config's
 * default; neither readable: preemptible (fails safe). */
static void test_preempt_dynamic(void **state)
{
	(void)state;
	assert_true(ask(NULL, DYN, CMD " preempt=full", CFG_VOL));
	assert_true(ask(NULL, DYN, CMD " preempt=lazy", CFG_VOL));
	assert_false(ask(NULL, DYN, CMD " preempt=voluntary", NULL));
	assert_false(ask(NULL, DYN, CMD " preempt=none", NULL));
	assert_false(ask(NULL, DYN, CMD, CFG_VOL));
	assert_false(ask(NULL, DYN, CMD, "CONFIG_PREEMPT_NONE=y\n"));
	assert_true(ask(NULL, DYN, CMD, "CONFIG_PREEMPT=y\nCONFIG_PREEMPT_DYNAMIC=y\n"));
	assert_true(ask(NULL, DYN, CMD, NULL));
	assert_true(ask(NULL, DYN, NULL, NULL));
	assert_true(ask(NULL, DYN, CMD, "# nothing about the model\n"));
}

/* No build to tell by: preemptible. */
static void test_preempt_unknown(void **state)
{
	struct enforcer_preempt_src src = { .debugfs = debugfs, .cmdline = cmdline, .boot = base };

	(void)state;
	put(debugfs, NULL);
	assert_true(enforcer_preempts_in(&src));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_preempt_debugfs_decides),
		cmocka_unit_test(test_preempt_build_decides),
		cmocka_unit_test(test_preempt_dynamic),
		cmocka_unit_test(test_preempt_unknown),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
