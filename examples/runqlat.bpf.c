// SPDX-License-Identifier: GPL-2.0
/*
 * runqlat: how long do runnable tasks wait for a CPU (run-queue latency)?
 *
 * A task becomes runnable when it is woken up (sched_wakeup), when it is
 * created (sched_wakeup_new), or when it is switched out while still
 * runnable: sched_switch with preempt set, or with prev_state ==
 * TASK_RUNNING. (When preempt is set, prev_state may still hold the sleep
 * state the task was about to enter, yet the task stays runnable.) The time
 * it becomes runnable is remembered per thread id; when sched_switch later
 * puts that thread on a CPU, the wait in microseconds goes into one exp2
 * histogram for the whole machine.
 *
 * tp_btf arguments on 6.18 (vmlinux.h, btf_trace_* typedefs):
 *   sched_wakeup     (struct task_struct *p)
 *   sched_wakeup_new (struct task_struct *p)
 *   sched_switch     (bool preempt, struct task_struct *prev,
 *                     struct task_struct *next, unsigned int prev_state)
 * tp_btf arguments are BTF-typed, so p->pid is read directly.
 *
 * Histogram key, 4 bytes:
 *   offset 0  u32 bucket   label `bucket` size 4, decoder uint
 * (ARRAY map: buckets 0..26 plus the sum key 27 always exist.)
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "ebpf_exporter.h"

/* bucket_max in runqlat.yaml: 2^26 us = 67 s */
#define MAX_LATENCY_BUCKET 26

/* TASK_RUNNING is a #define in the kernel, so it is not in BTF */
#define TASK_RUNNING 0

/* thread id -> time it became runnable (ns) */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 10240);
	__type(key, u32);
	__type(value, u64);
} runnable_since SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MAX_LATENCY_BUCKET + 2);
	__type(key, u32);
	__type(value, u64);
} run_queue_latency_seconds SEC(".maps");

static __always_inline void mark_runnable(struct task_struct *p)
{
	u32 pid = p->pid;
	u64 now;

	/* pid 0 is the per-CPU idle task: it never waits in a run queue */
	if (!pid)
		return;

	now = bpf_ktime_get_ns();
	bpf_map_update_elem(&runnable_since, &pid, &now, BPF_ANY);
}

SEC("tp_btf/sched_wakeup")
int BPF_PROG(runqlat_wakeup, struct task_struct *p)
{
	mark_runnable(p);
	return 0;
}

SEC("tp_btf/sched_wakeup_new")
int BPF_PROG(runqlat_wakeup_new, struct task_struct *p)
{
	mark_runnable(p);
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(runqlat_switch, bool preempt, struct task_struct *prev, struct task_struct *next,
	     unsigned int prev_state)
{
	u32 bucket = 0;
	u32 pid;
	u64 *since, now, delta_us;

	/* still runnable: it goes back into the run queue now */
	if (preempt || prev_state == TASK_RUNNING)
		mark_runnable(prev);

	pid = next->pid;
	since = bpf_map_lookup_elem(&runnable_since, &pid);
	if (!since)
		return 0;

	now = bpf_ktime_get_ns();
	delta_us = now > *since ? (now - *since) / 1000 : 0;
	bpf_map_delete_elem(&runnable_since, &pid);

	ebpf_exporter_exp2_histogram(&run_queue_latency_seconds, &bucket, &bucket, delta_us,
				     MAX_LATENCY_BUCKET);

	return 0;
}

char LICENSE[] SEC("license") = "GPL";
