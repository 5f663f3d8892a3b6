// SPDX-License-Identifier: GPL-2.0-only
/*
 * The userspace half of the guard (bpf/tamper.bpf.h): the daemon names
 * itself and its executable before load, and every object it makes (maps,
 * programs, links, each policy's inner maps, the pins) as it makes them.
 * Then, every second, it checks what the kernel could not refuse: that each
 * link still runs the program it loaded (its tag), and that the policy in
 * force is the one it put there.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "enforcer/priv.h"
#include "util/log.h"
#include "util/names.h"

#define GUARD_CHECK_MS 1000

static const char *const stage_names[3] = { "filter", "measure", "emit" };

/* The kernel's dev_t of a userspace st_dev (MKDEV: major << 20 | minor). */
static __u32 kdev(dev_t dev)
{
	return (__u32)(major(dev) << 20 | minor(dev));
}

__u32 guard_obj_id(int fd)
{
	/* bpf_map_info, bpf_prog_info and bpf_link_info all open with type, id. */
	union {
		struct bpf_map_info map;
		struct bpf_prog_info prog;
		struct bpf_link_info link;
	} info;
	__u32 len = sizeof(info);

	memset(&info, 0, sizeof(info));
	return bpf_obj_get_info_by_fd(fd, &info, &len) ? 0 : info.map.id;
}

int guard_arm(struct enforcer *e)
{
	struct stat st;

	if (stat("/proc/self/exe", &st)) {
		int err = -errno;

		pr_err("cannot read this program's executable: %s", strerror(-err));
		return err;
	}
	e->skel->data_guard->ig_guard_exe_ino = st.st_ino;
	e->skel->data_guard->ig_guard_exe_dev = kdev(st.st_dev);
	e->skel->data_guard->ig_guard_tgid = (__u64)getpid();
	e->guard = true;
	return 0;
}

static int guard_add(struct enforcer *e, __u32 kind, __u32 id)
{
	struct ig_guard_key k = { .kind = kind, .id = id };
	__u32 one = 1;

	if (!id)
		return -EINVAL;
	if (bpf_map_update_elem(e->fds[EM_GUARD_IDS], &k, &one, BPF_ANY)) {
		int err = -errno;

		pr_err("cannot guard object %u (kind %u): %s", id, kind, strerror(-err));
		return err;
	}
	return 0;
}

int guard_add_fd(struct enforcer *e, __u32 kind, int fd)
{
	return e->guard ? guard_add(e, kind, guard_obj_id(fd)) : 0;
}

void guard_drop(struct enforcer *e, __u32 kind, __u32 id)
{
	struct ig_guard_key k = { .kind = kind, .id = id };

	if (e->guard && id)
		bpf_map_delete_elem(e->fds[EM_GUARD_IDS], &k);
}

int guard_add_object(struct enforcer *e)
{
	struct bpf_program *prog;
	struct bpf_map *map;
	int err;

	if (!e->guard)
		return 0;
	bpf_object__for_each_map(map, e->skel->obj)
		if ((err = guard_add(e, IG_GUARD_MAP, guard_obj_id(bpf_map__fd(map)))))
			return err;
	bpf_object__for_each_program(prog, e->skel->obj)
		if (bpf_program__fd(prog) >= 0 && /* the script set not loaded has none */
		    (err = guard_add(e, IG_GUARD_PROG, guard_obj_id(bpf_program__fd(prog)))))
			return err;
	return 0;
}

/* The tag of the program fd runs; -errno. */
static int prog_tag(int fd, __u8 tag[BPF_TAG_SIZE])
{
	struct bpf_prog_info info;
	__u32 len = sizeof(info);

	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	memcpy(tag, info.tag, BPF_TAG_SIZE);
	return 0;
}

/* The tag of the program a link runs; -errno (the link's fd or its
 * program unreachable). */
static int link_tag(struct bpf_link *link, __u8 tag[BPF_TAG_SIZE])
{
	struct bpf_link_info info;
	__u32 len = sizeof(info);
	int fd, err;

	if (!link)
		return -EBADF;
	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(bpf_link__fd(link), &info, &len))
		return -errno;
	fd = bpf_prog_get_fd_by_id(info.prog_id);
	if (fd < 0)
		return -errno;
	err = prog_tag(fd, tag);
	close(fd);
	return err;
}

