// SPDX-License-Identifier: GPL-2.0
/*
 * vfs_read_latency: how long read(2)-style reads through the VFS take, as
 * an exp2 histogram in microseconds (page cache hits in the lowest
 * buckets, disk, network file systems and pipes or sockets waiting for
 * data further up).
 *
 * NEEDS FENTRY/FEXIT (BPF trampolines). Where the kernel refuses them (as
 * the 6.18 VM this was written on does: loading fails with EPERM) the
 * exporter says "the kernel refuses fentry/fexit/fmod_ret/lsm programs"
 * and the config does not load. Without trampolines, the syscalls tracepoints
 * (raw_syscalls/sys_enter + sys_exit, filtered on read) answer a similar
 * question.
 *
 * Hooks: fentry and fexit on the kernel function vfs_read(struct file *file,
 * char __user *buf, size_t count, loff_t *pos), ssize_t result (fs/
 * read_write.c, the same on 6.18). fentry stores the start time per thread;
 * fexit computes the elapsed time. readv, splice and io_uring reads take
 * other paths and are not seen.
 *
 * Map key, 4 bytes:
 *   offset 0  u32 bucket  label `bucket`  size 4, decoder uint
 *             (exp2: bucket k holds (2^(k-1), 2^k] us; 27 = sum)
 * Map value: u64 reads (the sum key: microseconds).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "ebpf_exporter.h"

/* bucket_max in vfs_read_latency.yaml: 2^26 us = 67 s; slower reads clamp here */
#define MAX_LATENCY_BUCKET 26

struct latency_key {
	u32 bucket;
};

/* thread id -> start time (ns) */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 10240);
	__type(key, u32);
	__type(value, u64);
} start SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_LATENCY_BUCKET + 2);
	__type(key, struct latency_key);
	__type(value, u64);
} vfs_read_latency_seconds SEC(".maps");

SEC("fentry/vfs_read")
int BPF_PROG(vfs_read_enter, struct file *file, char *buf, size_t count, loff_t *pos)
{
	u32 tid = (u32)bpf_get_current_pid_tgid();
	u64 ts = bpf_ktime_get_ns();

	bpf_map_update_elem(&start, &tid, &ts, BPF_ANY);

	return 0;
}

SEC("fexit/vfs_read")
int BPF_PROG(vfs_read_exit, struct file *file, char *buf, size_t count, loff_t *pos,
	     ssize_t ret)
{
	u32 tid = (u32)bpf_get_current_pid_tgid();
	struct latency_key key = {};
	u64 *started, now, delta_us;

	started = bpf_map_lookup_elem(&start, &tid);
	if (!started)
		return 0;

	now = bpf_ktime_get_ns();
	delta_us = now > *started ? (now - *started) / 1000 : 0;
	bpf_map_delete_elem(&start, &tid);

	ebpf_exporter_exp2_histogram(&vfs_read_latency_seconds, &key, &key.bucket, delta_us,
				     MAX_LATENCY_BUCKET);

	return 0;
}

char LICENSE[] SEC("license") = "GPL";
