// SPDX-License-Identifier: GPL-2.0
/*
 * skb_drops: why the kernel drops packets, by drop reason (no socket
 * listening, receive buffer full, checksum errors, netfilter, qdisc
 * limits, ...).
 *
 * Hook: the classic tracepoint skb/kfree_skb (needs tracefs). It fires for
 * every sk_buff freed as a drop; buffers freed after normal use go to
 * skb/consume_skb instead. Its record on 6.18 (struct
 * trace_event_raw_kfree_skb):
 *   void *skbaddr, *location   the buffer and the freeing call site
 *   void *rx_sk                the receiving socket, if any
 *   u16  protocol              skb->protocol in host order (0x0800 = IPv4)
 *   enum skb_drop_reason reason (4 bytes)
 * Core reasons are small numbers (SKB_DROP_REASON_NO_SOCKET = 3 on 6.18,
 * but the numbering changes between kernels, so the YAML's names must match
 * the running kernel's `enum skb_drop_reason`); subsystems (mac80211,
 * openvswitch) put their id in the upper 16 bits, and those unnamed values
 * are exported as plain numbers (static_map allow_unknown).
 *
 * Map key, 4 bytes:
 *   offset 0  u32 reason  label `reason`  size 4, uint + static_map
 * Map value: u64 dropped packets.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "ebpf_exporter.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, u32);
	__type(value, u64);
} skb_drops_total SEC(".maps");

SEC("tracepoint/skb/kfree_skb")
int count_skb_drop(struct trace_event_raw_kfree_skb *ctx)
{
	u32 reason = ctx->reason;

	ebpf_exporter_increment_map(&skb_drops_total, &reason, 1);

	return 0;
}

char LICENSE[] SEC("license") = "GPL";
