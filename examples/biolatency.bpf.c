// SPDX-License-Identifier: GPL-2.0
/*
 * biolatency: block IO latency histogram per disk and operation.
 *
 * A request's start time is taken when it enters the block layer queue
 * (block_rq_insert) or, if it never sat in a queue, when it is handed to
 * the driver (block_rq_issue). On block_rq_complete the elapsed time in
 * microseconds goes into an exp2 histogram keyed by disk and REQ_OP.
 *
 * Raw tracepoints are used (no tracefs needed); their arguments on 6.18,
 * from vmlinux.h's btf_trace_* typedefs:
 *   block_rq_insert   (struct request *rq)
 *   block_rq_issue    (struct request *rq)
 *   block_rq_complete (struct request *rq, blk_status_t error, unsigned int nr_bytes)
 * raw_tp arguments are not BTF-typed for the verifier, so every kernel
 * memory access goes through BPF_CORE_READ.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "ebpf_exporter.h"

/* bucket_max in biolatency.yaml: 2^26 us = 67 s; slower requests clamp here */
#define MAX_LATENCY_BUCKET 26

/* REQ_OP_BITS is 8 (include/linux/blk_types.h); not present in BTF */
#define REQ_OP_MASK 0xff

/*
 * Histogram key, 8 bytes, no implicit padding:
 *   offset 0  u32 dev     label `device`    size 4, decoder majorminor
 *   offset 4  u8  op      label `operation` size 1, decoder static_map
 *   offset 5  u8  bucket  label `bucket`    size 1, padding 2, decoder uint
 *   offset 6  u8  pad[2]  (always zero)
 */
struct bio_latency_key {
	u32 dev;
	u8 op;
	u8 bucket;
	u8 pad[2];
};

/* in-flight requests: request pointer -> start time (ns) */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 10240);
	__type(key, struct request *);
	__type(value, u64);
} start SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct bio_latency_key);
	__type(value, u64);
} bio_latency_seconds SEC(".maps");

/* Kernels before 5.17 kept the disk in struct request itself. */
struct request___pre_5_17 {
	struct gendisk *rq_disk;
} __attribute__((preserve_access_index));

/*
 * The kernel's new_encode_dev(): the u32 layout of dev_t seen in
 * /proc/partitions-style major:minor, which the `majorminor` decoder undoes.
 */
static __always_inline u32 encode_dev(u32 major, u32 minor)
{
	return (minor & 0xff) | (major << 8) | ((minor & ~0xffU) << 12);
}

static __always_inline struct gendisk *request_disk(struct request *rq)
{
	struct request_queue *q = BPF_CORE_READ(rq, q);

	if (bpf_core_field_exists(q->disk))
		return BPF_CORE_READ(q, disk);

	return BPF_CORE_READ((struct request___pre_5_17 *)rq, rq_disk);
}

static __always_inline int record_start(struct request *rq, u64 flags)
{
	u64 ts = bpf_ktime_get_ns();

	bpf_map_update_elem(&start, &rq, &ts, flags);

	return 0;
}

/* Entering a queue: (re)start the clock, whatever an old entry said. */
SEC("raw_tp/block_rq_insert")
int BPF_PROG(block_rq_insert, struct request *rq)
{
	return record_start(rq, BPF_ANY);
}

/* Issued to the driver: keep the insert time if the request was queued. */
SEC("raw_tp/block_rq_issue")
int BPF_PROG(block_rq_issue, struct request *rq)
{
	return record_start(rq, BPF_NOEXIST);
}

SEC("raw_tp/block_rq_complete")
int BPF_PROG(block_rq_complete, struct request *rq, blk_status_t error, unsigned int nr_bytes)
{
	struct bio_latency_key key = {};
	struct gendisk *disk;
	u64 *started, now, delta_us;

	started = bpf_map_lookup_elem(&start, &rq);
	if (!started)
		return 0;

	now = bpf_ktime_get_ns();
	delta_us = now > *started ? (now - *started) / 1000 : 0;
	bpf_map_delete_elem(&start, &rq);

	disk = request_disk(rq);
	if (disk)
		key.dev = encode_dev(BPF_CORE_READ(disk, major), BPF_CORE_READ(disk, first_minor));

	key.op = BPF_CORE_READ(rq, cmd_flags) & REQ_OP_MASK;

	ebpf_exporter_exp2_histogram(&bio_latency_seconds, &key, &key.bucket, delta_us,
				     MAX_LATENCY_BUCKET);

	return 0;
}

char LICENSE[] SEC("license") = "GPL";
