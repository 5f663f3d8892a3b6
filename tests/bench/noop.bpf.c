// SPDX-License-Identifier: GPL-2.0-only
/*
 * The trampoline floor for the guest benchmark (tests/vm/driver/igbench.c):
 * the same nine chain programs as bpf/enforcer.bpf.c, in the same sections,
 * with nothing inside. What the benchmark measures with these attached and
 * nothing else is what any three-stage chain costs before it does any work.
 *
 *   hook                 stage 1 (lsm)   stage 2 (lsm.s)   stage 3 (lsm)
 *   bprm_check_security  pass            pass              pass
 *   mmap_file            pass            pass              pass
 *   file_open            pass            pass              pass
 *
 * Each passes on the verdict it was given, so attaching this object never
 * changes a decision. No maps: nothing here can fill.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

/* ---- bprm_check_security ---- */
SEC("lsm/bprm_check_security")
int BPF_PROG(noop_exec_filter, struct linux_binprm *bprm, int ret)
{
	return ret;
}

SEC("lsm.s/bprm_check_security")
int BPF_PROG(noop_exec_measure, struct linux_binprm *bprm, int ret)
{
	return ret;
}

SEC("lsm/bprm_check_security")
int BPF_PROG(noop_exec_emit, struct linux_binprm *bprm, int ret)
{
	return ret;
}

/* ---- mmap_file ---- */
SEC("lsm/mmap_file")
int BPF_PROG(noop_mmap_filter, struct file *file, unsigned long reqprot, unsigned long prot,
	     unsigned long flags, int ret)
{
	return ret;
}

SEC("lsm.s/mmap_file")
int BPF_PROG(noop_mmap_measure, struct file *file, unsigned long reqprot, unsigned long prot,
	     unsigned long flags, int ret)
{
	return ret;
}

SEC("lsm/mmap_file")
int BPF_PROG(noop_mmap_emit, struct file *file, unsigned long reqprot, unsigned long prot,
	     unsigned long flags, int ret)
{
	return ret;
}

/* ---- file_open ---- */
SEC("lsm/file_open")
int BPF_PROG(noop_open_filter, struct file *file, int ret)
{
	return ret;
}

SEC("lsm.s/file_open")
int BPF_PROG(noop_open_measure, struct file *file, int ret)
{
	return ret;
}

SEC("lsm/file_open")
int BPF_PROG(noop_open_emit, struct file *file, int ret)
{
	return ret;
}
