// SPDX-License-Identifier: GPL-2.0-only
/*
 * `imaguard run`: the daemon. Start-up proves enforcement live before it
 * says it is ready:
 *
 *   verify the allowlist (signature, serial, expiry) and read the rules
 *   -> BPF-LSM active -> load (or adopt a pinned chain) -> fill the maps
 *   -> attach in a proven order -> IMA gives SHA-256 -> (enforce) a canary
 *   with an unlisted digest is refused with EPERM -> pidfile, READY=1
 *
 * Then it turns kernel events into the hash-chained audit trail, reports
 * lost events, reloads on SIGHUP, and stops on SIGTERM/SIGINT. Decisions
 * never wait for it: the kernel decides alone.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "allowlist/allowlist.h"
#include "audit/audit.h"
#include "daemon/daemon.h"
#include "util/digest.h"
#include "enforcer/enforcer.h"
#include "daemon/event.h"
#include "daemon/interp.h"
#include "util/cli.h"
#include "util/fileio.h"
#include "util/log.h"
#include "util/names.h"
#include "util/version.h"
#include "daemon/pipeline.h"
#include "rules/rules.h"
#include "crypto/sig.h"
#include "crypto/token.h"
#include "allowlist/state.h"

#define CANARY_REFUSED 42

struct daemon {
	struct daemon_opts o;
	struct enforcer *e;
	struct pipeline *pl;	/* events to the audit trail */
	struct sig_keyring *trust;
	struct allowlist *al;
	struct rules *rules;
	char al_sha_hex[SHA256_HEX_LEN + 1];
	char rules_sha_hex[SHA256_HEX_LEN + 1];
	uint64_t lost_reported;
	time_t started;
	int lock_fd;
	bool unlocked;		/* locked mode: a valid unlock token came with the stop */
	struct token token;	/* that token */
};

/* ---- the audit trail --------------------------------------------------- */

/* Repeated maps counted in the kernel (pipeline_folds_renew). Without it
 * each repeat is sent and counted here instead: slower, the same trail. */
static void fold_renew(struct daemon *d)
{
	int err = pipeline_folds_renew(d->pl, d->e);

	if (err)
		pr_warn("repeated maps are sent one by one, not counted in the kernel: %s",
			strerror(-err));
}

/* A `lost` record whenever the kernel's lost counter has moved. */
static void check_lost(struct daemon *d)
{
	struct ig_counters c;
	json_t *r;

	if (enforcer_counters(d->e, &c) || c.lost == d->lost_reported)
		return;
	r = pipeline_record_new(d->pl, "lost");
	json_object_set_new(r, "count", json_integer((json_int_t)(c.lost - d->lost_reported)));
	json_object_set_new(r, "cause", json_string("ringbuf"));
	pipeline_record_write(d->pl, r);
	d->lost_reported = c.lost;
}

/* ---- allowlist and rules ----------------------------------------------- */

struct policy {
	struct allowlist *al;
	struct rules *rules;
	char al_sha_hex[SHA256_HEX_LEN + 1];
	char rules_sha_hex[SHA256_HEX_LEN + 1];
};

static void policy_free(struct policy *p)
{
	allowlist_free(p->al);
	rules_free(p->rules);
}

/* Read and check everything; nothing in the kernel changes here. */
static int policy_load(struct daemon *d, struct policy *p)
{
	uint8_t sha[SHA256_LEN], *buf = NULL;
	char err[256] = "";
	size_t len;
	int rc;

	memset(p, 0, sizeof(*p));
	if (d->o.allowlist) {
		struct allowlist_load_opts lo = {
			.path = d->o.allowlist, .sig_path = d->o.sig, .trust = d->trust,
			.state_dir = d->o.state_dir,
		};

		rc = allowlist_load_verified(&lo, &p->al);
		if (rc)
			return rc;
		allowlist_file_sha256(p->al, sha);
		digest_to_hex(sha, p->al_sha_hex);
	}
	if (d->o.rules) {
		rc = fileio_read_once(d->o.rules, RULES_MAX_SIZE, &buf, &len);
		if (rc)
			goto fail;
		rc = rules_parse(buf, len, &p->rules, err, sizeof(err));
		if (rc) {
			pr_err("invalid rules '%s': %s", d->o.rules, err);
			goto fail;
		}
		sha256_buf(buf, len, sha);
		digest_to_hex(sha, p->rules_sha_hex);
		free(buf);
	}
	return 0;
fail:
	free(buf);
	policy_free(p);
	return rc;
}

