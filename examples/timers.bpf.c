// SPDX-License-Identifier: GPL-2.0
/*
 * timers: count kernel timers started, by timer callback.
 *
 * Every call to the timer_start tracepoint adds 1 under the address of the
 * timer's callback function. The exporter turns the address into a symbol
 * name with the `ksym` decoder (see timers.yaml).
 *
 * Map key:   u64 timer->function address   (label `function`, size 8)
 * Map value: u64 count
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "ebpf_exporter.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, u64);
	__type(value, u64);
} timer_starts_total SEC(".maps");

/*
 * tp_btf gives typed, directly dereferenceable arguments. On 6.18 the
 * tracepoint is (struct timer_list *timer, unsigned long bucket_expiry);
 * only the first one is used here.
 */
SEC("tp_btf/timer_start")
int BPF_PROG(count_timer_start, struct timer_list *timer)
{
	u64 function = (u64)timer->function;

	ebpf_exporter_increment_map(&timer_starts_total, &function, 1);

	return 0;
}

char LICENSE[] SEC("license") = "GPL";
