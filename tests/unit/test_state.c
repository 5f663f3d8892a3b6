// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "allowlist/allowlist.h"
#include "util/fileio.h"
#include "crypto/sig.h"
#include "allowlist/state.h"
#include "util/rfc3339.h"
#include "tmpdir.h"

struct fx {
	char dir[TMPDIR_MAX];
	char list[PATH_MAX], sig[PATH_MAX], state[PATH_MAX];
	struct sig_keyring *kr;
};

static const char *data_dir(void)
{
	const char *d = getenv("TESTDATA");

	return d ? d : "tests/data";
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	char key[256];

	if (!f || tmpdir_make(f->dir, "state"))
		return -1;
	tmpdir_join(f->list, sizeof(f->list), f->dir, "list.json");
	tmpdir_join(f->sig, sizeof(f->sig), f->dir, "list.json.sig");
	tmpdir_join(f->state, sizeof(f->state), f->dir, "state");
	f->kr = sig_keyring_new();
	snprintf(key, sizeof(key), "%s/keys/ed25519.pub", data_dir());
	if (sig_keyring_add_file(f->kr, key))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	if (tmpdir_remove(f->dir))
		return -1;
	sig_keyring_free(f->kr);
	free(f);
	return 0;
}

/* Write an allowlist with this serial, expiry and comment, and sign it. */
static void make_signed(struct fx *f, uint64_t serial, const char *expires, const char *comment)
{
	struct allowlist *al = allowlist_new();
	struct allowlist_entry e = { .path = "/usr/bin/true", .comment = (char *)comment };
	char key[256], *text = NULL, *b64;
	size_t len = 0, siglen;
	uint8_t *sig;
	FILE *m = open_memstream(&text, &len);

	memset(e.digest, 0x11, SHA256_LEN);
	allowlist_set_serial(al, serial);
	assert_int_equal(allowlist_set_created(al, "2026-01-01T00:00:00Z"), 0);
	assert_int_equal(allowlist_set_expires(al, expires), 0);
	assert_int_equal(allowlist_add(al, &e), 0);
	assert_int_equal(allowlist_write(al, m), 0);
	fclose(m);
	allowlist_free(al);
	assert_int_equal(fileio_write_atomic(f->list, text, len, 0644), 0);
	snprintf(key, sizeof(key), "%s/keys/ed25519.key", data_dir());
	assert_int_equal(sig_sign_file(key, text, len, &sig, &siglen), 0);
	b64 = sig_base64_encode(sig, siglen);
	assert_int_equal(fileio_write_atomic(f->sig, b64, strlen(b64), 0644), 0);
	free(b64);
	free(sig);
	free(text);
}

static int load(struct fx *f, bool commit, time_t now)
{
	struct allowlist_load_opts o = {
		.path = f->list, .trust = f->kr, .state_dir = f->state, .commit = commit, .now = now,
	};
	struct allowlist *al = NULL;
	int err = allowlist_load_verified(&o, &al);

	if (!err) {
		uint8_t sha[SHA256_LEN];

		assert_non_null(al);
		assert_true(allowlist_file_sha256(al, sha));
	} else {
		assert_null(al);
	}
	allowlist_free(al);
	return err;
}

static void test_state_accepts_and_commits(void **state)
{
	struct fx *f = *state;
	struct allowlist_state st;
	struct stat sb;

	make_signed(f, 5, NULL, NULL);
	assert_int_equal(state_read(f->state, &st), 0);
	assert_false(st.present);
	/* without commit nothing is written */
	assert_int_equal(load(f, false, 0), 0);
	assert_int_equal(stat(f->state, &sb), -1);
	assert_int_equal(load(f, true, 0), 0);
	assert_int_equal(state_read(f->state, &st), 0);
	assert_true(st.present);
	assert_int_equal(st.serial, 5);
	/* the same file again is fine */
	assert_int_equal(load(f, true, 0), 0);
}

static void test_state_refuses_rollback(void **state)
{
	struct fx *f = *state;
	struct allowlist_state st;

	make_signed(f, 7, NULL, NULL);
	assert_int_equal(load(f, true, 0), 0);
	make_signed(f, 6, NULL, NULL);
	assert_int_equal(load(f, true, 0), -ESTALE);
	assert_int_equal(state_read(f->state, &st), 0);
	assert_int_equal(st.serial, 7);
	make_signed(f, 8, NULL, NULL);
	assert_int_equal(load(f, true, 0), 0);
	assert_int_equal(state_read(f->state, &st), 0);
	assert_int_equal(st.serial, 8);
}

