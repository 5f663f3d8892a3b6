/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Code the kernel itself reads is judged like a program: a module, a kexec
 * image or initramfs, firmware, an IMA policy or a certificate.
 *
 *   kernel_read_file   the kernel reads a file (finit_module, kexec_file_load,
 *                      the firmware loader): it is measured (bpf_ima_file_hash:
 *                      the hook is sleepable on 6.1 and 6.12, and the kernel
 *                      holds write access off the file across the read) and
 *                      refused in enforce mode unless its digest is in the
 *                      allowlist in force, against path-free entries only
 *                      (closed: a path-bound entry does not allow it). A
 *                      compressed module (.ko.xz) read by the kernel itself
 *                      is measured as stored, compressed.
 *   kernel_load_data   the kernel is handed a buffer (init_module, kexec_load,
 *                      the firmware fallback): there is no file to measure,
 *                      so it is a hash error, refused in enforce mode (closed),
 *                      unless the operator allows that kind (ig_kbuf_allow).
 *
 * One event per read, hook "module" for a module, else "kernel_read", with
 * the kind in ig_event.prot (enum ig_kread). The event is built in the ring
 * buffer itself once the verdict is reached; with no room there the verdict
 * is the same and only the record is lost (counted).
 */
#ifndef IG_BPF_KMOD_H
#define IG_BPF_KMOD_H

/* Load-time knob: the kinds (1 << enum ig_kread) the operator lets the
 * kernel take from a buffer (`run --allow-kernel-buffer`): allowed by
 * rule, recorded. */
const volatile __u32 ig_kbuf_allow = 0;

static __always_inline __u32 kread_kind(__u32 id)
{
	if (id == bpf_core_enum_value(enum kernel_read_file_id, READING_MODULE))
		return IG_KREAD_MODULE;
	if (id == bpf_core_enum_value(enum kernel_read_file_id, READING_FIRMWARE))
		return IG_KREAD_FIRMWARE;
	if (id == bpf_core_enum_value(enum kernel_read_file_id, READING_KEXEC_IMAGE))
		return IG_KREAD_KEXEC_IMAGE;
	if (id == bpf_core_enum_value(enum kernel_read_file_id, READING_KEXEC_INITRAMFS))
		return IG_KREAD_KEXEC_INITRAMFS;
	if (id == bpf_core_enum_value(enum kernel_read_file_id, READING_POLICY))
		return IG_KREAD_POLICY;
	if (id == bpf_core_enum_value(enum kernel_read_file_id, READING_X509_CERTIFICATE))
		return IG_KREAD_X509;
	return IG_KREAD_OTHER;
}

static __always_inline __u32 kload_kind(__u32 id)
{
	if (id == bpf_core_enum_value(enum kernel_load_data_id, LOADING_MODULE))
		return IG_KREAD_MODULE;
	if (id == bpf_core_enum_value(enum kernel_load_data_id, LOADING_FIRMWARE))
		return IG_KREAD_FIRMWARE;
	if (id == bpf_core_enum_value(enum kernel_load_data_id, LOADING_KEXEC_IMAGE))
		return IG_KREAD_KEXEC_IMAGE;
	if (id == bpf_core_enum_value(enum kernel_load_data_id, LOADING_KEXEC_INITRAMFS))
		return IG_KREAD_KEXEC_INITRAMFS;
	if (id == bpf_core_enum_value(enum kernel_load_data_id, LOADING_POLICY))
		return IG_KREAD_POLICY;
	if (id == bpf_core_enum_value(enum kernel_load_data_id, LOADING_X509_CERTIFICATE))
		return IG_KREAD_X509;
	return IG_KREAD_OTHER;
}

/* The caller's identity into ev, whose header is zeroed. */
static __always_inline void kread_context(struct ig_event *ev, __u32 kind)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u64 uid_gid = bpf_get_current_uid_gid();

	ev->time_ns = bpf_ktime_get_boot_ns();
	ev->hook = kind == IG_KREAD_MODULE ? IG_HOOK_MODULE : IG_HOOK_KREAD;
	ev->prot = kind;
	ev->tid = (__u32)pid_tgid;
	ev->pid = pid_tgid >> 32;
	ev->uid = (__u32)uid_gid;
	ev->gid = uid_gid >> 32;
	ev->ppid = BPF_CORE_READ(task, real_parent, tgid);
	ev->cgroup_id = bpf_get_current_cgroup_id();
	ev->mnt_ns = BPF_CORE_READ(task, nsproxy, mnt_ns, ns.inum);
	ev->rule = -1;
	bpf_get_current_comm(ev->comm, sizeof(ev->comm));
}

/* The verdict on code the kernel reads or is handed, counted: 0, or
 * -EPERM in enforce mode for anything but an allowed reason. */
static __always_inline int kread_verdict(__u32 reason, struct ig_counters *c)
{
	if (reason == IG_REASON_ALLOWLISTED || reason == IG_REASON_RULE_ALLOW)
		return 0;
	if (ig_mode != IG_MODE_ENFORCE)
		return 0; /* monitor: recorded as would-deny */
	if (c && reason < IG_REASON_MAX)
		c->denies[reason]++;
	return -EPERM;
}

