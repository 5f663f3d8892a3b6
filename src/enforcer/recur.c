// SPDX-License-Identifier: GPL-2.0-only
/*
 * The re-entry probe (bpf/recur.bpf.c): one thread sleeps inside the probe
 * program, a second enters it on the same CPU. The sleep is a read of a page
 * registered with a userfaultfd, which waits until this thread fills the
 * page; so the first thread is inside the program for as long as the probe
 * needs, and the second one either gets in too (no guard) or comes back
 * from its open with the program skipped (guard). The kernel's own count of
 * skipped runs (recursion_misses) is read too: either sign is a guard.
 *
 * With tracing, the program every kernel guards is entered again by nesting
 * instead (bpf/recur.bpf.c), to show the probe reads a guard right.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "enforcer/priv.h"
#include "recur.skel.h"
#include "util/log.h"

#define REENTRY_WAIT_MS 20000	/* an emulated guest can be that slow */

struct prober {
	pthread_t thread;
	cpu_set_t cpu;
	int tid;	/* set by the thread */
	int go;		/* set by the probe: open now */
	int done;	/* set by the thread: its open returned */
};

static void *prober_run(void *arg)
{
	struct prober *p = arg;
	int fd;

	/* Pinned before it says who it is: it never runs on another CPU. */
	if (pthread_setaffinity_np(pthread_self(), sizeof(p->cpu), &p->cpu) == 0)
		__atomic_store_n(&p->tid, (int)syscall(SYS_gettid), __ATOMIC_SEQ_CST);
	else
		__atomic_store_n(&p->tid, -1, __ATOMIC_SEQ_CST);
	while (!__atomic_load_n(&p->go, __ATOMIC_SEQ_CST))
		usleep(1000);
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (fd >= 0)
		close(fd);
	__atomic_store_n(&p->done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

/* Start p pinned to cpu; its tid, or a negative errno. */
static int prober_start(struct prober *p, int cpu)
{
	struct timespec t0;
	int tid, err;

	CPU_ZERO(&p->cpu);
	CPU_SET(cpu, &p->cpu);
	err = pthread_create(&p->thread, NULL, prober_run, p);
	if (err)
		return -err;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (!(tid = __atomic_load_n(&p->tid, __ATOMIC_SEQ_CST)) && elapsed_ms(&t0) < REENTRY_WAIT_MS)
		usleep(1000);
	return tid > 0 ? tid : -EAGAIN;
}

static void prober_stop(struct prober *p)
{
	__atomic_store_n(&p->go, 1, __ATOMIC_SEQ_CST);
	pthread_join(p->thread, NULL);
}

static int first_cpu(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set))
		return -errno;
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &set))
			return c;
	return -ESRCH;
}

/* Wait for the first prober's fault on the page: it is inside the program. */
static int wait_fault(int uffd)
{
	struct pollfd pfd = { .fd = uffd, .events = POLLIN };
	struct uffd_msg msg;
	int n = poll(&pfd, 1, REENTRY_WAIT_MS);

	if (n < 0)
		return -errno;
	if (n == 0)
		return -ETIMEDOUT;
	if (read(uffd, &msg, sizeof(msg)) != sizeof(msg))
		return -errno;
	return msg.event == UFFD_EVENT_PAGEFAULT ? 0 : -EPROTO;
}

/* The kernel's count of the runs of prog it skipped, or a negative errno. */
static long long misses(const struct bpf_program *prog)
{
	struct bpf_prog_info info = { 0 };
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info, &len))
		return -errno;
	return (long long)info.recursion_misses;
}

