// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "enforcer/priv.h"
#include "util/log.h"

/* Returns once every non-sleepable program that was running has finished:
 * the kernel waits for them when a map is put into a map-in-map. Folds are
 * counted and slots taken only in such programs (stage 1 of mmap_file and
 * the mprotect program). */
static int quiesce(struct enforcer *e)
{
	int inner, err = 0;
	__u32 zero = 0;

	inner = bpf_map_create(BPF_MAP_TYPE_ARRAY, "ig_quiesce", sizeof(__u32), sizeof(__u32), 1,
			       NULL);
	if (inner < 0 || bpf_map_update_elem(e->fds[EM_QUIESCE], &zero, &inner, BPF_ANY))
		err = -errno;
	if (inner >= 0)
		close(inner);
	if (err)
		pr_err("cannot wait for the running programs: %s", strerror(-err));
	return err;
}

int enforcer_fold_stop(struct enforcer *e)
{
	BSS_SET(e, ig_fold_epoch, 0);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return quiesce(e);
}

const volatile __u64 *enforcer_fold_counts(struct enforcer *e)
{
	void *m;

	if (e->folds)
		return e->folds;
	m = mmap(NULL, FOLDS_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, e->fds[EM_FOLDS], 0);
	if (m == MAP_FAILED) {
		int err = errno;

		pr_err("cannot map the fold counters: %s", strerror(err));
		errno = err;
		return NULL;
	}
	e->folds = m;
	return e->folds;
}

void enforcer_fold_start(struct enforcer *e)
{
	struct enforcer_bpf__bss bss;
	__u32 epoch;

	if (bss_read(e, &bss))
		return; /* folding stays off */
	/* Never an epoch used before on this chain: names keep their stamps. */
	epoch = bss.ig_fold_epochs + 1 ? bss.ig_fold_epochs + 1 : 1;
	__atomic_store_n(&e->folds[0], 0, __ATOMIC_SEQ_CST);
	BSS_SET(e, ig_fold_epochs, epoch);
	/* Every slot is free before any program can see the new epoch. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	BSS_SET(e, ig_fold_epoch, epoch);
}