/* Fill new kernel maps and put them in force together; on failure the old
 * allowlist and the old rules both stay. */
static int policy_apply(struct daemon *d, const struct policy *p)
{
	struct enforcer_rule *kr = NULL;
	struct enforcer_allow *ka = NULL;
	size_t nr = p->rules ? p->rules->n : 0;
	size_t na = p->al ? allowlist_count(p->al) : 0;
	int err = -ENOMEM;

	kr = calloc(nr ? nr : 1, sizeof(*kr));
	ka = calloc(na ? na : 1, sizeof(*ka));
	if (!kr || !ka)
		goto cleanup;
	for (size_t i = 0; i < nr; i++) {
		const struct rule *r = &p->rules->v[i];

		kr[i] = (struct enforcer_rule){
			.path = r->path, .action = r->action, .hooks = r->hooks,
			.kind = !r->dir ? IG_RULE_EXACT : r->recursive ? IG_RULE_TREE : IG_RULE_DIR,
		};
	}
	for (size_t i = 0; i < na; i++) {
		const struct allowlist_entry *en = allowlist_entry_at(p->al, i);

		memcpy(ka[i].digest, en->digest, IG_SHA256_LEN);
		ka[i].bind_path = en->bind_path ? en->path : NULL;
	}
	/* Interpreters and code extensions first: every path is hashed before
	 * any map changes, and they go in force with the rules and the
	 * allowlist, in one flip, or not at all (see docs/design.md). */
	err = interp_apply(d->e, p->rules);
	if (!err)
		err = enforcer_set_policy(d->e, kr, nr, ka, na);
cleanup:
	free(kr);
	free(ka);
	return err;
}

/* Take p as the policy in force (the daemon now owns it). */
static void policy_adopt(struct daemon *d, struct policy *p)
{
	allowlist_free(d->al);
	rules_free(d->rules);
	d->al = p->al;
	d->rules = p->rules;
	memcpy(d->al_sha_hex, p->al_sha_hex, sizeof(d->al_sha_hex));
	memcpy(d->rules_sha_hex, p->rules_sha_hex, sizeof(d->rules_sha_hex));
	p->al = NULL;
	p->rules = NULL;
	if (d->pl)
		pipeline_set_allowlist(d->pl, d->al ? allowlist_serial(d->al) : 0,
				       d->al ? d->al_sha_hex : NULL);
}

/* The policy in force, into the kernel (at start-up). */
static int policy_apply_current(struct daemon *d)
{
	struct policy cur = { .al = d->al, .rules = d->rules };

	return policy_apply(d, &cur);
}

static int policy_commit_state(struct daemon *d)
{
	uint8_t sha[SHA256_LEN];

	if (!d->al || !d->o.state_dir || !allowlist_file_sha256(d->al, sha))
		return 0;
	return state_commit(d->o.state_dir, allowlist_serial(d->al), sha);
}

/*
 * The record names what is in force afterwards: the allowlist fields (the
 * pipeline's) and rules_sha256 are the daemon's, which change only with the
 * kernel's (policy_adopt after policy_apply). A failed apply changed nothing
 * in the kernel, so the old ones are named.
 */
