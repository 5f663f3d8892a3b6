// SPDX-License-Identifier: GPL-2.0-only
/*
 * The daemon's allowlist load on a million entries: read, Ed25519 signature
 * check (OpenSSL's, over the whole file), then parse and index, through
 * allowlist_load_verified (what `imaguard run` and SIGHUP call), timed and
 * with its peak RSS. The file is held whole until its signature has
 * verified, so the peak may be the file and the list together: the RSS
 * after the load, when only the list is left, is reported beside it and
 * makes the memory target.
 *
 * The list, its key and its signature are made first, in a child process, so
 * that this process stays small: each measured load runs in a child forked
 * from it, whose peak RSS (wait4's ru_maxrss) then counts the load and the
 * libraries, not the generator. The list is shaped like `allowlist build`
 * output on a real /usr (about 55-byte paths, source "file"), with package
 * sources, comments, bind_path entries and digests shared by several paths
 * mixed in.
 *
 *   bench_allowlist [--quick] [--json] [--entries N] [--repeat N] [--keep DIR]
 *
 * Prints one JSON object with --json, otherwise a short report.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "allowlist/allowlist.h"
#include "util/fileio.h"
#include "util/log.h"
#include "crypto/sig.h"

#define TIME_LIMIT_S 1.0
/* MB here are 10^6 bytes throughout. */
#define MAX_REPEAT 64

struct paths {
	char dir[256], list[300], sig[300], key[300], pub[300];
};

struct sample {
	double secs, cpu, rss_mb, list_mb;
};

/* This process's resident set now, in MB: the list alone once the load has
 * given the file back. */
static double rss_now_mb(void)
{
	unsigned long size, resident;
	FILE *f = fopen("/proc/self/statm", "r");
	int n = f ? fscanf(f, "%lu %lu", &size, &resident) : 0;

	if (f)
		fclose(f);
	return n == 2 ? resident * (double)sysconf(_SC_PAGESIZE) / 1e6 : -1;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* xorshift64*: the same list on every run. */
static uint64_t rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dULL;
}

static const char *const dirs[] = {
	"/usr/lib/x86_64-linux-gnu/",
	"/usr/bin/",
	"/usr/lib/x86_64-linux-gnu/perl/5.36.0/auto/",
	"/usr/lib/python3/dist-packages/",
	"/usr/libexec/",
	"/usr/lib/jvm/java-17-openjdk-amd64/lib/",
	"/usr/sbin/",
	"/opt/app/releases/2026.03.1/lib/",
	"/usr/lib/git-core/",
	"/usr/share/doc/",
};

static const char *const stems[] = {
	"libssl", "libcrypto", "libsystemd", "libgnutls", "python3.11", "libstdc++",
	"libavcodec", "perl", "libicuuc", "libLLVM-15", "git-remote", "node_helper",
};

static const char *const pkgs[] = {
	"libc6 2.36-9+deb12u7", "openssl 3.0.15-1~deb12u1", "systemd 252.33-1~deb12u1",
	"python3.11 3.11.2-6+deb12u5", "coreutils 9.1-1", "git 1:2.39.5-0+deb12u2",
};

/* One entry shaped like what `allowlist build` and `import` write. */
static void make_entry(uint64_t *s, size_t i, struct allowlist_entry *e, char *path, size_t plen)
{
	uint64_t r = rnd(s), x = i * 0x9e3779b97f4a7c15ULL;
	const char *dir = dirs[r % 10], *stem = stems[(r >> 8) % 12];

	/* One entry in a hundred reuses an earlier digest: hard links and
	 * copies of one file under several names. */
	if (i > 100 && (r >> 16) % 100 == 0)
		x = (i - 1 - (r >> 24) % 100) * 0x9e3779b97f4a7c15ULL;
	for (int j = 0; j < SHA256_LEN; j++)
		e->digest[j] = (uint8_t)(x >> (8 * (j % 8))) ^ (uint8_t)(j * 29);
	memcpy(e->digest + 8, &x, sizeof(x));
	snprintf(path, plen, "%s%s%s%zu.so.%u.%u", dir, stem, (r >> 32) % 3 ? "-" : "_plugin_", i,
		 (unsigned)((r >> 40) % 40), (unsigned)((r >> 48) % 10));
	e->path = path;
	e->bind_path = i % 16 == 0;
	e->source = (r >> 56) % 4 ? "file" : (char *)pkgs[(r >> 58) % 6];
	e->comment = (r >> 36) % 50 ? NULL : "pinned by the release team, ticket OPS-4411";
}

static const char *key_type = "ed25519";

static EVP_PKEY *make_key(void)
{
	if (!strcmp(key_type, "p256"))
		return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	if (!strcmp(key_type, "rsa3072"))
		return EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)3072);
	return EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
}

