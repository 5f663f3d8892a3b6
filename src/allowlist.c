// SPDX-License-Identifier: GPL-2.0-only
/*
 * The allowlist in memory. Entries live in one array; two open-addressing
 * tables of indices find them: one keyed by (digest, path) to merge
 * duplicates and to answer bind_path lookups, one keyed by digest alone that
 * remembers the first path-free entry. Strings come from an arena so that a
 * million entries cost a handful of allocations, not three million.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "allowlist_priv.h"

#define ARENA_CHUNK (1u << 20)
#define MAX_ENTRIES (UINT32_MAX / 4)

struct arena_chunk {
	struct arena_chunk *next;
	size_t used, size;
	char data[];
};

struct slot {
	uint32_t idx;
	uint32_t hash;
};

struct allowlist {
	uint64_t serial;
	bool has_serial;
	char *created, *expires;
	time_t expires_at;

	struct allowlist_entry *ents;
	size_t n, cap;

	/* Sizes are powers of two; a slot holds entry index + 1 (0: empty) and
	 * the low bits of the key's hash, so that probing past other keys and
	 * growing the table never touch the entries themselves. */
	struct slot *pair_tab;
	size_t pair_size;
	struct slot *dig_tab;
	size_t dig_size;

	struct arena_chunk *arena;

	uint8_t file_sha[SHA256_LEN];
	bool has_file_sha;
};

static char *arena_strdup(struct allowlist *al, const char *s)
{
	size_t len;
	struct arena_chunk *c = al->arena;
	char *p;

	if (!s)
		return NULL;
	len = strlen(s) + 1;
	if (!c || c->size - c->used < len) {
		size_t size = len > ARENA_CHUNK ? len : ARENA_CHUNK;

		c = malloc(sizeof(*c) + size);
		if (!c)
			return NULL;
		c->size = size;
		c->used = 0;
		/* An oversized string gets its own chunk behind the current one,
		 * so the current chunk's free space is not wasted. */
		if (al->arena && size > ARENA_CHUNK) {
			c->next = al->arena->next;
			al->arena->next = c;
		} else {
			c->next = al->arena;
			al->arena = c;
		}
	}
	p = c->data + c->used;
	memcpy(p, s, len);
	c->used += len;
	return p;
}

/* splitmix64's finaliser: digests are attacker-chosen text in a file that is
 * only trusted after its signature checks, so the low bits are mixed anyway. */
static uint64_t mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static uint64_t hash_digest(const uint8_t d[SHA256_LEN])
{
	uint64_t a, b;

	memcpy(&a, d, 8);
	memcpy(&b, d + 8, 8);
	return mix64(a ^ mix64(b));
}

static uint64_t hash_pair(const uint8_t d[SHA256_LEN], const char *path)
{
	uint64_t h = 0xcbf29ce484222325ULL;	/* FNV-1a over the path */

	if (!path)
		return hash_digest(d);
	for (const unsigned char *p = (const unsigned char *)path; *p; p++)
		h = (h ^ *p) * 0x100000001b3ULL;
	return mix64(hash_digest(d) ^ h);
}

static bool str_eq(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return !strcmp(a, b);
}

static bool same_key(const struct allowlist_entry *e, const uint8_t d[SHA256_LEN],
		     const char *path)
{
	return !memcmp(e->digest, d, SHA256_LEN) && str_eq(e->path, path);
}

struct allowlist *allowlist_new(void)
{
	return calloc(1, sizeof(struct allowlist));
}

void allowlist_free(struct allowlist *al)
{
	struct arena_chunk *c, *next;

	if (!al)
		return;
	for (c = al->arena; c; c = next) {
		next = c->next;
		free(c);
	}
	free(al->created);
	free(al->expires);
	free(al->ents);
	free(al->pair_tab);
	free(al->dig_tab);
	free(al);
}

void allowlist_set_serial(struct allowlist *al, uint64_t serial)
{
	al->serial = serial;
	al->has_serial = true;
}

int allowlist_set_created(struct allowlist *al, const char *rfc3339)
{
	time_t t;
	char *copy;

	if (!rfc3339 || rfc3339_parse(rfc3339, &t))
		return -EINVAL;
	copy = strdup(rfc3339);
	if (!copy)
		return -ENOMEM;
	free(al->created);
	al->created = copy;
	return 0;
}

