// SPDX-License-Identifier: GPL-2.0
/*
 * task_block_time: how long do tasks stay blocked (asleep) before something
 * wakes them, per command and kind of sleep?
 *
 * When sched_switch takes a task off a CPU because it blocks (preempt is
 * false and prev_state is a sleep state), the time and the kind of sleep
 * are remembered per thread id. When sched_wakeup wakes that thread, the
 * time it was blocked, in microseconds, goes into an `exp2zero` histogram
 * under its command name and sleep kind. The time until it then gets a CPU
 * is run-queue latency (see runqlat), not counted here.
 *
 * Sleep kinds, from prev_state (include/linux/sched.h bits):
 *   1 interruptible     TASK_INTERRUPTIBLE (0x1): ps state S
 *   2 uninterruptible   TASK_UNINTERRUPTIBLE (0x2) without TASK_NOLOAD:
 *                       ps state D (includes TASK_KILLABLE)
 *   3 idle              TASK_UNINTERRUPTIBLE | TASK_NOLOAD (0x402): ps
 *                       state I, idle kernel threads
 * Other states (stopped, traced, parked, dead) are not recorded.
 *
 * tp_btf arguments on 6.18 (vmlinux.h, btf_trace_* typedefs):
 *   sched_switch (bool preempt, struct task_struct *prev,
 *                 struct task_struct *next, unsigned int prev_state)
 *   sched_wakeup (struct task_struct *p)
 * With preempt set, prev_state may hold a sleep state the task had not
 * entered yet: it stays runnable, so only !preempt switches count.
 *
 * exp2zero buckets (bucket_multiplier 1e-6): key 0 holds blocks shorter
 * than 1 us (bound 0), key k >= 1 holds (2^(k-2), 2^(k-1)] us (bound
 * 2^(k-1) us), up to key 32 (2^31 us, about 36 minutes), which also takes
 * longer blocks; key 33 accumulates the microseconds for _sum.
 *
 * Histogram key, 18 bytes (all u8 and char: alignment 1, no padding):
 *   offset 0   char comm[16]  label `comm`   size 16, decoder string
 *   offset 16  u8 state       label `state`  size 1, decoders uint + static_map
 *   offset 17  u8 bucket      label `bucket` size 1, decoder uint
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "ebpf_exporter.h"

/* bucket_max in task_block_time.yaml */
#define MAX_BLOCK_BUCKET 32

/* task state bits are #defines, so they are not in BTF */
#define TASK_INTERRUPTIBLE 0x0001
#define TASK_UNINTERRUPTIBLE 0x0002
#define TASK_NOLOAD 0x0400

enum block_kind {
	BLOCK_INTERRUPTIBLE = 1,
	BLOCK_UNINTERRUPTIBLE = 2,
	BLOCK_IDLE = 3,
};

struct blocked {
	u64 since;
	u8 kind;
};

struct task_block_key {
	char comm[TASK_COMM_LEN];
	u8 state;
	u8 bucket;
};

/* thread id -> when and how it blocked */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, u32);
	__type(value, struct blocked);
} blocked_tasks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct task_block_key);
	__type(value, u64);
} task_blocked_seconds SEC(".maps");

/* exp2zero: 0 -> 0, 1 -> 1, 2 -> 2, 3..4 -> 3, 5..8 -> 4, ... */
static __always_inline u64 exp2zero_bucket(u64 v)
{
	if (v == 0)
		return 0;

	return ebpf_exporter_exp2_bucket(v) + 1;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(block_switch, bool preempt, struct task_struct *prev, struct task_struct *next,
	     unsigned int prev_state)
{
	struct blocked entry = {};
	u32 pid = prev->pid;

	if (preempt || !pid)
		return 0;

	if ((prev_state & (TASK_UNINTERRUPTIBLE | TASK_NOLOAD)) ==
	    (TASK_UNINTERRUPTIBLE | TASK_NOLOAD))
		entry.kind = BLOCK_IDLE;
	else if (prev_state & TASK_UNINTERRUPTIBLE)
		entry.kind = BLOCK_UNINTERRUPTIBLE;
	else if (prev_state & TASK_INTERRUPTIBLE)
		entry.kind = BLOCK_INTERRUPTIBLE;
	else
		return 0;

	entry.since = bpf_ktime_get_ns();
	bpf_map_update_elem(&blocked_tasks, &pid, &entry, BPF_ANY);

	return 0;
}

SEC("tp_btf/sched_wakeup")
int BPF_PROG(block_wakeup, struct task_struct *p)
{
	struct task_block_key key = {};
	struct blocked *entry;
	u64 now, delta_us, bucket;
	u32 pid = p->pid;

	entry = bpf_map_lookup_elem(&blocked_tasks, &pid);
	if (!entry)
		return 0;

	now = bpf_ktime_get_ns();
	delta_us = now > entry->since ? (now - entry->since) / 1000 : 0;
	key.state = entry->kind;
	bpf_map_delete_elem(&blocked_tasks, &pid);

	bpf_probe_read_kernel(key.comm, sizeof(key.comm), p->comm);

	bucket = exp2zero_bucket(delta_us);
	if (bucket > MAX_BLOCK_BUCKET)
		bucket = MAX_BLOCK_BUCKET;

	key.bucket = bucket;
	ebpf_exporter_increment_map(&task_blocked_seconds, &key, 1);

	key.bucket = MAX_BLOCK_BUCKET + 1;
	ebpf_exporter_increment_map(&task_blocked_seconds, &key, delta_us);

	return 0;
}

char LICENSE[] SEC("license") = "GPL";
