// SPDX-License-Identifier: GPL-2.0
/*
 * netdev_packets: packets and bytes each network interface receives and
 * transmits, as the kernel's stack sees them (after GRO on receive, before
 * GSO segmentation on transmit, so one "packet" may be several on the wire).
 *
 * Hooks: BTF tracepoints (tp_btf: typed arguments, no tracefs needed).
 * Their arguments on 6.18, from vmlinux.h's btf_trace_* typedefs:
 *   netif_receive_skb (struct sk_buff *skb)
 *       every packet handed to the protocol stack, skb->dev the receiving
 *       device; skb->len excludes the link-layer header (already pulled)
 *   net_dev_xmit (struct sk_buff *skb, int rc, struct net_device *dev,
 *                 unsigned int skb_len)
 *       after the driver's ndo_start_xmit; rc is NETDEV_TX_OK (0) when the
 *       driver took the packet (others are not counted); skb_len includes
 *       the link-layer header (14 bytes of Ethernet, also on lo)
 *
 * Map key (both maps), 8 bytes:
 *   offset 0  u32 ifindex    label `device`     size 4, decoder ifname
 *   offset 4  u8  direction  label `direction`  size 1, padding 3,
 *                            uint + static_map (0 = rx, 1 = tx)
 *   offset 5  u8  pad[3]     (always zero)
 * Map values: u64 packets (netdev_packets_total), u64 bytes
 * (netdev_bytes_total).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "ebpf_exporter.h"

#define DIRECTION_RX 0
#define DIRECTION_TX 1

struct netdev_key {
	u32 ifindex;
	u8 direction;
	u8 pad[3];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct netdev_key);
	__type(value, u64);
} netdev_packets_total SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct netdev_key);
	__type(value, u64);
} netdev_bytes_total SEC(".maps");

static __always_inline void count(u32 ifindex, u8 direction, u64 bytes)
{
	struct netdev_key key = {};

	key.ifindex = ifindex;
	key.direction = direction;

	ebpf_exporter_increment_map(&netdev_packets_total, &key, 1);
	ebpf_exporter_increment_map(&netdev_bytes_total, &key, bytes);
}

SEC("tp_btf/netif_receive_skb")
int BPF_PROG(count_receive, struct sk_buff *skb)
{
	struct net_device *dev = skb->dev;

	if (!dev)
		return 0;

	count(dev->ifindex, DIRECTION_RX, skb->len);

	return 0;
}

SEC("tp_btf/net_dev_xmit")
int BPF_PROG(count_transmit, struct sk_buff *skb, int rc, struct net_device *dev,
	     unsigned int skb_len)
{
	if (rc != 0 || !dev) /* only NETDEV_TX_OK */
		return 0;

	count(dev->ifindex, DIRECTION_TX, skb_len);

	return 0;
}

char LICENSE[] SEC("license") = "GPL";
