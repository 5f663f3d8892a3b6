// SPDX-License-Identifier: GPL-2.0-only
/*
 * ringsteal MAP_ID: take a read-write fd to a ring buffer map by its id and
 * move its consumer position up to the producer's, so that whoever reads it
 * never sees the records that were waiting. Exit 0 when it could, 1 (with
 * the reason) when the fd or the writable mapping was refused.
 */
#include <errno.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

static long sys_bpf(int cmd, union bpf_attr *attr)
{
	return syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

int main(int argc, char **argv)
{
	long page = sysconf(_SC_PAGESIZE);
	volatile unsigned long *cons;
	const volatile unsigned long *prod;
	union bpf_attr attr;
	long fd;

	if (argc != 2 || atoi(argv[1]) <= 0) {
		fprintf(stderr, "usage: ringsteal MAP_ID\n");
		return 2;
	}
	memset(&attr, 0, sizeof(attr));
	attr.map_id = (unsigned int)atoi(argv[1]);
	fd = sys_bpf(BPF_MAP_GET_FD_BY_ID, &attr);
	if (fd < 0) {
		fprintf(stderr, "ringsteal: cannot get a fd for map %s: %s\n", argv[1],
			strerror(errno));
		return 1;
	}
	cons = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, (int)fd, 0);
	if (cons == MAP_FAILED) {
		fprintf(stderr, "ringsteal: cannot map the consumer page: %s\n", strerror(errno));
		return 1;
	}
	prod = mmap(NULL, page, PROT_READ, MAP_SHARED, (int)fd, page);
	if (prod == MAP_FAILED) {
		fprintf(stderr, "ringsteal: cannot map the producer page: %s\n", strerror(errno));
		return 1;
	}
	*cons = *prod;
	printf("ringsteal: consumer moved to %lu\n", *prod);
	return 0;
}
