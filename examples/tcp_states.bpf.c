// SPDX-License-Identifier: GPL-2.0
/*
 * tcp_states: how TCP sockets move through the TCP state machine, counted
 * by (old state, new state): connections opened (SYN_SENT -> ESTABLISHED),
 * accepted (SYN_RECV -> ESTABLISHED), closed actively or passively, etc.
 *
 * Hook: the classic tracepoint sock/inet_sock_set_state (needs tracefs).
 * Its record on 6.18 (struct trace_event_raw_inet_sock_set_state):
 *   skaddr                 socket pointer (unused)
 *   int oldstate, newstate TCP_ESTABLISHED = 1 ... TCP_BOUND_INACTIVE = 13
 *   u16 sport, dport, family
 *   u16 protocol           IPPROTO_TCP (6), IPPROTO_SCTP (132) or
 *                          IPPROTO_MPTCP (262); only TCP is counted
 *   u8  saddr[4], daddr[4], saddr_v6[16], daddr_v6[16]
 *
 * Map key, 2 bytes:
 *   offset 0  u8 oldstate  label `old_state`  size 1, uint + static_map
 *   offset 1  u8 newstate  label `new_state`  size 1, uint + static_map
 * Map value: u64 transitions.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "ebpf_exporter.h"

#define IPPROTO_TCP 6

struct state_change_key {
	u8 oldstate;
	u8 newstate;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256); /* at most 14 x 14 state pairs */
	__type(key, struct state_change_key);
	__type(value, u64);
} tcp_state_changes_total SEC(".maps");

SEC("tracepoint/sock/inet_sock_set_state")
int count_tcp_state_change(struct trace_event_raw_inet_sock_set_state *ctx)
{
	struct state_change_key key = {};

	if (ctx->protocol != IPPROTO_TCP)
		return 0;

	key.oldstate = (u8)ctx->oldstate;
	key.newstate = (u8)ctx->newstate;

	ebpf_exporter_increment_map(&tcp_state_changes_total, &key, 1);

	return 0;
}

char LICENSE[] SEC("license") = "GPL";
