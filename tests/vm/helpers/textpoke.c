// SPDX-License-Identifier: GPL-2.0-only
/*
 * textpoke [--uid N] run
 * textpoke [--uid N] read self|task
 * textpoke [--uid N] mem self|task PAYLOAD
 * textpoke [--uid N] poke PAYLOAD
 *
 * A listed program that writes where it is told: the bytes of the file
 * PAYLOAD go over the code of its own function target (128 bytes, "mov eax,
 * 42; ret" and padding), which it then calls and prints "ret N". A payload
 * that runs prints its own marker. The program itself is unchanged, so an
 * allowlist that lists it lets it run; only the bytes it writes were never
 * judged.
 *
 *   run   calls target as it is: "ret 42".
 *   read  reads target back through /proc/self/mem (task: through
 *         /proc/self/task/TID/mem), as a debugger reads memory: "read ok".
 *   mem   writes PAYLOAD into target through that file (the kernel forces
 *         the write into read-only text), then calls it.
 *   poke  forks a child that asks to be traced (PTRACE_TRACEME) and stops;
 *         the parent writes PAYLOAD into the child's target with
 *         PTRACE_POKETEXT and lets it go; the child calls target.
 *
 * --uid N first becomes uid and gid N (from root) and stays dumpable, as a
 * process started by that user is. Prints "pid P" first; on failure prints
 * "err <ERRNO> <step>" and exits 1.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define TARGET_LEN 128

/* Its own 128 bytes, so that a payload that fits overwrites nothing else. */
__asm__(".text\n"
	".p2align 6\n"
	".type target, @function\n"
	"target:\n"
	"\tmovl $42, %eax\n"
	"\tret\n"
	"\t.fill 122, 1, 0xcc\n"
	".size target, 128\n");
int target(void);

static unsigned char payload[TARGET_LEN];
static size_t payload_len;

static int die(const char *step)
{
	printf("err %s %s\n", strerrorname_np(errno) ?: "?", step);
	fflush(stdout);
	exit(1);
}

static void become(unsigned int n)
{
	if (setgroups(0, NULL) || setresgid(n, n, n) || setresuid(n, n, n))
		die("setuid");
	/* The uid change made it undumpable: its /proc files would be
	 * root's and its child could not be traced by it. */
	if (prctl(PR_SET_DUMPABLE, 1))
		die("dumpable");
}

static void load_payload(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		die("open-payload");
	n = read(fd, payload, sizeof(payload));
	if (n <= 0)
		die("read-payload");
	payload_len = (size_t)n;
	close(fd);
}

static int open_mem(const char *which, int flags)
{
	char path[64];

	if (!strcmp(which, "self"))
		snprintf(path, sizeof(path), "/proc/self/mem");
	else
		snprintf(path, sizeof(path), "/proc/self/task/%ld/mem", (long)syscall(SYS_gettid));
	return open(path, flags | O_CLOEXEC);
}

static int call_target(void)
{
	printf("ret %d\n", target());
	fflush(stdout);
	return 0;
}

static int do_read(const char *which)
{
	unsigned char buf[TARGET_LEN];
	int fd = open_mem(which, O_RDONLY);

	if (fd < 0)
		die("open");
	if (pread(fd, buf, sizeof(buf), (off_t)(uintptr_t)target) != (ssize_t)sizeof(buf))
		die("pread");
	close(fd);
	printf("read %s\n", memcmp(buf, (const void *)target, sizeof(buf)) ? "differs" : "ok");
	return 0;
}

static int do_mem(const char *which)
{
	int fd = open_mem(which, O_WRONLY);

	if (fd < 0)
		die("open");
	if (pwrite(fd, payload, payload_len, (off_t)(uintptr_t)target) != (ssize_t)payload_len)
		die("pwrite");
	close(fd);
	return call_target();
}

static int do_poke(void)
{
	uintptr_t at = (uintptr_t)target;
	int st;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		die("fork");
	if (!pid) {
		if (ptrace(PTRACE_TRACEME, 0, NULL, NULL))
			die("traceme");
		raise(SIGSTOP);
		call_target();
		_exit(0);
	}
	if (waitpid(pid, &st, 0) != pid)
		die("waitpid");
	if (!WIFSTOPPED(st))
		return WIFEXITED(st) ? WEXITSTATUS(st) : 1; /* the child said why */
	for (size_t off = 0; off < payload_len; off += sizeof(long)) {
		long word;

		/* Keep the bytes past the payload's end as they are. */
		errno = 0;
		word = ptrace(PTRACE_PEEKTEXT, pid, (void *)(at + off), NULL);
		if (errno)
			die("peektext");
		memcpy(&word, payload + off,
		       payload_len - off < sizeof(word) ? payload_len - off : sizeof(word));
		if (ptrace(PTRACE_POKETEXT, pid, (void *)(at + off), (void *)word)) {
			kill(pid, SIGKILL);
			die("poketext");
		}
	}
	if (ptrace(PTRACE_DETACH, pid, NULL, NULL))
		die("detach");
	if (waitpid(pid, &st, 0) != pid)
		die("waitpid");
	return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
}

int main(int argc, char **argv)
{
	int i = 1;

	if (argc > 2 && !strcmp(argv[1], "--uid")) {
		become((unsigned int)strtoul(argv[2], NULL, 10));
		i = 3;
	}
	argc -= i;
	argv += i;
	printf("pid %d\n", (int)getpid());
	fflush(stdout);
	if (argc == 1 && !strcmp(argv[0], "run"))
		return call_target();
	if (argc == 2 && !strcmp(argv[0], "read"))
		return do_read(argv[1]);
	if (argc == 3 && !strcmp(argv[0], "mem")) {
		load_payload(argv[2]);
		return do_mem(argv[1]);
	}
	if (argc == 2 && !strcmp(argv[0], "poke")) {
		load_payload(argv[1]);
		return do_poke();
	}
	fprintf(stderr, "usage: textpoke [--uid N] run|read WHICH|mem WHICH PAYLOAD|poke PAYLOAD\n");
	return 2;
}
