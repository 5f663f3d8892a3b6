// SPDX-License-Identifier: GPL-2.0-only
/*
 * The allowlist in memory. Entries live in one array; two open-addressing
 * tables of indices find them: one keyed by (digest, path) to merge
 * duplicates and to answer bind_path lookups, one keyed by digest alone that
 * remembers the first path-free entry. Strings come from an arena, and a
 * source or comment is kept once however many entries carry it ("file", a
 * package's version), so that a million entries cost a handful of
 * allocations and little more than their paths.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <jansson.h>

#include "allowlist/priv.h"
#include "util/utf8.h"

/* Arena chunks double from ARENA_FIRST up to ARENA_CHUNK: a list of a few
 * entries (a test's, a fuzzer's input, a small host's) pays for a small
 * chunk, a big one for a few more chunks than a fixed size would take. */
#define ARENA_FIRST (16u << 10)
#define ARENA_CHUNK (4u << 20)
#define MAX_ENTRIES (UINT32_MAX / 4)
/* Distinct sources and comments kept once each; past this many they are
 * copied per entry, so a list whose every comment differs does not also pay
 * for a table of them. */
#define INTERN_MAX 65536
/* Index tables from this size on are mapped on their own, in huge pages
 * where the system allows: every probe lands on a random page, and with
 * small pages most of them also miss the TLB. */
#define HUGE_TABLE (4u << 20)

struct arena_chunk {
	struct arena_chunk *next;
	size_t used, size;
	char data[];
};

struct slot {
	uint32_t idx;
	uint32_t hash;
};

struct str_slot {
	const char *s;		/* NULL: empty */
	uint32_t hash;
};

struct allowlist {
	uint64_t serial;
	bool has_serial;
	char *created, *expires;
	time_t expires_at;

	struct allowlist_entry *ents;
	size_t n, cap;

	/* A slot holds entry index + 1 (0: empty) and the low bits of the
	 * key's hash, so that probing past other keys and growing the table
	 * never touch the entries themselves. */
	struct slot *pair_tab;
	size_t pair_size;
	struct slot *dig_tab;
	size_t dig_size;

	/* Sources and comments already in the arena; the last of each, since
	 * neighbouring entries mostly share theirs. */
	struct str_slot *str_tab;
	size_t str_size, str_n;
	struct allowlist_str last_source, last_comment;

	struct arena_chunk *arena;

	uint8_t file_sha[SHA256_LEN];
	bool has_file_sha;
};