int allowlist_set_expires(struct allowlist *al, const char *rfc3339)
{
	time_t t = 0;
	char *copy = NULL;

	if (rfc3339) {
		if (rfc3339_parse(rfc3339, &t))
			return -EINVAL;
		copy = strdup(rfc3339);
		if (!copy)
			return -ENOMEM;
	}
	free(al->expires);
	al->expires = copy;
	al->expires_at = t;
	return 0;
}

/* The slot of tab that holds the key with hash h for which same() holds, or
 * the empty slot where it would go. */
#define FIND_SLOT(tab, size, h, same)                                                    \
	({                                                                               \
		size_t _mask = (size) - 1, _i = (h) & _mask;                              \
		while ((tab)[_i].idx && ((tab)[_i].hash != (uint32_t)(h) || !(same)))    \
			_i = (_i + 1) & _mask;                                            \
		_i;                                                                       \
	})

static size_t pair_slot(const struct allowlist *al, const uint8_t d[SHA256_LEN], const char *path,
			uint64_t h)
{
	return FIND_SLOT(al->pair_tab, al->pair_size, h,
			 same_key(&al->ents[al->pair_tab[_i].idx - 1], d, path));
}

static size_t dig_slot(const struct allowlist *al, const uint8_t d[SHA256_LEN], uint64_t h)
{
	return FIND_SLOT(al->dig_tab, al->dig_size, h,
			 !memcmp(al->ents[al->dig_tab[_i].idx - 1].digest, d, SHA256_LEN));
}

/* Move every slot of old into a fresh table of size slots. */
static struct slot *rehash(const struct slot *old, size_t old_size, size_t size)
{
	struct slot *tab = calloc(size, sizeof(*tab));

	if (!tab)
		return NULL;
	for (size_t i = 0; i < old_size; i++) {
		size_t j = old[i].hash & (size - 1);

		if (!old[i].idx)
			continue;
		while (tab[j].idx)
			j = (j + 1) & (size - 1);
		tab[j] = old[i];
	}
	return tab;
}

/* Make room for n entries in all, at most half filling either table so
 * probes stay short. The 32 bits of hash kept in a slot place it in tables
 * of up to 2^32 slots, more than MAX_ENTRIES needs. Path-free entries are
 * at most all of them, so the digest table is sized like the other. */
static int reserve(struct allowlist *al, size_t n)
{
	size_t size;
	struct slot *tab;

	if (n * 2 > al->pair_size) {
		for (size = al->pair_size ? al->pair_size : 64; size < n * 2; size *= 2)
			;
		tab = rehash(al->pair_tab, al->pair_size, size);
		if (!tab)
			return -ENOMEM;
		free(al->pair_tab);
		al->pair_tab = tab;
		al->pair_size = size;
	}
	if (n * 2 > al->dig_size) {
		for (size = al->dig_size ? al->dig_size : 64; size < n * 2; size *= 2)
			;
		tab = rehash(al->dig_tab, al->dig_size, size);
		if (!tab)
			return -ENOMEM;
		free(al->dig_tab);
		al->dig_tab = tab;
		al->dig_size = size;
	}
	if (n > al->cap) {
		size_t cap = al->cap ? al->cap : 64;
		struct allowlist_entry *ents;

		while (cap < n)
			cap *= 2;
		ents = realloc(al->ents, cap * sizeof(*ents));
		if (!ents)
			return -ENOMEM;
		al->ents = ents;
		al->cap = cap;
	}
	return 0;
}

int allowlist_reserve(struct allowlist *al, size_t n)
{
	if (n > MAX_ENTRIES)
		return -E2BIG;
	return reserve(al, n);
}

static bool utf8_valid(const char *s)
{
	json_t *j;

	if (!s)
		return true;
	j = json_string(s);	/* jansson refuses invalid UTF-8 */
	if (!j)
		return false;
	json_decref(j);
	return true;
}

