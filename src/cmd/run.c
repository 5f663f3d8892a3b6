// SPDX-License-Identifier: GPL-2.0-only
/*
 * `imaguard run`: its options, from the command line and a config file,
 * checked before the daemon (daemon/daemon.c) is started with them.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "allowlist/state.h"
#include "cmd/commands.h"
#include "daemon/daemon.h"
#include "enforcer/enforcer.h"
#include "util/cli.h"
#include "util/fileio.h"
#include "util/log.h"
#include "util/names.h"

/* ---- options ------------------------------------------------------------- */

enum {
	OPT_ALLOWLIST = 256, OPT_SIG, OPT_TRUST, OPT_RULES, OPT_MODE, OPT_AUDIT_LOG, OPT_ECS_LOG,
	OPT_STATE_DIR, OPT_PIDFILE, OPT_PIN, OPT_PIN_DIR, OPT_UNPIN, OPT_LOG_ALL, OPT_SUMMARY,
	OPT_CONFIG, OPT_VERBOSE, OPT_TRUST_FS, OPT_LOCKED, OPT_KBUF,
};

static const struct cli_opt run_opts_table[] = {
	{ "config", OPT_CONFIG, "FILE", "read options from FILE first (\"name value\" lines)" },
	{ "allowlist", OPT_ALLOWLIST, "FILE", "the signed allowlist (required in enforce mode)" },
	{ "sig", OPT_SIG, "FILE", "its detached signature (default FILE.sig)" },
	{ "trust", OPT_TRUST, "PEM", "a trusted public key (repeatable)" },
	{ "rules", OPT_RULES, "FILE", "path rules (imaguard-rules/1)" },
	{ "mode", OPT_MODE, "MODE", "monitor (default) or enforce" },
	{ "audit-log", OPT_AUDIT_LOG, "FILE", "the audit trail, '-' for stdout (default "
	  AUDIT_LOG_DEFAULT ")" },
	{ "ecs-log", OPT_ECS_LOG, "FILE", "also append the audit trail to FILE as Elastic Common "
	  "Schema documents (the trail stays the record of truth)" },
	{ "state-dir", OPT_STATE_DIR, "DIR", "anti-rollback state, lock, status (default "
	  STATE_DIR_DEFAULT ")" },
	{ "pidfile", OPT_PIDFILE, "FILE", "written once enforcement is proven live" },
	{ "pin", OPT_PIN, "[=DIR]", "pin the chain under DIR (default " PIN_DIR_DEFAULT
	  "): enforcement stays when the daemon exits; a later run adopts it" },
	{ "pin-dir", OPT_PIN_DIR, "DIR", "the same as --pin=DIR" },
	{ "unpin", OPT_UNPIN, NULL,
	  "remove the pins and exit (the chain detaches); refused while a daemon holds it" },
	{ "log-all", OPT_LOG_ALL, NULL, "record every executable map and audited open, not "
	  "only the first of each (path, digest, hook)" },
	{ "trust-fs", OPT_TRUST_FS, "KIND", "run files from FUSE (KIND fuse), from overlays "
	  "mounted in a user namespace or whose layer file a user can write (overlay) or from "
	  "network and cluster file systems (remote), whose content can change under IMA's "
	  "digest (refused by default; repeatable)" },
	{ "allow-kernel-buffer", OPT_KBUF, "KIND", "let the kernel take KIND (module, kexec, "
	  "firmware, policy) from a buffer, which has no file to measure (refused in enforce "
	  "mode by default; repeatable)" },
	{ "locked", OPT_LOCKED, NULL, "locked mode: SIGTERM stops the daemon only with an unlock "
	  "token ('imaguard stop --unlock'); implies --pin" },
	{ "summary-interval", OPT_SUMMARY, "SECONDS", "how often repeats are summarised (60)" },
	{ "verbose", OPT_VERBOSE, NULL, "more messages" },
	{ 0 },
};

/* Where an option's value came from, so that a bad one is reported there:
 * the command line (a usage error) or a line of a config file. */
struct opt_src {
	const struct cli_cmd *cmd;
	const char *file;	/* NULL: the command line */
	size_t line;
};

static int opt_error(const struct opt_src *src, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int opt_error(const struct opt_src *src, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!src->file)
		return cli_usage_error(src->cmd, "%s", msg);
	pr_err("config '%s' line %zu: %s", src->file, src->line, msg);
	return EXIT_USAGE;
}