static void reload(struct daemon *d)
{
	char why[160];
	bool applied = false;
	struct policy p;
	json_t *r;
	int err;

	pr_info("reloading the allowlist and rules");
	err = policy_load(d, &p);
	if (!err) {
		err = policy_apply(d, &p);
		if (err)
			policy_free(&p);
	}
	if (!err) {
		policy_adopt(d, &p);
		applied = true;
		err = policy_commit_state(d);
	}
	r = pipeline_record_new(d->pl, "reload");
	json_object_set_new(r, "ok", json_boolean(!err));
	if (applied && err)
		snprintf(why, sizeof(why), "in force, but the anti-rollback state is not saved: %s",
			 strerror(-err));
	else if (err)
		snprintf(why, sizeof(why), "%s",
			 err == -EBADMSG ? "bad signature" :
			 err == -ESTALE ? "rollback refused" :
			 err == -EKEYEXPIRED ? "allowlist expired" :
			 err == -EINVAL ? "invalid allowlist or rules" : strerror(-err));
	if (err)
		json_object_set_new(r, "reason", json_string(why));
	json_object_set_new(r, "rules_sha256",
			    d->o.rules ? json_string(d->rules_sha_hex) : json_null());
	pipeline_record_write(d->pl, r);
	if (applied && err)
		pr_err("reload: the new allowlist and rules are in force, but the anti-rollback "
		       "state could not be saved");
	else if (err)
		pr_err("reload failed, the previous allowlist and rules stay in force");
	if (applied)
		fold_renew(d); /* the swap made every slot's name stale: free them all */
}

/* ---- start-up checks ----------------------------------------------------- */

/*
 * Enforce mode: a fresh file whose digest is on no list must be refused by
 * the live chain. It is a copy of this binary with random bytes appended, so
 * were it to run it would only print the version.
 */
static int canary(struct daemon *d)
{
	char path[PATH_MAX], self[PATH_MAX];
	uint8_t junk[32], buf[65536];
	int in = -1, out = -1, status, err = 0;
	ssize_t n;
	pid_t pid;

	snprintf(path, sizeof(path), "%s/canary.%d", d->o.state_dir, getpid());
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		return -errno;
	self[n] = '\0';
	in = open(self, O_RDONLY | O_CLOEXEC);
	out = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0700);
	if (in < 0 || out < 0) {
		err = -errno;
		goto cleanup;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, n) != n) {
			err = -EIO;
			goto cleanup;
		}
	if (getrandom(junk, sizeof(junk), 0) != sizeof(junk) ||
	    write(out, junk, sizeof(junk)) != sizeof(junk)) {
		err = -EIO;
		goto cleanup;
	}
	close(out);
	out = -1;
	pid = fork();
	if (pid == 0) {
		char *const argv[] = { "imaguard", "version", NULL };
		int null = open("/dev/null", O_WRONLY);

		dup2(null, 1);
		execv(path, argv);
		_exit(errno == EPERM ? CANARY_REFUSED : 100 + (errno & 0x7f));
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0) {
		err = -errno;
		goto cleanup;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == CANARY_REFUSED)
		goto cleanup;
	if (WIFEXITED(status) && WEXITSTATUS(status) >= 100) {
		err = -(WEXITSTATUS(status) - 100);
		pr_err("enforce canary: cannot exec '%s': %s (is the state directory noexec?)",
		       path, strerror(-err));
	} else {
		err = -ENOTRECOVERABLE;
		pr_err("enforce canary: an unlisted program ran: enforcement is not live");
	}
cleanup:
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	unlink(path);
	return err;
}

/* ---- service plumbing ---------------------------------------------------- */

/* systemd's readiness protocol, without libsystemd: one datagram. */
static void notify(const char *msg)
{
	const char *sock = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	socklen_t len;
	int fd;

	if (!sock || (sock[0] != '/' && sock[0] != '@') || strlen(sock) >= sizeof(sa.sun_path))
		return;
	strcpy(sa.sun_path, sock);
	if (sa.sun_path[0] == '@')
		sa.sun_path[0] = '\0'; /* abstract socket */
	len = offsetof(struct sockaddr_un, sun_path) + strlen(sock);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	sendto(fd, msg, strlen(msg), 0, (struct sockaddr *)&sa, len);
	close(fd);
}

