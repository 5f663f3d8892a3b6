// SPDX-License-Identifier: GPL-2.0-only
/*
 * igbench: what the enforcer costs the work it watches, measured in the guest.
 *
 *   igbench [--quick | --full] [--rounds N] [--only NAME[,...]] [--seed N] [--peers]
 *
 * One process holds three arms and switches between them:
 *
 *   off    nothing attached
 *   noop   tests/bench/noop.bpf.c: every program of the chain with an empty body, the
 *          cost of the trampolines alone
 *   full   the real chain (src/enforcer/enforcer.h) in enforce mode with a 50,000-entry
 *          allowlist and about a hundred rules, and the daemon's consumer
 *          (src/daemon/pipeline.h) writing the audit trail to tmpfs from its own thread
 *
 * With --peers, two more arms: what a user would run instead (peers_setup()).
 *
 *   fapolicyd     Debian's fapolicyd (scripts/vm/mkpeers.sh puts it in the
 *                 guest), enforcing with integrity = sha256 and a trust
 *                 file of the same files as FULL's allowlist, started and
 *                 stopped around its blocks
 *   ima_appraise  the kernel's IMA appraisal in enforce mode, hash-only
 *                 security.ima on copies of the exec and map workloads'
 *                 files on ext4, owned by IMA_OWNER, the one owner its
 *                 appraise rules name (the policy cannot be taken back
 *                 within a boot; see ima_setup())
 *
 * Each peer must refuse an unlisted program and run a listed one before
 * anything is timed, or it is reported failed with the reason and its arm
 * does not run.
 *
 * Each round puts the arms in a fresh random order, and each arm runs one
 * timed block of every workload, in a fresh random order too. A switch
 * costs seconds under emulation (a detach waits for the kernel to retire
 * trampolines), so a round switches once per arm, not once per workload.
 * Guest time is emulated (TCG) and the host is shared: only ratios against
 * OFF in the same round are results, nanoseconds are raw data. A control
 * workload that no hook sees must come out at 1.00 +- 0.02 or the run is
 * marked noisy.
 *
 * Interpreted code: perl requiring 100 modules and busybox sh sourcing 10
 * scripts, with perl and busybox named interpreters and every script listed
 * under FULL; an unlisted module and script must run under OFF and be
 * refused under FULL before anything is timed (check_judges()). Their
 * first run in each block, before the warm-up, is reported apart: under
 * FULL the first since the attach, every file a hash-cache miss.
 *
 * Cold hash: files of a few sizes, each iteration a new inode mapped
 * PROT_EXEC under OFF and FULL; what FULL adds per byte is set against
 * OpenSSL's SHA-256 of the same bytes in this process.
 *
 * A separate pass after the timing turns on the kernel's BPF run-time
 * statistics and reads every program's run_time_ns and run_cnt per
 * workload; statistics cost time on every program run, so they are never on
 * while a block is timed. The chain's own counters are read around every
 * FULL block.
 *
 * Progress goes to stderr; stdout gets exactly one line, "@@BENCH " and a
 * JSON object (built at the end of main).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ftw.h>
#include <grp.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <jansson.h>
#include <openssl/evp.h>

#include "util/digest.h"
#include "enforcer/enforcer.h"
#include "daemon/event.h"
#include "util/fileio.h"
#include "util/log.h"
#include "util/names.h"
#include "noop.skel.h"
#include "daemon/pipeline.h"

#define TMP_BASE	"/tmp/igbench"
#define EXT4_MNT	"/mnt/ext4"
#define EXT4_BASE	EXT4_MNT "/igbench"
#define AUDIT_LOG	"/tmp/igbench-audit.log"
#define EXT4_MAGIC	0xEF53
/* Twelve directories below the base, for the deep-path opens. */
#define DEEP_DIRS	"d01/d02/d03/d04/d05/d06/d07/d08/d09/d10/d11/d12"
#define ANON_LEN	(64 * 1024)
#define ALLOW_TOTAL	50000
#define MAX_ROUNDS	64
#define QUICK_ROUNDS	6
#define FULL_ROUNDS	17
#define MAX_WORKLOADS	32
#define MAX_RULES	128
#define MAX_COLD	16
#define COLD_PER_BLOCK	3	/* fresh files per arm and round; one from COLD_BIG up */
#define COLD_BIG	(8 << 20)
#define MAX_COLD_SAMPLES (MAX_ROUNDS * COLD_PER_BLOCK)
#define NOBODY		65534
#define CONTROL_TOL	0.02
#define CHUNKS		64	/* at most, per timed block */
#define CHUNK_NS	1000000	/* a chunk's length, at least one iteration */
#define METER_NS	100000	/* one speed-meter run at the guest's best speed */

extern char **environ;

/* The peers' arms come last: ARM_PEER and up. */
enum arm { ARM_OFF, ARM_NOOP, ARM_FULL, ARM_FAPOLICYD, ARM_IMA, ARM_MAX };
#define ARM_PEER ARM_FAPOLICYD
static const char *const arm_names[ARM_MAX] = { "off", "noop", "full", "fapolicyd",
						"ima_appraise" };

enum sw { SW_FULL_ATTACH, SW_FULL_DETACH, SW_NOOP_ATTACH, SW_NOOP_DETACH, SW_SETTLE,
	  SW_FAPOLICYD_START, SW_FAPOLICYD_STOP, SW_MAX };
static const char *const sw_names[SW_MAX] = {
	"full_attach", "full_detach", "noop_attach", "noop_detach", "settle",
	"fapolicyd_start", "fapolicyd_stop",
};
#define SWITCH_SAMPLES (4 * MAX_ROUNDS + 16)

/* ---- workloads ------------------------------------------------------------ */

enum wl_kind {
	WL_CONTROL,
	WL_EXEC_STATIC,
	WL_EXEC_DYNAMIC,
	WL_OPEN_SHORT,
	WL_OPEN_DEEP,
	WL_OPEN_AUDIT,
	WL_MMAP_LIB,
	WL_MMAP_ANON,
	WL_CREATE,
	WL_PERL_MODS,
	WL_SH_SOURCE,
	WL_MAX,
};

struct wl_desc {
	const char *name;
	bool per_fs;		/* one workload per file system (tmpfs, ext4) */
	const char *label;	/* the target's name; NULL: no target */
	double limit;		/* FULL/OFF median must be <= limit */
};

static const struct wl_desc wl_descs[WL_MAX] = {
	[WL_CONTROL] = { "control", false, NULL, 0 },
	[WL_EXEC_STATIC] = { "exec_static", true, "static exec", 1.01 },
	[WL_EXEC_DYNAMIC] = { "exec_dynamic", true, "dynamic exec", 1.02 },
	[WL_OPEN_SHORT] = { "open_short", true, "unwatched open+close, short path", 1.03 },
	[WL_OPEN_DEEP] = { "open_deep", true, "unwatched open+close, deep path", 1.03 },
	[WL_OPEN_AUDIT] = { "open_audit", true, NULL, 0 },
	[WL_MMAP_LIB] = { "mmap_exec_lib", true, "exec-mmap of a library", 1.03 },
	/* No hook program does more than look at the file pointer: within
	 * the control's own spread. */
	[WL_MMAP_ANON] = { "mmap_anon", false, "anonymous mmap", 1.02 },
	/* What a new file costs: a write open of a name never seen (the
	 * whole open filter) and a new dentry (names forgotten on the
	 * inode). No target: the issue sets none. */
	[WL_CREATE] = { "create_unlink", true, NULL, 0 },
	/* Interpreted code (hook script, perl and busybox named interpreters
	 * under FULL): a listed perl script requiring 100 listed modules, and
	 * busybox sh running a listed script that sources 10 listed ones. On
	 * ext4 only: where the kernel has no file_post_open (6.1) the chain
	 * takes the digest IMA measured when root read the file, and the
	 * guest's tcb policy measures root's reads on ext4, not on tmpfs. No
	 * target: the issue sets none. */
	[WL_PERL_MODS] = { "perl_modules", false, NULL, 0 },
	[WL_SH_SOURCE] = { "sh_source", false, NULL, 0 },
};

#define PERL		"/usr/bin/perl"
#define BUSYBOX		"/bin/busybox"
#define PERL_MODS	100
#define SH_LIBS		10

struct workload {
	enum wl_kind kind;
	const char *fs;		/* "tmpfs", "ext4" or "none" */
	char path[PATH_MAX];
	int fd;			/* WL_MMAP_LIB: the library, open for the whole run */
	size_t len;
	long n;			/* iterations per timed block */
	double ns[ARM_MAX][MAX_ROUNDS];	/* ns per iteration, per arm and round */
	double norm[ARM_MAX][MAX_ROUNDS];	/* the same, speed-normalised (block()) */
	double slow[ARM_MAX][MAX_ROUNDS];	/* the meter's median slowdown in the block */
	int rounds;
	struct ig_counters ctr;	/* FULL, timed blocks only */
	long ctr_ops;
	double daemon_ns;	/* FULL, timed blocks: the consumer thread's CPU time */
	double wall[MAX_ROUNDS];	/* FULL with the consumer's time left in (ns per op) */
	/* WL_PERL_MODS, WL_SH_SOURCE: the first run in each arm's pass, before
	 * the warm-up; under FULL the first since the attach, which starts a
	 * new hash-cache epoch: every script is a cache miss (ns) */
	double first[ARM_MAX][MAX_ROUNDS];
	long first_epoch;	/* the FULL attach its last FULL run came after */
	long first_hashes, first_hits, first_n;	/* FULL's cold first runs: counters */
	char *const *argv;	/* a spawned workload's arguments, NULL: path alone */
	char err[256];
	/* ARM_IMA: the appraised copy of the file (empty: the workload's own)
	 * and, for WL_MMAP_LIB, that copy open */
	char ima_path[PATH_MAX];
	int ima_fd;
	/* A peer's arm that failed on this workload: its ratios are left out,
	 * the others' stand */
	char arm_err[ARM_MAX][160];
};

/* Cold hash: a fresh inode per iteration, mapped PROT_EXEC. */
struct cold {
	size_t size;
	const char *fs;
	const char *base;
	double ns[ARM_MAX][MAX_COLD_SAMPLES];	/* the map's time */
	int cnt[ARM_MAX];
	double openssl_ns;	/* one in-process SHA-256 of the same bytes */
	struct ig_counters ctr;
	long ctr_ops;
	char err[256];
};

/* ---- the bench ------------------------------------------------------------ */

/* A peer (--peers): whether its arm runs, and what the results say of it. */
struct peer {
	bool run;		/* set up and seen to judge: its arm runs */
	const char *status;	/* "ok", "failed" or "unavailable" */
	char reason[320];
	int refuses;		/* refused the unlisted program: -1 not checked */
	int judged_perl, judged_sh;	/* refused the unlisted module / script: -1 */
	char version[80];
	pid_t pid;		/* fapolicyd, while its arm is in force */
	off_t log_off;		/* where this start's messages begin in its log */
};

struct bench {
	bool quick;
	int rounds;
	long block_ns;		/* target length of a timed block */
	const char *only;
	uint64_t rng;
	uint64_t seed;
	char self[PATH_MAX];
	char bindir[PATH_MAX];
	bool have_ext4;
	int cpu;		/* the vCPU the timed side runs on, -1: any */
	bool shared_cpu;	/* one CPU: the consumer runs between the timed side's slices */

	struct workload wl[MAX_WORKLOADS];
	int nwl;
	struct cold cold[MAX_COLD];
	int ncold;
	unsigned char *cold_buf;	/* the content of every cold file, largest size */
	size_t cold_max;
	pid_t cold_pid;			/* the worker that maps them (cold_worker) */
	int cold_sock;

	struct enforcer *e;
	struct noop_bpf *noop;
	int noop_twins, noop_all;	/* twins loaded, twins generated */
	int chain_progs;		/* programs the chain loaded (find_full_progs) */
	struct pipeline *pl;
	enum arm arm;
	/* How long each kind of switch took, ms: raw data. */
	double switch_ms[SW_MAX][SWITCH_SAMPLES];
	int nswitch[SW_MAX];
	long switch_total_ns;
	long settle_ms;		/* longest wait after a switch (settle) */
	long quiet_ns;		/* the fastest quiet_probe() seen */
	long meter_iters;	/* one speed-meter run (meter()) */
	long meter_best_ns;	/* its time at the guest's best speed */
	int full_fds[IG_HOOK_MAX][3];	/* the chain's programs, for run-time statistics */
	int nrules;
	size_t nallow;
	size_t nreal;		/* allowlist entries with a real digest */
	long full_epoch;	/* FULL attaches so far */
	bool have_perl;		/* PERL exists: perl_modules runs */
	char interp_dir[PATH_MAX];	/* the interpreted workloads' files */
	char perl_inc[PATH_MAX], perl_main[PATH_MAX], sh_main[PATH_MAX];
	char *perl_argv[5], *sh_argv[3];
	/* Whether FULL refused an unlisted perl module and an unlisted sourced
	 * script (check_judges()): -1 not checked, 0 no, 1 yes */
	int judged_perl, judged_sh;
	bool peers;		/* --peers */
	struct peer peer[ARM_MAX];	/* ARM_PEER and up */

	/* The consumer thread: polls only while FULL is attached, and never
	 * while the main thread uses the ring buffer (enforcer_attach's probe
	 * reads it, and a ring buffer has one reader). */
	pthread_t consumer;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool consume, polling, quit;
	int poll_err;
	bool consumer_up;
};

static uint64_t rng_next(struct bench *b)
{
	/* xorshift64*: shuffles, random digests, the cold content */
	b->rng ^= b->rng >> 12;
	b->rng ^= b->rng << 25;
	b->rng ^= b->rng >> 27;
	return b->rng * 0x2545F4914F6CDD1DULL;
}

static long now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000L + t.tv_nsec;
}

