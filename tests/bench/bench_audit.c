// SPDX-License-Identifier: GPL-2.0-only
/*
 * Audit writer and verifier throughput on access records shaped like the
 * daemon's. Not part of any test run: build and run by hand,
 *   cc -O2 -std=gnu11 -D_GNU_SOURCE -Isrc -Iinclude tests/bench/bench_audit.c \
 *      build/obj/libimaguard.a -lbpf -lelf -lz -ljansson -lcrypto -lpthread
 *   ./a.out [RECORDS] [LOG] [append]
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "audit/audit.h"

#define HEX "8f434346648f6b96df89dda901c5176b10a6d83961dd3c1ac88b59b2dc327aa4"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000000;
	const char *path = argc > 2 ? argv[2] : "/tmp/ig-bench-audit.log";
	struct audit_verify_result res;
	struct audit_log *l;
	json_t *rec;
	double t0, t1;
	int err;

	unlink(path);
	/* an access record as the daemon builds it, allowlist fields included */
	rec = json_object();
	json_object_set_new(rec, "type", json_string("access"));
	json_object_set_new(rec, "allowlist_serial", json_integer(7));
	json_object_set_new(rec, "allowlist_sha256", json_string(HEX));
	json_object_set_new(rec, "hook", json_string("exec"));
	json_object_set_new(rec, "decision", json_string("allow"));
	json_object_set_new(rec, "would_deny", json_false());
	json_object_set_new(rec, "reason", json_string("allowlisted"));
	json_object_set_new(rec, "mode", json_string("enforce"));
	json_object_set_new(rec, "pid", json_integer(4242));
	json_object_set_new(rec, "tid", json_integer(4242));
	json_object_set_new(rec, "ppid", json_integer(1));
	json_object_set_new(rec, "uid", json_integer(1000));
	json_object_set_new(rec, "gid", json_integer(1000));
	json_object_set_new(rec, "comm", json_string("bash"));
	json_object_set_new(rec, "path", json_string("/usr/lib/x86_64-linux-gnu/libc.so.6"));
	json_object_set_new(rec, "dev", json_integer(2049));
	json_object_set_new(rec, "ino", json_integer(1234567));
	json_object_set_new(rec, "digest", json_string("sha256:" HEX));
	json_object_set_new(rec, "digest_source", json_string("ima"));
	json_object_set_new(rec, "hash_error", json_integer(0));
	json_object_set_new(rec, "hash_algo", json_string("sha256"));
	json_object_set_new(rec, "cgroup_id", json_integer(7340));
	json_object_set_new(rec, "mnt_ns", json_integer(4026531841LL));
	json_object_set_new(rec, "pid_ns", json_integer(4026531836LL));
	json_object_set_new(rec, "rule", json_integer(-1));
	err = audit_log_open(&l, path, NULL);
	if (err)
		return 1;
	t0 = now();
	for (long i = 0; i < n; i++)
		if (audit_log_append(l, rec))
			return 1;
	audit_log_close(l);
	t1 = now();
	printf("append: %ld records in %.3f s: %.0f records/s\n", n, t1 - t0, n / (t1 - t0));
	if (argc > 3)	/* "append": the writer alone, e.g. under perf */
		goto out;
	t0 = now();
	err = audit_verify_file(path, NULL, &res);
	t1 = now();
	printf("verify: %llu records in %.3f s: %.0f records/s (%s)\n",
	       (unsigned long long)res.lines, t1 - t0, res.lines / (t1 - t0),
	       err ? res.why : "intact");
out:
	json_decref(rec);
	return 0;
}