/* One daemon per state directory: a second `run` is refused, naming the first. */
static int take_lock(struct daemon *d)
{
	char path[PATH_MAX], pid[32];
	ssize_t n;
	int err;

	if (mkdir(d->o.state_dir, 0700) && errno != EEXIST) {
		err = -errno;
		pr_err("cannot create the state directory '%s': %s", d->o.state_dir, strerror(-err));
		return err;
	}
	snprintf(path, sizeof(path), "%s/%s", d->o.state_dir, LOCK_FILE);
	d->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (d->lock_fd < 0) {
		err = -errno;
		pr_err("cannot open the lock '%s': %s", path, strerror(-err));
		return err;
	}
	if (flock(d->lock_fd, LOCK_EX | LOCK_NB)) {
		n = pread(d->lock_fd, pid, sizeof(pid) - 1, 0);
		pid[n > 0 ? n : 0] = '\0';
		pid[strcspn(pid, "\n")] = '\0';
		pr_err("another 'imaguard run' (pid %s) holds '%s': stop it first",
		       pid[0] ? pid : "unknown", path);
		return -EBUSY;
	}
	n = snprintf(pid, sizeof(pid), "%d\n", getpid());
	if (ftruncate(d->lock_fd, 0) || pwrite(d->lock_fd, pid, n, 0) != n)
		pr_warn("cannot record the pid in '%s'", path);
	return 0;
}

/* status.json: what `imaguard status` reports besides the live counters. */
static void write_status(struct daemon *d)
{
	char path[PATH_MAX];
	struct ig_counters c;
	json_t *st;
	char *text;

	if (enforcer_counters(d->e, &c))
		memset(&c, 0, sizeof(c));
	st = json_pack("{s:i, s:s, s:o, s:o, s:I, s:o, s:I, s:I, s:s?, s:o}", "pid", (int)getpid(),
		       "mode", names_mode(d->o.mode),
		       "allowlist_serial",
		       d->al ? json_integer((json_int_t)allowlist_serial(d->al)) : json_null(),
		       "allowlist_sha256", d->al ? json_string(d->al_sha_hex) : json_null(),
		       "entries", (json_int_t)(d->al ? allowlist_count(d->al) : 0),
		       "rules_sha256", d->o.rules ? json_string(d->rules_sha_hex) : json_null(),
		       "started", (json_int_t)d->started, "updated", (json_int_t)time(NULL),
		       "pin_dir", d->o.pin_dir, "counters", event_counters_to_json(&c));
	json_object_set_new(st, "locked", json_boolean(d->o.locked));
	/* Skipped runs of the rename and mount watchers (enforcer_names_missed). */
	json_object_set_new(st, "names_missed",
			    json_integer((json_int_t)enforcer_names_missed(d->e)));
	/* Changes to the chain the daemon found (the refused are in counters). */
	json_object_set_new(st, "tamper_found",
			    json_integer((json_int_t)enforcer_tamper_found(d->e)));
	text = json_dumps(st, JSON_COMPACT);
	snprintf(path, sizeof(path), "%s/%s", d->o.state_dir, STATUS_FILE);
	if (text)
		fileio_write_atomic(path, text, strlen(text), 0644);
	free(text);
	json_decref(st);
}

static int write_pidfile(const char *path)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%d\n", getpid());

	return fileio_write_atomic(path, buf, n, 0644);
}

