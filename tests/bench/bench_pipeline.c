// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host benchmark of the daemon's per-event path (src/daemon/pipeline.c): synthetic
 * kernel events through pipeline_event into an audit log, on one pinned core.
 *
 *   bench_pipeline [--quick] [--json] [--cpu N] [--dir DIR] [--events N] [--runs N]
 *                  [--mix NAME] [--cpu-time]
 *
 * Mixes:
 *   distinct     every event an exec with its own path and digest: each one
 *                is an `access` record, the worst case for the writer
 *   first-maps   every event a map of a new (path, digest): each one a
 *                record and a new entry in the first-sighting set
 *   repeat       ~10% execs of a few programs, ~90% maps and opens of a set
 *                of libraries seen before: folded into summaries
 *
 * Only pipeline_event and the closing pipeline_flush are timed; the events
 * are built beforehand, in batches. Afterwards, untimed, the log must hold
 * every event (an access record each, or a count in a summary) and verify
 * as one chain (how fast `audit verify` reads it is reported too). The
 * SHA-256 of every line is serial by the format, so the digest's speed on
 * lines of the mean record length is measured in every run as well: it caps
 * the records a second one core can write, whatever else is done. So does
 * handing the lines to the kernel: write(2) of as many bytes, in the
 * writer's batches, to a new file beside the log is measured likewise, and
 * the two together are the floor under a distinct record.
 *
 * --json prints one object on stdout; the text report goes to stderr then.
 * --cpu-time times everything in the thread's CPU time rather than on the
 * wall clock: on a machine shared with other work, the time the thread
 * waited for its core is then left out.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "audit/audit.h"
#include "enforcer/enforcer.h"
#include "daemon/pipeline.h"

#define BATCH 1024
#define N_PROGS 64	/* repeat mix: programs exec'd */
#define N_LIBS 200	/* repeat mix: (path, digest, hook) triples mapped or opened */
#define TARGET_EPS 1000000.0
#define TARGET_SHARE 0.8	/* of the SHA-256 ceiling */
#define WRITE_LINES 100000	/* per measurement of write(2): 70 MB */
#define AL_SHA "8f434346648f6b96df89dda901c5176b10a6d83961dd3c1ac88b59b2dc327aa4"

enum mix { MIX_DISTINCT, MIX_FIRST_MAPS, MIX_REPEAT, MIX_MAX };

static const char *const mix_name[] = { "distinct", "first-maps", "repeat" };

struct run {
	double secs, verify_secs;
	unsigned long long events, access, summarised, summaries, lines, bytes;
	bool intact;
	char why[256];
};

