// SPDX-License-Identifier: GPL-2.0
/*
 * bio_queue_depth: how many requests each disk is working on at once.
 *
 * Each time a request is handed to the driver (block_rq_issue), the
 * number of requests then in flight on that disk (issued, not yet
 * completed, this one included) is recorded in a linear histogram per
 * disk. A disk that is always at depth 1 is being driven serially; one
 * sitting at its queue size is saturated. _sum / _count is the mean depth
 * seen by arriving requests.
 *
 * Hooks (raw tracepoints, arguments on 6.18 from btf_trace_*):
 *   block_rq_issue    (struct request *rq)                       +1, sample
 *   block_rq_complete (struct request *rq, blk_status_t error,
 *                      unsigned int nr_bytes)                     -1
 *   block_rq_requeue  (struct request *rq)                        -1 (it will
 *                                                   be issued again)
 * Only requests seen at issue are counted down, so requests already in
 * flight when the exporter attached never drive a counter negative.
 * block_rq_complete also fires for partial completions; a request leaves
 * the count when nr_bytes covers what is left of it (rq->__data_len).
 *
 * Buckets (bucket_type linear, bucket_min 1, bucket_max 64): key d counts
 * samples of depth d (le="d"). Deeper samples are counted in key 64; key
 * 65 accumulates the depths for _sum.
 *
 * Map bio_queue_depth_requests, key 8 bytes, no implicit padding:
 *   offset 0  u32 dev       label `device` size 4, majorminor
 *   offset 4  u8  bucket    label `bucket` size 1, padding 3, uint
 *   offset 5  u8  pad[3]    (always zero)
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "ebpf_exporter.h"

/* bucket_max in bio_queue_depth.yaml */
#define MAX_DEPTH_BUCKET 64

struct bio_queue_depth_key {
	u32 dev;
	u8 bucket;
	u8 pad[3];
};

/* requests issued while attached: request pointer -> its disk */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct request *);
	__type(value, u32);
} issued SEC(".maps");

/* requests in flight per disk */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, u32);
	__type(value, u64);
} in_flight SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct bio_queue_depth_key);
	__type(value, u64);
} bio_queue_depth_requests SEC(".maps");

/* The request layout before 5.17, when it carried its own disk pointer. */
struct request___with_rq_disk {
	struct gendisk *rq_disk;
} __attribute__((preserve_access_index));

/* dev_t in the userspace encoding (new_encode_dev), for `majorminor` */
static __always_inline u32 userspace_dev(u32 major, u32 minor)
{
	return (major << 8) | (minor & 0xff) | ((minor & ~0xffU) << 12);
}

static __always_inline u32 request_dev(struct request *rq)
{
	struct gendisk *disk;

	if (bpf_core_field_exists(((struct request_queue *)0)->disk))
		disk = BPF_CORE_READ(rq, q, disk);
	else
		disk = BPF_CORE_READ((struct request___with_rq_disk *)rq, rq_disk);

	if (!disk)
		return 0;

	return userspace_dev(BPF_CORE_READ(disk, major), BPF_CORE_READ(disk, first_minor));
}

/* The request leaves its disk's count, if it was counted in. */
static __always_inline void request_done(struct request *rq)
{
	u32 *dev = bpf_map_lookup_elem(&issued, &rq);
	u64 *count;

	if (!dev)
		return;

	count = bpf_map_lookup_elem(&in_flight, dev);
	if (count && *count > 0)
		__sync_fetch_and_add(count, -1);

	bpf_map_delete_elem(&issued, &rq);
}

/* Adds 1 to the disk's count and returns the new count (0 on failure). */
static __always_inline u64 request_started(u32 dev)
{
	u64 zero = 0, *count;

	count = bpf_map_lookup_elem(&in_flight, &dev);
	if (!count) {
		bpf_map_update_elem(&in_flight, &dev, &zero, BPF_NOEXIST);
		count = bpf_map_lookup_elem(&in_flight, &dev);
		if (!count)
			return 0;
	}

	return __sync_fetch_and_add(count, 1) + 1;
}

SEC("raw_tp/block_rq_issue")
int BPF_PROG(block_rq_issue, struct request *rq)
{
	struct bio_queue_depth_key key = {};
	u32 dev = request_dev(rq);
	u64 depth;

	/* Issued again without a completion or requeue seen: count it once. */
	request_done(rq);

	if (bpf_map_update_elem(&issued, &rq, &dev, BPF_ANY))
		return 0;

	depth = request_started(dev);
	if (!depth) {
		bpf_map_delete_elem(&issued, &rq);
		return 0;
	}

	key.dev = dev;
	key.bucket = depth > MAX_DEPTH_BUCKET ? MAX_DEPTH_BUCKET : depth;
	if (ebpf_exporter_increment_map(&bio_queue_depth_requests, &key, 1))
		return 0;

	key.bucket = MAX_DEPTH_BUCKET + 1;
	ebpf_exporter_increment_map(&bio_queue_depth_requests, &key, depth);

	return 0;
}

SEC("raw_tp/block_rq_complete")
int BPF_PROG(block_rq_complete, struct request *rq, blk_status_t error, unsigned int nr_bytes)
{
	/* a partial completion: the rest of the request is still in flight */
	if (nr_bytes < BPF_CORE_READ(rq, __data_len))
		return 0;

	request_done(rq);

	return 0;
}

SEC("raw_tp/block_rq_requeue")
int BPF_PROG(block_rq_requeue, struct request *rq)
{
	request_done(rq);

	return 0;
}

char LICENSE[] SEC("license") = "GPL";
