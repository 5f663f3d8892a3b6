/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the import formats share: the state of one input, the counting of
 * skips and errors, the adding of an entry, and the reading of lines. Only
 * the files under allowlist/import/ include this.
 */
#ifndef IMAGUARD_IMPORT_PRIV_H
#define IMAGUARD_IMPORT_PRIV_H

#include <stdbool.h>
#include <stddef.h>

#include "allowlist/import/import.h"

struct import_ctx {
	struct import *im;
	const char *name;	/* the input's name, for messages */
	const char *format;	/* the default source */
	unsigned long line;	/* text formats: the current line */
	char entry[128];	/* JSON formats: the current entry */
	int form;		/* a format's own state, 0 at the start of each input */
};

/* Lines of a buffer that need not end in a newline; numbers from 1. A line
 * ends in LF or CRLF (a list saved on Windows): the CR is no part of it,
 * or a path would end in one. */
struct import_lines {
	const char *p, *end;
};

/* Input text made safe for a message: printable ASCII, others as '?'. */
void import_printable(char *dst, size_t dstlen, const char *src, size_t srclen);
/* A well-formed record imaguard cannot use, counted under the reason. */
void import_skip_reason(struct import_ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* A malformed line or entry: an error, or with skip_bad one more skip. */
int import_bad(struct import_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A whole-input error that --skip-bad cannot step over (not JSON, no rules). */
int import_fail(struct import_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Add one SHA-256 entry; an empty or non-UTF-8 path or comment is left out. */
int import_add(struct import_ctx *c, const char *hex, const char *path, const char *comment);
/* Text formats: the next line of l, without its LF or CRLF. */
bool import_next_line(struct import_lines *l, struct import_ctx *c, const char **s, size_t *n);
bool import_blank(const char *s, size_t n);
char *import_dup_n(const char *s, size_t n);
int import_parse_lines(struct import_ctx *c, const char *buf, size_t len,
		       int (*line)(struct import_ctx *c, const char *s, size_t n));

/* The formats: sha256sum reads a line (through import_parse_lines), the
 * others a whole input. */
int sha256sum_line(struct import_ctx *c, const char *s, size_t n);
int keylime_buf(struct import_ctx *c, const char *buf, size_t len);
int fapolicyd_buf(struct import_ctx *c, const char *buf, size_t len);
int santa_buf(struct import_ctx *c, const char *buf, size_t len);
int imalog_buf(struct import_ctx *c, const char *buf, size_t len);

#endif