static struct {
	bool quick, json, cpu_time;
	int cpu;
	const char *dir;
	unsigned long long events;
	int runs;
	int only;	/* one mix (--mix, for profiling), or -1 */
} opt = { .cpu = -1, .only = -1 };

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(opt.cpu_time ? CLOCK_THREAD_CPUTIME_ID : CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static unsigned long long boot_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void base_event(struct ig_event *ev, unsigned long long t)
{
	memset(ev, 0, sizeof(*ev));
	ev->time_ns = t;
	ev->cgroup_id = 7340;
	ev->dev = 8 << 20 | 1;
	ev->decision = IG_ALLOW;
	ev->reason = IG_REASON_ALLOWLISTED;
	ev->flags = IG_F_NEED_HASH | IG_F_HASHED;
	ev->stages = IG_STAGES_ALL;
	ev->ppid = 1;
	ev->uid = ev->gid = 1000;
	ev->mnt_ns = 4026531841U;
	ev->pid_ns = 4026531836U;
	ev->rule = -1;
	ev->hash_algo = 4;	/* the kernel's HASH_ALGO_SHA256 */
}

static void set_digest(struct ig_event *ev, uint64_t id)
{
	uint64_t s = id * 0x9e3779b97f4a7c15ULL + 1;

	for (int i = 0; i < IG_SHA256_LEN; i += 8) {
		uint64_t w = xorshift(&s);

		memcpy(ev->digest + i, &w, 8);
	}
}

static void set_path(struct ig_event *ev, const char *fmt, unsigned long long id)
{
	int n = snprintf(ev->path, sizeof(ev->path), fmt, id);

	ev->path_len = n + 1;
}

/* Event i of a mix; rng drives the repeat mix's choices. */
static void make_event(struct ig_event *ev, enum mix m, unsigned long long i, uint64_t *rng,
		       unsigned long long t)
{
	uint64_t r = xorshift(rng);

	base_event(ev, t);
	ev->pid = ev->tid = 1000 + (unsigned int)(i % 30000);
	ev->ino = 100000 + i;
	switch (m) {
	case MIX_DISTINCT:
		ev->hook = IG_HOOK_EXEC;
		memcpy(ev->comm, "bash", 5);
		set_path(ev, "/usr/lib/x86_64-linux-gnu/bench/prog-%010llu", i);
		set_digest(ev, i);
		break;
	case MIX_FIRST_MAPS:
		ev->hook = IG_HOOK_MMAP;
		ev->prot = 5;	/* PROT_READ | PROT_EXEC */
		memcpy(ev->comm, "python3", 8);
		set_path(ev, "/usr/lib/x86_64-linux-gnu/bench/libgen-%010llu.so.1", i);
		set_digest(ev, i);
		break;
	default:
		if (r % 10 == 0) {
			unsigned long long prog = (r >> 8) % N_PROGS;

			ev->hook = IG_HOOK_EXEC;
			memcpy(ev->comm, "sh", 3);
			set_path(ev, "/usr/bin/bench-tool-%02llu", prog);
			set_digest(ev, 1ULL << 40 | prog);
			ev->ino = prog;
		} else {
			unsigned long long lib = (r >> 8) % N_LIBS;

			/* one library in ten is a watched config file, opened */
			ev->hook = lib % 10 == 9 ? IG_HOOK_OPEN : IG_HOOK_MMAP;
			ev->prot = ev->hook == IG_HOOK_MMAP ? 5 : 0;
			ev->reason = ev->hook == IG_HOOK_OPEN ? IG_REASON_RULE_AUDIT :
								IG_REASON_ALLOWLISTED;
			memcpy(ev->comm, "nginx", 6);
			set_path(ev, ev->hook == IG_HOOK_OPEN ? "/etc/bench/conf-%03llu.conf" :
				 "/usr/lib/x86_64-linux-gnu/libbench-%03llu.so.2", lib);
			set_digest(ev, 1ULL << 41 | lib);
			ev->ino = 1000 + lib;
		}
		break;
	}
}

/* ---- zero loss: every event in the log ----------------------------------- */

/* Count access records and add up the summaries' counts. */
static int count_log(const char *path, struct run *r)
{
	static const char access[] = "{\"type\":\"access\",";
	static const char summary[] = "{\"type\":\"summary\",";
	FILE *fp = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	if (!fp)
		return -errno;
	while ((n = getline(&line, &cap, fp)) > 0) {
		r->lines++;
		r->bytes += n;
		if (!strncmp(line, access, sizeof(access) - 1)) {
			r->access++;
		} else if (!strncmp(line, summary, sizeof(summary) - 1)) {
			json_t *j = json_loadb(line, n, 0, NULL), *e;
			size_t k;

			r->summaries++;
			json_array_foreach(json_object_get(j, "repeats"), k, e)
				r->summarised += json_integer_value(json_object_get(e, "count"));
			json_decref(j);
		}
	}
	free(line);
	fclose(fp);
	return 0;
}

/* ---- one run of one mix -------------------------------------------------- */

static int run_mix(enum mix m, unsigned long long n, const char *log, struct run *r)
{
	struct pipeline_opts po = {
		.audit_log = log, .mode = IG_MODE_ENFORCE,
		.allowlist_serial = 7, .allowlist_sha256 = AL_SHA,
	};
	struct audit_verify_result res;
	struct ig_event *evs = calloc(BATCH, sizeof(*evs));
	struct pipeline *p = NULL;
	unsigned long long t = boot_ns(), i = 0;
	uint64_t rng = 0x2545f4914f6cdd1dULL;
	double t0;
	int err;

	memset(r, 0, sizeof(*r));
	if (!evs)
		return -ENOMEM;
	unlink(log);
	err = pipeline_open(&p, &po);
	if (err)
		goto cleanup;
	while (i < n) {
		size_t b = n - i < BATCH ? n - i : BATCH;

		for (size_t k = 0; k < b; k++)
			make_event(&evs[k], m, i + k, &rng, t + (i + k) * 1000);
		t0 = now_s();
		for (size_t k = 0; k < b; k++)
			pipeline_event(p, &evs[k]);
		r->secs += now_s() - t0;
		i += b;
	}
	t0 = now_s();
	err = pipeline_flush(p);
	pipeline_free(p);
	r->secs += now_s() - t0;
	p = NULL;
	r->events = n;
	if (err)
		goto cleanup;
	err = count_log(log, r);
	if (err)
		goto cleanup;
	t0 = now_s();
	r->intact = !audit_verify_file(log, NULL, &res) && res.lines == r->lines;
	r->verify_secs = now_s() - t0;
	snprintf(r->why, sizeof(r->why), "%s", r->intact ? "intact" : res.why);
cleanup:
	free(evs);
	return err;
}

/* ---- the chain's own ceiling --------------------------------------------- */

/* SHA-256 as the writer runs it (one kept context, one digest per line). */
static double sha256_lines_per_s(size_t len, double secs)
{
	EVP_MD *md = EVP_MD_fetch(NULL, "SHA256", NULL);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char *buf = malloc(len), d[32] = { 0 };
	unsigned long long k = 0;
	double t0 = now_s(), t;

	memset(buf, 'a', len);
	do {
		for (int j = 0; j < 1000; j++, k++) {
			buf[k % len] ^= d[0];
			EVP_DigestInit_ex(ctx, md, NULL);
			EVP_DigestUpdate(ctx, buf, len);
			EVP_DigestFinal_ex(ctx, d, NULL);
		}
		t = now_s() - t0;
	} while (t < secs);
	free(buf);
	EVP_MD_CTX_free(ctx);
	EVP_MD_free(md);
	return k / t;
}

/*
 * write(2) as the writer runs it on the event path: whole lines of len bytes
 * (newline included), PIPELINE_BATCH_BYTES or a line more at a time, appended
 * to a new file at path. Lines/s; 0 when a write fails.
 */
static double write_lines_per_s(const char *path, size_t len)
{
	size_t per = PIPELINE_BATCH_BYTES / len + 1, chunk = per * len;
	char *buf = malloc(chunk);
	unsigned long long done = 0;
	double t0;
	int fd;

	if (!buf)
		return 0;
	for (size_t i = 0; i < chunk; i++)
		buf[i] = i % len == len - 1 ? '\n' : 'a' + i % 26;
	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0) {
		free(buf);
		return 0;
	}
	t0 = now_s();
	for (; done < WRITE_LINES; done += per)
		if (write(fd, buf, chunk) != (ssize_t)chunk)
			break;
	t0 = now_s() - t0;
	close(fd);
	unlink(path);
	free(buf);
	return done < WRITE_LINES ? 0 : done / t0;
}