/* snprintf that says when it cut: 0 or -ENAMETOOLONG. */
__attribute__((format(printf, 3, 4))) static int fmt(char *buf, size_t len, const char *f, ...)
{
	va_list ap;
	int n;

	va_start(ap, f);
	n = vsnprintf(buf, len, f, ap);
	va_end(ap);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Linear interpolation between the closest ranks of a sorted array. */
static double quantile(const double *s, int n, double q)
{
	double pos = q * (n - 1);
	int lo = (int)pos;

	if (lo + 1 >= n)
		return s[n - 1];
	return s[lo] + (s[lo + 1] - s[lo]) * (pos - lo);
}

static double median_of(const double *v, int n)
{
	double *s = malloc(n * sizeof(*s));
	double m;

	if (!s || !n) {
		free(s);
		return NAN;
	}
	memcpy(s, v, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_double);
	m = quantile(s, n, 0.5);
	free(s);
	return m;
}

struct spread {
	double median, p25, p75, min, max;
};

static struct spread spread_of(const double *v, int n)
{
	double s[MAX_ROUNDS];
	struct spread r = { NAN, NAN, NAN, NAN, NAN };

	if (n <= 0 || n > MAX_ROUNDS)
		return r;
	memcpy(s, v, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_double);
	r.median = quantile(s, n, 0.5);
	r.p25 = quantile(s, n, 0.25);
	r.p75 = quantile(s, n, 0.75);
	r.min = s[0];
	r.max = s[n - 1];
	return r;
}

/* Nanoseconds as JSON integers, rounded (without libm). */
static json_int_t iround(double x)
{
	return (json_int_t)(x < 0 ? x - 0.5 : x + 0.5);
}

/* NaN is no JSON number: null instead. */
static json_t *num(double x)
{
	return isfinite(x) ? json_real(x) : json_null();
}

static json_t *ns_json(double ns)
{
	return isfinite(ns) ? json_integer(iround(ns)) : json_null();
}

static json_t *spread_json(struct spread s)
{
	json_t *j = json_object();

	json_object_set_new(j, "median", num(s.median));
	json_object_set_new(j, "p25", num(s.p25));
	json_object_set_new(j, "p75", num(s.p75));
	json_object_set_new(j, "min", num(s.min));
	json_object_set_new(j, "max", num(s.max));
	return j;
}

/* num/den per round, the rounds where both are numbers. */
static struct spread finite_ratios(const double *num, const double *den, int rounds)
{
	double r[MAX_ROUNDS];
	int n = 0;

	for (int i = 0; i < rounds; i++)
		if (isfinite(num[i] / den[i]))
			r[n++] = num[i] / den[i];
	return spread_of(r, n);
}

/* num/den per round. */
static struct spread round_ratios(const double *num, const double *den, int rounds)
{
	double r[MAX_ROUNDS];

	for (int i = 0; i < rounds; i++)
		r[i] = num[i] / den[i];
	return spread_of(r, rounds);
}

/* arm/off per round, speed-normalised (norm) or from the blocks' times. */
static struct spread ratio_spread(const struct workload *w, enum arm a, bool raw)
{
	return raw ? round_ratios(w->ns[a], w->ns[ARM_OFF], w->rounds) :
		     round_ratios(w->norm[a], w->norm[ARM_OFF], w->rounds);
}

/* FULL/OFF per round with the consumer's CPU time left in the FULL times. */
static struct spread wall_spread(const struct workload *w)
{
	return round_ratios(w->wall, w->ns[ARM_OFF], w->rounds);
}

static const char *wl_name(const struct workload *w)
{
	return wl_descs[w->kind].name;
}

/* ---- counters --------------------------------------------------------------- */

_Static_assert(sizeof(struct ig_counters) % sizeof(__u64) == 0, "ig_counters is all __u64");
#define CTR_WORDS (sizeof(struct ig_counters) / sizeof(__u64))

static void ctr_add_delta(struct ig_counters *acc, const struct ig_counters *before,
			  const struct ig_counters *after)
{
	__u64 *a = (__u64 *)acc;
	const __u64 *x = (const __u64 *)before, *y = (const __u64 *)after;

	for (size_t i = 0; i < CTR_WORDS; i++)
		a[i] += y[i] - x[i];
}

/* The counters as the daemon reports them, plus operations and, where the
 * counters have them, stage 2's hash calls per operation. */
static json_t *ctr_json(const struct ig_counters *c, long ops)
{
	json_t *j = event_counters_to_json(c), *h;

	json_object_set_new(j, "ops", json_integer(ops));
	h = json_object_get(j, "hashes");
	if (json_is_integer(h) && ops > 0)
		json_object_set_new(j, "hashes_per_op",
				    json_real((double)json_integer_value(h) / ops));
	return j;
}

/* ---- the consumer thread ---------------------------------------------------- */

static void *consumer_main(void *arg)
{
	struct bench *b = arg;
	time_t last = time(NULL);

	pthread_mutex_lock(&b->mu);
	for (;;) {
		int n;

		while (!b->consume && !b->quit)
			pthread_cond_wait(&b->cv, &b->mu);
		if (b->quit)
			break;
		b->polling = true;
		pthread_mutex_unlock(&b->mu);

		/* The daemon's own cadence: drain, and the one-second housekeeping. */
		n = enforcer_poll(b->e, 50);
		if (time(NULL) != last) {
			last = time(NULL);
			pipeline_tick(b->pl, last);
		}

		pthread_mutex_lock(&b->mu);
		b->polling = false;
		if (n < 0 && n != -EINTR && !b->poll_err)
			b->poll_err = n;
		pthread_cond_broadcast(&b->cv);
	}
	pthread_mutex_unlock(&b->mu);
	return NULL;
}

/* CPU time the consumer thread has used: what the daemon costs besides the
 * kernel's programs (on one vCPU it is inside the FULL arm's times). */
static double consumer_cpu_ns(struct bench *b)
{
	struct timespec ts;
	clockid_t cid;

	if (!b->consumer_up || pthread_getcpuclockid(b->consumer, &cid) ||
	    clock_gettime(cid, &ts))
		return 0;
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void consumer_set(struct bench *b, bool consume)
{
	pthread_mutex_lock(&b->mu);
	b->consume = consume;
	pthread_cond_broadcast(&b->cv);
	while (!consume && b->polling)
		pthread_cond_wait(&b->cv, &b->mu);
	pthread_mutex_unlock(&b->mu);
}

/* ---- fapolicyd, the process ----------------------------------------------------- */

#define FAPOLICYD	"/usr/sbin/fapolicyd"
#define FAPOLICYD_LIB	"/opt/ig/peers/fapolicyd/lib"	/* its libraries (mkpeers.sh) */
#define FAPOLICYD_VERSION "/opt/ig/peers/fapolicyd/version"
#define FAPOLICYD_LOG	"/tmp/igbench-fapolicyd.log"
/* What it says once its fanotify marks are in place and it answers. */
#define FAPOLICYD_READY	"Starting to listen for events"
#define FAPOLICYD_WAIT_S 600	/* a start loads the 50,000 trust entries: emulated, slow */

/* Whether FILE holds TEXT after offset OFF; the last line there in LAST. */
static bool log_has(const char *file, off_t off, const char *text, char *last, size_t len)
{
	char line[1024];
	bool found = false;
	FILE *f = fopen(file, "r");

	if (!f)
		return false;
	if (fseeko(f, off, SEEK_SET) == 0)
		while (!found && fgets(line, sizeof(line), f)) {
			found = strstr(line, text) != NULL;
			if (last && line[0] != '\n') {
				line[strcspn(line, "\n")] = '\0';
				(void)fmt(last, len, "%s", line); /* cut to LEN: enough */
			}
		}
	fclose(f);
	return found;
}

static void fapolicyd_stop(struct bench *b)
{
	struct peer *p = &b->peer[ARM_FAPOLICYD];
	long t0 = now_ns();

	if (p->pid <= 0)
		return;
	/* SIGTERM: it stops deciding, closes its fanotify descriptor (the
	 * marks go with it) and exits */
	kill(p->pid, SIGTERM);
	while (waitpid(p->pid, NULL, WNOHANG) == 0) {
		if (now_ns() - t0 > 60 * 1000000000L) {
			kill(p->pid, SIGKILL);
			waitpid(p->pid, NULL, 0);
			break;
		}
		usleep(10000);
	}
	p->pid = 0;
}

/*
 * fapolicyd in the foreground (--debug-deny: its messages and only its
 * denials to its log), ready when it says it listens: its fanotify marks
 * are in place by then. 0, or a negative errno with the reason in the
 * peer's reason.
 */
static int fapolicyd_start(struct bench *b)
{
	struct peer *p = &b->peer[ARM_FAPOLICYD];
	char *argv[] = { "fapolicyd", "--debug-deny", NULL };
	char *envp[] = { "LD_LIBRARY_PATH=" FAPOLICYD_LIB, "PATH=/usr/sbin:/usr/bin:/sbin:/bin",
			 NULL };
	posix_spawn_file_actions_t fa;
	char last[256] = "";
	long t0 = now_ns();
	struct stat st;
	int err, status;

	p->log_off = stat(FAPOLICYD_LOG, &st) ? 0 : st.st_size;
	if (posix_spawn_file_actions_init(&fa))
		return -ENOMEM;
	err = posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0) ||
			      posix_spawn_file_actions_addopen(&fa, 2, FAPOLICYD_LOG,
							       O_WRONLY | O_CREAT | O_APPEND, 0600)
		      ? ENOMEM
		      : posix_spawn(&p->pid, FAPOLICYD, &fa, NULL, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	if (err) {
		p->pid = 0;
		(void)fmt(p->reason, sizeof(p->reason), "cannot start %s: %s", FAPOLICYD,
			  strerror(err));
		return -err;
	}
	for (;;) {
		if (log_has(FAPOLICYD_LOG, p->log_off, FAPOLICYD_READY, NULL, 0))
			return 0;
		if (waitpid(p->pid, &status, WNOHANG) == p->pid) {
			p->pid = 0;
			log_has(FAPOLICYD_LOG, p->log_off, FAPOLICYD_READY, last, sizeof(last));
			(void)fmt(p->reason, sizeof(p->reason),
				  "fapolicyd exited (status %d) before it listened: %s",
				  WIFEXITED(status) ? WEXITSTATUS(status) : 256, last);
			return -ECHILD;
		}
		if (now_ns() - t0 > FAPOLICYD_WAIT_S * 1000000000L)
			break;
		usleep(20000);
	}
	fapolicyd_stop(b);
	(void)fmt(p->reason, sizeof(p->reason), "fapolicyd did not listen within %d s",
		  FAPOLICYD_WAIT_S);
	return -ETIMEDOUT;
}

/* ---- arms ------------------------------------------------------------------- */

static void switch_took(struct bench *b, enum sw k, long t0)
{
	long t = now_ns() - t0;

	b->switch_total_ns += t;
	if (b->nswitch[k] < SWITCH_SAMPLES)
		b->switch_ms[k][b->nswitch[k]++] = t / 1e6;
}

/* One short burst of the control's system call, ns. */
static long quiet_probe(void)
{
	long t0 = now_ns();

	for (int i = 0; i < 1000; i++)
		syscall(SYS_getppid);
	return now_ns() - t0;
}

/*
 * Attaching and detaching leave the kernel deferred work (trampoline images
 * freed after an RCU-tasks grace period, patched code that the emulator
 * translates anew): after a switch, wait until a short burst of system
 * calls runs as fast as it did when the guest was last quiet, at most
 * settle_ms. The wait is reported; it is never timed.
 */
static void settle(struct bench *b)
{
	long t0 = now_ns();
	int calm = 0;

	usleep(20000);
	while (now_ns() - t0 < b->settle_ms * 1000000L) {
		long t = quiet_probe();

		if (!b->quiet_ns || t < b->quiet_ns)
			b->quiet_ns = t;
		calm = t <= b->quiet_ns * 11 / 10 ? calm + 1 : 0;
		if (calm >= 3)
			break;
		usleep(5000);
	}
	switch_took(b, SW_SETTLE, t0);
}

/*
 * Attaching and detaching are timed (raw data) and followed by settle().
 */
static bool ima_files;	/* ARM_IMA in force: the workloads use their appraised copies */

static int arm_set(struct bench *b, enum arm a)
{
	long t0;
	int err = 0;

	if (b->arm == a)
		return 0;
	t0 = now_ns();
	switch (b->arm) {
	case ARM_FULL:
		enforcer_detach(b->e);
		consumer_set(b, false);
		/* What the chain sent is consumed now, not in the next arm's time. */
		while (enforcer_poll(b->e, 0) > 0)
			;
		switch_took(b, SW_FULL_DETACH, t0);
		break;
	case ARM_NOOP:
		noop_bpf__detach(b->noop);
		switch_took(b, SW_NOOP_DETACH, t0);
		break;
	case ARM_FAPOLICYD:
		fapolicyd_stop(b);
		switch_took(b, SW_FAPOLICYD_STOP, t0);
		break;
	case ARM_IMA:
		ima_files = false;
		break;
	default:
		break;
	}
	b->arm = ARM_OFF;
	t0 = now_ns();
	switch (a) {
	case ARM_NOOP:
		err = noop_bpf__attach(b->noop);
		if (err) {
			fprintf(stderr, "igbench: cannot attach the noop programs: %s\n",
				strerror(-err));
			break;
		}
		switch_took(b, SW_NOOP_ATTACH, t0);
		break;
	case ARM_FULL:
		err = enforcer_attach(b->e, b->self);
		if (err)
			break; /* the enforcer said why */
		switch_took(b, SW_FULL_ATTACH, t0);
		b->full_epoch++;
		consumer_set(b, true);
		break;
	case ARM_FAPOLICYD:
		err = fapolicyd_start(b);
		if (err) {
			fprintf(stderr, "igbench: %s\n", b->peer[a].reason);
			break;
		}
		switch_took(b, SW_FAPOLICYD_START, t0);
		break;
	case ARM_IMA:
		/* The policy is in force in every arm (ima_setup()); this arm
		 * is the files it appraises. */
		ima_files = true;
		break;
	default:
		break;
	}
	if (err)
		return err;
	b->arm = a;
	settle(b);
	return 0;
}

/* ---- one block of iterations ------------------------------------------------- */

/* The child's exit status, 256 when a signal ended it, or a negative errno. */
static int spawn_status(const char *path, char *const *argv, posix_spawn_file_actions_t *fa)
{
	int status, err;
	pid_t pid;

	err = posix_spawn(&pid, path, fa, NULL, argv, environ);
	if (err)
		return -err;
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 256;
}

static int spawn_argv(const char *path, char *const *argv, posix_spawn_file_actions_t *fa)
{
	int st = spawn_status(path, argv, fa);

	return st < 0 ? st : st ? -ECHILD : 0;
}

static int spawn_wait(const char *path, posix_spawn_file_actions_t *fa)
{
	char *const argv[] = { (char *)path, NULL };

	return spawn_argv(path, argv, fa);
}

static posix_spawn_file_actions_t spawn_fa;

static int run_iters(struct workload *w, long n)
{
	const char *path = ima_files && w->ima_path[0] ? w->ima_path : w->path;
	int fd, err, mfd = ima_files && w->ima_fd >= 0 ? w->ima_fd : w->fd;
	void *p;

	switch (w->kind) {
	case WL_CONTROL:
		for (long i = 0; i < n; i++)
			syscall(SYS_getppid); /* glibc never caches it; no LSM hook on the way */
		return 0;
	case WL_EXEC_STATIC:
	case WL_EXEC_DYNAMIC:
		for (long i = 0; i < n; i++)
			if ((err = spawn_wait(path, &spawn_fa)))
				return err;
		return 0;
	case WL_PERL_MODS:
	case WL_SH_SOURCE:
		for (long i = 0; i < n; i++)
			if ((err = spawn_argv(w->path, w->argv, &spawn_fa)))
				return err;
		return 0;
	case WL_OPEN_SHORT:
	case WL_OPEN_DEEP:
	case WL_OPEN_AUDIT:
		for (long i = 0; i < n; i++) {
			fd = open(w->path, O_RDONLY | O_CLOEXEC);
			if (fd < 0)
				return -errno;
			close(fd);
		}
		return 0;
	case WL_MMAP_LIB:
		for (long i = 0; i < n; i++) {
			p = mmap(NULL, w->len, PROT_READ | PROT_EXEC, MAP_PRIVATE, mfd, 0);
			if (p == MAP_FAILED)
				return -errno;
			munmap(p, w->len);
		}
		return 0;
	case WL_CREATE:
		for (long i = 0; i < n; i++) {
			fd = open(w->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
			if (fd < 0)
				return -errno;
			close(fd);
			if (unlink(w->path))
				return -errno;
		}
		return 0;
	case WL_MMAP_ANON:
		for (long i = 0; i < n; i++) {
			p = mmap(NULL, ANON_LEN, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (p == MAP_FAILED)
				return -errno;
			munmap(p, ANON_LEN);
		}
		return 0;
	default:
		return -EINVAL;
	}
}

static void wl_fail(struct workload *w, enum arm a, int err)
{
	if (a >= ARM_PEER) {
		/* a peer's failure drops that peer's results, not the workload */
		if (w->arm_err[a][0])
			return;
		(void)fmt(w->arm_err[a], sizeof(w->arm_err[a]), "%s: %s", arm_names[a],
			  strerror(-err));
		fprintf(stderr, "igbench: %s/%s failed under %s: %s (its %s ratios left out)\n",
			wl_name(w), w->fs, arm_names[a], strerror(-err), arm_names[a]);
		return;
	}
	if (w->err[0])
		return;
	(void)fmt(w->err, sizeof(w->err), "%s under %s: %s", w->path[0] ? w->path : wl_name(w),
		  arm_names[a], strerror(-err));
	fprintf(stderr, "igbench: %s/%s failed: %s (dropped from the results)\n", wl_name(w),
		w->fs, w->err);
}

/*
 * The speed meter: a userspace loop that no hook sees, whose time says how
 * fast this vCPU runs right now. Under emulation on a shared host that
 * speed drifts by a factor of two or more, for seconds at a time, when
 * other work lands on the host's cores. It only feeds a second estimator
 * (block()'s norm), reported beside the results, never as them: the loop's
 * own speed also depends on what ran just before it (after OpenSSL's
 * SHA-256 it reads several times slower while OpenSSL's own times hold
 * steady), so a ratio normalised by it may lean.
 */
static volatile uint64_t meter_sink;

static long meter(long iters)
{
	uint64_t x = meter_sink;
	long t0 = now_ns();

	for (long i = 0; i < iters; i++) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		__asm__ volatile("" : "+r"(x));
	}
	meter_sink = x;
	return now_ns() - t0;
}

/* Meter iterations for about METER_NS at the guest's best speed, and that
 * best time: the speed every normalised time is brought back to. */
static void meter_calibrate(struct bench *b)
{
	long n = 1024, best = LONG_MAX;

	while (meter(n) < METER_NS && n < 1L << 30)
		n *= 2;
	for (int k = 0; k < 5; k++) {
		long t = meter(n);

		if (t < best)
			best = t;
	}
	b->meter_iters = (long)((double)n * METER_NS / (best ? best : 1)) + 1;
	b->meter_best_ns = LONG_MAX;
	for (int k = 0; k < 9; k++) {
		long t = meter(b->meter_iters);

		if (t < b->meter_best_ns)
			b->meter_best_ns = t;
	}
}

/* How much slower than its best the vCPU runs now (about 1 when quiet). */
static double slowdown(const struct bench *b)
{
	return (double)meter(b->meter_iters) / b->meter_best_ns;
}

/*
 * Untimed warm-up (a new attach starts a new hash-cache epoch; caches of
 * the workload settle), then the timed block, under the arm in force, in
 * chunks of about CHUNK_NS each followed by the speed meter:
 *
 *   ns    the block's CLOCK_MONOTONIC time per iteration, all chunks: the
 *         result. When the consumer shares the one CPU (shared_cpu), the
 *         CPU time it used during a chunk is taken out of the chunk: the
 *         workload's own time, as with the daemon on a core of its own;
 *         the daemon's time is reported beside it (daemon_ns, wall)
 *   norm  the median over chunks of ns per iteration divided by the
 *         slowdown the meter saw right after the chunk: a host stall
 *         spoils a chunk, not the median, and a host busy elsewhere slows
 *         workload and meter alike (a second estimator, see meter())
 */
static int block(struct bench *b, struct workload *w, int round)
{
	enum arm a = b->arm;
	long nc = b->block_ns / CHUNK_NS;
	struct ig_counters c0, c1;
	double norm[CHUNKS], slow[CHUNKS], total = 0, daemon = 0;
	int err = 0;

	nc = nc < 1 ? 1 : nc > CHUNKS ? CHUNKS : nc;
	if (nc > w->n)
		nc = w->n;
	if (w->argv) {
		/* FULL's first run counts as cold only if nothing ran it since
		 * the attach (the arm may stay attached across rounds) */
		bool cold = a != ARM_FULL || w->first_epoch != b->full_epoch;
		bool ctr = a == ARM_FULL && cold && !enforcer_counters(b->e, &c0);
		long t0 = now_ns();

		err = run_iters(w, 1);
		w->first[a][round] = cold ? (double)(now_ns() - t0) : NAN;
		if (a == ARM_FULL)
			w->first_epoch = b->full_epoch;
		if (ctr && !enforcer_counters(b->e, &c1)) {
			w->first_hashes += (long)(c1.hashes - c0.hashes);
			w->first_hits += (long)(c1.cache_hits - c0.cache_hits);
			w->first_n++;
		}
	}
	if (!err)
		err = run_iters(w, w->n / 20 + 1);
	if (err) {
		wl_fail(w, a, err);
		return err;
	}
	if (a == ARM_FULL && enforcer_counters(b->e, &c0))
		memset(&c0, 0, sizeof(c0));
	for (int c = 0; c < nc; c++) {
		long k = w->n / nc + (c < w->n % nc), t0;
		double t, d0 = a == ARM_FULL ? consumer_cpu_ns(b) : 0, d = 0;

		t0 = now_ns();
		err = run_iters(w, k);
		t = now_ns() - t0;
		if (a == ARM_FULL)
			d = consumer_cpu_ns(b) - d0;
		if (err) {
			wl_fail(w, a, err);
			return err;
		}
		daemon += d;
		if (b->shared_cpu)
			t -= d;
		total += t;
		slow[c] = slowdown(b);
		norm[c] = (double)t / k / slow[c];
	}
	if (a == ARM_FULL && !enforcer_counters(b->e, &c1)) {
		ctr_add_delta(&w->ctr, &c0, &c1);
		w->ctr_ops += w->n;
		w->daemon_ns += daemon;
	}
	w->ns[a][round] = total / w->n;
	if (a == ARM_FULL)
		w->wall[round] = (total + (b->shared_cpu ? daemon : 0)) / w->n;
	w->norm[a][round] = median_of(norm, (int)nc);
	w->slow[a][round] = median_of(slow, (int)nc);
	return 0;
}

/*
 * Iterations per block: what fills block_ns under OFF (in force). The
 * fastest of three runs sets it: disturbance only ever adds time.
 */
static int calibrate(struct bench *b, struct workload *w)
{
	long n = 1, best = LONG_MAX;
	int err;

	if ((err = run_iters(w, 2)))
		goto fail;
	for (;;) {
		long t0 = now_ns(), t;

		if ((err = run_iters(w, n)))
			goto fail;
		t = now_ns() - t0;
		if (t >= b->block_ns / 4 || n >= 1L << 24)
			break;
		n *= 2;
	}
	for (int k = 0; k < 3; k++) {
		long t0 = now_ns(), t;

		if ((err = run_iters(w, n)))
			goto fail;
		t = now_ns() - t0;
		if (t < best)
			best = t;
	}
	w->n = (long)((double)n * b->block_ns / (best ? best : 1));
	if (w->n < 2)
		w->n = 2;
	return 0;
fail:
	wl_fail(w, ARM_OFF, err);
	return err;
}

/* ---- cold hash ---------------------------------------------------------------- */

/*
 * The cold map is made by a worker process running as nobody (all three
 * uids, no capabilities): IMA's tcb policy measures what root opens for
 * reading (FILE_CHECK, uid=0 or euid=0), which on ext4 would hash the file
 * at the open, before the timed map, and leave the map warm. Nobody's open
 * is not measured; the map is (MMAP_CHECK has no uid condition), as it is
 * under the chain's stage 2.
 */
struct cold_req {
	char path[256];
	size_t size;
};

struct cold_rep {
	long ns;
	int err;
};

static void cold_worker(int sock)
{
	struct cold_req q;
	struct cold_rep r;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) ||
	    setresuid(NOBODY, NOBODY, NOBODY))
		_exit(1);
	while (recv(sock, &q, sizeof(q), 0) == sizeof(q)) {
		long t0;
		void *p;
		int fd;

		q.path[sizeof(q.path) - 1] = '\0';
		memset(&r, 0, sizeof(r));
		fd = open(q.path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			r.err = -errno;
		} else {
			t0 = now_ns();
			p = mmap(NULL, q.size, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
			r.ns = now_ns() - t0;
			if (p == MAP_FAILED)
				r.err = -errno;
			else
				munmap(p, q.size);
			close(fd);
		}
		if (send(sock, &r, sizeof(r), 0) != sizeof(r))
			break;
	}
	_exit(0);
}

/* Before any thread or BPF object exists: a plain fork. */
static int cold_worker_start(struct bench *b)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
		return -errno;
	b->cold_pid = fork();
	if (b->cold_pid < 0) {
		close(sv[0]);
		close(sv[1]);
		return -errno;
	}
	if (b->cold_pid == 0) {
		close(sv[0]);
		cold_worker(sv[1]);
	}
	close(sv[1]);
	b->cold_sock = sv[0];
	return 0;
}

/* One fresh inode with the cold content, mapped PROT_EXEC: ns of the mmap. */
static int cold_once(struct bench *b, struct cold *c, double *ns)
{
	struct cold_req q = { .size = c->size };
	struct cold_rep r;
	int fd, err;

	if (fmt(q.path, sizeof(q.path), "%s/cold/c", c->base))
		return -ENAMETOOLONG;
	unlink(q.path);
	fd = open(q.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0755);
	if (fd < 0)
		return -errno;
	err = fileio_write_all(fd, b->cold_buf, c->size);
	close(fd); /* no writer left: IMA and the chain see a settled file */
	if (err)
		return err;
	if (send(b->cold_sock, &q, sizeof(q), 0) != sizeof(q) ||
	    recv(b->cold_sock, &r, sizeof(r), 0) != sizeof(r))
		err = -EPIPE;
	else
		err = r.err;
	unlink(q.path);
	*ns = (double)r.ns;
	return err;
}

/* Fresh files under the arm in force (OFF or FULL). */
static int cold_block(struct bench *b, struct cold *c)
{
	enum arm a = b->arm;
	int per = c->size >= COLD_BIG ? 1 : COLD_PER_BLOCK, done = 0;
	struct ig_counters c0, c1;
	int err = 0;

	if (a == ARM_FULL && enforcer_counters(b->e, &c0))
		memset(&c0, 0, sizeof(c0));
	for (; done < per && c->cnt[a] < MAX_COLD_SAMPLES; done++) {
		err = cold_once(b, c, &c->ns[a][c->cnt[a]]);
		if (err)
			break;
		c->cnt[a]++;
	}
	if (a == ARM_FULL && !enforcer_counters(b->e, &c1)) {
		ctr_add_delta(&c->ctr, &c0, &c1);
		c->ctr_ops += done;
	}
	if (err) {
		(void)fmt(c->err, sizeof(c->err), "under %s: %s", arm_names[a], strerror(-err));
		fprintf(stderr, "igbench: cold hash %zu/%s failed %s\n", c->size, c->fs, c->err);
	}
	return err;
}

/* The same bytes through OpenSSL's SHA-256 in this process: the median of
 * several timed runs, each long enough to read the clock meaningfully. */
static void openssl_time(struct cold *c, const unsigned char *buf)
{
	EVP_MD *md = EVP_MD_fetch(NULL, "SHA256", NULL);
	unsigned char out[EVP_MAX_MD_SIZE];
	double t[7];
	long reps = 1;

	c->openssl_ns = NAN;
	if (!md)
		return;
	for (;;) { /* reps for about 10 ms */
		long t0 = now_ns();

		for (long i = 0; i < reps; i++)
			EVP_Digest(buf, c->size, out, NULL, md, NULL);
		if (now_ns() - t0 >= 10000000 || reps >= 1 << 20)
			break;
		reps *= 2;
	}
	for (int k = 0; k < 7; k++) {
		long t0 = now_ns();

		for (long i = 0; i < reps; i++)
			EVP_Digest(buf, c->size, out, NULL, md, NULL);
		t[k] = (double)(now_ns() - t0) / reps;
	}
	EVP_MD_free(md);
	c->openssl_ns = median_of(t, 7);
}

/* ---- BPF run-time statistics ---------------------------------------------------- */

struct prog_stat {
	__u64 ns, cnt;
};

static const char *const stage_names[3] = { "filter", "measure", "emit" };

static int prog_stat(int fd, struct prog_stat *s)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	s->ns = info.run_time_ns;
	s->cnt = info.run_cnt;
	return 0;
}

