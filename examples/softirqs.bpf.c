// SPDX-License-Identifier: GPL-2.0
/*
 * softirqs: how many softirqs of each kind run, and how long does each take?
 *
 * softirq_entry and softirq_exit bracket one softirq handler run on a CPU,
 * with the softirq's vector number (enum { HI_SOFTIRQ = 0, TIMER_SOFTIRQ,
 * NET_TX_SOFTIRQ, NET_RX_SOFTIRQ, BLOCK_SOFTIRQ, IRQ_POLL_SOFTIRQ,
 * TASKLET_SOFTIRQ, SCHED_SOFTIRQ, HRTIMER_SOFTIRQ, RCU_SOFTIRQ } in 6.18).
 * Entry counts the run and stamps the time in this CPU's slot; exit turns
 * the elapsed time into a histogram observation. Softirqs never nest on one
 * CPU (a hardirq arriving meanwhile defers new softirqs until this one is
 * done), so one slot per CPU and vector is enough. The exporter maps vector
 * numbers to names with a static_map (see softirqs.yaml).
 *
 * tp_btf arguments on 6.18 (vmlinux.h, btf_trace_softirq_*):
 *   softirq_entry (unsigned int vec_nr)
 *   softirq_exit  (unsigned int vec_nr)
 *
 * Counter softirqs_total, PERCPU_ARRAY (no atomics; the exporter sums CPUs):
 *   key u32 vec_nr   (label `kind`, size 4, decoders uint + static_map)
 *
 * Histogram softirq_latency_seconds, `linear` buckets of 1 us from 0 to
 * 100 us (bucket_multiplier 1e-6), key 8 bytes:
 *   offset 0  u32 vec_nr   label `kind`   size 4, decoders uint + static_map
 *   offset 4  u32 bucket   label `bucket` size 4, decoder uint
 * A run of d ns goes into bucket ceil(d / 1000), the first one whose bound
 * (bucket * 1 us) is >= d, clamped to 100; key 101 accumulates the durations
 * in microseconds (rounded to the nearest one) for the histogram's _sum.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "ebpf_exporter.h"

/* bucket_max in softirqs.yaml: linear buckets 0..100 us */
#define MAX_LATENCY_BUCKET 100

struct softirq_latency_key {
	u32 vec_nr;
	u32 bucket;
};

/* per CPU and vector: when the running softirq started (ns) */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, NR_SOFTIRQS);
	__type(key, u32);
	__type(value, u64);
} softirq_start SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, NR_SOFTIRQS);
	__type(key, u32);
	__type(value, u64);
} softirqs_total SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, NR_SOFTIRQS * (MAX_LATENCY_BUCKET + 2));
	__type(key, struct softirq_latency_key);
	__type(value, u64);
} softirq_latency_seconds SEC(".maps");

SEC("tp_btf/softirq_entry")
int BPF_PROG(softirq_entry, unsigned int vec_nr)
{
	u32 key = vec_nr;
	u64 *count, *start;

	count = bpf_map_lookup_elem(&softirqs_total, &key);
	if (count)
		*count += 1;

	start = bpf_map_lookup_elem(&softirq_start, &key);
	if (start)
		*start = bpf_ktime_get_ns();

	return 0;
}

SEC("tp_btf/softirq_exit")
int BPF_PROG(softirq_exit, unsigned int vec_nr)
{
	struct softirq_latency_key key = {};
	u64 *start, now, delta_ns, bucket;

	key.vec_nr = vec_nr;
	start = bpf_map_lookup_elem(&softirq_start, &key.vec_nr);
	/* 0: attached while this softirq was already running */
	if (!start || !*start)
		return 0;

	now = bpf_ktime_get_ns();
	delta_ns = now > *start ? now - *start : 0;
	*start = 0;

	bucket = (delta_ns + 999) / 1000;
	if (bucket > MAX_LATENCY_BUCKET)
		bucket = MAX_LATENCY_BUCKET;

	key.bucket = bucket;
	ebpf_exporter_increment_map(&softirq_latency_seconds, &key, 1);

	key.bucket = MAX_LATENCY_BUCKET + 1;
	ebpf_exporter_increment_map(&softirq_latency_seconds, &key, (delta_ns + 500) / 1000);

	return 0;
}

char LICENSE[] SEC("license") = "GPL";
