// SPDX-License-Identifier: GPL-2.0-only
/*
 * Reading audit logs into the report: the chain is verified first (the same
 * check `imaguard audit verify` makes), then the log is streamed one line at
 * a time, plain or gzip, and each record folded in.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <zlib.h>

#include "audit/audit.h"
#include "util/digest.h"
#include "util/log.h"
#include "report/report.h"
#include "report/priv.h"

/* ---- reading a log ------------------------------------------------------------ */

static void progress(struct report *r, struct logrep *lr, gzFile gz, off_t size, bool done)
{
	struct timespec now;
	int64_t ms;
	const char *name = strrchr(lr->path, '/') ? strrchr(lr->path, '/') + 1 : lr->path;

	if (!r->o.progress)
		return;
	if (done) {
		fprintf(stderr, "\r\033[K");
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = now.tv_sec * 1000ll + now.tv_nsec / 1000000;
	if (ms - r->progress_ms < 100)
		return;
	r->progress_ms = ms;
	/* gzoffset is the position in the file itself, compressed or not, so it
	 * measures against st_size either way. */
	fprintf(stderr, "\r\033[Kreport: %.40s %3d%% %llu records", name,
		size > 0 ? (int)(gzoffset(gz) * 100 / size) : 0, (unsigned long long)lr->records);
}

static bool is_gzip(const char *path)
{
	unsigned char m[2];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	bool gz;

	if (fd < 0)
		return false;
	gz = read(fd, m, 2) == 2 && m[0] == 0x1f && m[1] == 0x8b;
	close(fd);
	return gz;
}

/*
 * Read one line into buf. Returns its length without the newline, -1 at the
 * end, or -2 for a line over the limit (skipped to its end).
 */
static long read_line(gzFile gz, char *buf, size_t size, bool *unterminated)
{
	size_t n;
	bool over = false;

	*unterminated = false;
	for (;;) {
		if (!gzgets(gz, buf, (int)size))
			return over ? -2 : -1;
		n = strlen(buf);
		if (n && buf[n - 1] == '\n')
			return over ? -2 : (long)n - 1;
		if (n < size - 1) {
			/* the last line has no newline: a cut-short log */
			*unterminated = true;
			return over ? -2 : (long)n;
		}
		over = true;
	}
}

static int stream_log(struct report *r, struct logrep *lr)
{
	char *buf = malloc(AUDIT_LINE_MAX + 2);
	gzFile gz = NULL;
	struct stat st;
	bool cut;
	long n;
	int fd = -1, err = 0;

	if (!buf)
		return -ENOMEM;
	fd = open(lr->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st)) {
		err = -errno;
		goto cleanup;
	}
	/* open(2) takes a directory; its first read would fail, and zlib
	 * would say no more than that it did */
	if (S_ISDIR(st.st_mode)) {
		err = -EISDIR;
		goto cleanup;
	}
	gz = gzdopen(fd, "rb");
	if (!gz) {
		err = -ENOMEM;
		goto cleanup;
	}
	fd = -1;
	gzbuffer(gz, 256 * 1024);
	while ((n = read_line(gz, buf, AUDIT_LINE_MAX + 2, &cut)) != -1) {
		json_t *rec;
		int rc;

		lr->lines++;
		if (n == -2 || !(rec = json_loadb(buf, (size_t)n, 0, NULL))) {
			lr->bad_lines++;
			continue;
		}
		rc = json_is_object(rec) ? report_fold_record(r, lr, rec) : 1;
		json_decref(rec);
		if (rc < 0) {
			err = rc;
			goto cleanup;
		}
		lr->bad_lines += rc > 0;
		if (!(lr->lines & 0xfff))
			progress(r, lr, gz, st.st_size, false);
	}
	if (!gzeof(gz)) {
		int zerr, errnum = errno;

		gzerror(gz, &zerr);
		lr->read_error = true;
		/* Z_ERRNO: read(2) failed, and errno says why */
		err = zerr == Z_MEM_ERROR ? -ENOMEM : zerr == Z_ERRNO && errnum ? -errnum : -EIO;
	}
cleanup:
	progress(r, lr, NULL, 0, true);
	if (gz)
		gzclose(gz);
	if (fd >= 0)
		close(fd);
	free(buf);
	return err;
}

/*
 * The first line's prev ("" when it has none of 64 hex digits), and whether
 * that line is a start record naming the rotated file it continues.
 */
