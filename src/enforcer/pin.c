// SPDX-License-Identifier: GPL-2.0-only
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "enforcer/priv.h"
#include "util/log.h"
#include "util/names.h"

static const char *const stage_names[3] = { "filter", "measure", "emit" };

static int pin_path(char *buf, size_t len, const char *dir, const char *kind, const char *a,
		    const char *b)
{
	int n = snprintf(buf, len, "%s/%s-%s%s%s", dir, kind, a, b ? "-" : "", b ? b : "");

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int enforcer_pin(struct enforcer *e, const char *dir)
{
	char path[4096];
	int err;

	if (e->adopted)
		return 0; /* already pinned where it was found */
	if (mkdir(dir, 0700) && errno != EEXIST) {
		err = -errno;
		pr_err("cannot create the pin directory '%s': %s", dir, strerror(-err));
		return err;
	}
	for (int m = 0; m < EM_MAX; m++) {
		err = pin_path(path, sizeof(path), dir, "map", emap_names[m], NULL);
		if (!err && bpf_obj_pin(e->fds[m], path))
			err = -errno;
		if (err)
			goto fail;
	}
	for (int h = 0; h < IG_HOOK_MAX; h++)
		for (int st = 0; st < 3; st++) {
			err = pin_path(path, sizeof(path), dir, "link", names_hook(h),
				       stage_names[st]);
			if (!err)
				err = bpf_link__pin(e->links[h][st], path);
			if (err)
				goto fail;
		}
	for (int a = 0; a < AUX_MAX; a++) {
		if (!aux_used(e, a))
			continue;
		err = pin_path(path, sizeof(path), dir, "link", aux_names[a], NULL);
		if (!err)
			err = bpf_link__pin(e->aux_links[a], path);
		if (err)
			goto fail;
	}
	/* From here on the pins are this daemon's alone (bpf/tamper.bpf.h). */
	err = guard_add_pins(e, dir);
	if (err) {
		enforcer_unpin(dir);
		return err;
	}
	return 0;
fail:
	pr_err("cannot pin '%s': %s (is bpffs mounted on its parent?)", path, strerror(-err));
	enforcer_unpin(dir);
	return err;
}

int enforcer_unpin(const char *dir)
{
	char path[4096];
	int found = 0;

	for (int m = 0; m < EM_MAX; m++)
		if (!pin_path(path, sizeof(path), dir, "map", emap_names[m], NULL) && !unlink(path))
			found++;
	for (int h = 0; h < IG_HOOK_MAX; h++)
		for (int st = 0; st < 3; st++)
			if (!pin_path(path, sizeof(path), dir, "link", names_hook(h),
				      stage_names[st]) &&
			    !unlink(path))
				found++;
	for (int a = 0; a < AUX_MAX; a++)
		if (!pin_path(path, sizeof(path), dir, "link", aux_names[a], NULL) && !unlink(path))
			found++;
	rmdir(dir);
	return found;
}

/* A pinned map, read-only: what the guard lets anyone but the daemon have. */
static int map_get_readonly(const char *path)
{
	LIBBPF_OPTS(bpf_obj_get_opts, ro, .file_flags = BPF_F_RDONLY);

	return bpf_obj_get_opts(path, &ro);
}

/*
 * A process, other than this one and except, with the event map of the
 * chain pinned at dir open: a daemon driving it, which unpinning would not
 * stop. Its pid, 0 for none (or nothing pinned), -errno when it cannot be
 * told. The map, read-only: the links' pins are the daemon's alone.
 */
static pid_t pin_holder(const char *dir, pid_t except)
{
	char path[4096], line[128];
	pid_t holder = 0;
	struct dirent *p, *f;
	DIR *procs, *fds;
	__u32 id;
	int fd;

	if (pin_path(path, sizeof(path), dir, "map", emap_names[EM_EVENTS], NULL))
		return 0;
	fd = map_get_readonly(path);
	if (fd < 0)
		return 0; /* nothing pinned there: nobody can hold it */
	id = guard_obj_id(fd);
	close(fd);
	if (!id)
		return -EIO;
	procs = opendir("/proc");
	if (!procs)
		return -errno;
	while (!holder && (p = readdir(procs))) {
		pid_t pid = (pid_t)atoi(p->d_name);

		if (pid <= 0 || pid == getpid() || pid == except)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/fdinfo", pid);
		fds = opendir(path);
		if (!fds)
			continue; /* gone, or not ours to read */
		while (!holder && (f = readdir(fds))) {
			FILE *in;

			if (f->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "/proc/%d/fdinfo/%s", pid, f->d_name);
			in = fopen(path, "re");
			if (!in)
				continue;
			while (fgets(line, sizeof(line), in))
				if (!strncmp(line, "map_id:", 7) &&
				    strtoul(line + 7, NULL, 10) == id) {
					holder = pid;
					break;
				}
			fclose(in);
		}
		closedir(fds);
	}
	closedir(procs);
	return holder;
}

int enforcer_unpin_unheld(const char *dir, pid_t except)
{
	pid_t holder = pin_holder(dir, except);

	/* Removing the pins of a chain a daemon drives would not detach it:
	 * it would only end its enforcement once that daemon stops. */
	if (holder > 0) {
		pr_err("the chain pinned at '%s' is held by process %d (a daemon of another "
		       "--state-dir?): stop that one; nothing removed", dir, holder);
		return -EBUSY;
	}
	if (holder < 0)
		pr_warn("cannot tell whether another process holds the chain pinned at '%s': %s",
			dir, strerror(-holder));
	return enforcer_unpin(dir);
}

/* A map's value size, 0 when it cannot be told. */
static __u32 value_size(int fd)
{
	struct bpf_map_info info;
	__u32 len = sizeof(info);

	memset(&info, 0, sizeof(info));
	return bpf_obj_get_info_by_fd(fd, &info, &len) ? 0 : info.value_size;
}

/* A global data section's map holds the section's bytes, which end at its
 * last variable; the skeleton's struct of it may add tail padding (a u32
 * after a u64). The same layout when the size rounds up to the struct's. */
static bool section_fits(__u32 value_size, size_t struct_size, size_t align)
{
	return value_size && (value_size + align - 1) / align * align == struct_size;
}

static int adopt(struct enforcer **out, const char *dir, bool readonly)
{
	struct enforcer_bpf__rodata ro = {};
	struct enforcer *e;
	char path[4096];
	__u32 zero = 0;
	bool same;
	int err = 0;

	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->adopted = true;
	e->policy_slot = -1;
	/* A daemon's first writable fd makes it the chain's daemon, once the
	 * one before is gone (bpf/tamper.bpf.h); status only reads. */
	e->guard = !readonly;
	for (int m = 0; m < EM_MAX; m++) {
		err = pin_path(path, sizeof(path), dir, "map", emap_names[m], NULL);
		if (!err && (e->fds[m] = readonly ? map_get_readonly(path) : bpf_obj_get(path)) < 0)
			err = -errno;
		if (err)
			goto fail;
	}
	/* Before the links, whose set may differ too. Globals are written
	 * whole at this build's offsets, and the programs must be this
	 * build's: a chain loaded by another is not taken over. */
	same = section_fits(value_size(e->fds[EM_BSS]), sizeof(struct enforcer_bpf__bss),
			    __alignof__(struct enforcer_bpf__bss)) &&
	       section_fits(value_size(e->fds[EM_RODATA]), sizeof(ro), __alignof__(ro));
	if (same && bpf_map_lookup_elem(e->fds[EM_RODATA], &zero, &ro)) {
		err = -errno;
		goto fail;
	}
	if (!same || ro.ig_chain_version != IG_CHAIN_VERSION) {
		pr_err("the chain pinned at '%s' was loaded by another build of imaguard: "
		       "'imaguard stop --pin-dir %s' first", dir, dir);
		err = -ESTALE;
		goto fail;
	}
	e->mode = ro.ig_mode;
	e->trust_fs = ro.ig_trust_fs;
	e->kbuf_allow = ro.ig_kbuf_allow;
	e->names_heartbeat = ro.ig_names_heartbeat;
	/* As enforcer_open chose them on this kernel (only igtest forces file_open). */
	enforcer_kernel_hooks(&e->script_post_open, &e->lw_release);
	e->hash_seed = ro.ig_hash_seed;
	if (readonly) {
		*out = e;
		return 0;
	}
	for (int h = 0; h < IG_HOOK_MAX; h++)
		for (int st = 0; st < 3; st++) {
			err = pin_path(path, sizeof(path), dir, "link", names_hook(h),
				       stage_names[st]);
			if (!err && !(e->links[h][st] = bpf_link__open(path)))
				err = -errno;
			if (err)
				goto fail;
		}
	for (int a = 0; a < AUX_MAX; a++) {
		if (!aux_used(e, a))
			continue;
		err = pin_path(path, sizeof(path), dir, "link", aux_names[a], NULL);
		if (!err && !(e->aux_links[a] = bpf_link__open(path)))
			err = -errno;
		if (err)
			goto fail;
	}
	err = guard_adopt_tags(e, dir);
	if (!err)
		err = maps_interp_ids_recover(e);
	if (err)
		goto fail;
	e->rb = ring_buffer__new(e->fds[EM_EVENTS], enforcer_on_ringbuf, e, NULL);
	if (!e->rb) {
		err = -errno;
		goto fail;
	}
	*out = e;
	return 0;
fail:
	/* Nothing was detached: the pinned chain goes on enforcing. */
	if (err == -EPERM)
		pr_err("the chain pinned at '%s' refuses this process: its daemon still runs, "
		       "or it was loaded by another imaguard executable (an upgrade: stop it "
		       "with the old one, or reboot)", dir);
	else
		pr_debug("cannot adopt '%s': %s", path, strerror(-err));
	enforcer_free(e);
	return err;
}

int enforcer_adopt(struct enforcer **out, const char *dir)
{
	return adopt(out, dir, false);
}

int enforcer_adopt_readonly(struct enforcer **out, const char *dir)
{
	return adopt(out, dir, true);
}

bool enforcer_adopted(const struct enforcer *e)
{
	return e->adopted;
}
