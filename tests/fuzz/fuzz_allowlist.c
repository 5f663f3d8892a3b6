// SPDX-License-Identifier: GPL-2.0-only
/* The allowlist parser on arbitrary bytes; an accepted document must write
 * out and parse back to the same bytes, and lookups must not misbehave. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "allowlist.h"

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

	if (allowlist_parse(data, size, &al, why, sizeof(why)))
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