/* The tags of a loaded object's programs, in the enforcer's tables. */
static int tags_of(struct enforcer *e, const struct enforcer *loaded)
{
	int err;

	for (int h = 0; h < IG_HOOK_MAX; h++)
		for (int st = 0; st < 3; st++)
			if ((err = prog_tag(bpf_program__fd(stage_prog(loaded, h, st)),
					    e->tags[h][st])))
				return err;
	for (int a = 0; a < AUX_MAX; a++)
		if (aux_used(loaded, a) &&
		    (err = prog_tag(bpf_program__fd(aux_prog(loaded, a)), e->aux_tags[a])))
			return err;
	e->tags_known = true;
	return 0;
}

int guard_add_links(struct enforcer *e)
{
	int err;

	if ((err = tags_of(e, e))) {
		pr_err("cannot read the tags of the programs just loaded: %s", strerror(-err));
		return err;
	}
	if (!e->guard)
		return 0;
	for (int h = 0; h < IG_HOOK_MAX; h++)
		for (int st = 0; st < 3; st++)
			if (e->links[h][st] &&
			    (err = guard_add(e, IG_GUARD_LINK, guard_obj_id(bpf_link__fd(e->links[h][st])))))
				return err;
	for (int a = 0; a < AUX_MAX; a++)
		if (aux_used(e, a) &&
		    (err = guard_add(e, IG_GUARD_LINK, guard_obj_id(bpf_link__fd(e->aux_links[a])))))
			return err;
	return 0;
}

static int pin_ino(struct enforcer *e, const char *path)
{
	struct stat st;

	if (stat(path, &st))
		return -errno;
	return guard_add(e, IG_GUARD_LINK_PIN, (__u32)st.st_ino);
}

int guard_add_pins(struct enforcer *e, const char *dir)
{
	char path[4096];
	struct stat st;
	int err = 0;

	if (!e->guard || !e->skel)
		return 0; /* adopted: the pins were guarded by the daemon that made them */
	for (int h = 0; h < IG_HOOK_MAX && !err; h++)
		for (int st_ = 0; st_ < 3 && !err; st_++) {
			snprintf(path, sizeof(path), "%s/link-%s-%s", dir, names_hook(h),
				 stage_names[st_]);
			err = pin_ino(e, path);
		}
	for (int a = 0; a < AUX_MAX && !err; a++) {
		if (!aux_used(e, a))
			continue;
		snprintf(path, sizeof(path), "%s/link-%s", dir, aux_names[a]);
		err = pin_ino(e, path);
	}
	if (!err && stat(dir, &st))
		err = -errno;
	if (err) {
		pr_err("cannot guard the pins under '%s': %s", dir, strerror(-err));
		return err;
	}
	e->skel->data_guard->ig_guard_pin_ino = st.st_ino;
	__atomic_store_n(&e->skel->data_guard->ig_guard_pin_dev, kdev(st.st_dev),
			 __ATOMIC_SEQ_CST);
	return 0;
}

int guard_adopt_tags(struct enforcer *e, const char *dir)
{
	struct enforcer ref = { .policy_slot = -1 };
	__u8 tag[BPF_TAG_SIZE];
	const char *bad = NULL;
	int err;

	/* This build's tags: its object loaded, never attached, with the
	 * program sets the pinned chain runs. */
	ref.skel = enforcer_bpf__open();
	err = ref.skel ? 0 : -errno;
	if (!err) {
		enforcer_sets_like(&ref, e);
		err = enforcer_bpf__load(ref.skel);
		if (err)
			enforcer_bpf__destroy(ref.skel);
	}
	if (err) {
		pr_err("cannot load this build's programs to compare their tags: %s",
		       strerror(-err));
		return err;
	}
	err = tags_of(e, &ref);
	enforcer_bpf__destroy(ref.skel);
	if (err)
		return err;
	for (int h = 0; h < IG_HOOK_MAX && !bad; h++)
		for (int st = 0; st < 3 && !bad; st++)
			if (link_tag(e->links[h][st], tag) ||
			    memcmp(tag, e->tags[h][st], BPF_TAG_SIZE))
				bad = stage_names[st];
	for (int a = 0; a < AUX_MAX && !bad; a++)
		if (aux_used(e, a) &&
		    (link_tag(e->aux_links[a], tag) || memcmp(tag, e->aux_tags[a], BPF_TAG_SIZE)))
			bad = aux_names[a];
	if (bad) {
		pr_err("the chain pinned at '%s' runs programs this build did not make (the "
		       "tag behind its '%s' link differs): refusing it; 'imaguard stop --pin-dir "
		       "%s' first", dir, bad, dir);
		return -ESTALE;
	}
	return 0;
}

