/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The parser's state and what its fast path (parse_fast.c) shares with the
 * rest of it (parse.c). Private to those two files.
 */
#ifndef IMAGUARD_ALLOWLIST_PARSE_H
#define IMAGUARD_ALLOWLIST_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "allowlist/priv.h"

/* Entries the fast path has read but not yet added (see parse_entry()). */
#define PIPE_DEPTH 8

struct pending {
	struct allowlist_item it;
	size_t idx, start;
};

struct parser {
	const char *buf;
	size_t len, pos;	/* len: the bytes that have arrived */
	bool eof;		/* and no more will */
	size_t size;		/* the bytes expected in all */
	struct allowlist *al;
	char *err;
	size_t errlen;
	/* The line at line_pos: lines are counted forward from there, never
	 * from the start, which may be released already. */
	size_t line_pos, line;
	const struct allowlist_release *rel;
	size_t rel_next;	/* offer a release once an entry starts here */
	struct pending pipe[PIPE_DEPTH];	/* a ring, oldest at pipe_head */
	size_t pipe_head, pipe_n;
};

/* JSON's four whitespace bytes, with one compare for everything else. */
#define WS_MASK (1ULL << ' ' | 1ULL << '\n' | 1ULL << '\t' | 1ULL << '\r')

static inline size_t skip_ws_at(const char *buf, size_t len, size_t i)
{
	while (i < len && (unsigned char)buf[i] <= ' ' && (WS_MASK >> buf[i] & 1))
		i++;
	return i;
}

bool parse_fast_hex32(const char *s, uint8_t out[SHA256_LEN]);
bool parse_fast_entry(struct parser *p, struct allowlist_item *it, struct allowlist_str *digest,
		      bool *decoded);

#endif
