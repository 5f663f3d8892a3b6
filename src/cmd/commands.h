/* SPDX-License-Identifier: GPL-2.0-only */
/* Every subcommand the binary has; main.c lists them in its table. */
#ifndef IMAGUARD_COMMANDS_H
#define IMAGUARD_COMMANDS_H

#include "util/cli.h"
#include "util/version.h"

extern const struct cli_cmd cmd_probe;
extern const struct cli_cmd cmd_allowlist_build, cmd_allowlist_import, cmd_allowlist_check;
extern const struct cli_cmd cmd_allowlist, cmd_hash, cmd_rules;
extern const struct cli_cmd cmd_report, cmd_allowlist_propose;

extern const struct cli_cmd cmd_run, cmd_status, cmd_stop, cmd_audit, cmd_unlock_token;

#endif