/* ---- reporting ----------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void usage(FILE *fp)
{
	fprintf(fp, "usage: bench_pipeline [--quick] [--json] [--cpu N] [--dir DIR] "
		"[--events N] [--runs N] [--mix distinct|first-maps|repeat] [--cpu-time]\n");
}

static int parse_ull(const char *name, const char *s, unsigned long long lo,
		     unsigned long long hi, unsigned long long *out)
{
	char *end;

	errno = 0;
	*out = strtoull(s, &end, 10);
	if (errno || end == s || *end || *s == '-' || *out < lo || *out > hi) {
		fprintf(stderr, "bench_pipeline: invalid %s '%s': %llu to %llu\n", name, s,
			lo, hi);
		return -1;
	}
	return 0;
}

static int parse_args(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "quick", no_argument, NULL, 'q' }, { "json", no_argument, NULL, 'j' },
		{ "cpu", required_argument, NULL, 'c' }, { "dir", required_argument, NULL, 'd' },
		{ "events", required_argument, NULL, 'n' },
		{ "runs", required_argument, NULL, 'r' }, { "mix", required_argument, NULL, 'm' },
		{ "cpu-time", no_argument, NULL, 't' }, { "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	unsigned long long v;
	int c;

	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'q': opt.quick = true; break;
		case 'j': opt.json = true; break;
		case 't': opt.cpu_time = true; break;
		case 'd': opt.dir = optarg; break;
		case 'c':
			if (parse_ull("--cpu", optarg, 0, CPU_SETSIZE - 1, &v))
				return 2;
			opt.cpu = (int)v;
			break;
		case 'n':
			if (parse_ull("--events", optarg, 1, 1ULL << 32, &opt.events))
				return 2;
			break;
		case 'r':
			if (parse_ull("--runs", optarg, 1, 100, &v))
				return 2;
			opt.runs = (int)v;
			break;
		case 'm':
			for (int m = 0; m < MIX_MAX; m++)
				if (!strcmp(optarg, mix_name[m]))
					opt.only = m;
			if (opt.only < 0) {
				fprintf(stderr, "bench_pipeline: unknown mix '%s'\n", optarg);
				return 2;
			}
			break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		usage(stderr);
		return 2;
	}
	if (opt.json && opt.only >= 0) {
		fprintf(stderr, "bench_pipeline: --mix is for profiling, without --json\n");
		return 2;
	}
	if (!opt.events)
		opt.events = opt.quick ? 300000 : 2000000;
	if (!opt.runs)
		opt.runs = opt.quick ? 2 : 5;
	return 0;
}

static int pin_cpu(void)
{
	cpu_set_t set;

	if (opt.cpu < 0)
		opt.cpu = sched_getcpu();
	CPU_ZERO(&set);
	CPU_SET(opt.cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set)) {
		fprintf(stderr, "bench_pipeline: cannot pin to cpu %d: %s\n", opt.cpu,
			strerror(errno));
		return -1;
	}
	return 0;
}

static double median_of(double *v, int n)
{
	qsort(v, n, sizeof(double), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static json_t *target(const char *name, double value, double limit, const char *op, bool met,
		      const char *note)
{
	return json_pack("{s:s, s:f, s:f, s:s, s:b, s:s}", "name", name, "value", value, "limit",
			 limit, "op", op, "met", met, "note", note);
}

/* Both costs, one after the other on one core: the floor under a line. */
static double floor_lps(double sha_lps, double write_lps)
{
	return 1 / (1 / sha_lps + 1 / write_lps);
}

