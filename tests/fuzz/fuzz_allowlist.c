// SPDX-License-Identifier: GPL-2.0-only
/* The allowlist parser on arbitrary bytes. The fast path and jansson must
 * agree on every input, down to the message; so must a parse that is offered
 * to release the bytes behind it at every entry (the released bytes are
 * overwritten, so reading one again changes the outcome), and a streamed
 * parse whose bytes arrive a few at a time (until then they are control
 * bytes, so reading one early changes the outcome too). An accepted
 * document must write out and parse back to the same bytes, and find each
 * of its entries. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "allowlist/priv.h"

static char *write_out(const struct allowlist *al, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	if (!f)
		abort();
	if (allowlist_write(al, f))
		abort();
	fclose(f);
	return buf;
}

struct poison {
	char *buf;
	size_t done;
};

static void poison(void *arg, size_t upto)
{
	struct poison *p = arg;

	if (upto < p->done)
		abort();	/* offers only move forward */
	/* Newlines and control bytes: a line counted twice or a token read
	 * again both change the outcome. */
	for (size_t i = p->done; i < upto; i++)
		p->buf[i] = i % 2 ? '\x01' : '\n';
	p->done = upto;
}

/* Bytes arrive a few at a time, fewer than the parse asks for, copied from
 * src into the buffer the parse reads: step bytes, or half of what the
 * parse asks for past what has arrived, up to 16 steps. A value is read
 * again from its start each time more of it arrives, so step bytes at a
 * time made a long value cost its length squared (most of the fuzzer's
 * time); values and entries are still cut at many places. */
struct arrival {
	struct poison pz;	/* first: the release callback's argument too */
	const uint8_t *src;
	size_t len, have, step;
};

static size_t arrive(void *arg, size_t need, bool *eof)
{
	struct arrival *a = arg;
	size_t upto = a->len - a->have > a->step ? a->have + a->step : a->len;
	size_t more = need > a->have ? (need - a->have) / 2 : 0;

	if (more > 16 * a->step)
		more = 16 * a->step;
	if (more > a->step && a->len - a->have > more)
		upto = a->have + more;
	memcpy(a->pz.buf + a->have, a->src + a->have, upto - a->have);
	a->have = upto;
	*eof = upto == a->len;
	return upto;
}

/* Same outcome, same message, same document. */
static void same(int rc_a, const char *why_a, const struct allowlist *a, int rc_b,
		 const char *why_b, const struct allowlist *b)
{
	char *x, *y;
	size_t xl, yl;

	if (rc_a != rc_b || strcmp(why_a, why_b))
		abort();
	if (rc_a)
		return;
	x = write_out(a, &xl);
	y = write_out(b, &yl);
	if (xl != yl || memcmp(x, y, xl))
		abort();
	free(x);
	free(y);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct allowlist *al = NULL, *again = NULL, *plain = NULL, *rel = NULL;
	char why[256], why_slow[256], why_rel[256], *a, *b, *copy;
	struct poison pz = { 0 };
	struct allowlist_release r = { .release = poison, .arg = &pz };
	struct arrival st;
	struct allowlist_release s = { .release = poison, .more = arrive, .arg = &st };
	size_t alen, blen;
	int fast, slow, released;

	allowlist_parse_fast = false;
	slow = allowlist_parse(data, size, &plain, why_slow, sizeof(why_slow));
	allowlist_parse_fast = true;
	fast = allowlist_parse(data, size, &al, why, sizeof(why));
	same(fast, why, al, slow, why_slow, plain);

	copy = malloc(size + 1);
	if (!copy)
		abort();
	memcpy(copy, data, size);
	pz.buf = copy;
	allowlist_release_step = 1;
	released = allowlist_parse_releasing(copy, size, &r, &rel, why_rel, sizeof(why_rel));
	allowlist_release_step = 2u << 20;
	same(fast, why, al, released, why_rel, rel);
	allowlist_free(rel);
	rel = NULL;

	memset(copy, '\x01', size);
	st = (struct arrival){ .pz = { .buf = copy }, .src = data, .len = size,
			       .step = 1 + size % 13 };
	allowlist_release_step = 1;
	released = allowlist_parse_releasing(copy, size, &s, &rel, why_rel, sizeof(why_rel));
	allowlist_release_step = 2u << 20;
	same(fast, why, al, released, why_rel, rel);
	free(copy);
	allowlist_free(rel);
	allowlist_free(plain);
	if (fast)
		return 0;

	a = write_out(al, &alen);
	if (allowlist_parse(a, alen, &again, why, sizeof(why)))
		abort();
	b = write_out(again, &blen);
	if (alen != blen || memcmp(a, b, alen))
		abort();
	for (size_t i = 0; i < allowlist_count(al); i++) {
		const struct allowlist_entry *e = allowlist_entry_at(al, i);

		if (!allowlist_lookup(again, e->digest, e->path) && (e->path || !e->bind_path))
			abort();
	}
	free(a);
	free(b);
	allowlist_free(again);
	allowlist_free(al);
	return 0;
}
