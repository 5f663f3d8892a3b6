/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Anti-rollback state: the highest allowlist serial accepted so far and the
 * SHA-256 of that allowlist's bytes, kept in <state dir>/allowlist.state as
 * {"serial":N,"sha256":"<hex>"}. A lower serial is a rollback; the same serial
 * with other bytes is a swap; both are refused. A missing file (or directory)
 * means nothing was accepted yet. A file that is there but unreadable or
 * malformed refuses everything: deleting it is the operator's explicit reset.
 */
#ifndef IMAGUARD_STATE_H
#define IMAGUARD_STATE_H

#include <stdbool.h>
#include <stdint.h>

#include "util/digest.h"

#define STATE_DIR_DEFAULT "/var/lib/imaguard"
#define STATE_FILE "allowlist.state"

struct allowlist_state {
	bool present;
	uint64_t serial;
	uint8_t sha256[SHA256_LEN];
};

/* 0 (st->present tells whether there was state) or a negative errno. */
int state_read(const char *dir, struct allowlist_state *st);

/* 0 when an allowlist with this serial and file SHA-256 may be accepted;
 * -ESTALE with a message naming the file (name) and the rollback or the swap
 * otherwise. */
int state_check(const struct allowlist_state *st, const char *name, uint64_t serial,
		const uint8_t sha256[SHA256_LEN]);

/* Record serial and SHA-256 atomically (temporary file, fsync, rename, fsync
 * of the directory); the directory is created 0700 when missing. */
int state_commit(const char *dir, uint64_t serial, const uint8_t sha256[SHA256_LEN]);

#endif
