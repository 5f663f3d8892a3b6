// SPDX-License-Identifier: GPL-2.0-only
/*
 * `imaguard status` and `imaguard stop`: the state of a running or pinned
 * enforcer. Live counters come from the pinned maps when there are pins,
 * otherwise from the running daemon's status file (refreshed every second).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cmd/commands.h"
#include "daemon/daemon.h"
#include "enforcer/enforcer.h"
#include "daemon/event.h"
#include "util/log.h"
#include "util/names.h"
#include "allowlist/state.h"
#include "crypto/token.h"
#include "util/fileio.h"

enum { OPT_STATE_DIR = 256, OPT_PIN_DIR, OPT_JSON, OPT_PROM, OPT_TIMEOUT, OPT_UNLOCK };

/*
 * Whether a daemon holds the lock of state_dir: *pid is its pid, 0 when no
 * daemon runs, -1 when one holds the lock but its pid cannot be read.
 * A directory or lock that cannot be read is an error, never "no daemon":
 * the state directory is 0700, so a user without the right to read it
 * would otherwise be told that nothing runs while the daemon enforces.
 */
static int daemon_pid(const char *state_dir, pid_t *pid)
{
	char path[PATH_MAX], buf[32] = "";
	ssize_t n;
	int fd, err;

	*pid = 0;
	snprintf(path, sizeof(path), "%s/%s", state_dir, LOCK_FILE);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		if (err == -ENOENT)
			return 0;
		pr_err("cannot open the lock '%s': %s", path, strerror(-err));
		return err;
	}
	if (flock(fd, LOCK_SH | LOCK_NB) && errno == EWOULDBLOCK) {
		n = read(fd, buf, sizeof(buf) - 1);
		*pid = n > 0 ? (pid_t)atoi(buf) : -1;
		if (*pid == 0)
			*pid = -1;
	}
	close(fd);
	return 0;
}

/*
 * *st is what status reports, NULL when no daemon runs and nothing is
 * pinned; the return is 0 or a negative errno (reported) when the state
 * directory cannot be read.
 */
static int gather(const char *state_dir, const char *pin_dir, pid_t *pid, json_t **st)
{
	struct enforcer *e = NULL;
	char path[PATH_MAX];
	struct ig_counters c;
	int err;

	*st = NULL;
	err = daemon_pid(state_dir, pid);
	if (err)
		return err;
	snprintf(path, sizeof(path), "%s/%s", state_dir, STATUS_FILE);
	*st = json_load_file(path, 0, NULL);
	if (!enforcer_adopt_readonly(&e, pin_dir)) {
		if (!*st)
			*st = json_pack("{s:s}", "mode", names_mode(enforcer_mode(e)));
		if (!enforcer_counters(e, &c))
			json_object_set_new(*st, "counters", event_counters_to_json(&c));
		json_object_set_new(*st, "pinned", json_true());
		enforcer_free(e);
	} else if (*st && *pid) {
		json_object_set_new(*st, "pinned", json_false());
	} else {
		json_decref(*st);
		*st = NULL;
		return 0;
	}
	json_object_set_new(*st, "running", json_boolean(*pid));
	return 0;
}