int allowlist_add_checked(struct allowlist *al, const struct allowlist_entry *e)
{
	struct allowlist_entry *ne;
	size_t slot;
	uint64_t h;
	int err;

	if (e->bind_path && (!e->path || e->path[0] != '/'))
		return -EINVAL;
	if (e->path && !e->path[0])
		return -EINVAL;
	if (al->n >= MAX_ENTRIES)
		return -E2BIG;
	err = reserve(al, al->n + 1);
	if (err)
		return err;
	h = hash_pair(e->digest, e->path);
	slot = pair_slot(al, e->digest, e->path, h);
	if (al->pair_tab[slot].idx) {
		const struct allowlist_entry *old = &al->ents[al->pair_tab[slot].idx - 1];

		if (old->bind_path == e->bind_path && str_eq(old->comment, e->comment) &&
		    str_eq(old->source, e->source))
			return 0;
		return -EEXIST;
	}

	ne = &al->ents[al->n];
	memcpy(ne->digest, e->digest, SHA256_LEN);
	ne->bind_path = e->bind_path;
	ne->path = arena_strdup(al, e->path);
	ne->comment = arena_strdup(al, e->comment);
	ne->source = arena_strdup(al, e->source);
	if ((e->path && !ne->path) || (e->comment && !ne->comment) || (e->source && !ne->source))
		return -ENOMEM;
	al->n++;
	al->pair_tab[slot] = (struct slot){ (uint32_t)al->n, (uint32_t)h };
	if (!ne->bind_path) {
		uint64_t dh = hash_digest(ne->digest);
		size_t ds = dig_slot(al, ne->digest, dh);

		if (!al->dig_tab[ds].idx)
			al->dig_tab[ds] = (struct slot){ (uint32_t)al->n, (uint32_t)dh };
	}
	return 0;
}

int allowlist_add(struct allowlist *al, const struct allowlist_entry *e)
{
	if (!utf8_valid(e->path) || !utf8_valid(e->comment) || !utf8_valid(e->source))
		return -EINVAL;
	return allowlist_add_checked(al, e);
}

const struct allowlist_entry *allowlist_lookup(const struct allowlist *al,
					       const uint8_t digest[SHA256_LEN], const char *path)
{
	size_t slot;
	uint32_t i;

	if (!al->n)
		return NULL;
	slot = dig_slot(al, digest, hash_digest(digest));
	if (al->dig_tab[slot].idx)
		return &al->ents[al->dig_tab[slot].idx - 1];
	if (!path)
		return NULL;
	slot = pair_slot(al, digest, path, hash_pair(digest, path));
	i = al->pair_tab[slot].idx;
	if (i && al->ents[i - 1].bind_path)
		return &al->ents[i - 1];
	return NULL;
}

size_t allowlist_count(const struct allowlist *al)
{
	return al->n;
}

const struct allowlist_entry *allowlist_entry_at(const struct allowlist *al, size_t i)
{
	return i < al->n ? &al->ents[i] : NULL;
}

bool allowlist_has_serial(const struct allowlist *al)
{
	return al->has_serial;
}

uint64_t allowlist_serial(const struct allowlist *al)
{
	return al->serial;
}

const char *allowlist_created(const struct allowlist *al)
{
	return al->created;
}

const char *allowlist_expires(const struct allowlist *al)
{
	return al->expires;
}

bool allowlist_expiry(const struct allowlist *al, time_t *when)
{
	if (!al->expires)
		return false;
	*when = al->expires_at;
	return true;
}

bool allowlist_file_sha256(const struct allowlist *al, uint8_t out[SHA256_LEN])
{
	if (al->has_file_sha)
		memcpy(out, al->file_sha, SHA256_LEN);
	return al->has_file_sha;
}

void allowlist_set_file_sha256(struct allowlist *al, const uint8_t sha[SHA256_LEN])
{
	memcpy(al->file_sha, sha, SHA256_LEN);
	al->has_file_sha = true;
}

/* ---- writer --------------------------------------------------------------- */

static int cmp_entry(const void *a, const void *b)
{
	const struct allowlist_entry *x = *(const struct allowlist_entry *const *)a;
	const struct allowlist_entry *y = *(const struct allowlist_entry *const *)b;
	int c = memcmp(x->digest, y->digest, SHA256_LEN);

	if (c)
		return c;
	if (!x->path || !y->path)
		return (x->path != NULL) - (y->path != NULL);
	return strcmp(x->path, y->path);
}

