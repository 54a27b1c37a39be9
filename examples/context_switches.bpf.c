// SPDX-License-Identifier: GPL-2.0
/*
 * context_switches: how many context switches does each CPU do?
 *
 * Every sched_switch (a CPU stops running one task and starts another,
 * including switches to and from the idle task) adds 1 to a per-CPU counter.
 * The map is a PERCPU_ARRAY with a single slot, so there is no contention
 * between CPUs; the exporter reads one value per CPU and, because the only
 * label is named `cpu`, exports one series per CPU (see
 * context_switches.yaml).
 *
 * tp_btf arguments on 6.18 (vmlinux.h, btf_trace_sched_switch):
 *   sched_switch (bool preempt, struct task_struct *prev,
 *                 struct task_struct *next, unsigned int prev_state)
 * None of them is needed to count.
 *
 * Map key:   u32 0 (the only slot)   (label `cpu`, size 2, uint: the CPU
 *            index of each per-CPU value, not bytes of the key)
 * Map value: u64 count, one per possible CPU
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, u64);
} context_switches_total SEC(".maps");

SEC("tp_btf/sched_switch")
int BPF_PROG(count_context_switch)
{
	u32 zero = 0;
	u64 *count = bpf_map_lookup_elem(&context_switches_total, &zero);

	/* this CPU's own copy: a plain add, nothing else writes it */
	if (count)
		*count += 1;

	return 0;
}

char LICENSE[] SEC("license") = "GPL";