/* The decision into ev, once it has a record. */
static __always_inline void kread_decided(struct ig_event *ev, __u32 reason, int verdict)
{
	ev->reason = reason;
	if (verdict)
		ev->decision = IG_DENY;
	else if (reason != IG_REASON_ALLOWLISTED && reason != IG_REASON_RULE_ALLOW)
		ev->flags |= IG_F_WOULD_DENY;
	ev->stages = IG_STAGES_ALL;
}

/*
 * kernel_read_file: the file measured and looked up, decided, then
 * recorded: the record is taken from the ring only once the digest is
 * known (nothing held across the hash), and with no room there the verdict
 * stands and only the record is lost (counted). Sleepable.
 */
static __always_inline int kread_judge(struct file *file, __u32 kind)
{
	__u32 policy = *(volatile __u32 *)&ig_policy & 1;
	struct ig_counters *c = counters_get();
	struct ig_allow_key key = {};
	struct ig_event *ev;
	__u32 reason;
	__s32 err;
	void *list;
	long algo = -1, n;
	int verdict;

	err = content_error(file);
	if (!err) {
		algo = bpf_ima_file_hash(file, key.digest, IG_SHA256_LEN);
		if (c)
			c->hashes++;
		if (algo != (long)bpf_core_enum_value(enum hash_algo, HASH_ALGO_SHA256))
			err = algo < 0 ? algo : -EPROTONOSUPPORT;
	}
	if (err) {
		/* Fail closed: no digest to judge it by (refused in enforce mode). */
		reason = IG_REASON_HASH_ERROR;
		if (c)
			c->hash_errors++;
	} else {
		list = slot(&allowlist, policy);
		/* Fail closed: no allowlist allows nothing; only path-free
		 * entries count (the key's path fields stay zero). */
		reason = list && bpf_map_lookup_elem(list, &key) ? IG_REASON_ALLOWLISTED :
								   IG_REASON_NOT_ALLOWLISTED;
	}
	verdict = kread_verdict(reason, c);

	ev = bpf_ringbuf_reserve(&events, sizeof(*ev), 0);
	if (!ev) {
		if (c)
			c->lost++; /* the verdict stands; only its record is lost */
		return verdict;
	}
	__builtin_memset(ev, 0, IG_EVENT_HDR_LEN);
	kread_context(ev, kind);
	kread_decided(ev, reason, verdict);
	ev->dev = BPF_CORE_READ(file, f_inode, i_sb, s_dev);
	ev->ino = BPF_CORE_READ(file, f_inode, i_ino);
	ev->hash_error = err;
	ev->hash_algo = algo;
	if (!err) {
		ev->flags |= IG_F_HASHED;
		__builtin_memcpy(ev->digest, key.digest, IG_SHA256_LEN);
	}
	n = bpf_d_path(&file->f_path, ev->path, IG_PATH_MAX);
	if (n <= 0 || n > IG_PATH_MAX) {
		ev->flags |= IG_F_PATH_ERR; /* recorded without it; the digest decided */
		ev->path[0] = '\0';
		ev->path_len = 1;
	} else {
		ev->path_len = n;
	}
	bpf_ringbuf_submit(ev, verdict ? BPF_RB_FORCE_WAKEUP : 0);
	if (c)
		c->events++;
	return verdict;
}

/* kernel_load_data: no file; refused in enforce mode unless the operator
 * allows that kind from a buffer. */
static __always_inline int kload_judge(__u32 kind)
{
	struct ig_counters *c = counters_get();
	struct ig_event *ev;
	__u32 reason = IG_REASON_HASH_ERROR;
	int verdict;

	if (kind < 32 && (ig_kbuf_allow & (1u << kind)))
		reason = IG_REASON_RULE_ALLOW; /* the operator allows this kind: recorded */
	else if (c)
		c->hash_errors++;
	/* Otherwise fail closed: nothing to measure (refused in enforce mode). */
	verdict = kread_verdict(reason, c);
	ev = bpf_ringbuf_reserve(&events, IG_EVENT_HDR_LEN + 8, 0);
	if (!ev) {
		if (c)
			c->lost++;
		return verdict;
	}
	__builtin_memset(ev, 0, IG_EVENT_HDR_LEN);
	kread_context(ev, kind);
	kread_decided(ev, reason, verdict);
	if (reason == IG_REASON_RULE_ALLOW)
		ev->action = IG_ACT_ALLOW;
	else
		ev->hash_error = IG_ERR_NO_FILE;
	ev->flags |= IG_F_PATH_ERR;
	ev->path_len = 1;
	ev->path[0] = '\0';
	bpf_ringbuf_submit(ev, verdict ? BPF_RB_FORCE_WAKEUP : 0);
	if (c)
		c->events++;
	return verdict;
}

#endif