/* len bytes and a NUL from the arena, holding s[0..len). */
static char *arena_copy(struct allowlist *al, const char *s, size_t len)
{
	struct arena_chunk *c = al->arena;
	size_t need = len + 1;
	char *p;

	if (!c || c->size - c->used < need) {
		size_t next = c && c->size < ARENA_CHUNK / 2 ? c->size * 2 : ARENA_CHUNK, size;

		if (!c)
			next = ARENA_FIRST;
		size = need > next ? need : next;

		c = malloc(sizeof(*c) + size);
		if (!c)
			return NULL;
		c->size = size;
		c->used = 0;
		/* An oversized string gets its own chunk behind the current one,
		 * so the current chunk's free space is not wasted. */
		if (al->arena && size > next) {
			c->next = al->arena->next;
			al->arena->next = c;
		} else {
			c->next = al->arena;
			al->arena = c;
		}
	}
	p = c->data + c->used;
	memcpy(p, s, len);
	p[len] = '\0';
	c->used += need;
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

/* Eight bytes a step: a path is hashed for every entry, and a byte-wise
 * hash of a 55-byte path costs more than the rest of indexing it. The last
 * step reads the last eight bytes, overlapping the one before. */
static uint64_t hash_bytes(const char *s, size_t len)
{
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ len, w = 0;
	size_t i;

	if (len < 8) {
		for (i = 0; i < len; i++)
			w = w << 8 | (unsigned char)s[i];
		return mix64((h ^ w) * 0xff51afd7ed558ccdULL);
	}
	for (i = 0; i + 8 < len; i += 8) {
		memcpy(&w, s + i, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdULL;
		h ^= h >> 32;
	}
	memcpy(&w, s + len - 8, 8);
	return mix64((h ^ w) * 0xff51afd7ed558ccdULL);
}

static uint64_t hash_pair(uint64_t dig_hash, struct allowlist_str path)
{
	if (!path.p)
		return dig_hash;
	return mix64(dig_hash ^ hash_bytes(path.p, path.len));
}

static struct allowlist_str cstr(const char *s)
{
	return (struct allowlist_str){ s, s ? strlen(s) : 0 };
}

/* The stored string s against str: both absent, or the same bytes. str
 * holds no NUL, so strncmp stops at the end of s at the latest. */
static bool str_eq(const char *s, struct allowlist_str str)
{
	if (!s || !str.p)
		return !s && !str.p;
	return !strncmp(s, str.p, str.len) && !s[str.len];
}

static bool same_key(const struct allowlist_entry *e, const uint8_t d[SHA256_LEN],
		     struct allowlist_str path)
{
	return !memcmp(e->digest, d, SHA256_LEN) && str_eq(e->path, path);
}

void *allowlist_map_aligned(size_t bytes, int prot)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE), extra;
	char *m;

	bytes = (bytes + pg - 1) / pg * pg;
	/* Over-map by a huge page and trim, so the mapping starts on one. */
	m = mmap(NULL, bytes + HUGE_PAGE, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return NULL;
	extra = (HUGE_PAGE - (uintptr_t)m % HUGE_PAGE) % HUGE_PAGE;
	if (extra)
		munmap(m, extra);
	munmap(m + extra + bytes, HUGE_PAGE - extra);
	return m + extra;
}

void *allowlist_map_huge(size_t bytes)
{
	char *m = allowlist_map_aligned(bytes, PROT_READ | PROT_WRITE);

	if (m)
		madvise(m, bytes, MADV_HUGEPAGE);	/* a hint: small pages work too */
	return m;
}

/* size slots, all empty. */
static struct slot *table_alloc(size_t size)
{
	if (size * sizeof(struct slot) < HUGE_TABLE)
		return calloc(size, sizeof(struct slot));
	return allowlist_map_huge(size * sizeof(struct slot));
}

static void table_free(struct slot *tab, size_t size)
{
	if (!tab)
		return;
	if (size * sizeof(struct slot) < HUGE_TABLE)
		free(tab);
	else
		munmap(tab, size * sizeof(struct slot));
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
	table_free(al->pair_tab, al->pair_size);
	table_free(al->dig_tab, al->dig_size);
	free(al->str_tab);
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

/* Where a key whose slot hash is h starts in a table of size slots: the
 * high half of h * size. Any size works, so that a table can be sized to
 * its count rather than to a power of two, and the homes follow the order
 * of h, whatever the size. */
static size_t home_slot(uint32_t h, size_t size)
{
	return (size_t)(((uint64_t)h * size) >> 32);
}

/* Tables are kept at most 3/4 full: linear probes over 8-byte slots stay
 * within a cache line or two, and a million entries take 11 MB a table
 * instead of the 17 MB that a power of two at most half full takes. */
static bool table_full(size_t n, size_t size)
{
	return n * 4 > size * 3;
}

/* The slot of tab that holds the key with hash h for which same() holds, or
 * the empty slot where it would go. */
#define FIND_SLOT(tab, size, h, same)                                                    \
	({                                                                               \
		size_t _i = home_slot((uint32_t)(h), (size));                            \
		while ((tab)[_i].idx && ((tab)[_i].hash != (uint32_t)(h) || !(same)))    \
			if (++_i == (size))                                               \
				_i = 0;                                                   \
		_i;                                                                       \
	})

static size_t pair_slot(const struct allowlist *al, const uint8_t d[SHA256_LEN],
			struct allowlist_str path, uint64_t h)
{
	return FIND_SLOT(al->pair_tab, al->pair_size, h,
			 same_key(&al->ents[al->pair_tab[_i].idx - 1], d, path));
}

static size_t dig_slot(const struct allowlist *al, const uint8_t d[SHA256_LEN], uint64_t h)
{
	return FIND_SLOT(al->dig_tab, al->dig_size, h,
			 !memcmp(al->ents[al->dig_tab[_i].idx - 1].digest, d, SHA256_LEN));
}

/* Move every slot of old into a fresh table of size slots. Homes follow the
 * order of the slot hashes in both tables, so walking the old one in order
 * writes the new one almost in order too. */
static struct slot *rehash(const struct slot *old, size_t old_size, size_t size)
{
	struct slot *tab = table_alloc(size);

	if (!tab)
		return NULL;
	for (size_t i = 0; i < old_size; i++) {
		size_t j;

		if (!old[i].idx)
			continue;
		for (j = home_slot(old[i].hash, size); tab[j].idx;)
			if (++j == size)
				j = 0;
		tab[j] = old[i];
	}
	return tab;
}

/* Grow *tab so that n keys fill at most 3/4 of it: to just that for a count
 * given ahead (step false), or by half again at least for entries that come
 * one by one (step true), so that a list of unknown size is rehashed a few
 * times only. The 32 bits of hash kept in a slot place it in tables of up to
 * 2^32 slots, more than MAX_ENTRIES needs. */
static int grow_table(struct slot **tab, size_t *tab_size, size_t n, bool step)
{
	struct slot *t;
	size_t size;

	if (!table_full(n, *tab_size))
		return 0;
	size = n / 3 * 4 + 4;
	if (step && size < *tab_size + *tab_size / 2)
		size = *tab_size + *tab_size / 2;
	if (size < 64)
		size = 64;
	t = rehash(*tab, *tab_size, size);
	if (!t)
		return -ENOMEM;
	table_free(*tab, *tab_size);
	*tab = t;
	*tab_size = size;
	return 0;
}

static int grow_entries(struct allowlist *al, size_t n)
{
	struct allowlist_entry *ents;
	size_t cap = al->cap ? al->cap : 64;

	if (n <= al->cap)
		return 0;
	while (cap < n)
		cap *= 2;
	ents = realloc(al->ents, cap * sizeof(*ents));
	if (!ents)
		return -ENOMEM;
	al->ents = ents;
	al->cap = cap;
	return 0;
}

/* Path-free entries are at most all of them, so the digest table is sized
 * like the other. */
static int reserve(struct allowlist *al, size_t n, bool step)
{
	int err;

	if (n > MAX_ENTRIES)
		return -E2BIG;
	err = grow_entries(al, n);
	if (!err)
		err = grow_table(&al->pair_tab, &al->pair_size, n, step);
	if (!err)
		err = grow_table(&al->dig_tab, &al->dig_size, n, step);
	return err;
}

int allowlist_reserve(struct allowlist *al, size_t n)
{
	return reserve(al, n, false);
}

bool allowlist_holds(const struct allowlist *al, size_t n)
{
	return n <= al->cap && !table_full(n, al->pair_size) && !table_full(n, al->dig_size);
}

void allowlist_trim(struct allowlist *al)
{
	struct allowlist_entry *ents;

	if (al->cap <= al->n || !al->n)
		return;
	ents = realloc(al->ents, al->n * sizeof(*ents));
	if (ents) {
		al->ents = ents;
		al->cap = al->n;
	}
}

/* A source or comment: the copy already in the arena when there is one. */
static const char *intern_str(struct allowlist *al, struct allowlist_str str)
{
	uint64_t h;
	size_t i, mask;
	const char *s;

	if (al->str_n >= INTERN_MAX)
		return arena_copy(al, str.p, str.len);
	if ((al->str_n + 1) * 2 > al->str_size) {
		size_t size = al->str_size ? al->str_size * 2 : 64;
		struct str_slot *tab = calloc(size, sizeof(*tab));

		if (!tab)
			return NULL;
		for (i = 0; i < al->str_size; i++) {
			size_t j = al->str_tab[i].hash & (size - 1);

			if (!al->str_tab[i].s)
				continue;
			while (tab[j].s)
				j = (j + 1) & (size - 1);
			tab[j] = al->str_tab[i];
		}
		free(al->str_tab);
		al->str_tab = tab;
		al->str_size = size;
	}
	h = hash_bytes(str.p, str.len);
	mask = al->str_size - 1;
	for (i = h & mask; al->str_tab[i].s; i = (i + 1) & mask)
		if (al->str_tab[i].hash == (uint32_t)h && str_eq(al->str_tab[i].s, str))
			return al->str_tab[i].s;
	s = arena_copy(al, str.p, str.len);
	if (s) {
		al->str_tab[i] = (struct str_slot){ s, (uint32_t)h };
		al->str_n++;
	}
	return s;
}

static const char *intern(struct allowlist *al, struct allowlist_str str,
			  struct allowlist_str *last)
{
	const char *s;

	if (!str.p)
		return NULL;
	if (last->p && last->len == str.len && !memcmp(last->p, str.p, str.len))
		return last->p;
	s = intern_str(al, str);
	if (s)
		*last = (struct allowlist_str){ s, str.len };
	return s;
}

int allowlist_add_item(struct allowlist *al, const struct allowlist_item *it)
{
	struct allowlist_entry *ne;
	size_t slot;
	uint64_t h, dh;
	int err;

	if (it->bind_path && (!it->path.p || !it->path.len || it->path.p[0] != '/'))
		return -EINVAL;
	if (it->path.p && !it->path.len)
		return -EINVAL;
	if (al->n >= MAX_ENTRIES)
		return -E2BIG;
	if (al->n == al->cap || table_full(al->n + 1, al->pair_size) ||
	    table_full(al->n + 1, al->dig_size)) {
		err = reserve(al, al->n + 1, true);
		if (err)
			return err;
	}
	dh = it->hashed ? it->dig_hash : hash_digest(it->digest);
	h = it->hashed ? it->pair_hash : hash_pair(dh, it->path);
	slot = pair_slot(al, it->digest, it->path, h);
	if (al->pair_tab[slot].idx) {
		const struct allowlist_entry *old = &al->ents[al->pair_tab[slot].idx - 1];

		if (old->bind_path == it->bind_path && str_eq(old->comment, it->comment) &&
		    str_eq(old->source, it->source))
			return 0;
		return -EEXIST;
	}

	ne = &al->ents[al->n];
	memcpy(ne->digest, it->digest, SHA256_LEN);
	ne->bind_path = it->bind_path;
	ne->path = it->path.p ? arena_copy(al, it->path.p, it->path.len) : NULL;
	ne->comment = (char *)intern(al, it->comment, &al->last_comment);
	ne->source = (char *)intern(al, it->source, &al->last_source);
	if ((it->path.p && !ne->path) || (it->comment.p && !ne->comment) ||
	    (it->source.p && !ne->source))
		return -ENOMEM;
	al->n++;
	al->pair_tab[slot] = (struct slot){ (uint32_t)al->n, (uint32_t)h };
	if (!ne->bind_path) {
		size_t ds = dig_slot(al, ne->digest, dh);

		if (!al->dig_tab[ds].idx)
			al->dig_tab[ds] = (struct slot){ (uint32_t)al->n, (uint32_t)dh };
	}
	return 0;
}

void allowlist_item_prefetch(const struct allowlist *al, struct allowlist_item *it)
{
	it->dig_hash = hash_digest(it->digest);
	it->pair_hash = hash_pair(it->dig_hash, it->path);
	it->hashed = true;
	if (al->pair_size)
		__builtin_prefetch(
			&al->pair_tab[home_slot((uint32_t)it->pair_hash, al->pair_size)], 1);
	if (al->dig_size && !it->bind_path)
		__builtin_prefetch(&al->dig_tab[home_slot((uint32_t)it->dig_hash, al->dig_size)],
				   1);
}

int allowlist_add_checked(struct allowlist *al, const struct allowlist_entry *e)
{
	struct allowlist_item it = {
		.path = cstr(e->path),
		.comment = cstr(e->comment),
		.source = cstr(e->source),
		.bind_path = e->bind_path,
	};

	memcpy(it.digest, e->digest, SHA256_LEN);
	return allowlist_add_item(al, &it);
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
	struct allowlist_str p = cstr(path);
	size_t slot;
	uint32_t i;

	if (!al->n)
		return NULL;
	slot = dig_slot(al, digest, hash_digest(digest));
	if (al->dig_tab[slot].idx)
		return &al->ents[al->dig_tab[slot].idx - 1];
	if (!path)
		return NULL;
	slot = pair_slot(al, digest, p, hash_pair(hash_digest(digest), p));
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
