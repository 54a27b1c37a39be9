// SPDX-License-Identifier: GPL-2.0
/*
 * dns_queries: which DNS names local programs query over loopback (to a
 * local resolver such as systemd-resolved, dnsmasq or unbound), by name
 * and query type.
 *
 * Hook: XDP through the exporter's custom section `xdp/lo`; every packet is
 * passed on (XDP_PASS). UDP datagrams to port 53 over IPv4 or IPv6 (no
 * IPv6 extension headers) whose DNS header says "query" (QR = 0) are
 * parsed; the first question of each is counted. Queries that leave over
 * another interface are not seen: change the section to xdp/eth0 to
 * watch queries arriving at a DNS server on eth0 instead.
 *
 * An interface has one XDP program at a time (per attach mode): this
 * example and xdp_lo_packets (also `xdp/lo`) cannot run at the same time;
 * the second to attach fails with EBUSY.
 *
 * The question name is copied in DNS wire format (length-prefixed labels,
 * `\x07example\x03com`, one byte more than the dotted name) into a 64-byte
 * field, and everything after the name is zeroed. Names of up to 62
 * characters fit with their terminating zero label. Longer ones keep only
 * the labels that fit whole (`a.b.<cut>`), and their type is unknown (0).
 * The YAML decodes it with `string` (cut at the first NUL: the end of the
 * name) and then `dname` (`\x07example\x03com` -> `example.com`); without
 * `string`, dname would show the zero padding as trailing dots.
 *
 * Map key, 66 bytes (alignment 2, no implicit padding):
 *   offset  0  u8  name[64]  label `name`  size 64, decoders string, dname
 *   offset 64  u16 qtype     label `type`  size 2, uint + static_map
 *                            (host order: A = 1, AAAA = 28, ...)
 * Map value: u64 queries.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "ebpf_exporter.h"

#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD
#define IPPROTO_UDP 17
#define DNS_PORT 53
#define DNS_HEADER_SIZE 12
#define DNS_FLAG_QR 0x80 /* in the third header byte: 1 = response */
#define DNS_MAX_LABEL 63
#define NAME_SIZE 64

struct dns_query_key {
	u8 name[NAME_SIZE];
	u16 qtype;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct dns_query_key);
	__type(value, u64);
} dns_queries_total SEC(".maps");

/* One key is too big for comfort on the 512-byte BPF stack: build it here. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct dns_query_key);
} scratch SEC(".maps");

SEC("xdp/lo")
int count_dns_query(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct dns_query_key *key;
	struct udphdr *udp;
	u8 *dns, *name;
	u32 zero = 0, i, pos = 0, offset;
	long avail;
	bool terminated = false;

	if ((void *)(eth + 1) > data_end)
		return XDP_PASS;

	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = (void *)(eth + 1);

		if ((void *)(ip + 1) > data_end || ip->ihl < 5 || ip->protocol != IPPROTO_UDP)
			return XDP_PASS;
		udp = (void *)ip + ip->ihl * 4;
	} else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);

		if ((void *)(ip6 + 1) > data_end || ip6->nexthdr != IPPROTO_UDP)
			return XDP_PASS;
		udp = (void *)(ip6 + 1);
	} else {
		return XDP_PASS;
	}

	if ((void *)(udp + 1) > data_end || udp->dest != bpf_htons(DNS_PORT))
		return XDP_PASS;

	dns = (u8 *)(udp + 1);
	if (dns + DNS_HEADER_SIZE > (u8 *)data_end || (dns[2] & DNS_FLAG_QR))
		return XDP_PASS;
	name = dns + DNS_HEADER_SIZE;

	key = bpf_map_lookup_elem(&scratch, &zero);
	if (!key)
		return XDP_PASS;
	__builtin_memset(key, 0, sizeof(*key));

	/*
	 * Copy up to 64 bytes of the packet from the name on (a short packet
	 * leaves zeros) and walk the labels in the copy; then copy again,
	 * exactly the whole labels, over a zeroed key. bpf_xdp_load_bytes
	 * (5.18+) with a bounded length keeps the verifier's work small, where
	 * byte loops over the packet or the key would make it explore every
	 * possible name length on every path.
	 */
	offset = (u32)((long)name - (long)data);
	avail = (long)data_end - (long)name;
	if (avail <= 0)
		return XDP_PASS;
	if (avail > NAME_SIZE)
		avail = NAME_SIZE;
	if (bpf_xdp_load_bytes(ctx, offset, key->name, (u32)avail))
		return XDP_PASS;

	/* `pos` is the offset of the next length byte; labels before it are whole. */
	for (i = 0; i < NAME_SIZE / 2; i++) {
		u8 len = key->name[pos & (NAME_SIZE - 1)];

		if (len == 0) {
			terminated = true;
			break;
		}
		if (len > DNS_MAX_LABEL || pos + len + 1 > NAME_SIZE)
			break; /* a compression pointer, garbage, or no room for it */
		pos += len + 1;
		if (pos == NAME_SIZE)
			break; /* whole, but where it ends is not in the copy */
	}

	__builtin_memset(key, 0, sizeof(*key));
	if (pos > 0 && pos <= NAME_SIZE && pos <= avail &&
	    bpf_xdp_load_bytes(ctx, offset, key->name, pos))
		return XDP_PASS;

	if (terminated) {
		/* pos < NAME_SIZE: the mask only tells the verifier so */
		u8 *qtype = name + (pos & (NAME_SIZE - 1)) + 1;

		if (qtype + 2 <= (u8 *)data_end)
			key->qtype = ((u16)qtype[0] << 8) | qtype[1];
	}

	ebpf_exporter_increment_map(&dns_queries_total, key, 1);

	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