unsigned long long enforcer_tamper_found(const struct enforcer *e)
{
	return e->tamper_found;
}

/* What a check found: one event per kind until the kind is mended. */
static void found(struct enforcer *e, enum ig_tamper what, __u32 kind, __u32 id,
		  const char *name)
{
	struct timespec t;
	struct ig_event ev;

	if (e->tamper_seen & (1u << what))
		return;
	e->tamper_seen |= 1u << what;
	e->tamper_found++;
	pr_warn("the chain was changed behind this daemon: %s %s (id %u)",
		what == IG_TAMPER_POLICY_CHANGED ? "policy" : "link", name, id);
	memset(&ev, 0, sizeof(ev));
	clock_gettime(CLOCK_BOOTTIME, &t);
	ev.time_ns = (__u64)t.tv_sec * 1000000000ULL + (__u64)t.tv_nsec;
	ev.hook = IG_HOOK_TAMPER;
	ev.tamper = what;
	ev.dev = kind;
	ev.ino = id;
	ev.rule = -1;
	snprintf(ev.path, sizeof(ev.path), "%s", name);
	ev.path_len = strlen(ev.path) + 1;
	if (e->handler)
		e->handler(e->handler_ctx, &ev);
}

static void check_link(struct enforcer *e, struct bpf_link *link, const __u8 want[BPF_TAG_SIZE],
		       const char *name, unsigned int *bad)
{
	__u8 tag[BPF_TAG_SIZE];
	int err = link_tag(link, tag);

	if (err) {
		found(e, IG_TAMPER_LINK_GONE, IG_GUARD_LINK,
		      link ? guard_obj_id(bpf_link__fd(link)) : 0, name);
		*bad |= 1u << IG_TAMPER_LINK_GONE;
	} else if (memcmp(tag, want, BPF_TAG_SIZE)) {
		found(e, IG_TAMPER_PROG_CHANGED, IG_GUARD_LINK, guard_obj_id(bpf_link__fd(link)), name);
		*bad |= 1u << IG_TAMPER_PROG_CHANGED;
	}
}

void guard_check(struct enforcer *e)
{
	struct enforcer_bpf__bss bss;
	unsigned int bad = 0;
	char name[64];

	if (!e->guard || !e->handler)
		return;
	if (e->guard_checked.tv_sec && elapsed_ms(&e->guard_checked) < GUARD_CHECK_MS)
		return;
	clock_gettime(CLOCK_MONOTONIC, &e->guard_checked);
	if (e->tags_known) {
		for (int h = 0; h < IG_HOOK_MAX; h++)
			for (int st = 0; st < 3; st++) {
				snprintf(name, sizeof(name), "%s-%s", names_hook(h), stage_names[st]);
				check_link(e, e->links[h][st], e->tags[h][st], name, &bad);
			}
		for (int a = 0; a < AUX_MAX; a++)
			if (aux_used(e, a))
				check_link(e, e->aux_links[a], e->aux_tags[a], aux_names[a], &bad);
	}
	if (e->policy_slot >= 0 && !bss_read(e, &bss)) {
		__u32 slot = (__u32)e->policy_slot, ids[POLICY_MAPS] = { 0 };
		int changed = -1;

		for (int m = POLICY_MAPS - 1; m >= 0; m--) {
			bpf_map_lookup_elem(e->fds[policy_maps[m]], &slot, &ids[m]);
			if (ids[m] != e->policy_ids[m])
				changed = m;
		}
		if ((bss.ig_policy & 1) != slot)
			changed = PM_ALLOW; /* another slot in force: named by its list */
		if (changed >= 0) {
			found(e, IG_TAMPER_POLICY_CHANGED, IG_GUARD_MAP, ids[changed],
			      emap_names[policy_maps[changed]]);
			bad |= 1u << IG_TAMPER_POLICY_CHANGED;
		}
	}
	e->tamper_seen &= bad; /* mended kinds are reported again if they recur */
}