static int write_key(struct paths *p)
{
	EVP_PKEY *k = make_key();
	FILE *f;
	int err = -1;

	if (!k)
		return -1;
	f = fopen(p->key, "w");
	if (f && PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL) == 1 && !fclose(f)) {
		f = fopen(p->pub, "w");
		if (f && PEM_write_PUBKEY(f, k) == 1 && !fclose(f))
			err = 0;
	}
	EVP_PKEY_free(k);
	return err;
}

/* Write the list and its signature; in a child, so the parent stays small. */
/* Sign the list with a new key of key_type. */
static int sign_list(struct paths *p, size_t *file_len)
{
	uint8_t *buf = NULL, *sig = NULL;
	size_t len = 0, siglen;
	char *b64 = NULL;
	int err = -1;

	if (write_key(p) || fileio_read_once(p->list, ALLOWLIST_MAX_SIZE, &buf, &len) ||
	    sig_sign_file(p->key, buf, len, &sig, &siglen))
		goto cleanup;
	b64 = sig_base64_encode(sig, siglen);
	if (!b64 || fileio_write_atomic(p->sig, b64, strlen(b64), 0644))
		goto cleanup;
	*file_len = len;
	err = 0;
cleanup:
	free(b64);
	free(sig);
	free(buf);
	return err;
}

/* Write the list (unless only the signature is missing) and sign it. */
static int generate(struct paths *p, size_t n, bool sign_only, size_t *count, size_t *file_len)
{
	struct allowlist *al;
	struct allowlist_entry e;
	uint64_t s = 0x1234567887654321ULL;
	char path[512];
	FILE *f;
	int err = -1;

	if (sign_only)
		return sign_list(p, file_len);
	al = allowlist_new();
	if (!al)
		return -1;
	allowlist_set_serial(al, 42);
	if (allowlist_set_created(al, "2026-03-01T00:00:00Z") ||
	    allowlist_set_expires(al, "2099-01-01T00:00:00Z"))
		goto cleanup;
	for (size_t i = 0; i < n; i++) {
		make_entry(&s, i, &e, path, sizeof(path));
		if (allowlist_add(al, &e))
			goto cleanup;
	}
	*count = allowlist_count(al);
	f = fopen(p->list, "w");
	if (!f || allowlist_write(al, f) || fclose(f))
		goto cleanup;
	err = sign_list(p, file_len);
cleanup:
	allowlist_free(al);
	return err;
}

struct gen_result {
	size_t count, len;
	int err;
};

static int generate_in_child(struct paths *p, size_t n, bool sign_only, size_t *count,
			     size_t *len)
{
	struct gen_result r = { .err = -1 };
	int fds[2], status;
	pid_t pid;

	if (pipe(fds))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		close(fds[0]);
		r.err = generate(p, n, sign_only, &r.count, &r.len);
		if (write(fds[1], &r, sizeof(r)) != sizeof(r))
			_exit(1);
		_exit(0);
	}
	close(fds[1]);
	if (read(fds[0], &r, sizeof(r)) != sizeof(r))
		r.err = -1;
	close(fds[0]);
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
		r.err = -1;
	*count = r.count;
	*len = r.len;
	return r.err;
}

/* A kept list's entry count, from a load in a child so this process stays
 * small. */
static int count_in_child(const struct paths *p, size_t *count)
{
	int fds[2], status, err = -1;
	pid_t pid;

	if (pipe(fds))
		return -1;
	pid = fork();
	if (!pid) {
		struct allowlist_load_opts o = { .path = p->list, .sig_path = p->sig };
		struct sig_keyring *kr = sig_keyring_new();
		struct allowlist *al = NULL;
		size_t n;

		close(fds[0]);
		o.trust = kr;
		if (!kr || sig_keyring_add_file(kr, p->pub) || allowlist_load_verified(&o, &al))
			_exit(1);
		n = allowlist_count(al);
		_exit(write(fds[1], &n, sizeof(n)) != sizeof(n));
	}
	close(fds[1]);
	if (pid > 0 && read(fds[0], count, sizeof(*count)) == sizeof(*count) &&
	    waitpid(pid, &status, 0) == pid && WIFEXITED(status) && !WEXITSTATUS(status))
		err = 0;
	close(fds[0]);
	return err;
}

