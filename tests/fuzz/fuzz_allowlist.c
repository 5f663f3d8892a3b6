// SPDX-License-Identifier: GPL-2.0-only
/* The allowlist parser on arbitrary bytes. The fast path and jansson must
 * agree on every input; an accepted document must write out and parse back
 * to the same bytes, and find each of its entries. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "allowlist_priv.h"

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct allowlist *al = NULL, *again = NULL;
	char why[256], *a, *b;
	size_t alen, blen;

	int fast, slow;
	struct allowlist *plain = NULL;

	allowlist_parse_fast = false;
	slow = allowlist_parse(data, size, &plain, why, sizeof(why));
	allowlist_parse_fast = true;
	fast = allowlist_parse(data, size, &al, why, sizeof(why));
	if (fast != slow)
		abort();
	if (fast)
		return 0;
	a = write_out(al, &alen);
	b = write_out(plain, &blen);
	if (alen != blen || memcmp(a, b, alen))
		abort();
	free(b);
	allowlist_free(plain);
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