/* The chain's programs are the ig_* ones loaded after max_id. */
static void find_full_progs(struct bench *b, __u32 max_id)
{
	__u32 id = max_id;

	while (!bpf_prog_get_next_id(id, &id)) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);
		int fd = bpf_prog_get_fd_by_id(id);
		bool kept = false;

		if (fd < 0)
			continue;
		if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
			close(fd);
			continue;
		}
		if (!strncmp(info.name, "ig_", 3))
			b->chain_progs++;
		for (int h = 0; h < IG_HOOK_MAX && !kept; h++)
			for (int s = 0; s < 3 && !kept; s++) {
				char name[BPF_OBJ_NAME_LEN];

				snprintf(name, sizeof(name), "ig_%s_%s", names_hook(h), stage_names[s]);
				if (!strcmp(info.name, name) && b->full_fds[h][s] < 0) {
					b->full_fds[h][s] = fd;
					kept = true;
				}
			}
		if (!kept)
			close(fd);
	}
}

static int noop_prog_fd(const struct bench *b, int h, int s)
{
	const struct bpf_program *p[IG_HOOK_MAX][3] = {
		{ b->noop->progs.noop_exec_filter, b->noop->progs.noop_exec_measure,
		  b->noop->progs.noop_exec_emit },
		{ b->noop->progs.noop_mmap_filter, b->noop->progs.noop_mmap_measure,
		  b->noop->progs.noop_mmap_emit },
		{ b->noop->progs.noop_open_filter, b->noop->progs.noop_open_measure,
		  b->noop->progs.noop_open_emit },
	};

	return p[h][s] ? bpf_program__fd(p[h][s]) : -1; /* script: no no-op twin */
}

static json_t *stat_entry(enum arm a, int h, int s, const struct prog_stat *d,
			  const struct workload *w)
{
	json_t *j = json_object();

	json_object_set_new(j, "arm", json_string(arm_names[a]));
	if (w) {
		json_object_set_new(j, "workload", json_string(wl_name(w)));
		json_object_set_new(j, "fs", json_string(w->fs));
	}
	json_object_set_new(j, "hook", json_string(names_hook(h)));
	json_object_set_new(j, "stage", json_string(stage_names[s]));
	json_object_set_new(j, "run_cnt", json_integer((json_int_t)d->cnt));
	json_object_set_new(j, "ns_per_run", d->cnt ? json_real((double)d->ns / d->cnt)
						   : json_null());
	return j;
}

/* Every program's statistics under arm a (zero where they cannot be read). */
static void snap_progs(const struct bench *b, enum arm a, struct prog_stat s[IG_HOOK_MAX][3])
{
	for (int h = 0; h < IG_HOOK_MAX; h++)
		for (int st = 0; st < 3; st++) {
			int fd = a == ARM_FULL ? b->full_fds[h][st] : noop_prog_fd(b, h, st);

			if (prog_stat(fd, &s[h][st]))
				s[h][st] = (struct prog_stat){ 0 };
		}
}

/*
 * Every workload once more under FULL and NOOP with the statistics on:
 * totals per program in `all`, and per workload (programs that ran) in `by`.
 */
