/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Lock-free reads of fields a bpf_spin_lock guards, for the hottest checks
 * (an unwatched open, a repeated map): a count beside them, made odd
 * before and even after each write, under the lock as before; or, for a
 * per-CPU value with no lock (the script filter's memo), by the one writer
 * that claimed the odd count (seq_claim). A reader that finds it even and
 * unchanged around its loads read one write's whole result; any other
 * reading is a miss, which takes the slow path (fails safe: only slower).
 * Every write of the fields counts, or a reader may mix two writes.
 *
 * Order: x86 keeps loads in order with loads and stores with stores, so
 * the compiler's barriers around the count are all it takes. The object is
 * built for x86 alone; another architecture would need the count read and
 * written with fully ordered atomics (or 6.15's acquire loads and release
 * stores) instead.
 *
 * Included by bpf/enforcer.bpf.c alone.
 */
#ifndef IG_BPF_SEQCOUNT_H
#define IG_BPF_SEQCOUNT_H

#ifndef __TARGET_ARCH_x86
#error "seqcount.bpf.h: lock-free reads rely on x86's load and store order"
#endif

/* Writers: under the lock that guards the fields. */
static __always_inline void seq_write_begin(__u32 *seq)
{
	*(volatile __u32 *)seq = *seq + 1;
	barrier();
}

static __always_inline void seq_write_end(__u32 *seq)
{
	barrier();
	*(volatile __u32 *)seq = *seq + 1;
}

/* Writers with no lock, of a value of one CPU's that only preemption
 * shares (a per-CPU map's): the count is claimed odd with one
 * compare-and-swap (64 bits wide: this object's atomics have no other
 * width), and a claim lost to a task preempted in its own write is no
 * write at all. */
static __always_inline bool seq_claim(__u64 *seq)
{
	__u64 s = *(volatile __u64 *)seq;

	if ((s & 1) || __sync_val_compare_and_swap(seq, s, s + 1) != s)
		return false;
	barrier();
	return true;
}

static __always_inline void seq_release(__u64 *seq)
{
	barrier();
	*(volatile __u64 *)seq = *seq + 1;
}

/* Readers: no lock. The loads between these two are of one write's result
 * only if seq_read_valid is true. For a count of either width. */
#define seq_read_begin(seq)                                                    \
	({                                                                     \
		__typeof__(*(seq)) __s = *(volatile __typeof__(*(seq)) *)(seq); \
		barrier();                                                     \
		__s;                                                           \
	})

#define seq_read_valid(seq, s)                                                 \
	({                                                                     \
		barrier();                                                     \
		!((s) & 1) && *(volatile __typeof__(*(seq)) *)(seq) == (s);    \
	})

#endif