static void chain_start(const char *path, char prev[SHA256_HEX_LEN + 1], bool *named)
{
	char *buf = malloc(AUDIT_LINE_MAX + 2);
	gzFile gz = gzopen(path, "rb");
	json_t *rec = NULL;
	const char *p;
	bool cut;
	long n;

	prev[0] = '\0';
	*named = false;
	if (buf && gz && (n = read_line(gz, buf, AUDIT_LINE_MAX + 2, &cut)) >= 0 &&
	    (rec = json_loadb(buf, (size_t)n, 0, NULL)) &&
	    (p = json_string_value(json_object_get(rec, "prev"))) && strlen(p) == SHA256_HEX_LEN) {
		memcpy(prev, p, SHA256_HEX_LEN + 1);
		*named = json_string_value(json_object_get(rec, "prev_file")) != NULL;
	}
	json_decref(rec);
	if (gz)
		gzclose(gz);
	free(buf);
}

/* The one place the chain is judged: audit_verify_file, the same check
 * `imaguard audit verify` makes. */
static void verify_chain(struct logrep *lr)
{
	static const char zeros[] = "0000000000000000000000000000000000000000000000000000000000000000";
	char prev[SHA256_HEX_LEN + 1];
	bool named;
	int err;

	/* the verifier reads gzip itself, so both kinds go straight in */
	chain_start(lr->path, prev, &named);
	if (named)
		memcpy(lr->start_prev, prev, sizeof(lr->start_prev));
	err = audit_verify_file(lr->path, named ? prev : NULL, &lr->vr);
	/* A log that continues another, as after a copytruncate rotation, is
	 * checked from its first prev; report_link_logs decides whether a
	 * given log leads there. */
	if (err == -EBADMSG && lr->vr.bad_line == 1 && !named && prev[0] && strcmp(prev, zeros)) {
		struct audit_verify_result cont;
		int cerr = audit_verify_file(lr->path, prev, &cont);

		if (!cerr || (cerr == -EBADMSG && cont.bad_line > 1)) {
			lr->vr_alone = lr->vr;
			lr->vr = cont;
			err = cerr;
			memcpy(lr->start_prev, prev, sizeof(lr->start_prev));
			lr->needs_link = true;
		}
	}
	if (!err)
		lr->chain = CHAIN_INTACT;
	else if (err == -EBADMSG)
		lr->chain = CHAIN_BROKEN;
	else {
		lr->chain = CHAIN_UNREADABLE;
		if (!lr->vr.why[0])
			snprintf(lr->vr.why, sizeof(lr->vr.why), "%s", strerror(-err));
	}
}

int report_add_log(struct report *r, const char *path)
{
	struct logrep *grown, *lr;
	int err;

	grown = realloc(r->logs, (r->nlogs + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	r->logs = grown;
	lr = &r->logs[r->nlogs];
	memset(lr, 0, sizeof(*lr));
	lr->path = strdup(path);
	if (!lr->path)
		return -ENOMEM;
	r->nlogs++;
	lr->host = r->unknown_host;
	lr->gz = is_gzip(path);
	/* the verifier makes a pass of its own: say so, or a big log looks stuck */
	if (r->o.progress)
		fprintf(stderr, "\r\033[Kreport: verifying the chain of %.40s", path);
	verify_chain(lr);
	r->links_done = false;
	/* Chained but in a form this build does not read (a newer format, or
	 * digests of two formats mixed): refused rather than misread. */
	if (lr->chain == CHAIN_BROKEN && lr->vr.form) {
		lr->chain = CHAIN_UNREADABLE;
		pr_err("cannot read audit log '%s': line %llu: %s", path,
		       (unsigned long long)lr->vr.bad_line, lr->vr.why);
		return -EBADMSG;
	}
	if (lr->chain == CHAIN_BROKEN && !lr->needs_link)
		pr_warn("audit log '%s': chain broken at line %llu: %s", path,
			(unsigned long long)lr->vr.bad_line, lr->vr.why);
	err = stream_log(r, lr);
	if (err) {
		lr->chain = CHAIN_UNREADABLE;
		if (!lr->vr.why[0])
			snprintf(lr->vr.why, sizeof(lr->vr.why), "%s", strerror(-err));
		pr_err("cannot read audit log '%s': %s", path, strerror(-err));
	}
	return err;
}