static void stats_pass(struct bench *b, json_t *all, json_t *by)
{
	static const enum arm arms[] = { ARM_FULL, ARM_NOOP };

	for (size_t ai = 0; ai < sizeof(arms) / sizeof(arms[0]); ai++) {
		struct prog_stat tot[IG_HOOK_MAX][3] = {}, s0[IG_HOOK_MAX][3], s1[IG_HOOK_MAX][3];
		enum arm a = arms[ai];
		int sfd;

		if (arm_set(b, a))
			continue;
		sfd = bpf_enable_stats(BPF_STATS_RUN_TIME);
		if (sfd < 0) {
			fprintf(stderr, "igbench: cannot enable BPF run-time statistics: %s\n",
				strerror(errno));
			break;
		}
		for (int i = 0; i < b->nwl; i++) {
			struct workload *w = &b->wl[i];

			/* warm, as a timed block is: the attach began a new cache epoch */
			if (w->err[0] || run_iters(w, w->n / 20 + 1))
				continue;
			snap_progs(b, a, s0);
			if (run_iters(w, w->n))
				continue;
			snap_progs(b, a, s1);
			for (int k = 0; k < IG_HOOK_MAX * 3; k++) {
				int h = k / 3, st = k % 3;
				struct prog_stat d = { s1[h][st].ns - s0[h][st].ns,
						       s1[h][st].cnt - s0[h][st].cnt };

				tot[h][st].ns += d.ns;
				tot[h][st].cnt += d.cnt;
				if (d.cnt)
					json_array_append_new(by, stat_entry(a, h, st, &d, w));
			}
		}
		close(sfd); /* the statistics stop with the last holder */
		for (int h = 0; h < IG_HOOK_MAX; h++)
			for (int st = 0; st < 3; st++)
				json_array_append_new(all, stat_entry(a, h, st, &tot[h][st], NULL));
	}
	arm_set(b, ARM_OFF);
}

/* ---- set-up: files, rules, allowlist ---------------------------------------------- */

static int mkdirs(const char *path)
{
	char buf[PATH_MAX];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	return mkdir(buf, 0755) && errno != EEXIST ? -errno : 0;
}

static int copy_file(const char *src, const char *dst)
{
	char buf[65536];
	int in, out, err = 0;
	ssize_t n;

	in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -errno;
	unlink(dst);
	out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
	if (out < 0) {
		err = -errno;
		close(in);
		return err;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if ((err = fileio_write_all(out, buf, n)))
			break;
	if (n < 0 && !err)
		err = -errno;
	close(in);
	if (close(out) && !err)
		err = -errno;
	return err;
}

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644), err;

	if (fd < 0)
		return -errno;
	err = fileio_write_all(fd, text, strlen(text));
	close(fd);
	return err;
}

static int rm_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return type == FTW_DP ? rmdir(path) : unlink(path);
}

/* What setup_base made, gone again (the guest may run more after us). */
static void remove_tree(const char *dir)
{
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* The shared library to map: one this program is linked with, small. */
static int find_library(char *out, size_t len)
{
	static const char *const want[] = { "/libz.so", "/libjansson.so", "/libc.so" };
	char line[PATH_MAX + 128];
	int found = -1;
	FILE *f = fopen("/proc/self/maps", "r");

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char *p = strchr(line, '/');

		if (!p)
			continue;
		p[strcspn(p, "\n")] = '\0';
		for (int i = 0; i < (int)(sizeof(want) / sizeof(want[0])); i++)
			if (strstr(p, want[i]) && (found < 0 || i < found)) {
				found = i;
				snprintf(out, len, "%s", p);
			}
	}
	fclose(f);
	return found < 0 ? -ENOENT : 0;
}

/* Every file one base directory needs. */
static int setup_base(const struct bench *b, const char *base, const char *lib)
{
	static const struct {
		const char *name, *text;
	} small[] = {
		{ "f", "unwatched\n" },
		{ DEEP_DIRS "/f", "unwatched, deep\n" },
		{ "audit/f", "audited\n" },
	};
	char src[PATH_MAX], dst[PATH_MAX];
	int err;

	if ((err = fmt(dst, sizeof(dst), "%s/" DEEP_DIRS, base)) || (err = mkdirs(dst)) ||
	    (err = fmt(dst, sizeof(dst), "%s/audit", base)) || (err = mkdirs(dst)) ||
	    (err = fmt(dst, sizeof(dst), "%s/cold", base)) || (err = mkdirs(dst)))
		return err;
	if ((err = fmt(src, sizeof(src), "%s/bench_nop", b->bindir)) ||
	    (err = fmt(dst, sizeof(dst), "%s/nop", base)) || (err = copy_file(src, dst)) ||
	    (err = fmt(dst, sizeof(dst), "%s/true", base)) ||
	    (err = copy_file("/usr/bin/true", dst)) ||
	    (err = fmt(dst, sizeof(dst), "%s/lib.so", base)) || (err = copy_file(lib, dst)))
		return err;
	for (size_t i = 0; i < sizeof(small) / sizeof(small[0]); i++)
		if ((err = fmt(dst, sizeof(dst), "%s/%s", base, small[i].name)) ||
		    (err = write_file(dst, small[i].text)))
			return err;
	return 0;
}

/*
 * The interpreted workloads' files on ext4: main.pl requiring mods/M1..100.pm
 * (found through -I), main.sh sourcing lib1..10.sh, and an unlisted module
 * and script that exit 7 if they run (check_judges()). Every file is read
 * here by root, which the guest's IMA policy (tcb) measures on ext4: what a
 * kernel without file_post_open needs to judge it at file_open.
 */
static int setup_interp(struct bench *b)
{
	char path[PATH_MAX], text[256];
	int err, n;

	if ((err = fmt(b->interp_dir, sizeof(b->interp_dir), "%s/interp", EXT4_BASE)) ||
	    (err = fmt(b->perl_inc, sizeof(b->perl_inc), "-I%s/mods", b->interp_dir)) ||
	    (err = fmt(path, sizeof(path), "%s/mods", b->interp_dir)) || (err = mkdirs(path)))
		return err;
	for (int i = 1; i <= PERL_MODS; i++) {
		n = snprintf(text, sizeof(text),
			     "package M%d;\nsub twice { return %d * 2 }\nour $loaded = %d;\n1;\n",
			     i, i, i);
		if (n < 0 || (size_t)n >= sizeof(text))
			return -ENAMETOOLONG;
		if ((err = fmt(path, sizeof(path), "%s/mods/M%d.pm", b->interp_dir, i)) ||
		    (err = write_file(path, text)))
			return err;
	}
	if ((err = fmt(path, sizeof(path), "%s/mods/Unlisted.pm", b->interp_dir)) ||
	    (err = write_file(path, "exit 7;\n")) ||
	    (err = fmt(b->perl_main, sizeof(b->perl_main), "%s/main.pl", b->interp_dir)) ||
	    (err = write_file(b->perl_main, "require \"M$_.pm\" for 1 .. " "100" ";\nexit 0;\n")))
		return err;
	for (int i = 1; i <= SH_LIBS; i++) {
		n = snprintf(text, sizeof(text), "v%d=%d\nf%d() { echo \"$v%d\"; }\n", i, i, i, i);
		if (n < 0 || (size_t)n >= sizeof(text))
			return -ENAMETOOLONG;
		if ((err = fmt(path, sizeof(path), "%s/lib%d.sh", b->interp_dir, i)) ||
		    (err = write_file(path, text)))
			return err;
	}
	if ((err = fmt(b->sh_main, sizeof(b->sh_main), "%s/main.sh", b->interp_dir)))
		return err;
	{
		char main_sh[SH_LIBS * (PATH_MAX / 4)] = "";
		size_t len = 0;

		for (int i = 1; i <= SH_LIBS; i++) {
			n = snprintf(main_sh + len, sizeof(main_sh) - len, ". %s/lib%d.sh\n",
				     b->interp_dir, i);
			if (n < 0 || (size_t)n >= sizeof(main_sh) - len)
				return -ENAMETOOLONG;
			len += n;
		}
		if ((err = write_file(b->sh_main, main_sh)))
			return err;
	}
	if ((err = fmt(path, sizeof(path), "%s/unlisted.sh", b->interp_dir)) ||
	    (err = write_file(path, "exit 7\n")))
		return err;
	b->perl_argv[0] = "perl";
	b->perl_argv[1] = b->perl_inc;
	b->perl_argv[2] = b->perl_main;
	b->perl_argv[3] = NULL;
	b->sh_argv[0] = "sh";
	b->sh_argv[1] = b->sh_main;
	b->sh_argv[2] = NULL;
	return 0;
}

/*
 * Proof that FULL judges the interpreted workloads: an unlisted module
 * (perl) and an unlisted sourced script (sh), in the same directories as
 * the listed ones, run under OFF (exit 7) and are refused under FULL (any
 * other status). A workload whose check fails is dropped with the reason:
 * no arm may be fast because it does nothing. Called under arm.
 */
static void check_judges(struct bench *b, enum arm arm)
{
	char mod[PATH_MAX], cmd[PATH_MAX + 8];
	char *perl_argv[] = { "perl", b->perl_inc, "-e", "require Unlisted", NULL };
	char *sh_argv[] = { "sh", "-c", cmd, NULL };
	int st;

	if (fmt(mod, sizeof(mod), "%s/unlisted.sh", b->interp_dir) ||
	    fmt(cmd, sizeof(cmd), ". %s", mod))
		return;
	for (int i = 0; i < b->nwl; i++) {
		struct workload *w = &b->wl[i];
		bool perl = w->kind == WL_PERL_MODS;
		int *judged = perl ? &b->judged_perl : &b->judged_sh;

		if ((!perl && w->kind != WL_SH_SOURCE) || w->err[0])
			continue;
		st = spawn_status(w->path, perl ? perl_argv : sh_argv, &spawn_fa);
		if (arm == ARM_OFF && st != 7) {
			(void)fmt(w->err, sizeof(w->err),
				  "the unlisted %s did not run under off (status %d)",
				  perl ? "module" : "script", st);
		} else if (arm == ARM_FULL) {
			*judged = st != 7;
			if (st == 7)
				(void)fmt(w->err, sizeof(w->err),
					  "full ran the unlisted %s: nothing judged",
					  perl ? "module" : "script");
			else
				fprintf(stderr, "igbench: %s: full refused the unlisted %s "
					"(status %d)\n", wl_name(w), perl ? "module" : "script", st);
		}
		if (w->err[0])
			fprintf(stderr, "igbench: %s failed: %s (dropped from the results)\n",
				wl_name(w), w->err);
	}
}

/*
 * The timed side (this thread, every child it spawns, the cold worker) on
 * one vCPU, the last: under emulation each vCPU is a host thread with its
 * own share of the host, and a process that moves between them changes
 * speed by half or double from one block to the next. The consumer thread
 * is set free again once started, as a daemon's would be. Returns the CPU,
 * or -1 when there is no choice to make.
 */
static int pin_timed_side(void)
{
	cpu_set_t set;
	int cpu = -1;

	if (sched_getaffinity(0, sizeof(set), &set))
		return -1;
	if (CPU_COUNT(&set) < 2)
		return -1;
	for (int i = 0; i < CPU_SETSIZE; i++)
		if (CPU_ISSET(i, &set))
			cpu = i;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) ? -1 : cpu;
}

/* Whether name is in the comma-separated list (NULL: everything). */
static bool in_list(const char *list, const char *name)
{
	size_t len = strlen(name);

	if (!list)
		return true;
	while (*list) {
		size_t n = strcspn(list, ",");

		if (n == len && !strncmp(list, name, n))
			return true;
		list += n + (list[n] == ',');
	}
	return false;
}

/* The control always runs: the noise verdict rests on it. */
static bool selected(const struct bench *b, const char *name)
{
	return !strcmp(name, "control") || in_list(b->only, name);
}

/* Every name in --only is a workload or cold_hash. */
static int check_only(const char *list)
{
	char buf[256];
	int n = 0;

	while (*list) {
		size_t len = strcspn(list, ",");
		bool known = len == strlen("cold_hash") && !strncmp(list, "cold_hash", len);

		for (int k = 0; k < WL_MAX && !known; k++)
			known = len == strlen(wl_descs[k].name) &&
				!strncmp(list, wl_descs[k].name, len);
		if (!known) {
			n = (int)(len < sizeof(buf) ? len : sizeof(buf) - 1);
			memcpy(buf, list, n);
			buf[n] = '\0';
			fprintf(stderr, "igbench: unknown workload '%s' in --only\n", buf);
			return -EINVAL;
		}
		list += len + (list[len] == ',');
	}
	return 0;
}

/* An interpreted workload, on ext4 only (see wl_descs). */
static void add_interp_workload(struct bench *b, enum wl_kind k)
{
	bool perl = k == WL_PERL_MODS;
	struct workload *w;
	int err;

	if (!selected(b, wl_descs[k].name) || b->nwl == MAX_WORKLOADS)
		return;
	if (!b->have_ext4 || (perl && !b->have_perl)) {
		fprintf(stderr, "igbench: %s skipped: %s\n", wl_descs[k].name,
			b->have_ext4 ? "no " PERL : "no ext4");
		return;
	}
	if (!b->interp_dir[0] && (err = setup_interp(b))) {
		fprintf(stderr, "igbench: cannot set up %s's files: %s\n", wl_descs[k].name,
			strerror(-err));
		return;
	}
	w = &b->wl[b->nwl++];
	memset(w, 0, sizeof(*w));
	w->kind = k;
	w->fs = "ext4";
	w->fd = w->ima_fd = -1;
	snprintf(w->path, sizeof(w->path), "%s", perl ? PERL : BUSYBOX);
	w->argv = perl ? b->perl_argv : b->sh_argv;
}

static void add_workload(struct bench *b, enum wl_kind k, const char *fs, const char *base)
{
	static const char *const file[WL_MAX] = {
		[WL_EXEC_STATIC] = "nop",	  [WL_EXEC_DYNAMIC] = "true",
		[WL_OPEN_SHORT] = "f",		  [WL_OPEN_DEEP] = DEEP_DIRS "/f",
		[WL_OPEN_AUDIT] = "audit/f",	  [WL_MMAP_LIB] = "lib.so",
		[WL_CREATE] = "new",
	};
	struct workload *w = &b->wl[b->nwl];
	struct stat st;

	if (!selected(b, wl_descs[k].name) || b->nwl == MAX_WORKLOADS)
		return;
	memset(w, 0, sizeof(*w));
	w->kind = k;
	w->fs = fs;
	w->fd = w->ima_fd = -1;
	b->nwl++;
	if (!file[k])
		return;
	if (fmt(w->path, sizeof(w->path), "%s/%s", base, file[k])) {
		wl_fail(w, ARM_OFF, -ENAMETOOLONG);
		return;
	}
	if (k == WL_CREATE)
		unlink(w->path); /* left by an earlier run: its creation must be new */
	if (k == WL_MMAP_LIB) {
		w->fd = open(w->path, O_RDONLY | O_CLOEXEC);
		if (w->fd < 0 || fstat(w->fd, &st))
			wl_fail(w, ARM_OFF, -errno);
		else
			w->len = st.st_size;
	}
}

/* About a hundred rules of the kinds a server carries, none on the
 * workloads' paths but for the audited open directory of each base. */
