// SPDX-License-Identifier: GPL-2.0-only
/*
 * igtest: the guest tests' handle on the enforcer module. It loads the chain
 * with rules and an allowlist given in plain text, writes each event as a
 * JSON line and the counters on SIGUSR1, and writes its pidfile only once the
 * chain is attached, its order proven and the maps filled.
 *
 *   igtest [--mode monitor|enforce] [--allow FILE] [--rule SPEC]... --events FILE
 *          --pidfile FILE [--counters FILE] [--ringbuf-kb N] [--pause-consumer]
 *          [--reload-allow FILE] [--reload-rule SPEC]... [--reload-fault]
 *          [--trust-fs overlay|fuse|remote]... [--interp PATH]... [--script-ext EXT]...
 *          [--script-at-open] [--tamper-fault policy|link|prog] [--pin DIR]
 *          [--reentry-fault]
 *
 *   --allow FILE   lines "<sha256 hex>" (any path) or "<sha256 hex> bind <path>"
 *   --rule SPEC    ACTION:PATH[:r][:hooks=exec,mmap,open]; a directory ends in '/'
 *
 * On SIGHUP it swaps in the --reload-* policy (no --reload-allow: an empty
 * list) as the daemon reloads, and writes "igtest: reload N: ok" or the
 * error to stderr. --reload-fault adds, to the first reload only, a rule
 * the loader refuses (a relative path), so that the swap fails in its rules
 * step, as any failure there would (no memory for the map, say).
 * --trust-fs overlay trusts overlays mounted in a user namespace and layer
 * files a user can write, fuse trusts FUSE, remote network and cluster file
 * systems (enum ig_trust_fs), as `imaguard run --trust-fs` does.
 * --interp names an interpreter by the file's digest (hashed here); with
 * --script-ext the code extensions are these instead of the default ones;
 * --script-at-open judges scripts at file_open even where file_post_open
 * exists. stderr says which hook the script chain is on.
 * --tamper-fault guards the chain for igtest (as the daemon's is) and, once
 * it is ready, changes it as an attacker the kernel did not stop would
 * (tamper_fault below); the check every poll must find it, once.
 * --pin DIR pins the chain under DIR once ready (after the fault, which
 * then changes what is pinned), unguarded, so that a daemon may try to
 * adopt it; the pins outlive igtest.
 * --reentry-fault probes re-entry with the program every kernel guards
 * (enforcer_reentry_probe), so the attach must refuse as on a kernel that
 * guards LSM programs.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/digest.h"
#include "enforcer/enforcer.h"
#include "daemon/event.h"
#include "util/log.h"
/* --tamper-fault changes the chain behind the enforcer's own bookkeeping. */
#include "enforcer/priv.h"

#define MAX_RULES 64
#define MAX_ALLOW 65536
#define MAX_INTERPS 64

static volatile sig_atomic_t stop, dump, resume, reload;

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		dump = 1;
	else if (sig == SIGUSR2)
		resume = 1;
	else if (sig == SIGHUP)
		reload = 1;
	else
		stop = 1;
}

/* The policy a SIGHUP swaps in. */
struct reload_policy {
	struct enforcer_rule rules[MAX_RULES + 1];
	size_t nrules;
	struct enforcer_allow *allow;
	size_t nallow;
	bool fault;
	int count;
};

static void do_reload(struct enforcer *e, struct reload_policy *rp)
{
	size_t n = rp->nrules;
	int err;

	rp->count++;
	if (rp->fault && rp->count == 1)
		rp->rules[n++] = (struct enforcer_rule){
			.path = "not-absolute", .kind = IG_RULE_EXACT, .action = IG_ACT_DENY,
			.hooks = 1u << IG_HOOK_EXEC,
		};
	err = enforcer_set_policy(e, rp->rules, n, rp->allow, rp->nallow);
	fprintf(stderr, "igtest: reload %d: %s\n", rp->count, err ? strerror(-err) : "ok");
	fflush(stderr);
}

struct ctx {
	FILE *events;
	enum ig_mode mode;
	struct event_clock clk;
	const struct enforcer *e;
};

