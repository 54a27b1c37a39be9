// SPDX-License-Identifier: GPL-2.0
/*
 * tcp_retransmits: which TCP connections retransmit, by source and
 * destination address and port, IPv4 and IPv6, and by the socket's TCP
 * state at the time (SYN_SENT: the handshake is being retried;
 * ESTABLISHED: data or FIN segments were lost).
 *
 * Hook: the classic tracepoint tcp/tcp_retransmit_skb (needs tracefs). Its
 * record on 6.18 (struct trace_event_raw_tcp_retransmit_skb, see
 * /sys/kernel/tracing/events/tcp/tcp_retransmit_skb/format):
 *   skbaddr, skaddr       pointers (unused)
 *   int state             TCP state of the socket (TCP_ESTABLISHED = 1, ...)
 *   u16 sport, dport      host byte order
 *   u16 family            AF_INET (2) or AF_INET6 (10)
 *   u8  saddr[4], daddr[4]
 *   u8  saddr_v6[16], daddr_v6[16]
 *   int err               new in 6.x: the result of the retransmission
 * The kernel fills saddr_v6/daddr_v6 for IPv4 sockets too, with the
 * v4-mapped address ::ffff:a.b.c.d, so the 16-byte fields are used for both
 * families: the `inet_ip` decoder prints v4-mapped addresses dotted
 * (127.0.0.1), and real IPv6 ones in RFC 5952 form (::1).
 *
 * Map key, 38 bytes (alignment 2, no implicit padding):
 *   offset  0  u8  saddr[16]  label `saddr`  size 16, decoder inet_ip
 *   offset 16  u8  daddr[16]  label `daddr`  size 16, decoder inet_ip
 *   offset 32  u16 sport      label `sport`  size 2,  decoder uint
 *   offset 34  u16 dport      label `dport`  size 2,  decoder uint
 *   offset 36  u8  state      label `state`  size 1, padding 1, uint + static_map
 *   offset 37  u8  pad        (always zero)
 * Map value: u64 retransmitted segments.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "ebpf_exporter.h"

struct retransmit_key {
	u8 saddr[16];
	u8 daddr[16];
	u16 sport;
	u16 dport;
	u8 state;
	u8 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 10240);
	__type(key, struct retransmit_key);
	__type(value, u64);
} tcp_retransmits_total SEC(".maps");

SEC("tracepoint/tcp/tcp_retransmit_skb")
int count_tcp_retransmit(struct trace_event_raw_tcp_retransmit_skb *ctx)
{
	struct retransmit_key key = {};

	/*
	 * The verifier allows only fixed-offset loads from a tracepoint
	 * context, which a 16-byte memcpy at offset 42 is not: copy through
	 * bpf_probe_read_kernel instead (the record is kernel memory).
	 */
	bpf_probe_read_kernel(key.saddr, sizeof(key.saddr), ctx->saddr_v6);
	bpf_probe_read_kernel(key.daddr, sizeof(key.daddr), ctx->daddr_v6);
	key.sport = ctx->sport;
	key.dport = ctx->dport;
	key.state = (u8)ctx->state;

	ebpf_exporter_increment_map(&tcp_retransmits_total, &key, 1);

	return 0;
}

char LICENSE[] SEC("license") = "GPL";
