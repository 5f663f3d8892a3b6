// SPDX-License-Identifier: GPL-2.0-only
/*
 * bpfmaps: one line per BPF map, "ID TYPE NAME VALUE_SIZE", and for an array of maps
 * the ids of the maps in its slots ("slot0=ID slot1=ID", 0 for empty).
 * For a map named *.bss, its first words ("w0=N w1=N ...": ig_rules_gen,
 * ig_policy, ...). Every fd it takes is read-only, which an enforcer guarding its own maps
 * still hands out: a test finds the ids to attack with it.
 */
#include <errno.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static long sys_bpf(int cmd, union bpf_attr *attr)
{
	return syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

int main(void)
{
	union bpf_attr attr;
	unsigned int id = 0;

	for (;;) {
		struct bpf_map_info info;
		long fd;

		memset(&attr, 0, sizeof(attr));
		attr.start_id = id;
		if (sys_bpf(BPF_MAP_GET_NEXT_ID, &attr))
			return errno == ENOENT ? 0 : 1;
		id = attr.next_id;
		memset(&attr, 0, sizeof(attr));
		attr.map_id = id;
		attr.open_flags = BPF_F_RDONLY;
		fd = sys_bpf(BPF_MAP_GET_FD_BY_ID, &attr);
		if (fd < 0) {
			printf("%u ? ? (%s)\n", id, strerror(errno));
			continue;
		}
		memset(&info, 0, sizeof(info));
		memset(&attr, 0, sizeof(attr));
		attr.info.bpf_fd = (unsigned int)fd;
		attr.info.info_len = sizeof(info);
		attr.info.info = (unsigned long)&info;
		if (sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &attr)) {
			close((int)fd);
			continue;
		}
		printf("%u %u %s %u", id, info.type, info.name, info.value_size);
		if (info.type == BPF_MAP_TYPE_ARRAY_OF_MAPS)
			for (unsigned int k = 0; k < info.max_entries && k < 2; k++) {
				unsigned int inner = 0;

				memset(&attr, 0, sizeof(attr));
				attr.map_fd = (unsigned int)fd;
				attr.key = (unsigned long)&k;
				attr.value = (unsigned long)&inner;
				if (sys_bpf(BPF_MAP_LOOKUP_ELEM, &attr))
					inner = 0;
				printf(" slot%u=%u", k, inner);
			}
		size_t nl = strlen(info.name);

		if (info.type == BPF_MAP_TYPE_ARRAY && nl >= 4 && !strcmp(info.name + nl - 4, ".bss") &&
		    info.value_size <= 256) {
			unsigned int k = 0, words[64];

			memset(words, 0, sizeof(words));
			memset(&attr, 0, sizeof(attr));
			attr.map_fd = (unsigned int)fd;
			attr.key = (unsigned long)&k;
			attr.value = (unsigned long)words;
			if (!sys_bpf(BPF_MAP_LOOKUP_ELEM, &attr))
				for (unsigned int w = 0; w < 4 && w < info.value_size / 4; w++)
					printf(" w%u=%u", w, words[w]);
		}
		printf("\n");
		close((int)fd);
	}
}
