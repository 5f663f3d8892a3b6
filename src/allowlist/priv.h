/* SPDX-License-Identifier: GPL-2.0-only */
/* Shared between the allowlist's own files only. */
#ifndef IMAGUARD_ALLOWLIST_PRIV_H
#define IMAGUARD_ALLOWLIST_PRIV_H

#include "allowlist/allowlist.h"

/* A string that need not end in a NUL; p NULL: absent. */
struct allowlist_str {
	const char *p;
	size_t len;
};

/* An entry whose strings are pointed at, not NUL-terminated: the parser
 * hands over what it found in the file without copying it first. */
struct allowlist_item {
	uint8_t digest[SHA256_LEN];
	struct allowlist_str path, comment, source;
	bool bind_path;
	bool hashed;		/* the two hashes below are set */
	uint64_t pair_hash, dig_hash;
};

/* allowlist_add for strings already known to be UTF-8 without NUL (jansson
 * or the parser checked them). */
int allowlist_add_checked(struct allowlist *al, const struct allowlist_entry *e);
int allowlist_add_item(struct allowlist *al, const struct allowlist_item *it);

/* Hash the item and ask for the index slots it will probe, so that adding it
 * a few entries later finds them in the cache: on a large list those two
 * probes are otherwise two trips to memory per entry. */
void allowlist_item_prefetch(const struct allowlist *al, struct allowlist_item *it);

/* Room for n entries at once, in the array and in both index tables, so
 * that a list of a known size is not rehashed again and again while it
 * grows (the parser starts from a guess below the file's count).
 * allowlist_trim gives back the array's room that was not used. */
int allowlist_reserve(struct allowlist *al, size_t n);
void allowlist_trim(struct allowlist *al);
/* Room for n entries without growing anything. */
bool allowlist_holds(const struct allowlist *al, size_t n);

/*
 * bytes of zeroed memory mapped on their own, starting on a huge page and
 * asking for huge pages (MADV_HUGEPAGE; only a hint), for the large areas
 * that are touched all over or all at once. NULL on failure; munmap frees
 * (the length is rounded up to whole pages).
 */
#define HUGE_PAGE (2u << 20)
void *allowlist_map_huge(size_t bytes);
/* The same with the given protection and no huge-page hint: PROT_NONE
 * takes address space only, which a strict overcommit limit does not count
 * until it is made accessible. */
void *allowlist_map_aligned(size_t bytes, int prot);

/* The parser's fast path for plain entries; tests and the fuzzer turn it
 * off to check that it reads exactly what jansson reads. */
extern bool allowlist_parse_fast;

/*
 * allowlist_parse for a caller that can take back the start of the buffer
 * while the parse goes on: release(arg, upto) is called now and then with an
 * offset below which the parser reads nothing more (messages still name the
 * right line). It may unmap those bytes.
 *
 * With more set, the input is streamed: the bytes arrive in buf while the
 * parse goes on, and len is only what the caller expects (it sizes the
 * index). more(arg, need, &eof) waits until at least need bytes have arrived
 * or the input has ended (*eof then true), and returns how many have. The
 * parser reads nothing past that count, and gives an answer only on bytes
 * that end a value: what it returns is what a parse of the whole file gives.
 */
struct allowlist_release {
	void (*release)(void *arg, size_t upto);
	size_t (*more)(void *arg, size_t need, bool *eof);
	void *arg;
};

int allowlist_parse_releasing(const void *buf, size_t len, const struct allowlist_release *rel,
			      struct allowlist **out, char *err, size_t errlen);

/* Parses allowlist_load_verified has started: one for each file whose
 * signature verified, none for any other. Tests read it to see the order. */
extern unsigned long allowlist_load_parses;

/* How far the parse moves between two offers (2 MB, a huge page); tests set
 * it to 1 to have every entry offered. */
extern size_t allowlist_release_step;

#endif