static void print_json(double median[], double best[], struct run last[], double line_len,
		       double sha_lps, double write_lps, double verify_lps,
		       unsigned long long lost, bool ok)
{
	json_t *out, *results = json_object(), *targets = json_array();
	char note[640], more[128] = "";

	for (int m = 0; m < MIX_MAX; m++) {
		struct run *r = &last[m];

		json_object_set_new(results, mix_name[m],
				    json_pack("{s:f, s:f, s:f, s:I, s:I, s:I, s:I, s:f, s:b}",
					      "events_per_s_median", median[m],
					      "events_per_s_best", best[m], "ns_per_event_median",
					      1e9 / median[m], "events", (json_int_t)r->events,
					      "records", (json_int_t)r->access, "summarised",
					      (json_int_t)r->summarised, "lines",
					      (json_int_t)r->lines, "mean_line_bytes",
					      (double)r->bytes / r->lines, "chain_intact",
					      r->intact));
	}
	json_object_set_new(results, "sha256",
			    json_pack("{s:s, s:f, s:f, s:f}", "impl", "OpenSSL EVP", "line_bytes",
				      line_len, "lines_per_s", sha_lps, "mb_per_s",
				      sha_lps * line_len / 1e6));
	json_object_set_new(results, "write",
			    json_pack("{s:s, s:f, s:i, s:f, s:f}", "impl", "write(2), O_APPEND",
				      "line_bytes", line_len + 1, "batch_bytes",
				      PIPELINE_BATCH_BYTES, "lines_per_s", write_lps,
				      "ns_per_line", 1e9 / write_lps));
	json_object_set_new(results, "distinct_share_of_sha256_ceiling",
			    json_real(median[MIX_DISTINCT] / sha_lps));
	json_object_set_new(results, "sha256_write_floor_lines_per_s",
			    json_real(floor_lps(sha_lps, write_lps)));
	json_object_set_new(results, "distinct_share_of_sha256_write_floor",
			    json_real(median[MIX_DISTINCT] / floor_lps(sha_lps, write_lps)));
	json_object_set_new(results, "verify_lines_per_s", json_real(verify_lps));
	json_object_set_new(results, "runs", json_integer(opt.runs));
	json_object_set_new(results, "events_per_run", json_integer((json_int_t)opt.events));
	json_object_set_new(results, "cpu", json_integer(opt.cpu));
	json_object_set_new(results, "quick", json_boolean(opt.quick));
	json_object_set_new(results, "clock", json_string(opt.cpu_time ? "thread-cpu" : "wall"));
	json_object_set_new(results, "lost_events", json_integer((json_int_t)lost));

	if (sha_lps < TARGET_EPS)
		snprintf(more, sizeof(more), " 1M distinct records/s needs a SHA-256 %.1f times "
			 "as fast (SHA-NI).", TARGET_EPS / sha_lps);
	snprintf(note, sizeof(note),
		 "every event an exec with its own record. The format chains each line with "
		 "the SHA-256 of the one before, serially: here OpenSSL does %.0f MB/s, %.0f "
		 "lines/s on %.0f-byte lines, so one core cannot write more records than that "
		 "whatever else is done; the pipeline reaches %.0f%% of it.%s",
		 sha_lps * line_len / 1e6, sha_lps, line_len, 100 * median[MIX_DISTINCT] / sha_lps,
		 more);
	json_array_append_new(targets, target("pipeline events/s, one core (distinct)",
					      median[MIX_DISTINCT], TARGET_EPS, ">=",
					      median[MIX_DISTINCT] >= TARGET_EPS, note));
	snprintf(note, sizeof(note),
		 "share of the SHA-256 ceiling on lines of the same length. Handing the "
		 "same bytes to the kernel, write(2) in the writer's batches to a file "
		 "beside the log, costs %.0f ns a line here, %.0f%% of the digest's %.0f: "
		 "with both on one core no pipeline can pass %.0f%% of the ceiling; this "
		 "one reaches %.0f%% of that floor.",
		 1e9 / write_lps, 100 * sha_lps / write_lps, 1e9 / sha_lps,
		 100 * floor_lps(sha_lps, write_lps) / sha_lps,
		 100 * median[MIX_DISTINCT] / floor_lps(sha_lps, write_lps));
	json_array_append_new(targets, target("pipeline share of the SHA-256 ceiling (distinct)",
					      median[MIX_DISTINCT] / sha_lps, TARGET_SHARE, ">=",
					      median[MIX_DISTINCT] / sha_lps >= TARGET_SHARE,
					      note));
	json_array_append_new(targets, target("pipeline events/s, one core (repeat-heavy)",
					      median[MIX_REPEAT], TARGET_EPS, ">=",
					      median[MIX_REPEAT] >= TARGET_EPS,
					      "~10% execs (each a record), ~90% maps and opens of "
					      "libraries seen before, folded into summaries"));
	json_array_append_new(targets, target("pipeline events lost", (double)lost, 0, "<=", ok,
					      "every event an access record or a summary count, "
					      "and every run's log verified as one chain"));
	out = json_pack("{s:s, s:s, s:o, s:o}", "kind", "host", "bench", "pipeline", "results",
			results, "targets", targets);
	json_dumpf(out, stdout, JSON_COMPACT);
	putchar('\n');
	json_decref(out);
}