static void write_start(struct daemon *d)
{
	struct utsname u;
	char host[256] = "";
	json_t *r;

	uname(&u);
	gethostname(host, sizeof(host) - 1);
	r = pipeline_record_new(d->pl, "start");
	json_object_set_new(r, "format", json_integer(AUDIT_FORMAT));
	json_object_set_new(r, "version", json_string(IMAGUARD_VERSION));
	json_object_set_new(r, "host", json_string(host));
	json_object_set_new(r, "kernel", json_string(u.release));
	json_object_set_new(r, "mode", json_string(names_mode(d->o.mode)));
	json_object_set_new(r, "rules_sha256",
			    d->o.rules ? json_string(d->rules_sha_hex) : json_null());
	json_object_set_new(r, "pid", json_integer(getpid()));
	json_object_set_new(r, "adopted", json_boolean(d->e != NULL));
	pipeline_record_write(d->pl, r);
}

/* A pinned chain ran with nobody reading: say so, with what it lost. */
static void write_gap(struct daemon *d)
{
	char path[PATH_MAX];
	struct ig_counters c;
	json_t *st = NULL, *r;
	long long gap = -1;

	snprintf(path, sizeof(path), "%s/%s", d->o.state_dir, STATUS_FILE);
	st = json_load_file(path, 0, NULL);
	if (st && json_integer_value(json_object_get(st, "updated")))
		gap = (long long)time(NULL) - json_integer_value(json_object_get(st, "updated"));
	json_decref(st);
	if (enforcer_counters(d->e, &c))
		memset(&c, 0, sizeof(c));
	r = pipeline_record_new(d->pl, "lost");
	/* Events the kernel emitted while no reader ran are in the ring buffer
	 * (read next) or counted as lost there. */
	json_object_set_new(r, "count", json_integer((json_int_t)c.lost));
	json_object_set_new(r, "cause", json_string("gap"));
	json_object_set_new(r, "gap_s", gap >= 0 ? json_integer(gap) : json_null());
	pipeline_record_write(d->pl, r);
	d->lost_reported = c.lost;
}

/* ---- locked mode ------------------------------------------------------------ */

