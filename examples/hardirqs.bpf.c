// SPDX-License-Identifier: GPL-2.0
/*
 * hardirqs: which hardware interrupt handlers run, how often, and for how
 * long?
 *
 * irq_handler_entry and irq_handler_exit bracket one run of one handler
 * (struct irqaction) of a device interrupt. The handler's name is the one
 * /proc/interrupts shows in its last column (e.g. "virtio1-req.0", "ttyS0"),
 * copied into the key as a NUL-padded string. Entry counts the run and
 * stamps the time in this CPU's slot; exit files the elapsed time into a
 * histogram with fixed buckets. Handlers run with interrupts disabled, so
 * they do not nest on a CPU and one slot per CPU is enough. CPU-local
 * vectors (the local timer, IPIs: LOC, RES, CAL ... in /proc/interrupts)
 * have no irqaction and do not pass through these tracepoints.
 *
 * tp_btf arguments on 6.18 (vmlinux.h, btf_trace_irq_handler_*):
 *   irq_handler_entry (int irq, struct irqaction *action)
 *   irq_handler_exit  (int irq, struct irqaction *action, int ret)
 * action->name is a `const char *` read with bpf_probe_read_kernel_str.
 *
 * Counter hardirqs_total, key 32 bytes:
 *   offset 0   char name[32]   label `irq` size 32, decoder string
 *
 * Histogram hardirq_latency_seconds, `fixed` buckets (microseconds: 1, 2,
 * 5, 10, 20, 50, 100, 200, 500, 1000; bucket_multiplier 1e-6), key 34 bytes
 * (alignment 2, no padding):
 *   offset 0   char name[32]   label `irq`    size 32, decoder string
 *   offset 32  u16 bucket      label `bucket` size 2,  decoder uint
 * A run of d ns is filed under the first bucket key k with d <= k * 1000
 * (clamped to 1000); key 1001 (last key + 1) accumulates the durations in
 * microseconds, rounded to the nearest one, for the histogram's _sum.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "ebpf_exporter.h"

#define NAME_LEN 32

/* bucket_keys in hardirqs.yaml, in microseconds; the sum key is 1000 + 1 */
static const u16 bucket_keys[] = { 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000 };
#define NR_BUCKETS (sizeof(bucket_keys) / sizeof(bucket_keys[0]))
#define SUM_KEY 1001

struct hardirq_key {
	char name[NAME_LEN];
};

struct hardirq_latency_key {
	char name[NAME_LEN];
	u16 bucket;
};

/* per CPU: when the running handler started (ns) */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, u64);
} hardirq_start SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct hardirq_key);
	__type(value, u64);
} hardirqs_total SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024 * (NR_BUCKETS + 1));
	__type(key, struct hardirq_latency_key);
	__type(value, u64);
} hardirq_latency_seconds SEC(".maps");

SEC("tp_btf/irq_handler_entry")
int BPF_PROG(hardirq_entry, int irq, struct irqaction *action)
{
	struct hardirq_key key = {};
	u32 zero = 0;
	u64 *start;

	bpf_probe_read_kernel_str(key.name, sizeof(key.name), action->name);
	ebpf_exporter_increment_map(&hardirqs_total, &key, 1);

	start = bpf_map_lookup_elem(&hardirq_start, &zero);
	if (start)
		*start = bpf_ktime_get_ns();

	return 0;
}

SEC("tp_btf/irq_handler_exit")
int BPF_PROG(hardirq_exit, int irq, struct irqaction *action, int ret)
{
	struct hardirq_latency_key key = {};
	u32 zero = 0, i;
	u64 *start, now, delta_ns;

	start = bpf_map_lookup_elem(&hardirq_start, &zero);
	/* 0: attached while this handler was already running */
	if (!start || !*start)
		return 0;

	now = bpf_ktime_get_ns();
	delta_ns = now > *start ? now - *start : 0;
	*start = 0;

	bpf_probe_read_kernel_str(key.name, sizeof(key.name), action->name);

	key.bucket = bucket_keys[NR_BUCKETS - 1];
	for (i = 0; i < NR_BUCKETS; i++) {
		if (delta_ns <= (u64)bucket_keys[i] * 1000) {
			key.bucket = bucket_keys[i];
			break;
		}
	}
	ebpf_exporter_increment_map(&hardirq_latency_seconds, &key, 1);

	key.bucket = SUM_KEY;
	ebpf_exporter_increment_map(&hardirq_latency_seconds, &key, (delta_ns + 500) / 1000);

	return 0;
}

char LICENSE[] SEC("license") = "GPL";