static int on_event(void *data, const struct ig_event *ev)
{
	struct ctx *c = data;
	char hex[SHA256_HEX_LEN + 1];
	__u8 d[IG_SHA256_LEN];
	bool named = ev->hook == IG_HOOK_SCRIPT && c->e && enforcer_interp_digest(c->e, ev->interp, d);
	json_t *j;

	if (named)
		digest_to_hex(d, hex);
	j = event_to_json(ev, c->mode, &c->clk, named ? hex : NULL);

	if (!j) {
		fprintf(stderr, "igtest: cannot render an event\n");
		return 0;
	}
	if (ev->hook == IG_HOOK_TAMPER) {
		json_object_set_new(j, "type", json_string("tamper"));
		event_put_tamper(j, ev);
	}
	json_dumpf(j, c->events, JSON_COMPACT);
	fputc('\n', c->events);
	fflush(c->events);
	json_decref(j);
	return 0;
}

static int parse_rule(char *spec, struct enforcer_rule *r)
{
	char *action = strtok(spec, ":"), *path = strtok(NULL, ":"), *opt;
	size_t len;

	if (!action || !path)
		return -EINVAL;
	if (!strcmp(action, "deny"))
		r->action = IG_ACT_DENY;
	else if (!strcmp(action, "allow"))
		r->action = IG_ACT_ALLOW;
	else if (!strcmp(action, "audit"))
		r->action = IG_ACT_AUDIT;
	else
		return -EINVAL;
	r->path = path;
	len = strlen(path);
	r->kind = path[len - 1] == '/' ? IG_RULE_DIR : IG_RULE_EXACT;
	r->hooks = 1u << IG_HOOK_EXEC | 1u << IG_HOOK_MMAP;
	while ((opt = strtok(NULL, ":"))) {
		if (!strcmp(opt, "r") && r->kind == IG_RULE_DIR) {
			r->kind = IG_RULE_TREE;
		} else if (!strncmp(opt, "hooks=", 6)) {
			r->hooks = 0;
			for (char *h = strtok(opt + 6, ","); h; h = strtok(NULL, ","))
				r->hooks |= !strcmp(h, "exec") ? 1u << IG_HOOK_EXEC :
					    !strcmp(h, "mmap") ? 1u << IG_HOOK_MMAP :
					    !strcmp(h, "open") ? 1u << IG_HOOK_OPEN :
					    !strcmp(h, "script") ? 1u << IG_HOOK_SCRIPT : 0;
			/* strtok was re-aimed at the hook list: nothing may follow it */
			break;
		} else {
			return -EINVAL;
		}
	}
	return 0;
}

static int read_allow(const char *file, struct enforcer_allow *a, size_t *n)
{
	FILE *f = fopen(file, "r");
	char line[4200];

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f) && *n < MAX_ALLOW) {
		char *hex = strtok(line, " \t\n"), *kw = strtok(NULL, " \t\n");

		if (!hex || hex[0] == '#')
			continue;
		if (digest_from_hex(hex, strlen(hex), a[*n].digest)) {
			fclose(f);
			return -EINVAL;
		}
		a[*n].bind_path = NULL;
		if (kw && !strcmp(kw, "bind"))
			a[*n].bind_path = strdup(strtok(NULL, "\n"));
		(*n)++;
	}
	fclose(f);
	return 0;
}

static void write_counters(struct enforcer *e, const char *path)
{
	struct ig_counters c;
	char tmp[4200];
	json_t *j;
	FILE *f;

	if (!path || enforcer_counters(e, &c))
		return;
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f)
		return;
	j = event_counters_to_json(&c);
	json_object_set_new(j, "names_missed", json_integer((json_int_t)enforcer_names_missed(e)));
	json_object_set_new(j, "tamper_found", json_integer((json_int_t)enforcer_tamper_found(e)));
	json_dumpf(j, f, JSON_COMPACT);
	fputc('\n', f);
	fclose(f);
	json_decref(j);
	rename(tmp, path);
}

/*
 * What --tamper-fault changes, behind the enforcer's bookkeeping:
 *   policy  ig_policy flipped: the other slot in force;
 *   link    the mmap hook's stage 1 link released: its fd now names
 *           /dev/null, so the program is off the hook;
 *   prog    the guard-rename link's fd made to name another link, whose
 *           program (guard-umount, of a second copy of the object) has
 *           another tag: the kernel cannot replace an LSM link's program
 *           (its links have no update_prog), so this is how "the link runs
 *           another program" is staged. The copy stays loaded till exit.
 */