static int set_opt(const struct opt_src *src, struct daemon_opts *o, int key, const char *arg)
{
	uint64_t v;

	switch (key) {
	case OPT_ALLOWLIST: o->allowlist = arg; break;
	case OPT_SIG: o->sig = arg; break;
	case OPT_RULES: o->rules = arg; break;
	case OPT_AUDIT_LOG: o->audit_log = arg; break;
	case OPT_ECS_LOG: o->ecs_log = arg; break;
	case OPT_STATE_DIR: o->state_dir = arg; break;
	case OPT_PIDFILE: o->pidfile = arg; break;
	case OPT_PIN:
	case OPT_PIN_DIR:
		if (arg && !*arg)
			return opt_error(src, "empty pin directory");
		if (arg)
			o->pin_dir = arg;
		else if (!o->pin_dir)
			o->pin_dir = PIN_DIR_DEFAULT;
		break;
	case OPT_UNPIN: o->unpin = true; break;
	case OPT_LOCKED: o->locked = true; break;
	case OPT_LOG_ALL: o->log_all = true; break;
	case OPT_VERBOSE: log_level = LOG_DEBUG; break;
	case OPT_TRUST:
		/* The command line's keys replace the config file's. */
		if (!src->file && o->ntrust_file) {
			o->ntrust = 0;
			o->ntrust_file = 0;
		}
		if (o->ntrust == TRUST_MAX)
			return opt_error(src, "at most %d trust keys", TRUST_MAX);
		o->trust[o->ntrust++] = arg;
		break;
	case OPT_MODE:
		if (names_mode_parse(arg) < 0)
			return opt_error(src, "invalid mode '%s': monitor or enforce", arg);
		o->mode = (enum ig_mode)names_mode_parse(arg);
		break;
	case OPT_TRUST_FS:
		if (!strcmp(arg, "overlay"))
			o->trust_fs |= IG_TRUST_FS_OVERLAY;
		else if (!strcmp(arg, "fuse"))
			o->trust_fs |= IG_TRUST_FS_FUSE;
		else if (!strcmp(arg, "remote"))
			o->trust_fs |= IG_TRUST_FS_REMOTE;
		else
			return opt_error(src, "invalid trust-fs '%s': fuse, overlay or remote", arg);
		break;
	case OPT_KBUF:
		if (!strcmp(arg, "module"))
			o->kbuf_allow |= 1u << IG_KREAD_MODULE;
		else if (!strcmp(arg, "kexec"))
			o->kbuf_allow |= 1u << IG_KREAD_KEXEC_IMAGE | 1u << IG_KREAD_KEXEC_INITRAMFS;
		else if (!strcmp(arg, "firmware"))
			o->kbuf_allow |= 1u << IG_KREAD_FIRMWARE;
		else if (!strcmp(arg, "policy"))
			o->kbuf_allow |= 1u << IG_KREAD_POLICY;
		else
			return opt_error(src, "invalid allow-kernel-buffer '%s': module, kexec, "
					 "firmware or policy", arg);
		break;
	case OPT_SUMMARY:
		if (cli_strtou64(arg, 1, 86400, &v))
			return opt_error(src, "invalid summary-interval '%s': 1 to 86400 seconds",
					 arg);
		o->summary_s = (int)v;
		break;
	default:
		return EXIT_USAGE;
	}
	return 0;
}

/* Blanks and the '\r' of a CRLF file, at both ends. */
static char *trim(char *s)
{
	size_t n;

	s += strspn(s, " \t\r");
	n = strlen(s);
	while (n && strchr(" \t\r", s[n - 1]))
		n--;
	s[n] = '\0';
	return s;
}

static int config_line(const struct opt_src *src, struct daemon_opts *o, char *line, size_t len)
{
	const struct cli_opt *opt;
	char *value, sep;

	if (strlen(line) != len)
		return opt_error(src, "a NUL byte");
	line[strcspn(line, "#")] = '\0';
	line = trim(line);
	if (!*line)
		return 0;
	value = line + strcspn(line, " \t=");
	sep = *value;
	if (sep)
		*value++ = '\0';
	value += strspn(value, " \t");
	if (sep != '=' && *value == '=') /* "name = value" */
		value += 1 + strspn(value + 1, " \t");

	for (opt = run_opts_table; opt->name && strcmp(opt->name, line); opt++)
		;
	if (!opt->name)
		return opt_error(src, "unknown option '%s'", line);
	if (opt->key == OPT_CONFIG)
		return opt_error(src, "'config' does not nest");
	if (!opt->arg && *value)
		return opt_error(src, "'%s' takes no value", line);
	if (opt->arg && !cli_opt_arg_optional(opt) && !*value)
		return opt_error(src, "'%s' needs a value", line);
	return set_opt(src, o, opt->key, *value ? value : NULL);
}

