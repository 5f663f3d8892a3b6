// SPDX-License-Identifier: GPL-2.0-only
/*
 * The audit verifier on arbitrary bytes (plain or gzip), and the writer on
 * arbitrary records. The verifier must name a line within what it read and
 * say why; a plain log it calls intact has exactly as many lines as newlines.
 * Whatever record the writer accepts must come back as an intact log whose
 * line parses to the same keys and values.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "audit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int memfd_with(const void *data, size_t size)
{
	int fd = memfd_create("fuzz-audit", MFD_CLOEXEC);

	if (fd < 0)
		abort();
	if (size && write(fd, data, size) != (ssize_t)size)
		abort();
	if (lseek(fd, 0, SEEK_SET))
		abort();
	return fd;
}

static void fuzz_verify(const uint8_t *data, size_t size)
{
	struct audit_verify_result res;
	bool gz = size >= 2 && data[0] == 0x1f && data[1] == 0x8b;
	uint64_t newlines = 0;
	int fd = memfd_with(data, size), err;

	err = audit_verify_fd(fd, NULL, &res);
	close(fd);
	for (size_t i = 0; i < size; i++)
		newlines += data[i] == '\n';
	if (err == 0) {
		if (res.bad_line || res.why[0])
			abort();
		if (!gz && (res.lines != newlines || (size && data[size - 1] != '\n')))
			abort();
		if (res.lines && strlen(res.last_hash) != 64)
			abort();
	} else if (err == -EBADMSG) {
		if (!res.bad_line || !res.why[0] || res.bad_line > res.lines + 1)
			abort();
		if (!gz && res.bad_line > newlines + 1)
			abort();
	} else if (!gz) {
		abort();	/* a memfd is always readable */
	}
}

static void fuzz_write(const uint8_t *data, size_t size)
{
	struct audit_verify_result res;
	struct audit_log *l;
	json_t *rec, *back;
	char path[64], *line;
	int fd, err;
	off_t end;

	rec = json_loadb((const char *)data, size, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
	if (!json_is_object(rec))
		goto cleanup;
	if (!json_is_string(json_object_get(rec, "type")))
		json_object_set_new(rec, "type", json_string("access"));
	fd = memfd_with(NULL, 0);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (audit_log_open(&l, path, NULL))
		abort();
	err = audit_log_append(l, rec);
	if (err && err != -EINVAL && err != -EMSGSIZE)
		abort();
	if (!err && audit_log_append(l, rec))
		abort();	/* what went once goes twice */
	audit_log_close(l);
	end = lseek(fd, 0, SEEK_END);
	if (lseek(fd, 0, SEEK_SET))
		abort();
	if (audit_verify_fd(fd, NULL, &res) || res.lines != (err ? 0 : 2))
		abort();
	if (!err) {
		line = malloc(end);
		if (!line || pread(fd, line, end, 0) != end)
			abort();
		back = json_loadb(line, (char *)memchr(line, '\n', end) - line, JSON_ALLOW_NUL, NULL);
		if (!back)
			abort();
		json_object_del(back, "time");
		json_object_del(back, "seq");
		json_object_del(back, "prev");
		if (json_is_string(json_object_get(rec, "time")))
			json_object_del(rec, "time");
		json_object_del(rec, "seq");
		json_object_del(rec, "prev");
		if (!json_equal(back, rec))
			abort();
		json_decref(back);
		free(line);
	}
	close(fd);
cleanup:
	json_decref(rec);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_verify(data, size);
	fuzz_write(data, size);
	return 0;
}
