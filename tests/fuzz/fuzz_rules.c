// SPDX-License-Identifier: GPL-2.0-only
/* The rules parser on arbitrary bytes; a refusal names its line (only a
 * missing top-level field has none), an accepted set is linted and every
 * rule's own path is matched, which must find a rule at least as strong. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rules/rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rules *r = NULL;
	struct rules_warning *w = NULL;
	char why[256];
	size_t nw;

	int err = rules_parse(data, size, &r, why, sizeof(why));

	if (err == -EINVAL && strncmp(why, "line ", 5) && strncmp(why, "missing '", 9))
		abort();
	if (err)
		return 0;
	if (rules_lint(r, &w, &nw))
		abort();
	for (size_t i = 0; i < r->n; i++) {
		const struct rule *ru = &r->v[i];

		if (ru->dir)
			continue;
		for (int h = 0; h < IG_HOOK_MAX; h++) {
			const struct rule *m = rules_match(r, ru->path, h);

			/* an exact rule on its own path cannot lose to a directory */
			if ((ru->hooks & RULE_HOOK_BIT(h)) && (!m || m->dir || m->action < ru->action))
				abort();
		}
	}
	free(w);
	rules_free(r);
	return 0;
}