/* The sender of a signal, for the record: its name, "" when gone. */
static void sender_comm(pid_t pid, char *buf, size_t size)
{
	char path[64];
	ssize_t n;
	int fd;

	buf[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, buf, size - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
}

/*
 * A SIGTERM or SIGINT in locked mode: the stop goes ahead only with a valid
 * unlock token in the state directory, put there by `stop --unlock` (and
 * removed here whatever it holds). Otherwise the refusal is recorded as
 * `tamper`, told to `stop` in UNLOCK_RESULT_FILE, and the daemon goes on.
 */
static bool unlock(struct daemon *d, const struct signalfd_siginfo *si)
{
	char path[PATH_MAX], result[PATH_MAX], host[256] = "", mid[64], msg[160], comm[32];
	struct token_host here = { .hostname = host, .now = time(NULL) };
	const char *why = "no unlock token";
	struct timespec now;
	struct ig_event ev;
	uint8_t *buf = NULL;
	size_t len;
	int err = -ENOENT;

	snprintf(path, sizeof(path), "%s/%s", d->o.state_dir, UNLOCK_TOKEN_FILE);
	snprintf(result, sizeof(result), "%s/%s", d->o.state_dir, UNLOCK_RESULT_FILE);
	gethostname(host, sizeof(host) - 1);
	if (!token_machine_id(mid, sizeof(mid)))
		here.machine_id = mid;
	if (!access(path, F_OK)) {
		err = fileio_read_once(path, TOKEN_MAX_SIZE, &buf, &len);
		unlink(path); /* one attempt per token handed over */
		if (err)
			why = "unreadable unlock token";
		else
			err = token_check(d->trust, buf, len, &here, &d->token, &why);
		free(buf);
	}
	if (!err) {
		d->unlocked = true;
		unlink(result);
		pr_info("locked mode: a valid unlock token (host %s, nonce %s): stopping",
			d->token.host, d->token.nonce);
		return true;
	}
	snprintf(msg, sizeof(msg), "refused: %s\n", why);
	fileio_write_atomic(result, msg, strlen(msg), 0600);
	/* The same record as the kernel's refusals: only the sender's pid, uid
	 * and comm are known here. */
	memset(&ev, 0, sizeof(ev));
	clock_gettime(CLOCK_BOOTTIME, &now);
	ev.time_ns = (__u64)now.tv_sec * 1000000000ULL + (__u64)now.tv_nsec;
	ev.hook = IG_HOOK_TAMPER;
	ev.tamper = IG_TAMPER_STOP;
	ev.decision = IG_DENY;
	ev.hash_error = -EPERM;
	ev.dev = IG_GUARD_DAEMON;
	ev.ino = (__u64)getpid();
	ev.prot = si->ssi_signo;
	ev.rule = -1;
	ev.pid = si->ssi_pid;
	ev.tid = si->ssi_pid;
	ev.uid = si->ssi_uid;
	sender_comm((pid_t)si->ssi_pid, comm, sizeof(comm));
	snprintf(ev.comm, sizeof(ev.comm), "%s", comm);
	ev.path_len = 1;
	pipeline_tamper(d->pl, &ev, why);
	pr_warn("locked mode: stop from pid %u refused (%s): still enforcing", si->ssi_pid, why);
	return false;
}

/* ---- the loop ------------------------------------------------------------ */

#define DRAIN_MS 100
#define HOUSEKEEP_TICKS (1000 / DRAIN_MS)

static int loop(struct daemon *d)
{
	struct epoll_event ev = { .events = EPOLLIN }, out[4];
	/* Routine events come without a wakeup (bpf/enforcer.bpf.c, wakeup_flags):
	 * drain every tick; summaries, status and fsync every HOUSEKEEP_TICKS. */
	struct itimerspec tick = { { 0, DRAIN_MS * 1000000L }, { 0, DRAIN_MS * 1000000L } };
	uint64_t since_housekeeping = 0;
	int ep, sfd, tfd, rbfd, err = 0;
	sigset_t mask;
	bool stop = false;

	sigemptyset(&mask);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	ep = epoll_create1(EPOLL_CLOEXEC);
	rbfd = enforcer_epoll_fd(d->e);
	if (sfd < 0 || tfd < 0 || ep < 0 || timerfd_settime(tfd, 0, &tick, NULL)) {
		err = -errno;
		goto cleanup;
	}
	ev.data.fd = sfd;
	epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev);
	ev.data.fd = tfd;
	epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &ev);
	ev.data.fd = rbfd;
	epoll_ctl(ep, EPOLL_CTL_ADD, rbfd, &ev);

	while (!stop) {
		int n = epoll_wait(ep, out, 4, -1);

		if (n < 0 && errno != EINTR) {
			err = -errno;
			break;
		}
		for (int i = 0; i < n; i++) {
			if (out[i].data.fd == rbfd) {
				enforcer_poll(d->e, 0);
			} else if (out[i].data.fd == tfd) {
				uint64_t ticks;
				time_t now = time(NULL);

				if (read(tfd, &ticks, sizeof(ticks)) < 0)
					continue;
				enforcer_poll(d->e, 0);
				since_housekeeping += ticks;
				if (since_housekeeping < HOUSEKEEP_TICKS)
					continue;
				since_housekeeping = 0;
				check_lost(d);
				if (pipeline_folds_taken(d->pl) >= IG_FOLD_SLOTS / 2)
					fold_renew(d);
				pipeline_tick(d->pl, now);
				write_status(d);
			} else if (out[i].data.fd == sfd) {
				struct signalfd_siginfo si;

				if (read(sfd, &si, sizeof(si)) != sizeof(si))
					continue;
				if (si.ssi_signo == SIGHUP) {
					enforcer_poll(d->e, 0);
					reload(d);
				} else if (!d->o.locked || unlock(d, &si)) {
					stop = true;
				}
			}
		}
		/* What this round recorded leaves memory now, in one write. */
		pipeline_write_out(d->pl);
	}
	/* Drain what the kernel already sent before the stop record, and from
	 * here on every map is sent: a pinned chain goes on without us. */
	enforcer_fold_stop(d->e);
	enforcer_poll(d->e, 0);
	check_lost(d);
	pipeline_flush(d->pl);
