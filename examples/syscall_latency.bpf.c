// SPDX-License-Identifier: GPL-2.0
/*
 * syscall_latency: how long system calls take, per syscall.
 *
 * sys_enter stores the time per thread; sys_exit of the same thread takes
 * the difference and records it, in microseconds, in an exp2zero histogram
 * keyed by the syscall number (decoded with `uint` + `syscall`).
 *
 * exp2zero rather than exp2: most system calls finish in well under a
 * microsecond, and exp2zero keeps those in a bucket of their own (le="0",
 * i.e. "0 whole microseconds") instead of mixing them with 1 us calls.
 * Bucket layout (bucket_multiplier 0.000001, so bounds are in seconds):
 *   key 0       latency 0 us                 le = 0
 *   key i >= 1  latency in (2^(i-2), 2^(i-1)] us   le = 2^(i-1) us
 *   key 27      everything above 2^25 us     le = 67.108864 s (clamped)
 *   key 28      sum of all latencies in us   (the exporter's _sum)
 *
 * Hooks: raw_tp/sys_enter (struct pt_regs *regs, long id) and
 * raw_tp/sys_exit (struct pt_regs *regs, long ret) on 6.18. Only the
 * syscall number at entry is needed; it is stored with the start time, so
 * the exit side needs no register reads. Calls that never return (exit,
 * exit_group) leave a stale entry that the next call of the same thread id
 * overwrites; the start map is an LRU hash so threads that vanish cannot
 * fill it. Calls already running when the exporter attached are skipped.
 *
 * Map syscall_latency_seconds, key 8 bytes:
 *   offset 0  u32 id        label `syscall`, size 4, uint + syscall
 *   offset 4  u8  bucket    label `bucket`,  size 1, padding 3, uint
 *   offset 5  u8  pad[3]    (always zero)
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "ebpf_exporter.h"

/* bucket_max in syscall_latency.yaml */
#define MAX_LATENCY_BUCKET 27

struct syscall_start {
	u64 ts;
	u32 id;
	u32 pad;
};

struct syscall_latency_key {
	u32 id;
	u8 bucket;
	u8 pad[3];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, u32);
	__type(value, struct syscall_start);
} start SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct syscall_latency_key);
	__type(value, u64);
} syscall_latency_seconds SEC(".maps");

/*
 * exp2zero bucket of @v: 0 for 0, else one more than the exp2 bucket, so
 * that key i >= 1 has the upper bound 2^(i-1).
 */
static __always_inline u64 exp2zero_bucket(u64 v)
{
	if (v == 0)
		return 0;

	return ebpf_exporter_exp2_bucket(v) + 1;
}

SEC("raw_tp/sys_enter")
int BPF_PROG(syscall_enter, struct pt_regs *regs, long id)
{
	u32 tid = (u32)bpf_get_current_pid_tgid();
	struct syscall_start s = {};

	if (id < 0)
		return 0;

	s.ts = bpf_ktime_get_ns();
	s.id = (u32)id;
	bpf_map_update_elem(&start, &tid, &s, BPF_ANY);

	return 0;
}

SEC("raw_tp/sys_exit")
int BPF_PROG(syscall_exit, struct pt_regs *regs, long ret)
{
	u32 tid = (u32)bpf_get_current_pid_tgid();
	struct syscall_latency_key key = {};
	struct syscall_start *s;
	u64 now, delta_us, bucket;

	s = bpf_map_lookup_elem(&start, &tid);
	if (!s)
		return 0;

	now = bpf_ktime_get_ns();
	delta_us = now > s->ts ? (now - s->ts) / 1000 : 0;
	key.id = s->id;
	bpf_map_delete_elem(&start, &tid);

	bucket = exp2zero_bucket(delta_us);
	if (bucket > MAX_LATENCY_BUCKET)
		bucket = MAX_LATENCY_BUCKET;

	key.bucket = bucket;
	if (ebpf_exporter_increment_map(&syscall_latency_seconds, &key, 1))
		return 0;

	key.bucket = MAX_LATENCY_BUCKET + 1;
	ebpf_exporter_increment_map(&syscall_latency_seconds, &key, delta_us);

	return 0;
}

char LICENSE[] SEC("license") = "GPL";
