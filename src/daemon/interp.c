// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/interp.h"
#include "util/digest.h"
#include "util/log.h"

struct interps {
	__u8 (*d)[IG_SHA256_LEN];
	size_t n;
};

/* Add one digest, once: a copy or a link of an interpreter is one entry. */
static int add_digest(struct interps *s, const uint8_t digest[SHA256_LEN])
{
	for (size_t i = 0; i < s->n; i++)
		if (!memcmp(s->d[i], digest, SHA256_LEN))
			return 0;
	if (s->n == IG_INTERP_MAX)
		return -E2BIG;
	memcpy(s->d[s->n++], digest, SHA256_LEN);
	return 0;
}

/* Hash the file at path (symlinks followed: the program that runs). */
static int add_path(struct interps *s, const char *path)
{
	uint8_t digest[SHA256_LEN];
	int fd = open(path, O_RDONLY | O_CLOEXEC), err;

	if (fd < 0)
		return -errno;
	err = sha256_fd(fd, digest, NULL);
	close(fd);
	return err ? err : add_digest(s, digest);
}

static int add_defaults(struct interps *s)
{
	for (const char *const *p = rules_default_interpreters; *p; p++) {
		glob_t g;

		if (glob(*p, 0, NULL, &g))
			continue; /* none here */
		for (size_t i = 0; i < g.gl_pathc; i++) {
			int err = add_path(s, g.gl_pathv[i]);

			/* python3-config and the like are scripts, not interpreters,
			 * but hashing them costs nothing and they never exec as one. */
			if (err == -E2BIG) {
				globfree(&g);
				return err;
			}
			if (err)
				pr_debug("interpreter '%s' skipped: %s", g.gl_pathv[i],
					 strerror(-err));
		}
		globfree(&g);
	}
	return 0;
}

int interp_apply(struct enforcer *e, const struct rules *r)
{
	struct interps s = { .d = calloc(IG_INTERP_MAX, IG_SHA256_LEN) };
	int err = 0;

	if (!s.d)
		return -ENOMEM;
	if (!r || !r->no_default_interps)
		err = add_defaults(&s);
	for (size_t i = 0; !err && r && i < r->ninterps; i++) {
		const char *v = r->interps[i];
		uint8_t digest[SHA256_LEN];

		if (!strncmp(v, "sha256:", 7)) {
			err = digest_from_hex(v + 7, strlen(v + 7), digest);
			if (!err)
				err = add_digest(&s, digest);
		} else {
			err = add_path(&s, v);
		}
		if (err)
			pr_err("interpreter '%s': %s", v, strerror(-err));
	}
	if (!err)
		err = enforcer_set_interps(e, (const __u8 (*)[IG_SHA256_LEN])s.d, s.n);
	if (!err && r && r->script_exts)
		err = enforcer_set_script_exts(e, (const char *const *)r->script_exts, r->nexts);
	else if (!err) {
		size_t n = 0;

		while (enforcer_script_exts_default[n])
			n++;
		err = enforcer_set_script_exts(e, enforcer_script_exts_default, n);
	}
	if (!err)
		pr_info("%zu interpreters for the policy; code read by them is judged at %s", s.n,
			enforcer_script_hook(e));
	free(s.d);
	return err;
}
