// SPDX-License-Identifier: GPL-2.0-only
/*
 * igtrace WHAT PID: one way of reaching into another process, tried once.
 * Prints "reached: WHAT" and exits 0 when it worked, else "refused: WHAT:
 * <errno text>" and exits 1. Nothing in the target is changed: what is
 * written is what was just read from the same address.
 *
 *   attach     PTRACE_ATTACH (then detached)
 *   seize      PTRACE_SEIZE (then detached)
 *   vmwrite    process_vm_readv then process_vm_writev of the same bytes
 *   memwrite   /proc/PID/mem opened read-write, the same bytes written back
 *   getfd      pidfd_getfd of the target's fd 0
 *   pidfd-kill pidfd_send_signal SIGKILL
 *   prlimit    prlimit of RLIMIT_CPU, set to what it already is
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef __NR_pidfd_open
#define __NR_pidfd_open 434
#endif
#ifndef __NR_pidfd_send_signal
#define __NR_pidfd_send_signal 424
#endif
#ifndef __NR_pidfd_getfd
#define __NR_pidfd_getfd 438
#endif
#ifndef PTRACE_SEIZE
#define PTRACE_SEIZE 0x4206
#endif

/* The start of the target's first writable private mapping, 0 if none. */
static unsigned long writable_addr(pid_t pid)
{
	char path[64], line[512], perms[8];
	unsigned long lo = 0, hi, addr = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (!addr && fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx-%lx %4s", &lo, &hi, perms) == 3 && perms[0] == 'r' &&
		    perms[1] == 'w')
			addr = lo;
	fclose(f);
	return addr;
}

static int result(const char *what, long rc)
{
	if (rc < 0) {
		printf("refused: %s: %s\n", what, strerror(errno));
		return 1;
	}
	printf("reached: %s\n", what);
	return 0;
}

int main(int argc, char **argv)
{
	const char *what;
	unsigned char buf[16];
	unsigned long addr;
	pid_t pid;
	long rc;
	int fd;

	if (argc != 3 || atoi(argv[2]) <= 0) {
		fprintf(stderr, "usage: igtrace attach|seize|vmwrite|memwrite|getfd|pidfd-kill|prlimit PID\n");
		return 2;
	}
	what = argv[1];
	pid = atoi(argv[2]);
	if (!strcmp(what, "attach") || !strcmp(what, "seize")) {
		rc = ptrace(!strcmp(what, "attach") ? PTRACE_ATTACH : PTRACE_SEIZE, pid, 0, 0);
		if (rc == 0) {
			if (!strcmp(what, "attach"))
				waitpid(pid, NULL, __WALL);
			ptrace(PTRACE_DETACH, pid, 0, 0);
		}
		return result(what, rc);
	}
	if (!strcmp(what, "vmwrite")) {
		struct iovec local = { buf, sizeof(buf) }, remote;

		addr = writable_addr(pid);
		if (!addr) {
			printf("no writable mapping in %d\n", pid);
			return 2;
		}
		remote = (struct iovec){ (void *)addr, sizeof(buf) };
		rc = process_vm_readv(pid, &local, 1, &remote, 1, 0);
		if (rc >= 0)
			rc = process_vm_writev(pid, &local, 1, &remote, 1, 0);
		return result(what, rc);
	}
	if (!strcmp(what, "memwrite")) {
		char path[64];

		addr = writable_addr(pid);
		if (!addr) {
			printf("no writable mapping in %d\n", pid);
			return 2;
		}
		snprintf(path, sizeof(path), "/proc/%d/mem", pid);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			return result(what, -1);
		rc = pread(fd, buf, sizeof(buf), (off_t)addr);
		if (rc >= 0)
			rc = pwrite(fd, buf, sizeof(buf), (off_t)addr);
		return result(what, rc);
	}
	if (!strcmp(what, "prlimit")) {
		struct rlimit rl;

		rc = prlimit(pid, RLIMIT_CPU, NULL, &rl);
		if (rc == 0)
			rc = prlimit(pid, RLIMIT_CPU, &rl, NULL);
		return result(what, rc);
	}
	fd = (int)syscall(__NR_pidfd_open, pid, 0);
	if (fd < 0)
		return result("pidfd_open", -1);
	if (!strcmp(what, "getfd"))
		return result(what, syscall(__NR_pidfd_getfd, fd, 0, 0));
	if (!strcmp(what, "pidfd-kill"))
		return result(what, syscall(__NR_pidfd_send_signal, fd, SIGKILL, NULL, 0));
	fprintf(stderr, "igtrace: unknown '%s'\n", what);
	return 2;
}