cleanup:
	if (sfd >= 0)
		close(sfd);
	if (tfd >= 0)
		close(tfd);
	if (ep >= 0)
		close(ep);
	return err;
}

/* ---- run ------------------------------------------------------------------ */

static int on_event(void *ctx, const struct ig_event *ev)
{
	struct daemon *d = ctx;

	if (ev->hook == IG_HOOK_TAMPER)
		pr_warn("tamper: %s %s", event_tamper_name(ev->tamper),
			event_tamper_refused(ev->tamper) ? "refused" : "found");
	return pipeline_event(d->pl, ev);
}

/* The trail is open and `start` written before the chain is loaded, so that
 * the decisions made while it attaches are recorded after it. */
static int open_trail(struct daemon *d)
{
	struct pipeline_opts po = {
		.audit_log = d->o.audit_log, .ecs_log = d->o.ecs_log, .mode = d->o.mode,
		.log_all = d->o.log_all,
		.summary_s = d->o.summary_s,
		.allowlist_serial = d->al ? allowlist_serial(d->al) : 0,
		.allowlist_sha256 = d->al ? d->al_sha_hex : NULL,
	};
	int err = pipeline_open(&d->pl, &po);

	if (err)
		return err; /* the writer said why */
	write_start(d);
	if (d->e)
		write_gap(d);
	return 0;
}

static int start(struct daemon *d)
{
	struct enforcer_opts eo = { .mode = d->o.mode, .trust_fs = d->o.trust_fs,
				    .kbuf_allow = d->o.kbuf_allow, .guard = true };
	struct policy p;
	char self[PATH_MAX];
	ssize_t n;
	int err, adopt;

	err = take_lock(d);
	if (err)
		return err;
	d->trust = sig_keyring_new();
	for (int i = 0; i < d->o.ntrust; i++)
		if ((err = sig_keyring_add_file(d->trust, d->o.trust[i])))
			return err;
	err = policy_load(d, &p);
	if (err)
		return err;
	err = enforcer_lsm_check();
	if (err)
		goto fail;

	adopt = d->o.pin_dir ? enforcer_adopt(&d->e, d->o.pin_dir) : -ENOENT;
	if (adopt == -ESTALE || adopt == -EPERM) {
		err = adopt; /* said why: a chain this build cannot drive stays pinned */
		goto fail;
	}
	if (!adopt) {
		if (enforcer_mode(d->e) != d->o.mode) {
			pr_err("the chain pinned at '%s' runs in %s mode, not %s: 'imaguard stop "
			       "--pin-dir %s' first", d->o.pin_dir,
			       names_mode(enforcer_mode(d->e)),
			       names_mode(d->o.mode), d->o.pin_dir);
			err = -EEXIST;
			goto fail;
		}
		if (enforcer_trust_fs(d->e) != d->o.trust_fs ||
		    enforcer_kbuf_allow(d->e) != d->o.kbuf_allow) {
			pr_err("the chain pinned at '%s' trusts other file systems than --trust-fs "
			       "says, or allows other kernel buffers than --allow-kernel-buffer: "
			       "'imaguard stop --pin-dir %s' first", d->o.pin_dir,
			       d->o.pin_dir);
			err = -EEXIST;
			goto fail;
		}
		pr_info("adopted the chain pinned at '%s' (%s mode)", d->o.pin_dir,
			names_mode(d->o.mode));
		policy_adopt(d, &p);
		err = open_trail(d);
		if (err)
			return err;
		enforcer_set_handler(d->e, on_event, d);
		pipeline_set_enforcer(d->pl, d->e);
		err = policy_apply_current(d);
		if (err)
			return err;
	} else {
		n = readlink("/proc/self/exe", self, sizeof(self) - 1);
		if (n <= 0) {
			err = -errno;
			goto fail;
		}
		self[n] = '\0';
		policy_adopt(d, &p);
		err = open_trail(d);
		if (err)
			return err;
		err = enforcer_open(&d->e, &eo);
		if (err)
			return err;
		enforcer_set_handler(d->e, on_event, d);
		pipeline_set_enforcer(d->pl, d->e);
		/* Fill before attaching: the first decision already sees the lists. */
		err = policy_apply_current(d);
		if (!err)
			err = enforcer_attach(d->e, self);
		if (err)
			return err;
		pr_info("chain attached in order %s, proven by a probe exec",
			enforcer_attach_order(d->e));
		if (enforcer_ima_check(d->e)) {
			if (d->o.mode == IG_MODE_ENFORCE) {
				pr_err("refusing enforce mode without IMA SHA-256 digests (monitor mode "
				       "runs, with digests computed in userspace)");
				return -EOPNOTSUPP;
			}
			pr_warn("monitor mode without IMA SHA-256: digests are computed in userspace "
				"(digest_source \"userspace\") and nothing is enforced");
		}
	}
	fold_renew(d);
	if (d->o.mode == IG_MODE_ENFORCE && (err = canary(d)))
		return err;
	if (d->o.pin_dir && (err = enforcer_pin(d->e, d->o.pin_dir)))
		return err;
	err = policy_commit_state(d);
	if (err)
		return err;
	/* Ready means recorded: start and whatever the start-up decided are
	 * in the file before anyone is told. */
	pipeline_write_out(d->pl);
	write_status(d);
	if (d->o.pidfile && (err = write_pidfile(d->o.pidfile)))
		return err;
	notify("READY=1");
	return 0;
fail:
	policy_free(&p);
	return err;
}