static int build_rules(struct bench *b, struct enforcer_rule **out, char ***strs)
{
	const unsigned int EX = 1u << IG_HOOK_EXEC, MM = 1u << IG_HOOK_MMAP,
			   OP = 1u << IG_HOOK_OPEN;
	struct enforcer_rule *r = calloc(MAX_RULES, sizeof(*r));
	char **s = calloc(MAX_RULES, sizeof(*s));
	int n = 0;

	/* the caller frees both, and every string set, whatever happens here */
	*out = r;
	*strs = s;
	if (!r || !s)
		return -ENOMEM;
#define RULE(act, kind_, hooks_, ...)                                                          \
	do {                                                                                   \
		if (asprintf(&s[n], __VA_ARGS__) < 0)                                          \
			return -ENOMEM;                                                        \
		r[n] = (struct enforcer_rule){ .path = s[n], .kind = kind_, .action = act,   \
					       .hooks = hooks_ };                              \
		n++;                                                                           \
	} while (0)
	for (int i = 0; i < 20; i++)
		RULE(IG_ACT_ALLOW, IG_RULE_TREE, EX | MM, "/opt/vendor%02d/", i);
	for (int i = 0; i < 20; i++)
		RULE(IG_ACT_DENY, IG_RULE_TREE, EX | MM, "/home/user%02d/", i);
	for (int i = 0; i < 20; i++)
		RULE(IG_ACT_AUDIT, IG_RULE_DIR, EX | MM, "/srv/app%02d/bin/", i);
	for (int i = 0; i < 15; i++)
		RULE(IG_ACT_DENY, IG_RULE_EXACT, EX, "/usr/local/bin/tool%02d", i);
	for (int i = 0; i < 10; i++)
		RULE(IG_ACT_ALLOW, IG_RULE_DIR, MM, "/usr/lib/plugins%02d/", i);
	for (int i = 0; i < 5; i++)
		RULE(IG_ACT_AUDIT, IG_RULE_TREE, EX, "/var/lib/app%02d/", i);
	for (int i = 0; i < 4; i++)
		RULE(IG_ACT_AUDIT, IG_RULE_EXACT, OP, "/etc/app%02d/secret.key", i);
	RULE(IG_ACT_DENY, IG_RULE_TREE, EX | MM, "/var/tmp/");
	RULE(IG_ACT_DENY, IG_RULE_TREE, EX | MM, "/dev/shm/");
	RULE(IG_ACT_DENY, IG_RULE_TREE, EX | MM, "/run/user/");
	RULE(IG_ACT_AUDIT, IG_RULE_DIR, OP, "%s/audit/", TMP_BASE);
	if (b->have_ext4)
		RULE(IG_ACT_AUDIT, IG_RULE_DIR, OP, "%s/audit/", EXT4_BASE);
#undef RULE
	return n;
}

/* The file each real allowlist entry was hashed from, by index, and its
 * size: what fapolicyd's trust file lists (fapolicyd_files()). */
static char *allow_path[ALLOW_TOTAL + 64];
static off_t allow_size[ALLOW_TOTAL + 64];

static int add_digest_of(struct enforcer_allow *a, size_t *n, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), err;
	struct stat st;

	if (fd < 0)
		return -errno;
	err = sha256_fd(fd, a[*n].digest, NULL);
	if (!err && !fstat(fd, &st)) {
		free(allow_path[*n]);
		allow_path[*n] = strdup(path);
		allow_size[*n] = st.st_size;
	}
	close(fd);
	if (!err)
		(*n)++;
	return err;
}

/*
 * Every file perl maps (its libraries), as /proc/self/maps says in a perl
 * run under OFF: what its exec needs under FULL.
 */
static int add_perl_maps(struct enforcer_allow *a, size_t *n, size_t max)
{
	static const char maps[] = "/tmp/igbench-perl.maps";
	char *argv[] = { "perl", "-e", "open(F, '<', '/proc/self/maps') and print <F>", NULL };
	posix_spawn_file_actions_t fa;
	char line[PATH_MAX + 128], last[PATH_MAX] = "";
	FILE *f;
	int st;

	if (posix_spawn_file_actions_init(&fa))
		return -ENOMEM;
	st = posix_spawn_file_actions_addopen(&fa, 1, maps, O_WRONLY | O_CREAT | O_TRUNC, 0600)
		     ? -ENOMEM
		     : spawn_argv(PERL, argv, &fa);
	posix_spawn_file_actions_destroy(&fa);
	if (st)
		return st;
	f = fopen(maps, "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f) && *n < max) {
		char *p = strchr(line, '/');

		if (!p)
			continue;
		p[strcspn(p, "\n")] = '\0';
		if (!strcmp(p, last))
			continue;
		snprintf(last, sizeof(last), "%s", p);
		add_digest_of(a, n, p);
	}
	fclose(f);
	return 0;
}

/* The interpreted workloads' interpreters (perl's libraries too) and
 * scripts; the unlisted ones are read (IMA measures them, see
 * setup_interp), never listed. */
static int add_interp_digests(struct bench *b, struct enforcer_allow *a, size_t *n)
{
	char path[PATH_MAX];
	int err = 0;

	if (!b->interp_dir[0])
		return 0;
	if ((err = add_digest_of(a, n, BUSYBOX)))
		return err;
	if (b->have_perl && ((err = add_digest_of(a, n, PERL)) ||
			     (err = add_perl_maps(a, n, *n + 32)) ||
			     (err = add_digest_of(a, n, b->perl_main))))
		return err;
	for (int i = 1; b->have_perl && i <= PERL_MODS; i++)
		if ((err = fmt(path, sizeof(path), "%s/mods/M%d.pm", b->interp_dir, i)) ||
		    (err = add_digest_of(a, n, path)))
			return err;
	if ((err = add_digest_of(a, n, b->sh_main)))
		return err;
	for (int i = 1; i <= SH_LIBS; i++)
		if ((err = fmt(path, sizeof(path), "%s/lib%d.sh", b->interp_dir, i)) ||
		    (err = add_digest_of(a, n, path)))
			return err;
	{
		const char *unlisted[] = { "mods/Unlisted.pm", "unlisted.sh" };
		unsigned char buf[4096];

		for (int i = 0; i < 2; i++) {
			int fd;

			if ((err = fmt(path, sizeof(path), "%s/%s", b->interp_dir, unlisted[i])))
				return err;
			fd = open(path, O_RDONLY | O_CLOEXEC);
			if (fd < 0)
				return -errno;
			while (read(fd, buf, sizeof(buf)) > 0)
				;
			close(fd);
		}
	}
	return 0;
}

/*
 * The real digests first (OpenSSL, here in the guest): the workloads'
 * files, every file this process maps (the loader and libc that `true`
 * maps too), and the cold content of every size; random digests fill up
 * to ALLOW_TOTAL.
 */
static int fapolicyd_files(struct bench *b, const struct enforcer_allow *a, size_t n);

static int build_allowlist(struct bench *b, const char *lib, struct enforcer_allow **out)
{
	struct enforcer_allow *a = calloc(ALLOW_TOTAL + 64, sizeof(*a));
	char path[PATH_MAX], line[PATH_MAX + 128];
	size_t n = 0;
	FILE *f;
	int err;

	if (!a)
		return -ENOMEM;
	if ((err = fmt(path, sizeof(path), "%s/bench_nop", b->bindir)) ||
	    (err = add_digest_of(a, &n, path)) || (err = add_digest_of(a, &n, "/usr/bin/true")) ||
	    (err = add_digest_of(a, &n, lib)))
		goto fail;
	f = fopen("/proc/self/maps", "r");
	if (f) {
		char last[PATH_MAX] = "";

		while (fgets(line, sizeof(line), f) && n < 48) {
			char *p = strchr(line, '/');

			if (!p)
				continue;
			p[strcspn(p, "\n")] = '\0';
			if (!strcmp(p, last))
				continue;
			snprintf(last, sizeof(last), "%s", p);
			add_digest_of(a, &n, p); /* a vanished file only costs its entry */
		}
		fclose(f);
	}
	if ((err = add_interp_digests(b, a, &n)))
		goto fail;
	for (int i = 0; i < b->ncold; i++) {
		bool dup = false;

		for (int k = 0; k < i; k++)
			dup |= b->cold[k].size == b->cold[i].size;
		if (!dup)
			sha256_buf(b->cold_buf, b->cold[i].size, a[n++].digest);
	}
	b->nreal = n;
	for (; n < ALLOW_TOTAL; n++)
		for (size_t k = 0; k < IG_SHA256_LEN; k += 8) {
			uint64_t x = rng_next(b);

			memcpy(a[n].digest + k, &x, 8);
		}
	b->nallow = n;
	if (b->peer[ARM_FAPOLICYD].run && (err = fapolicyd_files(b, a, n))) {
		b->peer[ARM_FAPOLICYD].run = false;
		b->peer[ARM_FAPOLICYD].status = "failed";
		(void)fmt(b->peer[ARM_FAPOLICYD].reason, sizeof(b->peer[ARM_FAPOLICYD].reason),
			  "cannot write its configuration: %s", strerror(-err));
	}
	*out = a;
	return 0;
fail:
	fprintf(stderr, "igbench: cannot hash the workloads' files: %s\n", strerror(-err));
	free(a);
	return err;
}

/* ---- peers -------------------------------------------------------------------- */

/* Owns the copies IMA appraises, and nothing else in the guest: the appraise
 * rules name this owner (ima_setup()). */
#define IMA_OWNER	4242
#define IMA_DIR		EXT4_BASE "/ima"
#define IMA_POLICY	"/sys/kernel/security/ima/policy"
#define IMA_XATTR	"security.ima"
#define IMA_XATTR_DIGEST_NG 0x04	/* security.ima: type, hash algorithm, digest */
#define IMA_HASH_SHA256	4		/* the kernel's enum hash_algo */

static bool arm_on(const struct bench *b, enum arm a)
{
	return a < ARM_PEER || b->peer[a].run;
}

/* Whether arm a times workload w. IMA appraises the copies on ext4
 * (ima_setup()); the tmpfs workloads have none. */
static bool arm_applies(const struct workload *w, enum arm a)
{
	if (a == ARM_IMA && !strcmp(w->fs, "tmpfs"))
		return false;
	return a < ARM_PEER || !w->arm_err[a][0];
}

/* Why arm_applies() leaves a workload out, for the results. */
static const char *arm_not_applied(enum arm a)
{
	return a == ARM_IMA ? "its appraised copies are on ext4 only (no tmpfs rows)"
			    : "this arm has no files of this workload's";
}

__attribute__((format(printf, 4, 5))) static int peer_says(struct bench *b, enum arm a,
							     const char *status, const char *f, ...)
{
	struct peer *p = &b->peer[a];
	va_list ap;

	p->status = status;
	p->run = !strcmp(status, "ok");
	va_start(ap, f);
	vsnprintf(p->reason, sizeof(p->reason), f, ap);
	va_end(ap);
	fprintf(stderr, "igbench: %s: %s%s%s\n", arm_names[a], status, p->reason[0] ? ": " : "",
		p->reason);
	return p->run ? 0 : -1;
}

static void hex_of(const __u8 *d, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
}

/* One trust line for a file as it is now: path, size, SHA-256. */
static int trust_line(FILE *f, const char *path)
{
	__u8 d[IG_SHA256_LEN];
	char hex[2 * IG_SHA256_LEN + 1];
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC), err;

	if (fd < 0)
		return -errno;
	err = fstat(fd, &st) ? -errno : sha256_fd(fd, d, NULL);
	close(fd);
	if (err)
		return err;
	hex_of(d, sizeof(d), hex);
	fprintf(f, "%s %lld %s\n", path, (long long)st.st_size, hex);
	return 0;
}

/*
 * fapolicyd's configuration and trust file. The rules are its own known-libs
 * set, composed by scripts/vm/mkpeers.sh. The trust file lists the files
 * FULL's allowlist holds: every real entry at the path it was hashed from,
 * and the workloads' copies of those files under each base (fapolicyd
 * trusts a path, imaguard a content). Not the random digests that pad
 * FULL's list to ALLOW_TOTAL: they name no file, and fapolicyd 1.1.7 checks
 * each trust line against every line before it as it loads them
 * (trust_file_load), so that 50,000 lines take minutes of emulated time at
 * every start of its arm; its lookups are in an LMDB B-tree, whose depth
 * grows with the log of its size.
 */
static int fapolicyd_files(struct bench *b, const struct enforcer_allow *a, size_t n)
{
	static const char conf[] =
		"# igbench: fapolicyd as Debian ships it, enforcing, trusting one file\n"
		"permissive = 0\n"
		"nice_val = 14\n"
		"q_size = 640\n"
		"uid = root\n"
		"gid = root\n"
		"do_stat_report = 0\n"
		"detailed_report = 0\n"
		"db_max_size = 50\n"
		"subj_cache_size = 1549\n"
		"obj_cache_size = 8191\n"
		"watch_fs = ext4,tmpfs,rootfs\n"
		"trust = file\n"
		"integrity = sha256\n"
		"syslog_format = rule,dec,perm,auid,pid,exe,:,path,ftype,trust\n"
		"rpm_sha256_only = 0\n"
		"allow_filesystem_mark = 0\n";
	static const char *const copies[] = { "nop", "true", "lib.so" };
	const char *bases[] = { TMP_BASE, EXT4_BASE };
	char path[PATH_MAX], hex[2 * IG_SHA256_LEN + 1];
	int err = 0;
	FILE *f;

	if (access("/etc/fapolicyd/compiled.rules", R_OK))
		return -errno;
	if ((err = write_file("/etc/fapolicyd/fapolicyd.conf", conf)))
		return err;
	f = fopen("/etc/fapolicyd/fapolicyd.trust", "w");
	if (!f)
		return -errno;
	fprintf(f, "# igbench: the files of imaguard's allowlist (FULL)\n");
	for (size_t i = 0; i < n && i < b->nreal; i++) {
		if (!allow_path[i])
			continue; /* a cold-hash content: its files are made and gone */
		hex_of(a[i].digest, IG_SHA256_LEN, hex);
		fprintf(f, "%s %lld %s\n", allow_path[i], (long long)allow_size[i], hex);
	}
	for (int k = 0; k < (b->have_ext4 ? 2 : 1) && !err; k++)
		for (size_t i = 0; i < sizeof(copies) / sizeof(copies[0]) && !err; i++)
			if (!(err = fmt(path, sizeof(path), "%s/%s", bases[k], copies[i])))
				err = trust_line(f, path);
	if (fclose(f) && !err)
		err = -errno;
	return err;
}

