// SPDX-License-Identifier: GPL-2.0-only
/*
 * The re-entry probe: does this kernel skip a BPF-LSM program entered on a
 * CPU where another task is still inside it (a "recursion miss")? The
 * chain's stage 2 sleeps in bpf_ima_file_hash, and stage 1 can be preempted
 * on a kernel that preempts everywhere: a kernel that guards LSM programs
 * against re-entry would skip the stage of the second task, and its access
 * would pass unjudged or be refused for a missing stage. src/enforcer/recur.c
 * puts one task to sleep inside the program (a user-space read it makes
 * wait on a userfaultfd page), then enters the program again on the same
 * CPU from a second task: a kernel that guards skips the second run.
 *
 * probe_lsm is what the chain is: an LSM program. probe_tracing shows the
 * probe reads a guard where there is one: a tracing program, which every
 * kernel guards, entered again by nesting (it deletes from a hash map inside
 * the map's own delete, which it traces), since these kernels let no
 * tracing program sleep (no function error injection).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

/* Set by the loader: the two probe threads, and the page that waits. */
__u32 probe_tid[2];
__u64 probe_addr;
/* Runs of a probe thread that got into the body. */
__u32 entered;

static __always_inline int body(void)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	char buf[8];

	if (!tid || (tid != probe_tid[0] && tid != probe_tid[1]))
		return 0; /* not the probe's: allow, this program decides nothing */
	__sync_fetch_and_add(&entered, 1);
	/* Sleeps until the loader fills the page; the result does not matter. */
	bpf_copy_from_user(buf, sizeof(buf), (const void *)probe_addr);
	return 0;
}

SEC("lsm.s/file_open")
int BPF_PROG(probe_lsm, struct file *file)
{
	return body();
}

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} probe_hash SEC(".maps");

SEC("fentry/htab_map_delete_elem")
int BPF_PROG(probe_tracing, struct bpf_map *map, void *key)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid(), k = 0;

	if (!tid || tid != probe_tid[0])
		return 0; /* not the probe's: a tracing program decides nothing */
	__sync_fetch_and_add(&entered, 1);
	/* Into htab_map_delete_elem again, on this CPU, inside this program. */
	bpf_map_delete_elem(&probe_hash, &k);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
