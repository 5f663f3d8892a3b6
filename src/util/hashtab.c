// SPDX-License-Identifier: GPL-2.0-only
/* The seeded open-addressing table of util/hashtab.h. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "util/hashtab.h"
#include "util/log.h"
#include "util/siphash.h"

#define HASHTAB_MIN_SLOTS 64
/* Grown past 7 in 10 slots full: linear probing's walks stay short. */
#define HASHTAB_LOAD_NUM 7
#define HASHTAB_LOAD_DEN 10

int hashtab_init(struct hashtab *t, size_t keylen)
{
	int err;

	memset(t, 0, sizeof(*t));
	t->keylen = keylen;
	if (getrandom(t->seed, sizeof(t->seed), 0) != sizeof(t->seed)) {
		err = -errno;
		pr_err("cannot seed a hash table: %s", strerror(-err));
		return err;
	}
	return 0;
}

static size_t key_len(const struct hashtab *t, const void *key)
{
	return t->keylen ? t->keylen : strlen(key) + 1;
}

static uint64_t hash_key(const struct hashtab *t, const void *key)
{
	return siphash_1_3(t->seed, key, key_len(t, key));
}

static bool key_eq(const struct hashtab *t, const void *elem, const void *key)
{
	return t->keylen ? !memcmp(elem, key, t->keylen) : !strcmp(elem, key);
}

void *hashtab_get(const struct hashtab *t, const void *key)
{
	size_t mask, i;

	if (!t->cap)
		return NULL;
	mask = t->cap - 1;
	for (i = hash_key(t, key) & mask; t->slots[i]; i = (i + 1) & mask)
		if (key_eq(t, t->slots[i], key))
			return t->slots[i];
	return NULL;
}

static int grow(struct hashtab *t)
{
	size_t cap = t->cap ? t->cap * 2 : HASHTAB_MIN_SLOTS;
	void **slots = calloc(cap, sizeof(*slots));

	if (!slots)
		return -ENOMEM;
	for (size_t j = 0; j < t->cap; j++) {
		size_t i;

		if (!t->slots[j])
			continue;
		for (i = hash_key(t, t->slots[j]) & (cap - 1); slots[i]; i = (i + 1) & (cap - 1))
			;
		slots[i] = t->slots[j];
	}
	free(t->slots);
	t->slots = slots;
	t->cap = cap;
	return 0;
}

void *hashtab_upsert(struct hashtab *t, const void *key, size_t size)
{
	size_t n = key_len(t, key), mask, i;
	void *v;

	if ((t->len + 1) * HASHTAB_LOAD_DEN > t->cap * HASHTAB_LOAD_NUM && grow(t))
		return NULL;
	mask = t->cap - 1;
	for (i = hash_key(t, key) & mask; t->slots[i]; i = (i + 1) & mask)
		if (key_eq(t, t->slots[i], key))
			return t->slots[i];
	v = calloc(1, size > n ? size : n);
	if (!v)
		return NULL;
	memcpy(v, key, n);
	t->slots[i] = v;
	t->len++;
	return v;
}

void **hashtab_values(const struct hashtab *t, size_t *n)
{
	void **v = malloc((t->len ? t->len : 1) * sizeof(*v));
	size_t k = 0;

	*n = 0;
	if (!v)
		return NULL;
	for (size_t i = 0; i < t->cap; i++)
		if (t->slots[i])
			v[k++] = t->slots[i];
	*n = k;
	return v;
}

void hashtab_free(struct hashtab *t)
{
	for (size_t i = 0; i < t->cap; i++)
		free(t->slots[i]);
	free(t->slots);
	t->slots = NULL;
	t->cap = t->len = 0;
}