/* A copy of SRC with one more line: a program no list holds. */
static int unlisted_copy(const char *src, const char *dst)
{
	int err = copy_file(src, dst), fd;

	if (err)
		return err;
	fd = open(dst, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	err = fileio_write_all(fd, "\n", 1);
	close(fd);
	return err;
}

static int spawn_one(const char *path)
{
	char *const argv[] = { (char *)path, NULL };

	return spawn_status(path, argv, &spawn_fa);
}

/* The unlisted module (perl) or sourced script (sh), as check_judges()
 * runs them: 7 when it ran. */
static int unlisted_interp(struct bench *b, bool perl)
{
	char mod[PATH_MAX], cmd[PATH_MAX + 8];
	char *perl_argv[] = { "perl", b->perl_inc, "-e", "require Unlisted", NULL };
	char *sh_argv[] = { "sh", "-c", cmd, NULL };

	if (fmt(mod, sizeof(mod), "%s/unlisted.sh", b->interp_dir) ||
	    fmt(cmd, sizeof(cmd), ". %s", mod))
		return -ENAMETOOLONG;
	return spawn_status(perl ? PERL : BUSYBOX, perl ? perl_argv : sh_argv, &spawn_fa);
}

/*
 * Proof that fapolicyd decides, before anything is timed: an unlisted copy
 * of the static program runs under OFF and is refused under fapolicyd,
 * while the listed static and dynamic programs run. The interpreted
 * workloads' unlisted module and script are tried too: what fapolicyd does
 * with them is reported (its rules judge a file by the type libmagic sees),
 * not required. Leaves OFF in force.
 */
static int fapolicyd_judge(struct bench *b)
{
	struct peer *p = &b->peer[ARM_FAPOLICYD];
	char unl[PATH_MAX], nop[PATH_MAX], tru[PATH_MAX], last[256] = "";
	int off, unlisted, listed, dyn, err;
	bool perl = false, sh = false;

	if (!p->run)
		return 0;
	for (int i = 0; i < b->nwl; i++) {
		perl |= b->wl[i].kind == WL_PERL_MODS && !b->wl[i].err[0];
		sh |= b->wl[i].kind == WL_SH_SOURCE && !b->wl[i].err[0];
	}
	if (fmt(unl, sizeof(unl), "%s/unlisted", TMP_BASE) ||
	    fmt(nop, sizeof(nop), "%s/nop", TMP_BASE) || fmt(tru, sizeof(tru), "%s/true", TMP_BASE))
		return peer_says(b, ARM_FAPOLICYD, "failed", "path too long");
	if ((err = unlisted_copy(nop, unl)))
		return peer_says(b, ARM_FAPOLICYD, "failed", "cannot write %s: %s", unl,
				 strerror(-err));
	if ((err = arm_set(b, ARM_OFF)))
		return peer_says(b, ARM_FAPOLICYD, "failed", "cannot detach: %s", strerror(-err));
	off = spawn_one(unl);
	if (arm_set(b, ARM_FAPOLICYD)) {
		char why[sizeof(p->reason)];

		snprintf(why, sizeof(why), "%s", p->reason);
		return peer_says(b, ARM_FAPOLICYD, "failed", "%s", why);
	}
	unlisted = spawn_one(unl);
	listed = spawn_one(nop);
	dyn = spawn_one(tru);
	if (perl)
		p->judged_perl = unlisted_interp(b, true) != 7;
	if (sh)
		p->judged_sh = unlisted_interp(b, false) != 7;
	log_has(FAPOLICYD_LOG, p->log_off, "\x01", last, sizeof(last)); /* its last word */
	arm_set(b, ARM_OFF);
	p->refuses = off == 0 && unlisted != 0;
	if (off != 0)
		return peer_says(b, ARM_FAPOLICYD, "failed",
				 "the unlisted copy did not run under off (status %d)", off);
	if (unlisted == 0)
		return peer_says(b, ARM_FAPOLICYD, "failed",
				 "fapolicyd ran the unlisted %s: nothing judged", unl);
	if (listed != 0 || dyn != 0)
		return peer_says(b, ARM_FAPOLICYD, "failed",
				 "fapolicyd refused a listed program (%s: %d, %s: %d): %s", nop,
				 listed, tru, dyn, last);
	return peer_says(b, ARM_FAPOLICYD, "ok", "refused the unlisted %s (%s), ran %s and %s", unl,
		  strerror(unlisted < 0 ? -unlisted : EPERM), nop, tru);
}

/*
 * IMA appraisal. The kernel reads its policy once per boot and a custom
 * policy replaces the built-in one for good, so the policy written here
 * holds the built-in tcb measurement rules unchanged (FULL relies on what
 * they measure) and two appraise rules, for exec and executable maps,
 * restricted to files owned by IMA_OWNER: copies of the exec and map
 * workloads' files on ext4 with hash-only security.ima. Every other arm's
 * files are owned by root and never appraised, so every arm, IMA's too,
 * runs in one boot in the same random order; the appraise rules' match cost
 * on other files is paid by all the arms alike. Since nothing else in the
 * guest is appraised, the dynamic exec under IMA appraises the program,
 * not the loader and libc it maps (a system-wide policy would, from IMA's
 * cache after the first time).
 */
static int ima_setup(struct bench *b)
{
	static const char *const rules[] = {
		/* the built-in tcb policy (ima_policy=tcb), as the kernel lists it */
		"dont_measure fsmagic=0x9fa0",	   "dont_measure fsmagic=0x62656572",
		"dont_measure fsmagic=0x64626720", "dont_measure fsmagic=0x1021994",
		"dont_measure fsmagic=0x1cd1",	   "dont_measure fsmagic=0x42494e4d",
		"dont_measure fsmagic=0x73636673", "dont_measure fsmagic=0xf97cff8c",
		"dont_measure fsmagic=0x43415d53", "dont_measure fsmagic=0x27e0eb",
		"dont_measure fsmagic=0x63677270", "dont_measure fsmagic=0x6e736673",
		"dont_measure fsmagic=0xde5e81e4",
		"measure func=MMAP_CHECK mask=MAY_EXEC",
		"measure func=BPRM_CHECK mask=MAY_EXEC",
		"measure func=FILE_CHECK mask=^MAY_READ euid=0",
		"measure func=FILE_CHECK mask=^MAY_READ uid=0",
		"measure func=MODULE_CHECK",
		"measure func=FIRMWARE_CHECK",
		"measure func=POLICY_CHECK",
		/* the peer: exec and executable maps of IMA_OWNER's files */
		"appraise func=BPRM_CHECK fowner=4242",
		"appraise func=MMAP_CHECK mask=MAY_EXEC fowner=4242",
	};
	static const char *const listed[] = { "nop", "true", "lib.so" };
	struct peer *p = &b->peer[ARM_IMA];
	char src[PATH_MAX], dst[PATH_MAX], cmdline[4096] = "", unl[PATH_MAX];
	__u8 x[2 + IG_SHA256_LEN];
	int fd, err, st[3], unlisted;
	bool map_ok, map_refused;
	ssize_t len;
	void *m;

	_Static_assert(IMA_OWNER == 4242, "the rules above name IMA_OWNER");
	fd = open("/proc/cmdline", O_RDONLY | O_CLOEXEC);
	len = fd < 0 ? -1 : read(fd, cmdline, sizeof(cmdline) - 1);
	if (fd >= 0)
		close(fd);
	if (len < 0 || !strstr(cmdline, "ima_appraise=enforce"))
		return peer_says(b, ARM_IMA, "unavailable",
				 "the guest was not booted with ima_appraise=enforce");
	if (access(IMA_POLICY, W_OK))
		return peer_says(b, ARM_IMA, "unavailable", "%s: %s (no custom IMA policy)",
				 IMA_POLICY, strerror(errno));
	if (!b->have_ext4)
		return peer_says(b, ARM_IMA, "unavailable", "no ext4 at %s for its files",
				 EXT4_MNT);
	if ((err = mkdirs(IMA_DIR)))
		return peer_says(b, ARM_IMA, "failed", "%s: %s", IMA_DIR, strerror(-err));
	/* The copies: owned by IMA_OWNER, the listed ones with their digest in
	 * security.ima (type, algorithm, digest), the unlisted one without. */
	for (size_t i = 0; i <= sizeof(listed) / sizeof(listed[0]); i++) {
		bool last = i == sizeof(listed) / sizeof(listed[0]);

		if (fmt(src, sizeof(src), "%s/%s", EXT4_BASE, last ? "nop" : listed[i]) ||
		    fmt(dst, sizeof(dst), "%s/%s", IMA_DIR, last ? "unlisted" : listed[i]))
			return peer_says(b, ARM_IMA, "failed", "path too long");
		err = last ? unlisted_copy(src, dst) : copy_file(src, dst);
		if (err)
			return peer_says(b, ARM_IMA, "failed", "%s: %s", dst, strerror(-err));
		fd = open(dst, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || fchown(fd, IMA_OWNER, IMA_OWNER))
			err = -errno;
		else if (!last && !(err = sha256_fd(fd, x + 2, NULL))) {
			x[0] = IMA_XATTR_DIGEST_NG;
			x[1] = IMA_HASH_SHA256;
			if (fsetxattr(fd, IMA_XATTR, x, sizeof(x), 0))
				err = -errno;
		}
		if (fd >= 0)
			close(fd);
		if (err)
			return peer_says(b, ARM_IMA, "failed", "%s: %s %s", dst,
					 last ? "chown" : "chown/" IMA_XATTR, strerror(-err));
	}
	fd = open(IMA_POLICY, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return peer_says(b, ARM_IMA, "failed", "%s: %s", IMA_POLICY, strerror(errno));
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		char line[160];

		snprintf(line, sizeof(line), "%s\n", rules[i]);
		if (write(fd, line, strlen(line)) != (ssize_t)strlen(line)) {
			err = errno;
			close(fd);
			return peer_says(b, ARM_IMA, "failed", "the kernel refused the rule '%s': %s",
					 rules[i], strerror(err));
		}
	}
	if (close(fd))
		return peer_says(b, ARM_IMA, "failed", "the kernel refused the policy: %s",
				 strerror(errno));
	fprintf(stderr, "igbench: ima_appraise: policy loaded: tcb + appraise fowner=%d\n",
		IMA_OWNER);

	/* Proof that it decides: the listed copies run and map, the unlisted
	 * one neither runs nor maps. */
	for (int i = 0; i < 2; i++) {
		if (fmt(dst, sizeof(dst), "%s/%s", IMA_DIR, listed[i]))
			return peer_says(b, ARM_IMA, "failed", "path too long");
		st[i] = spawn_one(dst);
	}
	if (fmt(unl, sizeof(unl), "%s/unlisted", IMA_DIR) ||
	    fmt(dst, sizeof(dst), "%s/lib.so", IMA_DIR))
		return peer_says(b, ARM_IMA, "failed", "path too long");
	unlisted = spawn_one(unl);
	fd = open(dst, O_RDONLY | O_CLOEXEC);
	m = fd < 0 ? MAP_FAILED : mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
	st[2] = m == MAP_FAILED ? -errno : 0;
	map_ok = m != MAP_FAILED;
	if (map_ok)
		munmap(m, 4096);
	if (fd >= 0)
		close(fd);
	fd = open(unl, O_RDONLY | O_CLOEXEC);
	m = fd < 0 ? MAP_FAILED : mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
	map_refused = m == MAP_FAILED;
	if (!map_refused)
		munmap(m, 4096);
	if (fd >= 0)
		close(fd);
	p->refuses = unlisted != 0 && map_refused;
	if (!p->refuses)
		return peer_says(b, ARM_IMA, "failed",
				 "IMA let the unlisted %s %s: nothing judged", unl,
				 unlisted == 0 ? "run" : "be mapped executable");
	if (st[0] || st[1] || !map_ok)
		return peer_says(b, ARM_IMA, "failed",
				 "IMA refused a listed copy (nop: %d, true: %d, map of lib.so: %d)",
				 st[0], st[1], st[2]);
	/* The workloads' appraised copies, for ARM_IMA. */
	for (int i = 0; i < b->nwl; i++) {
		struct workload *w = &b->wl[i];
		const char *c = w->kind == WL_EXEC_STATIC    ? "nop"
				: w->kind == WL_EXEC_DYNAMIC ? "true"
				: w->kind == WL_MMAP_LIB     ? "lib.so"
							     : NULL;

		if (!c || strcmp(w->fs, "ext4") || fmt(w->ima_path, sizeof(w->ima_path), "%s/%s",
						       IMA_DIR, c))
			continue;
		if (w->kind == WL_MMAP_LIB && (w->ima_fd = open(w->ima_path, O_RDONLY | O_CLOEXEC)) < 0)
			(void)fmt(w->arm_err[ARM_IMA], sizeof(w->arm_err[ARM_IMA]), "%s: %s",
				  w->ima_path, strerror(errno));
	}
	return peer_says(b, ARM_IMA, "ok", "refused the unlisted %s (exec: %s, map: refused), ran the listed",
		  unl, strerror(unlisted < 0 ? -unlisted : EACCES));
}

/* Before FULL is set up: which peers there are, IMA's policy and proof. */
static void peers_setup(struct bench *b)
{
	struct utsname u;
	char v[64] = "";
	FILE *f;

	for (int a = ARM_PEER; a < ARM_MAX; a++) {
		b->peer[a].refuses = b->peer[a].judged_perl = b->peer[a].judged_sh = -1;
		b->peer[a].status = "unavailable";
	}
	if (!b->peers)
		return;
	f = fopen(FAPOLICYD_VERSION, "r");
	if (f) {
		if (fgets(v, sizeof(v), f))
			v[strcspn(v, "\n")] = '\0';
		fclose(f);
	}
	snprintf(b->peer[ARM_FAPOLICYD].version, sizeof(b->peer[ARM_FAPOLICYD].version), "%s", v);
	if (access(FAPOLICYD, X_OK))
		peer_says(b, ARM_FAPOLICYD, "unavailable", "%s: %s (scripts/vm/mkpeers.sh puts it in the guest)",
			  FAPOLICYD, strerror(errno));
	else
		b->peer[ARM_FAPOLICYD].run = true; /* judged once FULL's list is written */
	uname(&u);
	(void)fmt(b->peer[ARM_IMA].version, sizeof(b->peer[ARM_IMA].version), "%s", u.release);
	ima_setup(b);
}

static json_t *peer_json(const struct peer *p, enum arm a)
{
	json_t *j = json_pack("{s:s,s:s,s:b,s:s}", "status", p->status, "reason", p->reason,
			      "refuses_unlisted", p->refuses == 1, "version", p->version);

	if (a == ARM_FAPOLICYD)
		json_object_set_new(j, "interp_judged",
				    json_pack("{s:o,s:o}", "perl_module",
					      p->judged_perl < 0 ? json_null()
								 : json_boolean(p->judged_perl),
					      "sh_source",
					      p->judged_sh < 0 ? json_null()
							       : json_boolean(p->judged_sh)));
	return j;
}

/* ---- output --------------------------------------------------------------------- */

static json_t *workload_json(const struct bench *b, const struct workload *w)
{
	const struct wl_desc *d = &wl_descs[w->kind];
	json_t *j = json_object(), *raw = json_object();

	json_object_set_new(j, "name", json_string(d->name));
	json_object_set_new(j, "fs", json_string(w->fs));
	if (w->path[0])
		json_object_set_new(j, "path", json_string(w->path));
	json_object_set_new(j, "rounds", json_integer(w->rounds));
	json_object_set_new(j, "iterations_per_block", json_integer(w->n));
	json_object_set_new(j, "noop_off", spread_json(ratio_spread(w, ARM_NOOP, true)));
	json_object_set_new(j, "full_off", spread_json(ratio_spread(w, ARM_FULL, true)));
	/* A peer's ratios only where its arm ran every round: fapolicyd_off,
	 * ima_appraise_off */
	for (int a = ARM_PEER; a < ARM_MAX; a++) {
		char key[64];

		if (!b->peer[a].run || !arm_applies(w, a) || !w->rounds)
			continue;
		snprintf(key, sizeof(key), "%s_off", arm_names[a]);
		json_object_set_new(j, key, spread_json(ratio_spread(w, a, true)));
	}
	json_object_set_new(j, "noop_off_norm", spread_json(ratio_spread(w, ARM_NOOP, false)));
	json_object_set_new(j, "full_off_norm", spread_json(ratio_spread(w, ARM_FULL, false)));
	json_object_set_new(j, "target", d->limit > 0 ? json_real(d->limit) : json_null());
	/* The consumer's CPU per op in FULL's timed chunks, and FULL/OFF with
	 * it left in: what the workload pays when the daemon has no core of
	 * its own (the same as full_off unless shared_cpu). */
	json_object_set_new(j, "daemon_cpu_ns_per_op",
			    w->ctr_ops ? json_real(w->daemon_ns / w->ctr_ops) : json_null());
	json_object_set_new(j, "full_off_daemon_same_cpu", spread_json(wall_spread(w)));
	/* Emulated time: raw data, never a result; norm is brought back to
	 * the guest's best speed (block()). */
	for (int a = 0; a < ARM_MAX; a++)
		if (arm_on(b, a) && arm_applies(w, a))
			json_object_set_new(raw, arm_names[a],
					    ns_json(median_of(w->ns[a], w->rounds)));
	json_object_set_new(j, "raw_ns_per_op_median", raw);
	raw = json_object();
	for (int a = 0; a < ARM_MAX; a++)
		if (arm_on(b, a) && arm_applies(w, a))
			json_object_set_new(raw, arm_names[a],
					    ns_json(median_of(w->norm[a], w->rounds)));
	json_object_set_new(j, "norm_ns_per_op_median", raw);
	raw = json_object();
	for (int a = 0; a < ARM_MAX; a++)
		if (arm_on(b, a) && arm_applies(w, a))
			json_object_set_new(raw, arm_names[a],
					    num(median_of(w->slow[a], w->rounds)));
	json_object_set_new(j, "meter_slowdown_median", raw);
	if (w->argv) {
		json_t *fr = json_object();

		/* The first run in each pass: under FULL the first since the
		 * attach (new hash-cache epoch), rounds where it was not left
		 * out (NaN) */
		json_object_set_new(fr, "full_off",
				    spread_json(finite_ratios(w->first[ARM_FULL], w->first[ARM_OFF],
							      w->rounds)));
		json_object_set_new(fr, "noop_off",
				    spread_json(finite_ratios(w->first[ARM_NOOP],
							      w->first[ARM_OFF], w->rounds)));
		raw = json_object();
		for (int a = 0; a < ARM_MAX; a++) {
			double v[MAX_ROUNDS];
			int n = 0;

			if (!arm_on(b, a) || !arm_applies(w, a))
				continue;
			for (int r = 0; r < w->rounds; r++)
				if (isfinite(w->first[a][r]))
					v[n++] = w->first[a][r];
			json_object_set_new(raw, arm_names[a], ns_json(median_of(v, n)));
		}
		json_object_set_new(fr, "raw_ns_median", raw);
		json_object_set_new(fr, "full_runs", json_integer(w->first_n));
		json_object_set_new(fr, "full_hashes_per_run",
				    w->first_n ? json_real((double)w->first_hashes / w->first_n)
					       : json_null());
		json_object_set_new(fr, "full_cache_hits_per_run",
				    w->first_n ? json_real((double)w->first_hits / w->first_n)
					       : json_null());
		json_object_set_new(j, "first_run", fr);
	}
	if (w->err[0])
		json_object_set_new(j, "error", json_string(w->err));
	for (int a = ARM_PEER; a < ARM_MAX; a++) {
		char key[64];

		if (w->arm_err[a][0]) {
			snprintf(key, sizeof(key), "%s_error", arm_names[a]);
			json_object_set_new(j, key, json_string(w->arm_err[a]));
		} else if (b->peer[a].run && !arm_applies(w, a)) {
			/* a peer that ran but has nothing to judge here: not a failure */
			snprintf(key, sizeof(key), "%s_not_measured", arm_names[a]);
			json_object_set_new(j, key, json_string(arm_not_applied(a)));
		}
	}
	return j;
}

/* MB/s (10^6 bytes) of the hash the chain adds: bytes / (t_full - t_off). */
static double added_mb_s(size_t size, double full_ns, double off_ns)
{
	return full_ns > off_ns ? size * 1e3 / (full_ns - off_ns) : NAN;
}

static json_t *cold_json(const struct cold *c)
{
	double full = median_of(c->ns[ARM_FULL], c->cnt[ARM_FULL]);
	double off = median_of(c->ns[ARM_OFF], c->cnt[ARM_OFF]);
	double full_mb_s = added_mb_s(c->size, full, off);
	double ossl_mb_s = c->size * 1e3 / c->openssl_ns;
	json_t *j = json_object(), *raw = json_object();

	json_object_set_new(j, "size", json_integer((json_int_t)c->size));
	json_object_set_new(j, "fs", json_string(c->fs));
	json_object_set_new(j, "full_mb_s", num(full_mb_s));
	json_object_set_new(j, "openssl_mb_s", num(ossl_mb_s));
	json_object_set_new(j, "ratio", num(full_mb_s / ossl_mb_s));
	json_object_set_new(j, "samples", json_integer(c->cnt[ARM_FULL]));
	/* Emulated time: raw data. */
	json_object_set_new(raw, "off", ns_json(off));
	json_object_set_new(raw, "full", ns_json(full));
	json_object_set_new(raw, "openssl", ns_json(c->openssl_ns));
	/* FULL no slower than OFF (full_mb_s null): the chain's measurement
	 * shared IMA's own, or the noise hid it. */
	json_object_set_new(raw, "added", ns_json(full - off));
	json_object_set_new(j, "raw_ns_median", raw);
	if (c->err[0])
		json_object_set_new(j, "error", json_string(c->err));
	return j;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: igbench [--quick | --full] [--rounds N] [--only NAME[,...]] [--seed N]\n"
		"               [--peers]\n"
		"\n"
		"Times each workload with nothing attached (off), with an empty twin of every\n"
		"program of the enforcer (noop) and with the enforcer and its consumer (full),\n"
		"in a random arm order per round, and prints one line '@@BENCH {json}'.\n"
		"\n"
		"  --quick        %d rounds, short blocks, two cold-hash sizes (default)\n"
		"  --full         %d rounds, longer blocks, four cold-hash sizes\n"
		"  --rounds N     rounds (1-%d) instead of the mode's\n"
		"  --only NAMES   only these workloads (the control always runs): control,\n"
		"                 exec_static, exec_dynamic, open_short, open_deep, open_audit,\n"
		"                 mmap_exec_lib, mmap_anon, cold_hash\n"
		"  --seed N       the arm order's seed (default: random, reported)\n"
		"  --peers        fapolicyd and IMA appraisal too, each its own arm (the\n"
		"                 guest needs scripts/vm/mkpeers.sh's overlay and\n"
		"                 ima_appraise=enforce)\n",
		QUICK_ROUNDS, FULL_ROUNDS, MAX_ROUNDS);
}

