// SPDX-License-Identifier: GPL-2.0
/*
 * percpu_softirqs: on which CPU does each kind of softirq run, and how
 * often?
 *
 * softirq_entry fires once per softirq handler run, on the CPU that runs
 * it. The count goes into a PERCPU_HASH keyed by the softirq's vector
 * number, so each CPU updates its own copy of the value without atomics.
 * In percpu_softirqs.yaml the key's only label, `kind`, is followed by a
 * trailing label named `cpu`: instead of summing the per-CPU values, the
 * exporter then exports one series per kind and CPU (the `cpu` label is
 * the index of the value, not bytes of the key). Only kinds that ran at
 * least once appear (a hash map, not an array).
 *
 * tp_btf arguments on 6.18 (vmlinux.h, btf_trace_softirq_entry):
 *   softirq_entry (unsigned int vec_nr)
 * with vec_nr from enum { HI_SOFTIRQ = 0, TIMER_SOFTIRQ, NET_TX_SOFTIRQ,
 * NET_RX_SOFTIRQ, BLOCK_SOFTIRQ, IRQ_POLL_SOFTIRQ, TASKLET_SOFTIRQ,
 * SCHED_SOFTIRQ, HRTIMER_SOFTIRQ, RCU_SOFTIRQ }.
 *
 * Map key:   u32 vec_nr   (label `kind`, size 4, decoders uint + static_map)
 *            then label `cpu` (size 2, uint): the per-CPU value's index
 * Map value: u64 count, one per possible CPU
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "ebpf_exporter.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, NR_SOFTIRQS);
	__type(key, u32);
	__type(value, u64);
} percpu_softirqs_total SEC(".maps");

SEC("tp_btf/softirq_entry")
int BPF_PROG(count_percpu_softirq, unsigned int vec_nr)
{
	u32 key = vec_nr;

	/* creates the key on first use; on a per-CPU map it adds to this CPU's value */
	ebpf_exporter_increment_map(&percpu_softirqs_total, &key, 1);

	return 0;
}

char LICENSE[] SEC("license") = "GPL";
