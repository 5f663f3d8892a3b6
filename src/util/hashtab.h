/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One open-addressing table (linear probing) for keys that whoever writes
 * the input chooses: paths, hosts, digests. Each table hashes with
 * SipHash-1-3 under its own key, drawn from getrandom(2) when it is made,
 * so no input can aim its keys at one run of slots and turn every lookup
 * into a walk; equality is always decided on the whole key.
 *
 * An element is a malloc'd block that begins with its key and belongs to
 * the table. A key is keylen bytes compared with memcmp (zero a key struct
 * before filling it, so that its padding compares equal), or, with keylen
 * 0, a NUL-terminated string.
 *
 * The daemon's first-sighting set (daemon/pipeline.c) keeps a table of its
 * own, keyed with the same SipHash: it sits on the per-event path, where it
 * keeps its entries in one array in the order first seen (the order of the
 * summaries), their paths in an arena, and a 32-bit tag beside each slot
 * that settles most mismatches without touching the entry. This table
 * would cost an allocation per entry and a second structure for the order.
 */
#ifndef IMAGUARD_HASHTAB_H
#define IMAGUARD_HASHTAB_H

#include <stddef.h>
#include <stdint.h>

struct hashtab {
	void **slots;
	size_t cap, len;	/* cap: a power of two; 0 until the first element */
	size_t keylen;		/* 0: keys are NUL-terminated strings */
	uint8_t seed[16];
};

/* An empty table with a fresh seed: 0, or -errno when getrandom fails
 * (logged). The table is then safe to free. */
int hashtab_init(struct hashtab *t, size_t keylen);
/* The element whose key is key, or NULL. */
void *hashtab_get(const struct hashtab *t, const void *key);
/* The element for key, created when absent: size bytes (at least the
 * key's), zeroed, with the key copied to its start. NULL when out of
 * memory. */
void *hashtab_upsert(struct hashtab *t, const void *key, size_t size);
/* The elements in a fresh array, in no particular order (free the array,
 * not them); NULL with *n = 0 when out of memory. */
void **hashtab_values(const struct hashtab *t, size_t *n);
/* Free every element and the slots; t is left empty, with its seed. */
void hashtab_free(struct hashtab *t);

#endif
