/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * ebpf_exporter.h - small helpers for BPF programs whose maps are read by
 * the ebpf_exporter for Deno (and by cloudflare/ebpf_exporter).
 *
 * The exporter reads every counter / histogram from a BPF map named exactly
 * like the metric. Values must be u64 (8 bytes; per-CPU maps: 8 bytes per
 * possible CPU). Keys are C structs that the YAML config slices into labels
 * with `size` + `padding`, so:
 *
 *   - always zero-initialise key structs (`struct my_key key = {};`), or
 *     garbage in padding bytes creates distinct keys for the same labels;
 *   - the sum of size + padding over the labels must equal sizeof(key).
 *
 * Include order: this header pulls in vmlinux.h and <bpf/bpf_helpers.h>
 * itself (both have include guards), so it may come first or last.
 */
#ifndef __EBPF_EXPORTER_H__
#define __EBPF_EXPORTER_H__

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

/* vmlinux.h carries no #defines; these are the errno values we need. */
#ifndef ENOENT
#define ENOENT 2
#endif
#ifndef EEXIST
#define EEXIST 17
#endif

/*
 * ebpf_exporter_increment_map - add @delta to the u64 value stored under @key.
 *
 * The value is looked up first. If the key is missing, a zero value is
 * inserted with BPF_NOEXIST (so a racing insert from another CPU is not
 * clobbered: its -EEXIST is ignored), looked up again, and then @delta is
 * added atomically with __sync_fetch_and_add.
 *
 * Works for HASH, LRU_HASH, ARRAY and their per-CPU variants (for per-CPU
 * maps the atomic add is not required, but it is harmless).
 *
 * Returns 0 on success, or a negative errno (for example -E2BIG when a hash
 * map is full) when the value could not be created.
 */
static __always_inline int ebpf_exporter_increment_map(void *map, const void *key, u64 delta)
{
	u64 *value = bpf_map_lookup_elem(map, key);

	if (!value) {
		u64 zero = 0;
		long err = bpf_map_update_elem(map, key, &zero, BPF_NOEXIST);

		if (err && err != -EEXIST)
			return (int)err;

		value = bpf_map_lookup_elem(map, key);
		if (!value)
			return -ENOENT;
	}

	__sync_fetch_and_add(value, delta);

	return 0;
}

/*
 * ebpf_exporter_log2 - floor(log2(@v)) for a u64, with log2(0) = 0.
 *
 * Branch-free binary search over the bit width (32, 16, 8, 4, 2, 1), so it
 * costs a fixed handful of instructions and needs no loop for the verifier.
 */
static __always_inline u64 ebpf_exporter_log2(u64 v)
{
	u64 result = 0;
	u64 shift;

	shift = (u64)(v > 0xffffffffULL) << 5;
	v >>= shift;
	result |= shift;

	shift = (u64)(v > 0xffffULL) << 4;
	v >>= shift;
	result |= shift;

	shift = (u64)(v > 0xffULL) << 3;
	v >>= shift;
	result |= shift;

	shift = (u64)(v > 0xfULL) << 2;
	v >>= shift;
	result |= shift;

	shift = (u64)(v > 0x3ULL) << 1;
	v >>= shift;
	result |= shift;

	/* v is now 0..3: one more bit if it is 2 or 3 */
	result |= v >> 1;

	return result;
}

/*
 * ebpf_exporter_exp2_bucket - the exp2 histogram bucket for @v.
 *
 * Bucket k holds values in (2^(k-1), 2^k], which is what Prometheus' `le`
 * (less-or-equal) upper bound 2^k * bucket_multiplier expects:
 *
 *   value:   0  1 | 2 | 3 4 | 5..8 | 9..16 | ...
 *   bucket:  0  0 | 1 |  2  |  3   |   4   | ...
 *
 * That is ceil(log2(v)) for v >= 2, and 0 for v = 0 and v = 1.
 */
static __always_inline u64 ebpf_exporter_exp2_bucket(u64 v)
{
	if (v <= 1)
		return 0;

	return ebpf_exporter_log2(v - 1) + 1;
}

/*
 * ebpf_exporter_exp2_histogram(map, key, bucket, value, max_bucket)
 *
 * Record one observation of @value in an exp2 histogram map.
 *
 *   map         pointer to the histogram map (`&my_histogram`), u64 values
 *   key         pointer to the caller's key struct, other labels filled in
 *   bucket      pointer to the bucket field INSIDE *key (`&key->bucket` /
 *               `&key.bucket`); any unsigned integer type (u8, u16, u32,
 *               u64) works, because the store goes through typeof(*bucket)
 *   value       raw observed value (already in the unit the YAML's
 *               bucket_multiplier expects, e.g. microseconds for 0.000001)
 *   max_bucket  the YAML's bucket_max
 *
 * What it does:
 *   1. k = ebpf_exporter_exp2_bucket(value), clamped to max_bucket (values
 *      beyond the range land in the last bucket instead of being lost);
 *   2. *bucket = k, increment the map value under *key by 1;
 *   3. *bucket = max_bucket + 1 (the "sum" key), add @value to it.
 *
 * The exporter reads key max_bucket + 1 as the histogram's _sum. The bucket
 * field must therefore be wide enough to hold max_bucket + 1 (u8: <= 254).
 * On return *bucket is left at max_bucket + 1; the key is modified in place.
 *
 * Evaluates to 0 on success or the first negative errno from
 * ebpf_exporter_increment_map.
 */
#define ebpf_exporter_exp2_histogram(map, key, bucket, value, max_bucket)          \
	({                                                                          \
		u64 __eh_value = (u64)(value);                                      \
		u64 __eh_max = (u64)(max_bucket);                                   \
		u64 __eh_k = ebpf_exporter_exp2_bucket(__eh_value);                 \
		int __eh_err;                                                       \
                                                                                    \
		if (__eh_k > __eh_max)                                              \
			__eh_k = __eh_max;                                          \
                                                                                    \
		*(bucket) = (typeof(*(bucket)))__eh_k;                              \
		__eh_err = ebpf_exporter_increment_map((map), (key), 1);            \
                                                                                    \
		*(bucket) = (typeof(*(bucket)))(__eh_max + 1);                      \
		if (!__eh_err)                                                      \
			__eh_err = ebpf_exporter_increment_map((map), (key),        \
							       __eh_value);         \
		__eh_err;                                                           \
	})

#endif /* __EBPF_EXPORTER_H__ */
