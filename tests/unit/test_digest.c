// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "util/digest.h"

/* SHA-256 of "abc" (FIPS 180-2 example). */
static const char abc_hex[] = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

static void test_digest_buf_known_answer(void **state)
{
	uint8_t d[SHA256_LEN];
	char hex[SHA256_HEX_LEN + 1];

	(void)state;
	assert_int_equal(sha256_buf("abc", 3, d), 0);
	digest_to_hex(d, hex);
	assert_string_equal(hex, abc_hex);
}

static void test_digest_fd_matches_buf(void **state)
{
	char path[] = "/tmp/ig-digest-XXXXXX";
	uint8_t a[SHA256_LEN], b[SHA256_LEN];
	size_t len = 3 * 256 * 1024 + 17; /* crosses the read chunk */
	unsigned char *data = malloc(len);
	uint64_t bytes = 0;
	int fd;

	(void)state;
	assert_non_null(data);
	for (size_t i = 0; i < len; i++)
		data[i] = (unsigned char)(i * 31 + 7);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	unlink(path);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	assert_int_equal(sha256_fd(fd, a, &bytes), 0);
	assert_int_equal(bytes, len);
	assert_int_equal(sha256_buf(data, len, b), 0);
	assert_memory_equal(a, b, SHA256_LEN);
	close(fd);
	free(data);
}

static void test_digest_reader_head_then_rest(void **state)
{
	char path[] = "/tmp/ig-digest-XXXXXX";
	struct sha256_reader *r = sha256_reader_new();
	uint8_t a[SHA256_LEN], b[SHA256_LEN];
	unsigned char head[10];
	static const char data[] = "0123456789 and the rest of the file";
	uint64_t bytes = 0;
	int fd;

	(void)state;
	assert_non_null(r);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	unlink(path);
	assert_int_equal(write(fd, data, sizeof(data) - 1), (ssize_t)sizeof(data) - 1);
	/* The same reader twice: its state is reset per file. */
	for (int round = 0; round < 2; round++) {
		assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
		assert_int_equal(read(fd, head, sizeof(head)), (ssize_t)sizeof(head));
		assert_int_equal(sha256_reader_fd(r, fd, head, sizeof(head), a, &bytes), 0);
		assert_int_equal(bytes, sizeof(data) - 1);
		assert_int_equal(sha256_buf(data, sizeof(data) - 1, b), 0);
		assert_memory_equal(a, b, SHA256_LEN);
	}
	assert_int_equal(sha256_reader_fd(r, -1, NULL, 0, a, NULL), -EBADF);
	close(fd);
	sha256_reader_free(r);
}

static void test_digest_fd_bad_fd(void **state)
{
	uint8_t d[SHA256_LEN];

	(void)state;
	assert_int_equal(sha256_fd(-1, d, NULL), -EBADF);
}

static void test_digest_hex_round_trip_and_case(void **state)
{
	uint8_t d[SHA256_LEN], e[SHA256_LEN];
	char upper[SHA256_HEX_LEN + 1], hex[SHA256_HEX_LEN + 1];

	(void)state;
	for (int i = 0; i < SHA256_HEX_LEN; i++)
		upper[i] = (char)(abc_hex[i] >= 'a' ? abc_hex[i] - 32 : abc_hex[i]);
	upper[SHA256_HEX_LEN] = '\0';
	assert_int_equal(digest_from_hex(abc_hex, SHA256_HEX_LEN, d), 0);
	assert_int_equal(digest_from_hex(upper, SHA256_HEX_LEN, e), 0);
	assert_memory_equal(d, e, SHA256_LEN);
	digest_to_hex(e, hex);
	assert_string_equal(hex, abc_hex);
}

static void test_digest_hex_rejects(void **state)
{
	uint8_t d[SHA256_LEN];
	char bad[SHA256_HEX_LEN + 2];

	(void)state;
	assert_int_equal(digest_from_hex(abc_hex, SHA256_HEX_LEN - 1, d), -EINVAL);
	assert_int_equal(digest_from_hex(abc_hex, SHA256_HEX_LEN - 2, d), -EINVAL);
	memcpy(bad, abc_hex, SHA256_HEX_LEN);
	bad[SHA256_HEX_LEN] = 'a';
	assert_int_equal(digest_from_hex(bad, SHA256_HEX_LEN + 1, d), -EINVAL);
	memcpy(bad, abc_hex, SHA256_HEX_LEN);
	bad[10] = 'g';
	assert_int_equal(digest_from_hex(bad, SHA256_HEX_LEN, d), -EINVAL);
	bad[10] = ' ';
	assert_int_equal(digest_from_hex(bad, SHA256_HEX_LEN, d), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_digest_buf_known_answer),
		cmocka_unit_test(test_digest_fd_matches_buf),
		cmocka_unit_test(test_digest_reader_head_then_rest),
		cmocka_unit_test(test_digest_fd_bad_fd),
		cmocka_unit_test(test_digest_hex_round_trip_and_case),
		cmocka_unit_test(test_digest_hex_rejects),
	};

	return cmocka_run_group_tests_name("digest", tests, NULL, NULL);
}
