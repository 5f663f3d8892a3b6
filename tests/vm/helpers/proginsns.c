// SPDX-License-Identifier: GPL-2.0-only
/*
 * proginsns [WORD]: one line per BPF program whose name holds WORD (all
 * without it), "NAME verified_insns=N xlated_insns=N": what the verifier
 * went through to accept it, and its size as loaded, for a test's record.
 */
#include <linux/bpf.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static long sys_bpf(int cmd, union bpf_attr *attr)
{
	return syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

int main(int argc, char **argv)
{
	const char *word = argc > 1 ? argv[1] : "";
	union bpf_attr attr;
	unsigned int id = 0;

	for (;;) {
		struct bpf_prog_info info;
		long fd;

		memset(&attr, 0, sizeof(attr));
		attr.start_id = id;
		if (sys_bpf(BPF_PROG_GET_NEXT_ID, &attr))
			break; /* no more programs */
		id = attr.next_id;
		memset(&attr, 0, sizeof(attr));
		attr.prog_id = id;
		fd = sys_bpf(BPF_PROG_GET_FD_BY_ID, &attr);
		if (fd < 0)
			continue; /* gone, or not ours to see */
		memset(&info, 0, sizeof(info));
		memset(&attr, 0, sizeof(attr));
		attr.info.bpf_fd = (unsigned int)fd;
		attr.info.info_len = sizeof(info);
		attr.info.info = (unsigned long)&info;
		if (!sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &attr) && strstr(info.name, word))
			printf("%s verified_insns=%u xlated_insns=%u\n", info.name,
			       info.verified_insns, info.xlated_prog_len / 8);
		close((int)fd);
	}
	return 0;
}