static int parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

/* 0 to run, 1 when --help was served, 2 for a usage error. */
static int parse_args(struct bench *b, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "quick", no_argument, NULL, 'q' },
		{ "full", no_argument, NULL, 'f' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "only", required_argument, NULL, 'o' },
		{ "seed", required_argument, NULL, 's' },
		{ "peers", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	bool seeded = false;
	uint64_t v;
	int c;

	b->quick = true;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'q':
			b->quick = true;
			break;
		case 'f':
			b->quick = false;
			break;
		case 'r':
			if (parse_u64(optarg, MAX_ROUNDS, &v) || !v) {
				fprintf(stderr, "igbench: invalid --rounds '%s' (1-%d)\n", optarg,
					MAX_ROUNDS);
				return 2;
			}
			b->rounds = (int)v;
			break;
		case 'o':
			if (check_only(optarg))
				return 2;
			b->only = optarg;
			break;
		case 's':
			if (parse_u64(optarg, UINT64_MAX, &b->seed)) {
				fprintf(stderr, "igbench: invalid --seed '%s'\n", optarg);
				return 2;
			}
			seeded = true;
			break;
		case 'p':
			b->peers = true;
			break;
		case 'h':
			usage(stdout);
			return 1;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (!b->rounds)
		b->rounds = b->quick ? QUICK_ROUNDS : FULL_ROUNDS;
	b->block_ns = b->quick ? 40000000L : 120000000L;
	b->settle_ms = 500;
	if (!seeded && getrandom(&b->seed, sizeof(b->seed), 0) != sizeof(b->seed))
		b->seed = (uint64_t)now_ns();
	b->rng = b->seed | 1;
	return 0;
}

/* The cold-hash sizes and file systems, their content, and the worker. */
static int setup_cold(struct bench *b)
{
	static const size_t quick_sizes[] = { 64 << 10, 1 << 20 };
	static const size_t full_sizes[] = { 4 << 10, 64 << 10, 1 << 20, 16 << 20 };
	const size_t *sz = b->quick ? quick_sizes : full_sizes;
	int nsz = b->quick ? 2 : 4, err;
	struct statfs sfs;

	if (!selected(b, "cold_hash"))
		return 0;
	for (int i = 0; i < nsz; i++)
		for (int f = 0; f < (b->have_ext4 ? 2 : 1); f++) {
			struct cold *cd = &b->cold[b->ncold++];

			cd->size = sz[i];
			cd->openssl_ns = NAN;
			cd->fs = f ? "ext4" : "tmpfs";
			cd->base = f ? EXT4_BASE : TMP_BASE;
			if (sz[i] > b->cold_max)
				b->cold_max = sz[i];
			/* the test image is small: a size it cannot hold is reported */
			if (f && !statfs(EXT4_MNT, &sfs) &&
			    (double)sfs.f_bavail * sfs.f_bsize < sz[i] * 1.5) {
				(void)fmt(cd->err, sizeof(cd->err), "no room on %s for %zu bytes",
					  EXT4_MNT, sz[i]);
				fprintf(stderr, "igbench: cold hash: %s\n", cd->err);
			}
		}
	b->cold_buf = malloc(b->cold_max);
	if (!b->cold_buf)
		return -ENOMEM;
	for (size_t k = 0; k + 8 <= b->cold_max; k += 8) {
		uint64_t x = rng_next(b);

		memcpy(b->cold_buf + k, &x, 8);
	}
	err = cold_worker_start(b);
	if (err)
		fprintf(stderr, "igbench: cannot start the cold-map worker: %s\n", strerror(-err));
	return err;
}

/* The workloads' files on tmpfs and ext4, the workloads, the cold hash. */
static int setup_workloads(struct bench *b, const char *lib)
{
	struct statfs sfs;
	int err, null;

	b->have_ext4 = !statfs(EXT4_MNT, &sfs) && sfs.f_type == EXT4_MAGIC;
	b->have_perl = !access(PERL, X_OK);
	if (!b->have_ext4)
		fprintf(stderr, "igbench: %s is not ext4: ext4 workloads skipped\n", EXT4_MNT);
	if ((err = setup_base(b, TMP_BASE, lib)) ||
	    (b->have_ext4 && (err = setup_base(b, EXT4_BASE, lib)))) {
		fprintf(stderr, "igbench: cannot set up the workloads' files: %s\n",
			strerror(-err));
		return err;
	}
	/* Spawned programs write nowhere; dup2 from a held fd opens nothing. */
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null < 0 || posix_spawn_file_actions_init(&spawn_fa) ||
	    posix_spawn_file_actions_adddup2(&spawn_fa, null, 1) ||
	    posix_spawn_file_actions_adddup2(&spawn_fa, null, 2)) {
		perror("igbench: /dev/null");
		return -EIO;
	}
	add_workload(b, WL_CONTROL, "none", NULL);
	for (int k = WL_EXEC_STATIC; k < WL_MAX; k++) {
		if (k == WL_PERL_MODS || k == WL_SH_SOURCE) {
			add_interp_workload(b, k);
			continue;
		}
		if (!wl_descs[k].per_fs) {
			add_workload(b, k, "none", NULL);
			continue;
		}
		add_workload(b, k, "tmpfs", TMP_BASE);
		if (b->have_ext4)
			add_workload(b, k, "ext4", EXT4_BASE);
	}
	return setup_cold(b);
}

