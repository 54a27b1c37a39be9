// SPDX-License-Identifier: GPL-2.0
/*
 * xdp_lo_packets: what arrives on the loopback interface, by IP version,
 * IP protocol and destination port (TCP and UDP; 0 for other protocols).
 *
 * Hook: XDP through the exporter's custom section `xdp/lo` (attached as a
 * BPF link, detached on exit; lo has no native XDP support, so the kernel
 * runs it in generic mode, on the sk_buff). Every packet is passed on
 * (XDP_PASS), so nothing changes for the traffic. XDP runs on the receive
 * side: each packet sent to a loopback address is seen once.
 *
 * An interface has one XDP program at a time (per attach mode): this
 * example and dns_queries (also `xdp/lo`) cannot run at the same time, and
 * the second to attach fails with EBUSY.
 *
 * The frame starts with a 14-byte Ethernet header (all-zero MACs on lo).
 * IPv4 options are skipped by ihl; IPv6 extension headers are not followed
 * (such packets count under their first next-header value, port 0).
 *
 * Map key, 4 bytes:
 *   offset 0  u8  family    label `family`    size 1, uint + static_map (4 / 6)
 *   offset 1  u8  protocol  label `protocol`  size 1, uint + static_map
 *   offset 2  u16 port      label `port`      size 2, uint (host order)
 * Map value: u64 packets.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "ebpf_exporter.h"

#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD
#define IPPROTO_TCP 6
#define IPPROTO_UDP 17

struct lo_packet_key {
	u8 family;
	u8 protocol;
	u16 port;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct lo_packet_key);
	__type(value, u64);
} xdp_lo_packets_total SEC(".maps");

SEC("xdp/lo")
int count_lo_packet(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct lo_packet_key key = {};
	struct ethhdr *eth = data;
	void *l4;

	if ((void *)(eth + 1) > data_end)
		return XDP_PASS;

	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = (void *)(eth + 1);

		if ((void *)(ip + 1) > data_end || ip->ihl < 5)
			return XDP_PASS;
		key.family = 4;
		key.protocol = ip->protocol;
		l4 = (void *)ip + ip->ihl * 4;
	} else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);

		if ((void *)(ip6 + 1) > data_end)
			return XDP_PASS;
		key.family = 6;
		key.protocol = ip6->nexthdr;
		l4 = ip6 + 1;
	} else {
		return XDP_PASS;
	}

	if (key.protocol == IPPROTO_TCP || key.protocol == IPPROTO_UDP) {
		/* both headers start with u16 source port, u16 destination port */
		u16 *ports = l4;

		if ((void *)(ports + 2) <= data_end)
			key.port = bpf_ntohs(ports[1]);
	}

	ebpf_exporter_increment_map(&xdp_lo_packets_total, &key, 1);

	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
