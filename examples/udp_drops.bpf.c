// SPDX-License-Identifier: GPL-2.0
/*
 * udp_drops: which UDP ports lose datagrams because the receiving socket
 * cannot queue them (its receive buffer is full: the application reads too
 * slowly or SO_RCVBUF is too small), and with which error.
 *
 * Hook: the classic tracepoint udp/udp_fail_queue_rcv_skb (needs tracefs),
 * fired when __udp_queue_rcv_skb() fails to put a datagram on a socket's
 * receive queue (the same event that bumps the socket's `drops` column in
 * /proc/net/udp and UDP's RcvbufErrors / InErrors). Its record on 6.18
 * (struct trace_event_raw_udp_fail_queue_rcv_skb):
 *   int rc                -ENOMEM: receive buffer full; -ENOBUFS: UDP
 *                         memory (net.ipv4.udp_mem) exhausted
 *   u16 sport, dport      the datagram's ports, host order: dport is the
 *                         receiving socket's local port
 *   u16 family            AF_INET / AF_INET6
 *   u8  saddr[28], daddr[28]  struct sockaddr_in/_in6 of the datagram
 * (Older kernels had only rc and lport; sock/sock_rcvqueue_full does not
 * fire for UDP, which queues through __udp_enqueue_schedule_skb.)
 *
 * Map key, 8 bytes:
 *   offset 0  u32 error  label `error`  size 4, uint + errno (-rc)
 *   offset 4  u16 port   label `port`   size 2, padding 2, uint
 *   offset 6  u16 pad    (always zero)
 * Map value: u64 dropped datagrams.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "ebpf_exporter.h"

struct udp_drop_key {
	u32 error;
	u16 port;
	u16 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct udp_drop_key);
	__type(value, u64);
} udp_receive_drops_total SEC(".maps");

SEC("tracepoint/udp/udp_fail_queue_rcv_skb")
int count_udp_drop(struct trace_event_raw_udp_fail_queue_rcv_skb *ctx)
{
	struct udp_drop_key key = {};
	int rc = ctx->rc;

	key.error = rc < 0 ? -rc : rc;
	key.port = ctx->dport;

	ebpf_exporter_increment_map(&udp_receive_drops_total, &key, 1);

	return 0;
}

char LICENSE[] SEC("license") = "GPL";
