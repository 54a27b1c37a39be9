// SPDX-License-Identifier: GPL-2.0
/*
 * bio_sizes: how big the block requests sent to each disk are, per
 * operation (read, write, flush, discard, ...).
 *
 * When a request is handed to the driver (block_rq_issue) its size in bytes
 * goes into an exp2 histogram keyed by disk and REQ_OP. Merged requests are
 * counted once, at their merged size, which is what the device sees.
 *
 * Hook: raw_tp/block_rq_issue, on 6.18 (btf_trace_block_rq_issue)
 *   (struct request *rq)
 * rq->__data_len is the bytes left to transfer, the whole request at issue
 * time; the disk is rq->q->disk (rq->rq_disk before 5.17). raw_tp arguments
 * are untyped for the verifier: every read goes through BPF_CORE_READ.
 *
 * Buckets (bucket_type exp2, bytes): key k counts sizes in (2^(k-1), 2^k].
 * The smallest useful size is one 512-byte sector, so bucket_min is 9 and
 * anything up to 512 bytes (including the 0 bytes of a flush) is counted
 * in bucket 9 (le="512" is still true of it). Key 27 (le = 128 MiB) takes
 * everything larger; key 28 accumulates the bytes for _sum.
 *
 * Map bio_size_bytes, key 8 bytes, no implicit padding:
 *   offset 0  u32 dev       label `device`    size 4, majorminor
 *   offset 4  u8  op        label `operation` size 1, uint + static_map
 *   offset 5  u8  bucket    label `bucket`    size 1, padding 2, uint
 *   offset 6  u8  pad[2]    (always zero)
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "ebpf_exporter.h"

/* bucket_min and bucket_max in bio_sizes.yaml */
#define MIN_SIZE_BUCKET 9
#define MAX_SIZE_BUCKET 27

/* The low REQ_OP_BITS (8) of cmd_flags are the operation (blk_types.h). */
#define REQ_OP_MASK 0xff

struct bio_size_key {
	u32 dev;
	u8 op;
	u8 bucket;
	u8 pad[2];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct bio_size_key);
	__type(value, u64);
} bio_size_bytes SEC(".maps");

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

SEC("raw_tp/block_rq_issue")
int BPF_PROG(block_rq_issue, struct request *rq)
{
	struct bio_size_key key = {};
	u64 bytes = BPF_CORE_READ(rq, __data_len);
	u64 bucket = ebpf_exporter_exp2_bucket(bytes);

	if (bucket < MIN_SIZE_BUCKET)
		bucket = MIN_SIZE_BUCKET;
	if (bucket > MAX_SIZE_BUCKET)
		bucket = MAX_SIZE_BUCKET;

	key.dev = request_dev(rq);
	key.op = BPF_CORE_READ(rq, cmd_flags) & REQ_OP_MASK;

	key.bucket = bucket;
	if (ebpf_exporter_increment_map(&bio_size_bytes, &key, 1))
		return 0;

	key.bucket = MAX_SIZE_BUCKET + 1;
	ebpf_exporter_increment_map(&bio_size_bytes, &key, bytes);

	return 0;
}

char LICENSE[] SEC("license") = "GPL";
