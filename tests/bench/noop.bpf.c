// SPDX-License-Identifier: GPL-2.0-only
/*
 * The trampoline floor for the guest benchmark (tests/vm/driver/igbench.c):
 * every program of bpf/enforcer.bpf.c, in the same section with the same
 * arguments, with nothing inside, made from the enforcer's source at build
 * time (tests/bench/noop-progs.awk, into noop-progs.h). What the benchmark
 * measures with these attached and nothing else is what the chain's hooks
 * cost before any of its programs does any work: its three stages on each
 * chained hook, the watchers, the guards, the interpreter mark and the
 * fexit that counts executable maps out.
 *
 * Where the loader chooses one program of two (the script chain on
 * file_post_open, or on file_open where the kernel lacks it), igbench
 * loads the empty twin of the one the chain loaded (enforcer_has_prog), so
 * each hook carries as many programs here as under the chain.
 *
 * Each LSM program passes on the verdict it was given, so attaching this
 * object never changes a decision. No maps: nothing here can fill.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

#include "noop-progs.h"