/* The tracing program, entered inside itself by a delete from its map. */
static int nested_probe(struct recur_bpf *skel)
{
	struct bpf_link *link = bpf_program__attach(skel->progs.probe_tracing);
	__u32 k = 0;
	long long m;

	if (!link)
		return -errno;
	skel->bss->probe_tid[0] = (__u32)syscall(SYS_gettid);
	bpf_map_delete_elem(bpf_map__fd(skel->maps.probe_hash), &k); /* ENOENT: no matter */
	skel->bss->probe_tid[0] = 0;
	bpf_link__destroy(link);
	m = misses(skel->progs.probe_tracing);
	if (m < 0)
		return (int)m;
	if (skel->bss->entered < 1)
		return -ENOENT; /* it never ran: nothing was probed */
	return m > 0 && skel->bss->entered == 1 ? 1 : 0;
}

int enforcer_reentry_probe(bool tracing)
{
	struct prober p[2] = { 0 };
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };
	struct recur_bpf *skel = NULL;
	struct bpf_link *link = NULL;
	long page = sysconf(_SC_PAGESIZE);
	struct timespec t0;
	int uffd = -1, cpu, err, started = 0;
	void *addr = MAP_FAILED;

	cpu = first_cpu();
	if (cpu < 0)
		return cpu;
	skel = recur_bpf__open();
	if (!skel)
		return -errno;
	bpf_program__set_autoload(tracing ? skel->progs.probe_lsm : skel->progs.probe_tracing, false);
	err = recur_bpf__load(skel);
	if (err)
		goto out;
	if (tracing) {
		err = nested_probe(skel);
		goto out;
	}
	addr = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (addr == MAP_FAILED || uffd < 0) {
		err = -errno;
		goto out;
	}
	reg.range.start = (unsigned long)addr;
	reg.range.len = page;
	if (ioctl(uffd, UFFDIO_API, &api) || ioctl(uffd, UFFDIO_REGISTER, &reg)) {
		err = -errno;
		goto out;
	}
	skel->bss->probe_addr = (unsigned long)addr;
	link = bpf_program__attach(skel->progs.probe_lsm);
	if (!link) {
		err = -errno;
		goto out;
	}

	/* The first one goes in and waits on the page. */
	err = prober_start(&p[0], cpu);
	if (err < 0)
		goto out;
	started = 1;
	skel->bss->probe_tid[0] = err;
	__atomic_store_n(&p[0].go, 1, __ATOMIC_SEQ_CST);
	err = wait_fault(uffd);
	if (err)
		goto out;
	/* The second one, on the same CPU: in too, or skipped. */
	err = prober_start(&p[1], cpu);
	if (err < 0)
		goto out;
	started = 2;
	skel->bss->probe_tid[1] = err;
	__atomic_store_n(&p[1].go, 1, __ATOMIC_SEQ_CST);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	err = -ETIMEDOUT;
	while (elapsed_ms(&t0) < REENTRY_WAIT_MS) {
		if (__atomic_load_n(&skel->bss->entered, __ATOMIC_SEQ_CST) >= 2) {
			err = 0; /* both inside at once: no guard */
			break;
		}
		if (__atomic_load_n(&p[1].done, __ATOMIC_SEQ_CST)) {
			/* Back from its open: in (and out) only if the count says so. */
			err = __atomic_load_n(&skel->bss->entered, __ATOMIC_SEQ_CST) >= 2 ? 0 : 1;
			break;
		}
		usleep(1000);
	}
	if (err == 0) {
		long long m = misses(skel->progs.probe_lsm);

		err = m < 0 ? (int)m : m > 0 ? 1 : 0;
	}
out:
	if (uffd >= 0 && addr != MAP_FAILED) {
		/* Fill the page: every thread that waits on it goes on. */
		struct uffdio_zeropage zp = {
			.range = { .start = (unsigned long)addr, .len = page },
		};

		ioctl(uffd, UFFDIO_ZEROPAGE, &zp);
	}
	for (int i = 0; i < started; i++)
		prober_stop(&p[i]);
	bpf_link__destroy(link);
	if (uffd >= 0)
		close(uffd);
	if (addr != MAP_FAILED)
		munmap(addr, page);
	recur_bpf__destroy(skel);
	return err;
}