/*
 * A config file holds one option a line, "name value" or "name=value", with
 * the long options' names. The value is the rest of the line, blanks around
 * it trimmed, so that a path may hold spaces or '='. Flags stand alone; "pin"
 * takes its DIR or not. '#' starts a comment; a CRLF file reads the same.
 */
static int read_config(const struct cli_cmd *cmd, struct daemon_opts *o, const char *file)
{
	struct opt_src src = { .cmd = cmd, .file = file };
	uint8_t *buf = NULL;
	char *line, *eol, *end;
	size_t len;
	int rc = 0;

	if (fileio_read_once(file, 1 << 20, &buf, &len))
		return EXIT_FAIL;
	end = (char *)buf + len; /* the NUL fileio_read_once puts after the data */
	for (line = (char *)buf; line < end && !rc; line = eol + 1) {
		eol = memchr(line, '\n', end - line);
		if (!eol)
			eol = end;
		*eol = '\0';
		src.line++;
		/* Strings point into buf, which lives as long as the process. */
		rc = config_line(&src, o, line, eol - line);
	}
	if (rc)
		free(buf);
	return rc;
}

static int run_daemon(const struct cli_cmd *cmd, int argc, char **argv)
{
	struct opt_src cl = { .cmd = cmd };
	struct daemon_opts o;
	const char *arg;
	int key, rc;

	o = (struct daemon_opts){ .audit_log = AUDIT_LOG_DEFAULT, .state_dir = STATE_DIR_DEFAULT,
			       .summary_s = 60 };
	/* --config first, so that the command line overrides the file: a pass
	 * of its own, which reads the options as the second does (abbreviated,
	 * "--config=FILE"), so that no spelling of it goes unread. */
	while ((key = cli_next(cmd, argc, argv, &arg)) != CLI_END) {
		if (key == CLI_HELP)
			return EXIT_OK;
		if (key == CLI_BAD)
			return EXIT_USAGE;
		if (key == OPT_CONFIG && (rc = read_config(cmd, &o, arg)))
			return rc;
	}
	o.ntrust_file = o.ntrust;
	while ((key = cli_next(cmd, argc, argv, &arg)) != CLI_END)
		if (key != OPT_CONFIG && (rc = set_opt(&cl, &o, key, arg)))
			return rc;
	if (optind < argc)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	if (!o.allowlist && o.sig)
		return cli_usage_error(cmd, "--sig needs --allowlist");
	if (!o.allowlist && o.ntrust)
		return cli_usage_error(cmd, "--trust needs --allowlist");
	if (o.unpin) {
		const char *dir = o.pin_dir ? o.pin_dir : PIN_DIR_DEFAULT;
		int found = enforcer_unpin_unheld(dir, 0);

		if (found < 0)
			return EXIT_FAIL;
		printf("imaguard: removed %d pins under '%s'%s\n", found, dir,
		       found ? "; the chain detaches when no daemon holds it" : "");
		return EXIT_OK;
	}
	if (o.mode == IG_MODE_ENFORCE && !o.allowlist)
		return cli_usage_error(cmd, "enforce mode needs --allowlist");
	if (o.allowlist && !o.ntrust)
		return cli_usage_error(cmd, "--allowlist needs at least one --trust key");
	if (o.locked && !o.ntrust)
		return cli_usage_error(cmd, "--locked needs --allowlist and --trust: the unlock "
				       "token is checked with the trusted keys");
	/* Locked: the chain outlives the daemon, whatever ends it. */
	if (o.locked && !o.pin_dir)
		o.pin_dir = PIN_DIR_DEFAULT;

	return daemon_run(&o);
}

const struct cli_cmd cmd_run = {
	.path = "run",
	.args = "[OPTION]...",
	.summary = "the daemon: verify the allowlist, load and prove the BPF-LSM chain, "
		   "enforce or monitor, write the audit trail",
	.run = run_daemon,
	.opts = run_opts_table,
	.details = "Ready (pidfile written, READY=1 sent) only once the chain order is proven,\n"
		   "the maps are filled and, in enforce mode, a canary with an unlisted digest\n"
		   "was refused. SIGHUP reloads allowlist and rules (a failure keeps the old\n"
		   "ones and is recorded); SIGTERM and SIGINT stop. With --pin the chain stays\n"
		   "attached after the daemon exits and the next run adopts it.\n"
		   "No other process may stop, kill, trace or limit the daemon (SIGKILL, SIGSTOP,\n"
		   "ptrace, process_vm_writev, /proc/PID/mem and prlimit are refused and\n"
		   "recorded as `tamper`). With --locked, SIGTERM and SIGINT stop it only with a\n"
		   "valid unlock token handed over by 'imaguard stop --unlock FILE' (see\n"
		   "'imaguard unlock-token'); without one only a reboot ends enforcement.",
};
