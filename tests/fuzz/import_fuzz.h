/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What every import fuzz target checks, for one format: the parser survives
 * any bytes; --skip-bad never fails where the strict parse succeeded and then
 * yields the same list; whatever was imported writes out as a document that
 * the allowlist parser accepts with the same number of entries.
 */
#ifndef IMAGUARD_IMPORT_FUZZ_H
#define IMAGUARD_IMPORT_FUZZ_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "allowlist/allowlist.h"
#include "allowlist/import/import.h"

static char *fuzz_write_out(const struct allowlist *al, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	if (!f || allowlist_write(al, f))
		abort();
	fclose(f);
	return buf;
}

static void fuzz_check_round_trip(const struct allowlist *al)
{
	struct allowlist *back = NULL;
	char why[256], *doc;
	size_t len;

	doc = fuzz_write_out(al, &len);
	if (allowlist_parse(doc, len, &back, why, sizeof(why))) {
		fprintf(stderr, "imported list does not parse back: %s\n", why);
		abort();
	}
	if (allowlist_count(back) != allowlist_count(al))
		abort();
	allowlist_free(back);
	free(doc);
}

static int fuzz_import(enum import_format f, const uint8_t *data, size_t size)
{
	struct import strict = { .al = allowlist_new() }, lax = { .al = allowlist_new(),
								  .skip_bad = true };
	int a, b;

	if (!strict.al || !lax.al)
		abort();
	a = import_buf(&strict, f, "fuzz", (const char *)data, size);
	b = import_buf(&lax, f, "fuzz", (const char *)data, size);
	if ((a && a != -EINVAL) || (b && b != -EINVAL))
		abort();
	if (a == -EINVAL && !strict.err[0])
		abort();
	if (!a) {
		char *x, *y;
		size_t xl, yl;

		if (b || strict.imported != lax.imported)
			abort();
		x = fuzz_write_out(strict.al, &xl);
		y = fuzz_write_out(lax.al, &yl);
		if (xl != yl || memcmp(x, y, xl))
			abort();
		free(x);
		free(y);
		fuzz_check_round_trip(strict.al);
	}
	if (!b)
		fuzz_check_round_trip(lax.al);
	allowlist_free(strict.al);
	allowlist_free(lax.al);
	return 0;
}

#endif