static void test_state_refuses_same_serial_swap(void **state)
{
	struct fx *f = *state;

	make_signed(f, 7, NULL, "first");
	assert_int_equal(load(f, true, 0), 0);
	make_signed(f, 7, NULL, "second");
	assert_int_equal(load(f, false, 0), -ESTALE);
	make_signed(f, 7, NULL, "first");
	assert_int_equal(load(f, false, 0), 0);
}

static void test_state_refuses_expired(void **state)
{
	struct fx *f = *state;
	time_t t;
	struct allowlist_state st;

	assert_int_equal(rfc3339_parse("2026-06-01T00:00:00Z", &t), 0);
	make_signed(f, 3, "2026-06-01T00:00:00Z", NULL);
	assert_int_equal(load(f, true, t - 1), 0);
	make_signed(f, 4, "2026-06-01T00:00:00Z", NULL);
	assert_int_equal(load(f, true, t), -EKEYEXPIRED);
	assert_int_equal(load(f, true, t + 86400), -EKEYEXPIRED);
	/* a refused list never moves the floor */
	assert_int_equal(state_read(f->state, &st), 0);
	assert_int_equal(st.serial, 3);
}

static void test_state_refuses_bad_signature(void **state)
{
	struct fx *f = *state;
	int fd;

	make_signed(f, 3, NULL, NULL);
	fd = open(f->list, O_WRONLY | O_APPEND);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, " ", 1), 1);
	close(fd);
	assert_int_equal(load(f, true, 0), -EBADMSG);
	unlink(f->sig);
	assert_int_equal(load(f, true, 0), -ENOENT);
}

static void test_state_refuses_non_regular(void **state)
{
	struct fx *f = *state;
	char link[PATH_MAX];

	make_signed(f, 3, NULL, NULL);
	tmpdir_join(link, sizeof(link), f->dir, "link.json");
	assert_int_equal(symlink(f->list, link), 0);
	{
		struct allowlist_load_opts o = { .path = link, .sig_path = f->sig, .trust = f->kr };
		struct allowlist *al = NULL;

		assert_int_equal(allowlist_load_verified(&o, &al), -ELOOP);
		o.path = f->dir;
		assert_int_equal(allowlist_load_verified(&o, &al), -EINVAL);
		o.path = "/dev/null";
		assert_int_equal(allowlist_load_verified(&o, &al), -EINVAL);
		o.path = f->list;
		o.max_size = 10;
		assert_int_equal(allowlist_load_verified(&o, &al), -EFBIG);
		assert_null(al);
	}
	tmpdir_join(link, sizeof(link), f->dir, "fifo");
	assert_int_equal(mkfifo(link, 0600), 0);
	{
		uint8_t *buf;
		size_t len;

		/* O_NONBLOCK: refused at once, not blocked waiting for a writer */
		assert_int_equal(fileio_read_once(link, 100, &buf, &len), -EINVAL);
	}
}

static void test_state_refuses_malformed_state(void **state)
{
	struct fx *f = *state;
	char path[PATH_MAX];
	struct allowlist_state st;

	make_signed(f, 3, NULL, NULL);
	assert_int_equal(mkdir(f->state, 0700), 0);
	tmpdir_join(path, sizeof(path), f->state, STATE_FILE);
	assert_int_equal(fileio_write_atomic(path, "{\"serial\":1}", 12, 0600), 0);
	assert_int_equal(state_read(f->state, &st), -EINVAL);
	assert_int_equal(load(f, true, 0), -EINVAL);
	unlink(path);
	assert_int_equal(load(f, true, 0), 0);
}

static void test_state_check_messages(void **state)
{
	struct allowlist_state st = { .present = true, .serial = 10 };
	uint8_t other[SHA256_LEN];

	(void)state;
	memset(st.sha256, 1, SHA256_LEN);
	memset(other, 2, SHA256_LEN);
	assert_int_equal(state_check(&st, "t", 9, st.sha256), -ESTALE);
	assert_int_equal(state_check(&st, "t", 10, other), -ESTALE);
	assert_int_equal(state_check(&st, "t", 10, st.sha256), 0);
	assert_int_equal(state_check(&st, "t", 11, other), 0);
	st.present = false;
	assert_int_equal(state_check(&st, "t", 0, other), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_state_accepts_and_commits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_state_refuses_rollback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_state_refuses_same_serial_swap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_state_refuses_expired, setup, teardown),
		cmocka_unit_test_setup_teardown(test_state_refuses_bad_signature, setup, teardown),
		cmocka_unit_test_setup_teardown(test_state_refuses_non_regular, setup, teardown),
		cmocka_unit_test_setup_teardown(test_state_refuses_malformed_state, setup, teardown),
		cmocka_unit_test(test_state_check_messages),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