static int tamper_fault(struct enforcer *e, const char *what)
{
	struct enforcer_bpf__bss bss;
	struct enforcer_bpf *copy;
	struct bpf_link *l;
	int fd;

	if (!strcmp(what, "policy")) {
		if (bss_read(e, &bss))
			return -EIO;
		return BSS_SET(e, ig_policy, bss.ig_policy ^ 1);
	}
	if (!strcmp(what, "link")) {
		fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (fd < 0 || dup2(fd, bpf_link__fd(e->links[IG_HOOK_MMAP][0])) < 0)
			return -errno;
		close(fd);
		return 0;
	}
	if (!strcmp(what, "prog")) {
		/* A second copy of this build's object, with the program
		 * sets this kernel can load (see enforcer_open). */
		struct enforcer other = { .policy_slot = -1 };

		copy = enforcer_bpf__open();
		if (!copy)
			return -errno;
		other.skel = copy;
		enforcer_sets_like(&other, e);
		if (enforcer_bpf__load(copy))
			return -errno;
		l = bpf_program__attach_lsm(copy->progs.ig_guard_umount);
		if (!l)
			return -errno;
		if (dup2(bpf_link__fd(l), bpf_link__fd(e->aux_links[AUX_GUARD_RENAME])) < 0)
			return -errno;
		return 0;
	}
	return -EINVAL;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "mode", required_argument, NULL, 'm' },
		{ "allow", required_argument, NULL, 'a' },
		{ "rule", required_argument, NULL, 'r' },
		{ "events", required_argument, NULL, 'e' },
		{ "pidfile", required_argument, NULL, 'p' },
		{ "counters", required_argument, NULL, 'c' },
		{ "ringbuf-kb", required_argument, NULL, 'k' },
		{ "pause-consumer", no_argument, NULL, 'P' },
		{ "reload-allow", required_argument, NULL, 'A' },
		{ "reload-rule", required_argument, NULL, 'R' },
		{ "reload-fault", no_argument, NULL, 'F' },
		{ "trust-fs", required_argument, NULL, 'T' },
		{ "interp", required_argument, NULL, 'I' },
		{ "script-ext", required_argument, NULL, 'X' },
		{ "script-at-open", no_argument, NULL, 'O' },
		{ "tamper-fault", required_argument, NULL, 'K' },
		{ "pin", required_argument, NULL, 'N' },
		{ "reentry-fault", no_argument, NULL, 'E' },
		{ 0 },
	};
	static struct enforcer_allow allow[MAX_ALLOW], reload_allow[MAX_ALLOW];
	static struct reload_policy rp = { .allow = reload_allow };
	const char *reload_allow_file = NULL, *tamper = NULL, *pin_dir = NULL;
	struct enforcer_rule rules[MAX_RULES];
	struct enforcer_opts eo = { .mode = IG_MODE_MONITOR };
	const char *events = NULL, *pidfile = NULL, *counters = NULL, *allow_file = NULL;
	struct ctx ctx = { 0 };
	struct enforcer *e = NULL;
	size_t nrules = 0, nallow = 0, ninterps = 0, nexts = 0;
	static __u8 interps[MAX_INTERPS][IG_SHA256_LEN];
	static const char *exts[IG_SCRIPT_EXT_MAX];
	bool paused = false;
	char self[4096];
	ssize_t n;
	FILE *pf;
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			eo.mode = !strcmp(optarg, "enforce") ? IG_MODE_ENFORCE : IG_MODE_MONITOR;
			break;
		case 'a':
			allow_file = optarg;
			break;
		case 'r':
			if (nrules == MAX_RULES || parse_rule(optarg, &rules[nrules])) {
				fprintf(stderr, "igtest: bad rule '%s'\n", optarg);
				return 2;
			}
			nrules++;
			break;
		case 'e':
			events = optarg;
			break;
		case 'p':
			pidfile = optarg;
			break;
		case 'c':
			counters = optarg;
			break;
		case 'k':
			eo.ringbuf_bytes = (unsigned int)strtoul(optarg, NULL, 10) * 1024;
			break;
		case 'P':
			paused = true;
			break;
		case 'A':
			reload_allow_file = optarg;
			break;
		case 'R':
			if (rp.nrules == MAX_RULES || parse_rule(optarg, &rp.rules[rp.nrules])) {
				fprintf(stderr, "igtest: bad rule '%s'\n", optarg);
				return 2;
			}
			rp.nrules++;
			break;
		case 'F':
			rp.fault = true;
			break;
		case 'T':
			if (!strcmp(optarg, "overlay")) {
				eo.trust_fs |= IG_TRUST_FS_OVERLAY;
			} else if (!strcmp(optarg, "fuse")) {
				eo.trust_fs |= IG_TRUST_FS_FUSE;
			} else if (!strcmp(optarg, "remote")) {
				eo.trust_fs |= IG_TRUST_FS_REMOTE;
			} else {
				fprintf(stderr, "igtest: bad --trust-fs '%s'\n", optarg);
				return 2;
			}
			break;
		case 'I': {
			int fd = open(optarg, O_RDONLY | O_CLOEXEC);

			if (ninterps == MAX_INTERPS || fd < 0 ||
			    sha256_fd(fd, interps[ninterps], NULL)) {
				fprintf(stderr, "igtest: cannot hash interpreter '%s'\n", optarg);
				return 2;
			}
			close(fd);
			ninterps++;
			break;
		}
		case 'X':
			if (nexts == IG_SCRIPT_EXT_MAX)
				return 2;
			exts[nexts++] = optarg;
			break;
		case 'O':
			eo.script_at_open = true;
			break;
		case 'K':
			if (strcmp(optarg, "policy") && strcmp(optarg, "link") &&
			    strcmp(optarg, "prog")) {
				fprintf(stderr, "igtest: bad --tamper-fault '%s'\n", optarg);
				return 2;
			}
			tamper = optarg;
			break;
		case 'N':
			pin_dir = optarg;
			break;
		case 'E':
			eo.reentry_probe_tracing = true;
			break;
		default:
			return 2;
		}
	}
	/* Guarded as the daemon's is, unless another process is to adopt it. */
	eo.guard = tamper && !pin_dir;
	if (!events || !pidfile) {
		fprintf(stderr, "igtest: --events and --pidfile are required\n");
		return 2;
	}
	if (allow_file && read_allow(allow_file, allow, &nallow)) {
		fprintf(stderr, "igtest: bad allow file '%s'\n", allow_file);
		return 2;
	}
	if (reload_allow_file && read_allow(reload_allow_file, reload_allow, &rp.nallow)) {
		fprintf(stderr, "igtest: bad allow file '%s'\n", reload_allow_file);
		return 2;
	}
	ctx.events = fopen(events, "a");
	if (!ctx.events) {
		perror(events);
		return 1;
	}
	ctx.mode = eo.mode;
	event_clock_init(&ctx.clk);
	enforcer_log_libbpf();
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	signal(SIGUSR1, on_signal);
	signal(SIGUSR2, on_signal);
	signal(SIGHUP, on_signal);

	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		return 1;
	self[n] = '\0';
	if (enforcer_lsm_check() || enforcer_open(&e, &eo))
		return 1;
	enforcer_set_handler(e, on_event, &ctx);
	ctx.e = e;
	if (enforcer_set_interps(e, (const __u8 (*)[IG_SHA256_LEN])interps, ninterps) ||
	    (nexts && enforcer_set_script_exts(e, exts, nexts))) {
		enforcer_free(e);
		return 1;
	}
	fprintf(stderr, "igtest: %zu interpreters, scripts judged at %s\n", ninterps,
		enforcer_script_hook(e));
	if (enforcer_set_policy(e, rules, nrules, allow, nallow) || enforcer_attach(e, self)) {
		enforcer_free(e);
		return 1;
	}
	fprintf(stderr, "igtest: chain attached in order %s, %zu rules, %zu allowlist entries\n",
		enforcer_attach_order(e), nrules, nallow);
	enforcer_ima_check(e);
	pf = fopen(pidfile, "w");
	if (!pf)
		return 1;
	fprintf(pf, "%d\n", getpid());
	fclose(pf);
	if (tamper) {
		int err = tamper_fault(e, tamper);

		fprintf(stderr, "igtest: tamper fault %s: %s\n", tamper, err ? strerror(-err) : "applied");
		fflush(stderr);
	}
	if (pin_dir) {
		int err = enforcer_pin(e, pin_dir);

		fprintf(stderr, "igtest: pinned at %s: %s\n", pin_dir, err ? strerror(-err) : "ok");
		fflush(stderr);
	}

	while (!stop) {
		if (dump) {
			dump = 0;
			if (!paused)
				enforcer_poll(e, 0);
			write_counters(e, counters);
		}
		if (resume)
			paused = false;
		if (reload) {
			reload = 0;
			do_reload(e, &rp);
		}
		if (paused)
			usleep(50000);
		else
			enforcer_poll(e, 100);
	}
	/* A resume that came with the stop still drains what is waiting. */
	if (resume)
		paused = false;
	if (!paused)
		while (enforcer_poll(e, 0) > 0)
			;
	write_counters(e, counters);
	enforcer_free(e);
	fclose(ctx.events);
	unlink(pidfile);
	return 0;
}
