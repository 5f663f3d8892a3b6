/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Unlock tokens: a short signed statement that lets `imaguard stop --unlock`
 * end a daemon running in locked mode. It names the host (its hostname and,
 * optionally, its machine-id) and a validity window, and is signed with a
 * key the allowlist trusts. The file is two lines:
 *
 *   {"format":"imaguard-unlock/1","host":"H","machine_id":null,
 *    "not_before":"2026-12-07T00:00:00Z","not_after":"2026-12-07T01:00:00Z",
 *    "nonce":"<32 hex>"}                       (one line, then '\n')
 *   <the signature of the first line, its '\n' included, in base64>
 *
 * The signature is checked over exactly those bytes before any of them is
 * parsed. A token may be used any number of times within its window, on
 * its host only: keep the window short.
 */
#ifndef IMAGUARD_TOKEN_H
#define IMAGUARD_TOKEN_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "crypto/sig.h"

#define TOKEN_FORMAT "imaguard-unlock/1"
#define TOKEN_MAX_SIZE 4096

struct token {
	char host[256];
	char machine_id[64];	/* "" when the token names none */
	char nonce[40];
	time_t not_before, not_after;
};

/* What the token must match: this host. */
struct token_host {
	const char *hostname;
	const char *machine_id;	/* NULL: unknown here (a token naming one is refused) */
	time_t now;
};

/*
 * Sign a token with the PEM private key at keypath; *out (malloc'ed, *len
 * bytes) is the file's content. machine_id may be NULL. 0 or -errno
 * (reported).
 */
int token_make(const char *keypath, const char *host, const char *machine_id,
	       time_t not_before, time_t not_after, char **out, size_t *len);

/*
 * Verify buf against the keyring, then parse it, then check it names this
 * host and now is inside its window. 0, or -errno with *why saying why in
 * a few words: -EBADMSG bad signature (or none), -EINVAL not a token,
 * -EKEYEXPIRED expired, -EKEYREJECTED not yet valid, -EACCES another host.
 * t (may be NULL) gets the token's fields once it verified.
 */
int token_check(const struct sig_keyring *kr, const uint8_t *buf, size_t len,
		const struct token_host *here, struct token *t, const char **why);

/* This host's machine-id (/etc/machine-id) into buf; 0 or -errno. */
int token_machine_id(char *buf, size_t size);

#endif