/* The measured part, in the child: what the daemon does with --allowlist. */
static int load_child(const struct paths *p, size_t want, int out)
{
	struct allowlist_load_opts o = { .path = p->list, .sig_path = p->sig };
	struct sig_keyring *kr = sig_keyring_new();
	struct allowlist *al = NULL;
	double t0, t1[2];

	if (!kr || sig_keyring_add_file(kr, p->pub))
		return 1;
	o.trust = kr;
	t0 = now_s();
	if (allowlist_load_verified(&o, &al))
		return 1;
	t1[0] = now_s();
	t1[1] = rss_now_mb();
	if (allowlist_count(al) != want) {
		fprintf(stderr, "bench_allowlist: loaded %zu entries, want %zu\n",
			allowlist_count(al), want);
		return 1;
	}
	/* Every entry must be found again, as the daemon's maps would. */
	for (size_t i = 0; i < want; i += 7) {
		const struct allowlist_entry *e = allowlist_entry_at(al, i);

		if (!allowlist_lookup(al, e->digest, e->path)) {
			fprintf(stderr, "bench_allowlist: entry %zu not found\n", i);
			return 1;
		}
	}
	t1[0] -= t0;
	if (write(out, t1, sizeof(t1)) != sizeof(t1))
		return 1;
	/* Exit without freeing: the daemon keeps the list, and the peak is
	 * already behind. */
	return 0;
}