/* Perl and busybox named interpreters, by digest, when their workloads run. */
static int set_interps(struct bench *b)
{
	__u8 d[2][IG_SHA256_LEN];
	size_t n = 0;
	int fd, err;

	if (!b->interp_dir[0])
		return 0;
	for (int i = 0; i < 2; i++) {
		const char *p = i ? PERL : BUSYBOX;

		if (i && !b->have_perl)
			continue;
		fd = open(p, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		err = sha256_fd(fd, d[n], NULL);
		close(fd);
		if (err)
			return err;
		n++;
	}
	err = enforcer_set_interps(b->e, (const __u8(*)[IG_SHA256_LEN])d, n);
	if (!err)
		fprintf(stderr, "igbench: %zu interpreters, scripts judged at %s\n", n,
			enforcer_script_hook(b->e));
	return err;
}

/* The floor: the empty twin of every program the chain loaded. */
static int noop_load(struct bench *b)
{
	struct bpf_program *p;
	int err;

	b->noop = noop_bpf__open();
	if (!b->noop) {
		err = -errno;
		fprintf(stderr, "igbench: cannot open the noop programs: %s\n", strerror(-err));
		return err;
	}
	bpf_object__for_each_program(p, b->noop->obj) {
		char name[128];
		bool load;

		snprintf(name, sizeof(name), "ig_%s", bpf_program__name(p) + strlen("noop_"));
		load = enforcer_has_prog(b->e, name);
		bpf_program__set_autoload(p, load);
		b->noop_twins += load;
		b->noop_all++;
	}
	/* A floor missing programs the chain has would credit their cost to
	 * imaguard's own code: refuse to measure against it. */
	if (b->noop_twins != b->chain_progs) {
		fprintf(stderr, "igbench: the floor has %d empty twins for the chain's %d programs "
			"(a noop.skel.h older than bpf/enforcer.bpf.c?)\n", b->noop_twins,
			b->chain_progs);
		return -EINVAL;
	}
	err = noop_bpf__load(b->noop);
	if (err)
		fprintf(stderr, "igbench: cannot load the noop programs: %s\n", strerror(-err));
	else
		fprintf(stderr, "igbench: noop: %d of %d empty twins loaded, one per program the "
			"chain loaded\n", b->noop_twins, b->noop_all);
	return err;
}

/*
 * NOOP loaded; FULL loaded with its rules and allowlist, the pipeline open
 * and the consumer started (idle until FULL is attached); FULL attached once
 * to prove that IMA gives SHA-256 here.
 */
static int setup_arms(struct bench *b, const char *lib, const cpu_set_t *all_cpus)
{
	struct enforcer_opts eo = { .mode = IG_MODE_ENFORCE };
	struct enforcer_allow *allow = NULL;
	struct enforcer_rule *rules = NULL;
	char **rule_strs = NULL;
	__u32 max_id = 0;
	int err = -EINVAL;

	for (__u32 id = 0; !bpf_prog_get_next_id(id, &id);)
		max_id = id;
	if ((err = enforcer_open(&b->e, &eo)))
		goto cleanup;
	find_full_progs(b, max_id);
	if ((err = noop_load(b)))
		goto cleanup;
	if ((err = set_interps(b)))
		goto cleanup;
	b->nrules = build_rules(b, &rules, &rule_strs);
	if (b->nrules < 0) {
		err = b->nrules;
		goto cleanup;
	}
	if ((err = build_allowlist(b, lib, &allow)) ||
	    (err = enforcer_set_policy(b->e, rules, b->nrules, allow, b->nallow)))
		goto cleanup;
	unlink(AUDIT_LOG);
	err = pipeline_open(&b->pl, &(struct pipeline_opts){ .audit_log = AUDIT_LOG,
							   .mode = IG_MODE_ENFORCE });
	if (err)
		goto cleanup;
	enforcer_set_handler(b->e, pipeline_event, b->pl);
	/* As the daemon runs: repeated maps counted in the kernel. */
	if ((err = pipeline_folds_renew(b->pl, b->e)))
		goto cleanup;
	pthread_mutex_init(&b->mu, NULL);
	pthread_cond_init(&b->cv, NULL);
	if ((err = -pthread_create(&b->consumer, NULL, consumer_main, b))) {
		fprintf(stderr, "igbench: cannot start the consumer thread: %s\n", strerror(-err));
		goto cleanup;
	}
	b->consumer_up = true;
	if (CPU_COUNT(all_cpus))
		pthread_setaffinity_np(b->consumer, sizeof(*all_cpus), all_cpus);
	check_judges(b, ARM_OFF);
	if ((err = arm_set(b, ARM_FULL)))
		goto cleanup;
	check_judges(b, ARM_FULL);
	if ((err = enforcer_ima_check(b->e)))
		fprintf(stderr, "igbench: no SHA-256 from IMA: FULL would refuse everything\n");
cleanup:
	if (rule_strs)
		for (int i = 0; i < MAX_RULES; i++)
			free(rule_strs[i]);
	free(rule_strs);
	free(rules);
	free(allow);
	return err;
}

/*
 * arm_set(), and for a peer's arm that cannot be entered (fapolicyd does
 * not start) the peer marked failed with the reason: 0, 1 when that peer's
 * arm is skipped from now on, or a negative errno that ends the run.
 */
static int arm_enter(struct bench *b, enum arm a)
{
	int err = arm_set(b, a);
	char why[sizeof(b->peer[0].reason)];

	if (!err || a < ARM_PEER)
		return err;
	snprintf(why, sizeof(why), "%s", b->peer[a].reason);
	peer_says(b, a, "failed", "%s", why);
	return 1;
}

/* Block sizes under OFF, then each workload once under each arm. */
static int calibrate_all(struct bench *b)
{
	int err;

	if ((err = arm_set(b, ARM_OFF)))
		return err;
	meter_calibrate(b);
	for (int i = 0; i < b->nwl; i++) {
		struct workload *w = &b->wl[i];

		if (!w->err[0] && !calibrate(b, w))
			fprintf(stderr, "igbench: %-14s %-5s %7ld per block\n", wl_name(w), w->fs,
				w->n);
	}
	for (int a = ARM_NOOP; a < ARM_MAX; a++) {
		if (!arm_on(b, a))
			continue;
		if ((err = arm_enter(b, a)) < 0)
			return err;
		if (err)
			continue;
		for (int i = 0; i < b->nwl; i++) {
			if (!arm_applies(&b->wl[i], a))
				continue;
			if (!b->wl[i].err[0] && (err = run_iters(&b->wl[i], 2)))
				wl_fail(&b->wl[i], a, err);
			if (a == ARM_FULL)
				b->wl[i].first_epoch = b->full_epoch; /* now warm */
		}
	}
	return 0;
}

static void shuffle(struct bench *b, int *v, int n)
{
	for (int i = n - 1; i > 0; i--) { /* Fisher-Yates */
		int j = (int)(rng_next(b) % (uint64_t)(i + 1)), t = v[i];

		v[i] = v[j];
		v[j] = t;
	}
}

/* One arm's pass: every workload in a fresh order, then the cold files. */
static int arm_pass(struct bench *b, enum arm a, bool ok[])
{
	int seq[MAX_WORKLOADS], err;

	if ((err = arm_enter(b, a)))
		return err < 0 ? err : 0;
	for (int i = 0; i < b->nwl; i++)
		seq[i] = i;
	shuffle(b, seq, b->nwl); /* none is always the first after a switch */
	for (int i = 0; i < b->nwl; i++) {
		struct workload *w = &b->wl[seq[i]];

		/* a peer's failed block drops only that peer's results (wl_fail) */
		if (a >= ARM_PEER) {
			if (ok[seq[i]] && arm_applies(w, a))
				block(b, w, w->rounds);
		} else if (ok[seq[i]]) {
			ok[seq[i]] = !block(b, w, w->rounds);
		}
	}
	if (a != ARM_OFF && a != ARM_FULL)
		return 0;
	for (int i = 0; i < b->ncold; i++)
		if (!b->cold[i].err[0])
			cold_block(b, &b->cold[i]);
	return 0;
}

/*
 * The timed rounds: the arms in a fresh random order each round, each
 * running every workload (and, under OFF and FULL, the cold files), so that
 * a round switches three times at most: a switch costs seconds here.
 */
static int run_rounds(struct bench *b)
{
	int err;

	for (int r = 0; r < b->rounds; r++) {
		int order[ARM_MAX], na = 0;
		long t0 = now_ns(), sw0 = b->switch_total_ns;
		bool ok[MAX_WORKLOADS];
		char seq[96] = "";

		for (int a = 0; a < ARM_MAX; a++)
			if (arm_on(b, a))
				order[na++] = a;
		shuffle(b, order, na);
		for (int i = 0; i < b->nwl; i++)
			ok[i] = !b->wl[i].err[0];
		for (int k = 0; k < na; k++) {
			if ((err = arm_pass(b, order[k], ok)))
				return err;
			snprintf(seq + strlen(seq), sizeof(seq) - strlen(seq), "%s%s", k ? "," : "",
				 arm_names[order[k]]);
		}
		/* A round counts for a workload only with all three of its blocks
		 * (off, noop, full); a peer's failure drops that peer alone. */
		for (int i = 0; i < b->nwl; i++)
			if (ok[i])
				b->wl[i].rounds++;
		if (b->poll_err)
			fprintf(stderr, "igbench: the consumer's poll failed: %s\n",
				strerror(-b->poll_err));
		fprintf(stderr, "igbench: round %d/%d (%s) in %.1f s, %.1f s switching\n",
			r + 1, b->rounds, seq, (now_ns() - t0) / 1e9,
			(b->switch_total_ns - sw0) / 1e9);
	}
	if ((err = arm_set(b, ARM_OFF)))
		return err;
	for (int i = 0; i < b->ncold; i++)
		if (!b->cold[i].err[0])
			openssl_time(&b->cold[i], b->cold_buf);
	return 0;
}

/* Both arms' control ratios within CONTROL_TOL of 1 (NaN is not). */
static bool control_ok(const struct workload *w)
{
	struct spread full = ratio_spread(w, ARM_FULL, true);
	struct spread noop = ratio_spread(w, ARM_NOOP, true);

	return w->rounds && fabs(full.median - 1) <= CONTROL_TOL &&
	       fabs(noop.median - 1) <= CONTROL_TOL;
}

static json_t *target_json(const struct workload *w, const char *kshort)
{
	const struct wl_desc *d = &wl_descs[w->kind];
	struct spread full = ratio_spread(w, ARM_FULL, true);
	bool met = isfinite(full.median) && full.median <= d->limit;
	char name[160];

	(void)fmt(name, sizeof(name), "%s FULL/OFF%s%s (%s)", d->label, d->per_fs ? ", " : "",
		  d->per_fs ? w->fs : "", kshort);
	return json_pack("{s:s,s:o,s:f,s:s,s:b}", "name", name, "value", num(full.median),
			 "limit", d->limit, "op", "<=", "met", met);
}

static json_t *switches_json(const struct bench *b)
{
	json_t *j = json_object();

	for (int k = 0; k < SW_MAX; k++) {
		double max = NAN;

		for (int i = 0; i < b->nswitch[k]; i++)
			if (!(b->switch_ms[k][i] <= max))
				max = b->switch_ms[k][i];
		json_object_set_new(j, sw_names[k],
				    json_pack("{s:o,s:o,s:i}", "median",
					      num(median_of(b->switch_ms[k], b->nswitch[k])), "max",
					      num(max), "n", b->nswitch[k]));
	}
	return j;
}

/* The @@BENCH object. The fields the harness reads come first. */
static json_t *results_json(struct bench *b, const struct utsname *uts, json_t *stats,
			    json_t *stats_by, bool *noisy)
{
	json_t *out = json_object(), *jw = json_array(), *jc = json_array(), *jt = json_array();
	json_t *jctr = json_object(), *control = json_null(), *control_norm = json_null();
	char kshort[32], *p, key[96];

	/* "6.1.0-56-cloud-amd64" -> "6.1" */
	(void)fmt(kshort, sizeof(kshort), "%s", uts->release);
	p = strchr(kshort, '.');
	if (p && (p = strchr(p + 1, '.')))
		*p = '\0';
	kshort[strcspn(kshort, "-")] = '\0';

	*noisy = true; /* until the control says otherwise */
	for (int i = 0; i < b->nwl; i++) {
		struct workload *w = &b->wl[i];
		const struct wl_desc *d = &wl_descs[w->kind];

		json_array_append_new(jw, workload_json(b, w));
		(void)fmt(key, sizeof(key), "%s/%s", d->name, w->fs);
		json_object_set_new(jctr, key, ctr_json(&w->ctr, w->ctr_ops));
		if (d->limit > 0)
			json_array_append_new(jt, target_json(w, kshort));
		if (w->kind == WL_CONTROL) {
			json_decref(control);
			json_decref(control_norm);
			control = spread_json(ratio_spread(w, ARM_FULL, true));
			control_norm = spread_json(ratio_spread(w, ARM_FULL, false));
			*noisy = !control_ok(w);
		}
	}
	for (int i = 0; i < b->ncold; i++) {
		json_array_append_new(jc, cold_json(&b->cold[i]));
		(void)fmt(key, sizeof(key), "cold_hash_%zu/%s", b->cold[i].size, b->cold[i].fs);
		json_object_set_new(jctr, key, ctr_json(&b->cold[i].ctr, b->cold[i].ctr_ops));
	}
	json_object_set_new(out, "kind", json_string("guest"));
	json_object_set_new(out, "kernel", json_string(uts->release));
	json_object_set_new(out, "mode", json_string(b->quick ? "quick" : "full"));
	json_object_set_new(out, "rounds", json_integer(b->rounds));
	json_object_set_new(out, "noisy", json_boolean(*noisy));
	json_object_set_new(out, "control", control);
	json_object_set_new(out, "workloads", jw);
	json_object_set_new(out, "cold_hash", jc);
	json_object_set_new(out, "bpf_stats", stats);
	json_object_set_new(out, "counters", jctr);
	json_object_set_new(out, "targets", jt);
	if (b->peers) {
		json_t *jp = json_object();

		for (int a = ARM_PEER; a < ARM_MAX; a++)
			json_object_set_new(jp, arm_names[a], peer_json(&b->peer[a], a));
		json_object_set_new(out, "peers", jp);
	}
	/* Beside the results: the second estimator, and raw data. */
	json_object_set_new(out, "control_norm", control_norm);
	json_object_set_new(out, "bpf_stats_by_workload", stats_by);
	json_object_set_new(out, "seed", json_integer((json_int_t)(b->seed & INT64_MAX)));
	json_object_set_new(out, "timed_cpu", json_integer(b->cpu));
	json_object_set_new(out, "daemon_shares_timed_cpu", json_boolean(b->shared_cpu));
	json_object_set_new(out, "full_setup",
			    json_pack("{s:i,s:I,s:I,s:s}", "rules", b->nrules, "allowlist",
				      (json_int_t)b->nallow, "allowlist_real",
				      (json_int_t)b->nreal, "attach_order",
				      enforcer_attach_order(b->e)));
	json_object_set_new(out, "noop_setup", json_pack("{s:i,s:i}", "twins_loaded", b->noop_twins,
							 "twins", b->noop_all));
	json_object_set_new(out, "raw_switch_ms", switches_json(b));
	/* Whether FULL refused an unlisted module / sourced script (null:
	 * not checked: the workload did not run) */
	json_object_set_new(out, "interp_judged",
			    json_pack("{s:o,s:o}", "perl_module",
				      b->judged_perl < 0 ? json_null() : json_boolean(b->judged_perl),
				      "sh_source",
				      b->judged_sh < 0 ? json_null() : json_boolean(b->judged_sh)));
	return out;
}

static void teardown(struct bench *b)
{
	if (b->e && b->arm != ARM_OFF)
		arm_set(b, ARM_OFF);
	fapolicyd_stop(b);
	if (b->consumer_up) {
		pthread_mutex_lock(&b->mu);
		b->quit = true;
		pthread_cond_broadcast(&b->cv);
		pthread_mutex_unlock(&b->mu);
		pthread_join(b->consumer, NULL);
	}
	if (b->pl) {
		enforcer_fold_stop(b->e);
		enforcer_poll(b->e, 0);
		pipeline_flush(b->pl);
		pipeline_free(b->pl);
	}
	for (int h = 0; h < IG_HOOK_MAX; h++)
		for (int st = 0; st < 3; st++)
			if (b->full_fds[h][st] >= 0)
				close(b->full_fds[h][st]);
	enforcer_free(b->e);
	noop_bpf__destroy(b->noop);
	free(b->cold_buf);
	if (b->cold_pid > 0) {
		close(b->cold_sock); /* the worker leaves at end of file */
		waitpid(b->cold_pid, NULL, 0);
	}
	for (int i = 0; i < b->nwl; i++) {
		if (b->wl[i].fd >= 0)
			close(b->wl[i].fd);
		if (b->wl[i].ima_fd >= 0)
			close(b->wl[i].ima_fd);
	}
	remove_tree(TMP_BASE);
	if (b->have_ext4)
		remove_tree(EXT4_BASE);
	unlink(AUDIT_LOG);
}

int main(int argc, char **argv)
{
	static struct bench bench;
	struct bench *b = &bench;
	json_t *stats, *stats_by, *out;
	char lib[PATH_MAX], *line;
	long t_start = now_ns();
	struct utsname uts;
	cpu_set_t all_cpus;
	bool noisy;
	int rc = 1;

	for (int h = 0; h < IG_HOOK_MAX; h++)
		for (int st = 0; st < 3; st++)
			b->full_fds[h][st] = -1;
	b->judged_perl = b->judged_sh = -1;
	switch (parse_args(b, argc, argv)) {
	case 0:
		break;
	case 1:
		return 0;
	default:
		return 2;
	}
	log_level = LOG_WARN;
	enforcer_log_libbpf();
	signal(SIGPIPE, SIG_IGN);
	uname(&uts);
	if (readlink("/proc/self/exe", b->self, sizeof(b->self) - 1) <= 0) {
		perror("igbench: /proc/self/exe");
		return 1;
	}
	memcpy(b->bindir, b->self, sizeof(b->bindir));
	*strrchr(b->bindir, '/') = '\0';
	if (enforcer_lsm_check())
		return 1;
	if (find_library(lib, sizeof(lib))) {
		fprintf(stderr, "igbench: no shared library to map in /proc/self/maps\n");
		return 1;
	}
	if (sched_getaffinity(0, sizeof(all_cpus), &all_cpus))
		CPU_ZERO(&all_cpus);
	b->cpu = pin_timed_side();
	b->shared_cpu = get_nprocs() == 1;

	if (setup_workloads(b, lib))
		goto cleanup;
	peers_setup(b);
	if (setup_arms(b, lib, &all_cpus))
		goto cleanup;
	if (b->peers)
		fapolicyd_judge(b);
	fprintf(stderr,
		"igbench: %s %s, %d rounds, seed %llu, timed on cpu %d; full: chain order %s, "
		"%d rules, %zu allowlist entries (%zu real), first attach %.0f ms\n",
		uts.release, b->quick ? "quick" : "full", b->rounds, (unsigned long long)b->seed,
		b->cpu, enforcer_attach_order(b->e), b->nrules, b->nallow, b->nreal,
		b->switch_ms[SW_FULL_ATTACH][0]);
	if (calibrate_all(b) || run_rounds(b))
		goto cleanup;

	/* Statistics, never while timing. */
	stats = json_array();
	stats_by = json_array();
	stats_pass(b, stats, stats_by);

	out = results_json(b, &uts, stats, stats_by, &noisy);
	json_object_set_new(out, "seconds", json_real((now_ns() - t_start) / 1e9));
	line = json_dumps(out, JSON_COMPACT | JSON_REAL_PRECISION(6));
	json_decref(out);
	if (!line)
		goto cleanup;
	printf("@@BENCH %s\n", line);
	fflush(stdout);
	free(line);
	rc = 0;
	fprintf(stderr, "igbench: done in %.0f s%s\n", (now_ns() - t_start) / 1e9,
		noisy ? " (noisy: the control is off by more than 2%)" : "");
cleanup:
	teardown(b);
	return rc;
}