/* The daemon with options o, until a signal stops it: an exit status. */
int daemon_run(const struct daemon_opts *o)
{
	struct daemon d = { .o = *o, .lock_fd = -1 };
	struct ig_counters c;
	sigset_t mask;
	json_t *r;
	int rc, err;

	/* Signals arrive through the loop's signalfd, from the start on. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	d.started = time(NULL);

	err = start(&d);
	rc = err ? EXIT_FAIL : EXIT_OK;
	if (err && d.pl) {
		r = pipeline_record_new(d.pl, "stop");
		json_object_set_new(r, "reason", json_string("error"));
		json_object_set_new(r, "error", json_string(strerror(-err)));
		pipeline_record_write(d.pl, r);
	}
	if (!err) {
		pr_info("running in %s mode: %zu allowlist entries%s",
			names_mode(d.o.mode),
			d.al ? allowlist_count(d.al) : 0,
			d.o.pin_dir ? ", pinned" : "");
		err = loop(&d);
		rc = err || pipeline_failed(d.pl) ? EXIT_FAIL : EXIT_OK;
		r = pipeline_record_new(d.pl, "stop");
		json_object_set_new(r, "reason",
				    json_string(err ? "error" : d.unlocked ? "unlock" : "signal"));
		if (d.unlocked)
			json_object_set_new(r, "unlock",
					    json_pack("{s:s, s:I, s:s}", "host", d.token.host,
						      "not_after", (json_int_t)d.token.not_after,
						      "nonce", d.token.nonce));
		if (!enforcer_counters(d.e, &c))
			json_object_set_new(r, "counters", event_counters_to_json(&c));
		pipeline_record_write(d.pl, r);
		write_status(&d);
	}
	/* Unlocked: the daemon removes the pins itself, so the chain
	 * detaches as it exits. */
	if (d.unlocked && d.o.pin_dir)
		enforcer_unpin(d.o.pin_dir);
	if (d.o.pidfile && !err)
		unlink(d.o.pidfile);
	pipeline_free(d.pl);
	enforcer_free(d.e);
	allowlist_free(d.al);
	rules_free(d.rules);
	sig_keyring_free(d.trust);
	if (d.lock_fd >= 0)
		close(d.lock_fd);
	return rc;
}
