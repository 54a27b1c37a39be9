// SPDX-License-Identifier: GPL-2.0
/*
 * block_io_stacks: where block IO requests are issued from, counted by the
 * kernel stack that hands each request to the disk driver (direct IO from
 * a process, page cache writeback by a flusher thread, journal commits,
 * the block layer's own requeue work, ...).
 *
 * Hook: the raw tracepoint block_rq_issue (no tracefs needed); its
 * argument on 6.18 is (struct request *rq), unused here. The kernel stack
 * is taken with bpf_get_stack() into the key itself, so that the exporter's
 * `kstack` decoder can turn the addresses into symbol names, innermost
 * frame first, one per line. The first two frames are always this BPF
 * program itself (`bpf_prog_<tag>_count_block_rq_issue [bpf]`, whose tag
 * changes with every build) and bpf_trace_run1: they are skipped, so a
 * stack starts at the tracepoint's caller, blk_mq_start_request, e.g.
 *   blk_mq_start_request, virtblk_prep_rq.isra.0, virtio_queue_rq,
 *   blk_mq_dispatch_rq_list, ..., blk_finish_plug, __iomap_dio_rw,
 *   iomap_dio_rw, ext4_file_write_iter, vfs_write, ksys_write, ...
 * MAX_FRAMES bounds the depth kept (outer callers beyond it are cut).
 *
 * Map key, 160 bytes:
 *   offset 0  u64 ip[20]  label `stack`  size 160, decoder kstack
 *             (return addresses, innermost first, zero after the last)
 * Map value: u64 requests issued.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "ebpf_exporter.h"

#define MAX_FRAMES 20
#define SKIP_FRAMES 2 /* this program itself, bpf_trace_run1 */

struct stack_key {
	u64 ip[MAX_FRAMES];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct stack_key);
	__type(value, u64);
} block_io_stacks_total SEC(".maps");

/* The key is too big for comfort on the 512-byte BPF stack: build it here. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct stack_key);
} scratch SEC(".maps");

SEC("raw_tp/block_rq_issue")
int BPF_PROG(count_block_rq_issue)
{
	struct stack_key *key;
	u32 zero = 0;

	key = bpf_map_lookup_elem(&scratch, &zero);
	if (!key)
		return 0;

	__builtin_memset(key, 0, sizeof(*key));
	if (bpf_get_stack(ctx, key->ip, sizeof(key->ip), SKIP_FRAMES & BPF_F_SKIP_FIELD_MASK) <= 0)
		return 0;

	ebpf_exporter_increment_map(&block_io_stacks_total, key, 1);

	return 0;
}

char LICENSE[] SEC("license") = "GPL";
