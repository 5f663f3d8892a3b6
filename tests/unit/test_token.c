// SPDX-License-Identifier: GPL-2.0-only
/* Unlock tokens (crypto/token.h): made, then verified before they are parsed,
 * and refused for another host, outside their window, or with a signature
 * no trusted key makes. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/token.h"

#define T0 1796601600	/* 2026-12-07T00:00:00Z */

static char *key_path(const char *name)
{
	const char *d = getenv("TESTDATA");
	char *p;

	assert_true(asprintf(&p, "%s/keys/%s", d ? d : "tests/data", name) > 0);
	return p;
}

static struct sig_keyring *ring(const char *pub)
{
	struct sig_keyring *kr = sig_keyring_new();
	char *p = key_path(pub);

	assert_int_equal(sig_keyring_add_file(kr, p), 0);
	free(p);
	return kr;
}

static __attribute__((noinline)) char *make(const char *key, const char *host, const char *mid, time_t nb, time_t na,
		  size_t *len)
{
	char *p = key_path(key), *out = NULL;

	assert_int_equal(token_make(p, host, mid, nb, na, &out, len), 0);
	free(p);
	return out;
}

static int check(const struct sig_keyring *kr, const char *tok, size_t len, const char *host,
		 const char *mid, time_t now, const char **why)
{
	struct token_host here = { .hostname = host, .machine_id = mid, .now = now };
	struct token t;

	return token_check(kr, (const uint8_t *)tok, len, &here, &t, why);
}

static void test_token_valid(void **state)
{
	struct sig_keyring *kr = ring("ed25519.pub");
	struct token_host here = { .hostname = "h1", .now = T0 + 10 };
	const char *why = NULL;
	struct token t;
	size_t len;
	char *tok = make("ed25519.key", "h1", NULL, T0, T0 + 3600, &len);

	(void)state;
	assert_int_equal(token_check(kr, (const uint8_t *)tok, len, &here, &t, &why), 0);
	assert_string_equal(t.host, "h1");
	assert_string_equal(t.machine_id, "");
	assert_int_equal(t.not_before, T0);
	assert_int_equal(t.not_after, T0 + 3600);
	assert_int_equal(strlen(t.nonce), 32);
	/* Both ends of the window are inside it. */
	assert_int_equal(check(kr, tok, len, "h1", NULL, T0, &why), 0);
	assert_int_equal(check(kr, tok, len, "h1", NULL, T0 + 3600, &why), 0);
	free(tok);
	sig_keyring_free(kr);
}

static void test_token_window_and_host(void **state)
{
	struct sig_keyring *kr = ring("ed25519.pub");
	const char *why = NULL;
	size_t len, len2;
	char *tok = make("ed25519.key", "h1", NULL, T0, T0 + 60, &len);
	char *mid = make("ed25519.key", "h1", "0123abcd", T0, T0 + 60, &len2);

	(void)state;
	assert_int_equal(check(kr, tok, len, "h1", NULL, T0 + 61, &why), -EKEYEXPIRED);
	assert_string_equal(why, "expired");
	assert_int_equal(check(kr, tok, len, "h1", NULL, T0 - 1, &why), -EKEYREJECTED);
	assert_int_equal(check(kr, tok, len, "h2", NULL, T0 + 1, &why), -EACCES);
	assert_non_null(strstr(why, "another host"));
	assert_int_equal(check(kr, tok, len, NULL, NULL, T0 + 1, &why), -EACCES);
	/* A machine-id, when named, must be this one's, and known. */
	assert_int_equal(check(kr, mid, len2, "h1", "0123abcd", T0 + 1, &why), 0);
	assert_int_equal(check(kr, mid, len2, "h1", "ffff", T0 + 1, &why), -EACCES);
	assert_int_equal(check(kr, mid, len2, "h1", NULL, T0 + 1, &why), -EACCES);
	free(tok);
	free(mid);
	sig_keyring_free(kr);
}

static void test_token_signature_first(void **state)
{
	struct sig_keyring *kr = ring("ed25519.pub"), *other = ring("ed25519-other.pub");
	const char *why = NULL;
	size_t len;
	char *tok = make("ed25519.key", "h1", NULL, T0, T0 + 60, &len), *p;

	(void)state;
	/* Signed by a key the daemon does not trust. */
	assert_int_equal(check(other, tok, len, "h1", NULL, T0 + 1, &why), -EBADMSG);
	assert_non_null(strstr(why, "signature"));
	/* Any byte of the statement changed: refused before it is parsed, so
	 * that a later host or window never counts. */
	p = strstr(tok, "\"h1\"");
	assert_non_null(p);
	p[2] = '2';
	assert_int_equal(check(kr, tok, len, "h2", NULL, T0 + 1, &why), -EBADMSG);
	p[2] = '1';
	assert_int_equal(check(kr, tok, len, "h1", NULL, T0 + 1, &why), 0);
	/* No signature line, or an empty one. */
	assert_int_equal(check(kr, tok, 20, "h1", NULL, T0 + 1, &why), -EINVAL);
	p = strchr(tok, '\n');
	assert_int_equal(check(kr, tok, (size_t)(p - tok) + 1, "h1", NULL, T0 + 1, &why),
			 -EBADMSG);
	/* An empty keyring verifies nothing. */
	sig_keyring_free(other);
	other = sig_keyring_new();
	assert_int_equal(check(other, tok, len, "h1", NULL, T0 + 1, &why), -ENOKEY);
	free(tok);
	sig_keyring_free(kr);
	sig_keyring_free(other);
}

/* A statement that verifies but is no token of this format is refused. */
static void test_token_format(void **state)
{
	struct sig_keyring *kr = ring("ed25519.pub");
	const char *bad[] = {
		"{\"format\":\"imaguard-unlock/2\",\"host\":\"h1\",\"not_before\":"
		"\"2026-12-06T00:00:00Z\",\"not_after\":\"2026-12-06T01:00:00Z\",\"nonce\":\"n\"}\n",
		"{\"format\":\"imaguard-unlock/1\",\"host\":\"h1\",\"not_before\":"
		"\"2026-12-06T02:00:00Z\",\"not_after\":\"2026-12-06T01:00:00Z\",\"nonce\":\"n\"}\n",
		"{\"format\":\"imaguard-unlock/1\",\"host\":\"h1\",\"not_before\":"
		"\"yesterday\",\"not_after\":\"2026-12-06T01:00:00Z\",\"nonce\":\"n\"}\n",
		"{\"format\":\"imaguard-unlock/1\",\"not_before\":"
		"\"2026-12-06T00:00:00Z\",\"not_after\":\"2026-12-06T01:00:00Z\",\"nonce\":\"n\"}\n",
		"[1]\n",
	};
	char *kp = key_path("ed25519.key");

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint8_t *sig;
		size_t siglen, len;
		char *b64, *tok;
		const char *why = NULL;

		assert_int_equal(sig_sign_file(kp, bad[i], strlen(bad[i]), &sig, &siglen), 0);
		b64 = sig_base64_encode(sig, siglen);
		assert_true(asprintf(&tok, "%s%s\n", bad[i], b64) > 0);
		len = strlen(tok);
		assert_int_equal(check(kr, tok, len, "h1", NULL, T0 + 1, &why), -EINVAL);
		assert_non_null(strstr(why, "invalid"));
		free(sig);
		free(b64);
		free(tok);
	}
	free(kp);
	sig_keyring_free(kr);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_token_valid),
		cmocka_unit_test(test_token_window_and_host),
		cmocka_unit_test(test_token_signature_first),
		cmocka_unit_test(test_token_format),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