static int measure(const struct paths *p, size_t want, struct sample *s)
{
	struct rusage ru;
	double got[2];
	int fds[2], status;
	pid_t pid;

	if (pipe(fds))
		return -1;
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		close(fds[0]);
		_exit(load_child(p, want, fds[1]));
	}
	close(fds[1]);
	if (read(fds[0], got, sizeof(got)) != sizeof(got))
		got[0] = -1;
	s->secs = got[0];
	s->list_mb = got[1];
	close(fds[0]);
	if (wait4(pid, &status, 0, &ru) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) ||
	    s->secs < 0)
		return -1;
	s->rss_mb = ru.ru_maxrss * 1024.0 / 1e6;	/* kibibytes on Linux; MB */
	/* the whole child, both threads: what the load costs when the other
	 * core is busy, where the wall time is what it takes when it is free */
	s->cpu = ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
		 (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* The RSS of this process before any load: what every child starts with. */
static double self_rss_mb(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss * 1024.0 / 1e6;
}

static void usage(FILE *f)
{
	fputs("usage: bench_allowlist [--quick] [--json] [--entries N] [--repeat N] [--keep DIR]\n"
	      "                       [--key ed25519|p256|rsa3072]\n"
	      "  --quick     3 loads instead of 7\n"
	      "  --json      one JSON object on stdout\n"
	      "  --entries N entries in the list (default 1000000)\n"
	      "  --repeat N  loads to take the median of\n"
	      "  --keep DIR  make the list in DIR and leave it there (reused if present)\n"
	      "  --key TYPE  the signing key (default ed25519, the one the targets are for)\n",
	      f);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "quick", no_argument, NULL, 'q' },	{ "json", no_argument, NULL, 'j' },
		{ "entries", required_argument, NULL, 'n' },
		{ "repeat", required_argument, NULL, 'r' },
		{ "keep", required_argument, NULL, 'k' },	{ "help", no_argument, NULL, 'h' },
		{ "key", required_argument, NULL, 't' },
		{ 0 },
	};
	struct sample samples[MAX_REPEAT];
	double secs[MAX_REPEAT], rss[MAX_REPEAT], cpu[MAX_REPEAT], list[MAX_REPEAT], t_med, r_med,
		c_med, l_med, base, rss_limit;
	size_t n = 1000000, count = 0, len = 0, repeat = 0;
	const char *keep = NULL;
	bool json = false, quick = false, reuse = false;
	struct paths p;
	struct stat st;
	int c, rc = 1;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'q':
			quick = true;
			break;
		case 'j':
			json = true;
			break;
		case 'n':
			n = strtoul(optarg, NULL, 10);
			break;
		case 'r':
			repeat = strtoul(optarg, NULL, 10);
			break;
		case 'k':
			keep = optarg;
			break;
		case 't':
			key_type = optarg;
			if (strcmp(key_type, "ed25519") && strcmp(key_type, "p256") &&
			    strcmp(key_type, "rsa3072")) {
				usage(stderr);
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!repeat)
		repeat = quick ? 3 : 7;
	if (!n || repeat > MAX_REPEAT || optind != argc) {
		usage(stderr);
		return 2;
	}

	if (keep) {
		snprintf(p.dir, sizeof(p.dir), "%s", keep);
		if (mkdir(p.dir, 0700) && errno != EEXIST) {
			perror(p.dir);
			return 1;
		}
	} else {
		snprintf(p.dir, sizeof(p.dir), "%s/ig-bench-allowlist-XXXXXX",
			 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
		if (!mkdtemp(p.dir)) {
			perror("mkdtemp");
			return 1;
		}
	}
	snprintf(p.list, sizeof(p.list), "%s/list-%zu.json", p.dir, n);
	snprintf(p.sig, sizeof(p.sig), "%s/list-%zu.json.%s.sig", p.dir, n, key_type);
	snprintf(p.key, sizeof(p.key), "%s/signing-%zu.%s.key", p.dir, n, key_type);
	snprintf(p.pub, sizeof(p.pub), "%s/signing-%zu.%s.pub", p.dir, n, key_type);

	/* A kept list is reused as it is (signed again for another key type);
	 * its entry count then comes from a load. */
	reuse = keep && !stat(p.list, &st);
	if (!reuse || access(p.sig, R_OK) || access(p.pub, R_OK)) {
		if (!json)
			fprintf(stderr, "bench_allowlist: %s %zu entries in %s\n",
				reuse ? "signing" : "writing and signing", n, p.dir);
		if (generate_in_child(&p, n, reuse, &count, &len)) {
			fprintf(stderr, "bench_allowlist: cannot make the list\n");
			goto cleanup;
		}
	}
	if (reuse) {
		if (count_in_child(&p, &count)) {
			fprintf(stderr, "bench_allowlist: cannot load the kept list %s\n", p.list);
			goto cleanup;
		}
		len = (size_t)st.st_size;
	}

	base = self_rss_mb();
	for (size_t i = 0; i < repeat; i++) {
		if (measure(&p, count, &samples[i])) {
			fprintf(stderr, "bench_allowlist: load %zu failed\n", i);
			goto cleanup;
		}
		secs[i] = samples[i].secs;
		rss[i] = samples[i].rss_mb;
		cpu[i] = samples[i].cpu;
		list[i] = samples[i].list_mb;
		if (!json)
			fprintf(stderr, "  load %zu: %.3f s (%.3f s of CPU in the child), peak RSS %.1f MB,"
				" %.1f MB after\n", i, secs[i], cpu[i], rss[i], list[i]);
	}
	t_med = median(secs, repeat);
	r_med = median(rss, repeat);
	c_med = median(cpu, repeat);
	l_med = median(list, repeat);
	/* the file and the list at once, at most */
	rss_limit = len / 1e6 + l_med;
	qsort(secs, repeat, sizeof(*secs), cmp_double);
	qsort(rss, repeat, sizeof(*rss), cmp_double);

	if (json) {
		printf("{\"kind\":\"host\",\"bench\":\"allowlist_load\",\"results\":{"
		       "\"entries\":%zu,\"file_mb\":%.1f,\"bytes_per_entry\":%.1f,"
		       "\"signature\":\"%s\",\"repeats\":%zu,"
		       "\"load_s_median\":%.3f,\"load_s_min\":%.3f,\"load_s_max\":%.3f,"
		       "\"child_cpu_s_median\":%.3f,"
		       "\"peak_rss_mb_median\":%.1f,\"peak_rss_mb_min\":%.1f,"
		       "\"peak_rss_mb_max\":%.1f,\"parent_rss_mb\":%.1f,"
		       "\"peak_rss_over_file_mb\":%.1f,\"rss_after_load_mb_median\":%.1f},"
		       "\"targets\":["
		       "{\"name\":\"1M allowlist verify+parse+index (s)\",\"value\":%.3f,"
		       "\"limit\":%.1f,\"op\":\"<=\",\"met\":%s},"
		       "{\"name\":\"1M allowlist verify+parse+index peak RSS, at most the file and"
		       " the list (MB)\",\"value\":%.1f,"
		       "\"limit\":%.1f,\"op\":\"<=\",\"met\":%s}]}\n",
		       count, len / 1e6, (double)len / (double)count, key_type, repeat, t_med,
		       secs[0], secs[repeat - 1], c_med, r_med, rss[0], rss[repeat - 1], base,
		       r_med - len / 1e6, l_med, t_med, TIME_LIMIT_S,
		       t_med <= TIME_LIMIT_S ? "true" : "false", r_med, rss_limit,
		       r_med <= rss_limit ? "true" : "false");
	} else {
		printf("allowlist_load: %zu entries, %.1f MB file (%.0f bytes an entry, %s), %zu loads\n"
		       "  verify+parse+index: median %.3f s (min %.3f, max %.3f; target <= %.1f s);"
		       " %.3f s of CPU\n"
		       "  peak RSS:           median %.1f MB (min %.1f, max %.1f; target <= %.1f MB, the"
		       " file and the list; %.1f MB before the load, %.1f MB after)\n",
		       count, len / 1e6, (double)len / (double)count, key_type, repeat, t_med,
		       secs[0], secs[repeat - 1], TIME_LIMIT_S, c_med, r_med, rss[0], rss[repeat - 1],
		       rss_limit, base, l_med);
	}
	rc = 0;
cleanup:
	if (!keep) {
		unlink(p.list);
		unlink(p.sig);
		unlink(p.key);
		unlink(p.pub);
		rmdir(p.dir);
	}
	return rc;
}