int main(int argc, char **argv)
{
	char dir[256], log[300], scratch[300];
	double eps[MIX_MAX][100], median[MIX_MAX], best[MIX_MAX], sha[100], wr[100], vps[100];
	double line_len = 0, sha_lps, write_lps, verify_lps;
	struct run last[MIX_MAX];
	bool lossless = true, intact = true;
	unsigned long long lost = 0;
	FILE *rep;
	int rc;

	rc = parse_args(argc, argv);
	if (rc)
		return rc;
	rep = opt.json ? stderr : stdout;
	if (pin_cpu())
		return 1;
	if (!opt.dir)
		opt.dir = access("/dev/shm", W_OK) ? "/tmp" : "/dev/shm";
	snprintf(dir, sizeof(dir), "%s/ig-bench-XXXXXX", opt.dir);
	if (!mkdtemp(dir)) {
		fprintf(stderr, "bench_pipeline: cannot create a directory in '%s': %s\n",
			opt.dir, strerror(errno));
		return 1;
	}
	snprintf(log, sizeof(log), "%s/audit.log", dir);
	snprintf(scratch, sizeof(scratch), "%s/write.tmp", dir);
	fprintf(rep, "pipeline: %llu events per run, %d runs per mix, cpu %d, %s time, log in %s\n",
		opt.events, opt.runs, opt.cpu, opt.cpu_time ? "thread CPU" : "wall", dir);

	/* Runs interleave the mixes and the digest's own measurement, so that
	 * a slow spell on a shared machine spreads over all of them rather
	 * than sinking one. */
	for (int k = 0; k < opt.runs; k++) {
		for (int m = 0; m < MIX_MAX; m++) {
			struct run *r = &last[m];

			if (opt.only >= 0 && m != opt.only)
				continue;
			if (run_mix(m, opt.events, log, r)) {
				fprintf(stderr, "bench_pipeline: %s: the pipeline failed\n",
					mix_name[m]);
				rc = 1;
				goto cleanup;
			}
			eps[m][k] = r->events / r->secs;
			if (r->access + r->summarised != r->events) {
				lossless = false;
				lost += r->events > r->access + r->summarised ?
					r->events - r->access - r->summarised : 0;
			}
			intact &= r->intact;
			fprintf(rep, "  %-10s run %d: %9.0f events/s  %7.1f ns/event  "
				"records %llu (+%llu summarised in %llu)  %.0f B/line  %s\n",
				mix_name[m], k + 1, eps[m][k], 1e9 / eps[m][k], r->access,
				r->summarised, r->summaries, (double)r->bytes / r->lines, r->why);
			if (m == MIX_DISTINCT) {
				vps[k] = r->lines / r->verify_secs;
				/* the chain's ceiling on lines of this mean length */
				line_len = (double)r->bytes / r->lines - 1;
				sha[k] = sha256_lines_per_s((size_t)(line_len + 0.5),
							    opt.quick ? 0.25 : 0.5);
				fprintf(rep, "  sha256     run %d: %9.0f lines/s of %.0f bytes "
					"(%.0f MB/s)\n", k + 1, sha[k], line_len,
					sha[k] * line_len / 1e6);
				/* and the kernel's, on the same lines with their newline */
				wr[k] = write_lines_per_s(scratch, (size_t)(line_len + 1.5));
				if (!wr[k]) {
					fprintf(stderr, "bench_pipeline: cannot write '%s'\n",
						scratch);
					rc = 1;
					goto cleanup;
				}
				fprintf(rep, "  write      run %d: %9.0f lines/s (%.0f ns/line) in "
					"%d-byte batches\n", k + 1, wr[k], 1e9 / wr[k],
					PIPELINE_BATCH_BYTES);
			}
		}
	}
	if (opt.only >= 0) {	/* profiling one mix: no summary */
		rc = !lossless || !intact;
		goto cleanup;
	}
	for (int m = 0; m < MIX_MAX; m++) {
		median[m] = median_of(eps[m], opt.runs);
		best[m] = eps[m][opt.runs - 1];
	}
	sha_lps = median_of(sha, opt.runs);
	write_lps = median_of(wr, opt.runs);
	verify_lps = median_of(vps, opt.runs);
	for (int m = 0; m < MIX_MAX; m++)
		fprintf(rep, "  %-10s median %9.0f events/s, best %9.0f\n", mix_name[m],
			median[m], best[m]);
	fprintf(rep, "  sha256 (OpenSSL EVP) median %.0f lines/s on %.0f-byte lines (%.0f MB/s): "
		"distinct runs at %.0f%% of it\n", sha_lps, line_len, sha_lps * line_len / 1e6,
		100 * median[MIX_DISTINCT] / sha_lps);
	fprintf(rep, "  write(2) median %.0f lines/s (%.0f ns/line); SHA-256 and write together "
		"%.0f lines/s, %.0f%% of the SHA-256 ceiling: distinct runs at %.0f%% of that\n",
		write_lps, 1e9 / write_lps, floor_lps(sha_lps, write_lps),
		100 * floor_lps(sha_lps, write_lps) / sha_lps,
		100 * median[MIX_DISTINCT] / floor_lps(sha_lps, write_lps));
	fprintf(rep, "  audit verify: %.0f lines/s\n", verify_lps);
	fprintf(rep, "  zero loss: %s; chains intact: %s\n", lossless ? "yes" : "NO",
		intact ? "yes" : "NO");
	if (!lossless || !intact)
		rc = 1;
	if (opt.json)
		print_json(median, best, last, line_len, sha_lps, write_lps, verify_lps, lost,
			   lossless && intact);
cleanup:
	unlink(log);
	unlink(scratch);
	rmdir(dir);
	return rc;
}