static int dump_value(FILE *f, json_t *v)
{
	int err;

	if (!v)
		return -ENOMEM;
	err = json_dumpf(v, f, JSON_ENCODE_ANY | JSON_PRESERVE_ORDER) ? -EIO : 0;
	json_decref(v);
	return err;
}

static int set_str(json_t *o, const char *key, const char *s)
{
	return s ? json_object_set_new(o, key, json_string(s)) : 0;
}

static int write_entry(FILE *f, const struct allowlist_entry *e)
{
	char hex[SHA256_HEX_LEN + 1];
	json_t *o = json_object();

	if (!o)
		return -ENOMEM;
	digest_to_hex(e->digest, hex);
	/* jansson keeps insertion order: this is the order in the file. */
	if (json_object_set_new(o, "digest", json_string(hex)) || set_str(o, "path", e->path) ||
	    set_str(o, "comment", e->comment) || set_str(o, "source", e->source) ||
	    (e->bind_path && json_object_set_new(o, "bind_path", json_true()))) {
		json_decref(o);
		return -ENOMEM;
	}
	return dump_value(f, o);
}

int allowlist_write(const struct allowlist *al, FILE *f)
{
	const struct allowlist_entry **order = NULL;
	int err = 0;

	if (al->n) {
		order = malloc(al->n * sizeof(*order));
		if (!order)
			return -ENOMEM;
		for (size_t i = 0; i < al->n; i++)
			order[i] = &al->ents[i];
		qsort(order, al->n, sizeof(*order), cmp_entry);
	}

	fprintf(f, "{\n  \"format\": \"%s\",\n  \"serial\": %llu,\n", ALLOWLIST_FORMAT,
		(unsigned long long)al->serial);
	if (al->created) {
		fputs("  \"created\": ", f);
		err = dump_value(f, json_string(al->created));
		if (err)
			goto cleanup;
		fputs(",\n", f);
	}
	if (al->expires) {
		fputs("  \"expires\": ", f);
		err = dump_value(f, json_string(al->expires));
		if (err)
			goto cleanup;
		fputs(",\n", f);
	}
	fprintf(f, "  \"hash_algo\": \"%s\",\n  \"entries\": [", ALLOWLIST_HASH_ALGO);
	/* One entry per line: diffs between two lists read line by line, and the
	 * parser's messages can name a line. */
	for (size_t i = 0; i < al->n; i++) {
		fputs(i ? ",\n    " : "\n    ", f);
		err = write_entry(f, order[i]);
		if (err)
			goto cleanup;
	}
	fputs(al->n ? "\n  ]\n}\n" : "]\n}\n", f);
	if (fflush(f) || ferror(f))
		err = -EIO;
cleanup:
	free(order);
	return err;
}

/* ---- RFC 3339 ------------------------------------------------------------- */

static int digits(const char *s, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

static bool leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int rfc3339_parse(const char *s, time_t *out)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y, mo, d, h, mi, sec, oh = 0, om = 0, sign = 0;
	struct tm tm = { 0 };
	const char *p;
	time_t t;

	if (!s || strlen(s) < 20 || digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) ||
	    s[7] != '-' || digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != 't') ||
	    digits(s + 11, 2, &h) || s[13] != ':' || digits(s + 14, 2, &mi) || s[16] != ':' ||
	    digits(s + 17, 2, &sec))
		return -EINVAL;
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] + (mo == 2 && leap(y)) || h > 23 ||
	    mi > 59 || sec > 60)
		return -EINVAL;
	p = s + 19;
	if (*p == '.') {
		if (p[1] < '0' || p[1] > '9')
			return -EINVAL;
		for (p++; *p >= '0' && *p <= '9'; p++)
			;
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p == '-' ? -1 : 1;
		if (digits(p + 1, 2, &oh) || p[3] != ':' || digits(p + 4, 2, &om) || oh > 23 ||
		    om > 59)
			return -EINVAL;
		p += 6;
	} else {
		return -EINVAL;
	}
	if (*p)
		return -EINVAL;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec == 60 ? 59 : sec;	/* a leap second counts as the second before */
	t = timegm(&tm);
	*out = t - sign * (oh * 3600 + om * 60);
	return 0;
}

void rfc3339_format(time_t t, char buf[21])
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}