static long long num(json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

/* A metric's HELP and TYPE lines, which precede its samples. */
static void prom_family(const char *name, const char *type, const char *help)
{
	printf("# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void prom_value(const char *name, const char *type, const char *help, long long v)
{
	prom_family(name, type, help);
	printf("%s %lld\n", name, v);
}

/* One sample per key of obj, the key as the label's value (escaped as the
 * text format wants: backslash, double quote and newline). */
static void prom_labelled(const char *name, const char *help, const char *label, json_t *obj)
{
	const char *k, *p;
	json_t *v;

	prom_family(name, "counter", help);
	json_object_foreach(obj, k, v) {
		printf("%s{%s=\"", name, label);
		for (p = k; *p; p++) {
			if (*p == '\\' || *p == '"')
				printf("\\%c", *p);
			else if (*p == '\n')
				fputs("\\n", stdout);
			else
				putchar(*p);
		}
		printf("\"} %lld\n", (long long)json_integer_value(v));
	}
}

static void print_prometheus(json_t *st)
{
	json_t *c = json_object_get(st, "counters");

	prom_value("imaguard_up", "gauge", "1 when the daemon runs, 0 when it does not",
		   json_is_true(json_object_get(st, "running")));
	if (!st)
		return;
	prom_value("imaguard_enforce_mode", "gauge", "1 in enforce mode, 0 in monitor mode",
		   names_mode_parse(json_string_value(json_object_get(st, "mode"))) ==
			   IG_MODE_ENFORCE);
	if (json_is_integer(json_object_get(st, "allowlist_serial")))
		prom_value("imaguard_allowlist_serial", "gauge",
			   "serial of the allowlist in force", num(st, "allowlist_serial"));
	prom_value("imaguard_allowlist_entries", "gauge", "entries of the allowlist in force",
		   num(st, "entries"));
	prom_value("imaguard_events_total", "counter", "events submitted to the ring buffer",
		   num(c, "events"));
	prom_value("imaguard_lost_events_total", "counter",
		   "events lost: the ring buffer had no room", num(c, "lost"));
	prom_value("imaguard_folded_maps_total", "counter",
		   "repeated maps counted in the kernel without an event", num(c, "folds"));
	prom_value("imaguard_hash_errors_total", "counter",
		   "accesses whose digest could not be had", num(c, "hash_errors"));
	prom_value("imaguard_order_violations_total", "counter",
		   "accesses whose hook stages did not all run in order", num(c, "order_violations"));
	prom_value("imaguard_names_missed_total", "counter",
		   "rename and mount watcher runs the kernel skipped", num(st, "names_missed"));
	prom_value("imaguard_tamper_total", "counter",
		   "attempts on the enforcer's own objects refused, and changes to them found",
		   num(c, "tamper") + num(st, "tamper_found"));
	prom_labelled("imaguard_denies_total", "accesses denied in enforce mode, by reason", "reason", json_object_get(c, "denies"));
	prom_labelled("imaguard_hook_runs_total", "runs of each LSM hook's first stage", "hook",
		      json_object_get(c, "runs"));
}

static void print_text(json_t *st, pid_t pid)
{
	json_t *c = json_object_get(st, "counters"), *v;
	const char *k;

	printf("state:      %s%s%s\n", pid ? "running" : "not running",
	       json_is_true(json_object_get(st, "pinned")) ? ", pinned (enforcement stays)" : "",
	       pid && json_is_true(json_object_get(st, "locked")) ?
		       ", locked (stops only with an unlock token)" : "");
	if (pid > 0)
		printf("pid:        %d\n", pid);
	printf("mode:       %s\n", json_string_value(json_object_get(st, "mode")) ?: "unknown");
	if (json_is_integer(json_object_get(st, "allowlist_serial")))
		printf("allowlist:  serial %lld, %lld entries, sha256 %s\n",
		       num(st, "allowlist_serial"), num(st, "entries"),
		       json_string_value(json_object_get(st, "allowlist_sha256")));
	else
		printf("allowlist:  none\n");
	printf("rules:      %s\n",
	       json_string_value(json_object_get(st, "rules_sha256")) ?: "none");
	if (num(st, "started") && pid)
		printf("uptime:     %lld s\n", (long long)time(NULL) - num(st, "started"));
	printf("events:     %lld (lost %lld; repeated maps counted in the kernel %lld)\n",
	       num(c, "events"), num(c, "lost"), num(c, "folds"));
	printf("denies:    ");
	json_object_foreach(json_object_get(c, "denies"), k, v)
		printf(" %s %lld", k, (long long)json_integer_value(v));
	printf("\nhash errors: %lld, order violations: %lld\n", num(c, "hash_errors"),
	       num(c, "order_violations"));
	printf("tamper:     %lld refused in the kernel, %lld found by the daemon\n",
	       num(c, "tamper"), num(st, "tamper_found"));
	if (num(st, "names_missed"))
		printf("rename and mount watcher runs the kernel skipped: %lld "
		       "(each made every remembered name forgotten)\n", num(st, "names_missed"));
}

static int run_status(const struct cli_cmd *cmd, int argc, char **argv)
{
	const char *state_dir = STATE_DIR_DEFAULT, *pin_dir = PIN_DIR_DEFAULT, *arg;
	bool json = false, prom = false;
	json_t *st;
	pid_t pid;
	int key;

	while ((key = cli_next(cmd, argc, argv, &arg)) != CLI_END) {
		switch (key) {
		case OPT_STATE_DIR: state_dir = arg; break;
		case OPT_PIN_DIR: pin_dir = arg; break;
		case OPT_JSON: json = true; break;
		case OPT_PROM: prom = true; break;
		case CLI_HELP: return EXIT_OK;
		default: return EXIT_USAGE;
		}
	}
	if (optind < argc)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	if (json && prom)
		return cli_usage_error(cmd, "--json and --prometheus cannot be combined");
	if (gather(state_dir, pin_dir, &pid, &st))
		return EXIT_FAIL;
	if (!st && prom) {
		/* for a scraper, a daemon that is down is a value, not a failure */
		print_prometheus(NULL);
		return EXIT_OK;
	}
	if (!st) {
		pr_err("no running or pinned enforcer: nothing at '%s' or '%s'", state_dir, pin_dir);
		return EXIT_FAIL;
	}
	if (json) {
		json_dumpf(st, stdout, JSON_INDENT(2));
		putchar('\n');
	} else if (prom) {
		print_prometheus(st);
	} else {
		print_text(st, pid);
	}
	json_decref(st);
	return EXIT_OK;
}

static const struct cli_opt status_opts[] = {
	{ "state-dir", OPT_STATE_DIR, "DIR", "the daemon's state directory (" STATE_DIR_DEFAULT ")" },
	{ "pin-dir", OPT_PIN_DIR, "DIR", "where the chain is pinned (" PIN_DIR_DEFAULT ")" },
	{ "json", OPT_JSON, NULL, "print JSON" },
	{ "prometheus", OPT_PROM, NULL, "print the counters in Prometheus text format" },
	{ 0 },
};

const struct cli_cmd cmd_status = {
	.path = "status",
	.args = "[OPTION]...",
	.summary = "mode, allowlist, rules and counters of a running or pinned enforcer",
	.run = run_status,
	.opts = status_opts,
	.details = "Exit 1 when neither a daemon runs nor a chain is pinned, and when the state\n"
		   "directory cannot be read (as another user than the daemon's). With\n"
		   "--prometheus, no daemon is a value: imaguard_up 0 is printed, exit 0.",
};

/* Whether the daemon of state_dir said it runs in locked mode. */
static bool daemon_locked(const char *state_dir)
{
	char path[PATH_MAX];
	json_t *st;
	bool locked;

	snprintf(path, sizeof(path), "%s/%s", state_dir, STATUS_FILE);
	st = json_load_file(path, 0, NULL);
	locked = json_is_true(json_object_get(st, "locked"));
	json_decref(st);
	return locked;
}

/* Locked mode: the token goes into the state directory before SIGTERM,
 * where the daemon reads it (and removes it) when the signal comes. */
static int hand_over(const char *state_dir, const char *token)
{
	char path[PATH_MAX];
	uint8_t *buf = NULL;
	size_t len;
	int err;

	err = fileio_read_once(token, TOKEN_MAX_SIZE, &buf, &len);
	if (err)
		return err; /* said why */
	snprintf(path, sizeof(path), "%s/%s", state_dir, UNLOCK_RESULT_FILE);
	unlink(path);
	snprintf(path, sizeof(path), "%s/%s", state_dir, UNLOCK_TOKEN_FILE);
	err = fileio_write_atomic(path, buf, len, 0600);
	free(buf);
	if (err)
		pr_err("cannot hand the token over in '%s': %s", path, strerror(-err));
	return err;
}

/* The daemon's refusal of the token handed over, if it answered: "" else. */
static void unlock_answer(const char *state_dir, char *buf, size_t size)
{
	char path[PATH_MAX];
	ssize_t n = -1;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", state_dir, UNLOCK_RESULT_FILE);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, buf, size - 1);
		close(fd);
	}
	buf[n > 0 ? n : 0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
}

static int run_stop(const struct cli_cmd *cmd, int argc, char **argv)
{
	const char *state_dir = STATE_DIR_DEFAULT, *pin_dir = PIN_DIR_DEFAULT, *arg;
	const char *token = NULL;
	char answer[256] = "";
	uint64_t timeout = 30;
	int key, found;
	pid_t pid, now = 0;

	while ((key = cli_next(cmd, argc, argv, &arg)) != CLI_END) {
		switch (key) {
		case OPT_STATE_DIR: state_dir = arg; break;
		case OPT_PIN_DIR: pin_dir = arg; break;
		case OPT_TIMEOUT:
			if (cli_parse_u64(cmd, "--timeout", arg, 1, 3600, &timeout))
				return EXIT_USAGE;
			break;
		case OPT_UNLOCK: token = arg; break;
		case CLI_HELP: return EXIT_OK;
		default: return EXIT_USAGE;
		}
	}
	/* before anything is stopped: a stray word may be a mistyped option */
	if (optind < argc)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	if (daemon_pid(state_dir, &pid))
		return EXIT_FAIL;
	if (pid < 0) {
		pr_err("a daemon holds the lock in '%s' but its pid cannot be read: nothing stopped",
		       state_dir);
		return EXIT_FAIL;
	}
	if (pid > 0 && daemon_locked(state_dir)) {
		if (!token) {
			pr_err("the daemon (pid %d) runs in locked mode: it stops only with "
			       "'imaguard stop --unlock TOKEN' (see 'imaguard unlock-token'); "
			       "nothing stopped", pid);
			return EXIT_FAIL;
		}
		if (hand_over(state_dir, token))
			return EXIT_FAIL;
	}
	if (pid > 0) {
		if (kill(pid, SIGTERM)) {
			pr_err("cannot signal the daemon (pid %d): %s", pid, strerror(errno));
			return EXIT_FAIL;
		}
		for (uint64_t i = 0; i <= timeout * 10; i++) {
			if (daemon_pid(state_dir, &now))
				return EXIT_FAIL;
			if (!now)
				break;
			if (token)
				unlock_answer(state_dir, answer, sizeof(answer));
			if (answer[0]) {
				pr_err("the daemon (pid %d) did not stop: unlock token %s; it goes "
				       "on enforcing", pid, answer);
				return EXIT_FAIL;
			}
			usleep(100000);
		}
		if (now) {
			pr_err("the daemon (pid %d) did not stop within %llu s", pid,
			       (unsigned long long)timeout);
			return EXIT_FAIL;
		}
	}
	/* The daemon just stopped may still be closing its links. */
	found = enforcer_unpin_unheld(pin_dir, pid);
	if (found < 0)
		return EXIT_FAIL;
	printf("imaguard: %s%s\n", pid > 0 ? "daemon stopped" : "no daemon was running",
	       found ? ", pins removed: the chain is detached" : "");
	return EXIT_OK;
}

static const struct cli_opt stop_opts[] = {
	{ "state-dir", OPT_STATE_DIR, "DIR", "the daemon's state directory (" STATE_DIR_DEFAULT ")" },
	{ "pin-dir", OPT_PIN_DIR, "DIR", "where the chain is pinned (" PIN_DIR_DEFAULT ")" },
	{ "timeout", OPT_TIMEOUT, "SECONDS", "how long to wait for the daemon (30)" },
	{ "unlock", OPT_UNLOCK, "TOKEN", "a daemon in locked mode: the unlock token file "
	  "('imaguard unlock-token') it stops with" },
	{ 0 },
};

const struct cli_cmd cmd_stop = {
	.path = "stop",
	.args = "[OPTION]...",
	.summary = "stop the daemon and remove the pins, so that the chain detaches",
	.run = run_stop,
	.opts = stop_opts,
	.details = "The daemon of --state-dir is sent SIGTERM and waited for, then the pins\n"
		   "under --pin-dir are removed. Exit 1, with nothing removed, when another\n"
		   "process (a daemon of another --state-dir) holds the pinned chain, and\n"
		   "exit 1 when the daemon does not stop within --timeout, and when the state\n"
		   "directory cannot be read (as another user than the daemon's).\n"
		   "A daemon in locked mode ('run --locked') stops only with --unlock TOKEN:\n"
		   "the token is put in the state directory, the daemon checks it on SIGTERM\n"
		   "and removes the pins itself; a token it refuses (expired, for another\n"
		   "host, not signed by a trusted key) is reported with the reason, exit 1,\n"
		   "and enforcement goes on.",
};
