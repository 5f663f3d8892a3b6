// SPDX-License-Identifier: GPL-2.0-only
/*
 * pinmap PATH VALUE_SIZE: create a one-element array map whose values have
 * VALUE_SIZE bytes and pin it at PATH on bpffs, with the bpf(2) system call
 * alone: a map no build of imaguard made, for a pinned chain that is not
 * this build's. Exits 1 (with the reason) when it cannot.
 */
#include <errno.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static long sys_bpf(int cmd, union bpf_attr *attr)
{
	return syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

int main(int argc, char **argv)
{
	union bpf_attr attr;
	long fd;

	if (argc != 3 || atoi(argv[2]) <= 0) {
		fprintf(stderr, "usage: pinmap PATH VALUE_SIZE\n");
		return 2;
	}
	memset(&attr, 0, sizeof(attr));
	attr.map_type = BPF_MAP_TYPE_ARRAY;
	attr.key_size = 4;
	attr.value_size = (unsigned int)atoi(argv[2]);
	attr.max_entries = 1;
	fd = sys_bpf(BPF_MAP_CREATE, &attr);
	if (fd < 0) {
		fprintf(stderr, "pinmap: cannot create a map: %s\n", strerror(errno));
		return 1;
	}
	memset(&attr, 0, sizeof(attr));
	attr.pathname = (unsigned long)argv[1];
	attr.bpf_fd = (unsigned int)fd;
	if (sys_bpf(BPF_OBJ_PIN, &attr)) {
		fprintf(stderr, "pinmap: cannot pin at '%s': %s\n", argv[1], strerror(errno));
		return 1;
	}
	return 0;
}
