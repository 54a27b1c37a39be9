// SPDX-License-Identifier: GPL-2.0
/*
 * malloc_calls: which programs call libc's malloc(), how often, and how
 * large the requests are: an exp2 histogram of requested sizes in bytes per
 * command name. Its _count is the number of calls, its _sum the bytes
 * requested (not what was handed out, nor whether it succeeded).
 *
 * Hook: a uprobe on the entry of malloc in libc.so.6, for every process on
 * the machine (libbpf resolves the library through the standard library
 * directories, /lib/x86_64-linux-gnu here). The argument is read from the
 * registers as in a kprobe: malloc(size_t size). Only calls through libc's
 * malloc are seen: programs with their own allocator (jemalloc, Go, ...)
 * or statically linked ones are not, and calloc/realloc are separate
 * functions. Mind the cost: a uprobe hit takes a trap into the kernel (~1-3
 * us), and malloc can be called millions of times per second.
 *
 * Map key, 17 bytes (alignment 1, no implicit padding):
 *   offset  0  char comm[16]  label `comm`    size 16, decoder string
 *   offset 16  u8   bucket    label `bucket`  size 1, decoder uint
 *              (exp2: bucket k holds sizes in (2^(k-1), 2^k]; 33 = sum)
 * Map value: u64 calls (the sum key: bytes).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "ebpf_exporter.h"

/* bucket_max in malloc_calls.yaml: 2^32 bytes; larger requests clamp here */
#define MAX_SIZE_BUCKET 32

struct malloc_key {
	char comm[TASK_COMM_LEN];
	u8 bucket;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct malloc_key);
	__type(value, u64);
} malloc_size_bytes SEC(".maps");

SEC("uprobe/libc.so.6:malloc")
int BPF_KPROBE(count_malloc, size_t size)
{
	struct malloc_key key = {};

	bpf_get_current_comm(key.comm, sizeof(key.comm));

	ebpf_exporter_exp2_histogram(&malloc_size_bytes, &key, &key.bucket, size,
				     MAX_SIZE_BUCKET);

	return 0;
}

char LICENSE[] SEC("license") = "GPL";
